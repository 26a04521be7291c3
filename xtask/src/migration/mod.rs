//! `cargo xtask status`: the migration board. From data the project already has (the core's
//! table of built-in filters and filters.py's families, the corpus, the last parity and bench
//! reports, the benchmark scenarios), what each public function and each built-in filter is
//! in each backend, how many of its corpus cases pass where, what it declares against 2.6.0
//! and how much faster the native backend runs it. `board.rs` is the model and how it is built,
//! `inputs.rs` reads the inputs and judges whether a report is stale, `render.rs` draws
//! `status.md` and the terminal table.
//!
//! The board runs nothing: it is as current as the reports it reads, and says so. Each source
//! carries the commit it describes and whether it is stale; `--stale` only checks that.

mod board;
mod inputs;

/// `status.json`'s model, which `report/html/` reads back for the page's migration board.
pub use self::board::{Board, Kind};
mod render;
#[cfg(test)]
mod tests;

use std::path::Path;

use anyhow::anyhow;
use dictwalk_corpus::{load_dir, LoadOptions};
use xshell::Shell;

use self::{
    board::{build, Inputs, Source},
    inputs::{BENCH_INPUTS, FILTERS_PY, PARITY_INPUTS, WORKLOAD_PY},
    render::{MarkdownEmitter, TerminalEmitter},
};
use crate::{
    flags::{self, defaults},
    gate,
    report::{publish_json_and_markdown, render, shown},
    status::{Conclusion, Status},
};

pub const JSON: &str = "status.json";
pub const MARKDOWN: &str = "status.md";

/// The reports the board reads, in the reports folder.
const PARITY_JSON: &str = "parity.json";
const BENCH_JSON: &str = "bench.json";

impl flags::Status {
    pub fn run(self, sh: &Shell) -> anyhow::Result<Conclusion> {
        let root = sh.current_dir();
        let reports_dir = root.join(&self.reports_dir);
        let parity_path = reports_dir.join(PARITY_JSON);
        let bench_path = reports_dir.join(BENCH_JSON);
        let parity = inputs::parity(&parity_path);
        let bench = inputs::bench(&bench_path);
        let source =
            |path: &Path, read: Result<(Option<String>, Option<u64>), String>, depends: &[&str]| {
                let report = shown(&root, path);
                match read {
                    Ok((commit, generated_at_unix)) => {
                        let why_stale = inputs::staleness(sh, commit.as_deref(), depends);
                        Source {
                            report,
                            commit,
                            generated_at_unix,
                            stale: why_stale.is_some(),
                            missing: None,
                            why_stale,
                        }
                    }
                    Err(why) => Source {
                        report,
                        commit: None,
                        generated_at_unix: None,
                        stale: false,
                        missing: Some(why),
                        why_stale: None,
                    },
                }
            };
        let mut sources = vec![
            source(
                &parity_path,
                parity
                    .as_ref()
                    .map(|p| (p.commit.clone(), p.generated_at_unix))
                    .map_err(Clone::clone),
                &PARITY_INPUTS,
            ),
            source(
                &bench_path,
                bench
                    .as_ref()
                    .map(|b| (b.commit.clone(), b.generated_at_unix))
                    .map_err(Clone::clone),
                &BENCH_INPUTS,
            ),
        ];
        if self.stale {
            return Ok(stale_only(&sources));
        }

        let corpus = root.join(defaults::CORPUS);
        let cases = load_dir(&corpus, LoadOptions::default())
            .map_err(|err| anyhow!("the corpus {} is malformed: {err}", shown(&root, &corpus)))?;
        let families = inputs::families(&inputs::project_file(&root, FILTERS_PY)?, FILTERS_PY)?;
        let scenarios = inputs::scenarios(&inputs::project_file(&root, WORKLOAD_PY)?, WORKLOAD_PY)?;
        // A parity report whose cases are not this corpus's cannot be counted from.
        if let (Ok(results), Some(source)) = (&parity, sources.first_mut()) {
            let mismatch = mismatch(results, &cases);
            if let Some(why) = mismatch {
                source.stale = true;
                source.why_stale = Some(match source.why_stale.take() {
                    Some(earlier) => format!("{earlier}; {why}"),
                    None => why,
                });
            }
        }
        let mut board = build(Inputs {
            commit: gate::commit(sh),
            generated_at_unix: gate::now(),
            cases: &cases,
            families: &families,
            parity: parity.as_ref().ok(),
            bench: bench.as_ref().ok(),
            scenarios: &scenarios,
            sources,
        });
        // The board's totals are counted case by case; they must be the report's own counts.
        if let (Ok(results), Some(source)) = (&parity, board.sources.first_mut()) {
            if let Some(why) = disagreement(&board.totals.passing, &results.pass_counts) {
                source.stale = true;
                source.why_stale = Some(why);
            }
        }
        let written = publish_json_and_markdown(
            "status",
            &reports_dir,
            [JSON, MARKDOWN],
            &board,
            &MarkdownEmitter,
            None,
        )?;
        print!(
            "{}",
            String::from_utf8_lossy(&render(&TerminalEmitter, &board)?)
        );
        // The closing line lists them, as every command's reasons.
        let problems = board.source_problems();
        let shown: Vec<String> = written.iter().map(|p| shown(&root, p)).collect();
        let mut summary = format!("{} ({})", render::headline(&board), shown.join(", "));
        if !problems.is_empty() {
            summary.push_str(&format!(
                "; {} of its sources stale or missing",
                problems.len()
            ));
        }
        // A board without one of its sources is written (it says what is missing) but is no
        // answer: exit 2. A stale source is marked on the board and named here.
        let status = if board.sources.iter().any(|s| s.missing.is_some()) {
            Status::CouldNotRun
        } else {
            Status::Passed
        };
        Ok(Conclusion::new(status, summary).with_reasons(problems))
    }
}

/// `--stale`: a line per source on stdout; exit 1 when one is stale, 2 when one is missing.
fn stale_only(sources: &[Source]) -> Conclusion {
    let mut status = Status::Passed;
    for source in sources {
        let commit = source.commit.as_deref().unwrap_or("no commit");
        let line = if let Some(why) = &source.missing {
            status = status.worst(Status::CouldNotRun);
            format!("{}: missing: {why}", source.report)
        } else if let Some(why) = &source.why_stale {
            status = status.worst(Status::Failed);
            format!("{}: stale ({commit}): {why}", source.report)
        } else {
            format!("{}: current ({commit})", source.report)
        };
        println!("{line}");
    }
    let summary = match status {
        Status::Passed => "every report the board reads is current",
        Status::Failed => "a report the board reads is older than the code",
        _ => "a report the board reads is missing or unreadable",
    };
    Conclusion::new(status, summary)
}

/// Where the passes counted from a report's results differ from its stated counts, if they do.
fn disagreement(
    counted: &std::collections::BTreeMap<String, usize>,
    stated: &std::collections::BTreeMap<String, usize>,
) -> Option<String> {
    let differ: Vec<String> = stated
        .iter()
        .filter(|(backend, pass)| counted.get(*backend) != Some(pass))
        .map(|(backend, pass)| {
            format!(
                "{backend} {} counted, {pass} stated",
                counted.get(backend).copied().unwrap_or(0)
            )
        })
        .collect();
    (!differ.is_empty()).then(|| {
        format!(
            "its pass counts are not its results': {}",
            differ.join(", ")
        )
    })
}

/// Why a parity report's case ids are not the corpus's, if they are not.
fn mismatch(results: &inputs::ParityResults, cases: &[dictwalk_corpus::Case]) -> Option<String> {
    let corpus: std::collections::BTreeSet<&str> = cases.iter().map(|c| c.id.as_str()).collect();
    let gone = results
        .selected
        .iter()
        .filter(|id| !corpus.contains(id.as_str()))
        .count();
    let new = corpus
        .iter()
        .filter(|id| !results.selected.contains(**id))
        .count();
    (gone + new > 0).then(|| {
        format!("it ran {gone} cases the corpus no longer has and not {new} of the corpus's")
    })
}
