//! The drift report: its data model, and its renderers behind the shared `report::Emitter`
//! trait (`markdown.rs`, `terminal.rs`; JSON is the shared `report::Json`).

mod markdown;
mod terminal;

use serde::{Serialize, Serializer};

pub use self::{markdown::MarkdownEmitter, terminal::TerminalEmitter};
pub use crate::artifact::Family;
use crate::{report::schema, status::Status};

pub const JSON: &str = "drift.json";
pub const MARKDOWN: &str = "drift.md";
/// The reports a drift run writes, in the order it writes them.
pub const FILES: [&str; 2] = [JSON, MARKDOWN];

/// What kind of check found a difference; the order is the order of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// A distribution is unreadable or inconsistent in itself (zip, METADATA, RECORD, tags).
    Artifact,
    /// A core metadata field differs between distributions.
    Metadata,
    /// A package file differs, is missing or is extra.
    Files,
    /// A place states another version.
    Version,
    /// The two backends' public functions differ.
    Api,
}

impl Check {
    pub const ALL: [Check; 5] = [
        Check::Artifact,
        Check::Metadata,
        Check::Files,
        Check::Version,
        Check::Api,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Check::Artifact => "artifact",
            Check::Metadata => "metadata",
            Check::Files => "files",
            Check::Version => "version",
            Check::Api => "api",
        }
    }
}

/// One difference, named: which check, what it is about (a field, a path, a function, a
/// file), and what differs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Finding {
    pub check: Check,
    pub subject: String,
    pub message: String,
}

impl Finding {
    pub fn new(check: Check, subject: impl Into<String>, message: impl Into<String>) -> Self {
        Finding {
            check,
            subject: subject.into(),
            message: message.into(),
        }
    }
}

/// A distribution the run looked at.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Artifact {
    pub family: Family,
    pub file: String,
    /// The version in the file name.
    pub version: String,
    /// The wheel's tag (`py3-none-any`, `cp310-abi3-manylinux_2_34_x86_64`), or `source`.
    pub tag: String,
}

/// drift.json's word for a check's status (schema 1): `ok`, `drift`, `skipped` (not run, because
/// what it compares could not be read; a finding already says why) or `could_not_run`.
fn check_word<S: Serializer>(status: &Status, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(match status {
        Status::Passed => "ok",
        Status::Failed => "drift",
        Status::NotRun | Status::Inconclusive => "skipped",
        Status::CouldNotRun => "could_not_run",
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckSummary {
    pub check: Check,
    /// What was compared, e.g. `14 fields, 3 distributions`.
    pub compared: String,
    #[serde(serialize_with = "check_word")]
    pub status: Status,
    pub findings: usize,
}

/// The run's conclusion; `could_not_run` outranks `drift`, and `no_drift` needs every check to
/// have run on every family. drift.json's words for it (schema 1): `no_drift`, `drift`,
/// `could_not_run`.
fn verdict_word<S: Serializer>(status: &Status, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(match status {
        Status::Passed => "no_drift",
        Status::Failed => "drift",
        _ => "could_not_run",
    })
}

/// The verdict as the reports state it.
pub fn describe(verdict: Status) -> &'static str {
    match verdict {
        Status::Passed => "no drift (exit 0)",
        Status::Failed => "DRIFT (exit 1)",
        _ => "could not run, so no verdict (exit 2)",
    }
}

/// Where and with what the report was made; the only place for host data and times.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Environment {
    pub os: String,
    pub arch: String,
    /// The Python the API probe ran on, if it ran.
    pub python: Option<String>,
    /// Seconds since the Unix epoch.
    pub generated_at_unix: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub schema_version: u32,
    /// The checkout's commit (12 hex digits) when the distributions were compared, which
    /// `cargo xtask report` compares with HEAD; set by `drift::publish`.
    pub commit: Option<String>,
    #[serde(serialize_with = "verdict_word")]
    pub verdict: Status,
    pub artifacts: Vec<Artifact>,
    pub checks: Vec<CheckSummary>,
    pub findings: Vec<Finding>,
    /// Why the run could not reach a verdict.
    pub problems: Vec<String>,
    pub environment: Environment,
}

impl Report {
    /// Puts the parts in their deterministic order and derives the verdict from them.
    pub fn new(
        mut artifacts: Vec<Artifact>,
        mut checks: Vec<CheckSummary>,
        mut findings: Vec<Finding>,
        problems: Vec<String>,
        environment: Environment,
    ) -> Report {
        artifacts.sort();
        artifacts.dedup();
        checks.sort_by_key(|summary| summary.check);
        findings.sort();
        findings.dedup();
        let verdict = if !problems.is_empty()
            || checks
                .iter()
                .any(|summary| summary.status == Status::CouldNotRun)
        {
            Status::CouldNotRun
        } else if !findings.is_empty() {
            Status::Failed
        } else if checks.len() < Check::ALL.len()
            || checks
                .iter()
                .any(|summary| summary.status != Status::Passed)
        {
            // Defensive: a check that did not run is never "no drift".
            Status::CouldNotRun
        } else {
            Status::Passed
        };
        Report {
            schema_version: schema::DRIFT,
            commit: None,
            verdict,
            artifacts,
            checks,
            findings,
            problems,
            environment,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::report::{render, Json};

    /// A report with a bit of everything, for the renderers' snapshots.
    pub fn sample(with_findings: bool) -> Report {
        let artifacts = vec![
            Artifact {
                family: Family::Native,
                file: "dictwalk-3.0.0a1-cp310-abi3-manylinux_2_34_x86_64.whl".into(),
                version: "3.0.0a1".into(),
                tag: "cp310-abi3-manylinux_2_34_x86_64".into(),
            },
            Artifact {
                family: Family::Pure,
                file: "dictwalk-3.0.0a1-py3-none-any.whl".into(),
                version: "3.0.0a1".into(),
                tag: "py3-none-any".into(),
            },
            Artifact {
                family: Family::Sdist,
                file: "dictwalk-3.0.0a1.tar.gz".into(),
                version: "3.0.0a1".into(),
                tag: "source".into(),
            },
        ];
        let findings = if with_findings {
            vec![
                Finding::new(
                    Check::Metadata,
                    "Summary",
                    "differs: \"Read | mutate\" (pure wheel) vs \"Read\" (native wheel)",
                ),
                Finding::new(
                    Check::Files,
                    "dictwalk/extra.py",
                    "in the native wheel but not in the pure wheel",
                ),
            ]
        } else {
            Vec::new()
        };
        let checks = Check::ALL
            .iter()
            .map(|&check| {
                let count = findings.iter().filter(|f| f.check == check).count();
                CheckSummary {
                    check,
                    compared: "2 things".into(),
                    status: if count == 0 {
                        Status::Passed
                    } else {
                        Status::Failed
                    },
                    findings: count,
                }
            })
            .collect();
        Report::new(
            artifacts,
            checks,
            findings,
            Vec::new(),
            Environment {
                os: "linux".into(),
                arch: "x86_64".into(),
                python: Some("3.11.7".into()),
                generated_at_unix: 0,
            },
        )
    }

    #[test]
    fn the_verdict_follows_the_parts() {
        assert_eq!(sample(false).verdict, Status::Passed);
        assert_eq!(sample(true).verdict, Status::Failed);
        let mut missing_check = sample(false);
        missing_check.checks.pop();
        let rebuilt = Report::new(
            missing_check.artifacts,
            missing_check.checks,
            Vec::new(),
            Vec::new(),
            Environment::default(),
        );
        assert_eq!(rebuilt.verdict, Status::CouldNotRun);
        let report = sample(true);
        let with_problem = Report::new(
            report.artifacts,
            report.checks,
            report.findings,
            vec!["no native wheel".into()],
            Environment::default(),
        );
        assert_eq!(with_problem.verdict, Status::CouldNotRun);
    }

    #[test]
    fn json_report() -> anyhow::Result<()> {
        let text = String::from_utf8(render(&Json, &sample(true))?)?;
        insta::assert_snapshot!(text);
        let value: serde_json::Value = serde_json::from_str(&text)?;
        assert_eq!(value["schema_version"], 1);
        assert_eq!(value["verdict"], "drift");
        Ok(())
    }

    #[test]
    fn findings_are_sorted_by_check_then_subject() {
        let report = sample(true);
        let checks: Vec<_> = report.findings.iter().map(|f| f.check).collect();
        assert_eq!(checks, [Check::Metadata, Check::Files]);
        assert_eq!(report.artifacts[0].family, Family::Pure);
    }
}
