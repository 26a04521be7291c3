//! `publish.json` (the shared `report::Json` of `Report`) and `publish.md`: what was uploaded,
//! skipped and verified, to which index, from which gate report.

use std::io;

use serde::Serialize;

use crate::{
    report::{
        markdown::{cell, table_aligned},
        schema, Emitter,
    },
    status::Status,
};

pub const JSON: &str = "publish.json";
pub const MARKDOWN: &str = "publish.md";

/// What became of one distribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Not on the index before, there (with these bytes) after.
    Uploaded,
    /// Already on the index with these bytes: not uploaded again.
    Skipped,
    /// Not on the index after the upload.
    Missing,
    /// Unknown: the index could not be asked after the upload.
    Unknown,
    /// Not on the index when the upload started; the report saying so is the one an
    /// interrupted upload leaves.
    Pending,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct File {
    pub file: String,
    pub sha256: String,
    pub outcome: Outcome,
}

/// One install from the index and its smoke query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verified {
    pub name: String,
    pub status: Status,
    pub summary: String,
}

/// publish.json.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub status: Status,
    pub summary: String,
    pub reasons: Vec<String>,
    pub version: String,
    /// The upload URL and the simple API, without credentials.
    pub index: String,
    pub simple: String,
    /// The gate report the upload obeyed: its path and the commit it judged.
    pub gate_report: String,
    pub commit: Option<String>,
    pub files: Vec<File>,
    pub verified: Vec<Verified>,
}

impl Report {
    pub fn new(version: String, index: String, simple: String, gate_report: String) -> Report {
        Report {
            schema_version: schema::PUBLISH,
            status: Status::NotRun,
            summary: String::new(),
            reasons: Vec::new(),
            version,
            index,
            simple,
            gate_report,
            commit: None,
            files: Vec::new(),
            verified: Vec::new(),
        }
    }

    pub fn count(&self, outcome: Outcome) -> usize {
        self.files.iter().filter(|f| f.outcome == outcome).count()
    }
}

/// publish.md.
pub struct MarkdownEmitter;

impl Emitter<Report> for MarkdownEmitter {
    fn emit(&self, out: &mut dyn io::Write, report: &Report) -> io::Result<()> {
        let mark = if report.status == Status::Passed {
            "✅"
        } else {
            "⛔"
        };
        writeln!(
            out,
            "# Publish: {mark} {}\n",
            cell(&format!("{}: {}", report.status.label(), report.summary))
        )?;
        let commit = report.commit.as_deref().unwrap_or("unknown commit");
        writeln!(
            out,
            "dictwalk {} at `{commit}` to {}, as `{}` judged it.\n",
            report.version,
            cell(&report.index),
            report.gate_report
        )?;
        if !report.reasons.is_empty() {
            for reason in &report.reasons {
                writeln!(out, "- {}", cell(reason))?;
            }
            writeln!(out)?;
        }
        writeln!(out, "## Files\n")?;
        table_aligned(
            out,
            &["file", "outcome", "sha256"],
            &[],
            report.files.iter().map(|f| {
                vec![
                    format!("`{}`", f.file),
                    format!("{:?}", f.outcome).to_lowercase(),
                    format!("`{}`", f.sha256),
                ]
            }),
        )?;
        if !report.verified.is_empty() {
            writeln!(out, "## Installed back from the index\n")?;
            table_aligned(
                out,
                &["install", "status", "summary"],
                &[],
                report.verified.iter().map(|v| {
                    vec![
                        v.name.clone(),
                        v.status.label().to_owned(),
                        v.summary.clone(),
                    ]
                }),
            )?;
        }
        Ok(())
    }
}
