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

/// Developer automation for dictwalk: tests, lints, parity runs and benchmarks.
///
/// Progress and summaries go to stderr (prefixed `xtask: `, uncoloured when NO_COLOR is set);
/// stdout carries only the output of the tools that are run.
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
    fn parity_needs_a_known_backend() {
        assert!(Xtask::try_parse_from(["xtask", "parity"]).is_err());
        assert!(Xtask::try_parse_from(["xtask", "parity", "--backend", "rust2"]).is_err());
        assert!(Xtask::try_parse_from(["xtask", "parity", "--backend", "legacy"]).is_ok());
    }
}
