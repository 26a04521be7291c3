//! The board's renderers besides JSON: `status.md` (the key figures in its first lines, then
//! one table row per function and filter, short enough for a pull-request comment) and the
//! terminal table on stdout, drawn with `tabled`.

use std::io;

use tabled::{builder::Builder, settings::Style};

use super::board::{Board, Entry};
use crate::report::{markdown::table_aligned, Emitter};

/// The first line: the cases passing on each backend.
pub fn headline(board: &Board) -> String {
    if board.totals.passing.is_empty() {
        return format!(
            "{} corpus cases; no parity report to count passes from",
            board.totals.cases
        );
    }
    let passing: Vec<String> = board
        .backends
        .iter()
        .map(|b| format!("{b} {}", board.totals.passing.get(b).copied().unwrap_or(0)))
        .collect();
    format!(
        "{} corpus cases; passing: {}",
        board.totals.cases,
        passing.join(", ")
    )
}

/// The second line: how the rust binding runs the built-in filters, the declared divergences.
pub fn inventory(board: &Board) -> String {
    let counts = board.filter_implementations();
    let filters: usize = counts.values().sum();
    let parts: Vec<String> = counts
        .iter()
        .map(|(word, n)| format!("{n} {word}"))
        .collect();
    format!(
        "{filters} built-in filters in the rust binding: {}; {} cases declare a divergence from 2.6.0",
        parts.join(", "),
        board.totals.declared
    )
}

/// Where the figures come from, and whether each source is current.
fn sources(board: &Board) -> Vec<String> {
    board
        .sources
        .iter()
        .map(|s| {
            let commit = s
                .commit
                .as_deref()
                .map_or("no commit", |c| &c[..c.len().min(12)]);
            let state = if let Some(why) = &s.missing {
                format!("MISSING: {why}")
            } else if s.stale {
                format!(
                    "STALE: {}",
                    s.why_stale.as_deref().unwrap_or("older than the code")
                )
            } else {
                "current".to_owned()
            };
            format!("{} ({commit}, {state})", s.report)
        })
        .collect()
}

/// The entry's bench ratios, at most `shown` of them (the lowest first, as the slowest
/// scenario is the one to look at) and a count of the rest.
fn bench(entry: &Entry, shown: usize) -> String {
    let mut ratios: Vec<_> = entry.bench.iter().collect();
    ratios.sort_by(|a, b| a.ratio.total_cmp(&b.ratio));
    let mut text = ratios
        .iter()
        .take(shown)
        .map(|b| format!("{} {:.1}x", b.scenario, b.ratio))
        .collect::<Vec<_>>()
        .join(", ");
    if ratios.len() > shown {
        text.push_str(&format!(" (+{} more)", ratios.len() - shown));
    }
    text
}

/// Every ratio in status.md; the terminal keeps its table narrow.
const BENCH_IN_MARKDOWN: usize = usize::MAX;
const BENCH_ON_TERMINAL: usize = 2;

fn passing(board: &Board, entry: &Entry) -> Vec<String> {
    board
        .backends
        .iter()
        .map(|b| {
            entry
                .passing
                .get(b)
                .map_or_else(|| "-".to_owned(), ToString::to_string)
        })
        .collect()
}

fn rust(entry: &Entry) -> String {
    entry
        .implementation
        .get("rust")
        .map_or("-", |i| i.word())
        .to_owned()
}

pub struct MarkdownEmitter;

impl Emitter<Board> for MarkdownEmitter {
    fn emit(&self, out: &mut dyn io::Write, board: &Board) -> io::Result<()> {
        writeln!(out, "# Migration status: {}\n", headline(board))?;
        writeln!(out, "{}.\n", inventory(board))?;
        let commit = board.commit.as_deref().unwrap_or("an unknown commit");
        writeln!(
            out,
            "At `{commit}`, from {}.\n",
            sources(board).join(" and ")
        )?;
        let mut header = vec!["area", "name", "rust", "cases"];
        let names: Vec<String> = board.backends.iter().map(|b| format!("pass {b}")).collect();
        header.extend(names.iter().map(String::as_str));
        header.extend([
            "declared",
            "bench: native vs reference (instructions)",
            "why",
        ]);
        let right: Vec<usize> = (3..4 + board.backends.len() + 1).collect();
        let rows: Vec<Vec<String>> = board
            .entries()
            .map(|(area, entry)| {
                let mut row = vec![
                    area.area.clone(),
                    format!("`{}`", entry.name),
                    rust(entry),
                    entry.cases.to_string(),
                ];
                row.extend(passing(board, entry));
                row.extend([
                    entry.declared.to_string(),
                    bench(entry, BENCH_IN_MARKDOWN),
                    entry.why.clone().unwrap_or_default(),
                ]);
                row
            })
            .collect();
        table_aligned(out, &header, &right, rows.into_iter())
    }
}

pub struct TerminalEmitter;

impl Emitter<Board> for TerminalEmitter {
    fn emit(&self, out: &mut dyn io::Write, board: &Board) -> io::Result<()> {
        let mut table = Builder::default();
        let mut header = vec![
            "area".to_owned(),
            "name".into(),
            "rust".into(),
            "cases".into(),
        ];
        header.extend(board.backends.iter().map(|b| format!("pass {b}")));
        header.extend(["declared".into(), "native vs reference".into()]);
        table.push_record(header);
        for (area, entry) in board.entries() {
            let mut row = vec![
                area.area.clone(),
                entry.name.clone(),
                rust(entry),
                entry.cases.to_string(),
            ];
            row.extend(passing(board, entry));
            row.extend([entry.declared.to_string(), bench(entry, BENCH_ON_TERMINAL)]);
            table.push_record(row);
        }
        writeln!(out, "{}", table.build().with(Style::sharp()))?;
        writeln!(out, "{}", headline(board))?;
        writeln!(out, "{}", inventory(board))?;
        for line in sources(board) {
            writeln!(out, "from {line}")?;
        }
        Ok(())
    }
}
