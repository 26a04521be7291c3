//! `cargo xtask test`: sets up `.venv`, builds the native extension if there is one, then runs
//! cargo's tests, pytest and the lints, every step even after a failure.

use xshell::{cmd, Cmd, Shell};

use crate::{
    exec, flags, lint,
    python::{self, Venv},
    status::{Conclusion, Status},
    steps::{self, Steps},
    term,
};

/// The binding crate; once it exists, its extension module is built into `.venv` before pytest
/// (and before `cargo xtask bench`).
pub const NATIVE_MANIFEST: &str = "crates/dictwalk-py/Cargo.toml";

/// A maturin command without the warning maturin gives on every build when pyproject.toml's
/// `build-backend` is not maturin. Here that is deliberate: uv_build, the `[build-system]`
/// backend, builds the sdist and the pure wheel, and maturin only the native extension (from
/// `[tool.maturin]`). maturin (1.16) reads this variable in `warn_missing_build_backend` and
/// nowhere else, so it changes nothing that is built.
pub fn without_backend_warning(maturin: Cmd<'_>) -> Cmd<'_> {
    maturin.env("MATURIN_NO_MISSING_BUILD_BACKEND_WARNING", "1")
}

/// Builds the native extension of this checkout into `venv` (release mode: benchmarks use it).
pub fn native_build<'a>(sh: &'a Shell, venv: &Venv) -> Cmd<'a> {
    let maturin = venv.bin("maturin");
    let develop = cmd!(sh, "{maturin} develop --release -m {NATIVE_MANIFEST}");
    without_backend_warning(develop.env("VIRTUAL_ENV", venv.dir()))
}

/// Runs `native_build` with all its output on stderr: maturin reports its progress on stdout
/// ("Setting installed package as editable", "Installed dictwalk-…"), and stdout carries data
/// only. Its conclusion is the build's exit code.
pub fn build_native(sh: &Shell, venv: &Venv) -> Conclusion {
    match exec::run_unchecked("native build", native_build(sh, venv)) {
        Ok(ran) => match ran.code {
            Some(code) => steps::judge_exit_code(code),
            None => Conclusion::new(
                Status::CouldNotRun,
                format!("killed by a signal: {}", ran.status),
            ),
        },
        Err(err) => Conclusion::new(Status::CouldNotRun, format!("{err:#}")),
    }
}

impl flags::Test {
    pub fn run(self, sh: &Shell) -> anyhow::Result<Conclusion> {
        let has_native = sh.path_exists(NATIVE_MANIFEST);
        let needs_venv = has_native || !self.skip_pytest || !self.no_lint;
        // Setup failures end the run with exit 2: without the environment no verdict is possible.
        let venv = if needs_venv {
            Some(python::dev_venv(sh)?)
        } else {
            None
        };
        let mut steps = Steps::default();

        let native = match &venv {
            Some(venv) if has_native => {
                let built = build_native(sh, venv);
                let status = built.status;
                steps.record("native build", built);
                status
            }
            _ => {
                steps.skip("native build", format!("no {NATIVE_MANIFEST} yet"));
                Status::NotRun
            }
        };

        if !self.skip_cargo && crate::report::html::chromium().is_none() {
            term::warn(crate::report::html::NO_CHROMIUM);
        }
        if self.skip_cargo {
            steps.skip("cargo tests", "--skip-cargo");
        } else if nextest_available(sh) {
            let nextest = cmd!(sh, "cargo nextest run --workspace --no-tests=pass");
            steps.run("cargo tests", nextest, steps::judge_exit_code);
        } else {
            term::info("cargo-nextest is not installed; using `cargo test`");
            steps.run(
                "cargo tests",
                cmd!(sh, "cargo test --workspace"),
                steps::judge_exit_code,
            );
        }

        match &venv {
            Some(venv) if !self.skip_pytest => {
                let python = venv.python();
                let args = &self.pytest_args;
                let mut pytest = cmd!(sh, "{python} -m pytest {args...}");
                // A failed build may leave an older extension installed; test only the pure-Python
                // backend then, unless the caller chose the backends.
                if matches!(native, Status::Failed | Status::CouldNotRun)
                    && sh.var_os("DICTWALK_TEST_BACKENDS").is_none()
                {
                    term::warn("the native build failed: pytest runs on the python backend only");
                    pytest = pytest.env("DICTWALK_TEST_BACKENDS", "python");
                }
                steps.run("pytest", pytest, steps::judge_pytest);
            }
            _ => steps.skip("pytest", "--skip-pytest"),
        }

        match &venv {
            Some(venv) if !self.no_lint => lint::check(sh, venv, false, native, &mut steps),
            _ => steps.skip("lint", "--no-lint"),
        }

        Ok(steps.finish())
    }
}

fn nextest_available(sh: &Shell) -> bool {
    cmd!(sh, "cargo nextest --version")
        .quiet()
        .ignore_stdout()
        .ignore_stderr()
        .run()
        .is_ok()
}
