//! The comparison with a saved report (by default the previous run's, `parity.previous.json`):
//! each (backend, case) is classed as newly failing, fixed, still failing, stale divergence,
//! added or removed.

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::Path,
};

use dictwalk_corpus::Backend;
use serde::{Deserialize, Serialize};

use super::model::{BackendRun, CaseStatus};

/// What a baseline report records: the status of every (backend, case) it ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Baseline {
    /// The file, as it is named in reports.
    pub file: String,
    /// The backends it ran.
    backends: BTreeSet<String>,
    statuses: BTreeMap<(String, String), CaseStatus>,
}

/// The parts of `parity.json` a baseline needs; everything else in it is ignored.
#[derive(Deserialize)]
struct Saved {
    schema_version: u32,
    run: SavedRun,
    results: Vec<SavedResult>,
}

#[derive(Deserialize)]
struct SavedRun {
    backends: Vec<String>,
    case_ids: Vec<String>,
}

#[derive(Deserialize)]
struct SavedResult {
    backend: String,
    id: String,
    status: CaseStatus,
}

impl Baseline {
    /// Reads a `parity.json`; `Err` is one line naming the file.
    pub fn load(path: &Path, shown: &str) -> Result<Baseline, String> {
        let text = fs::read_to_string(path)
            .map_err(|err| format!("cannot read the baseline {shown}: {err}"))?;
        let saved: Saved = serde_json::from_str(&text)
            .map_err(|err| format!("the baseline {shown} is not a parity report: {err}"))?;
        if saved.schema_version != crate::report::schema::PARITY {
            return Err(format!(
                "the baseline {shown} has schema_version {}, this xtask writes {}",
                saved.schema_version,
                crate::report::schema::PARITY
            ));
        }
        let mut statuses = BTreeMap::new();
        for backend in &saved.run.backends {
            for id in &saved.run.case_ids {
                statuses.insert((backend.clone(), id.clone()), CaseStatus::Pass);
            }
        }
        // Only non-passing results are listed; every other (backend, case) of the run passed.
        for result in saved.results {
            statuses.insert((result.backend, result.id), result.status);
        }
        Ok(Baseline {
            file: shown.to_owned(),
            backends: saved.run.backends.into_iter().collect(),
            statuses,
        })
    }

    #[cfg(test)]
    pub fn from_statuses(file: &str, statuses: &[(&str, &str, CaseStatus)]) -> Baseline {
        Baseline {
            file: file.to_owned(),
            backends: statuses.iter().map(|(b, _, _)| (*b).to_owned()).collect(),
            statuses: statuses
                .iter()
                .map(|(b, id, s)| (((*b).to_owned(), (*id).to_owned()), *s))
                .collect(),
        }
    }
}

/// How a (backend, case) changed since the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Failing now, not before.
    NewlyFailing,
    /// Failing (or stale) before, not now.
    Fixed,
    /// Failing before and now.
    StillFailing,
    /// A declared divergence that no longer diverges (whatever it was before).
    StaleDivergence,
    /// Run now on a backend the baseline ran too, but not in the baseline.
    Added,
    /// In the baseline, and no longer in the corpus.
    Removed,
}

impl Change {
    pub const ALL: [Change; 6] = [
        Change::NewlyFailing,
        Change::Fixed,
        Change::StillFailing,
        Change::StaleDivergence,
        Change::Added,
        Change::Removed,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Change::NewlyFailing => "newly failing",
            Change::Fixed => "fixed",
            Change::StillFailing => "still failing",
            Change::StaleDivergence => "stale divergence",
            Change::Added => "added",
            Change::Removed => "removed",
        }
    }
}

/// One (backend, case) that changed class.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Changed {
    pub change: Change,
    pub backend: String,
    pub id: String,
}

/// The run against its baseline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    pub file: String,
    /// Sorted by change, backend, case id.
    pub changes: Vec<Changed>,
}

impl Comparison {
    pub fn count(&self, change: Change) -> usize {
        self.changes.iter().filter(|c| c.change == change).count()
    }

    /// `0 newly failing, 2 fixed, ...`.
    pub fn summary(&self) -> String {
        Change::ALL
            .iter()
            .map(|&change| format!("{} {}", self.count(change), change.label()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Classes every (backend, case) of the run against the baseline. Not compared: a case that
/// did not run on either side (its backend stopped or could not start), a backend that only
/// one of the runs chose, and a baseline case still in the corpus (`corpus_ids`) that this
/// run did not select (another `--filter` or `--shard` is not a removal).
pub fn compare(
    baseline: &Baseline,
    current: &[BackendRun],
    corpus_ids: &BTreeSet<&str>,
) -> Comparison {
    let mut now: BTreeMap<(String, String), CaseStatus> = BTreeMap::new();
    for run in current {
        for result in &run.results {
            now.insert(
                (run.backend.name().to_owned(), result.id.clone()),
                result.status,
            );
        }
    }
    let keys: BTreeSet<&(String, String)> = now.keys().chain(baseline.statuses.keys()).collect();
    let mut changes = Vec::new();
    for key in keys {
        let before = baseline.statuses.get(key).copied();
        let after = now.get(key).copied();
        let change = match (before, after) {
            (Some(CaseStatus::NotRun), _) | (_, Some(CaseStatus::NotRun)) | (None, None) => None,
            (None, Some(_)) => baseline.backends.contains(&key.0).then_some(Change::Added),
            (Some(_), None) => (!corpus_ids.contains(key.1.as_str())).then_some(Change::Removed),
            (Some(before), Some(after)) => class(before, after),
        };
        if let Some(change) = change {
            changes.push(Changed {
                change,
                backend: key.0.clone(),
                id: key.1.clone(),
            });
        }
    }
    changes.sort_by(|a, b| {
        (a.change, backend_rank(&a.backend), &a.id).cmp(&(
            b.change,
            backend_rank(&b.backend),
            &b.id,
        ))
    });
    Comparison {
        file: baseline.file.clone(),
        changes,
    }
}

fn class(before: CaseStatus, after: CaseStatus) -> Option<Change> {
    match (before.is_failure(), after) {
        (_, CaseStatus::Stale) => Some(Change::StaleDivergence),
        (true, CaseStatus::Fail | CaseStatus::Mutated) => Some(Change::StillFailing),
        (false, CaseStatus::Fail | CaseStatus::Mutated) => Some(Change::NewlyFailing),
        (true, _) => Some(Change::Fixed),
        (false, _) => None,
    }
}

/// Backends in their usual order (python, rust, core, legacy), unknown names last.
fn backend_rank(name: &str) -> usize {
    Backend::ALL
        .iter()
        .position(|b| b.name() == name)
        .unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::parity::model::{BackendState, CaseResult};

    fn run(backend: Backend, statuses: &[(&str, CaseStatus)]) -> BackendRun {
        BackendRun {
            backend,
            state: BackendState::Complete,
            worker: None,
            restarts: 0,
            results: statuses
                .iter()
                .map(|(id, status)| CaseResult {
                    id: (*id).to_owned(),
                    file: "t.json".into(),
                    status: *status,
                    detail: String::new(),
                    elapsed: Duration::ZERO,
                })
                .collect(),
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn every_kind_of_change_is_classed() {
        use CaseStatus::*;
        let baseline = Baseline::from_statuses(
            "prev.json",
            &[
                ("rust", "newly", Pass),
                ("rust", "fixed", Fail),
                ("rust", "fixed-stale", Stale),
                ("rust", "still", Fail),
                ("rust", "stale-now", Declared),
                ("rust", "removed", Pass),
                ("rust", "same", Pass),
                ("rust", "declared", Declared),
                ("rust", "was-not-run", NotRun),
                ("rust", "not-selected", Fail),
                ("core", "na", NotApplicable),
                ("legacy", "newly", Pass),
            ],
        );
        let current = [
            run(
                Backend::Rust,
                &[
                    ("newly", Fail),
                    ("fixed", Pass),
                    ("fixed-stale", Pass),
                    ("still", Fail),
                    ("stale-now", Stale),
                    ("same", Pass),
                    ("declared", Declared),
                    ("was-not-run", Fail),
                    ("added", Pass),
                ],
            ),
            run(
                Backend::Core,
                &[("na", NotApplicable), ("added-on-core", Pass)],
            ),
            run(Backend::Python, &[("newly", Fail)]),
        ];
        let corpus: BTreeSet<&str> = [
            "newly",
            "fixed",
            "fixed-stale",
            "still",
            "stale-now",
            "same",
        ]
        .into_iter()
        .chain(["declared", "was-not-run", "added", "na", "not-selected"])
        .collect();
        let comparison = compare(&baseline, &current, &corpus);
        let got: Vec<(Change, &str)> = comparison
            .changes
            .iter()
            .map(|c| (c.change, c.id.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (Change::NewlyFailing, "newly"),
                (Change::Fixed, "fixed"),
                (Change::Fixed, "fixed-stale"),
                (Change::StillFailing, "still"),
                (Change::StaleDivergence, "stale-now"),
                (Change::Added, "added"),
                (Change::Added, "added-on-core"),
                (Change::Removed, "removed"),
            ]
        );
        assert_eq!(
            comparison.summary(),
            "1 newly failing, 2 fixed, 1 still failing, 1 stale divergence, 2 added, 1 removed"
        );
    }

    #[test]
    fn a_saved_report_is_read_back() -> Result<(), String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let path = dir.path().join("parity.json");
        let text = r#"{"schema_version": 1, "run": {"backends": ["python", "rust"],
            "case_ids": ["a", "b"]}, "results": [{"backend": "rust", "id": "b",
            "file": "t.json", "status": "fail", "detail": "x"}], "environment": {}}"#;
        fs::write(&path, text).map_err(|e| e.to_string())?;
        let baseline = Baseline::load(&path, "parity.json")?;
        let current = [
            run(
                Backend::Python,
                &[("a", CaseStatus::Pass), ("b", CaseStatus::Fail)],
            ),
            run(
                Backend::Rust,
                &[("a", CaseStatus::Pass), ("b", CaseStatus::Pass)],
            ),
        ];
        let comparison = compare(&baseline, &current, &["a", "b"].into_iter().collect());
        let got: Vec<(Change, &str, &str)> = comparison
            .changes
            .iter()
            .map(|c| (c.change, c.backend.as_str(), c.id.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (Change::NewlyFailing, "python", "b"),
                (Change::Fixed, "rust", "b")
            ]
        );
        fs::write(
            &path,
            r#"{"schema_version": 99, "run": {"backends": [], "case_ids": []}, "results": []}"#,
        )
        .map_err(|e| e.to_string())?;
        let err = Baseline::load(&path, "parity.json").expect_err("another schema");
        assert!(err.contains("schema_version 99"), "{err}");
        let err =
            Baseline::load(&dir.path().join("missing.json"), "missing.json").expect_err("missing");
        assert!(
            err.starts_with("cannot read the baseline missing.json"),
            "{err}"
        );
        Ok(())
    }
}
