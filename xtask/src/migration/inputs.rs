//! What the board is read from, besides the corpus: the filter families of the reference's
//! filters.py (its section banners), the benchmark scenarios of benches/workload.py (each
//! `Scenario`'s `id` and `path`), the last parity and bench reports, and whether each report is
//! older than the code it describes. The Python files are read as text, as
//! `dictwalk-corpus/tests/python_tables.rs` reads filters.py, so the board needs no Python.

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::Path,
};

use anyhow::{anyhow, bail, Context};
use dictwalk_core::filters::builtins;
use dictwalk_corpus::Op;
use serde_json::Value;
use xshell::{cmd, Shell};

use crate::report::schema;

/// The reference's filters, whose section banners name the families.
pub const FILTERS_PY: &str = "python/dictwalk/backends/python/filters.py";
/// The benchmark scenarios.
pub const WORKLOAD_PY: &str = "benches/workload.py";

/// The sources whose change makes a parity report stale: the code the backends run, the corpus
/// and the loader and worker that run it.
pub const PARITY_INPUTS: [&str; 7] = [
    "pyproject.toml",
    "python/dictwalk",
    "crates/dictwalk-core/src",
    "crates/dictwalk-py/src",
    "crates/dictwalk-corpus/src",
    "parity/cases",
    "python/tests/worker.py",
];
/// ... and a bench report: the code measured and the benchmarks.
pub const BENCH_INPUTS: [&str; 5] = [
    "pyproject.toml",
    "python/dictwalk",
    "crates/dictwalk-core/src",
    "crates/dictwalk-py/src",
    "benches",
];

/// A family of built-in filters: a section of filters.py.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Family {
    /// The banner's title up to its colon, lower-cased: `strings`, `date and time`.
    pub area: String,
    /// Its filters, in filters.py's order.
    pub filters: Vec<String>,
    /// The Python library modules each filter's function calls (`re`, `datetime`, `decimal`,
    /// `json`), which is why the rust binding hands it to the reference.
    pub modules: BTreeMap<String, Vec<&'static str>>,
}

/// What in a function's text shows that it calls a library module.
const MODULES: [(&str, &[&str]); 4] = [
    ("re", &["re."]),
    ("datetime", &["_dt.", "_to_datetime(", "_date_compare("]),
    ("decimal", &["Decimal"]),
    ("json", &["json."]),
];

/// filters.py's families. Every built-in filter of the core's table must be in exactly one,
/// and each `@_builtin` there must be in the table.
pub fn families(source: &str, shown: &str) -> anyhow::Result<Vec<Family>> {
    let lines: Vec<&str> = source.lines().collect();
    let rule = |line: &str| line.starts_with("# ---");
    let mut families: Vec<Family> = Vec::new();
    let mut current: Option<(String, String, String)> = None; // (area, filter, its text)
    let finish = |current: &mut Option<(String, String, String)>, families: &mut Vec<Family>| {
        if let Some((_, name, text)) = current.as_mut() {
            if let Some(family) = families.last_mut() {
                let found = MODULES
                    .iter()
                    .filter(|(_, marks)| marks.iter().any(|m| text.contains(m)))
                    .map(|(module, _)| *module)
                    .collect();
                family.modules.insert(std::mem::take(name), found);
            }
            text.clear();
        }
    };
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if rule(line) && i + 2 < lines.len() && rule(lines[i + 2]) {
            finish(&mut current, &mut families);
            current = None;
            let title = lines[i + 1].trim_start_matches('#').trim();
            let area = title
                .split(':')
                .next()
                .unwrap_or(title)
                .trim()
                .to_lowercase();
            families.push(Family {
                area,
                filters: Vec::new(),
                modules: BTreeMap::new(),
            });
            i += 3;
            continue;
        }
        if let Some(rest) = line.strip_prefix("@_builtin(\"") {
            finish(&mut current, &mut families);
            let name = rest
                .split('"')
                .next()
                .ok_or_else(|| anyhow!("{shown}:{}: an unreadable @_builtin line", i + 1))?;
            let Some(family) = families.last_mut() else {
                bail!(
                    "{shown}:{}: @_builtin(\"{name}\") before any section banner",
                    i + 1
                );
            };
            family.filters.push(name.to_owned());
            current = Some((family.area.clone(), name.to_owned(), String::new()));
        } else if let Some((_, _, text)) = current.as_mut() {
            text.push_str(line);
            text.push('\n');
        }
        i += 1;
    }
    finish(&mut current, &mut families);
    families.retain(|family| !family.filters.is_empty());
    for def in builtins() {
        let homes = families
            .iter()
            .filter(|f| f.filters.iter().any(|n| n == def.name))
            .count();
        if homes != 1 {
            bail!(
                "{shown}: the built-in filter ${} is in {homes} sections, expected exactly one",
                def.name
            );
        }
    }
    for family in &families {
        for name in &family.filters {
            if !builtins().iter().any(|def| def.name == name) {
                bail!("{shown}: ${name} is not in the core's table of built-in filters");
            }
        }
    }
    Ok(families)
}

/// A benchmark scenario: its id and the operation it times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scenario {
    pub id: String,
    pub op: Op,
    pub path: String,
    /// The value a `set` writes, as written.
    pub value: Option<String>,
}

/// The scenarios of workload.py: each `Scenario(` with its `id="..."` and `path="..."` (`set
/// PATH = VALUE`, `unset PATH`, or a read path).
pub fn scenarios(source: &str, shown: &str) -> anyhow::Result<Vec<Scenario>> {
    let field = |block: &str, name: &str| -> Option<String> {
        let start = block.find(&format!("{name}=\""))? + name.len() + 2;
        let end = block[start..].find('"')?;
        Some(block[start..start + end].to_owned())
    };
    let mut found = Vec::new();
    for block in source.split("Scenario(").skip(1) {
        let (Some(id), Some(path)) = (field(block, "id"), field(block, "path")) else {
            continue;
        };
        let (op, path, value) = if let Some(write) = path.strip_prefix("set ") {
            let (path, value) = write
                .split_once(" = ")
                .ok_or_else(|| anyhow!("{shown}: scenario {id}: a set without ` = `"))?;
            (Op::Set, path.to_owned(), Some(value.to_owned()))
        } else if let Some(path) = path.strip_prefix("unset ") {
            (Op::Unset, path.to_owned(), None)
        } else {
            (Op::Get, path, None)
        };
        found.push(Scenario {
            id,
            op,
            path,
            value,
        });
    }
    if found.is_empty() {
        bail!("{shown}: no Scenario(id=..., path=...) found");
    }
    Ok(found)
}

/// What the board takes from parity.json.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ParityResults {
    pub commit: Option<String>,
    pub generated_at_unix: Option<u64>,
    /// The backends that ran, in the report's order.
    pub backends: Vec<String>,
    /// The cases that ran.
    pub selected: BTreeSet<String>,
    /// By backend, the cases that did not pass.
    pub not_passing: BTreeMap<String, BTreeSet<String>>,
    /// By backend, the report's own pass count.
    pub pass_counts: BTreeMap<String, usize>,
}

impl ParityResults {
    pub fn passed(&self, backend: &str, id: &str) -> bool {
        self.selected.contains(id)
            && !self
                .not_passing
                .get(backend)
                .is_some_and(|ids| ids.contains(id))
    }
}

/// The JSON of a report, with the schema version it must have; `Err` is the one-line reason.
fn report_json(path: &Path, version: u32) -> Result<Value, String> {
    let bytes = fs::read(path).map_err(|err| match err.kind() {
        std::io::ErrorKind::NotFound => "there is no such file".to_owned(),
        _ => format!("it cannot be read: {err}"),
    })?;
    let value: Value =
        serde_json::from_slice(&bytes).map_err(|err| format!("it is not JSON: {err}"))?;
    match value.get("schema_version").and_then(Value::as_u64) {
        Some(found) if found == u64::from(version) => Ok(value),
        Some(found) => Err(format!(
            "its schema_version is {found}; this xtask reads {version}"
        )),
        None => Err("it has no schema_version".into()),
    }
}

fn text(value: &Value, pointer: &str) -> Result<String, String> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("it has no string {pointer}"))
}

fn array<'a>(value: &'a Value, pointer: &str) -> Result<&'a Vec<Value>, String> {
    value
        .pointer(pointer)
        .and_then(Value::as_array)
        .ok_or_else(|| format!("it has no list {pointer}"))
}

/// Reads parity.json; `Err` is the one-line reason it cannot be used.
pub fn parity(path: &Path) -> Result<ParityResults, String> {
    let value = report_json(path, schema::PARITY)?;
    let mut results = ParityResults {
        commit: value
            .get("commit")
            .and_then(Value::as_str)
            .map(str::to_owned),
        generated_at_unix: value
            .pointer("/environment/generated_at_unix")
            .and_then(Value::as_u64),
        ..ParityResults::default()
    };
    for id in array(&value, "/run/case_ids")? {
        let id = id.as_str().ok_or("a /run/case_ids item is not a string")?;
        results.selected.insert(id.to_owned());
    }
    for backend in array(&value, "/backends")? {
        let name = text(backend, "/backend")?;
        let pass = backend
            .pointer("/counts/pass")
            .and_then(Value::as_u64)
            .ok_or_else(|| format!("backend {name} has no /counts/pass"))?;
        results
            .pass_counts
            .insert(name.clone(), usize::try_from(pass).unwrap_or(usize::MAX));
        results.not_passing.insert(name.clone(), BTreeSet::new());
        results.backends.push(name);
    }
    for result in array(&value, "/results")? {
        let backend = text(result, "/backend")?;
        let id = text(result, "/id")?;
        if text(result, "/status")? == "pass" {
            continue;
        }
        results
            .not_passing
            .get_mut(&backend)
            .ok_or_else(|| format!("a result names backend {backend}, which did not run"))?
            .insert(id);
    }
    Ok(results)
}

/// What the board takes from bench.json: each scenario's instructions per call on each backend
/// (the candidate's).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BenchFigures {
    pub commit: Option<String>,
    pub generated_at_unix: Option<u64>,
    pub instructions: BTreeMap<(String, String), f64>,
}

impl BenchFigures {
    /// The reference's instructions per call over the native backend's.
    pub fn ratio(&self, scenario: &str) -> Option<f64> {
        let of = |backend: &str| {
            self.instructions
                .get(&(scenario.to_owned(), backend.to_owned()))
                .copied()
                .filter(|n| *n > 0.0)
        };
        Some(of("reference")? / of("native")?)
    }
}

/// Reads bench.json; `Err` is the one-line reason it cannot be used.
pub fn bench(path: &Path) -> Result<BenchFigures, String> {
    let value = report_json(path, schema::BENCH)?;
    let mut figures = BenchFigures {
        commit: value
            .pointer("/candidate/commit")
            .and_then(Value::as_str)
            .map(str::to_owned),
        generated_at_unix: value
            .pointer("/environment/generated_at_unix")
            .and_then(Value::as_u64),
        ..BenchFigures::default()
    };
    for scenario in array(&value, "/scenarios")? {
        let id = text(scenario, "/scenario")?;
        let backend = text(scenario, "/backend")?;
        if let Some(n) = scenario.get("candidate").and_then(Value::as_f64) {
            figures.instructions.insert((id, backend), n);
        }
    }
    Ok(figures)
}

/// Whether a report made at `commit` is older than the code: `Some(why)` when it records no
/// commit, when git does not know its commit, or when a file of `inputs` differs between its
/// commit and the working tree (committed since, or changed and not committed).
pub fn staleness(sh: &Shell, commit: Option<&str>, inputs: &[&str]) -> Option<String> {
    let Some(commit) = commit else {
        return Some("it records no commit".into());
    };
    let object = format!("{commit}^{{commit}}");
    let known = cmd!(sh, "git cat-file -e {object}")
        .quiet()
        .ignore_stderr()
        .run()
        .is_ok();
    if !known {
        return Some(format!("its commit {commit} is not in this repository"));
    }
    let changed = cmd!(sh, "git diff --name-only {commit} -- {inputs...}")
        .quiet()
        .ignore_stderr()
        .read()
        .map(|out| out.lines().map(str::to_owned).collect::<Vec<_>>());
    match changed {
        Ok(changed) => changed_since(commit, &changed),
        Err(err) => Some(format!("git cannot compare {commit} with the tree: {err}")),
    }
}

/// The staleness of a report whose commit git knows, given the input files changed since.
pub fn changed_since(commit: &str, changed: &[String]) -> Option<String> {
    const NAMED: usize = 3;
    if changed.is_empty() {
        return None;
    }
    let mut named = changed[..changed.len().min(NAMED)].join(", ");
    if changed.len() > NAMED {
        named.push_str(&format!(" and {} more", changed.len() - NAMED));
    }
    let short = &commit[..commit.len().min(12)];
    Some(format!(
        "{} source file{} changed since {short}: {named}",
        changed.len(),
        if changed.len() == 1 { "" } else { "s" }
    ))
}

/// A file of the project, read for the board.
pub fn project_file(root: &Path, relative: &str) -> anyhow::Result<String> {
    fs::read_to_string(root.join(relative)).with_context(|| format!("read {relative}"))
}
