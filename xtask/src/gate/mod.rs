//! `cargo xtask gate`: the release gate. Runs the checks of `CHECKS` in order and writes one
//! GO / NO-GO report that CI and release publishing obey.
//!
//! The gate is a table: each check is a `GateCheck` provided by its own command's module
//! (`wheels::GATE_CHECK`, `drift::GATE_CHECK`, `parity::GATE_CHECK`,
//! `parity::rollback::GATE_CHECK`, `bench::GATE_CHECK`),
//! naming the checks it needs, the reports it writes and the function that runs it. The
//! numbering, the required list, the report and the "not run because X did not pass" logic all
//! follow from the table; adding a check is one function in its module plus one entry here.
//!
//! The gate fails closed. Its report says GO only when every check ran to the end and passed;
//! a check that failed, could not run, did not run or ran partially makes it NO-GO, with each
//! reason listed. Before any check starts, every report a check will rewrite is set aside
//! (`report::set_aside`) and the previous gate report is replaced by a NO-GO one saying the run
//! has not finished, so an interrupted gate leaves neither a GO nor a stale "pass" behind.
//!
//! Beside the verdict, the report states the default-backend decision (`decision.rs`), made
//! from this run's evidence only, and every finished run appends its line to
//! `history.jsonl` (`history.rs`), whose last runs gate.md shows as a trend.

pub mod decision;
pub mod history;
pub mod provenance;
mod report;

use std::{
    path::{Path, PathBuf},
    time::{Instant, SystemTime, UNIX_EPOCH},
};

use xshell::{cmd, Shell};

use self::history::History;
pub use self::report::{Check, Report, Verdict};
use self::report::{MarkdownEmitter, TerminalEmitter};
use crate::{
    bench, drift, flags, parity,
    report::{publish_json_and_markdown, render, set_aside, shown, step_summary},
    status::{Conclusion, Status},
    term, version, wheels,
};

/// What a check needs to run: the shell rooted at the project root, and where the gate keeps
/// its inputs and outputs (absolute paths).
pub struct Context<'a> {
    pub sh: &'a Shell,
    pub root: PathBuf,
    pub reports_dir: PathBuf,
    pub wheel_dir: PathBuf,
    /// The tag policy for the native wheel (`--compatibility`).
    pub compatibility: String,
    /// The bench check's baseline revision (`--baseline`); `None` for its default.
    pub baseline: Option<String>,
}

/// One check of the gate.
pub struct GateCheck {
    pub name: &'static str,
    /// What it does, in a few words, for the progress line.
    pub does: &'static str,
    /// The checks that must have passed before this one runs.
    pub needs: &'static [&'static str],
    /// The reports it writes into the reports folder.
    pub reports: &'static [&'static str],
    pub run: fn(&Context<'_>) -> Conclusion,
}

/// The checks, in the order they run; a GO needs every one of them to pass.
pub const CHECKS: [GateCheck; 5] = [
    wheels::GATE_CHECK,
    drift::GATE_CHECK,
    parity::GATE_CHECK,
    parity::rollback::GATE_CHECK,
    bench::GATE_CHECK,
];

impl flags::Gate {
    pub fn run(self, sh: &Shell) -> anyhow::Result<Conclusion> {
        let root = sh.current_dir();
        let ctx = Context {
            sh,
            reports_dir: root.join(&self.reports_dir),
            wheel_dir: root.join(&self.wheel_dir),
            compatibility: self.compatibility,
            baseline: self.baseline,
            root,
        };
        let version = project_version(&ctx.root);
        let commit = commit(sh);
        let dirty = provenance::dirty(sh);
        gate(&ctx, &CHECKS, version, commit, dirty)
    }
}

/// The gate over `table`: sets aside the reports its checks will rewrite, writes the
/// unfinished NO-GO placeholder, runs the checks, and writes the report.
fn gate(
    ctx: &Context<'_>,
    table: &[GateCheck],
    version: String,
    commit: Option<String>,
    dirty: Option<bool>,
) -> anyhow::Result<Conclusion> {
    for check in table {
        set_aside(&ctx.reports_dir, check.reports)?;
    }
    let started = now();
    let environment = provenance::Environment {
        generated_at: provenance::utc_text(started),
        ..provenance::Environment::default()
    };
    let current_default = fs_text(&ctx.root.join(INIT_PY))
        .as_deref()
        .and_then(decision::current_default);
    let placeholder = Report {
        default_backend: Some(decision::DefaultBackend::unfinished(
            current_default.clone().unwrap_or_else(|| "unknown".into()),
        )),
        ..Report::placeholder(version, commit, dirty, environment, started)
    };
    write_reports(ctx, &placeholder, false, History::default())?;

    let checks = run_checks(ctx, table);
    let default_backend = decision::decide(&checks, &ctx.reports_dir, current_default);
    let (verdict, mut reasons, mut status) = decide(table, &checks);
    // The files the checks judged, as they are now; a gate that cannot read them cannot
    // vouch for them.
    let distributions = provenance::distributions(&ctx.wheel_dir).unwrap_or_else(|err| {
        reasons.push(format!("the distributions could not be hashed: {err:#}"));
        status = status.worst(Status::CouldNotRun);
        Vec::new()
    });
    let verdict = if status == Status::Passed {
        verdict
    } else {
        Verdict::NoGo
    };
    let finished_at = now();
    let report = Report {
        verdict,
        finished: true,
        reasons,
        checks,
        distributions,
        generated_at_unix: finished_at,
        // The toolchain as the checks left it: on a fresh clone the dev venv, with maturin, uv
        // and its Python, exists only once the wheels check has made it.
        environment: provenance::environment(ctx.sh, finished_at),
        default_backend: Some(default_backend),
        ..placeholder
    };
    // The history never stops the gate: a line that cannot be appended is a warning.
    let history_file = ctx.reports_dir.join(history::FILE);
    if let Err(err) = history::append(&history_file, &history::line(&report, &ctx.reports_dir)) {
        term::warn(format_args!(
            "gate: {} not appended: {err:#}",
            history::FILE
        ));
    }
    let written = write_reports(ctx, &report, true, history::read(&history_file))?;
    // The migration board is a section of the page: written from the reports the checks just
    // wrote (a board that cannot be written is a warning, and the page says it is missing).
    let board = crate::flags::Status {
        reports_dir: ctx.reports_dir.clone(),
        stale: false,
    };
    if let Err(err) = board.run(ctx.sh) {
        term::warn(format_args!(
            "gate: {} not written: {err:#}",
            crate::migration::JSON
        ));
    }
    crate::report::html::after_gate(ctx.sh, &ctx.root, &ctx.reports_dir);
    eprint!(
        "{}",
        String::from_utf8_lossy(&render(&TerminalEmitter, &report)?)
    );
    let shown: Vec<String> = written.iter().map(|p| shown(&ctx.root, p)).collect();
    let mut reasons = report.reasons;
    if let Some(default) = &report.default_backend {
        reasons.push(format!("default backend: {}", default.headline()));
    }
    Ok(
        Conclusion::new(status, format!("{} ({})", verdict.word(), shown.join(", ")))
            .with_reasons(reasons),
    )
}

/// Where the package states its default backend.
const INIT_PY: &str = "python/dictwalk/__init__.py";

fn fs_text(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

/// Runs the checks in order; a check whose needs did not all pass is not run.
pub fn run_checks(ctx: &Context<'_>, table: &[GateCheck]) -> Vec<Check> {
    let mut done: Vec<Check> = Vec::new();
    for (number, check) in table.iter().enumerate() {
        let unmet: Vec<&str> = check
            .needs
            .iter()
            .copied()
            .filter(|need| {
                !done
                    .iter()
                    .any(|c| c.name == *need && c.status == Status::Passed)
            })
            .collect();
        let started = Instant::now();
        let conclusion = if unmet.is_empty() {
            term::info(format_args!(
                "gate: {}/{} {}: {}",
                number + 1,
                table.len(),
                check.name,
                check.does
            ));
            (check.run)(ctx)
        } else {
            Conclusion::new(
                Status::NotRun,
                format!("not run: {} did not pass", unmet.join(" and ")),
            )
        };
        let reports = if conclusion.status == Status::NotRun {
            Vec::new()
        } else {
            check
                .reports
                .iter()
                .map(|name| shown(&ctx.root, &ctx.reports_dir.join(name)))
                .collect()
        };
        done.push(Check {
            reasons: conclusion.reasons,
            reports,
            seconds: started.elapsed().as_secs_f64(),
            ..Check::new(check.name, conclusion.status, conclusion.summary)
        });
    }
    done
}

/// The verdict, its reasons and the run's status for the checks of `table`. GO needs every
/// check of the table present and passed, and every other check passed too; the status is the
/// worst of them (a check left unrun by a failure leaves the failure as the verdict, exit 1).
pub fn decide(table: &[GateCheck], checks: &[Check]) -> (Verdict, Vec<String>, Status) {
    let mut reasons = Vec::new();
    let mut status = Status::Passed;
    for required in table {
        if !checks.iter().any(|check| check.name == required.name) {
            reasons.push(format!("{}: did not run", required.name));
            status = status.worst(Status::CouldNotRun);
        }
    }
    for check in checks {
        status = status.worst(check.status);
        if check.status == Status::Passed {
            continue;
        }
        reasons.push(format!(
            "{}: {}: {}",
            check.name,
            check.status.label(),
            check.summary
        ));
        reasons.extend(
            check
                .reasons
                .iter()
                .map(|reason| format!("{}: {reason}", check.name)),
        );
    }
    let verdict = if status == Status::Passed {
        Verdict::Go
    } else {
        Verdict::NoGo
    };
    (verdict, reasons, status)
}

/// Writes gate.json and gate.md; `finished` reports also go to CI's step summary.
fn write_reports(
    ctx: &Context<'_>,
    report: &Report,
    finished: bool,
    history: History,
) -> anyhow::Result<Vec<PathBuf>> {
    let summary = step_summary(ctx.sh.var_os("GITHUB_STEP_SUMMARY")).filter(|_| finished);
    publish_json_and_markdown(
        "gate",
        &ctx.reports_dir,
        [report::JSON, report::MARKDOWN],
        report,
        &MarkdownEmitter { history },
        summary.as_deref(),
    )
}

fn project_version(root: &Path) -> String {
    std::fs::read_to_string(root.join(version::PYPROJECT))
        .ok()
        .and_then(|text| version::toml_string(&text, &["project", "version"]).ok())
        .unwrap_or_else(|| "(unknown version)".into())
}

/// HEAD's commit as the gate records it (12 hex digits), or `None` outside a repository.
pub fn commit(sh: &Shell) -> Option<String> {
    head_commit(sh, "--short=12")
}

/// HEAD's full commit, or `None` outside a repository.
pub fn full_commit(sh: &Shell) -> Option<String> {
    head_commit(sh, "--verify")
}

/// `git rev-parse <form> HEAD`, or `None` outside a repository.
fn head_commit(sh: &Shell, form: &str) -> Option<String> {
    let output = cmd!(sh, "git rev-parse {form} HEAD")
        .quiet()
        .ignore_status()
        .ignore_stderr()
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    (output.status.success() && !text.is_empty()).then_some(text)
}

/// HEAD's commit as [`commit`] gives it, for the checkout at `root`.
pub fn commit_at(root: &Path) -> Option<String> {
    let sh = Shell::new().ok()?;
    sh.change_dir(root);
    commit(&sh)
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

#[cfg(test)]
mod tests {
    use std::{cell::RefCell, fs};

    use super::*;

    fn passed(name: &str) -> Check {
        Check::new(name, Status::Passed, "fine")
    }

    /// A gate context over a fresh folder.
    fn context<'a>(sh: &'a Shell, dir: &Path) -> Context<'a> {
        Context {
            sh,
            root: dir.to_path_buf(),
            reports_dir: dir.join("reports"),
            wheel_dir: dir.join("wheels"),
            compatibility: "manylinux2014".into(),
            baseline: None,
        }
    }

    #[test]
    fn the_table_is_well_formed() {
        for (i, check) in CHECKS.iter().enumerate() {
            assert!(
                CHECKS.iter().filter(|c| c.name == check.name).count() == 1,
                "{} is in the table twice",
                check.name
            );
            for need in check.needs {
                assert!(
                    CHECKS[..i].iter().any(|c| c.name == *need),
                    "{} needs {need}, which does not run before it",
                    check.name
                );
            }
        }
        let mut reports: Vec<&str> = CHECKS
            .iter()
            .flat_map(|c| c.reports.iter().copied())
            .collect();
        reports.extend([report::JSON, report::MARKDOWN]);
        let count = reports.len();
        reports.sort_unstable();
        reports.dedup();
        assert_eq!(reports.len(), count, "two checks write one report");
    }

    #[test]
    fn every_check_passed_is_go() {
        let checks: Vec<Check> = CHECKS.iter().map(|c| passed(c.name)).collect();
        let (verdict, reasons, status) = decide(&CHECKS, &checks);
        assert_eq!((verdict, status), (Verdict::Go, Status::Passed));
        assert!(reasons.is_empty());
    }

    #[test]
    fn a_missing_check_is_no_go_and_named() {
        let checks = vec![passed("wheels"), passed("drift")];
        let (verdict, reasons, status) = decide(&CHECKS, &checks);
        assert_eq!((verdict, status), (Verdict::NoGo, Status::CouldNotRun));
        assert_eq!(
            reasons,
            [
                "parity: did not run",
                "rollback: did not run",
                "bench: did not run"
            ]
        );
    }

    #[test]
    fn nothing_at_all_is_no_go() {
        let (verdict, reasons, _) = decide(&CHECKS, &[]);
        assert_eq!(verdict, Verdict::NoGo);
        assert_eq!(reasons.len(), CHECKS.len());
    }

    #[test]
    fn a_failed_check_is_no_go_with_its_reasons() {
        let mut parity = Check::new("parity", Status::Failed, "2 failing cases");
        parity.reasons.push("rust: case 'a' differs".into());
        let checks = vec![
            passed("wheels"),
            passed("drift"),
            parity,
            passed("rollback"),
            passed("bench"),
        ];
        let (verdict, reasons, status) = decide(&CHECKS, &checks);
        assert_eq!((verdict, status), (Verdict::NoGo, Status::Failed));
        assert_eq!(
            reasons,
            [
                "parity: FAILED: 2 failing cases",
                "parity: rust: case 'a' differs"
            ]
        );
    }

    #[test]
    fn a_check_that_could_not_run_is_no_go_exit_2() {
        let checks = vec![
            passed("wheels"),
            Check::new("drift", Status::CouldNotRun, "no native wheel"),
            passed("parity"),
        ];
        let (verdict, _, status) = decide(&CHECKS, &checks);
        assert_eq!((verdict, status), (Verdict::NoGo, Status::CouldNotRun));
    }

    #[test]
    fn an_inconclusive_check_is_no_go() {
        let checks: Vec<Check> = CHECKS
            .iter()
            .map(|c| match c.name {
                "bench" => Check::new("bench", Status::Inconclusive, "the A/A control flagged"),
                name => passed(name),
            })
            .collect();
        let (verdict, reasons, status) = decide(&CHECKS, &checks);
        assert_eq!((verdict, status), (Verdict::NoGo, Status::Inconclusive));
        assert_eq!(reasons.len(), 1, "{reasons:?}");
    }

    #[test]
    fn an_extra_check_must_pass_too() {
        let mut checks: Vec<Check> = CHECKS.iter().map(|c| passed(c.name)).collect();
        checks.push(Check::new("extra", Status::Failed, "a target not met"));
        assert_eq!(decide(&CHECKS, &checks).0, Verdict::NoGo);
    }

    thread_local! {
        /// What the fake checks below were asked to do, in order.
        static RAN: RefCell<Vec<&'static str>> = const { RefCell::new(Vec::new()) };
    }

    fn fake(name: &'static str, status: Status) -> Conclusion {
        RAN.with(|ran| ran.borrow_mut().push(name));
        Conclusion::new(status, format!("{name} says {}", status.label()))
    }

    const FAKES: [GateCheck; 4] = [
        GateCheck {
            name: "build",
            does: "build",
            needs: &[],
            reports: &["build.json"],
            run: |_| fake("build", Status::Passed),
        },
        GateCheck {
            name: "compare",
            does: "compare",
            needs: &["build"],
            reports: &["compare.json"],
            run: |_| fake("compare", Status::Failed),
        },
        GateCheck {
            name: "judge",
            does: "judge",
            needs: &["build", "compare"],
            reports: &["judge.json"],
            run: |_| fake("judge", Status::Passed),
        },
        GateCheck {
            name: "lint",
            does: "lint",
            needs: &["build"],
            reports: &[],
            run: |_| fake("lint", Status::Passed),
        },
    ];

    #[test]
    fn a_check_runs_only_when_what_it_needs_passed() -> anyhow::Result<()> {
        let sh = Shell::new()?;
        let dir = tempfile::tempdir()?;
        let ctx = context(&sh, dir.path());
        RAN.with(|ran| ran.borrow_mut().clear());
        let checks = run_checks(&ctx, &FAKES);
        assert_eq!(
            RAN.with(|ran| ran.borrow().clone()),
            ["build", "compare", "lint"]
        );
        let statuses: Vec<(&str, Status)> =
            checks.iter().map(|c| (c.name.as_str(), c.status)).collect();
        assert_eq!(
            statuses,
            [
                ("build", Status::Passed),
                ("compare", Status::Failed),
                ("judge", Status::NotRun),
                ("lint", Status::Passed),
            ]
        );
        assert_eq!(checks[2].summary, "not run: compare did not pass");
        assert!(checks[2].reports.is_empty(), "an unrun check wrote nothing");
        assert_eq!(checks[0].reports, ["reports/build.json"]);
        // The failure is the verdict: exit 1, not "could not run".
        let (verdict, _, status) = decide(&FAKES, &checks);
        assert_eq!((verdict, status), (Verdict::NoGo, Status::Failed));
        Ok(())
    }

    thread_local! {
        /// What a check saw in the reports folder while it ran: (gate.json, build.json there?).
        static SEEN: RefCell<Option<(serde_json::Value, bool)>> = const { RefCell::new(None) };
    }

    fn look(ctx: &Context<'_>) -> Conclusion {
        let gate = fs::read(ctx.reports_dir.join(report::JSON))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        let stale = ctx.reports_dir.join("build.json").exists();
        SEEN.with(|seen| *seen.borrow_mut() = Some((gate, stale)));
        Conclusion::new(Status::Passed, "looked")
    }

    #[test]
    fn while_checks_run_the_gate_says_unfinished_no_go_and_old_reports_are_aside(
    ) -> anyhow::Result<()> {
        let sh = Shell::new()?;
        let dir = tempfile::tempdir()?;
        let ctx = context(&sh, dir.path());
        // An earlier run's reports: a GO and a passing check report.
        fs::create_dir_all(&ctx.reports_dir)?;
        fs::write(ctx.reports_dir.join(report::JSON), r#"{"verdict": "GO"}"#)?;
        fs::write(ctx.reports_dir.join("build.json"), "old pass")?;
        let table = [GateCheck {
            name: "build",
            does: "look at the reports",
            needs: &[],
            reports: &["build.json"],
            run: look,
        }];
        fs::create_dir_all(&ctx.wheel_dir)?;
        fs::write(ctx.wheel_dir.join("dictwalk-3.0.0a1.tar.gz"), b"")?;
        let conclusion = gate(
            &ctx,
            &table,
            "3.0.0a1".into(),
            Some("abc".into()),
            Some(false),
        )?;

        let (during, stale) = SEEN
            .with(|seen| seen.borrow_mut().take())
            .unwrap_or_default();
        assert_eq!(during["verdict"], "NO-GO");
        assert_eq!(during["finished"], false);
        assert!(!stale, "the old check report sat where a reader looks");
        let aside = ctx
            .reports_dir
            .join(crate::report::NOT_CURRENT)
            .join("build.json");
        assert_eq!(
            fs::read_to_string(aside)?,
            "old pass",
            "the last report is kept"
        );

        assert_eq!(conclusion.status, Status::Passed);
        let after: serde_json::Value =
            serde_json::from_slice(&fs::read(ctx.reports_dir.join(report::JSON))?)?;
        assert_eq!(
            (after["verdict"].as_str(), after["finished"].as_bool()),
            (Some("GO"), Some(true))
        );
        // The files judged, by name and hash, and when.
        assert_eq!(after["dirty"], false);
        assert_eq!(
            after["distributions"],
            serde_json::json!([{"file": "dictwalk-3.0.0a1.tar.gz",
                "sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}])
        );
        let when = after["environment"]["generated_at"].as_str().unwrap_or("");
        assert!(when.starts_with("20") && when.ends_with('Z'), "{when}");
        let md = fs::read_to_string(ctx.reports_dir.join(report::MARKDOWN))?;
        assert!(md.starts_with("# Release gate: ✅ GO"), "{md}");
        Ok(())
    }
}
