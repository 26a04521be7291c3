//! `cargo xtask lint`: formatting and lint checks of the Rust and Python code (or, with `--fix`,
//! the rewrites that fix what can be fixed), and mypy's stubtest of the native module's stub.

use xshell::{cmd, Shell};

use crate::{
    flags,
    python::{self, Venv},
    status::{Conclusion, Status},
    steps::{judge_exit_code, Steps},
    test,
};

impl flags::Lint {
    pub fn run(self, sh: &Shell) -> anyhow::Result<Conclusion> {
        let venv = python::dev_venv(sh)?;
        let mut steps = Steps::default();
        // stubtest imports the extension module, so it is built first, as `cargo xtask test`
        // does (an up-to-date build takes seconds); a fresh clone has none.
        let native = if sh.path_exists(test::NATIVE_MANIFEST) {
            let built = test::build_native(sh, &venv);
            let status = built.status;
            steps.record("native build", built);
            status
        } else {
            Status::NotRun
        };
        check(sh, &venv, self.fix, native, &mut steps);
        Ok(steps.finish())
    }
}

/// Runs every lint as a step of `steps`; shared with `cargo xtask test`. `native` is how the
/// build of the extension module into `venv` went: stubtest needs it.
pub fn check(sh: &Shell, venv: &Venv, fix: bool, native: Status, steps: &mut Steps) {
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
    // The stub `_native.pyi` against the built module: names, signatures, `__all__`.
    match native {
        Status::Passed => {
            let python = venv.python();
            let stubtest = cmd!(sh, "{python} -m mypy.stubtest dictwalk._native");
            steps.run("stubtest", stubtest, judge_exit_code);
        }
        Status::NotRun => steps.skip("stubtest", "no native extension in this checkout"),
        _ => steps.record(
            "stubtest",
            Conclusion::new(
                Status::CouldNotRun,
                "the native build failed, so there is no module to check the stub against",
            ),
        ),
    }
    crate::workflows::check(sh, venv, steps);
}
