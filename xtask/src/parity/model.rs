//! What a parity run found: each case's status on each backend, how far each backend got, the
//! counts, and the run's verdict (which fails closed: a partial run never passes).

use std::time::Duration;

use dictwalk_corpus::Backend;
use serde::{Deserialize, Serialize};

use super::{baseline::Comparison, worker::Ready};
use crate::status::Status;

/// How one case went on one backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// The backend gave the expected result.
    Pass,
    /// An undeclared difference, or the worker crashed, hung or printed garbage on the case.
    Fail,
    /// A read (`get`, `exists`) changed the document it was given (spec section 3: no read
    /// ever does). Never a declared difference, whatever the case declares.
    Mutated,
    /// A difference the case declares for this backend, with its reason.
    Declared,
    /// The case declares a difference for this backend, but the backend now gives the expected
    /// result: the declaration must go, so this counts as a failure of the run.
    Stale,
    /// The backend cannot express the case (the core on values JSON cannot hold).
    NotApplicable,
    /// The backend stopped or could not start before this case.
    NotRun,
}

impl CaseStatus {
    /// The column name in tables.
    pub fn label(self) -> &'static str {
        match self {
            CaseStatus::Pass => "pass",
            CaseStatus::Fail => "fail",
            CaseStatus::Mutated => "mutated",
            CaseStatus::Declared => "declared",
            CaseStatus::Stale => "stale",
            CaseStatus::NotApplicable => "n/a",
            CaseStatus::NotRun => "not run",
        }
    }

    /// Whether the case counts against the run.
    pub fn is_failure(self) -> bool {
        matches!(
            self,
            CaseStatus::Fail | CaseStatus::Mutated | CaseStatus::Stale
        )
    }
}

/// One case on one backend.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseResult {
    pub id: String,
    /// The corpus file the case is in.
    pub file: String,
    pub status: CaseStatus,
    /// Why, in one line: what differs (fail, declared), the declared reason (declared, stale),
    /// why the case does not apply or did not run; empty for a pass.
    pub detail: String,
    pub elapsed: Duration,
}

/// How far a backend got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendState {
    /// Every selected case ran.
    Complete,
    /// The backend was stopped midway (its worker kept failing); the cases after are not run.
    Stopped(String),
    /// The backend could not run: its set-up failed, or its worker did not start (at first or
    /// after a restart); the cases from there on are not run.
    CouldNotRun(String),
}

impl BackendState {
    pub fn name(&self) -> &'static str {
        match self {
            BackendState::Complete => "complete",
            BackendState::Stopped(_) => "stopped",
            BackendState::CouldNotRun(_) => "could_not_run",
        }
    }

    pub fn reason(&self) -> Option<&str> {
        match self {
            BackendState::Complete => None,
            BackendState::Stopped(why) | BackendState::CouldNotRun(why) => Some(why),
        }
    }
}

/// How many cases of a backend ended in each status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub cases: usize,
    pub pass: usize,
    pub fail: usize,
    pub mutated: usize,
    pub declared: usize,
    pub stale: usize,
    pub not_applicable: usize,
    pub not_run: usize,
}

impl Counts {
    pub fn of(results: &[CaseResult]) -> Counts {
        let mut counts = Counts {
            cases: results.len(),
            ..Counts::default()
        };
        for result in results {
            *counts.slot(result.status) += 1;
        }
        counts
    }

    fn slot(&mut self, status: CaseStatus) -> &mut usize {
        match status {
            CaseStatus::Pass => &mut self.pass,
            CaseStatus::Fail => &mut self.fail,
            CaseStatus::Mutated => &mut self.mutated,
            CaseStatus::Declared => &mut self.declared,
            CaseStatus::Stale => &mut self.stale,
            CaseStatus::NotApplicable => &mut self.not_applicable,
            CaseStatus::NotRun => &mut self.not_run,
        }
    }

    pub fn add(&mut self, other: Counts) {
        self.cases += other.cases;
        self.pass += other.pass;
        self.fail += other.fail;
        self.mutated += other.mutated;
        self.declared += other.declared;
        self.stale += other.stale;
        self.not_applicable += other.not_applicable;
        self.not_run += other.not_run;
    }
}

/// The selected cases on one backend.
#[derive(Debug, Clone, PartialEq)]
pub struct BackendRun {
    pub backend: Backend,
    pub state: BackendState,
    /// What the worker said it runs (its first ready line); `None` for the core and for a
    /// worker that never started.
    pub worker: Option<Ready>,
    /// How many times the worker was started again after it crashed, hung or lost the protocol.
    pub restarts: usize,
    /// One per selected case, in corpus order.
    pub results: Vec<CaseResult>,
    pub elapsed: Duration,
}

impl BackendRun {
    pub fn counts(&self) -> Counts {
        Counts::of(&self.results)
    }

    pub fn failures(&self) -> impl Iterator<Item = &CaseResult> {
        self.results.iter().filter(|r| r.status.is_failure())
    }
}

/// Which cases ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// The corpus directory, as given (relative to the project root by default).
    pub corpus: String,
    /// How many cases the corpus holds.
    pub corpus_cases: usize,
    pub filter: Option<String>,
    pub shard: Option<String>,
    /// The selected cases, in corpus order.
    pub case_ids: Vec<String>,
}

/// A whole parity run: what `cargo xtask parity` reports and `cargo xtask gate` judges.
#[derive(Debug, Clone, PartialEq)]
pub struct ParityRun {
    /// The commit of the checkout the cases ran on (12 hex digits), when git can say.
    pub commit: Option<String>,
    pub selection: Selection,
    /// One per chosen backend, in the order python, rust, core, legacy.
    pub backends: Vec<BackendRun>,
    /// The per-case timeout of the workers.
    pub timeout: Duration,
    /// The comparison with the baseline report, when there was one.
    pub baseline: Option<Comparison>,
    pub elapsed: Duration,
}

/// parity.json's words for the run's status (schema 1): `pass` (every chosen backend ran every
/// selected case; none failed and no declaration is stale), `fail` (some case failed or some
/// declaration is stale, or a backend was stopped after failing again and again) or
/// `could_not_run` (a backend could not be set up or its worker did not start).
pub fn verdict_word(status: Status) -> &'static str {
    match status {
        Status::Passed => "pass",
        Status::Failed => "fail",
        _ => "could_not_run",
    }
}

/// The run's status as the reports state it.
pub fn describe(status: Status) -> &'static str {
    match status {
        Status::Passed => "pass (exit 0)",
        Status::Failed => "FAIL (exit 1)",
        _ => "could not run, so no verdict (exit 2)",
    }
}

impl ParityRun {
    /// Whether every chosen backend ran every selected case.
    pub fn complete(&self) -> bool {
        !self.backends.is_empty()
            && self
                .backends
                .iter()
                .all(|b| b.state == BackendState::Complete)
    }

    /// The run's status, which fails closed: a backend that could not run leaves no verdict,
    /// and a run that did not see every case never passes.
    pub fn status(&self) -> Status {
        if self.backends.is_empty()
            || self
                .backends
                .iter()
                .any(|b| matches!(b.state, BackendState::CouldNotRun(_)))
        {
            return Status::CouldNotRun;
        }
        let failed = self.backends.iter().any(|b| b.failures().next().is_some());
        if failed || !self.complete() {
            // A stopped backend has failures of its own; `!complete` is the defensive half.
            Status::Failed
        } else {
            Status::Passed
        }
    }

    /// The counts over every backend.
    pub fn totals(&self) -> Counts {
        let mut totals = Counts::default();
        for backend in &self.backends {
            totals.add(backend.counts());
        }
        totals
    }

    /// One line for the gate and the logs: `1524 cases on python, rust: 0 failing, 0 mutating
    /// reads, 0 stale, 12 declared; complete`.
    pub fn summary(&self) -> String {
        let names: Vec<&str> = self.backends.iter().map(|b| b.backend.name()).collect();
        let totals = self.totals();
        let mut line = format!(
            "{} cases on {}: {} failing, {} mutating reads, {} stale, {} declared",
            self.selection.case_ids.len(),
            names.join(", "),
            totals.fail,
            totals.mutated,
            totals.stale,
            totals.declared
        );
        if totals.not_run > 0 {
            line.push_str(&format!(", {} not run", totals.not_run));
        }
        line.push_str(if self.complete() {
            "; complete"
        } else {
            "; INCOMPLETE"
        });
        line
    }

    /// Why the run did not pass, one line each, at most `limit` case lines (and a line for the
    /// rest, pointing to `markdown`, the report that lists them): backends that could not run or
    /// stopped first, then the failing cases.
    pub fn reasons(&self, limit: usize, markdown: &str) -> Vec<String> {
        let mut reasons: Vec<String> = self
            .backends
            .iter()
            .filter_map(|b| {
                b.state
                    .reason()
                    .map(|why| format!("{}: {}: {why}", b.backend, b.state.name()))
            })
            .collect();
        let failures: Vec<String> = self
            .backends
            .iter()
            .flat_map(|b| {
                b.failures().map(move |r| {
                    format!(
                        "{}: {} case '{}' ({}): {}",
                        b.backend,
                        r.status.label(),
                        r.id,
                        r.file,
                        r.detail
                    )
                })
            })
            .collect();
        let shown = failures.len().min(limit);
        reasons.extend(failures.iter().take(shown).cloned());
        if failures.len() > shown {
            reasons.push(format!(
                "… {} more failing cases in {markdown}",
                failures.len() - shown
            ));
        }
        reasons
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(id: &str, status: CaseStatus) -> CaseResult {
        CaseResult {
            id: id.into(),
            file: "t.json".into(),
            status,
            detail: String::new(),
            elapsed: Duration::ZERO,
        }
    }

    fn backend(backend: Backend, state: BackendState, statuses: &[CaseStatus]) -> BackendRun {
        BackendRun {
            backend,
            state,
            worker: None,
            restarts: 0,
            results: statuses
                .iter()
                .enumerate()
                .map(|(i, &s)| result(&format!("c{i}"), s))
                .collect(),
            elapsed: Duration::ZERO,
        }
    }

    fn run(backends: Vec<BackendRun>) -> ParityRun {
        ParityRun {
            commit: None,
            selection: Selection {
                corpus: "cases".into(),
                corpus_cases: 2,
                filter: None,
                shard: None,
                case_ids: vec!["c0".into(), "c1".into()],
            },
            backends,
            timeout: Duration::from_secs(10),
            baseline: None,
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn the_verdict_fails_closed() {
        use CaseStatus::*;
        let ok = || backend(Backend::Python, BackendState::Complete, &[Pass, Declared]);
        assert_eq!(run(vec![ok()]).status(), Status::Passed);
        assert_eq!(
            run(vec![
                ok(),
                backend(
                    Backend::Core,
                    BackendState::Complete,
                    &[Pass, NotApplicable]
                )
            ])
            .status(),
            Status::Passed
        );
        let failing = backend(Backend::Rust, BackendState::Complete, &[Pass, Fail]);
        assert_eq!(run(vec![ok(), failing]).status(), Status::Failed);
        let stale = backend(Backend::Rust, BackendState::Complete, &[Stale, Pass]);
        assert_eq!(run(vec![stale]).status(), Status::Failed);
        let stopped = backend(
            Backend::Rust,
            BackendState::Stopped("x".into()),
            &[Pass, NotRun],
        );
        assert_eq!(run(vec![ok(), stopped]).status(), Status::Failed);
        let dead = backend(
            Backend::Legacy,
            BackendState::CouldNotRun("no ready line".into()),
            &[NotRun, NotRun],
        );
        let failing = backend(Backend::Rust, BackendState::Complete, &[Pass, Fail]);
        assert_eq!(run(vec![failing, dead]).status(), Status::CouldNotRun);
        assert_eq!(run(Vec::new()).status(), Status::CouldNotRun);
    }

    #[test]
    fn counts_and_reasons() {
        use CaseStatus::*;
        let b = backend(
            Backend::Rust,
            BackendState::Complete,
            &[Pass, Fail, Stale, Mutated],
        );
        let counts = b.counts();
        assert_eq!(
            (
                counts.cases,
                counts.pass,
                counts.fail,
                counts.stale,
                counts.mutated
            ),
            (4, 1, 1, 1, 1)
        );
        let run = run(vec![b]);
        assert_eq!(run.status(), Status::Failed);
        assert_eq!(
            run.summary(),
            "2 cases on rust: 1 failing, 1 mutating reads, 1 stale, 0 declared; complete"
        );
        let reasons = run.reasons(1, "reports/parity.md");
        assert_eq!(reasons.len(), 2, "{reasons:?}");
        assert!(
            reasons[0].starts_with("rust: fail case 'c1' (t.json)"),
            "{reasons:?}"
        );
        assert!(reasons[1].starts_with("… 2 more"), "{reasons:?}");
    }
}
