//! Checks run as named steps: each streams its own output, gets a verdict, and a summary closes the run.

use std::{
    fmt, io,
    process::{Command, ExitStatus},
};

use xshell::Cmd;

use crate::{
    outcome::Outcome,
    term::{self, Style},
};

/// How one step ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Passed,
    /// The tool ran and reported a problem; the text says which exit status it gave.
    Failed(String),
    /// The tool could not be started or was given bad input, so the step has no verdict.
    CouldNotRun(String),
    /// Deliberately not run; the text says why.
    Skipped(String),
}

impl Verdict {
    pub fn outcome(&self) -> Outcome {
        match self {
            Verdict::Passed | Verdict::Skipped(_) => Outcome::Pass,
            Verdict::Failed(_) => Outcome::Fail,
            Verdict::CouldNotRun(_) => Outcome::CannotRun,
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Passed => write!(f, "{}", term::paint(Style::Green, "passed")),
            Verdict::Failed(why) => write!(f, "{} ({why})", term::paint(Style::Red, "failed")),
            Verdict::CouldNotRun(why) => {
                write!(f, "{} ({why})", term::paint(Style::Red, "could not run"))
            }
            Verdict::Skipped(why) => write!(f, "{} ({why})", term::paint(Style::Yellow, "skipped")),
        }
    }
}

/// Reads a tool's exit code: every non-zero code is a finding about the project (a failing test,
/// a lint, a file that does not compile), since the tools here also use their "error" codes for
/// syntax errors in the files they check.
pub fn judge_exit_code(code: i32) -> Verdict {
    match code {
        0 => Verdict::Passed,
        code => Verdict::Failed(format!("exit {code}")),
    }
}

/// Reads pytest's documented exit codes. Collecting no test at all is a failure: a run that tests
/// nothing must not look green. A usage error is bad input (such as a wrong argument after `--`).
pub fn judge_pytest(code: i32) -> Verdict {
    match code {
        0 => Verdict::Passed,
        1 => Verdict::Failed("exit 1: tests failed".into()),
        2 => Verdict::Failed("exit 2: interrupted, e.g. by errors during collection".into()),
        3 => Verdict::Failed("exit 3: internal error".into()),
        4 => Verdict::CouldNotRun("exit 4: pytest usage error".into()),
        5 => Verdict::Failed("exit 5: no tests were collected".into()),
        code => Verdict::Failed(format!("exit {code}")),
    }
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
    done: Vec<(String, Verdict)>,
}

impl Steps {
    /// Runs `cmd` with its output streaming to ours, and records its verdict under `name`.
    pub fn run(&mut self, name: &str, cmd: Cmd<'_>, judge: fn(i32) -> Verdict) -> Verdict {
        let shown = cmd.to_string();
        let verdict = match stream(name, cmd) {
            Ok(status) => match status.code() {
                Some(code) => judge(code),
                None => Verdict::CouldNotRun(format!("killed by a signal: {status}")),
            },
            Err(err) => Verdict::CouldNotRun(format!("cannot start `{shown}`: {err}")),
        };
        self.record(name, verdict.clone());
        verdict
    }

    pub fn record(&mut self, name: &str, verdict: Verdict) {
        self.done.push((name.to_owned(), verdict));
    }

    pub fn outcome(&self) -> Outcome {
        self.done.iter().fold(Outcome::Pass, |acc, (_, verdict)| {
            acc.worst(verdict.outcome())
        })
    }

    /// One line per step on stderr, then the overall outcome.
    pub fn print_summary(&self) {
        let width = self
            .done
            .iter()
            .map(|(name, _)| name.len())
            .max()
            .unwrap_or(0);
        term::info("summary:");
        for (name, verdict) in &self.done {
            eprintln!("  {name:<width$}  {verdict}");
        }
        let overall = match self.outcome() {
            Outcome::Pass => term::paint(Style::Green, "all steps passed (exit 0)"),
            Outcome::Fail => term::paint(Style::Red, "some steps failed (exit 1)"),
            Outcome::CannotRun => term::paint(Style::Red, "some steps could not run (exit 2)"),
            // No step verdict maps to it; `cargo xtask bench` reports it without `Steps`.
            Outcome::Inconclusive => term::paint(Style::Yellow, "inconclusive (exit 3)"),
        };
        term::info(overall);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pytest_codes() {
        assert_eq!(judge_pytest(0), Verdict::Passed);
        assert_eq!(judge_pytest(1).outcome(), Outcome::Fail);
        assert_eq!(judge_pytest(2).outcome(), Outcome::Fail);
        assert_eq!(judge_pytest(4).outcome(), Outcome::CannotRun);
        assert_eq!(judge_pytest(5).outcome(), Outcome::Fail);
    }

    #[test]
    fn any_non_zero_exit_fails() {
        assert_eq!(judge_exit_code(0), Verdict::Passed);
        assert_eq!(judge_exit_code(1), Verdict::Failed("exit 1".into()));
        assert_eq!(judge_exit_code(101).outcome(), Outcome::Fail);
    }

    #[test]
    fn overall_outcome_is_the_worst_step() {
        let mut steps = Steps::default();
        assert_eq!(steps.outcome(), Outcome::Pass);
        steps.record("native build", Verdict::Skipped("no crate".into()));
        steps.record("cargo test", Verdict::Passed);
        assert_eq!(steps.outcome(), Outcome::Pass);
        steps.record("pytest", Verdict::Failed("exit 1".into()));
        steps.record("ruff", Verdict::Passed);
        assert_eq!(steps.outcome(), Outcome::Fail);
        steps.record("mypy", Verdict::CouldNotRun("not installed".into()));
        assert_eq!(steps.outcome(), Outcome::CannotRun);
    }

    #[test]
    fn a_missing_program_could_not_run() -> anyhow::Result<()> {
        let sh = xshell::Shell::new()?;
        let mut steps = Steps::default();
        let program = "/nonexistent/xtask-test-program";
        let verdict = steps.run("missing", xshell::cmd!(sh, "{program}"), judge_exit_code);
        assert!(matches!(verdict, Verdict::CouldNotRun(_)), "{verdict:?}");
        assert_eq!(steps.outcome(), Outcome::CannotRun);
        Ok(())
    }
}
