//! The parity reports, one renderer per format behind the shared `report::Emitter` trait
//! (`json.rs`, `markdown.rs`, `junit.rs`, `terminal.rs`), and their publication, which keeps
//! the last report as the next run's baseline.

mod json;
mod junit;
mod markdown;
mod terminal;

use std::{
    fs,
    path::{Path, PathBuf},
};

use anyhow::Context;

pub use self::{
    json::JsonEmitter, junit::JunitEmitter, markdown::MarkdownEmitter, terminal::TerminalEmitter,
};
use super::model::ParityRun;
use crate::report::{render, NOT_CURRENT};

pub const JSON: &str = "parity.json";
pub const PREVIOUS_JSON: &str = "parity.previous.json";
pub const MARKDOWN: &str = "parity.md";
pub const JUNIT: &str = "junit.xml";
/// The reports a parity run writes (`publish` writes the JSON last, since the next run takes it
/// for its baseline).
pub const FILES: [&str; 3] = [JSON, MARKDOWN, JUNIT];

/// The last run's `parity.json`, the default baseline: the current one, or the one a running or
/// interrupted run set aside, or (when neither is there) the one before it.
pub fn last_report(reports_dir: &Path) -> Option<PathBuf> {
    [
        reports_dir.join(JSON),
        reports_dir.join(NOT_CURRENT).join(JSON),
        reports_dir.join(PREVIOUS_JSON),
    ]
    .into_iter()
    .find(|path| path.exists())
}

/// Writes `parity.md`, `junit.xml` and `parity.json` atomically, having first kept the last
/// run's `parity.json` as `parity.previous.json` (so that it is rotated only once its
/// replacement exists); feeds CI's step summary, and prints the table to stdout.
pub fn publish(
    run: &ParityRun,
    reports_dir: &Path,
    step_summary: Option<PathBuf>,
) -> anyhow::Result<()> {
    let markdown = render(&MarkdownEmitter::default(), run)?;
    let files = [
        (MARKDOWN, markdown.clone()),
        (JUNIT, render(&JunitEmitter, run)?),
        (JSON, render(&JsonEmitter, run)?),
    ];
    let last = [
        reports_dir.join(JSON),
        reports_dir.join(NOT_CURRENT).join(JSON),
    ]
    .into_iter()
    .find(|path| path.exists());
    if let Some(last) = last {
        let previous = reports_dir.join(PREVIOUS_JSON);
        fs::rename(&last, &previous)
            .with_context(|| format!("move {} to {}", last.display(), previous.display()))?;
    }
    crate::report::publish(
        "parity",
        reports_dir,
        &files,
        step_summary
            .as_deref()
            .map(|file| (file, markdown.as_slice())),
    )?;
    print!(
        "{}",
        String::from_utf8_lossy(&render(&TerminalEmitter, run)?)
    );
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use std::time::Duration;

    use dictwalk_corpus::Backend;

    use super::*;
    use crate::parity::{
        baseline::{compare, Baseline},
        model::{BackendRun, BackendState, CaseResult, CaseStatus, Selection},
        worker::Ready,
    };

    fn result(id: &str, status: CaseStatus, detail: &str) -> CaseResult {
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
        use CaseStatus::*;
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
                    native: None,
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
            commit: Some("0123456789ab".into()),
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
        let mut before: Vec<(&str, &str, CaseStatus)> =
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
    fn publish_keeps_the_last_report_as_the_previous_one() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let reports = dir.path();
        fs::create_dir_all(reports.join(NOT_CURRENT))?;
        // A run set the last report aside, then this one publishes.
        fs::write(reports.join(NOT_CURRENT).join(JSON), "last")?;
        assert_eq!(
            last_report(reports),
            Some(reports.join(NOT_CURRENT).join(JSON))
        );
        publish(&sample(), reports, None)?;
        assert_eq!(fs::read_to_string(reports.join(PREVIOUS_JSON))?, "last");
        assert!(!reports.join(NOT_CURRENT).exists(), "nothing is left aside");
        assert_eq!(last_report(reports), Some(reports.join(JSON)));
        // The next run, not interrupted: its baseline (this run's report) becomes previous.
        let this = fs::read(reports.join(JSON))?;
        publish(&sample(), reports, None)?;
        assert_eq!(fs::read(reports.join(PREVIOUS_JSON))?, this);
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
        let names = crate::testing::file_names(&dir.path().join("reports"))?;
        assert_eq!(names, [JUNIT, JSON, MARKDOWN], "no temporary file is left");
        let json: serde_json::Value =
            serde_json::from_slice(&fs::read(dir.path().join("reports").join(JSON))?)?;
        assert_eq!(json["verdict"], "could_not_run");
        assert!(fs::read_to_string(summary)?.starts_with("# dictwalk parity report"));
        Ok(())
    }
}
