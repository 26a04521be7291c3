//! Instruction counts: `benches/instructions.py` on one backend of one installed wheel, or the
//! Rust core's runner `core-instructions` (`benches/src/bin/`), under `valgrind --tool=callgrind`
//! in a pinned environment, and the counts read back per scenario. Both runners keep one
//! protocol: the same dumps and the same record of batches.
//!
//! Why differencing is not needed: the runner calls `os.getppid()` right before and right after
//! each measured loop (it is the loop's timer), and callgrind dumps its counters whenever
//! `getppid` is entered (`--dump-before=getppid`). Dump `2k+2` therefore holds exactly the
//! k-th measured loop, with start-up, imports and the preparation of inputs in other dumps.
//! Two runs of one build count identically; the two repeats of a scenario in one process
//! differ by a few hundredths of a percent.

use std::{
    collections::BTreeMap,
    fs,
    path::{Path, PathBuf},
};

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};
use xshell::{cmd, Shell};

use crate::exec;

/// The runner, relative to the project root.
pub const RUNNER: &str = "benches/instructions.py";
/// The oldest valgrind whose callgrind has `--dump-before` and `--callgrind-out-file` as used
/// here.
const VALGRIND_MIN: (u32, u32) = (3, 15);
/// glibc's allocator with its history-dependent choices fixed: a fixed mmap threshold (glibc
/// otherwise raises it as large blocks are freed), no trimming of the heap's top and a fixed
/// padding when it grows. Measured: without these, native transform.sort_first's two repeats
/// in one process differed by 1.00% in some checkouts (how far the heap's top was from a trim
/// depended on the lengths of the paths in play) and by 0.002% with them.
const MALLOC_TUNABLES: &str = "glibc.malloc.mmap_threshold=1073741824:\
                               glibc.malloc.trim_threshold=1073741824:\
                               glibc.malloc.top_pad=67108864";

/// The core's runner: its cargo package and binary.
pub const CORE_PACKAGE: &str = "dictwalk-benches";
pub const CORE_RUNNER: &str = "core-instructions";

/// What runs under callgrind.
#[derive(Debug, Clone, Copy)]
pub enum Runner<'a> {
    /// `benches/instructions.py` on `backend` with `python`, a venv's interpreter holding the
    /// wheel.
    Python { python: &'a Path, backend: &'a str },
    /// The core's hot paths, a `core-instructions` binary.
    Core { program: &'a Path },
}

impl Runner<'_> {
    /// The backend its record must name.
    fn backend(&self) -> &str {
        match self {
            Runner::Python { backend, .. } => backend,
            Runner::Core { .. } => "core",
        }
    }

    fn describe(&self) -> String {
        match self {
            Runner::Python { backend, .. } => format!("{RUNNER} --backend {backend}"),
            Runner::Core { program } => program.display().to_string(),
        }
    }
}

/// One scenario's count on one backend: instructions per call in each repeat.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Count {
    pub repeats: Vec<f64>,
    /// Each repeat's callgrind dump, for `changed_functions`.
    #[serde(skip)]
    pub dumps: Vec<PathBuf>,
}

impl Count {
    /// The figure compared: the mean of the repeats.
    pub fn per_call(&self) -> f64 {
        if self.repeats.is_empty() {
            return f64::NAN;
        }
        self.repeats.iter().sum::<f64>() / self.repeats.len() as f64
    }

    /// How far the repeats are apart, relative to their mean.
    pub fn spread(&self) -> f64 {
        let (min, max) = self
            .repeats
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
                (lo.min(x), hi.max(x))
            });
        if self.repeats.len() < 2 {
            return 0.0;
        }
        (max - min) / self.per_call()
    }
}

/// What one run of the runner measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measured {
    pub backend: String,
    pub python: String,
    pub dictwalk: String,
    /// By scenario id.
    pub counts: BTreeMap<String, Count>,
    /// The scenarios the backend cannot express, with the reason.
    pub skipped: BTreeMap<String, String>,
}

/// The runner's own record of what it ran, in order.
#[derive(Debug, Deserialize)]
struct Batches {
    schema_version: u32,
    backend: String,
    python: String,
    dictwalk: String,
    batches: Vec<Batch>,
    #[serde(default)]
    skipped: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
struct Batch {
    scenario: String,
    calls: u64,
}

/// `valgrind --version`, checked to be recent enough; one line saying what to install when it
/// is missing or too old.
pub fn valgrind_version(sh: &Shell) -> anyhow::Result<String> {
    let ran = exec::quiet(cmd!(sh, "valgrind --version")).map_err(|_| {
        anyhow::anyhow!(
            "valgrind is not installed: the instruction counts need it (apt-get install valgrind)"
        )
    })?;
    let text = ran.stdout.trim().to_owned();
    let version = text.strip_prefix("valgrind-").unwrap_or(&text);
    let mut parts = version.split('.').map(|p| p.parse::<u32>().ok());
    match (parts.next().flatten(), parts.next().flatten()) {
        (Some(major), Some(minor)) if ran.success && (major, minor) >= VALGRIND_MIN => Ok(text),
        _ => bail!(
            "valgrind {version:?} is too old or unreadable: the instruction counts need {}.{} or later",
            VALGRIND_MIN.0,
            VALGRIND_MIN.1
        ),
    }
}

/// The scenario ids the runner knows, from `python -I benches/instructions.py --list`.
pub fn scenario_ids(sh: &Shell, python: &Path) -> anyhow::Result<Vec<String>> {
    let runner = sh.current_dir().join(RUNNER);
    let ran = exec::quiet(cmd!(sh, "{python} -s {runner} --list"))?;
    if !ran.success {
        bail!("{}", exec::failure(&format!("{RUNNER} --list"), &ran));
    }
    Ok(ran
        .stdout
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect())
}

/// Runs `runner` under callgrind, its dumps and record in `out` (emptied first), and reads the
/// counts back.
pub fn measure(sh: &Shell, runner: Runner<'_>, out: &Path) -> anyhow::Result<Measured> {
    if out.exists() {
        fs::remove_dir_all(out).with_context(|| format!("remove {}", out.display()))?;
    }
    fs::create_dir_all(out).with_context(|| format!("create {}", out.display()))?;
    let dumps = out.join("cg.out");
    let record = out.join("batches.json");
    let dump_arg = format!("--callgrind-out-file={}", dumps.display());
    let script = sh.current_dir().join(RUNNER);
    let program: Vec<std::ffi::OsString> = match runner {
        // `-s` rather than `-I`: `-I` implies `-E`, which would ignore PYTHONHASHSEED and
        // PYTHONMALLOC (the runner refuses to measure with hash randomisation on); the empty
        // environment already keeps the caller's settings out.
        Runner::Python { python, backend } => vec![
            python.into(),
            "-s".into(),
            script.into(),
            "--backend".into(),
            backend.into(),
        ],
        Runner::Core { program } => vec![program.into()],
    };
    let backend = runner.backend();
    // A pinned environment: nothing of the caller's but a fixed PATH, hash randomisation off,
    // the system allocator (pymalloc's arenas would make counts depend on history), ASLR off,
    // and glibc's allocator pinned too (`MALLOC_TUNABLES`).
    let run = cmd!(
        sh,
        "setarch -R valgrind --tool=callgrind --dump-before=getppid {dump_arg} {program...} --out {record}"
    )
    .env_clear()
    .env("PATH", "/usr/bin:/bin")
    .env("LC_ALL", "C")
    .env("PYTHONHASHSEED", "0")
    .env("PYTHONMALLOC", "malloc")
    .env("PYTHONDONTWRITEBYTECODE", "1")
    .env("GLIBC_TUNABLES", MALLOC_TUNABLES)
    .quiet();
    let ran = exec::quiet(run)?;
    if !ran.success {
        bail!(
            "{}",
            exec::failure(&format!("callgrind of {}", runner.describe()), &ran)
        );
    }
    let text = fs::read_to_string(&record)
        .with_context(|| format!("read the runner's record {}", record.display()))?;
    let batches: Batches = serde_json::from_str(&text)
        .with_context(|| format!("{} is not the runner's record", record.display()))?;
    if batches.schema_version != 1 || batches.backend != backend {
        bail!(
            "{} records schema {} for backend {}, not schema 1 for {backend}",
            record.display(),
            batches.schema_version,
            batches.backend
        );
    }
    let totals = dump_totals(&dumps)?;
    counts(batches, &totals, &dumps)
}

/// Each batch's count: the k-th measured loop is dump `2k+2`; there must be exactly two dumps
/// per batch, or something else called `getppid` and the counts cannot be trusted.
fn counts(batches: Batches, totals: &BTreeMap<u64, u64>, dumps: &Path) -> anyhow::Result<Measured> {
    let expected = 2 * batches.batches.len() as u64;
    if totals.len() as u64 != expected {
        bail!(
            "callgrind wrote {} numbered dumps beside {}, but {} batches need {expected}: something \
             else entered getppid, so no count can be trusted",
            totals.len(),
            dumps.display(),
            batches.batches.len()
        );
    }
    let mut counts: BTreeMap<String, Count> = BTreeMap::new();
    for (k, batch) in batches.batches.iter().enumerate() {
        let dump = 2 * k as u64 + 2;
        let total = totals
            .get(&dump)
            .with_context(|| format!("no dump {dump} beside {}", dumps.display()))?;
        if batch.calls == 0 {
            bail!(
                "the runner recorded a batch of 0 calls for {}",
                batch.scenario
            );
        }
        let count = counts
            .entry(batch.scenario.clone())
            .or_insert_with(|| Count {
                repeats: Vec::new(),
                dumps: Vec::new(),
            });
        count.repeats.push(*total as f64 / batch.calls as f64);
        count
            .dumps
            .push(PathBuf::from(format!("{}.{dump}", dumps.display())));
    }
    Ok(Measured {
        backend: batches.backend,
        python: batches.python,
        dictwalk: batches.dictwalk,
        counts,
        skipped: batches.skipped,
    })
}

/// The functions whose own instructions changed most between two dumps of one scenario's loop
/// (`callgrind_annotate`'s lines, candidate minus baseline), the largest changes first, at most
/// `top`. The frames that enclose the whole loop (their count is the dump's total) are left
/// out: they only restate the total.
pub fn changed_functions(
    sh: &Shell,
    baseline: &Path,
    candidate: &Path,
    top: usize,
) -> anyhow::Result<Vec<String>> {
    let (base, base_total) = functions(sh, baseline)?;
    let (cand, cand_total) = functions(sh, candidate)?;
    let mut changes: Vec<(i128, &String)> = cand
        .keys()
        .chain(base.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .filter(|name| cand.get(*name) != Some(&cand_total) && base.get(*name) != Some(&base_total))
        .map(|name| {
            let c = i128::from(cand.get(name).copied().unwrap_or(0));
            let b = i128::from(base.get(name).copied().unwrap_or(0));
            (c - b, name)
        })
        .filter(|(change, _)| *change != 0)
        .collect();
    changes.sort_by_key(|(change, name)| (std::cmp::Reverse(change.abs()), (*name).clone()));
    Ok(changes
        .into_iter()
        .take(top)
        .map(|(change, name)| format!("{change:+} Ir  {name}"))
        .collect())
}

/// `callgrind_annotate`'s functions of one dump and their own instructions, with the dump's
/// total.
fn functions(sh: &Shell, dump: &Path) -> anyhow::Result<(BTreeMap<String, u64>, u64)> {
    let ran = exec::quiet(cmd!(sh, "callgrind_annotate --threshold=100 {dump}"))?;
    if !ran.success {
        bail!("{}", exec::failure("callgrind_annotate", &ran));
    }
    Ok(parse_annotate(&ran.stdout))
}

fn parse_annotate(text: &str) -> (BTreeMap<String, u64>, u64) {
    let mut functions = BTreeMap::new();
    let mut total = 0;
    for line in text.lines() {
        let trimmed = line.trim_start();
        let Some((count, rest)) = trimmed.split_once(' ') else {
            continue;
        };
        let Ok(count) = count.replace(',', "").parse::<u64>() else {
            continue;
        };
        // Newer versions print a percentage after the count.
        let rest = rest.trim_start();
        let rest = match rest.strip_prefix('(') {
            Some(after) => after
                .split_once(')')
                .map_or(rest, |(_, name)| name)
                .trim_start(),
            None => rest,
        };
        if rest == "PROGRAM TOTALS" {
            total = count;
        } else if !rest.is_empty() {
            *functions.entry(without_object_folder(rest)).or_insert(0) += count;
        }
    }
    (functions, total)
}

/// `file:function [object]` with the object's folder dropped: each side's extension module lives
/// in its own venv, and one function must have one name on both sides.
fn without_object_folder(name: &str) -> String {
    match name.rsplit_once(" [") {
        Some((function, object)) if object.ends_with(']') => {
            let object = object.trim_end_matches(']');
            let file = object.rsplit('/').next().unwrap_or(object);
            format!("{function} [{file}]")
        }
        _ => name.to_owned(),
    }
}

/// The `summary:` (or `totals:`) line of every numbered dump `<dumps>.N`, by N.
fn dump_totals(dumps: &Path) -> anyhow::Result<BTreeMap<u64, u64>> {
    let dir = dumps.parent().unwrap_or(Path::new("."));
    let stem = dumps
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut totals = BTreeMap::new();
    for entry in fs::read_dir(dir).with_context(|| format!("list {}", dir.display()))? {
        let path: PathBuf = entry?.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let Some(number) = name
            .strip_prefix(&format!("{stem}."))
            .and_then(|n| n.parse::<u64>().ok())
        else {
            continue;
        };
        let text = fs::read_to_string(&path).with_context(|| format!("read {}", path.display()))?;
        totals.insert(
            number,
            summary_of(&text).with_context(|| format!("{} has no summary line", path.display()))?,
        );
    }
    Ok(totals)
}

/// The event count of a callgrind dump: its `summary:` line, or its `totals:` line.
fn summary_of(text: &str) -> Option<u64> {
    let field = |prefix: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(prefix))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
    };
    field("summary:").or_else(|| field("totals:"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batches(scenarios: &[(&str, u64)]) -> Batches {
        Batches {
            schema_version: 1,
            backend: "native".into(),
            python: "3.11.7".into(),
            dictwalk: "3.0.0a1".into(),
            batches: scenarios
                .iter()
                .map(|(s, calls)| Batch {
                    scenario: (*s).into(),
                    calls: *calls,
                })
                .collect(),
            skipped: BTreeMap::new(),
        }
    }

    #[test]
    fn each_batch_is_its_own_dump_and_repeats_are_kept() -> anyhow::Result<()> {
        // Dumps: 1 start-up, 2 loop a#0, 3 preparation, 4 loop a#1.
        let totals = BTreeMap::from([(1, 90_000_000), (2, 15_000), (3, 777), (4, 15_030)]);
        let measured = counts(
            batches(&[("a", 10), ("a", 10)]),
            &totals,
            Path::new("cg.out"),
        )?;
        let a = &measured.counts["a"];
        assert_eq!(a.repeats, [1500.0, 1503.0]);
        assert_eq!(a.per_call(), 1501.5);
        assert!((a.spread() - 3.0 / 1501.5).abs() < 1e-12);
        Ok(())
    }

    #[test]
    fn a_stray_getppid_makes_every_count_untrustworthy() {
        let totals = BTreeMap::from([(1, 1), (2, 2), (3, 3)]);
        let err = counts(batches(&[("a", 10)]), &totals, Path::new("cg.out"))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("3 numbered dumps"), "{err}");
    }

    #[test]
    fn annotations_are_read_with_and_without_percentages() {
        let text = "Ir  file:function\n\
                    13,231,611 (100.0%)  PROGRAM TOTALS\n\
                    13,231,611 (100.0%)  main.c:main [python]\n\
                     1,640,000 (12.39%)  ???:dictwalk_core::eval::read::walk [_native.so]\n\
                    2,000  ceval.c:_PyEval_EvalFrameDefault\n";
        let (functions, total) = parse_annotate(text);
        assert_eq!(total, 13_231_611);
        assert_eq!(
            functions["???:dictwalk_core::eval::read::walk [_native.so]"],
            1_640_000
        );
        assert_eq!(functions["ceval.c:_PyEval_EvalFrameDefault"], 2_000);
        assert_eq!(functions.len(), 3);
    }

    #[test]
    fn dumps_are_read_by_number_and_their_summary() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let dumps = dir.path().join("cg.out");
        fs::write(dir.path().join("cg.out"), "summary: 5\n")?;
        fs::write(dir.path().join("cg.out.1"), "events: Ir\nsummary: 100\n")?;
        fs::write(dir.path().join("cg.out.2"), "events: Ir\ntotals: 42\n")?;
        fs::write(dir.path().join("cg.out.x"), "summary: 9\n")?;
        assert_eq!(dump_totals(&dumps)?, BTreeMap::from([(1, 100), (2, 42)]));
        fs::write(dir.path().join("cg.out.3"), "events: Ir\n")?;
        assert!(dump_totals(&dumps).is_err());
        Ok(())
    }
}
