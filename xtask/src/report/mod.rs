//! The drift report: its data model, and one renderer per format behind the `Emitter` trait
//! (`json.rs`, `markdown.rs`, `terminal.rs`), in the style of ruff's emitters.

mod json;
mod markdown;
mod terminal;

use std::io;

use serde::Serialize;

pub use self::{json::JsonEmitter, markdown::MarkdownEmitter, terminal::TerminalEmitter};

/// Bumped whenever a field of the JSON report changes meaning or goes away.
pub const SCHEMA_VERSION: u32 = 1;

/// Renders a report in one format.
pub trait Emitter {
    fn emit(&self, out: &mut dyn io::Write, report: &Report) -> io::Result<()>;
}

/// A report rendered into memory.
pub fn render(emitter: &dyn Emitter, report: &Report) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = emitter.emit(&mut out, report);
    out
}

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

/// Which kind of distribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// `py3-none-any`: the reference backend only.
    Pure,
    /// A platform wheel with the extension module `dictwalk._native`.
    Native,
    /// The source distribution.
    Sdist,
}

impl Family {
    pub fn name(self) -> &'static str {
        match self {
            Family::Pure => "pure wheel",
            Family::Native => "native wheel",
            Family::Sdist => "sdist",
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

/// How one check went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    Drift,
    /// Not run, because what it compares could not be read (a finding already says why).
    Skipped,
    /// Could not run (a problem says why).
    CouldNotRun,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckSummary {
    pub check: Check,
    /// What was compared, e.g. `14 fields, 3 distributions`.
    pub compared: String,
    pub status: Status,
    pub findings: usize,
}

/// The run's conclusion; `could_not_run` outranks `drift`, and `no_drift` needs every check to
/// have run on every family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    NoDrift,
    Drift,
    CouldNotRun,
}

impl Verdict {
    pub fn describe(self) -> &'static str {
        match self {
            Verdict::NoDrift => "no drift (exit 0)",
            Verdict::Drift => "DRIFT (exit 1)",
            Verdict::CouldNotRun => "could not run, so no verdict (exit 2)",
        }
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
    pub verdict: Verdict,
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
            Verdict::CouldNotRun
        } else if !findings.is_empty() {
            Verdict::Drift
        } else if checks.len() < Check::ALL.len()
            || checks.iter().any(|summary| summary.status != Status::Ok)
        {
            // Defensive: a check that did not run is never "no drift".
            Verdict::CouldNotRun
        } else {
            Verdict::NoDrift
        };
        Report {
            schema_version: SCHEMA_VERSION,
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
                        Status::Ok
                    } else {
                        Status::Drift
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
        assert_eq!(sample(false).verdict, Verdict::NoDrift);
        assert_eq!(sample(true).verdict, Verdict::Drift);
        let mut missing_check = sample(false);
        missing_check.checks.pop();
        let rebuilt = Report::new(
            missing_check.artifacts,
            missing_check.checks,
            Vec::new(),
            Vec::new(),
            Environment::default(),
        );
        assert_eq!(rebuilt.verdict, Verdict::CouldNotRun);
        let report = sample(true);
        let with_problem = Report::new(
            report.artifacts,
            report.checks,
            report.findings,
            vec!["no native wheel".into()],
            Environment::default(),
        );
        assert_eq!(with_problem.verdict, Verdict::CouldNotRun);
    }

    #[test]
    fn findings_are_sorted_by_check_then_subject() {
        let report = sample(true);
        let checks: Vec<_> = report.findings.iter().map(|f| f.check).collect();
        assert_eq!(checks, [Check::Metadata, Check::Files]);
        assert_eq!(report.artifacts[0].family, Family::Pure);
    }
}
