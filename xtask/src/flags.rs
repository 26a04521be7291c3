//! Every command-line flag of `cargo xtask`, declared in one place with clap's derive API.

use std::{ffi::OsString, fmt, path::PathBuf, str::FromStr, time::Duration};

use clap::{Args, Parser, ValueEnum};
use dictwalk_corpus::Backend;

use crate::{
    parity::{Filter, Shard},
    status::EXIT_CODES,
    term,
};

/// The defaults of the flags that several commands share, in one place.
pub mod defaults {
    use super::Seconds;

    /// `--reports-dir`: where every command writes its reports.
    pub const REPORTS_DIR: &str = "reports";
    /// `--wheel-dir`: where the distributions are built and read.
    pub const WHEEL_DIR: &str = "target/wheels";
    /// `--corpus`: the parity corpus.
    pub const CORPUS: &str = "parity/cases";
    /// `--compatibility`: manylinux2014 (`manylinux_2_17`), which pip accepts on Ubuntu 20.04,
    /// Debian 11, RHEL 8 and Amazon Linux 2; maturin links against that glibc through zig.
    pub const COMPATIBILITY: &str = "manylinux2014";
    /// `--thresholds`: the benchmark gate's thresholds and targets.
    pub const THRESHOLDS: &str = "benches/gate.toml";
    /// `--index`: where `publish` uploads: PyPI's upload URL.
    pub const INDEX: &str = "https://upload.pypi.org/legacy/";
    /// `--timeout`: how long a parity worker may take to answer one case.
    pub const TIMEOUT: Seconds = Seconds(std::time::Duration::from_secs(10));
}

/// Old flag spellings, kept as hidden aliases so that scripts do not break: (old, new).
pub const RENAMED: [(&str, &str); 4] = [
    ("--reports", "--reports-dir"),
    ("--dir", "--wheel-dir"),
    ("--out", "--wheel-dir"),
    ("--json", "--reports-dir"),
];

/// Warns once for each old spelling among `args` (up to a `--`, after which the arguments are
/// pytest's).
pub fn warn_renamed(args: &[OsString]) {
    for (old, new) in renamed_in(args) {
        term::warn(format_args!(
            "{old} is renamed {new}; the old spelling still works but will go"
        ));
    }
}

fn renamed_in(args: &[OsString]) -> Vec<(&'static str, &'static str)> {
    let mut found = Vec::new();
    for arg in args.iter().skip(1).take_while(|arg| *arg != "--") {
        let Some(arg) = arg.to_str() else { continue };
        let flag = arg.split_once('=').map_or(arg, |(flag, _)| flag);
        for (old, new) in RENAMED {
            if flag == old && !found.contains(&(old, new)) {
                found.push((old, new));
            }
        }
    }
    found
}

/// A number of seconds on the command line: more than 0 and at most an hour, fractions allowed
/// (`10`, `0.5`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Seconds(pub Duration);

impl FromStr for Seconds {
    type Err = String;

    fn from_str(text: &str) -> Result<Seconds, String> {
        match text.trim().parse::<f64>() {
            Ok(secs) if secs > 0.0 && secs <= 3600.0 => Ok(Seconds(Duration::from_secs_f64(secs))),
            _ => Err(format!(
                "invalid timeout '{text}': expected seconds, more than 0 and at most 3600, such as 10 or 0.5"
            )),
        }
    }
}

impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.as_secs_f64())
    }
}

/// `--fuzz N`: at least one case, since a run that generates nothing has checked nothing.
fn fuzz_cases(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!(
            "invalid number of cases '{text}': expected a whole number of at least 1, such as 20000"
        )),
    }
}

/// Developer automation for dictwalk: tests, lints, parity runs, benchmarks and releases.
///
/// Progress and summaries go to stderr (prefixed `xtask: `, uncoloured when NO_COLOR is set);
/// stdout carries data only: the output of the tools that are run, and the file list of
/// `wheels`, the tables of `drift` and the versions of `version`.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask", version, after_help = EXIT_CODES)]
pub struct Xtask {
    #[command(subcommand)]
    pub subcommand: Subcommand,
    /// Fail at once (exit 2) when another cargo xtask is running in this checkout, instead of
    /// waiting for it to finish.
    #[arg(long, global = true)]
    pub no_wait: bool,
}

#[derive(Debug, clap::Subcommand)]
pub enum Subcommand {
    Test(Test),
    Lint(Lint),
    Parity(Parity),
    Bench(Bench),
    Wheels(Wheels),
    Drift(Drift),
    Version(Version),
    Gate(Gate),
    Publish(Publish),
    Status(Status),
    Report(Report),
}

impl Subcommand {
    /// The command's name, as its closing line states it.
    pub fn name(&self) -> &'static str {
        match self {
            Subcommand::Test(_) => "test",
            Subcommand::Lint(_) => "lint",
            Subcommand::Parity(_) => "parity",
            Subcommand::Bench(_) => "bench",
            Subcommand::Wheels(_) => "wheels",
            Subcommand::Drift(_) => "drift",
            Subcommand::Version(_) => "version",
            Subcommand::Gate(_) => "gate",
            Subcommand::Publish(_) => "publish",
            Subcommand::Status(_) => "status",
            Subcommand::Report(_) => "report",
        }
    }
}

/// Run every test of the project: cargo's, pytest's, then the lints.
///
/// Sets up what it needs on a machine that has only Rust and Python: finds a Python >= 3.10
/// ($DICTWALK_PYTHON if set, else `python3`), creates `.venv` with it when that is missing or
/// broken, and pip-installs `python/requirements-dev.txt` (pytest, ruff, mypy, maturin, uv) into
/// it whenever that file changed since the last install. When `crates/dictwalk-py` exists it
/// builds the native extension into `.venv` with `maturin develop --release`.
///
/// Then it runs `cargo nextest run --workspace` (or `cargo test --workspace` without
/// cargo-nextest), `python -m pytest` (once over every available backend), and `cargo xtask
/// lint`. Every step runs even when an earlier one failed; a summary line per step closes the run.
/// Arguments after `--` go to pytest: `cargo xtask test -- -k get -x`. Among cargo's tests, the
/// browser test of reports/index.html drives headless Chromium (`chromium` on the PATH, or
/// $CHROME); where there is none it is skipped, and this command says so in one line.
#[derive(Debug, Args)]
#[command(after_help = EXIT_CODES)]
pub struct Test {
    /// Do not run the lints afterwards.
    #[arg(long)]
    pub no_lint: bool,
    /// Do not run cargo's tests.
    #[arg(long)]
    pub skip_cargo: bool,
    /// Do not run pytest.
    #[arg(long)]
    pub skip_pytest: bool,
    /// Extra arguments for pytest, after `--`.
    #[arg(last = true, value_name = "PYTEST_ARGS")]
    pub pytest_args: Vec<String>,
}

/// Check formatting and lints of the Rust and Python code.
///
/// Runs `cargo fmt --all --check`, `cargo clippy --workspace --all-targets -- -D warnings`,
/// `ruff check python`, `ruff format --check python`, `mypy` (configured in pyproject.toml) and
/// mypy's stubtest of `dictwalk._native` against `python/dictwalk/_native.pyi`, after building
/// the native extension into `.venv` as `cargo xtask test` does. Sets up `.venv` the same way
/// `cargo xtask test` does (creates it, pip-installs `python/requirements-dev.txt` when that
/// changed). Every check runs even when an earlier one failed.
#[derive(Debug, Args)]
#[command(after_help = EXIT_CODES)]
pub struct Lint {
    /// Rewrite instead of checking: `cargo fmt --all`, `ruff check --fix python` and
    /// `ruff format python`; clippy and mypy still check. Fails if something is left to fix by hand.
    #[arg(long)]
    pub fix: bool,
}

/// Run the parity corpus (`parity/cases/`) on the installed backends and class every case.
///
/// Backends (`--backend`, repeatable or a comma list; all four by default), each in its own
/// thread:
///
///   python  the pure wheel, installed into `.venvs/pure`
///   rust    the native wheel, installed into `.venvs/native`
///   core    dictwalk-core on serde_json, in this process; only the cases JSON can express
///   legacy  dictwalk 2.6.0 from PyPI, in `.venvs/legacy`
///
/// The wheels are the current version's (pyproject.toml) in `--wheel-dir` (default
/// `target/wheels/`); when one is missing, or older than a file it is built from (pyproject.toml,
/// `python/dictwalk/`, the sources of dictwalk-core and dictwalk-py), they are built first, as
/// `cargo xtask wheels --no-smoke` does (which sets up `.venv` with uv and maturin), unless
/// `--no-build`, where that backend could not run. A wheel is pip-installed into its venv
/// only when its sha256 differs from the venv's stamp (`xtask-wheel.stamp`); the venvs are
/// made from `.venv`'s interpreter when missing. Each python, rust and legacy backend runs
/// one worker process, `<venv>/bin/python -I python/tests/worker.py --api <backend>`, from
/// its venv's directory without PYTHONPATH or DICTWALK_BACKEND, that answers a case per
/// line; its first line must say it imported dictwalk from its venv (never from the
/// checkout's `python/`), of the expected version and backend.
///
/// A worker that crashes, hangs past `--timeout` or prints garbage fails that case only: it is
/// started again and the run goes on. A backend whose worker fails 20 cases in a row (none of
/// them declared) is stopped; one that cannot be set up or whose worker does not start could
/// not run. Either way its remaining cases are "not run", and the run cannot pass.
///
/// Each case on each backend is classed: pass; fail (an undeclared difference: a wrong answer,
/// a crash, a timeout or garbage); declared (a difference, answer or crash, that the case's
/// `diverges` declares for that backend); stale (declared to differ but now gives the expected
/// result: counts as a failure); n/a (core on a case JSON cannot express); not run.
///
/// The corpus is loaded and validated whole before anything is set up: a malformed file (bad
/// JSON, unknown field, duplicate id, unknown backend, a missing or empty expectation) stops the run with
/// one line naming the file and the case.
///
/// Reports: the table and the failing cases go to stdout, a progress bar to stderr (on a
/// terminal). Once the corpus is valid and some case is selected, the previous reports in
/// `<reports-dir>` are set aside into `<reports-dir>/not-current/`, so an interrupted run
/// leaves no report that claims success and loses none (a run that stops on bad input touches
/// nothing). At the end, written atomically: `parity.json` (schema_version, the run,
/// per-backend counts, every non-passing case, the baseline comparison), `parity.md` (cut to
/// fit a GitHub comment; also appended to $GITHUB_STEP_SUMMARY when set) and `junit.xml` (a
/// test suite per backend); the last run's parity.json, the default baseline, is then kept as
/// `parity.previous.json`. Against the baseline each (backend, case) is classed: newly failing,
/// fixed, still failing, stale divergence, added, removed.
///
/// Examples:
///   cargo xtask parity                                 every case on every backend
///   cargo xtask parity --backend python,core           two backends
///   cargo xtask parity --filter 'read.*.nested'        ids matching a glob
///   cargo xtask parity --filter sort_by --shard 2/4    a substring, the 2nd of 4 shards
///   cargo xtask parity --bless                         record new cases' expectations
///   cargo xtask parity --fuzz 20000 --seed 7           differential fuzzing, 20,000 cases
///   cargo xtask parity --fuzz 200000 --seed 7 --mutate mutation fuzzing against 2.6.0 too
#[derive(Debug, Args)]
#[command(after_help = EXIT_CODES, verbatim_doc_comment)]
pub struct Parity {
    /// A backend to run: python, rust, core or legacy; repeat the flag or give a comma list.
    /// Default: all four.
    #[arg(long, value_enum, value_delimiter = ',', value_name = "BACKEND")]
    pub backend: Vec<ParityBackend>,
    /// Only the cases whose id contains PATTERN; a PATTERN with `*` is instead a glob that must
    /// match the whole id, `*` standing for any run of characters (`read.*.nested`).
    #[arg(long, value_name = "PATTERN", value_parser = Filter::parse)]
    pub filter: Option<Filter>,
    /// Only the K-th of N shards (1 <= K <= N): the cases whose position in the whole corpus
    /// is K-1 modulo N, so that the N shards of a CI matrix split it without overlap.
    #[arg(long, value_name = "K/N", value_parser = Shard::parse)]
    pub shard: Option<Shard>,
    /// The corpus directory, relative to the project root.
    #[arg(long, value_name = "DIR", default_value = defaults::CORPUS)]
    pub corpus: PathBuf,
    /// How long a worker may take to answer one case before it is killed and the case fails.
    #[arg(long, value_name = "SECS", default_value_t = defaults::TIMEOUT, allow_negative_numbers = true)]
    pub timeout: Seconds,
    /// The parity.json to compare with. Default: the last run's report (`<reports-dir>/
    /// parity.json`, or the one an interrupted run set aside in `not-current/`) when it exists.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Where to write parity.json, parity.md and junit.xml (with --mutate, fuzz-mutate.json and
    /// fuzz-mutate.md), relative to the project root.
    #[arg(long, value_name = "DIR", default_value = defaults::REPORTS_DIR)]
    pub reports_dir: PathBuf,
    /// Where the wheels are, relative to the project root.
    #[arg(long, value_name = "DIR", default_value = defaults::WHEEL_DIR)]
    pub wheel_dir: PathBuf,
    /// Never build the wheels: when the current version's are missing or stale, python and
    /// rust could not run (exit 2).
    #[arg(long)]
    pub no_build: bool,
    /// Record the expectation of every new case (one with no `expect`) from the reference
    /// backend (python, the pure wheel) into its file, changing no other line; review the
    /// result with `git diff parity/`. Runs nothing else; exit 1 if some case got no answer.
    #[arg(long, conflicts_with_all = ["backend", "filter", "shard", "baseline"])]
    pub bless: bool,
    /// Differential fuzzing instead of the corpus: generate N cases (documents, paths and
    /// operations) from --seed, run each on the backends (default python,rust,core), and shrink
    /// every disagreement with the reference (python) to a minimal case appended to
    /// `parity/cases/regressions.json` with python's answer as its expectation. Exit 1 when
    /// some backend disagreed.
    #[arg(long, value_name = "N", value_parser = fuzz_cases, conflicts_with_all = ["bless", "filter", "shard", "baseline"])]
    pub fuzz: Option<usize>,
    /// The seed of --fuzz: the same seed generates the same cases.
    #[arg(long, value_name = "S", default_value_t = 0, requires = "fuzz")]
    pub seed: u64,
    /// With --fuzz N: mutation fuzzing. N paths of the corpus and of the grammar, mutated
    /// character by character (deleted, duplicated, inserted or swapped characters, truncated,
    /// spliced), each run as get, strict get, exists, set and unset on python, rust, core and
    /// legacy (the default backends here). python, rust and core must agree exactly; every
    /// difference from legacy (2.6.0) must be declared by a rule of `parity/rules.json`,
    /// and the undeclared ones are shrunk into `parity/cases/legacy-regressions.json`. Writes
    /// `<reports-dir>/fuzz-mutate.json` and `fuzz-mutate.md`: the speed, each backend's counts,
    /// the differences by kind with examples, the corpus declarations without a rule and the
    /// cases written. Exit 1 when some backend disagreed or some difference is undeclared.
    #[arg(long, requires = "fuzz")]
    pub mutate: bool,
}

/// Judge the candidate (this checkout) against a baseline by instruction counts: GO, NO-GO or
/// INCONCLUSIVE. (It is not one of the gate's checks yet: its A/A control is not reliable
/// enough on a fresh clone.)
///
/// The candidate is this checkout's native wheel in `--wheel-dir` (built when missing or stale,
/// unless `--no-build`). The baseline is another revision's native wheel: `--baseline REF`
/// (`main`, a tag, a commit) is built in a git worktree under `target/bench/` with this
/// checkout's maturin and cached by commit, so a second run does not rebuild it;
/// `--baseline-wheels DIR` takes a native wheel already built; `--baseline none` skips the
/// regression check, and the report says so. Default: the merge base of HEAD and `main`, or
/// HEAD's parent when HEAD is on `main` (as in CI).
///
/// Each side is installed into its own venv (`target/bench/venv/{cand,base,ctrl}`, paths of
/// one length), and every scenario of `benches/workload.py` runs on the reference and the
/// native backend under `valgrind --tool=callgrind` with a pinned environment (ASLR off by
/// `setarch -R`, an empty environment but PATH, PYTHONHASHSEED=0, PYTHONMALLOC=malloc, the
/// garbage collector paused): `benches/instructions.py` brackets each measured loop with
/// `os.getppid()`, callgrind dumps at each (`--dump-before=getppid`), so each loop's instruction
/// count is exact and free of start-up. Each scenario runs twice per process; the two must agree
/// within 0.5%. dictwalk 2.6.0 (`legacy`, from `.venvs/legacy`, set up as for parity) is counted
/// the same way once, beside the candidate: it is the same on both sides. Its figures feed the
/// targets against it and the report's table of 2.6.0's instructions per call with native's and
/// the reference's ratios to them; a scenario 2.6.0 cannot run is named not applicable with why.
/// A 2.6.0 that cannot be set up or counted makes its targets and the run INCONCLUSIVE.
///
/// Then wall time: candidate and baseline in two worker processes (`benches/paired.py`), never
/// at the same time, 30 interleaved pairs of batches per scenario in an order drawn afresh for
/// each pair; the ratio per pair, its median with a bootstrap 95% interval, a Wilcoxon
/// signed-rank p-value corrected across scenarios (Holm).
///
/// Verdicts, per scenario and backend, from `benches/gate.toml` (`--thresholds`): NO-GO when the
/// instructions per call grew by more than BOTH the relative threshold and the absolute floor,
/// or when the whole wall-time interval lies beyond its threshold (otherwise wall time warns);
/// INCONCLUSIVE when a side or a contestant (2.6.0) is missing, a scenario is not deterministic,
/// or the two sides' environments differ. Then the targets of gate.toml on the candidate (gating ones must hold;
/// tracked ones are reported with their gap), and an A/A control (the candidate against a
/// second install of itself, `ctrl`), which must say GO, else the whole verdict is
/// INCONCLUSIVE. `--aa` runs only the control, `--runs N` times, and reports how many verdicts
/// said anything but GO, in instructions and in wall time (the false-positive rates).
///
/// Reports: `<reports-dir>/bench.json` and `bench.md` (also appended to $GITHUB_STEP_SUMMARY),
/// set aside when the measuring starts. Needs valgrind.
///
/// `--suite` instead runs the wall-time comparison of every contestant (reference, native,
/// dictwalk 2.6.0, plain Python, peers) with `benches/scenarios.py` and its own targets, for
/// information (`<reports-dir>/bench-suite.json`); `--quick`, `--self-check` and `--criterion`
/// belong to it.
///
/// Exit 0 GO, 1 NO-GO (a regression, a gating target not met), 2 could not run (bad input, no
/// valgrind, a baseline that does not build), 3 INCONCLUSIVE.
#[derive(Debug, Args)]
#[command(after_help = EXIT_CODES)]
pub struct Bench {
    /// The baseline revision (`main`, a tag, a commit), or `none` to skip the regression check.
    #[arg(long, value_name = "REF", conflicts_with = "baseline_wheels")]
    pub baseline: Option<String>,
    /// A folder holding the baseline's native wheel, already built, instead of `--baseline`.
    #[arg(long, value_name = "DIR")]
    pub baseline_wheels: Option<PathBuf>,
    /// The thresholds and targets, relative to the project root.
    #[arg(long, value_name = "FILE", default_value = defaults::THRESHOLDS)]
    pub thresholds: PathBuf,
    /// Only the A/A control: the candidate against a second install of itself, `--runs` times.
    #[arg(long, conflicts_with_all = ["baseline", "baseline_wheels", "suite"])]
    pub aa: bool,
    /// How many A/A comparisons `--aa` makes.
    #[arg(long, value_name = "N", default_value_t = 1, requires = "aa", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub runs: u32,
    /// Where the candidate's wheels are, relative to the project root.
    #[arg(long, value_name = "DIR", default_value = defaults::WHEEL_DIR)]
    pub wheel_dir: PathBuf,
    /// Never build the candidate's wheels: when they are missing or stale, the check cannot run.
    #[arg(long)]
    pub no_build: bool,
    /// Where to write bench.json and bench.md, relative to the project root.
    #[arg(long, value_name = "DIR", default_value = defaults::REPORTS_DIR)]
    pub reports_dir: PathBuf,
    /// The wall-time suite of every contestant instead of the regression check.
    #[arg(long)]
    pub suite: bool,
    /// With --suite: a short smoke run (3 rounds of ~2 ms batches; criterion's `--quick`).
    #[arg(long, requires = "suite")]
    pub quick: bool,
    /// With --suite: check every scenario's expected result on every contestant, without timing.
    #[arg(long, requires = "suite")]
    pub self_check: bool,
    /// With --suite: the old way to place its report, a file path instead of `--reports-dir`.
    #[arg(long, value_name = "PATH", hide = true)]
    pub json: Option<PathBuf>,
    /// With --suite: also the criterion benchmarks of the Rust core (`cargo bench -p
    /// dictwalk-benches`).
    #[arg(long, requires = "suite")]
    pub criterion: bool,
    /// With --criterion: keep this run's figures as the criterion baseline NAME
    /// (`target/criterion/`), for a later `--criterion-baseline NAME`.
    #[arg(long, value_name = "NAME", requires = "criterion", value_parser = baseline_name)]
    pub criterion_save: Option<String>,
    /// With --criterion: compare this run with the criterion baseline NAME saved earlier.
    #[arg(long, value_name = "NAME", requires = "criterion", value_parser = baseline_name, conflicts_with = "criterion_save")]
    pub criterion_baseline: Option<String>,
}

/// The gate's `--baseline`: a revision, never `none`.
fn gate_baseline(revision: &str) -> Result<String, String> {
    if revision == "none" || revision.is_empty() {
        return Err(format!(
            "{revision:?}: the gate always checks the benchmark against a baseline; give a \
             revision (`cargo xtask bench --baseline none` skips it outside the gate)"
        ));
    }
    Ok(revision.to_owned())
}

/// A criterion baseline's name: it becomes a folder name under `target/criterion/`.
fn baseline_name(name: &str) -> Result<String, String> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(name.to_owned())
    } else {
        Err(format!(
            "{name:?} is not a baseline name: letters, digits, '-', '_' and '.', not starting with '.'"
        ))
    }
}

/// Build the pure wheel, the native wheel and the sdist from pyproject.toml, then smoke-test
/// installing each.
///
/// Sets up `.venv` as `cargo xtask test` does (uv and maturin are pinned in
/// `python/requirements-dev.txt` and installed into it when that file changed). Into
/// `--wheel-dir` (default `target/wheels/`, after removing the `dictwalk-*` distributions already there):
///
///   - the sdist and the pure wheel (`py3-none-any`, the reference backend, no native code) with
///     `uv build`; the wheel is built from the sdist, so a broken sdist fails here;
///   - the native wheel (abi3) with `maturin build --release --compatibility manylinux2014
///     --auditwheel check`, on Linux with `--zig` (the `ziglang` package pinned in the dev venv)
///     so that it links against glibc 2.17 whatever the host's glibc is; then `auditwheel show`
///     must find it consistent with a `manylinux_2_17` tag (or older) and `abi3audit --strict`
///     must find no symbol beyond the abi3 promise of Python 3.10. The tag chosen is printed.
///
/// stdout lists the three files, one per line: `family<TAB>path<TAB>tag`.
///
/// Smoke tests, each in a fresh venv under `target/wheels-smoke/` (made with `.venv`'s Python,
/// run with `python -I` so the checkout is not on the path, `DICTWALK_BACKEND` unset): the pure
/// wheel runs on the python backend; the native wheel on the rust backend; the pure wheel then
/// the native one (`pip install --force-reinstall`, since pip keeps an installed distribution of
/// the same version) switches to rust; the sdist, installed by pip from source, is built by its
/// build backend uv_build (fetched from PyPI into pip's isolated build environment) into a pure
/// install. Each step prints what it checked.
#[derive(Debug, Args)]
#[command(after_help = EXIT_CODES, verbatim_doc_comment)]
pub struct Wheels {
    /// Where to put the distributions, relative to the project root.
    #[arg(long, value_name = "DIR", default_value = defaults::WHEEL_DIR, alias = "out")]
    pub wheel_dir: PathBuf,
    /// The tag policy passed to `maturin build --compatibility` (e.g. `manylinux2014`, the
    /// default, `manylinux_2_28`, `musllinux_1_2`, `pypi`: the lowest tag the binary allows that PyPI
    /// accepts).
    #[arg(long, value_name = "POLICY", default_value = defaults::COMPATIBILITY)]
    pub compatibility: String,
    /// Only build; skip the install smoke tests.
    #[arg(long)]
    pub no_smoke: bool,
}

/// Compare the two wheel families and the sdist, and name every difference.
///
/// Reads `dictwalk-*` distributions in `--wheel-dir` (default `target/wheels/`); when one is missing
/// it builds all of them first, as `cargo xtask wheels --no-smoke` does (so it sets up `.venv`
/// with uv and maturin), unless `--no-build`, where a missing one means exit 2. Checks:
///
///   artifact  each wheel is a valid zip with METADATA, WHEEL and a RECORD that matches its
///             contents (sha256, size); the tags are py3-none-any and abi3; no native code in
///             the pure wheel, exactly one extension module in the native one
///   metadata  METADATA (and the sdist's PKG-INFO): Name, Version, Summary, Requires-Python,
///             Requires-Dist, License, License-Expression, Classifier, Project-URL, Keywords,
///             Description-Content-Type (its media type) and the description body; also
///             Home-page, License-File, Provides-Extra and the Author/Maintainer fields
///   files     the package files (everything outside .dist-info) have the same paths and bytes,
///             the native module alone excepted; py.typed and _native.pyi are in both
///   version   Cargo.toml (SemVer, mapped to PEP 440), pyproject.toml, _version.py, each
///             distribution's METADATA/PKG-INFO, file name and _version.py, the sdist's
///             pyproject.toml
///   api       in a venv under `target/drift/` with the native wheel installed, the public
///             functions of dictwalk.backends.python and dictwalk.backends.rust: names,
///             signatures (parameter names, kinds, defaults), __name__, __qualname__, __doc__
///
/// The table goes to stdout; `<reports-dir>/drift.json` and `drift.md` are written atomically
/// (and the markdown appended to $GITHUB_STEP_SUMMARY when set). `--self-test` instead injects
/// each kind of drift into copies of the real distributions (under `target/drift-self-test/`)
/// and checks that every one is found and named; it needs distributions without drift to start
/// from (exit 2 otherwise).
#[derive(Debug, Args)]
#[command(after_help = EXIT_CODES, verbatim_doc_comment)]
pub struct Drift {
    /// Where the distributions are, relative to the project root.
    #[arg(long, value_name = "DIR", default_value = defaults::WHEEL_DIR, alias = "dir")]
    pub wheel_dir: PathBuf,
    /// Never build: a missing distribution means the run cannot pass (exit 2).
    #[arg(long)]
    pub no_build: bool,
    /// Where to write drift.json and drift.md, relative to the project root.
    #[arg(long, value_name = "DIR", default_value = defaults::REPORTS_DIR, alias = "reports")]
    pub reports_dir: PathBuf,
    /// Check the checker: inject each kind of drift into copies of the real distributions and
    /// require that each is detected and named (exit 0 all were, 1 some were not).
    #[arg(long)]
    pub self_test: bool,
}

/// The release gate: build the wheels, run drift, parity and bench on them, and say GO or NO-GO.
///
/// What CI runs after `cargo xtask test`, and what release publishing obeys. In order:
///
///   wheels  `cargo xtask wheels`: the sdist, the pure and the native wheel into --wheel-dir,
///           each installed into a fresh venv and smoke-tested
///   drift   `cargo xtask drift --no-build` on those distributions (drift.{json,md})
///   parity  `cargo xtask parity --no-build`: the whole corpus on python (the pure wheel),
///           rust (the native wheel), core (in process) and legacy (dictwalk 2.6.0)
///           (parity.{json,md}, junit.xml)
///   rollback the rollback rehearsal: the whole corpus through the parity runner in the native
///           wheel's venv with DICTWALK_BACKEND=python; the worker must report the reference
///           backend with the native module importable, and every case must pass
///   bench   `cargo xtask bench --no-build`: instruction counts (callgrind) and paired wall
///           time of the native wheel against --baseline (default: the merge base with main,
///           or HEAD's parent on main; built once and cached), dictwalk 2.6.0's counts, the
///           targets of benches/gate.toml, and an A/A control; INCONCLUSIVE holds the gate like a
///           failure (bench.{json,md}). Needs valgrind.
///
/// A check whose input did not pass is not run. Sets up everything it needs (.venv, the
/// backends' venvs under .venvs/), so it runs on a fresh clone with only Rust and python3.
///
/// <reports-dir>/gate.json (schema_version, verdict, reasons, checks; the distributions judged,
/// each file name and sha256, which `cargo xtask publish` holds the upload to; whether the tree
/// was dirty; an environment block with a readable time and the rustc, maturin, uv and Python
/// versions) and gate.md are written
/// atomically; then <reports-dir>/index.html, as `cargo xtask report` writes it. When the run starts, every report a check will rewrite is set aside into
/// <reports-dir>/not-current/ and the gate report is replaced by a NO-GO saying the gate has
/// not finished, so an interrupted run leaves neither a GO nor a stale "pass" where readers
/// look. GO needs every check to have run completely and passed; anything missing, partial or
/// failed is NO-GO, with its reasons. The markdown is appended to $GITHUB_STEP_SUMMARY when
/// set. Exit 1 for a NO-GO that a check decided; 2 when some check could not run.
///
/// gate.json (schema_version 2) also states `default_backend`: `switch` (the native backend may
/// be the default) only when this run's evidence is all there and met (parity complete with
/// every case passing on rust, every target of bench.json met, drift and rollback passed),
/// otherwise `keep`, with the reasons and each piece of evidence. Every run that reaches its end
/// appends a line to <reports-dir>/history.jsonl (commit, time, verdict, the checks, parity's
/// counts, the bench figures, the decision); gate.md shows the last runs. A missing or corrupt
/// history never stops the gate: unreadable lines are skipped and counted.
#[derive(Debug, Args)]
#[command(after_help = EXIT_CODES, verbatim_doc_comment)]
pub struct Gate {
    /// Where to write gate.json and gate.md (and the checks' own reports), relative to the
    /// project root.
    #[arg(long, value_name = "DIR", default_value = defaults::REPORTS_DIR, alias = "reports")]
    pub reports_dir: PathBuf,
    /// Where to build the distributions that drift and parity then judge, relative to the
    /// project root.
    #[arg(long, value_name = "DIR", default_value = defaults::WHEEL_DIR)]
    pub wheel_dir: PathBuf,
    /// The tag policy for the native wheel, as `cargo xtask wheels --compatibility`.
    #[arg(long, value_name = "POLICY", default_value = defaults::COMPATIBILITY)]
    pub compatibility: String,
    /// The bench check's baseline revision (`main`, a tag, a commit); by default the merge base
    /// with main, or HEAD's parent on main. The gate always checks for regressions: `none` is
    /// refused.
    #[arg(long, value_name = "REF", value_parser = gate_baseline)]
    pub baseline: Option<String>,
}

/// Write <reports-dir>/index.html from the JSON reports already there; runs nothing else.
///
/// One self-contained page (inline CSS and SVG charts, no script, no URL: it opens from a CI
/// artifact or a file URL) with a section per report: the verdict with its reasons, the
/// default-backend decision and the rollback rehearsal (gate.json), the checks, parity by area
/// with the failing cases and the cases changed since the last run with their details
/// (parity.json, parity.previous.json), drift findings (drift.json), the benchmark targets,
/// table and charts of every contestant per scenario (bench.json), the trend over the last gate
/// runs (history.jsonl) and the migration board (status.json). Each section names its report's
/// commit and time, and says so when that commit is not HEAD. `cargo xtask gate` writes the
/// same page at its end.
///
/// A report that is missing, cut short, not JSON, of an unknown schema_version or of an
/// unexpected layout is shown as missing with the reason; the page is still written with the
/// others, and the command exits 2 naming each such file. Lines of history.jsonl that cannot be
/// read are skipped and counted on the page; a missing history is an empty one.
#[derive(Debug, Args)]
#[command(after_help = EXIT_CODES, verbatim_doc_comment)]
pub struct Report {
    /// Where the reports are read and index.html is written, relative to the project root.
    #[arg(long, value_name = "DIR", default_value = defaults::REPORTS_DIR)]
    pub reports_dir: PathBuf,
}

/// Upload the distributions the gate judged, and only those, then install them back.
///
/// Refuses (exit 1, uploading nothing), naming each reason, unless all of these hold:
///   - <reports-dir>/gate.json says GO, is finished, and was made for this commit (HEAD) on a
///     clean tree;
///   - the `dictwalk-*` files in --wheel-dir are exactly the files gate.json names, byte for
///     byte (sha256), and none of them is on the index already with other bytes;
///   - the working tree is clean, Cargo.toml, pyproject.toml and _version.py agree with each
///     other and with gate.json, and when HEAD is tagged `v*` (or $GITHUB_REF is a tag), the tag
///     is the version (`v3.0.0a1` or `v3.0.0-alpha.1`).
///
/// Then `uv publish` (the dev venv's, pinned) uploads every wheel and the sdist in one command
/// with --check-url, so that a re-run skips the files already there byte-identical and fails on
/// a file of the same name with other bytes. Credentials come from the environment and are
/// passed to uv through it: UV_PUBLISH_TOKEN (or UV_PUBLISH_USERNAME and UV_PUBLISH_PASSWORD),
/// or --trusted-publishing in CI. They are never printed nor written.
///
/// After the upload, `dictwalk==VERSION` is installed from the index into two fresh venvs
/// under target/publish-verify/, one that may only take the native wheel (expecting the rust
/// backend) and one that may only take the pure wheel (expecting python), and the smoke query
/// of `cargo xtask wheels` runs in each.
///
/// <reports-dir>/publish.json and publish.md say what was uploaded, skipped and verified, and
/// from which gate report; an upload that stopped midway still writes them, with what is known
/// to be on the index. --dry-run does every check, needs no credentials, and prints what would
/// be uploaded (stdout: `upload<TAB>file` or `skip<TAB>file`), writing no report.
///
/// A missing credential, a malformed --index, an index that cannot be reached or answers
/// with an error: one line naming it, exit 2.
#[derive(Debug, Args)]
#[command(after_help = EXIT_CODES, verbatim_doc_comment)]
pub struct Publish {
    /// The upload URL (PyPI's by default; e.g. a private index, TestPyPI's
    /// https://test.pypi.org/legacy/, or a local pypiserver http://127.0.0.1:8080/).
    #[arg(long, value_name = "URL", default_value = defaults::INDEX)]
    pub index: String,
    /// The index's simple API, which finds the files already there and serves the verify
    /// installs; by default PyPI's (or TestPyPI's) for their upload URLs, else <index>/simple/.
    #[arg(long, value_name = "URL")]
    pub check_url: Option<String>,
    /// Where gate.json is read and publish.{json,md} are written, relative to the project root.
    #[arg(long, value_name = "DIR", default_value = defaults::REPORTS_DIR)]
    pub reports_dir: PathBuf,
    /// Where the distributions the gate judged are, relative to the project root.
    #[arg(long, value_name = "DIR", default_value = defaults::WHEEL_DIR)]
    pub wheel_dir: PathBuf,
    /// Do every check and show what would be uploaded; upload nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Authenticate with trusted publishing (GitHub Actions' OIDC token) instead of a token.
    #[arg(long)]
    pub trusted_publishing: bool,
    /// Skip the installs from the index after the upload.
    #[arg(long)]
    pub no_verify: bool,
}

/// Set the release version everywhere, or check that every place agrees.
///
/// VERSION is SemVer (`3.0.0`, `3.0.0-alpha.1`, `-beta.N`, `-rc.N`) or its PEP 440 spelling
/// (`3.0.0a1`, `bN`, `rcN`). It is written, keeping the files' formatting and comments, to
/// Cargo.toml `[workspace.package] version` (SemVer), pyproject.toml `[project] version` and
/// `python/dictwalk/_version.py` (PEP 440); then `cargo update --workspace --offline` records the
/// members' new version in Cargo.lock. Installs nothing. `--check` prints each place's version
/// (stdout) and verifies they agree (and equal VERSION, when given).
#[derive(Debug, Args)]
#[command(after_help = EXIT_CODES)]
pub struct Version {
    /// The new version, e.g. `3.0.0-alpha.2` or `3.0.0a2`.
    #[arg(value_name = "VERSION", required_unless_present = "check")]
    pub version: Option<String>,
    /// Change nothing; verify that every place states the same version.
    #[arg(long)]
    pub check: bool,
}

/// Print the migration board: what is migrated, what passes where, where the native backend is
/// faster.
///
/// For every public function (get, exists, DictWalk, set, unset, run_filter_function,
/// register_path_filter, get_path_filter) and every built-in filter, grouped by area (paths, each family of
/// filters.py, filter functions, writes): how each backend provides it (python: the reference;
/// rust: native, mixed or delegates to the reference, and why; core: native), the corpus cases
/// that exercise it (its operation, and the filters its path names as the core's parser reads
/// them) with their pass count per backend from <reports-dir>/parity.json, the cases declaring a
/// divergence from dictwalk 2.6.0, and, for each scenario of benches/workload.py that covers it,
/// the reference's instructions per call over the native backend's from <reports-dir>/bench.json
/// and beside it 2.6.0's over the native backend's (where bench.json counted 2.6.0).
///
/// Runs nothing: it reads the last reports (`cargo xtask parity` and `cargo xtask bench` make
/// them). Prints the table on stdout and writes <reports-dir>/status.json (schema_version 1) and
/// status.md atomically. A missing or unreadable report (no file, not JSON, an unknown
/// schema_version) leaves its columns empty and is named on the board, which is still written,
/// and the command exits 2; a stale one is marked on the board and named (exit 0).
///
/// A report is STALE when it records no commit, when git does not know its commit, or when a
/// source it depends on differs between that commit and the working tree (committed since, or
/// changed and uncommitted): for parity.json pyproject.toml, python/dictwalk,
/// crates/dictwalk-{core,py,corpus}/src, parity/cases and python/tests/worker.py; for bench.json
/// pyproject.toml, python/dictwalk, crates/dictwalk-{core,py}/src and benches/. A parity report
/// whose cases are not the corpus's is stale too. A report made at another commit with none of
/// those files changed is current.
#[derive(Debug, Args)]
#[command(after_help = EXIT_CODES, verbatim_doc_comment)]
pub struct Status {
    /// Where the reports are read and status.{json,md} written, relative to the project root.
    #[arg(long, value_name = "DIR", default_value = defaults::REPORTS_DIR, alias = "reports")]
    pub reports_dir: PathBuf,
    /// Only say whether parity.json and bench.json are stale (a line each on stdout) and write
    /// nothing: exit 0 when both are current, 1 when one is stale, 2 when one is missing or
    /// unreadable.
    #[arg(long)]
    pub stale: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ParityBackend {
    /// The pure wheel (the reference backend), in `.venvs/pure`.
    Python,
    /// The native wheel, in `.venvs/native`.
    Rust,
    /// dictwalk-core on serde_json, in process.
    Core,
    /// dictwalk 2.6.0 from PyPI, in `.venvs/legacy`.
    Legacy,
}

impl ParityBackend {
    pub fn backend(self) -> Backend {
        match self {
            ParityBackend::Python => Backend::Python,
            ParityBackend::Rust => Backend::Rust,
            ParityBackend::Core => Backend::Core,
            ParityBackend::Legacy => Backend::Legacy,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn flags_are_consistent() {
        Xtask::command().debug_assert();
    }

    #[test]
    fn pytest_args_come_after_double_dash() -> anyhow::Result<()> {
        let flags = Xtask::try_parse_from(["xtask", "test", "--no-lint", "--", "-k", "get", "-x"])?;
        let Subcommand::Test(test) = flags.subcommand else {
            anyhow::bail!("parsed as another subcommand: {flags:?}");
        };
        assert!(test.no_lint);
        assert!(!test.skip_pytest);
        assert_eq!(test.pytest_args, ["-k", "get", "-x"]);
        Ok(())
    }

    #[test]
    fn the_gate_takes_a_baseline_revision_but_never_none() -> anyhow::Result<()> {
        let flags = Xtask::try_parse_from(["xtask", "gate", "--baseline", "v3.0.0a1"])?;
        let Subcommand::Gate(gate) = flags.subcommand else {
            anyhow::bail!("parsed as another subcommand: {flags:?}");
        };
        assert_eq!(gate.baseline.as_deref(), Some("v3.0.0a1"));
        let err = Xtask::try_parse_from(["xtask", "gate", "--baseline", "none"])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("always checks the benchmark"), "{err}");
        Ok(())
    }

    #[test]
    fn criterion_baselines_are_names_not_paths() -> anyhow::Result<()> {
        let args = |name: &str| {
            [
                "xtask",
                "bench",
                "--suite",
                "--criterion",
                "--criterion-save",
                name,
            ]
            .map(str::to_owned)
        };
        let flags = Xtask::try_parse_from(args("before-1.2"))?;
        let Subcommand::Bench(bench) = flags.subcommand else {
            anyhow::bail!("parsed as another subcommand: {flags:?}");
        };
        assert_eq!(bench.criterion_save.as_deref(), Some("before-1.2"));
        for bad in ["../x", "a/b", ".hidden", ""] {
            let err = Xtask::try_parse_from(args(bad))
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(err.contains("is not a baseline name"), "{bad:?}: {err}");
        }
        // The baseline flags belong to --criterion.
        assert!(Xtask::try_parse_from(["xtask", "bench", "--criterion-baseline", "x"]).is_err());
        Ok(())
    }

    #[test]
    fn bench_defaults_to_the_regression_check_reported_in_reports() -> anyhow::Result<()> {
        let flags = Xtask::try_parse_from(["xtask", "bench"])?;
        let Subcommand::Bench(bench) = flags.subcommand else {
            anyhow::bail!("parsed as another subcommand: {flags:?}");
        };
        assert!(!bench.suite && !bench.aa && bench.baseline.is_none());
        assert_eq!(bench.reports_dir, PathBuf::from("reports"));
        assert_eq!(bench.thresholds, PathBuf::from("benches/gate.toml"));
        let flags = Xtask::try_parse_from([
            "xtask",
            "bench",
            "--suite",
            "--quick",
            "--json",
            "/tmp/b.json",
        ])?;
        let Subcommand::Bench(bench) = flags.subcommand else {
            anyhow::bail!("parsed as another subcommand: {flags:?}");
        };
        assert!(bench.suite && bench.quick);
        assert_eq!(bench.json, Some(PathBuf::from("/tmp/b.json")));
        for bad in [
            &["xtask", "bench", "--quick"][..],
            &[
                "xtask",
                "bench",
                "--baseline",
                "main",
                "--baseline-wheels",
                "w",
            ],
            &["xtask", "bench", "--aa", "--baseline", "main"],
            &["xtask", "bench", "--runs", "3"],
            &["xtask", "bench", "--aa", "--runs", "0"],
        ] {
            assert!(
                Xtask::try_parse_from(bad).is_err(),
                "{bad:?} must be refused"
            );
        }
        Ok(())
    }

    #[test]
    fn release_commands_default_to_target_wheels() -> anyhow::Result<()> {
        let Subcommand::Wheels(wheels) = Xtask::try_parse_from(["xtask", "wheels"])?.subcommand
        else {
            anyhow::bail!("not parsed as wheels");
        };
        assert_eq!(wheels.wheel_dir, PathBuf::from(defaults::WHEEL_DIR));
        assert_eq!(wheels.compatibility, "manylinux2014");
        let flags = Xtask::try_parse_from(["xtask", "drift", "--no-build", "--wheel-dir", "dist"])?;
        let Subcommand::Drift(drift) = flags.subcommand else {
            anyhow::bail!("not parsed as drift");
        };
        assert!(drift.no_build && !drift.self_test);
        assert_eq!(drift.wheel_dir, PathBuf::from("dist"));
        assert_eq!(drift.reports_dir, PathBuf::from("reports"));
        Ok(())
    }

    #[test]
    fn old_spellings_still_parse_and_are_named_once() -> anyhow::Result<()> {
        let args = ["xtask", "drift", "--dir", "d", "--reports=r"];
        let Subcommand::Drift(drift) = Xtask::try_parse_from(args)?.subcommand else {
            anyhow::bail!("not parsed as drift");
        };
        assert_eq!(drift.wheel_dir, PathBuf::from("d"));
        assert_eq!(drift.reports_dir, PathBuf::from("r"));
        let args: Vec<OsString> = args.iter().chain(&["--dir"]).map(OsString::from).collect();
        assert_eq!(
            renamed_in(&args),
            [("--dir", "--wheel-dir"), ("--reports", "--reports-dir")]
        );
        let Subcommand::Wheels(wheels) =
            Xtask::try_parse_from(["xtask", "wheels", "--out", "w"])?.subcommand
        else {
            anyhow::bail!("not parsed as wheels");
        };
        assert_eq!(wheels.wheel_dir, PathBuf::from("w"));
        let Subcommand::Gate(gate) =
            Xtask::try_parse_from(["xtask", "gate", "--reports", "g"])?.subcommand
        else {
            anyhow::bail!("not parsed as gate");
        };
        assert_eq!(gate.reports_dir, PathBuf::from("g"));
        // After `--` the arguments are pytest's, never ours.
        let args: Vec<OsString> = ["xtask", "test", "--", "--out"]
            .iter()
            .map(OsString::from)
            .collect();
        assert!(renamed_in(&args).is_empty());
        Ok(())
    }

    #[test]
    fn every_command_shares_the_reports_and_wheel_dir_flags() -> anyhow::Result<()> {
        let command = Xtask::command();
        for (name, flags) in [
            ("parity", &["reports-dir", "wheel-dir"][..]),
            ("drift", &["reports-dir", "wheel-dir"]),
            ("gate", &["reports-dir", "wheel-dir"]),
            ("wheels", &["wheel-dir"]),
            ("bench", &["reports-dir"]),
        ] {
            let Some(sub) = command.find_subcommand(name) else {
                anyhow::bail!("no subcommand {name}");
            };
            for flag in flags {
                assert!(
                    sub.get_arguments().any(|arg| arg.get_long() == Some(flag)),
                    "{name} has no --{flag}"
                );
            }
        }
        Ok(())
    }

    #[test]
    fn version_needs_a_version_or_check() {
        assert!(Xtask::try_parse_from(["xtask", "version"]).is_err());
        assert!(Xtask::try_parse_from(["xtask", "version", "--check"]).is_ok());
        assert!(Xtask::try_parse_from(["xtask", "version", "3.0.0-alpha.2"]).is_ok());
    }

    #[test]
    fn parity_backends_default_to_all_and_take_lists() -> anyhow::Result<()> {
        let parse = |args: &[&str]| -> anyhow::Result<Parity> {
            let flags = Xtask::try_parse_from(["xtask", "parity"].iter().chain(args))?;
            match flags.subcommand {
                Subcommand::Parity(parity) => Ok(parity),
                other => anyhow::bail!("parsed as another subcommand: {other:?}"),
            }
        };
        let all = parse(&[])?;
        assert!(all.backend.is_empty() && !all.no_build);
        assert_eq!(all.timeout, defaults::TIMEOUT);
        assert_eq!(all.timeout.0, Duration::from_secs(10));
        assert_eq!(all.corpus, PathBuf::from("parity/cases"));
        assert_eq!(all.reports_dir, PathBuf::from("reports"));
        let two = parse(&["--backend", "python,core", "--backend", "legacy"])?;
        assert_eq!(
            two.backend,
            [
                ParityBackend::Python,
                ParityBackend::Core,
                ParityBackend::Legacy
            ]
        );
        let picked = parse(&["--filter", "read.*", "--shard", "2/4", "--timeout", "0.5"])?;
        assert_eq!(
            picked.filter.map(|f| f.to_string()).as_deref(),
            Some("read.*")
        );
        assert_eq!(picked.shard.map(|s| s.to_string()).as_deref(), Some("2/4"));
        assert_eq!(picked.timeout.0, Duration::from_millis(500));
        for bad in [
            &["--backend", "rust2"][..],
            &["--shard", "5/4"],
            &["--shard", "0/4"],
            &["--timeout", "0"],
            &["--timeout", "soon"],
            &["--filter", ""],
            &["--fuzz", "0"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?} must be refused");
        }
        // A negative timeout is refused by the timeout's own message, not taken for a flag.
        let err = parse(&["--timeout", "-1"])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("invalid timeout '-1'"), "{err}");
        Ok(())
    }
}
