//! `cargo xtask parity --fuzz N --seed S`: the fuzzer of `fuzz/` run on the real backends,
//! each Python backend a worker process as in a corpus run ([`WorkerOracle`]).

use std::{
    io::IsTerminal,
    time::{Duration, Instant},
};

use anyhow::bail;
use dictwalk_corpus::{Backend, Case, Outcome};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use xshell::Shell;

use super::{
    fuzz::{self, CoreOracle, Oracle, Settings},
    runner::{Limits, Plan},
    setup, shown,
    worker::{Worker, WorkerSpec},
    RunOptions,
};
use crate::{report, status::Status, term};

/// The backends fuzzing compares when `--backend` is not given.
pub const DEFAULT_BACKENDS: [Backend; 3] = [Backend::Python, Backend::Rust, Backend::Core];

/// A backend's worker process behind the fuzzer's [`Oracle`]; a worker that crashed, hung or
/// printed garbage is started again for the next case.
pub struct WorkerOracle {
    backend: Backend,
    spec: WorkerSpec,
    limits: Limits,
    worker: Option<Worker>,
}

impl WorkerOracle {
    /// Starts the worker now, so that a backend that cannot start stops the run before it.
    pub fn start(
        backend: Backend,
        spec: WorkerSpec,
        limits: Limits,
    ) -> anyhow::Result<WorkerOracle> {
        let worker = Worker::start(&spec, limits.startup)
            .map_err(|why| anyhow::anyhow!("the {backend} worker did not start: {why}"))?;
        Ok(WorkerOracle {
            backend,
            spec,
            limits,
            worker: Some(worker),
        })
    }
}

impl Oracle for WorkerOracle {
    fn backend(&self) -> Backend {
        self.backend
    }

    fn run_all(&mut self, cases: &[Case]) -> Vec<Result<Outcome, String>> {
        self.run_batch(cases)
    }

    fn another(&self) -> Option<anyhow::Result<Box<dyn Oracle>>> {
        let started = WorkerOracle::start(self.backend, self.spec.clone(), self.limits);
        Some(started.map(|oracle| Box::new(oracle) as Box<dyn Oracle>))
    }

    fn run(&mut self, case: &Case) -> Result<Outcome, String> {
        let mut worker = match self.worker.take() {
            Some(worker) => worker,
            None => Worker::start(&self.spec, self.limits.startup)
                .map_err(|why| format!("the worker did not start again: {why}"))?,
        };
        match worker.ask(case, self.limits.timeout) {
            Ok(outcome) => {
                self.worker = Some(worker);
                Ok(outcome)
            }
            Err(failure) => {
                if !failure.restart {
                    self.worker = Some(worker);
                }
                Err(failure.message)
            }
        }
    }
}

impl WorkerOracle {
    /// [`Oracle::run_all`]: the cases sent at once; after a crash, the rest go to a new worker.
    /// A failure with several suspects (a worker killed in the middle of a group, its answers
    /// lost) is not kept: those cases are asked again one at a time, until one fails again.
    fn run_batch(&mut self, cases: &[Case]) -> Vec<Result<Outcome, String>> {
        let mut answers = Vec::with_capacity(cases.len());
        let mut alone = 0;
        while answers.len() < cases.len() {
            if alone > 0 {
                let Some(case) = cases.get(answers.len()) else {
                    break;
                };
                let answer = self.run(case);
                // `run` keeps the worker unless it must be started again: then this case is
                // the one that failed.
                alone = if self.worker.is_some() { alone - 1 } else { 0 };
                answers.push(answer);
                continue;
            }
            let rest = cases.get(answers.len()..).unwrap_or_default();
            let mut worker = match self.worker.take() {
                Some(worker) => worker,
                None => match Worker::start(&self.spec, self.limits.startup) {
                    Ok(worker) => worker,
                    Err(why) => {
                        // One answer for the next case says why; the loop tries again after it.
                        answers.push(Err(format!("the worker did not start again: {why}")));
                        continue;
                    }
                },
            };
            let mut got = worker.ask_all(rest, self.limits.timeout);
            let last = got.last().and_then(|answer| answer.as_ref().err());
            let restart = last.is_some_and(|failure| failure.restart);
            if let Some(suspects) = last.map(|failure| failure.suspects).filter(|&n| n > 1) {
                got.pop();
                alone = suspects;
            }
            if !restart {
                self.worker = Some(worker);
            }
            answers.extend(got.into_iter().map(|answer| answer.map_err(|f| f.message)));
        }
        answers
    }
}

impl Drop for WorkerOracle {
    fn drop(&mut self) {
        if let Some(worker) = self.worker.take() {
            worker.finish();
        }
    }
}

/// Generates `cases` cases from `seed`, compares the backends, writes each shrunk
/// disagreement into the corpus. Exit 0 when every backend agreed with the reference, 1 when
/// some did not (the new regression cases are named), 2 when a backend could not start.
pub fn run(sh: &Shell, options: &RunOptions, cases: usize, seed: u64) -> anyhow::Result<Status> {
    let root = sh.current_dir();
    let backends: Vec<Backend> = if options.backends.is_empty() {
        DEFAULT_BACKENDS.to_vec()
    } else {
        options.backends.clone()
    };
    if backends.len() < 2 {
        bail!("--fuzz compares backends: give at least two with --backend (default: python,rust,core)");
    }
    let Started { oracles, .. } = start(sh, options, &backends)?;
    let corpus_dir = root.join(&options.corpus);
    term::info(format_args!(
        "parity --fuzz: {cases} cases from seed {seed} on {}; disagreements go to {}",
        backends
            .iter()
            .map(|b| b.name())
            .collect::<Vec<_>>()
            .join(", "),
        shown(&root, &corpus_dir.join("regressions.json"))
    ));
    let bar = progress_bar(cases as u64);
    let mut log = ProgressLog::new(&bar, "parity --fuzz", cases);
    let summary = fuzz::run(oracles, &Settings::new(cases, seed), &corpus_dir, |done| {
        log.done(done);
    })?;
    bar.finish_and_clear();
    print!("{summary}");
    Ok(if summary.agreed() {
        Status::Passed
    } else {
        Status::Failed
    })
}

/// `--fuzz N --mutate`: `paths` mutated paths from `seed` on the backends (default: all four).
/// Exit 0 when python, rust and core agreed and every difference from 2.6.0 is declared, 1
/// otherwise, 2 when a backend could not start or the rules do not load.
pub fn run_mutate(
    sh: &Shell,
    options: &RunOptions,
    paths: usize,
    seed: u64,
) -> anyhow::Result<Status> {
    let root = sh.current_dir();
    let backends: Vec<Backend> = if options.backends.is_empty() {
        Backend::ALL.to_vec()
    } else {
        options.backends.clone()
    };
    let corpus_dir = root.join(&options.corpus);
    // The rules sit beside the corpus directory (`parity/rules.json`), not among its files.
    let rules_file = corpus_dir
        .parent()
        .unwrap_or(&corpus_dir)
        .join(fuzz::rules::RULES);
    let rules = fuzz::rules::Rules::load(&rules_file)?;
    let corpus = fuzz::mutate::load_corpus(&corpus_dir)?;
    // From here the run does the work its reports describe: the last ones go aside.
    let reports_dir = root.join(&options.reports_dir);
    report::set_aside(&reports_dir, &fuzz::report::FILES)?;
    let Started {
        oracles,
        cpu_before,
    } = start(sh, options, &backends)?;
    term::info(format_args!(
        "parity --fuzz --mutate: {paths} mutated paths from seed {seed} on {}; rules from {}",
        backends
            .iter()
            .map(|b| b.name())
            .collect::<Vec<_>>()
            .join(", "),
        shown(&root, &rules_file)
    ));
    let bar = progress_bar(paths as u64);
    let settings = fuzz::mutate::Settings::new(paths, seed);
    let mut log = ProgressLog::new(&bar, "parity --mutate", paths);
    let mut summary = fuzz::mutate::run(
        oracles,
        &rules,
        &settings,
        (&corpus, &corpus_dir),
        |event| match event {
            fuzz::mutate::Event::Done(done) => log.done(done),
            fuzz::mutate::Event::Found { kind, after } => bar.suspend(|| {
                term::info(format_args!(
                    "parity --mutate: new kind after {:.1} s: {kind}",
                    after.as_secs_f64()
                ));
            }),
            fuzz::mutate::Event::Shrinking { differences, kinds } => {
                bar.finish_and_clear();
                term::info(format_args!(
                    "parity --mutate: every path has run; shrinking {differences} differences \
                     of {kinds} kinds, each on the reference and 2.6.0"
                ));
            }
        },
    )?;
    // The oracles were dropped at the end of the run, and every worker with them: their CPU
    // time is now the xtask's children's.
    summary.cpu = cpu_before.and_then(|before| Some(fuzz::cpu::used()?.saturating_sub(before)));
    bar.finish_and_clear();
    print!("{summary}");
    let report = fuzz::report::Report::new(&summary, paths);
    report::publish_json_and_markdown(
        "parity --mutate",
        &reports_dir,
        [fuzz::report::JSON, fuzz::report::MARKDOWN],
        &report,
        &fuzz::report::MarkdownEmitter,
        report::step_summary(sh.var_os("GITHUB_STEP_SUMMARY")).as_deref(),
    )?;
    Ok(if summary.passed() {
        Status::Passed
    } else {
        Status::Failed
    })
}

/// The oracles of a run, started.
struct Started {
    oracles: Vec<Box<dyn Oracle>>,
    /// The CPU time used before the workers started ([`fuzz::cpu::used`]), read once the
    /// backends were set up (wheels built, venvs installed): what the run costs counts from there.
    cpu_before: Option<Duration>,
}

/// Starts every backend's oracle, so that a backend that cannot run stops the run before it.
fn start(sh: &Shell, options: &RunOptions, backends: &[Backend]) -> anyhow::Result<Started> {
    let limits = Limits::new(options.timeout);
    let wheel_dir = sh.current_dir().join(&options.wheel_dir);
    let plans = setup::plans(sh, backends, &wheel_dir, options.build);
    let cpu_before = fuzz::cpu::used();
    let mut oracles: Vec<Box<dyn Oracle>> = Vec::new();
    for (backend, plan) in plans {
        match plan {
            Plan::Core => oracles.push(Box::new(CoreOracle)),
            Plan::Worker(spec) => {
                oracles.push(Box::new(WorkerOracle::start(backend, *spec, limits)?));
            }
            Plan::CouldNotRun(why) => bail!("{backend} cannot run: {why}"),
        }
    }
    Ok(Started {
        oracles,
        cpu_before,
    })
}

/// A fuzz run's progress: on a terminal the bar, elsewhere (a CI log) a line every
/// [`ProgressLog::EVERY`], so a long run is seen to move.
struct ProgressLog<'a> {
    bar: &'a ProgressBar,
    what: &'static str,
    total: usize,
    started: Instant,
    last: Instant,
}

impl<'a> ProgressLog<'a> {
    const EVERY: Duration = Duration::from_secs(30);

    fn new(bar: &'a ProgressBar, what: &'static str, total: usize) -> Self {
        let now = Instant::now();
        ProgressLog {
            bar,
            what,
            total,
            started: now,
            last: now,
        }
    }

    /// The first `done` of the run's `total` are done.
    fn done(&mut self, done: usize) {
        self.bar.set_position(done as u64);
        if self.bar.is_hidden() && self.last.elapsed() >= Self::EVERY && done < self.total {
            self.last = Instant::now();
            let rate = fuzz::per_second(done, self.started.elapsed());
            term::info(format_args!(
                "{}: {done} of {} done, {rate:.0}/s",
                self.what, self.total
            ));
        }
    }
}

fn progress_bar(total: u64) -> ProgressBar {
    let target = if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(Some(total), target);
    if let Ok(style) =
        ProgressStyle::with_template("fuzz [{bar:40}] {pos}/{len} cases ({per_sec}, {elapsed})")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    if !bar.is_hidden() {
        bar.enable_steady_tick(Duration::from_millis(250));
    }
    bar
}
