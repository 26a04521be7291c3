//! The markdown report (`reports/drift.md`, and CI's step summary): GitHub-flavoured tables.

use std::io;

use super::{Report, Status};
use crate::report::{
    markdown::{cell, table},
    Emitter,
};

pub struct MarkdownEmitter;

impl Emitter<Report> for MarkdownEmitter {
    fn emit(&self, out: &mut dyn io::Write, report: &Report) -> io::Result<()> {
        writeln!(out, "# dictwalk drift report\n")?;
        writeln!(out, "**Verdict: {}**\n", super::describe(report.verdict))?;
        if !report.problems.is_empty() {
            writeln!(out, "## Could not run\n")?;
            for problem in &report.problems {
                writeln!(out, "- {}", cell(problem))?;
            }
            writeln!(out)?;
        }
        writeln!(out, "## Distributions\n")?;
        if report.artifacts.is_empty() {
            writeln!(out, "None found.\n")?;
        }
        table(
            out,
            &["family", "file", "version", "tag"],
            report.artifacts.iter().map(|a| {
                vec![
                    a.family.name().to_owned(),
                    format!("`{}`", a.file),
                    a.version.clone(),
                    format!("`{}`", a.tag),
                ]
            }),
        )?;
        writeln!(out, "## Checks\n")?;
        table(
            out,
            &["check", "compared", "result"],
            report.checks.iter().map(|c| {
                vec![
                    c.check.name().to_owned(),
                    c.compared.clone(),
                    super::terminal::result_text(c.status, c.findings),
                ]
            }),
        )?;
        writeln!(out, "## Findings\n")?;
        if report.findings.is_empty() {
            let none = if report.checks.iter().all(|c| c.status == Status::Passed) {
                "None."
            } else {
                "None found by the checks that ran."
            };
            writeln!(out, "{none}\n")?;
        } else {
            table(
                out,
                &["check", "subject", "difference"],
                report.findings.iter().map(|f| {
                    vec![
                        f.check.name().to_owned(),
                        format!("`{}`", f.subject.replace('`', "'")),
                        f.message.clone(),
                    ]
                }),
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{drift::report::tests::sample, report::render};

    #[test]
    fn markdown_report_with_findings() -> anyhow::Result<()> {
        insta::assert_snapshot!(String::from_utf8(render(&MarkdownEmitter, &sample(true))?)?);
        Ok(())
    }

    #[test]
    fn markdown_report_without_findings() -> anyhow::Result<()> {
        insta::assert_snapshot!(String::from_utf8(render(
            &MarkdownEmitter,
            &sample(false)
        )?)?);
        Ok(())
    }
}
