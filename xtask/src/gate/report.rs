//! The gate's report: `gate.json` (the shared `report::Json` of `Report`), `gate.md` (the
//! verdict, its reasons, then the table of checks) and the closing lines on the terminal.

use std::io;

use serde::{Deserialize, Serialize};

use super::provenance::{Distribution, Environment};
use crate::{
    report::{
        markdown::{cell, fit_comment, table_aligned},
        schema, Emitter,
    },
    status::Status,
    term::{self, Style},
};

pub const JSON: &str = "gate.json";
pub const MARKDOWN: &str = "gate.md";

/// One check of the gate, as the report states it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    pub name: String,
    pub status: Status,
    /// One line: what it found.
    pub summary: String,
    /// Why it did not pass, one line each.
    pub reasons: Vec<String>,
    /// The reports it wrote, relative to the project root.
    pub reports: Vec<String>,
    pub seconds: f64,
}

impl Check {
    /// A check as a conclusion states it, before the gate adds its reports and time.
    pub fn new(name: &str, status: Status, summary: impl Into<String>) -> Check {
        Check {
            name: name.to_owned(),
            status,
            summary: summary.into(),
            reasons: Vec::new(),
            reports: Vec::new(),
            seconds: 0.0,
        }
    }
}

/// GO or NO-GO.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    #[serde(rename = "GO")]
    Go,
    #[serde(rename = "NO-GO")]
    NoGo,
}

impl Verdict {
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Go => "GO",
            Verdict::NoGo => "NO-GO",
        }
    }
}

/// gate.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    pub verdict: Verdict,
    /// False in the placeholder written when the run starts.
    pub finished: bool,
    pub version: String,
    pub commit: Option<String>,
    /// Whether the working tree had changes when the gate started; `None` when git could not
    /// say. `cargo xtask publish` refuses a report whose tree was not clean.
    #[serde(default)]
    pub dirty: Option<bool>,
    pub generated_at_unix: u64,
    /// The distributions in the wheel folder when the checks ended, the files the gate judged:
    /// each file name and sha256, sorted by name; empty in the placeholder.
    #[serde(default)]
    pub distributions: Vec<Distribution>,
    /// Why the verdict is NO-GO, one line each; empty for GO.
    pub reasons: Vec<String>,
    pub checks: Vec<Check>,
    /// The readable time and the toolchain versions.
    #[serde(default)]
    pub environment: Environment,
}

impl Report {
    /// What the gate writes before any check starts, so that an interrupted run leaves a
    /// NO-GO that says it did not finish, never an earlier GO.
    pub fn placeholder(
        version: String,
        commit: Option<String>,
        dirty: Option<bool>,
        environment: Environment,
        now: u64,
    ) -> Report {
        Report {
            schema_version: schema::GATE,
            verdict: Verdict::NoGo,
            finished: false,
            version,
            commit,
            dirty,
            generated_at_unix: now,
            distributions: Vec::new(),
            reasons: vec!["the gate has not finished: it is running, or it was interrupted".into()],
            checks: Vec::new(),
            environment,
        }
    }
}

/// gate.md: the verdict first, then its reasons, then the checks.
pub struct MarkdownEmitter;

impl Emitter<Report> for MarkdownEmitter {
    fn emit(&self, out: &mut dyn io::Write, report: &Report) -> io::Result<()> {
        let mut text = Vec::new();
        self.emit_whole(&mut text, report)?;
        let whole = format!("`reports/{JSON}`");
        out.write_all(fit_comment(String::from_utf8_lossy(&text).into_owned(), &whole).as_bytes())
    }
}

impl MarkdownEmitter {
    fn emit_whole(&self, out: &mut dyn io::Write, report: &Report) -> io::Result<()> {
        let mark = match report.verdict {
            Verdict::Go => "✅",
            Verdict::NoGo => "⛔",
        };
        writeln!(out, "# Release gate: {mark} {}\n", report.verdict.word())?;
        let commit = report.commit.as_deref().unwrap_or("unknown commit");
        let tree = match report.dirty {
            Some(false) => "a clean tree",
            Some(true) => "a dirty tree",
            None => "a tree of unknown state",
        };
        writeln!(
            out,
            "dictwalk {} at `{commit}` ({tree}), {}.\n",
            report.version, report.environment.generated_at
        )?;
        if !report.checks.is_empty() {
            // The key figures first, for a reader of the pull-request comment who reads no further.
            let passed = report
                .checks
                .iter()
                .filter(|c| c.status == Status::Passed)
                .count();
            let marks: Vec<String> = report
                .checks
                .iter()
                .map(|c| {
                    let mark = match c.status {
                        Status::Passed => "✅",
                        Status::Failed | Status::CouldNotRun => "⛔",
                        Status::Inconclusive | Status::NotRun => "⚠️",
                    };
                    format!("{} {mark}", c.name)
                })
                .collect();
            writeln!(
                out,
                "**Checks: {passed} of {} passed**: {}.\n",
                report.checks.len(),
                marks.join(" · ")
            )?;
        }
        if !report.reasons.is_empty() {
            writeln!(out, "## Why NO-GO\n")?;
            for reason in &report.reasons {
                writeln!(out, "- {}", cell(reason))?;
            }
            writeln!(out)?;
        }
        if !report.checks.is_empty() {
            writeln!(out, "## Checks\n")?;
            table_aligned(
                out,
                &["check", "status", "summary", "time", "reports"],
                &[3],
                report.checks.iter().map(|check| {
                    vec![
                        check.name.clone(),
                        check.status.label().to_owned(),
                        check.summary.clone(),
                        format!("{:.0} s", check.seconds),
                        check
                            .reports
                            .iter()
                            .map(|path| format!("`{path}`"))
                            .collect::<Vec<_>>()
                            .join(" "),
                    ]
                }),
            )?;
        }
        if !report.distributions.is_empty() {
            writeln!(out, "## Distributions judged\n")?;
            table_aligned(
                out,
                &["file", "sha256"],
                &[],
                report
                    .distributions
                    .iter()
                    .map(|dist| vec![format!("`{}`", dist.file), format!("`{}`", dist.sha256)]),
            )?;
        }
        let env = &report.environment;
        let tools: Vec<&str> = [&env.rustc, &env.maturin, &env.uv, &env.python]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        if !tools.is_empty() {
            writeln!(out, "Toolchain: {}.", cell(&tools.join(", ")))?;
        }
        Ok(())
    }
}

/// The lines the gate prints on stderr when it ends, a line per check (the reasons follow, as
/// every command's do, before the closing line).
pub struct TerminalEmitter;

impl Emitter<Report> for TerminalEmitter {
    fn emit(&self, out: &mut dyn io::Write, report: &Report) -> io::Result<()> {
        let width = report
            .checks
            .iter()
            .map(|check| check.name.len())
            .max()
            .unwrap_or(0);
        for check in &report.checks {
            let style = if check.status == Status::Passed {
                Style::Green
            } else {
                Style::Red
            };
            writeln!(
                out,
                "xtask: gate: {:<width$} {} ({:.0} s): {}",
                check.name,
                term::paint(style, check.status.label()),
                check.seconds,
                check.summary
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::render;

    #[test]
    fn markdown_lists_checks_and_reasons() -> anyhow::Result<()> {
        let mut parity = Check::new("parity", Status::Failed, "1 failing case | rust");
        parity.reports.push("reports/parity.md".into());
        let report = Report {
            schema_version: schema::GATE,
            verdict: Verdict::NoGo,
            finished: true,
            version: "3.0.0a1".into(),
            commit: None,
            dirty: Some(false),
            generated_at_unix: 0,
            distributions: vec![Distribution {
                file: "dictwalk-3.0.0a1-py3-none-any.whl".into(),
                sha256: "ab".repeat(32),
            }],
            reasons: vec!["parity: FAILED: 1 failing case | rust".into()],
            checks: vec![
                Check::new("wheels", Status::Passed, "fine"),
                Check::new("drift", Status::Passed, "fine"),
                parity,
            ],
            environment: Environment {
                generated_at: "2026-12-03T11:45:07Z".into(),
                rustc: Some("rustc 1.91.0".into()),
                maturin: None,
                uv: Some("uv 0.13.9".into()),
                python: Some("Python 3.13.5".into()),
            },
        };
        insta::assert_snapshot!(String::from_utf8(render(&MarkdownEmitter, &report)?)?);
        Ok(())
    }
}
