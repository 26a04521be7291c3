//! Every command-line flag of `cargo xtask`, declared in one place with clap's derive API.

use std::path::PathBuf;

use clap::{Args, Parser, ValueEnum};

const EXIT_CODES: &str = "\
Exit codes:
  0  every step passed
  1  a check failed (a test, a lint, a parity difference, a benchmark target)
  2  the tool could not run (bad input, missing Python or tool, failed setup)
  3  inconclusive (`bench` only: a contestant is missing, so a target cannot be judged)";

const BENCH_EXIT_CODES: &str = "\
Exit codes:
  0  the suite ran and every target is MET (with --self-check: every result was as expected)
  1  a target is NOT MET, or a dictwalk backend gave a wrong result; or a criterion bench failed
  2  the suite could not run (bad input, missing Python, failed setup, a crashed script)
  3  INCONCLUSIVE: no target NOT MET, but a contestant is missing (the native backend is not
     built, the legacy worker did not start), so some target cannot be judged";

const WHEELS_EXIT_CODES: &str = "\
Exit codes:
  0  the wheels and the sdist were built and every smoke test passed
  1  a smoke test failed (an install did not import, answer, or pick the expected backend)
  2  could not run: a build failed (its command and last output lines are shown), a tool is
     missing, or bad input";

const DRIFT_EXIT_CODES: &str = "\
Exit codes:
  0  no drift: every check ran on all three distributions and found no difference
  1  drift: some difference is named in the report (or, with --self-test, an injected
     difference went undetected)
  2  could not run: a distribution is missing (with --no-build) or failed to build, a tool or
     the API probe failed; the report says so and never says \"no drift\"";

const VERSION_EXIT_CODES: &str = "\
Exit codes:
  0  the version was set everywhere (with --check: every place agrees)
  1  --check: some place states another version; each is named
  2  could not run: an invalid version (one line says why), or a file could not be read or written";

/// Developer automation for dictwalk: tests, lints, parity runs, benchmarks and releases.
///
/// Progress and summaries go to stderr (prefixed `xtask: `, uncoloured when NO_COLOR is set);
/// stdout carries data only: the output of the tools that are run, and the file list of
/// `wheels`, the tables of `drift` and the versions of `version`.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask", after_help = EXIT_CODES)]
pub struct Xtask {
    #[command(subcommand)]
    pub subcommand: Subcommand,
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
/// Arguments after `--` go to pytest: `cargo xtask test -- -k get -x`.
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
/// `ruff check python`, `ruff format --check python` and `mypy` (configured in pyproject.toml).
/// Sets up `.venv` the same way `cargo xtask test` does (creates it, pip-installs
/// `python/requirements-dev.txt` when that changed). Every check runs even when an earlier one
/// failed.
#[derive(Debug, Args)]
#[command(after_help = EXIT_CODES)]
pub struct Lint {
    /// Rewrite instead of checking: `cargo fmt --all`, `ruff check --fix python` and
    /// `ruff format python`; clippy and mypy still check. Fails if something is left to fix by hand.
    #[arg(long)]
    pub fix: bool,
}

/// Run the parity corpus (`parity/cases/`) on one backend and list the differences.
///
/// `--backend legacy` runs it on dictwalk 2.6.0 from PyPI, installed into its own virtual
/// environment `.venvs/legacy` (created on first use with the Python that `test` uses, and
/// reinstalled only when the pinned version changes). `--backend python` runs it on this
/// project's pure-Python package in `.venv`. The report of `python/tests/differential.py` goes to
/// stdout; its exit code is this command's: 0 no undeclared or stale difference, 1 some, 2 the
/// corpus is malformed or the run could not be set up.
#[derive(Debug, Args)]
#[command(after_help = EXIT_CODES)]
pub struct Parity {
    /// The implementation to run the corpus on.
    #[arg(long, value_enum)]
    pub backend: ParityBackend,
    /// List the declared differences too.
    #[arg(long)]
    pub verbose: bool,
}

/// Time dictwalk's backends against dictwalk 2.6.0, plain Python and peer libraries, and judge
/// the speed and memory targets.
///
/// Sets up `.venv` as `cargo xtask test` does, then pip-installs `benches/requirements.txt` (the
/// pinned peers jmespath, glom and dpath) into it whenever that file changed (its own stamp file
/// `.venv/xtask-bench-requirements.stamp`), and makes `.venvs/legacy` with dictwalk 2.6.0 as
/// `cargo xtask parity --backend legacy` does. When `crates/dictwalk-py` exists it builds the
/// native extension into `.venv` with `maturin develop --release`, so the checkout's engine is
/// what gets timed; if that build fails the native backend is left out (and the run is at best
/// inconclusive).
///
/// Then it runs `benches/scenarios.py` with `.venv/bin/python` (dictwalk imported from
/// `python/`, 2.6.0 in a worker process of `.venvs/legacy`): the table of median times and
/// ratios goes to stdout, the JSON report to `--json`. With `--criterion` it also runs `cargo
/// bench -p dictwalk-benches`, the criterion benchmarks of the Rust core.
#[derive(Debug, Args)]
#[command(after_help = BENCH_EXIT_CODES)]
pub struct Bench {
    /// A short smoke run (3 rounds of ~2 ms batches; criterion's `--quick`): rough numbers.
    #[arg(long)]
    pub quick: bool,
    /// Check every scenario's expected result on every available contestant, without timing.
    #[arg(long)]
    pub self_check: bool,
    /// Where to write the JSON report, relative to the project root.
    #[arg(long, value_name = "PATH", default_value = "reports/bench.json")]
    pub json: PathBuf,
    /// Also run the criterion benchmarks of the Rust core (`cargo bench -p dictwalk-benches`).
    #[arg(long)]
    pub criterion: bool,
}

/// Build the pure wheel, the native wheel and the sdist from pyproject.toml, then smoke-test
/// installing each.
///
/// Sets up `.venv` as `cargo xtask test` does (uv and maturin are pinned in
/// `python/requirements-dev.txt` and installed into it when that file changed). Into `--out`
/// (default `target/wheels/`, after removing the `dictwalk-*` distributions already there):
///
///   - the sdist and the pure wheel (`py3-none-any`, the reference backend, no native code) with
///     `uv build`; the wheel is built from the sdist, so a broken sdist fails here;
///   - the native wheel (abi3) with `maturin build --release --compatibility pypi --auditwheel
///     check`: a manylinux/musllinux tag PyPI accepts, and a failure when the extension links a
///     library outside the policy. The tag chosen is printed.
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
#[command(after_help = WHEELS_EXIT_CODES, verbatim_doc_comment)]
pub struct Wheels {
    /// Where to put the distributions, relative to the project root.
    #[arg(long, value_name = "DIR", default_value = DEFAULT_WHEEL_DIR)]
    pub out: PathBuf,
    /// The tag policy passed to `maturin build --compatibility` (e.g. `manylinux2014`,
    /// `manylinux_2_28`, `musllinux_1_2`, `pypi`: the lowest tag the binary allows that PyPI
    /// accepts).
    #[arg(long, value_name = "POLICY", default_value = "pypi")]
    pub compatibility: String,
    /// Only build; skip the install smoke tests.
    #[arg(long)]
    pub no_smoke: bool,
}

/// Compare the two wheel families and the sdist, and name every difference.
///
/// Reads `dictwalk-*` distributions in `--dir` (default `target/wheels/`); when one is missing
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
/// The table goes to stdout; `reports/drift.json` and `reports/drift.md` are written atomically
/// (and the markdown appended to $GITHUB_STEP_SUMMARY when set). `--self-test` instead injects
/// each kind of drift into copies of the real distributions (under `target/drift-self-test/`)
/// and checks that every one is found and named; it needs distributions without drift to start
/// from (exit 2 otherwise).
#[derive(Debug, Args)]
#[command(after_help = DRIFT_EXIT_CODES, verbatim_doc_comment)]
pub struct Drift {
    /// Where the distributions are, relative to the project root.
    #[arg(long, value_name = "DIR", default_value = DEFAULT_WHEEL_DIR)]
    pub dir: PathBuf,
    /// Never build: a missing distribution means the run cannot pass (exit 2).
    #[arg(long)]
    pub no_build: bool,
    /// Where to write drift.json and drift.md, relative to the project root.
    #[arg(long, value_name = "DIR", default_value = "reports")]
    pub reports: PathBuf,
    /// Check the checker: inject each kind of drift into copies of the real distributions and
    /// require that each is detected and named (exit 0 all were, 1 some were not).
    #[arg(long)]
    pub self_test: bool,
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
#[command(after_help = VERSION_EXIT_CODES)]
pub struct Version {
    /// The new version, e.g. `3.0.0-alpha.2` or `3.0.0a2`.
    #[arg(value_name = "VERSION", required_unless_present = "check")]
    pub version: Option<String>,
    /// Change nothing; verify that every place states the same version.
    #[arg(long)]
    pub check: bool,
}

pub const DEFAULT_WHEEL_DIR: &str = "target/wheels";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ParityBackend {
    /// dictwalk 2.6.0 from PyPI, in `.venvs/legacy`.
    Legacy,
    /// This project's pure-Python backend (`python/dictwalk`).
    Python,
}

impl ParityBackend {
    /// The name `differential.py --backend` knows it by.
    pub fn name(self) -> &'static str {
        match self {
            ParityBackend::Legacy => "legacy",
            ParityBackend::Python => "python",
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
    fn bench_defaults_to_a_full_run_reported_in_reports() -> anyhow::Result<()> {
        let flags = Xtask::try_parse_from(["xtask", "bench"])?;
        let Subcommand::Bench(bench) = flags.subcommand else {
            anyhow::bail!("parsed as another subcommand: {flags:?}");
        };
        assert!(!bench.quick && !bench.self_check && !bench.criterion);
        assert_eq!(bench.json, PathBuf::from("reports/bench.json"));
        let flags = Xtask::try_parse_from(["xtask", "bench", "--quick", "--json", "/tmp/b.json"])?;
        let Subcommand::Bench(bench) = flags.subcommand else {
            anyhow::bail!("parsed as another subcommand: {flags:?}");
        };
        assert!(bench.quick);
        assert_eq!(bench.json, PathBuf::from("/tmp/b.json"));
        Ok(())
    }

    #[test]
    fn release_commands_default_to_target_wheels() -> anyhow::Result<()> {
        let Subcommand::Wheels(wheels) = Xtask::try_parse_from(["xtask", "wheels"])?.subcommand
        else {
            anyhow::bail!("not parsed as wheels");
        };
        assert_eq!(wheels.out, PathBuf::from(DEFAULT_WHEEL_DIR));
        assert_eq!(wheels.compatibility, "pypi");
        let flags = Xtask::try_parse_from(["xtask", "drift", "--no-build", "--dir", "dist"])?;
        let Subcommand::Drift(drift) = flags.subcommand else {
            anyhow::bail!("not parsed as drift");
        };
        assert!(drift.no_build && !drift.self_test);
        assert_eq!(drift.dir, PathBuf::from("dist"));
        assert_eq!(drift.reports, PathBuf::from("reports"));
        Ok(())
    }

    #[test]
    fn version_needs_a_version_or_check() {
        assert!(Xtask::try_parse_from(["xtask", "version"]).is_err());
        assert!(Xtask::try_parse_from(["xtask", "version", "--check"]).is_ok());
        assert!(Xtask::try_parse_from(["xtask", "version", "3.0.0-alpha.2"]).is_ok());
    }

    #[test]
    fn parity_needs_a_known_backend() {
        assert!(Xtask::try_parse_from(["xtask", "parity"]).is_err());
        assert!(Xtask::try_parse_from(["xtask", "parity", "--backend", "rust2"]).is_err());
        assert!(Xtask::try_parse_from(["xtask", "parity", "--backend", "legacy"]).is_ok());
    }
}
