//! Runs the selected cases on every chosen backend at once, a thread per backend, and classes
//! each case: pass, fail, mutated (a read that changed the document, which no declaration
//! excuses), declared, stale, not applicable, or not run.
//!
//! A worker that crashes, hangs past the timeout or prints garbage fails that case only (or is
//! a declared difference, when the case says the backend differs): it is started again for the
//! next case and the run goes on. A worker that does not start (no valid
//! ready line) leaves its backend unable to run; one that fails `max_consecutive_failures`
//! cases in a row is stopped. Either way the rest of its cases are "not run", so the run is
//! partial and cannot pass.

use std::{
    panic::{self, AssertUnwindSafe},
    thread,
    time::{Duration, Instant},
};

use dictwalk_corpus::{core, judge, Backend, Case};

use crate::exec::clip_to;

use super::{
    model::{BackendRun, BackendState, CaseResult, CaseStatus},
    progress::Progress,
    worker::{FailureKind, Worker, WorkerSpec},
};

/// The longest `detail` kept per case: enough for two clipped values and a reason.
const DETAIL_LIMIT: usize = 600;

/// How a backend is run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// dictwalk-core, in this process.
    Core,
    /// A worker process (boxed: a spec is large beside the other variants).
    Worker(Box<WorkerSpec>),
    /// The backend could not be set up; the text says why.
    CouldNotRun(String),
}

/// The time limits and the restart cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// For each case's answer.
    pub timeout: Duration,
    /// For a worker's ready line (imports can be slow on a cold disk).
    pub startup: Duration,
    /// A backend whose worker fails this many cases in a row (crash, timeout, garbage, none of
    /// them declared) is stopped.
    pub max_consecutive_failures: usize,
}

impl Limits {
    pub fn new(timeout: Duration) -> Limits {
        Limits {
            timeout,
            startup: timeout.max(Duration::from_secs(30)),
            max_consecutive_failures: 20,
        }
    }
}

/// Runs every plan concurrently; the results come back in the plans' order.
pub fn run_all(
    cases: &[&Case],
    plans: Vec<(Backend, Plan)>,
    limits: Limits,
    progress: &Progress,
) -> Vec<BackendRun> {
    thread::scope(|scope| {
        let handles: Vec<_> = plans
            .into_iter()
            .map(|(backend, plan)| {
                let handle = scope.spawn(move || {
                    let run = run_backend(backend, &plan, cases, limits, progress);
                    progress.backend_done(&run);
                    run
                });
                (backend, handle)
            })
            .collect();
        handles
            .into_iter()
            .map(|(backend, handle)| {
                handle.join().unwrap_or_else(|_| {
                    not_run(
                        backend,
                        cases,
                        BackendState::CouldNotRun("its runner thread panicked".into()),
                    )
                })
            })
            .collect()
    })
}

fn run_backend(
    backend: Backend,
    plan: &Plan,
    cases: &[&Case],
    limits: Limits,
    progress: &Progress,
) -> BackendRun {
    match plan {
        Plan::Core => run_core(cases, progress),
        Plan::Worker(spec) => run_worker(backend, spec, cases, limits, progress),
        Plan::CouldNotRun(why) => {
            progress.skipped(cases.len());
            not_run(backend, cases, BackendState::CouldNotRun(why.clone()))
        }
    }
}

/// A backend none of whose cases ran.
fn not_run(backend: Backend, cases: &[&Case], state: BackendState) -> BackendRun {
    let why = state.reason().unwrap_or_default().to_owned();
    BackendRun {
        backend,
        state,
        worker: None,
        restarts: 0,
        results: cases
            .iter()
            .map(|case| not_run_result(case, &why))
            .collect(),
        elapsed: Duration::ZERO,
    }
}

fn not_run_result(case: &Case, why: &str) -> CaseResult {
    result(
        case,
        CaseStatus::NotRun,
        format!("not run: {why}"),
        Duration::ZERO,
    )
}

fn result(case: &Case, status: CaseStatus, detail: String, elapsed: Duration) -> CaseResult {
    CaseResult {
        id: case.id.clone(),
        file: case.file.clone(),
        status,
        detail: clip_to(&detail, DETAIL_LIMIT),
        elapsed,
    }
}

/// Classes a judged outcome against the case's declarations for `backend`.
pub fn classify(case: &Case, backend: Backend, judged: Result<(), String>) -> (CaseStatus, String) {
    match (judged, case.divergence(backend)) {
        (Ok(()), None) => (CaseStatus::Pass, String::new()),
        (Ok(()), Some(reason)) => (
            CaseStatus::Stale,
            format!("declared to diverge ({reason}), but gives the expected result"),
        ),
        (Err(why), None) => (CaseStatus::Fail, why),
        (Err(why), Some(reason)) => (CaseStatus::Declared, format!("{reason}: {why}")),
    }
}

fn run_core(cases: &[&Case], progress: &Progress) -> BackendRun {
    let started = Instant::now();
    let mut results = Vec::with_capacity(cases.len());
    for case in cases {
        let case_started = Instant::now();
        let (status, detail) = match core::inapplicable(case) {
            Some(why) => (CaseStatus::NotApplicable, why.to_owned()),
            // The core must not panic on any input; if it does, that case fails, not the run.
            None => match panic::catch_unwind(AssertUnwindSafe(|| core::run_checked(case))) {
                Ok(Ok(outcome)) => classify(case, Backend::Core, judge(case, &outcome)),
                Ok(Err(change)) => (
                    CaseStatus::Mutated,
                    format!("the read changed the document: {change}"),
                ),
                Err(payload) => {
                    let message = payload
                        .downcast_ref::<&str>()
                        .map(|s| (*s).to_owned())
                        .or_else(|| payload.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "no message".into());
                    (CaseStatus::Fail, format!("the core panicked: {message}"))
                }
            },
        };
        progress.case_done(status);
        results.push(result(case, status, detail, case_started.elapsed()));
    }
    BackendRun {
        backend: Backend::Core,
        state: BackendState::Complete,
        worker: None,
        restarts: 0,
        results,
        elapsed: started.elapsed(),
    }
}

fn run_worker(
    backend: Backend,
    spec: &WorkerSpec,
    cases: &[&Case],
    limits: Limits,
    progress: &Progress,
) -> BackendRun {
    let started = Instant::now();
    let mut run = BackendRun {
        backend,
        state: BackendState::Complete,
        worker: None,
        restarts: 0,
        results: Vec::with_capacity(cases.len()),
        elapsed: Duration::ZERO,
    };
    let mut worker: Option<Worker> = None;
    let mut starts = 0;
    let mut consecutive_failures = 0;
    for (position, case) in cases.iter().enumerate() {
        if worker.is_none() {
            match Worker::start(spec, limits.startup) {
                Ok(started) => {
                    if starts == 0 {
                        run.worker = Some(started.ready.clone());
                    } else {
                        run.restarts += 1;
                    }
                    starts += 1;
                    worker = Some(started);
                }
                Err(why) => {
                    let why = if starts == 0 {
                        format!("its worker did not start: {why}")
                    } else {
                        format!("its worker did not start again after a failure: {why}")
                    };
                    stop(
                        &mut run,
                        &cases[position..],
                        BackendState::CouldNotRun(why),
                        progress,
                    );
                    break;
                }
            }
        }
        let Some(current) = worker.as_mut() else {
            break;
        };
        let case_started = Instant::now();
        let (status, detail) = match current.ask(case, limits.timeout) {
            Ok(outcome) => {
                consecutive_failures = 0;
                classify(case, backend, judge(case, &outcome))
            }
            Err(failure) if failure.kind == FailureKind::Mutated => {
                consecutive_failures += 1;
                (CaseStatus::Mutated, failure.message)
            }
            Err(failure) => {
                if failure.restart {
                    worker = None;
                }
                // A crash, timeout or garbage is a difference like any other: declared when the
                // case says this backend differs (dictwalk 2.6.0 dies of stack overflow on deep
                // documents), else a failure. Only undeclared ones count towards stopping the
                // backend, so that a run of expected crashes does not end it.
                let (status, detail) = classify(case, backend, Err(failure.message));
                if status == CaseStatus::Fail {
                    consecutive_failures += 1;
                }
                (status, detail)
            }
        };
        progress.case_done(status);
        run.results
            .push(result(case, status, detail, case_started.elapsed()));
        if consecutive_failures >= limits.max_consecutive_failures && position + 1 < cases.len() {
            let why =
                format!("stopped after its worker failed {consecutive_failures} cases in a row");
            stop(
                &mut run,
                &cases[position + 1..],
                BackendState::Stopped(why),
                progress,
            );
            break;
        }
    }
    if let Some(worker) = worker {
        worker.finish();
    }
    run.elapsed = started.elapsed();
    run
}

/// Ends a backend early: the remaining cases are not run.
fn stop(run: &mut BackendRun, rest: &[&Case], state: BackendState, progress: &Progress) {
    let why = state.reason().unwrap_or_default().to_owned();
    run.results
        .extend(rest.iter().map(|case| not_run_result(case, &why)));
    progress.skipped(rest.len());
    run.state = state;
}
