//! The one vocabulary of results: how a step, a check or a whole command ended (`Status`), the
//! exit code each status means, and the closing line every command prints.
//!
//! Exit codes, for every command (`EXIT_CODES` is their documentation in `--help`):
//! 0 passed, 1 a check found a failure, 2 the tool could not run (or a required part did not
//! run), 3 inconclusive. A run of several parts takes the worst of them (`Status::worst`).

use std::{fmt::Display, process::ExitCode};

use serde::{Deserialize, Serialize};

use crate::term::{self, Style};

/// The exit codes, as every command's `--help` shows them.
pub const EXIT_CODES: &str = "\
Exit codes (the same for every command):
  0  passed: every step or check ran and passed
  1  failed: a check found a failure (a test, a lint, a parity difference, drift, NO-GO)
  2  could not run: bad input, a missing tool, a failed set-up, or a required check that did
     not run, so there is no complete verdict
  3  inconclusive: no failure, but a party to a comparison is missing (`bench`)";

/// How a step, a check or a run ended, ordered from best to worst for `worst`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Exit 0: it ran and passed.
    Passed,
    /// Exit 3: it ran, but some verdict could not be reached because a party to a comparison
    /// was missing (`cargo xtask bench` without the native backend); never a pass.
    Inconclusive,
    /// Exit 2: it was not started, because a part it needs did not pass (or, for a step, it was
    /// skipped on request, which `Steps` does not count). Ranked below `Failed`: the failure
    /// that left it unrun is the verdict.
    NotRun,
    /// Exit 1: it ran and found a failure.
    Failed,
    /// Exit 2: it could not run (bad input, a missing tool, a failed set-up), so there is no
    /// verdict; this outranks a failure found elsewhere.
    CouldNotRun,
}

impl Status {
    pub const fn code(self) -> u8 {
        match self {
            Status::Passed => 0,
            Status::Failed => 1,
            Status::CouldNotRun | Status::NotRun => 2,
            Status::Inconclusive => 3,
        }
    }

    /// The word reports and closing lines use; upper case for everything but a pass, so that
    /// it stands out.
    pub const fn label(self) -> &'static str {
        match self {
            Status::Passed => "passed",
            Status::Failed => "FAILED",
            Status::CouldNotRun => "COULD NOT RUN",
            Status::Inconclusive => "INCONCLUSIVE",
            Status::NotRun => "NOT RUN",
        }
    }

    pub const fn style(self) -> Style {
        match self {
            Status::Passed => Style::Green,
            Status::Inconclusive | Status::NotRun => Style::Yellow,
            Status::Failed | Status::CouldNotRun => Style::Red,
        }
    }

    /// The status of two parts of one run: a part that could not run leaves the whole run
    /// without a verdict, which outranks a failure; a failure found is a verdict whatever else
    /// stayed unjudged, so it outranks an inconclusive or an unrun part.
    pub fn worst(self, other: Status) -> Status {
        self.max(other)
    }

    /// `label (exit N)`, coloured on a terminal.
    pub fn painted(self) -> String {
        format!(
            "{} (exit {})",
            term::paint(self.style(), self.label()),
            self.code()
        )
    }
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> ExitCode {
        ExitCode::from(status.code())
    }
}

/// How a command, a step or a gate check ended: its status, one line saying what it found, and
/// the reasons it did not pass (one line each; empty for a pass).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conclusion {
    pub status: Status,
    pub summary: String,
    pub reasons: Vec<String>,
}

impl Conclusion {
    pub fn new(status: Status, summary: impl Into<String>) -> Conclusion {
        Conclusion {
            status,
            summary: summary.into(),
            reasons: Vec::new(),
        }
    }

    pub fn with_reasons(mut self, reasons: Vec<String>) -> Conclusion {
        self.reasons = reasons;
        self
    }

    /// A run that stopped with an error: it could not run, and the error (with its causes) is
    /// the reason.
    pub fn of_error(summary: impl Into<String>, err: &anyhow::Error) -> Conclusion {
        Conclusion::new(Status::CouldNotRun, summary).with_reasons(vec![format!("{err:#}")])
    }
}

/// A command either reaches a conclusion or returns an error, which always means it could not
/// run.
pub fn status_of(result: &anyhow::Result<Conclusion>) -> Status {
    match result {
        Ok(conclusion) => conclusion.status,
        Err(_) => Status::CouldNotRun,
    }
}

/// `--help` and `--version` end the run successfully; every other parse error is bad input.
pub fn status_of_parse_error(err: &clap::Error) -> Status {
    if err.use_stderr() {
        Status::CouldNotRun
    } else {
        Status::Passed
    }
}

/// The closing line of every command, on stderr: `xtask: parity: FAILED (exit 1): <summary>`.
pub fn closing_line(command: &str, status: Status, summary: impl Display) -> String {
    format!(
        "{} {command}: {}: {summary}",
        term::paint(Style::Bold, "xtask:"),
        status.painted()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flags::Xtask;
    use clap::Parser;

    #[test]
    fn codes_are_the_documented_ones() {
        for status in [
            Status::Passed,
            Status::Failed,
            Status::CouldNotRun,
            Status::NotRun,
            Status::Inconclusive,
        ] {
            let line = format!("  {}  ", status.code());
            assert!(EXIT_CODES.contains(&line), "{status:?} is not documented");
        }
        assert_eq!(Status::Passed.code(), 0);
        assert_eq!(Status::Failed.code(), 1);
        assert_eq!(Status::CouldNotRun.code(), 2);
        assert_eq!(Status::NotRun.code(), 2);
        assert_eq!(Status::Inconclusive.code(), 3);
    }

    #[test]
    fn worst_prefers_could_not_run_over_failed_over_not_run_over_inconclusive_over_passed() {
        use Status::*;
        assert_eq!(Passed.worst(Passed), Passed);
        assert_eq!(Passed.worst(Failed), Failed);
        assert_eq!(Failed.worst(Passed), Failed);
        assert_eq!(Failed.worst(CouldNotRun), CouldNotRun);
        assert_eq!(CouldNotRun.worst(Passed), CouldNotRun);
        assert_eq!(Passed.worst(Inconclusive), Inconclusive);
        assert_eq!(Inconclusive.worst(Failed), Failed);
        assert_eq!(CouldNotRun.worst(Inconclusive), CouldNotRun);
        // A check left unrun by a failure: the failure is the verdict (exit 1) ...
        assert_eq!(Failed.worst(NotRun), Failed);
        // ... but a missing check with nothing failed is no verdict at all (exit 2).
        assert_eq!(Passed.worst(NotRun).code(), 2);
        assert_eq!(CouldNotRun.worst(NotRun), CouldNotRun);
    }

    #[test]
    fn errors_could_not_run_and_conclusions_pass_through() {
        let failed = Ok(Conclusion::new(Status::Failed, "x"));
        assert_eq!(status_of(&failed), Status::Failed);
        let err: anyhow::Result<Conclusion> = Err(anyhow::anyhow!("no python"));
        assert_eq!(status_of(&err), Status::CouldNotRun);
    }

    #[test]
    fn help_and_version_pass_and_bad_arguments_could_not_run() {
        let status_of_args = |args: &[&str]| match Xtask::try_parse_from(args) {
            Ok(_) => None,
            Err(err) => Some(status_of_parse_error(&err)),
        };
        assert_eq!(status_of_args(&["xtask", "--help"]), Some(Status::Passed));
        assert_eq!(
            status_of_args(&["xtask", "--version"]),
            Some(Status::Passed)
        );
        assert_eq!(
            status_of_args(&["xtask", "test", "--help"]),
            Some(Status::Passed)
        );
        assert_eq!(
            status_of_args(&["xtask", "frobnicate"]),
            Some(Status::CouldNotRun)
        );
        assert_eq!(
            status_of_args(&["xtask", "test", "--no-such-flag"]),
            Some(Status::CouldNotRun)
        );
        assert_eq!(status_of_args(&["xtask"]), Some(Status::CouldNotRun));
    }

    #[test]
    fn the_closing_line_names_the_command_status_and_code() {
        let line = closing_line("parity", Status::Failed, "2 failing");
        // Off a terminal (as under the test runner) the line is plain text.
        assert!(
            line.ends_with("parity: FAILED (exit 1): 2 failing"),
            "{line}"
        );
    }
}
