//! Every command-line flag of `cargo xtask`, declared in one place with clap's derive API.

use clap::{Args, Parser, ValueEnum};

const EXIT_CODES: &str = "\
Exit codes:
  0  every step passed
  1  a check failed (a test, a lint, a parity difference)
  2  the tool could not run (bad input, missing Python or tool, failed setup)";

/// Developer automation for dictwalk: tests, lints and parity runs.
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
    fn parity_needs_a_known_backend() {
        assert!(Xtask::try_parse_from(["xtask", "parity"]).is_err());
        assert!(Xtask::try_parse_from(["xtask", "parity", "--backend", "rust2"]).is_err());
        assert!(Xtask::try_parse_from(["xtask", "parity", "--backend", "legacy"]).is_ok());
    }
}
