//! The typed exit status of `cargo xtask`, and the one place where errors are mapped onto it.

use std::process::ExitCode;

/// What a run of `cargo xtask` concluded, ordered from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// Exit 0: every step passed.
    Pass,
    /// Exit 3: the tool ran but some verdict could not be reached, because a party to a
    /// comparison was missing (`cargo xtask bench` without the native backend); never a pass.
    Inconclusive,
    /// Exit 1: the tool ran and a check found a failure.
    Fail,
    /// Exit 2: the tool could not run (bad input, missing tool, failed setup), so there is no verdict.
    CannotRun,
}

impl Outcome {
    pub fn code(self) -> u8 {
        match self {
            Outcome::Pass => 0,
            Outcome::Fail => 1,
            Outcome::CannotRun => 2,
            Outcome::Inconclusive => 3,
        }
    }

    /// The outcome of two parts of one run: a part that could not run leaves the whole run
    /// without a verdict, which outranks a failure; a failure found is a verdict whatever else
    /// stayed unjudged, so it outranks an inconclusive part.
    pub fn worst(self, other: Outcome) -> Outcome {
        self.max(other)
    }

    /// A subcommand either reaches a verdict or returns an error, which always means it could not run.
    pub fn of_result(result: &anyhow::Result<Outcome>) -> Outcome {
        match result {
            Ok(verdict) => *verdict,
            Err(_) => Outcome::CannotRun,
        }
    }

    /// `--help` and `--version` end the run successfully; every other parse error is bad input.
    pub fn of_parse_error(err: &clap::Error) -> Outcome {
        if err.use_stderr() {
            Outcome::CannotRun
        } else {
            Outcome::Pass
        }
    }
}

impl From<Outcome> for ExitCode {
    fn from(outcome: Outcome) -> ExitCode {
        ExitCode::from(outcome.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flags::Xtask;
    use clap::Parser;

    #[test]
    fn codes_are_the_documented_ones() {
        assert_eq!(Outcome::Pass.code(), 0);
        assert_eq!(Outcome::Fail.code(), 1);
        assert_eq!(Outcome::CannotRun.code(), 2);
        assert_eq!(Outcome::Inconclusive.code(), 3);
    }

    #[test]
    fn worst_prefers_cannot_run_over_fail_over_pass() {
        assert_eq!(Outcome::Pass.worst(Outcome::Pass), Outcome::Pass);
        assert_eq!(Outcome::Pass.worst(Outcome::Fail), Outcome::Fail);
        assert_eq!(Outcome::Fail.worst(Outcome::Pass), Outcome::Fail);
        assert_eq!(Outcome::Fail.worst(Outcome::CannotRun), Outcome::CannotRun);
        assert_eq!(Outcome::CannotRun.worst(Outcome::Pass), Outcome::CannotRun);
    }

    #[test]
    fn inconclusive_is_worse_than_pass_and_better_than_any_failure() {
        use Outcome::*;
        assert_eq!(Pass.worst(Inconclusive), Inconclusive);
        assert_eq!(Inconclusive.worst(Pass), Inconclusive);
        assert_eq!(Inconclusive.worst(Fail), Fail);
        assert_eq!(CannotRun.worst(Inconclusive), CannotRun);
    }

    #[test]
    fn errors_mean_cannot_run_and_verdicts_pass_through() {
        assert_eq!(Outcome::of_result(&Ok(Outcome::Fail)), Outcome::Fail);
        assert_eq!(Outcome::of_result(&Ok(Outcome::Pass)), Outcome::Pass);
        let err: anyhow::Result<Outcome> = Err(anyhow::anyhow!("no python"));
        assert_eq!(Outcome::of_result(&err), Outcome::CannotRun);
    }

    #[test]
    fn help_passes_and_bad_arguments_cannot_run() {
        let outcome_of = |args: &[&str]| match Xtask::try_parse_from(args) {
            Ok(_) => None,
            Err(err) => Some(Outcome::of_parse_error(&err)),
        };
        assert_eq!(outcome_of(&["xtask", "--help"]), Some(Outcome::Pass));
        assert_eq!(
            outcome_of(&["xtask", "test", "--help"]),
            Some(Outcome::Pass)
        );
        assert_eq!(
            outcome_of(&["xtask", "frobnicate"]),
            Some(Outcome::CannotRun)
        );
        assert_eq!(
            outcome_of(&["xtask", "test", "--no-such-flag"]),
            Some(Outcome::CannotRun)
        );
        assert_eq!(outcome_of(&["xtask"]), Some(Outcome::CannotRun));
    }
}
