//! The parity reports, one renderer per format behind the `Emitter` trait (`json.rs`,
//! `markdown.rs`, `junit.rs`, `terminal.rs`), and their publication: the previous report is
//! retired when a run starts, the new ones are written atomically when it ends.

mod json;
mod junit;
mod markdown;
mod terminal;

use std::{
    fs, io,
    path::{Path, PathBuf},
};

use anyhow::Context;

pub use self::{
    json::JsonEmitter, junit::JunitEmitter, markdown::MarkdownEmitter, terminal::TerminalEmitter,
};
use super::model::{ParityRun, Verdict};
use crate::{
    atomic,
    term::{self, Style},
};

/// Bumped whenever a field of `parity.json` changes meaning or goes away.
pub const SCHEMA_VERSION: u32 = 1;

pub const JSON: &str = "parity.json";
pub const PREVIOUS_JSON: &str = "parity.previous.json";
pub const MARKDOWN: &str = "parity.md";
pub const JUNIT: &str = "junit.xml";

/// Renders a run in one format.
pub trait Emitter {
    fn emit(&self, out: &mut dyn io::Write, run: &ParityRun) -> io::Result<()>;
}

/// A run rendered into memory.
pub fn render(emitter: &dyn Emitter, run: &ParityRun) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    emitter.emit(&mut out, run)?;
    Ok(out)
}

/// Called before a run: moves `parity.json` to `parity.previous.json` (the default baseline)
/// and removes the markdown and JUnit reports, so that a run that stops midway leaves no
/// report of another run that could be taken for its own.
pub fn retire(reports_dir: &Path) -> anyhow::Result<()> {
    let json = reports_dir.join(JSON);
    if json.exists() {
        let previous = reports_dir.join(PREVIOUS_JSON);
        fs::rename(&json, &previous)
            .with_context(|| format!("move {} to {}", json.display(), previous.display()))?;
    }
    for name in [MARKDOWN, JUNIT] {
        let path = reports_dir.join(name);
        if path.exists() {
            fs::remove_file(&path).with_context(|| format!("remove {}", path.display()))?;
        }
    }
    Ok(())
}

/// Writes `parity.json`, `parity.md` and `junit.xml` atomically (the JSON last, since the next
/// run takes it for its baseline), feeds CI's step summary, and prints the table to stdout.
pub fn publish(
    run: &ParityRun,
    reports_dir: &Path,
    step_summary: Option<PathBuf>,
) -> anyhow::Result<()> {
    let markdown = render(&MarkdownEmitter::default(), run)?;
    let emitters: [(&str, &dyn Emitter); 3] = [
        (MARKDOWN, &MarkdownEmitter::default()),
        (JUNIT, &JunitEmitter),
        (JSON, &JsonEmitter),
    ];
    for (name, emitter) in emitters {
        let path = reports_dir.join(name);
        let bytes = render(emitter, run).with_context(|| format!("render {name}"))?;
        atomic::write(&path, &bytes)?;
        term::info(format_args!("parity: wrote {}", path.display()));
    }
    if let Some(summary) = step_summary {
        atomic::append(&summary, &markdown)?;
    }
    print!(
        "{}",
        String::from_utf8_lossy(&render(&TerminalEmitter, run)?)
    );
    let verdict = run.verdict();
    let style = match verdict {
        Verdict::Pass => Style::Green,
        Verdict::Fail | Verdict::CouldNotRun => Style::Red,
    };
    term::info(format_args!(
        "parity: {}: {}",
        term::paint(style, verdict.describe()),
        run.summary()
    ));
    Ok(())
}

/// Text that stays inside one markdown table cell or list item.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

#[cfg(test)]
pub(crate) mod tests {
    use std::time::Duration;

    use dictwalk_corpus::Backend;

    use super::*;
    use crate::parity::{
        baseline::{compare, Baseline},
        model::{BackendRun, BackendState, CaseResult, Selection, Status},
        worker::Ready,
    };

    fn result(id: &str, status: Status, detail: &str) -> CaseResult {
        CaseResult {
            id: id.into(),
            file: "filters.json".into(),
            status,
            detail: detail.into(),
            elapsed: Duration::ZERO,
        }
    }

    /// A run with a bit of everything, for the renderers' snapshots.
    pub fn sample() -> ParityRun {
        use Status::*;
        let ids = ["f.upper", "f.lower", "f.sum", "f.nan"];
        let backends = vec![
            BackendRun {
                backend: Backend::Python,
                state: BackendState::Complete,
                worker: Some(Ready {
                    api: "python".into(),
                    version: Some("3.0.0a1".into()),
                    backend: Some("python".into()),
                    module: "/venvs/pure/dictwalk/__init__.py".into(),
                }),
                restarts: 0,
                results: ids.iter().map(|id| result(id, Pass, "")).collect(),
                elapsed: Duration::ZERO,
            },
            BackendRun {
                backend: Backend::Rust,
                state: BackendState::Complete,
                worker: None,
                restarts: 1,
                results: vec![
                    result("f.upper", Pass, ""),
                    result("f.lower", Fail, "expected \"abc\", got \"ABC\""),
                    result(
                        "f.sum",
                        Fail,
                        "the worker crashed: exit status: 3; its last stderr line: boom | bang",
                    ),
                    result(
                        "f.nan",
                        Stale,
                        "declared to diverge (spec 9.2), but gives the expected result",
                    ),
                ],
                elapsed: Duration::ZERO,
            },
            BackendRun {
                backend: Backend::Core,
                state: BackendState::Complete,
                worker: None,
                restarts: 0,
                results: vec![
                    result("f.upper", Pass, ""),
                    result("f.lower", Pass, ""),
                    result("f.sum", Declared, "spec 4.1: floats: expected 1, got 1.0"),
                    result("f.nan", NotApplicable, "holds a value JSON cannot express"),
                ],
                elapsed: Duration::ZERO,
            },
            BackendRun {
                backend: Backend::Legacy,
                state: BackendState::CouldNotRun(
                    "its worker did not start: it exited before its ready line".into(),
                ),
                worker: None,
                restarts: 0,
                results: ids
                    .iter()
                    .map(|id| result(id, NotRun, "not run: its worker did not start"))
                    .collect(),
                elapsed: Duration::ZERO,
            },
        ];
        let mut run = ParityRun {
            selection: Selection {
                corpus: "parity/cases".into(),
                corpus_cases: 9,
                filter: Some("f.*".into()),
                shard: Some("1/2".into()),
                case_ids: ids.iter().map(|id| (*id).to_owned()).collect(),
            },
            backends,
            timeout: Duration::from_secs(10),
            baseline: None,
            elapsed: Duration::ZERO,
        };
        let mut before: Vec<(&str, &str, Status)> =
            ids.iter().map(|id| ("python", *id, Pass)).collect();
        before.extend([
            ("rust", "f.upper", Fail),
            ("rust", "f.lower", Pass),
            ("rust", "f.sum", Fail),
            ("rust", "f.nan", Declared),
            ("rust", "f.gone", Pass),
            ("core", "f.upper", Pass),
            ("core", "f.sum", Declared),
            ("core", "f.nan", NotApplicable),
        ]);
        let baseline = Baseline::from_statuses("reports/parity.previous.json", &before);
        let corpus = ids.into_iter().collect();
        run.baseline = Some(compare(&baseline, &run.backends, &corpus));
        run
    }

    #[test]
    fn retire_moves_the_json_and_removes_the_rest() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        for name in [JSON, MARKDOWN, JUNIT, "gate.json"] {
            fs::write(dir.path().join(name), name)?;
        }
        retire(dir.path())?;
        assert_eq!(fs::read_to_string(dir.path().join(PREVIOUS_JSON))?, JSON);
        for gone in [JSON, MARKDOWN, JUNIT] {
            assert!(!dir.path().join(gone).exists(), "{gone} is still there");
        }
        assert!(
            dir.path().join("gate.json").exists(),
            "another command's report stays"
        );
        // Nothing to retire is fine, and the previous report stays the baseline.
        retire(dir.path())?;
        assert_eq!(fs::read_to_string(dir.path().join(PREVIOUS_JSON))?, JSON);
        Ok(())
    }

    #[test]
    fn publish_writes_every_report_and_nothing_else() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let summary = dir.path().join("step-summary.md");
        publish(
            &sample(),
            &dir.path().join("reports"),
            Some(summary.clone()),
        )?;
        let mut names: Vec<String> = fs::read_dir(dir.path().join("reports"))?
            .map(|entry| entry.map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect::<Result<_, _>>()?;
        names.sort();
        assert_eq!(names, [JUNIT, JSON, MARKDOWN], "no temporary file is left");
        let json: serde_json::Value =
            serde_json::from_slice(&fs::read(dir.path().join("reports").join(JSON))?)?;
        assert_eq!(json["verdict"], "could_not_run");
        assert!(fs::read_to_string(summary)?.starts_with("# dictwalk parity report"));
        Ok(())
    }
}
