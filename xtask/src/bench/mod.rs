//! `cargo xtask bench`: the candidate (this checkout's native wheel) against a baseline (another
//! revision's), judged by instruction counts and paired wall time: GO, NO-GO or INCONCLUSIVE;
//! and the gate's `bench` check (`GATE_CHECK`), which is the same run.
//!
//! The order of a run: valgrind and the candidate's wheel are found (built when stale), the
//! candidate is installed into `target/bench/venv/cand` and again into `target/bench/venv/ctrl`
//! for the A/A control, the runner is asked which scenarios it has, the thresholds are loaded
//! and checked against them, the baseline is resolved and built (cached by commit,
//! `baseline.rs`) and installed into `target/bench/venv/base`; only then are the previous reports
//! set aside and every side measured on both backends under callgrind (`callgrind.rs`), two at a
//! time, then timed in pairs (`wall.rs`), one process at a time. Then `verdict.rs` judges and
//! `report.rs` writes `bench.json` and `bench.md`. `--suite` is the wall-time table of every
//! contestant instead (`suite.rs`).

mod baseline;
mod callgrind;
mod report;
mod stats;
mod suite;
mod thresholds;
mod verdict;
mod wall;

use std::{
    fs,
    path::{Path, PathBuf},
    thread,
    time::{SystemTime, UNIX_EPOCH},
};

use anyhow::Context;
use sha2::{Digest, Sha256};
use xshell::{cmd, Shell};

use self::{
    baseline::{Baseline, Choice},
    callgrind::{Measured, Runner},
    report::{Control, Environment, MarkdownEmitter, Report, Side},
    thresholds::Thresholds,
    verdict::{compare, overall, targets, word, Row},
    wall::WallRow,
};
use crate::{
    exec, flags,
    gate::{self, GateCheck},
    parity::setup::{current_wheels, Wheels},
    python::{self, Venv},
    report::{publish_json_and_markdown, schema, set_aside, shown, step_summary},
    status::{Conclusion, Status},
    term,
};

/// The venvs, one per side, their paths of one length so that nothing the interpreter does
/// with its own path costs one side more instructions than the other.
const VENVS: &str = "target/bench/venv";
/// Where each measurement keeps its dumps.
const RUNS: &str = "target/bench/run";
/// The backends whose instructions are counted on every side.
const BACKENDS: [&str; 2] = ["reference", "native"];
/// dictwalk 2.6.0, from its own venv (`.venvs/legacy`, shared with parity): the same on both
/// sides, so counted once, in the candidate's run, for the targets and the ratios to it.
const LEGACY: &str = "legacy";

impl flags::Bench {
    pub fn run(self, sh: &Shell) -> anyhow::Result<Conclusion> {
        if self.suite {
            return suite::run(sh, &self);
        }
        let root = sh.current_dir();
        let options = Options {
            wheel_dir: root.join(&self.wheel_dir),
            build: !self.no_build,
            reports_dir: root.join(&self.reports_dir),
            thresholds: root.join(&self.thresholds),
            baseline: Choice::of(self.baseline.as_deref(), self.baseline_wheels.as_deref()),
        };
        if self.aa {
            return aa(sh, &options, self.runs);
        }
        let report = check(sh, &options)?;
        publish(sh, &report, &options.reports_dir)?;
        Ok(conclusion(&report))
    }
}

/// The bench check of `cargo xtask gate`: the gate's wheels against the default baseline (the
/// merge base with `main`, or on `main` HEAD's parent), the targets, and the A/A control;
/// INCONCLUSIVE holds the gate like a failure.
pub const GATE_CHECK: GateCheck = GateCheck {
    name: "bench",
    does: "instruction counts against the baseline, the targets, an A/A control",
    needs: &["wheels"],
    reports: &report::FILES,
    run: for_gate,
};

fn for_gate(ctx: &gate::Context<'_>) -> Conclusion {
    let options = Options {
        wheel_dir: ctx.wheel_dir.clone(),
        build: false,
        reports_dir: ctx.reports_dir.clone(),
        thresholds: ctx.root.join(flags::defaults::THRESHOLDS),
        baseline: match &ctx.baseline {
            Some(revision) => Choice::Revision(revision.clone()),
            None => Choice::Default,
        },
    };
    let checked = check(ctx.sh, &options)
        .and_then(|report| publish(ctx.sh, &report, &options.reports_dir).map(|()| report));
    match checked {
        Ok(report) => conclusion(&report),
        Err(err) => Conclusion::of_error("the benchmark could not run", &err),
    }
}

/// What to compare, with absolute paths.
struct Options {
    wheel_dir: PathBuf,
    build: bool,
    reports_dir: PathBuf,
    thresholds: PathBuf,
    baseline: Choice,
}

/// A side ready to measure: its venv's interpreter and what the report says of it.
struct Ready {
    name: &'static str,
    python: PathBuf,
    side: Side,
}

/// The whole check; `Err` when it cannot run (bad input, no valgrind, a baseline that does not
/// build), before any report is touched.
fn check(sh: &Shell, options: &Options) -> anyhow::Result<Report> {
    let root = sh.current_dir();
    let Candidate {
        valgrind,
        wheels,
        cand,
        ctrl,
        thresholds,
        core,
    } = candidate(sh, options)?;
    let (baseline, skipped) = match find_baseline(sh, &wheels.base, &options.baseline)? {
        Some(base) => (Some(base), None),
        None => (None, Some("--baseline none".to_owned())),
    };
    let base = match &baseline {
        Some(b) => Some(prepare(
            sh,
            &wheels.base,
            "base",
            &b.wheel,
            &b.asked,
            b.commit.clone(),
        )?),
        None => None,
    };

    // 2.6.0 that cannot be set up (no network, no PyPI) is a missing contestant: its targets
    // and the run are INCONCLUSIVE, never a crash.
    let legacy_venv = python::legacy_venv(sh);

    // From here the run does the work its reports describe.
    set_aside(&options.reports_dir, &report::FILES)?;
    let mut sides = vec![&cand, &ctrl];
    sides.extend(base.as_ref());
    let mut cores = vec![("cand", core.as_path())];
    cores.extend(
        baseline
            .as_ref()
            .and_then(|b| b.core.as_deref())
            .map(|program| ("base", program)),
    );
    let legacy_python = legacy_venv.as_ref().ok().map(Venv::python);
    let (measured, core_measured) = measure_all(&root, &sides, &cores, legacy_python.as_deref());
    let legacy: anyhow::Result<Measured> = match legacy_venv {
        Err(err) => Err(err.context("dictwalk 2.6.0's venv could not be set up")),
        Ok(_) => measured
            .iter()
            .find(|(_, backend, _)| *backend == LEGACY)
            .map(|(_, _, m)| match m {
                Ok(m) => Ok(m.clone()),
                Err(err) => Err(anyhow::anyhow!("{}", one_line(err))),
            })
            .unwrap_or_else(|| Err(anyhow::anyhow!("it was not counted"))),
    };
    let measured: Vec<_> = measured
        .into_iter()
        .filter(|(_, backend, _)| *backend != LEGACY)
        .collect();
    let of = |name: &str| -> Vec<Measured> {
        measured
            .iter()
            .filter(|(side, _, _)| *side == name)
            .filter_map(|(_, _, m)| m.as_ref().ok().cloned())
            .collect()
    };
    let mut reasons: Vec<String> = measured
        .iter()
        .filter_map(|(side, backend, m)| {
            m.as_ref()
                .err()
                .map(|err| format!("{side} {backend}: {}", one_line(err)))
        })
        .collect();
    if let Err(err) = &legacy {
        reasons.push(format!("{LEGACY} (dictwalk 2.6.0): {}", one_line(err)));
    }
    let (cand_m, ctrl_m, base_m) = (of("cand"), of("ctrl"), of("base"));

    // Wall time after the counts, one process at a time: nothing else may share the machine
    // with a timed batch that this run controls.
    let driver = wheels.base.python();
    let mut time = |against: &Ready| -> Vec<WallRow> {
        let mut samples = Vec::new();
        for (backend, timed) in time_against(sh, &root, &driver, &cand, against) {
            match timed {
                Ok(found) => samples.extend(found),
                Err(err) => reasons.push(format!(
                    "wall time of {backend} against {}: {}",
                    against.name,
                    one_line(&err)
                )),
            }
        }
        wall::judge(&samples, &thresholds)
    };
    let wall_rows = base.as_ref().map(&mut time).unwrap_or_default();
    let wall_control = time(&ctrl);

    let control_rows = compare(&cand_m, &ctrl_m, &thresholds);
    let mut flagged: Vec<String> = control_rows
        .iter()
        .filter(|r| r.verdict != Status::Passed)
        .map(|r| format!("{} {}", r.scenario, r.backend))
        .collect();
    flagged.extend(
        wall_control
            .iter()
            .filter(|r| r.verdict != Status::Passed)
            .map(|r| format!("{} {} (wall time)", r.scenario, r.backend)),
    );
    let control = Control {
        verdict: control_rows
            .iter()
            .map(|r| r.verdict)
            .chain(wall_control.iter().map(|r| r.verdict))
            .fold(Status::Passed, Status::worst),
        flagged,
        largest_ir_difference: verdict::largest_change(&control_rows),
        wall: wall_control,
    };
    let mut rows: Vec<Row> = match &base {
        Some(_) => compare(&cand_m, &base_m, &thresholds),
        None => Vec::new(),
    };
    // For each NO-GO, where the instructions went: the first repeat's dumps of both sides.
    for row in rows.iter_mut().filter(|r| r.verdict == Status::Failed) {
        let dump = |m: &[Measured]| {
            m.iter()
                .find(|m| m.backend == row.backend)
                .and_then(|m| m.counts.get(&row.scenario))
                .and_then(|c| c.dumps.first().cloned())
        };
        if let (Some(b), Some(c)) = (dump(&base_m), dump(&cand_m)) {
            match callgrind::changed_functions(sh, &b, &c, 10) {
                Ok(functions) => row.functions = functions,
                Err(err) => {
                    row.functions = vec![format!("callgrind_annotate failed: {}", one_line(&err))]
                }
            }
        }
    }
    if let Some(why) = verdict::environments_differ(&cand_m, &base_m) {
        for row in &mut rows {
            row.verdict = row.verdict.worst(Status::Inconclusive);
            row.why = why.clone();
        }
        reasons.push(why);
    }
    // The targets see the candidate's backends and 2.6.0; a contestant not counted is named
    // with why, so its targets say INCONCLUSIVE with the reason.
    let mut contestants = cand_m.clone();
    let mut not_counted = Vec::new();
    match &legacy {
        Ok(m) => contestants.push(m.clone()),
        Err(err) => not_counted.push((LEGACY.to_owned(), one_line(err))),
    }
    let target_rows = targets(&contestants, thresholds.targets(), &not_counted);
    let mut verdict = overall(&rows, &target_rows, Some(control.verdict));
    // Wall time can only say NO-GO (a proven slowdown); its warnings are reported.
    for row in &wall_rows {
        if row.verdict == Status::Failed {
            verdict = verdict.worst(Status::Failed);
            reasons.push(format!(
                "{} {} (wall time): NO-GO: {}",
                row.scenario, row.backend, row.why
            ));
        }
    }
    if !reasons.is_empty() {
        verdict = verdict.worst(Status::Inconclusive);
    }
    for row in rows.iter().filter(|r| r.verdict != Status::Passed) {
        reasons.push(format!(
            "{} {}: {}: {}",
            row.scenario,
            row.backend,
            word(row.verdict),
            row.why
        ));
    }
    for t in target_rows
        .iter()
        .filter(|t| t.gating && t.verdict != Status::Passed)
    {
        reasons.push(format!("target {}: {}: {}", t.name, word(t.verdict), t.why));
    }
    if control.verdict != Status::Passed {
        reasons.push(format!(
            "the A/A control said {} on {}: the measurement cannot be trusted",
            word(control.verdict),
            control.flagged.join(", ")
        ));
    }
    let with_python = |mut ready: Side, m: &[Measured]| {
        if let Some(first) = m.first() {
            ready.python = first.python.clone();
            ready.dictwalk = first.dictwalk.clone();
        }
        ready
    };
    let core = report::core_info(&core_measured, baseline.is_some());
    let legacy = report::legacy_info(&cand_m, &legacy);
    Ok(Report {
        schema_version: schema::BENCH,
        verdict,
        reasons,
        candidate: with_python(cand.side.clone(), &cand_m),
        baseline: base.as_ref().map(|b| with_python(b.side.clone(), &base_m)),
        baseline_skipped: skipped,
        scenarios: rows,
        wall: wall_rows,
        targets: target_rows,
        control: Some(control),
        core,
        legacy,
        environment: environment(sh, valgrind),
    })
}

/// What every measurement needs first: valgrind (its version), the candidate's wheels, its
/// install (`cand`) and a second one for the A/A control (`ctrl`), the thresholds, checked
/// against the scenarios the runner knows, and the core's instruction runner.
struct Candidate {
    valgrind: String,
    wheels: Wheels,
    cand: Ready,
    ctrl: Ready,
    thresholds: Thresholds,
    core: PathBuf,
}

fn candidate(sh: &Shell, options: &Options) -> anyhow::Result<Candidate> {
    let root = sh.current_dir();
    let valgrind = callgrind::valgrind_version(sh)?;
    let wheels = current_wheels(sh, &options.wheel_dir, options.build)?;
    let head = baseline::resolve(sh, "HEAD").ok();
    let native = &wheels.native.path;
    let cand = prepare(
        sh,
        &wheels.base,
        "cand",
        native,
        "this checkout",
        head.clone(),
    )?;
    let ctrl = prepare(sh, &wheels.base, "ctrl", native, "this checkout", head)?;
    let ids = callgrind::scenario_ids(sh, &cand.python)?;
    let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let thresholds = Thresholds::load(
        &options.thresholds,
        &shown(&root, &options.thresholds),
        &id_refs,
    )?;
    let core = baseline::core_runner(sh, &root, &root.join("target"))?;
    Ok(Candidate {
        valgrind,
        wheels,
        cand,
        ctrl,
        thresholds,
        core,
    })
}

/// The baseline `choice` names, built when needed; `None` for `--baseline none`.
fn find_baseline(sh: &Shell, dev: &Venv, choice: &Choice) -> anyhow::Result<Option<Baseline>> {
    let revision = match choice {
        Choice::Skip => return Ok(None),
        Choice::Wheels(dir) => {
            let wheel = baseline::native_wheel(dir)?.with_context(|| {
                format!("--baseline-wheels {}: no native wheel there", dir.display())
            })?;
            return Ok(Some(Baseline {
                asked: dir.display().to_string(),
                commit: None,
                wheel,
                core: None,
            }));
        }
        Choice::Revision(revision) => revision.clone(),
        Choice::Default => baseline::default_revision(sh)?,
    };
    let commit = baseline::resolve(sh, &revision)?;
    let asked = match choice {
        Choice::Default => format!("default: {}", baseline::short(&commit)),
        _ => revision,
    };
    let wheel = baseline::wheel_of(sh, dev, &commit)?;
    let core =
        Some(baseline::core_runner_in(&baseline::cache_of(sh, &commit))).filter(|p| p.is_file());
    Ok(Some(Baseline {
        asked,
        commit: Some(commit),
        wheel,
        core,
    }))
}

/// `wheel` installed into the side's venv.
fn prepare(
    sh: &Shell,
    dev: &Venv,
    name: &'static str,
    wheel: &Path,
    asked: &str,
    commit: Option<String>,
) -> anyhow::Result<Ready> {
    let located = crate::artifact::locate(wheel.parent().unwrap_or(Path::new(".")))?
        .into_iter()
        .find(|l| l.path == wheel)
        .with_context(|| format!("{} is not a dictwalk wheel", wheel.display()))?;
    let dir = python::wheel_venv(sh, dev, &format!("{VENVS}/{name}"), &located)?;
    let bytes = fs::read(wheel).with_context(|| format!("read {}", wheel.display()))?;
    Ok(Ready {
        name,
        python: crate::python::venv_bin(&dir, "python"),
        side: Side {
            asked: asked.to_owned(),
            commit,
            wheel: located.file.clone(),
            sha256: format!("{:x}", Sha256::digest(&bytes)),
            python: String::new(),
            dictwalk: String::new(),
        },
    })
}

/// What `measure_all` measured: by side and backend, and the core's counts by side.
type AllMeasured = (
    Vec<(&'static str, &'static str, anyhow::Result<Measured>)>,
    Vec<(&'static str, anyhow::Result<Measured>)>,
);

/// Every side on every backend, each core runner (`cores`, by side) and, given its venv's
/// interpreter, dictwalk 2.6.0 once (side `cand`, backend `legacy`), two measurements at a time
/// (valgrind uses one core, and the counts do not depend on what else runs).
fn measure_all<'a>(
    root: &Path,
    sides: &[&'a Ready],
    cores: &[(&'static str, &'a Path)],
    legacy: Option<&'a Path>,
) -> AllMeasured {
    // 2.6.0 first: its run is the longest, and the others fill the second core meanwhile.
    let mut jobs: Vec<(&'static str, &'static str, Runner<'a>)> = legacy
        .map(|python| {
            let runner = Runner::Python {
                python,
                backend: LEGACY,
            };
            ("cand", LEGACY, runner)
        })
        .into_iter()
        .collect();
    jobs.extend(sides.iter().flat_map(|side| {
        BACKENDS.iter().map(move |backend| {
            let runner = Runner::Python {
                python: &side.python,
                backend,
            };
            (side.name, *backend, runner)
        })
    }));
    jobs.extend(
        cores
            .iter()
            .map(|(side, program)| (*side, "core", Runner::Core { program })),
    );
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(Vec::new());
    thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some((side, backend, runner)) = jobs.get(i) else {
                    break;
                };
                term::info(format_args!(
                    "bench: counting {side} on {backend} under callgrind"
                ));
                let out = root.join(RUNS).join(format!("{side}-{backend}"));
                let measured = Shell::new().map_err(anyhow::Error::from).and_then(|sh| {
                    sh.change_dir(root);
                    callgrind::measure(&sh, *runner, &out)
                });
                if let Ok(mut done) = results.lock() {
                    done.push((i, *side, *backend, measured));
                }
            });
        }
    });
    let mut done = results.into_inner().unwrap_or_default();
    done.sort_by_key(|(i, ..)| *i);
    let (core, python): (Vec<_>, Vec<_>) = done
        .into_iter()
        .partition(|(_, _, backend, _)| *backend == "core");
    (
        python
            .into_iter()
            .map(|(_, side, backend, m)| (side, backend, m))
            .collect(),
        core.into_iter().map(|(_, side, _, m)| (side, m)).collect(),
    )
}

/// The candidate timed in pairs against `against` on every backend (`wall.rs`), one backend
/// after the other.
fn time_against(
    sh: &Shell,
    root: &Path,
    driver: &Path,
    cand: &Ready,
    against: &Ready,
) -> Vec<(&'static str, anyhow::Result<Vec<wall::Sample>>)> {
    BACKENDS
        .iter()
        .map(|&backend| {
            let out = root
                .join(RUNS)
                .join(format!("wall-{}-{backend}.json", against.name));
            let timed = wall::pair(sh, driver, &cand.python, &against.python, backend, &out);
            (backend, timed)
        })
        .collect()
}

/// `--aa`: the candidate against a second install of itself, `runs` times; the verdicts that
/// said anything but GO are false positives.
fn aa(sh: &Shell, options: &Options, runs: u32) -> anyhow::Result<Conclusion> {
    let root = sh.current_dir();
    let Candidate {
        wheels,
        cand,
        ctrl,
        thresholds,
        ..
    } = candidate(sh, options)?;
    let driver = wheels.base.python();
    let (mut verdicts, mut flagged, mut wall_verdicts, mut wall_flagged, mut wall_warned) =
        (0usize, 0usize, 0usize, 0usize, 0usize);
    let mut widest: f64 = 0.0;
    let mut widest_wall: f64 = 0.0;
    for run in 1..=runs {
        let (measured, _) = measure_all(&root, &[&cand, &ctrl], &[], None);
        let mut sides: [Vec<Measured>; 2] = [Vec::new(), Vec::new()];
        for (side, backend, m) in measured {
            let m = m.with_context(|| format!("A/A run {run}: {side} {backend}"))?;
            sides[usize::from(side == "ctrl")].push(m);
        }
        let rows = compare(&sides[0], &sides[1], &thresholds);
        let run_flagged = rows.iter().filter(|r| r.verdict != Status::Passed).count();
        verdicts += rows.len();
        flagged += run_flagged;
        widest = widest.max(verdict::largest_change(&rows));
        let mut samples = Vec::new();
        for (backend, timed) in time_against(sh, &root, &driver, &cand, &ctrl) {
            samples
                .extend(timed.with_context(|| format!("A/A run {run}: wall time of {backend}"))?);
        }
        let wall_rows = wall::judge(&samples, &thresholds);
        let run_wall_flagged = wall_rows
            .iter()
            .filter(|r| r.verdict != Status::Passed)
            .count();
        let run_wall_warned = wall_rows.iter().filter(|r| r.warn).count();
        wall_verdicts += wall_rows.len();
        wall_flagged += run_wall_flagged;
        wall_warned += run_wall_warned;
        widest_wall = wall_rows
            .iter()
            .filter_map(|r| r.median_ratio.map(|m| (m - 1.0).abs()))
            .fold(widest_wall, f64::max);
        term::info(format_args!(
            "bench --aa: run {run}/{runs}: instructions {} of {} verdicts other than GO (largest \
             difference so far {:.4}%); wall time {} of {} other than GO, {} warnings (largest \
             median difference so far {:.1}%)",
            run_flagged,
            rows.len(),
            widest * 100.0,
            run_wall_flagged,
            wall_rows.len(),
            run_wall_warned,
            widest_wall * 100.0
        ));
    }
    let rate = |bad: usize, all: usize| {
        if all == 0 {
            0.0
        } else {
            100.0 * bad as f64 / all as f64
        }
    };
    let status = if flagged == 0 && wall_flagged == 0 {
        Status::Passed
    } else {
        Status::Failed
    };
    Ok(Conclusion::new(
        status,
        format!(
            "A/A over {runs} run(s): instructions {flagged} of {verdicts} scenario verdicts other \
             than GO ({:.2}%), largest difference {:.4}%; wall time {wall_flagged} of \
             {wall_verdicts} other than GO ({:.2}%), {wall_warned} warnings, largest median \
             difference {:.1}%",
            rate(flagged, verdicts),
            widest * 100.0,
            rate(wall_flagged, wall_verdicts),
            widest_wall * 100.0
        ),
    ))
}

fn publish(sh: &Shell, report: &Report, reports_dir: &Path) -> anyhow::Result<()> {
    let summary = step_summary(sh.var_os("GITHUB_STEP_SUMMARY"));
    publish_json_and_markdown(
        "bench",
        reports_dir,
        [report::JSON, report::MARKDOWN],
        report,
        &MarkdownEmitter,
        summary.as_deref(),
    )?;
    Ok(())
}

fn conclusion(report: &Report) -> Conclusion {
    let regressed = report
        .scenarios
        .iter()
        .filter(|r| r.verdict == Status::Failed)
        .count();
    let summary = match &report.baseline {
        Some(base) => format!(
            "{} against {}: {} scenario verdicts, {regressed} NO-GO; A/A control {}",
            word(report.verdict),
            base.asked,
            report.scenarios.len(),
            report
                .control
                .as_ref()
                .map_or("not run", |c| word(c.verdict))
        ),
        None => format!(
            "{} without a regression check (--baseline none)",
            word(report.verdict)
        ),
    };
    Conclusion::new(report.verdict, summary).with_reasons(report.reasons.clone())
}

fn environment(sh: &Shell, valgrind: String) -> Environment {
    let cpu = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_owned())
            })
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let rustc = exec::quiet(cmd!(sh, "rustc --version"))
        .map(|ran| ran.stdout.trim().to_owned())
        .unwrap_or_default();
    Environment {
        valgrind,
        cpu,
        rustc,
        os: std::env::consts::OS,
        arch: std::env::consts::ARCH,
        generated_at_unix: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    }
}

/// An error's first line and its causes, on one line.
fn one_line(err: &anyhow::Error) -> String {
    format!("{err:#}")
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The gate's own end-to-end test. The candidate is a test-only build of the native module
    /// (the `inject-slowdown` cargo feature: its `*` step does `DICTWALK_INJECT_SPIN` spins of
    /// extra work per item, fixed when it is compiled); the baseline is the same code built as
    /// shipped. The check must say NO-GO on read.wildcard's native backend (the one scenario
    /// whose path has a `*`; the reference backend is pure Python) and on nothing else, with an
    /// instruction change of the size asked for. `DICTWALK_BENCH_INJECT_PERCENT` (5 or 30,
    /// default 5) sizes it; at 30 the paired wall time must flag it as well.
    /// `DICTWALK_BENCH_INJECT_RUNS` (default 1) repeats the check. It builds wheels and runs
    /// callgrind, so it takes minutes; run it with
    /// `cargo test -p xtask -- --ignored an_injected_slowdown`.
    #[test]
    #[ignore = "builds wheels and measures them under callgrind for minutes; run on demand (README)"]
    fn an_injected_slowdown_is_no_go_naming_its_scenario() -> anyhow::Result<()> {
        let sh = crate::shell()?;
        let root = sh.current_dir();
        let number = |name: &str, default: u32| -> anyhow::Result<u32> {
            std::env::var(name).map_or(Ok(default), |v| {
                v.parse()
                    .with_context(|| format!("{name}={v:?} is not a number"))
            })
        };
        let percent = number("DICTWALK_BENCH_INJECT_PERCENT", 5)?;
        let runs = number("DICTWALK_BENCH_INJECT_RUNS", 1)?;
        // Spins per item of `*` for each size, measured: one spin is 4 instructions, and
        // read.wildcard on native costs about 39,600 instructions for its 100 items.
        let spin = match percent {
            5 => 5,
            30 => 30,
            other => anyhow::bail!("DICTWALK_BENCH_INJECT_PERCENT={other}: 5 or 30"),
        };
        let wheels = current_wheels(&sh, &root.join(flags::defaults::WHEEL_DIR), true)?;
        let slowed = root.join(format!("target/bench/inject/spin-{spin}"));
        if slowed.exists() {
            fs::remove_dir_all(&slowed)?;
        }
        fs::create_dir_all(&slowed)?;
        {
            let _spin = sh.push_env("DICTWALK_INJECT_SPIN", spin.to_string());
            baseline::native_wheel_into(
                &sh,
                &wheels.base,
                &root,
                &slowed,
                "the slowed build",
                &["inject-slowdown"],
            )?;
        }
        fs::copy(&wheels.pure.path, slowed.join(&wheels.pure.file))?;
        let options = Options {
            wheel_dir: slowed,
            build: false,
            reports_dir: root.join("target/bench/inject-reports"),
            thresholds: root.join(flags::defaults::THRESHOLDS),
            baseline: Choice::Wheels(root.join(flags::defaults::WHEEL_DIR)),
        };
        for run in 1..=runs {
            let report = check(&sh, &options)?;
            publish(&sh, &report, &options.reports_dir)?;
            assert_eq!(
                report.verdict,
                Status::Failed,
                "run {run}: {:?}",
                report.reasons
            );
            let regressed: Vec<(&str, &str, Option<f64>)> = report
                .scenarios
                .iter()
                .filter(|r| r.verdict != Status::Passed)
                .map(|r| (r.scenario.as_str(), r.backend.as_str(), r.change))
                .collect();
            let [("read.wildcard", "native", Some(change))] = regressed.as_slice() else {
                anyhow::bail!("run {run}: expected read.wildcard native alone, got {regressed:?}");
            };
            let asked = f64::from(percent) / 100.0;
            assert!(
                (asked * 0.6..asked * 1.6).contains(change),
                "run {run}: asked for +{percent}%, measured {:+.2}%",
                change * 100.0
            );
            if percent >= 30 {
                let wall = report
                    .wall
                    .iter()
                    .find(|r| r.scenario == "read.wildcard" && r.backend == "native");
                assert!(
                    wall.is_some_and(|r| r.warn || r.verdict == Status::Failed),
                    "run {run}: the wall time did not flag it: {wall:?}"
                );
            }
            term::info(format_args!(
                "injected slowdown, run {run}/{runs}: NO-GO on read.wildcard native alone, \
                 {:+.2}% instructions",
                change * 100.0
            ));
        }
        Ok(())
    }
}
