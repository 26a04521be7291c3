//! `cargo xtask parity`: runs the parity corpus (`parity/cases/`) on the installed backends and
//! classes every case on every backend: pass, fail, declared, stale, not applicable, not run.
//!
//! The order of a run, which keeps it failing closed: the corpus is loaded and validated whole
//! (a malformed file stops the run before anything is touched, set up or started), the cases
//! are selected (`select.rs`), the baseline is read (`baseline.rs`), the previous reports are
//! set aside (`report::set_aside`), the backends are set up (`setup.rs`: wheels, venvs, worker
//! commands), run concurrently (`runner.rs` over `worker.rs`), compared with the baseline and
//! reported (`report/`). [`run`] is the library entry point that `cargo xtask gate` shares.

mod baseline;
mod bless;
mod fuzz;
mod model;
mod oracle;
mod progress;
mod report;
pub mod rollback;
mod runner;
mod select;
pub(crate) mod setup;
#[cfg(test)]
mod tests;
mod worker;

use std::{
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use anyhow::{anyhow, bail};
use dictwalk_corpus::{load_dir, Backend, CorpusError, LoadOptions};
use xshell::Shell;

pub use self::select::{Filter, Shard};
use self::{
    baseline::Baseline,
    model::{ParityRun, Selection},
    progress::Progress,
    runner::{Limits, Plan},
};
use crate::{
    flags::{self, defaults},
    gate::{self, GateCheck},
    report::{shown, step_summary},
    status::{Conclusion, Status},
    term,
};

/// How many failing cases the gate lists; the rest are in parity.md.
const GATE_FAILURES: usize = 20;

/// What to run; relative paths are relative to the project root.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOptions {
    /// The backends to run; empty means all four.
    pub backends: Vec<Backend>,
    pub corpus: PathBuf,
    pub filter: Option<Filter>,
    pub shard: Option<Shard>,
    /// For each case's answer from a worker.
    pub timeout: Duration,
    /// The report to compare with; `None` means `<reports>/parity.previous.json` when it exists.
    pub baseline: Option<PathBuf>,
    pub reports_dir: PathBuf,
    /// Where the wheels are (and are built when missing and `build` is true).
    pub wheel_dir: PathBuf,
    pub build: bool,
}

impl Default for RunOptions {
    /// The whole corpus on every backend, reports in `reports/`, wheels built when missing.
    fn default() -> Self {
        RunOptions {
            backends: Backend::ALL.to_vec(),
            corpus: PathBuf::from(defaults::CORPUS),
            filter: None,
            shard: None,
            timeout: defaults::TIMEOUT.0,
            baseline: None,
            reports_dir: PathBuf::from(defaults::REPORTS_DIR),
            wheel_dir: PathBuf::from(defaults::WHEEL_DIR),
            build: true,
        }
    }
}

impl flags::Parity {
    pub fn run(self, sh: &Shell) -> anyhow::Result<Conclusion> {
        let options = RunOptions {
            backends: self.backend.iter().map(|b| b.backend()).collect(),
            corpus: self.corpus,
            filter: self.filter,
            shard: self.shard,
            timeout: self.timeout.0,
            baseline: self.baseline,
            reports_dir: self.reports_dir,
            wheel_dir: self.wheel_dir,
            build: !self.no_build,
        };
        if self.bless {
            let status = bless::run(sh, &options)?;
            let summary = match status {
                Status::Passed => "--bless: every new case has its expectation",
                _ => "--bless: some new case got no answer from the reference (named above)",
            };
            return Ok(Conclusion::new(status, summary));
        }
        if let (Some(paths), true) = (self.fuzz, self.mutate) {
            let status = oracle::run_mutate(sh, &options, paths, self.seed)?;
            let summary = match status {
                Status::Passed => format!(
                    "--mutate: python, rust and core agreed on {paths} paths and every difference \
                     from 2.6.0 is declared"
                ),
                _ => format!(
                    "--mutate: a disagreement or an undeclared difference from 2.6.0 (seed {}); \
                     the cases are in the corpus",
                    self.seed
                ),
            };
            return Ok(Conclusion::new(status, summary));
        }
        if let Some(cases) = self.fuzz {
            let status = oracle::run(sh, &options, cases, self.seed)?;
            let summary = match status {
                Status::Passed => format!("--fuzz: every backend agreed on {cases} cases"),
                _ => format!(
                    "--fuzz: some backend disagreed with the reference (seed {}); the shrunk \
                     cases are in the corpus",
                    self.seed
                ),
            };
            return Ok(Conclusion::new(status, summary));
        }
        let run = run(sh, &options)?;
        Ok(Conclusion::new(run.status(), run.summary()))
    }
}

/// Runs the corpus as `options` say, writes the reports, and returns what was found. `Err`
/// means the run could not start (a malformed corpus, a filter that selects nothing, an
/// unreadable `--baseline`, reports that cannot be written); a backend that cannot be set up
/// or started is not an error but a `could_not_run` backend in the result, whose verdict is
/// then `Verdict::CouldNotRun`.
pub fn run(sh: &Shell, options: &RunOptions) -> anyhow::Result<ParityRun> {
    let root = sh.current_dir();
    let wheel_dir = root.join(&options.wheel_dir);
    let step_summary = step_summary(sh.var_os("GITHUB_STEP_SUMMARY"));
    execute(
        &root,
        options,
        Limits::new(options.timeout),
        Progress::new,
        step_summary,
        |backends| setup::plans(sh, backends, &wheel_dir, options.build),
    )
}

/// The parity check of `cargo xtask gate`: the whole corpus on every backend, on the wheels
/// the gate has just built (never building others), with its reports in the gate's folder.
pub const GATE_CHECK: GateCheck = GateCheck {
    name: "parity",
    does: "the whole corpus on python, rust, core and legacy",
    needs: &["wheels"],
    reports: &report::FILES,
    run: for_gate,
};

fn for_gate(ctx: &gate::Context<'_>) -> Conclusion {
    let options = RunOptions {
        reports_dir: ctx.reports_dir.clone(),
        wheel_dir: ctx.wheel_dir.clone(),
        build: false,
        ..RunOptions::default()
    };
    match run(ctx.sh, &options) {
        Ok(run) => Conclusion::new(run.status(), run.summary()).with_reasons(run.reasons(
            GATE_FAILURES,
            &shown(&ctx.root, &ctx.reports_dir.join(report::MARKDOWN)),
        )),
        Err(err) => Conclusion::of_error("the parity run could not start", &err),
    }
}

/// The one-line error for a corpus that does not load, with what to do about a case that has
/// no expectation yet. A case with an empty `expect` is not new, so `--bless` does not record
/// it (an expectation changes only by hand); deleting its `expect` makes it new. Filling it in
/// instead would hide an expectation emptied by mistake behind the reference's answer.
fn malformed(err: &CorpusError, corpus_shown: &str) -> anyhow::Error {
    let hint = if err.is_empty_expectation() {
        "; delete its \"expect\" and run `cargo xtask parity --bless` to record the reference's answer"
    } else if err.message.starts_with("missing expectation") {
        " (a new case? `cargo xtask parity --bless` records its expectation from the reference backend)"
    } else {
        ""
    };
    anyhow!("the parity corpus {corpus_shown} is malformed: {err}{hint}")
}

/// The run with its set-up and its progress display passed in, so that the tests can run it
/// on fake workers.
fn execute(
    root: &Path,
    options: &RunOptions,
    limits: Limits,
    progress: fn(u64) -> Progress,
    step_summary: Option<PathBuf>,
    setup: impl FnOnce(&[Backend]) -> Vec<(Backend, Plan)>,
) -> anyhow::Result<ParityRun> {
    let started = Instant::now();
    let reports_dir = root.join(&options.reports_dir);
    // An explicit baseline is read before the previous report is set aside, so that
    // `--baseline reports/parity.json` means the report that was there.
    let explicit = match &options.baseline {
        Some(path) => {
            let baseline = Baseline::load(&root.join(path), &shown(root, &root.join(path)));
            Some(baseline.map_err(|why| anyhow!(why))?)
        }
        None => None,
    };

    let corpus_dir = root.join(&options.corpus);
    let corpus_shown = shown(root, &corpus_dir);
    let cases = load_dir(&corpus_dir, LoadOptions::default())
        .map_err(|err| malformed(&err, &corpus_shown))?;
    let selected = select::select(&cases, options.filter.as_ref(), options.shard);
    if selected.is_empty() {
        bail!(
            "no case selected: the {} cases of {corpus_shown} have none{}{}",
            cases.len(),
            options
                .filter
                .as_ref()
                .map_or_else(String::new, |f| format!(" matching --filter '{f}'")),
            options
                .shard
                .map_or_else(String::new, |s| format!(" in --shard {s}"))
        );
    }
    let baseline = match explicit {
        Some(baseline) => Some(baseline),
        None => report::last_report(&reports_dir).and_then(|path| {
            let mut baseline = Baseline::load(&path, &shown(root, &path))
                .map_err(|why| term::warn(format_args!("parity: no baseline: {why}")))
                .ok()?;
            // The report names it where it will be once this run's report is written.
            baseline.file = shown(root, &reports_dir.join(report::PREVIOUS_JSON));
            Some(baseline)
        }),
    };
    // From here the run does the work its reports describe: the earlier ones go aside, so
    // that a run that stops midway leaves none that could be taken for its own.
    crate::report::set_aside(&reports_dir, &report::FILES)?;

    // Each backend once, in the usual order.
    let backends: Vec<Backend> = if options.backends.is_empty() {
        Backend::ALL.to_vec()
    } else {
        Backend::ALL
            .into_iter()
            .filter(|b| options.backends.contains(b))
            .collect()
    };
    let plans = setup(&backends);
    term::info(format_args!(
        "parity: {} of {} cases on {}",
        selected.len(),
        cases.len(),
        backends
            .iter()
            .map(|b| b.name())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let progress = progress((selected.len() * plans.len()) as u64);
    let runs = runner::run_all(&selected, plans, limits, &progress);
    progress.finish();

    let mut run = ParityRun {
        commit: gate::commit_at(root),
        selection: Selection {
            corpus: corpus_shown,
            corpus_cases: cases.len(),
            filter: options.filter.as_ref().map(ToString::to_string),
            shard: options.shard.map(|s| s.to_string()),
            case_ids: selected.iter().map(|c| c.id.clone()).collect(),
        },
        backends: runs,
        timeout: options.timeout,
        baseline: None,
        elapsed: Duration::ZERO,
    };
    let corpus_ids = cases.iter().map(|c| c.id.as_str()).collect();
    run.baseline = baseline.map(|b| baseline::compare(&b, &run.backends, &corpus_ids));
    run.elapsed = started.elapsed();
    report::publish(&run, &reports_dir, step_summary)?;
    Ok(run)
}
