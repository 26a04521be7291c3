//! The runner end to end on fake workers (`xtask/tests/fakes/fake_worker.py`, run by the host's
//! python3) and tiny corpora written to temporary directories: each kind of misbehaviour fails
//! its case only while the run completes, a worker that cannot start leaves its backend unable
//! to run while the others report, and a malformed corpus stops the run before anything starts.

use std::{
    cell::Cell,
    ffi::OsString,
    fs,
    path::{Path, PathBuf},
    time::Duration,
};

use dictwalk_corpus::Backend;
use serde_json::{json, Value};

use super::{
    execute,
    model::{BackendState, CaseStatus, ParityRun},
    progress::Progress,
    report,
    runner::{Limits, Plan},
    worker::{ReadyCheck, WorkerSpec},
    Filter, RunOptions, Shard,
};
use crate::status::{Conclusion, Status};

/// Five cases the fake worker and the core both answer correctly.
fn corpus() -> Value {
    json!({
        "schema_version": 1,
        "description": "the runner's tests",
        "cases": [
            {"id": "t.one", "op": "get", "path": "a", "doc": {"a": 1}, "expect": {"value": 1}},
            {"id": "t.two", "op": "get", "path": "b", "doc": {"a": 1}, "args": {"default": 0},
             "expect": {"value": 0}},
            {"id": "t.three", "op": "exists", "path": "a", "doc": {"a": 1},
             "expect": {"value": true}},
            {"id": "t.four", "op": "set", "path": "b", "doc": {"a": 1}, "args": {"value": 2},
             "expect": {"doc": {"a": 1, "b": 2}}},
            {"id": "t.five", "op": "get", "path": "x", "doc": {"x": "y"},
             "expect": {"value": "y"}}
        ]
    })
}

const IDS: [&str; 5] = ["t.one", "t.two", "t.three", "t.four", "t.five"];

/// A temporary project: `cases/` with one corpus file, `reports/` for the reports.
struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    fn new(corpus: &Value) -> anyhow::Result<Project> {
        let dir = tempfile::tempdir()?;
        fs::create_dir(dir.path().join("cases"))?;
        fs::write(
            dir.path().join("cases").join("cases.json"),
            serde_json::to_vec_pretty(corpus)?,
        )?;
        Ok(Project { dir })
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn options(&self, timeout: Duration) -> RunOptions {
        RunOptions {
            backends: Vec::new(),
            corpus: PathBuf::from("cases"),
            timeout,
            reports_dir: PathBuf::from("reports"),
            ..RunOptions::default()
        }
    }

    fn report(&self) -> anyhow::Result<Value> {
        let path = self.root().join("reports").join(report::JSON);
        Ok(serde_json::from_slice(&fs::read(path)?)?)
    }

    /// Runs with the given plans and the given limits.
    fn run_with(
        &self,
        options: &RunOptions,
        limits: Limits,
        plans: Vec<(Backend, Plan)>,
    ) -> anyhow::Result<ParityRun> {
        let chosen: Vec<Backend> = plans.iter().map(|(b, _)| *b).collect();
        let options = RunOptions {
            backends: chosen,
            ..options.clone()
        };
        execute(
            self.root(),
            &options,
            limits,
            |_| Progress::hidden(),
            None,
            move |_| plans,
        )
    }

    /// The fake as the python backend (with `args`), beside the core.
    fn run_fake(&self, args: &[&str], timeout: Duration) -> anyhow::Result<ParityRun> {
        self.run_with(
            &self.options(timeout),
            limits(timeout),
            vec![
                (Backend::Python, Plan::Worker(Box::new(fake(args)))),
                (Backend::Core, Plan::Core),
            ],
        )
    }
}

fn limits(timeout: Duration) -> Limits {
    Limits {
        timeout,
        startup: Duration::from_secs(30),
        max_consecutive_failures: 20,
    }
}

/// The fake worker with `args`, run by the host's Python.
fn fake(args: &[&str]) -> WorkerSpec {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fakes/fake_worker.py");
    let python = std::env::var_os(crate::python::PYTHON_VAR)
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| OsString::from("python3"));
    let mut all = vec![OsString::from("-I"), script.into_os_string()];
    all.extend(args.iter().map(OsString::from));
    WorkerSpec {
        name: "python".into(),
        program: PathBuf::from(python),
        args: all,
        env: vec![(OsString::from("PYTHONPATH"), None)],
        cwd: std::env::temp_dir(),
        ready: ReadyCheck {
            backend: Some("python".into()),
            ..ReadyCheck::default()
        },
    }
}

const TIMEOUT: Duration = Duration::from_secs(10);

/// The statuses of one backend's cases, by id.
fn statuses(run: &ParityRun, backend: Backend) -> Vec<(String, CaseStatus)> {
    run.backends
        .iter()
        .find(|b| b.backend == backend)
        .map(|b| b.results.iter().map(|r| (r.id.clone(), r.status)).collect())
        .unwrap_or_default()
}

fn detail(run: &ParityRun, backend: Backend, id: &str) -> String {
    run.backends
        .iter()
        .filter(|b| b.backend == backend)
        .flat_map(|b| &b.results)
        .find(|r| r.id == id)
        .map(|r| r.detail.clone())
        .unwrap_or_default()
}

/// Asserts that `bad` failed with a detail containing `why`, every other case passed on both
/// backends (so the worker went on, or was started again), and the run completed.
fn only_this_case_failed(run: &ParityRun, bad: &str, why: &str) {
    let expected: Vec<(String, CaseStatus)> = IDS
        .iter()
        .map(|id| {
            let status = if *id == bad {
                CaseStatus::Fail
            } else {
                CaseStatus::Pass
            };
            ((*id).to_owned(), status)
        })
        .collect();
    assert_eq!(statuses(run, Backend::Python), expected);
    assert!(
        statuses(run, Backend::Core)
            .iter()
            .all(|(_, s)| *s == CaseStatus::Pass),
        "the core is not affected: {:?}",
        statuses(run, Backend::Core)
    );
    let got = detail(run, Backend::Python, bad);
    assert!(got.contains(why), "{bad}: expected {why:?} in {got:?}");
    assert!(run.complete(), "the run completes");
    assert_eq!(run.status(), Status::Failed);
    assert_eq!(run.status(), Status::Failed);
}

fn restarts(run: &ParityRun) -> usize {
    run.backends
        .iter()
        .find(|b| b.backend == Backend::Python)
        .map_or(usize::MAX, |b| b.restarts)
}

#[test]
fn a_correct_worker_passes_every_case() -> anyhow::Result<()> {
    let project = Project::new(&corpus())?;
    let run = project.run_fake(&[], TIMEOUT)?;
    assert!(statuses(&run, Backend::Python)
        .iter()
        .all(|(_, s)| *s == CaseStatus::Pass));
    assert_eq!(statuses(&run, Backend::Python).len(), 5);
    assert_eq!(statuses(&run, Backend::Core).len(), 5);
    assert_eq!(run.status(), Status::Passed);
    assert_eq!(restarts(&run), 0);
    let report = project.report()?;
    assert_eq!(report["verdict"], "pass");
    assert_eq!(report["run"]["complete"], true);
    assert_eq!(report["results"], json!([]));
    assert!(project
        .root()
        .join("reports")
        .join(report::MARKDOWN)
        .exists());
    assert!(project.root().join("reports").join(report::JUNIT).exists());
    Ok(())
}

#[test]
fn a_crashing_worker_fails_that_case_and_is_restarted() -> anyhow::Result<()> {
    let project = Project::new(&corpus())?;
    let run = project.run_fake(&["--crash-on", "t.two"], TIMEOUT)?;
    only_this_case_failed(
        &run,
        "t.two",
        "the worker crashed: exit status: 3; its last stderr line: fake worker: crashing on t.two",
    );
    assert_eq!(restarts(&run), 1);
    Ok(())
}

#[test]
fn a_hanging_worker_is_killed_at_the_timeout_and_restarted() -> anyhow::Result<()> {
    let project = Project::new(&corpus())?;
    // Short, so the test is quick; long enough that the fake answers the other cases in time
    // on a busy machine.
    let timeout = Duration::from_secs(1);
    let run = project.run_fake(&["--hang-on", "t.three"], timeout)?;
    only_this_case_failed(
        &run,
        "t.three",
        "no answer within the 1 s timeout; the worker was killed",
    );
    assert_eq!(restarts(&run), 1);
    Ok(())
}

#[test]
fn a_lying_worker_fails_that_case_only() -> anyhow::Result<()> {
    let project = Project::new(&corpus())?;
    let run = project.run_fake(&["--lie-on", "t.one"], TIMEOUT)?;
    only_this_case_failed(&run, "t.one", "expected 1, got \"a lie\"");
    assert_eq!(restarts(&run), 0, "a wrong answer is no reason to restart");
    let report = project.report()?;
    assert_eq!(report["results"][0]["id"], "t.one");
    assert_eq!(report["results"][0]["status"], "fail");
    Ok(())
}

#[test]
fn a_read_that_changes_the_document_is_mutated_even_where_a_difference_is_declared(
) -> anyhow::Result<()> {
    let mut corpus = corpus();
    corpus["cases"][2]["diverges"] = json!({"python": "spec 9.3: declared for another reason"});
    let project = Project::new(&corpus)?;
    let run = project.run_fake(&["--mutate-on", "t.one", "--mutate-on", "t.three"], TIMEOUT)?;
    use CaseStatus::*;
    let got: Vec<CaseStatus> = statuses(&run, Backend::Python)
        .into_iter()
        .map(|(_, s)| s)
        .collect();
    assert_eq!(got, [Mutated, Pass, Mutated, Pass, Pass]);
    assert!(detail(&run, Backend::Python, "t.one")
        .starts_with("the read changed the document: the document became {}"));
    assert_eq!(run.backends[0].counts().mutated, 2);
    assert_eq!(run.status(), Status::Failed);
    assert_eq!(
        restarts(&run),
        0,
        "a worker that answered is no reason to restart"
    );
    let report = project.report()?;
    assert_eq!(report["results"][0]["status"], "mutated");
    Ok(())
}

#[test]
fn a_worker_printing_garbage_fails_that_case_and_is_restarted() -> anyhow::Result<()> {
    let project = Project::new(&corpus())?;
    let run = project.run_fake(&["--garbage-on", "t.two"], TIMEOUT)?;
    only_this_case_failed(
        &run,
        "t.two",
        "the worker printed \"this is not JSON\", which is not JSON",
    );
    assert_eq!(restarts(&run), 1);
    Ok(())
}

#[test]
fn an_answer_for_another_case_fails_that_case_and_restarts() -> anyhow::Result<()> {
    let project = Project::new(&corpus())?;
    let run = project.run_fake(&["--wrong-id-on", "t.four"], TIMEOUT)?;
    only_this_case_failed(
        &run,
        "t.four",
        "the worker answered for id \"someone.else\"",
    );
    assert_eq!(restarts(&run), 1);
    Ok(())
}

#[test]
fn a_protocol_error_fails_that_case_and_the_worker_goes_on() -> anyhow::Result<()> {
    let project = Project::new(&corpus())?;
    let run = project.run_fake(&["--protocol-error-on", "t.four"], TIMEOUT)?;
    only_this_case_failed(
        &run,
        "t.four",
        "the worker reported a protocol error: cannot decode the document",
    );
    assert_eq!(restarts(&run), 0);
    Ok(())
}

#[test]
fn a_worker_that_cannot_start_leaves_its_backend_unable_to_run() -> anyhow::Result<()> {
    let project = Project::new(&corpus())?;
    let run = project.run_fake(&["--no-ready"], TIMEOUT)?;
    let python = &run.backends[0];
    let BackendState::CouldNotRun(why) = &python.state else {
        anyhow::bail!("python is {:?}", python.state);
    };
    assert!(
        why.contains(
            "its worker did not start: it exited before its ready line (exit status: 2; \
             its last stderr line: fake worker: cannot load the python api"
        ),
        "{why}"
    );
    assert!(python
        .results
        .iter()
        .all(|r| r.status == CaseStatus::NotRun));
    assert_eq!(python.results.len(), 5);
    // The core still ran and reports.
    assert_eq!(run.backends[1].state, BackendState::Complete);
    assert!(statuses(&run, Backend::Core)
        .iter()
        .all(|(_, s)| *s == CaseStatus::Pass));
    assert_eq!(run.status(), Status::CouldNotRun);
    assert_eq!(run.status(), Status::CouldNotRun);
    let report = project.report()?;
    assert_eq!(report["verdict"], "could_not_run");
    assert_eq!(report["backends"][0]["state"], "could_not_run");
    assert_eq!(report["backends"][1]["counts"]["pass"], 5);
    Ok(())
}

#[test]
fn a_worker_running_the_wrong_backend_cannot_run() -> anyhow::Result<()> {
    let project = Project::new(&corpus())?;
    let run = project.run_fake(&["--backend", "rust"], TIMEOUT)?;
    let BackendState::CouldNotRun(why) = &run.backends[0].state else {
        anyhow::bail!("python is {:?}", run.backends[0].state);
    };
    assert!(
        why.ends_with("it reports backend 'rust', expected 'python'"),
        "{why}"
    );
    assert_eq!(run.status(), Status::CouldNotRun);
    Ok(())
}

#[test]
fn a_setup_failure_leaves_that_backend_unable_to_run() -> anyhow::Result<()> {
    let project = Project::new(&corpus())?;
    let run = project.run_with(
        &project.options(TIMEOUT),
        limits(TIMEOUT),
        vec![
            (
                Backend::Rust,
                Plan::CouldNotRun("set-up failed: no wheel".into()),
            ),
            (Backend::Core, Plan::Core),
        ],
    )?;
    assert_eq!(
        run.backends[0].state,
        BackendState::CouldNotRun("set-up failed: no wheel".into())
    );
    assert_eq!(run.backends[0].counts().not_run, 5);
    assert_eq!(run.backends[1].counts().pass, 5);
    assert_eq!(run.status(), Status::CouldNotRun);
    Ok(())
}

#[test]
fn a_worker_failing_again_and_again_is_stopped_and_the_run_is_partial() -> anyhow::Result<()> {
    let project = Project::new(&corpus())?;
    let limits = Limits {
        max_consecutive_failures: 2,
        ..limits(TIMEOUT)
    };
    let run = project.run_with(
        &project.options(TIMEOUT),
        limits,
        vec![(
            Backend::Python,
            Plan::Worker(Box::new(fake(&["--crash-on", "*"]))),
        )],
    )?;
    use CaseStatus::*;
    let got: Vec<CaseStatus> = statuses(&run, Backend::Python)
        .into_iter()
        .map(|(_, s)| s)
        .collect();
    assert_eq!(got, [Fail, Fail, NotRun, NotRun, NotRun]);
    let BackendState::Stopped(why) = &run.backends[0].state else {
        anyhow::bail!("python is {:?}", run.backends[0].state);
    };
    assert_eq!(why, "stopped after its worker failed 2 cases in a row");
    assert!(!run.complete());
    assert_eq!(run.status(), Status::Failed);
    assert_eq!(project.report()?["run"]["complete"], false);
    Ok(())
}

#[test]
fn declarations_are_judged_declared_or_stale() -> anyhow::Result<()> {
    let mut corpus = corpus();
    corpus["cases"][0]["diverges"] = json!({"python": "spec 1.1: the fake lies here"});
    corpus["cases"][1]["diverges"] = json!({"python": "spec 1.2: it used to differ"});
    let project = Project::new(&corpus)?;
    let run = project.run_fake(&["--lie-on", "t.one"], TIMEOUT)?;
    use CaseStatus::*;
    let got: Vec<CaseStatus> = statuses(&run, Backend::Python)
        .into_iter()
        .map(|(_, s)| s)
        .collect();
    assert_eq!(got, [Declared, Stale, Pass, Pass, Pass]);
    assert_eq!(
        detail(&run, Backend::Python, "t.one"),
        "spec 1.1: the fake lies here: expected 1, got \"a lie\""
    );
    assert!(detail(&run, Backend::Python, "t.two").contains("but gives the expected result"));
    assert_eq!(
        run.status(),
        Status::Failed,
        "a stale declaration fails the run"
    );
    Ok(())
}

#[test]
fn a_declared_crash_is_a_declared_difference_and_does_not_stop_the_backend() -> anyhow::Result<()> {
    let mut corpus = corpus();
    for case in 0..4 {
        corpus["cases"][case]["diverges"] = json!({"python": "spec 9.6: it crashes here"});
    }
    let project = Project::new(&corpus)?;
    let limits = Limits {
        max_consecutive_failures: 2,
        ..limits(TIMEOUT)
    };
    let run = project.run_with(
        &project.options(TIMEOUT),
        limits,
        vec![(
            Backend::Python,
            Plan::Worker(Box::new(fake(&["--crash-on", "*"]))),
        )],
    )?;
    use CaseStatus::*;
    let got: Vec<CaseStatus> = statuses(&run, Backend::Python)
        .into_iter()
        .map(|(_, s)| s)
        .collect();
    assert_eq!(got, [Declared, Declared, Declared, Declared, Fail]);
    assert!(detail(&run, Backend::Python, "t.two")
        .starts_with("spec 9.6: it crashes here: the worker crashed: exit status: 3"));
    assert_eq!(run.backends[0].state, BackendState::Complete);
    assert_eq!(run.backends[0].restarts, 4);
    Ok(())
}

#[test]
fn the_core_skips_what_json_cannot_express() -> anyhow::Result<()> {
    let mut corpus = corpus();
    corpus["cases"][4]["doc"] = json!({"x": {"$tuple": [1, 2]}});
    corpus["cases"][4]["expect"] = json!({"value": {"$tuple": [1, 2]}});
    let project = Project::new(&corpus)?;
    let run = project.run_with(
        &project.options(TIMEOUT),
        limits(TIMEOUT),
        vec![(Backend::Core, Plan::Core)],
    )?;
    use CaseStatus::*;
    let got: Vec<CaseStatus> = statuses(&run, Backend::Core)
        .into_iter()
        .map(|(_, s)| s)
        .collect();
    assert_eq!(got, [Pass, Pass, Pass, Pass, NotApplicable]);
    assert_eq!(run.status(), Status::Passed);
    Ok(())
}

#[test]
fn filter_and_shard_choose_the_cases() -> anyhow::Result<()> {
    let project = Project::new(&corpus())?;
    let options = RunOptions {
        filter: Some(Filter::parse("t.t*").map_err(anyhow::Error::msg)?),
        ..project.options(TIMEOUT)
    };
    let run = project.run_with(&options, limits(TIMEOUT), vec![(Backend::Core, Plan::Core)])?;
    assert_eq!(run.selection.case_ids, ["t.two", "t.three"]);
    let options = RunOptions {
        shard: Some(Shard::parse("2/2").map_err(anyhow::Error::msg)?),
        ..project.options(TIMEOUT)
    };
    let run = project.run_with(&options, limits(TIMEOUT), vec![(Backend::Core, Plan::Core)])?;
    assert_eq!(run.selection.case_ids, ["t.two", "t.four"]);
    assert_eq!(run.selection.shard.as_deref(), Some("2/2"));
    Ok(())
}

#[test]
fn a_filter_that_selects_nothing_cannot_run_and_keeps_the_last_reports() -> anyhow::Result<()> {
    let project = Project::new(&corpus())?;
    project.run_fake(&[], TIMEOUT)?;
    let reports = project.root().join("reports");
    let before: Vec<Vec<u8>> = report::FILES
        .iter()
        .map(|name| fs::read(reports.join(name)))
        .collect::<Result<_, _>>()?;
    let options = RunOptions {
        filter: Some(Filter::parse("nothing.like.this").map_err(anyhow::Error::msg)?),
        ..project.options(TIMEOUT)
    };
    let set_up = Cell::new(false);
    let result = execute(
        project.root(),
        &options,
        limits(TIMEOUT),
        |_| Progress::hidden(),
        None,
        |_| {
            set_up.set(true);
            Vec::new()
        },
    );
    let err = result.as_ref().expect_err("nothing selected");
    assert!(
        err.to_string()
            .contains("the 5 cases of cases have none matching --filter 'nothing.like.this'"),
        "{err}"
    );
    assert!(!set_up.get());
    assert_eq!(
        crate::status::status_of(&result.map(|r| Conclusion::new(r.status(), ""))),
        Status::CouldNotRun
    );
    for (name, before) in report::FILES.iter().zip(before) {
        assert_eq!(fs::read(reports.join(name))?, before, "{name} changed");
    }
    assert!(
        !reports.join(report::PREVIOUS_JSON).exists(),
        "a run that never started rotated the report"
    );
    Ok(())
}

#[test]
fn the_previous_report_becomes_the_baseline() -> anyhow::Result<()> {
    let project = Project::new(&corpus())?;
    let first = project.run_fake(&["--lie-on", "t.one"], TIMEOUT)?;
    assert!(first.baseline.is_none(), "no previous report");
    let second = project.run_fake(&["--lie-on", "t.two"], TIMEOUT)?;
    let comparison = second
        .baseline
        .as_ref()
        .ok_or_else(|| anyhow::anyhow!("no baseline"))?;
    // The baseline is the last run's report, which is kept as parity.previous.json once this
    // run's report is written.
    assert_eq!(comparison.file, "reports/parity.previous.json");
    let previous: Value = serde_json::from_slice(&fs::read(
        project.root().join("reports").join(report::PREVIOUS_JSON),
    )?)?;
    assert_eq!(
        previous["results"][0]["id"], "t.one",
        "the first run's report"
    );
    assert_eq!(
        comparison.summary(),
        "1 newly failing, 1 fixed, 0 still failing, 0 stale divergence, 0 added, 0 removed"
    );
    let report = project.report()?;
    assert_eq!(report["baseline"]["counts"]["newly_failing"], 1);
    assert_eq!(report["baseline"]["changes"][0]["id"], "t.two");
    // An explicit baseline that cannot be read stops the run before it starts.
    let options = RunOptions {
        baseline: Some(PathBuf::from("no-such-report.json")),
        ..project.options(TIMEOUT)
    };
    let err = project
        .run_with(&options, limits(TIMEOUT), vec![(Backend::Core, Plan::Core)])
        .expect_err("unreadable baseline");
    assert!(
        err.to_string()
            .starts_with("cannot read the baseline no-such-report.json"),
        "{err}"
    );
    Ok(())
}

/// Each fixture of the corpus crate's `tests/malformed/` (with the error `expected.json`
/// states for it) as the corpus of a run: the run stops with that error before any backend is
/// set up or any worker started, and touches no report: the last good one stays where it was,
/// neither rotated nor set aside.
#[test]
fn each_malformed_corpus_stops_the_run_before_any_case() -> anyhow::Result<()> {
    let fixtures =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/dictwalk-corpus/tests/malformed");
    let expected: Value = serde_json::from_slice(&fs::read(fixtures.join("expected.json"))?)?;
    let errors = expected["errors"]
        .as_object()
        .ok_or_else(|| anyhow::anyhow!("expected.json has no errors"))?;
    assert!(
        errors.len() >= 5,
        "every kind of malformed corpus is covered"
    );
    for (name, want) in errors {
        let want = match want {
            Value::String(exact) => exact.clone(),
            other => other["prefix"].as_str().unwrap_or_default().to_owned(),
        };
        let project = tempfile::tempdir()?;
        let corpus = if let Some(dir) = name.strip_suffix('/') {
            fixtures.join(dir)
        } else {
            let dir = project.path().join("cases");
            fs::create_dir(&dir)?;
            fs::copy(fixtures.join(name), dir.join(name))?;
            dir
        };
        let reports = project.path().join("reports");
        fs::create_dir(&reports)?;
        fs::write(reports.join(report::JSON), r#"{"verdict": "pass"}"#)?;
        let started = project.path().join("started.txt");
        let started_arg = started.display().to_string();
        let set_up = Cell::new(false);
        let options = RunOptions {
            corpus,
            reports_dir: reports.clone(),
            ..RunOptions::default()
        };
        let result = execute(
            project.path(),
            &options,
            limits(TIMEOUT),
            |_| Progress::hidden(),
            None,
            |_| {
                set_up.set(true);
                vec![(
                    Backend::Python,
                    Plan::Worker(Box::new(fake(&["--started", &started_arg]))),
                )]
            },
        );
        let err = result.as_ref().expect_err(name);
        let text = format!("{err:#}");
        assert!(text.contains("is malformed: "), "{name}: {text}");
        assert!(
            text.contains(&want),
            "{name}: expected {want:?} in {text:?}"
        );
        assert_eq!(text.lines().count(), 1, "{name}: one line: {text}");
        assert!(!set_up.get(), "{name}: a backend was set up");
        assert!(!started.exists(), "{name}: a worker was started");
        assert_eq!(
            fs::read_to_string(reports.join(report::JSON))?,
            r#"{"verdict": "pass"}"#,
            "{name}: the last report was moved or changed"
        );
        assert!(
            !reports.join(report::PREVIOUS_JSON).exists()
                && !reports.join(crate::report::NOT_CURRENT).exists(),
            "{name}: a run that never started rotated the reports"
        );
        assert_eq!(
            crate::status::status_of(&result.map(|r| Conclusion::new(r.status(), ""))),
            Status::CouldNotRun,
            "{name}"
        );
    }
    Ok(())
}

/// The test corpus run as one batch on a fake worker that misbehaves as `misbehaviour` says
/// on t.three: the answers, and how many times a worker started.
fn batch_on_fake(
    misbehaviour: &str,
) -> anyhow::Result<(Vec<Result<dictwalk_corpus::Outcome, String>>, usize)> {
    use super::{fuzz::Oracle, oracle::WorkerOracle};
    let project = Project::new(&corpus())?;
    let cases = dictwalk_corpus::load_dir(
        &project.dir.path().join("cases"),
        dictwalk_corpus::LoadOptions::default(),
    )
    .map_err(|error| anyhow::anyhow!("{error}"))?;
    // t.one to t.four share a document: one group.
    assert!(cases
        .windows(2)
        .take(3)
        .all(|pair| pair[0].doc == pair[1].doc));
    assert_eq!(cases.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), IDS);
    let started = project.dir.path().join("started");
    let started_arg = started.to_string_lossy().into_owned();
    let spec = fake(&[misbehaviour, "t.three", "--started", &started_arg]);
    let mut oracle = WorkerOracle::start(Backend::Python, spec, limits(TIMEOUT))?;
    let answers = oracle.run_all(&cases);
    drop(oracle);
    Ok((answers, fs::read_to_string(&started)?.lines().count()))
}

#[test]
fn a_batch_goes_on_after_a_crash_on_a_worker_started_again() -> anyhow::Result<()> {
    let (answers, started) = batch_on_fake("--crash-on")?;
    let answered: Vec<bool> = answers.iter().map(Result::is_ok).collect();
    assert_eq!(answered, [true, true, false, true, true]);
    assert!(answers
        .get(2)
        .is_some_and(|a| a.as_ref().is_err_and(|why| why.contains("crashed"))));
    // The first worker, and one more after the crash for the rest of the batch.
    assert_eq!(started, 2);
    Ok(())
}

/// A worker that dies by a signal in the middle of a group takes the group's answers before
/// the case along (the group is written out at its end): those cases are asked again one at
/// a time, and the case that killed it is the one named.
#[test]
fn a_worker_killed_in_a_group_has_the_case_that_killed_it_named() -> anyhow::Result<()> {
    let (answers, started) = batch_on_fake("--signal-on")?;
    let answered: Vec<bool> = answers.iter().map(Result::is_ok).collect();
    assert_eq!(answered, [true, true, false, true, true]);
    assert!(
        answers
            .get(2)
            .is_some_and(|a| a.as_ref().is_err_and(|why| why.contains("signal"))),
        "{answers:?}"
    );
    // The first worker; one asking t.one, t.two and t.three alone, killed again by t.three; one
    // for the rest.
    assert_eq!(started, 3);
    Ok(())
}
