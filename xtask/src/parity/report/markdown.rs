//! `reports/parity.md` (and CI's step summary): the verdict and the tables first, then the
//! failing cases, the changes since the baseline and the declared divergences folded in
//! `<details>` blocks, cut with a "… N more" line so the whole fits in a GitHub comment.

use std::io;

use crate::{
    exec::clip_to,
    parity::{
        baseline::Change,
        model::{describe, CaseStatus, ParityRun},
    },
    report::{markdown::cell, Emitter},
};

/// GitHub refuses comments over 65,536 characters; this leaves room for a heading around it.
pub const CAP: usize = 60_000;
/// Room kept for the closing line of a cut report.
const RESERVE: usize = 200;
/// The longest reason shown in one table cell.
const DETAIL_LIMIT: usize = 300;

pub struct MarkdownEmitter {
    /// The most bytes the report may have (bytes, so that characters are fewer still).
    pub cap: usize,
}

impl Default for MarkdownEmitter {
    fn default() -> Self {
        MarkdownEmitter { cap: CAP }
    }
}

impl Emitter<ParityRun> for MarkdownEmitter {
    fn emit(&self, out: &mut dyn io::Write, run: &ParityRun) -> io::Result<()> {
        out.write_all(render(run, self.cap).as_bytes())
    }
}

/// A report that grows only while it stays under the cap, and counts the rows it left out.
struct Capped {
    out: String,
    cap: usize,
    omitted: usize,
}

impl Capped {
    fn room(&self, more: usize) -> bool {
        self.out.len() + more + RESERVE <= self.cap
    }

    /// Adds a folded table; rows that do not fit are counted as omitted.
    fn section(&mut self, summary: &str, header: &str, rows: &[String]) {
        if rows.is_empty() {
            return;
        }
        let opening = format!("<details><summary>{summary}</summary>\n\n{header}");
        let closing = "\n</details>\n\n";
        if !self.room(opening.len() + rows[0].len() + closing.len()) {
            self.omitted += rows.len();
            return;
        }
        self.out.push_str(&opening);
        for (shown, row) in rows.iter().enumerate() {
            if !self.room(row.len() + closing.len()) {
                self.omitted += rows.len() - shown;
                break;
            }
            self.out.push_str(row);
        }
        self.out.push_str(closing);
    }

    /// A heading, when there is room for it and something after it.
    fn heading(&mut self, text: &str) -> bool {
        let fits = self.room(text.len() + 200);
        if fits {
            self.out.push_str(text);
        }
        fits
    }
}

fn render(run: &ParityRun, cap: usize) -> String {
    let mut out = String::new();
    head(&mut out, run);
    let mut report = Capped {
        out,
        cap,
        omitted: 0,
    };

    let failing: Vec<_> = run
        .backends
        .iter()
        .filter(|b| b.failures().next().is_some())
        .collect();
    if !failing.is_empty() && report.heading("## Failures\n\n") {
        for backend in &failing {
            let counts = backend.counts();
            let rows: Vec<String> = backend
                .failures()
                .map(|r| {
                    row(&[
                        &code(&r.id),
                        &r.file,
                        r.status.label(),
                        &clip_to(&r.detail, DETAIL_LIMIT),
                    ])
                })
                .collect();
            report.section(
                &format!(
                    "<b>{}</b>: {} failing, {} mutating reads, {} stale",
                    backend.backend, counts.fail, counts.mutated, counts.stale
                ),
                "| case | file | status | why |\n|---|---|---|---|\n",
                &rows,
            );
        }
    } else if !failing.is_empty() {
        report.omitted += failing.iter().map(|b| b.failures().count()).sum::<usize>();
    }

    if let Some(comparison) = &run.baseline {
        if !comparison.changes.is_empty() && report.heading("## Changes since the baseline\n\n") {
            for change in Change::ALL {
                let rows: Vec<String> = comparison
                    .changes
                    .iter()
                    .filter(|c| c.change == change)
                    .map(|c| row(&[&c.backend, &code(&c.id)]))
                    .collect();
                report.section(
                    &format!("{} ({})", change.label(), rows.len()),
                    "| backend | case |\n|---|---|\n",
                    &rows,
                );
            }
        } else {
            report.omitted += comparison.changes.len();
        }
    }

    let declaring: Vec<_> = run
        .backends
        .iter()
        .filter(|b| b.counts().declared > 0)
        .collect();
    if !declaring.is_empty() && report.heading("## Declared divergences\n\n") {
        for backend in &declaring {
            let rows: Vec<String> = backend
                .results
                .iter()
                .filter(|r| r.status == CaseStatus::Declared)
                .map(|r| row(&[&code(&r.id), &r.file, &clip_to(&r.detail, DETAIL_LIMIT)]))
                .collect();
            report.section(
                &format!("<b>{}</b>: {} declared", backend.backend, rows.len()),
                "| case | file | reason and difference |\n|---|---|---|\n",
                &rows,
            );
        }
    } else {
        report.omitted += declaring.iter().map(|b| b.counts().declared).sum::<usize>();
    }

    let Capped {
        mut out, omitted, ..
    } = report;
    if omitted > 0 {
        out.push_str(&format!(
            "… {omitted} more rows not shown: this report is cut to fit a GitHub comment; \
             parity.json beside it lists every result.\n"
        ));
    }
    if out.len() > cap {
        // Only a head of absurd size gets here; cut it rather than break the promise.
        let mut end = cap.saturating_sub(RESERVE);
        while !out.is_char_boundary(end) {
            end -= 1;
        }
        out.truncate(end);
        out.push_str("\n\n… cut to fit a GitHub comment; see parity.json.\n");
    }
    out
}

/// The verdict, the selection, the backends table, what could not run, the baseline counts.
fn head(out: &mut String, run: &ParityRun) {
    let selection = &run.selection;
    out.push_str("# dictwalk parity report\n\n");
    out.push_str(&format!(
        "**Verdict: {}**: {}\n\n",
        describe(run.status()),
        cell(&run.summary())
    ));
    let mut chosen = Vec::new();
    if let Some(filter) = &selection.filter {
        chosen.push(format!("filter `{}`", filter.replace('`', "'")));
    }
    if let Some(shard) = &selection.shard {
        chosen.push(format!("shard {shard}"));
    }
    let chosen = if chosen.is_empty() {
        String::new()
    } else {
        format!(" ({})", chosen.join(", "))
    };
    out.push_str(&format!(
        "Corpus `{}`: {} cases, {} selected{chosen}; per-case timeout {} s.\n\n",
        selection.corpus,
        selection.corpus_cases,
        selection.case_ids.len(),
        run.timeout.as_secs_f64()
    ));
    out.push_str("## Backends\n\n");
    out.push_str(
        "| backend | state | cases | pass | fail | mutated | declared | stale | n/a | not run | time |\n\
         |---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n",
    );
    for backend in &run.backends {
        let c = backend.counts();
        out.push_str(&row(&[
            backend.backend.name(),
            &backend.state.name().replace('_', " "),
            &c.cases.to_string(),
            &c.pass.to_string(),
            &c.fail.to_string(),
            &c.mutated.to_string(),
            &c.declared.to_string(),
            &c.stale.to_string(),
            &c.not_applicable.to_string(),
            &c.not_run.to_string(),
            &format!("{:.1} s", backend.elapsed.as_secs_f64()),
        ]));
    }
    out.push('\n');
    let problems: Vec<String> = run
        .backends
        .iter()
        .filter_map(|b| {
            b.state.reason().map(|why| {
                format!(
                    "- **{}** ({}): {}\n",
                    b.backend,
                    b.state.name().replace('_', " "),
                    cell(&clip_to(why, 2 * DETAIL_LIMIT))
                )
            })
        })
        .collect();
    if !problems.is_empty() {
        out.push_str("### Not run to the end\n\n");
        for problem in problems {
            out.push_str(&problem);
        }
        out.push('\n');
    }
    if let Some(comparison) = &run.baseline {
        out.push_str(&format!(
            "## Against the baseline `{}`\n\n",
            comparison.file.replace('`', "'")
        ));
        let labels: Vec<&str> = Change::ALL.iter().map(|c| c.label()).collect();
        out.push_str(&format!("| {} |\n", labels.join(" | ")));
        out.push_str(&format!("|{}\n", "--:|".repeat(labels.len())));
        let counts: Vec<String> = Change::ALL
            .iter()
            .map(|&c| comparison.count(c).to_string())
            .collect();
        out.push_str(&format!("| {} |\n\n", counts.join(" | ")));
    } else {
        out.push_str("No baseline to compare with.\n\n");
    }
}

/// A table row.
fn row(cells: &[&str]) -> String {
    let cells: Vec<String> = cells.iter().map(|c| html_safe(&cell(c))).collect();
    format!("| {} |\n", cells.join(" | "))
}

/// Text that cannot open or close an HTML block (a `</details>` in a message would end one).
fn html_safe(text: &str) -> String {
    text.replace('<', "&lt;").replace('>', "&gt;")
}

/// A case id as code.
fn code(id: &str) -> String {
    format!("`{}`", id.replace('`', "'"))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use dictwalk_corpus::Backend;

    use super::*;
    use crate::parity::{
        model::{BackendRun, BackendState, CaseResult},
        report::tests::sample,
    };

    #[test]
    fn markdown_report() -> anyhow::Result<()> {
        let text = String::from_utf8(crate::report::render(
            &MarkdownEmitter::default(),
            &sample(),
        )?)?;
        insta::assert_snapshot!(text);
        Ok(())
    }

    /// A run of `failing` failing cases with long reasons.
    fn many_failures(failing: usize) -> ParityRun {
        let mut run = sample();
        run.baseline = None;
        run.backends = vec![BackendRun {
            backend: Backend::Rust,
            state: BackendState::Complete,
            worker: None,
            restarts: 0,
            results: (0..failing)
                .map(|i| CaseResult {
                    id: format!("case.{i:05}"),
                    file: "filters.json".into(),
                    status: CaseStatus::Fail,
                    detail: format!("got <{i}>, expected {}", "x".repeat(400)),
                    elapsed: Duration::ZERO,
                })
                .collect(),
            elapsed: Duration::ZERO,
        }];
        run.selection.case_ids = (0..failing).map(|i| format!("case.{i:05}")).collect();
        run
    }

    #[test]
    fn a_long_report_is_cut_to_the_cap_with_a_count_of_the_rest() {
        let run = many_failures(10_000);
        let text = render(&run, CAP);
        assert!(text.len() <= CAP, "{} bytes", text.len());
        let shown = text.matches("| `case.").count();
        assert!(shown > 50, "as many rows as fit are shown, got {shown}");
        assert!(
            text.contains(&format!("… {} more rows not shown", 10_000 - shown)),
            "{}",
            &text[text.len() - 300..]
        );
        assert!(text.contains("</details>"), "the open block is closed");
        assert!(
            text.contains("&lt;1&gt;") && !text.contains("<1>"),
            "cells are escaped"
        );
        // A short report is whole.
        let text = render(&many_failures(3), CAP);
        assert!(!text.contains("more rows not shown"));
        assert_eq!(text.matches("| `case.").count(), 3);
    }

    #[test]
    fn the_cap_holds_even_when_tiny() {
        for cap in [0, 100, 1_000, 5_000] {
            let text = render(&many_failures(50), cap);
            assert!(
                text.len() <= cap.max(RESERVE),
                "cap {cap}: {} bytes",
                text.len()
            );
        }
    }
}
