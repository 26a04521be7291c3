//! Checks run as named steps: each streams its own output, gets a `Conclusion`, and a summary
//! closes the run.

use std::{
    io,
    process::{Command, ExitStatus},
};

use xshell::Cmd;

use crate::{
    status::{Conclusion, Status},
    term,
};

/// Reads a tool's exit code: every non-zero code is a finding about the project (a failing test,
/// a lint, a file that does not compile), since the tools here also use their "error" codes for
/// syntax errors in the files they check.
pub fn judge_exit_code(code: i32) -> Conclusion {
    match code {
        0 => Conclusion::new(Status::Passed, ""),
        code => Conclusion::new(Status::Failed, format!("exit {code}")),
    }
}

/// Reads pytest's documented exit codes. Collecting no test at all is a failure: a run that tests
/// nothing must not look green. A usage error is bad input (such as a wrong argument after `--`).
pub fn judge_pytest(code: i32) -> Conclusion {
    let (status, why) = match code {
        0 => (Status::Passed, ""),
        1 => (Status::Failed, "exit 1: tests failed"),
        2 => (
            Status::Failed,
            "exit 2: interrupted, e.g. by errors during collection",
        ),
        3 => (Status::Failed, "exit 3: internal error"),
        4 => (Status::CouldNotRun, "exit 4: pytest usage error"),
        5 => (Status::Failed, "exit 5: no tests were collected"),
        code => return Conclusion::new(Status::Failed, format!("exit {code}")),
    };
    Conclusion::new(status, why)
}

/// Echoes `cmd` to stderr under `label`, then runs it with its output streaming to ours.
pub fn stream(label: &str, cmd: Cmd<'_>) -> io::Result<ExitStatus> {
    term::info(format_args!("{label}: $ {cmd}"));
    // xshell runs a command either with its output captured or with an error for a non-zero
    // exit; a std Command lets the output stream while we keep the exit status.
    Command::from(cmd).status()
}

/// The steps of one run, in the order they ran.
#[derive(Debug, Default)]
pub struct Steps {
    done: Vec<(String, Conclusion)>,
}

impl Steps {
    /// Runs `cmd` with its output streaming to ours, and records its conclusion under `name`.
    pub fn run(&mut self, name: &str, cmd: Cmd<'_>, judge: fn(i32) -> Conclusion) -> Status {
        let shown = cmd.to_string();
        let conclusion = match stream(name, cmd) {
            Ok(status) => match status.code() {
                Some(code) => judge(code),
                None => {
                    Conclusion::new(Status::CouldNotRun, format!("killed by a signal: {status}"))
                }
            },
            Err(err) => Conclusion::new(
                Status::CouldNotRun,
                format!("cannot start `{shown}`: {err}"),
            ),
        };
        let status = conclusion.status;
        self.record(name, conclusion);
        status
    }

    pub fn record(&mut self, name: &str, conclusion: Conclusion) {
        self.done.push((name.to_owned(), conclusion));
    }

    /// Records a step skipped on request (`--skip-cargo`) or for want of its subject; it does
    /// not count towards the run's status.
    pub fn skip(&mut self, name: &str, why: impl Into<String>) {
        self.record(name, Conclusion::new(Status::NotRun, why));
    }

    /// The worst status of the steps that ran.
    pub fn status(&self) -> Status {
        self.done
            .iter()
            .map(|(_, conclusion)| conclusion.status)
            .filter(|&status| status != Status::NotRun)
            .fold(Status::Passed, Status::worst)
    }

    /// One line per step on stderr; returns the run's conclusion, which names the steps that
    /// did not pass.
    pub fn finish(&self) -> Conclusion {
        let width = self
            .done
            .iter()
            .map(|(name, _)| name.len())
            .max()
            .unwrap_or(0);
        term::info("summary:");
        for (name, conclusion) in &self.done {
            let label = term::paint(conclusion.status.style(), conclusion.status.label());
            if conclusion.summary.is_empty() {
                eprintln!("  {name:<width$}  {label}");
            } else {
                eprintln!("  {name:<width$}  {label} ({})", conclusion.summary);
            }
        }
        let ran = self
            .done
            .iter()
            .filter(|(_, c)| c.status != Status::NotRun)
            .count();
        let bad: Vec<&str> = self
            .done
            .iter()
            .filter(|(_, c)| !matches!(c.status, Status::Passed | Status::NotRun))
            .map(|(name, _)| name.as_str())
            .collect();
        let summary = if bad.is_empty() {
            format!("{ran} of {ran} steps passed")
        } else {
            format!(
                "{} of {ran} steps did not pass: {}",
                bad.len(),
                bad.join(", ")
            )
        };
        Conclusion::new(self.status(), summary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pytest_codes() {
        assert_eq!(judge_pytest(0).status, Status::Passed);
        assert_eq!(judge_pytest(1).status, Status::Failed);
        assert_eq!(judge_pytest(2).status, Status::Failed);
        assert_eq!(judge_pytest(4).status, Status::CouldNotRun);
        assert_eq!(judge_pytest(5).status, Status::Failed);
    }

    #[test]
    fn any_non_zero_exit_fails() {
        assert_eq!(judge_exit_code(0).status, Status::Passed);
        assert_eq!(
            judge_exit_code(1),
            Conclusion::new(Status::Failed, "exit 1")
        );
        assert_eq!(judge_exit_code(101).status, Status::Failed);
    }

    #[test]
    fn overall_status_is_the_worst_step_that_ran() {
        let mut steps = Steps::default();
        assert_eq!(steps.status(), Status::Passed);
        steps.skip("native build", "no crate");
        steps.record("cargo test", Conclusion::new(Status::Passed, ""));
        assert_eq!(steps.status(), Status::Passed);
        steps.record("pytest", Conclusion::new(Status::Failed, "exit 1"));
        steps.record("ruff", Conclusion::new(Status::Passed, ""));
        assert_eq!(steps.status(), Status::Failed);
        let finished = steps.finish();
        assert_eq!(finished.status, Status::Failed);
        assert_eq!(finished.summary, "1 of 3 steps did not pass: pytest");
        steps.record(
            "mypy",
            Conclusion::new(Status::CouldNotRun, "not installed"),
        );
        assert_eq!(steps.status(), Status::CouldNotRun);
    }

    #[test]
    fn a_missing_program_could_not_run() -> anyhow::Result<()> {
        let sh = xshell::Shell::new()?;
        let mut steps = Steps::default();
        let program = "/nonexistent/xtask-test-program";
        let status = steps.run("missing", xshell::cmd!(sh, "{program}"), judge_exit_code);
        assert_eq!(status, Status::CouldNotRun);
        assert_eq!(steps.status(), Status::CouldNotRun);
        Ok(())
    }
}
