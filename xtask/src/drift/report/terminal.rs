//! The terminal report on stdout: tables drawn with `tabled`, long differences wrapped.

use std::io;

use tabled::{
    builder::Builder,
    settings::{object::Columns, Modify, Style, Width},
};

use super::{Report, Status};
use crate::report::Emitter;

/// Wide enough for a path or a signature, narrow enough for a terminal beside the other columns.
const MESSAGE_WIDTH: usize = 90;

pub struct TerminalEmitter;

impl Emitter<Report> for TerminalEmitter {
    fn emit(&self, out: &mut dyn io::Write, report: &Report) -> io::Result<()> {
        writeln!(out, "dictwalk drift: {}", super::describe(report.verdict))?;
        for problem in &report.problems {
            writeln!(out, "could not run: {problem}")?;
        }

        if report.artifacts.is_empty() {
            writeln!(out, "no distributions found")?;
        } else {
            let mut artifacts = Builder::default();
            artifacts.push_record(["family", "file", "version", "tag"]);
            for a in &report.artifacts {
                artifacts.push_record([a.family.name(), &a.file, &a.version, &a.tag]);
            }
            writeln!(out, "{}", artifacts.build().with(Style::sharp()))?;
        }

        let mut checks = Builder::default();
        checks.push_record(["check", "compared", "result"]);
        for c in &report.checks {
            checks.push_record([
                c.check.name().to_owned(),
                c.compared.clone(),
                result_text(c.status, c.findings),
            ]);
        }
        writeln!(out, "{}", checks.build().with(Style::sharp()))?;

        if !report.findings.is_empty() {
            let mut findings = Builder::default();
            findings.push_record(["check", "subject", "difference"]);
            for f in &report.findings {
                findings.push_record([f.check.name(), &f.subject, &f.message]);
            }
            let mut table = findings.build();
            table.with(Style::sharp()).with(
                Modify::new(Columns::new(1..)).with(Width::wrap(MESSAGE_WIDTH).keep_words(true)),
            );
            writeln!(out, "{table}")?;
        }
        Ok(())
    }
}

/// The result column of the checks table, shared with the markdown renderer.
pub fn result_text(status: Status, findings: usize) -> String {
    match status {
        Status::Passed => "ok".to_owned(),
        Status::Failed if findings == 1 => "1 difference".to_owned(),
        Status::Failed => format!("{findings} differences"),
        Status::NotRun | Status::Inconclusive => "skipped".to_owned(),
        Status::CouldNotRun => "could not run".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{drift::report::tests::sample, report::render};

    #[test]
    fn terminal_report_with_findings() -> anyhow::Result<()> {
        insta::assert_snapshot!(String::from_utf8(render(&TerminalEmitter, &sample(true))?)?);
        Ok(())
    }

    #[test]
    fn terminal_report_without_findings() -> anyhow::Result<()> {
        insta::assert_snapshot!(String::from_utf8(render(
            &TerminalEmitter,
            &sample(false)
        )?)?);
        Ok(())
    }
}
