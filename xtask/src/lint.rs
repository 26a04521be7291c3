//! `cargo xtask lint`: formatting and lint checks of the Rust and Python code (or, with `--fix`,
//! the rewrites that fix what can be fixed).

use xshell::{cmd, Shell};

use crate::{
    flags,
    python::{self, Venv},
    status::Conclusion,
    steps::{judge_exit_code, Steps},
};

impl flags::Lint {
    pub fn run(self, sh: &Shell) -> anyhow::Result<Conclusion> {
        let venv = python::dev_venv(sh)?;
        let mut steps = Steps::default();
        check(sh, &venv, self.fix, &mut steps);
        Ok(steps.finish())
    }
}

/// Runs every lint as a step of `steps`; shared with `cargo xtask test`.
pub fn check(sh: &Shell, venv: &Venv, fix: bool, steps: &mut Steps) {
    let ruff = venv.bin("ruff");
    let mypy = venv.bin("mypy");
    if fix {
        steps.run("cargo fmt", cmd!(sh, "cargo fmt --all"), judge_exit_code);
    } else {
        steps.run(
            "cargo fmt",
            cmd!(sh, "cargo fmt --all --check"),
            judge_exit_code,
        );
    }
    let clippy = cmd!(sh, "cargo clippy --workspace --all-targets -- -D warnings");
    steps.run("cargo clippy", clippy, judge_exit_code);
    if fix {
        // Lint fixes first: they can leave code that the formatter then tidies.
        steps.run(
            "ruff check",
            cmd!(sh, "{ruff} check --fix python benches"),
            judge_exit_code,
        );
        steps.run(
            "ruff format",
            cmd!(sh, "{ruff} format python benches"),
            judge_exit_code,
        );
    } else {
        steps.run(
            "ruff check",
            cmd!(sh, "{ruff} check python benches"),
            judge_exit_code,
        );
        steps.run(
            "ruff format",
            cmd!(sh, "{ruff} format --check python benches"),
            judge_exit_code,
        );
    }
    // mypy takes its files and settings from `[tool.mypy]` in pyproject.toml.
    steps.run("mypy", cmd!(sh, "{mypy}"), judge_exit_code);
    crate::workflows::check(sh, venv, steps);
}
