//! The gate's rollback rehearsal (`rollback::GATE_CHECK`): with the native wheel installed,
//! `DICTWALK_BACKEND=python` must put users back on the reference backend, and the whole corpus
//! must pass there. It is the parity runner with one worker (`setup::rollback_plan`): the native
//! wheel's venv, the `dictwalk.dictwalk` object (worker.py's `default` api), whose ready line
//! must say that the reference backend runs and that the native module imports beside it (a
//! venv without it would rehearse nothing). Each case is judged as the reference's.

use dictwalk_corpus::{load_dir, Backend, Case, LoadOptions};

use super::{
    model::{BackendRun, BackendState},
    progress::Progress,
    runner::{self, Limits, Plan},
    setup,
};
use crate::{
    flags::defaults,
    gate::{self, GateCheck},
    report::shown,
    status::{Conclusion, Status},
};

/// How many failing cases the check lists.
const LISTED: usize = 20;

pub const GATE_CHECK: GateCheck = GateCheck {
    name: "rollback",
    does: "the whole corpus with the native wheel installed and DICTWALK_BACKEND=python",
    needs: &["wheels"],
    reports: &[],
    run: for_gate,
};

fn for_gate(ctx: &gate::Context<'_>) -> Conclusion {
    let corpus = ctx.root.join(defaults::CORPUS);
    let cases = match load_dir(&corpus, LoadOptions::default()) {
        Ok(cases) => cases,
        Err(err) => {
            return Conclusion::new(
                Status::CouldNotRun,
                format!(
                    "the corpus {} is malformed: {err}",
                    shown(&ctx.root, &corpus)
                ),
            )
        }
    };
    let script = ctx.root.join(setup::WORKER_SCRIPT);
    let plan = setup::current_wheels(ctx.sh, &ctx.wheel_dir, false)
        .map_err(|e| format!("{e:#}"))
        .and_then(|wheels| setup::rollback_plan(ctx.sh, &wheels, &script))
        .unwrap_or_else(|why| Plan::CouldNotRun(format!("set-up failed: {why}")));
    let selected: Vec<&Case> = cases.iter().collect();
    let progress = Progress::new(selected.len() as u64);
    let mut runs = runner::run_all(
        &selected,
        vec![(Backend::Python, plan)],
        Limits::new(defaults::TIMEOUT.0),
        &progress,
    );
    progress.finish();
    match runs.pop() {
        Some(run) => judge(&run),
        None => Conclusion::new(Status::CouldNotRun, "the rehearsal's worker never ran"),
    }
}

/// The rehearsal's conclusion from its one run: every case must pass on the reference.
fn judge(run: &BackendRun) -> Conclusion {
    let counts = run.counts();
    let on = "with the native wheel installed and DICTWALK_BACKEND=python";
    if let BackendState::CouldNotRun(why) = &run.state {
        return Conclusion::new(Status::CouldNotRun, format!("could not run {on}: {why}"));
    }
    let failing: Vec<String> = run
        .failures()
        .map(|r| format!("{}: {}: {}", r.id, r.status.label(), r.detail))
        .collect();
    let not_passing = counts.cases - counts.pass;
    if not_passing == 0 && run.state == BackendState::Complete {
        return Conclusion::new(
            Status::Passed,
            format!(
                "{} cases {on}: all pass on the reference backend",
                counts.cases
            ),
        );
    }
    let mut reasons: Vec<String> = run.state.reason().map(str::to_owned).into_iter().collect();
    reasons.extend(failing.iter().take(LISTED).cloned());
    if failing.len() > LISTED {
        reasons.push(format!("and {} more failing cases", failing.len() - LISTED));
    }
    Conclusion::new(
        Status::Failed,
        format!(
            "{} of {} cases {on} did not pass on the reference backend",
            not_passing, counts.cases
        ),
    )
    .with_reasons(reasons)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::parity::model::{CaseResult, CaseStatus};

    fn run(state: BackendState, statuses: &[CaseStatus]) -> BackendRun {
        BackendRun {
            backend: Backend::Python,
            state,
            worker: None,
            restarts: 0,
            results: statuses
                .iter()
                .enumerate()
                .map(|(i, &status)| CaseResult {
                    id: format!("case.{i}"),
                    file: "reads.json".into(),
                    status,
                    detail: if status == CaseStatus::Pass {
                        String::new()
                    } else {
                        "differs".into()
                    },
                    elapsed: Duration::ZERO,
                })
                .collect(),
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn every_case_passing_is_a_pass() {
        let done = judge(&run(BackendState::Complete, &[CaseStatus::Pass; 3]));
        assert_eq!(done.status, Status::Passed);
        assert!(
            done.summary.starts_with("3 cases with the native wheel"),
            "{}",
            done.summary
        );
    }

    #[test]
    fn a_failing_or_declared_case_fails_the_rehearsal() {
        // A difference the corpus declares for the reference is still not the reference's answer.
        for status in [
            CaseStatus::Fail,
            CaseStatus::Declared,
            CaseStatus::NotApplicable,
        ] {
            let done = judge(&run(BackendState::Complete, &[CaseStatus::Pass, status]));
            assert_eq!(done.status, Status::Failed, "{status:?}");
            assert!(done.summary.starts_with("1 of 2 cases"), "{}", done.summary);
        }
    }

    #[test]
    fn a_worker_that_could_not_start_leaves_no_verdict() {
        let done = judge(&run(
            BackendState::CouldNotRun("it reports backend 'rust', expected 'python'".into()),
            &[CaseStatus::NotRun],
        ));
        assert_eq!(done.status, Status::CouldNotRun);
        assert!(
            done.summary.contains("expected 'python'"),
            "{}",
            done.summary
        );
    }
}
