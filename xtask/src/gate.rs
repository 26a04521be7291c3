//! `cargo xtask gate`: the release gate. Builds the wheels, runs drift and parity on them, and
//! writes one GO / NO-GO report that CI and release publishing obey.
//!
//! The gate fails closed. Its report says GO only when every required check ran to the end
//! and passed; a check that failed, could not run, did not run or ran partially makes it
//! NO-GO, with each reason listed. Before any check starts, the previous report is replaced
//! by a NO-GO one saying the run has not finished, so an interrupted gate never leaves a
//! report that claims success.

use std::{
    fmt::Write as _,
    path::{Path, PathBuf},
    time::{Instant, SystemTime, UNIX_EPOCH},
};

use serde::Serialize;
use xshell::{cmd, Shell};

use crate::{
    atomic, drift, flags,
    outcome::Outcome,
    parity,
    report::Verdict as DriftVerdict,
    term::{self, Style},
    version,
};

/// The version of gate.json's layout.
pub const SCHEMA_VERSION: u32 = 1;

/// The checks a GO needs, in the order they run.
pub const REQUIRED: [&str; 3] = ["wheels", "drift", "parity"];

/// How one check went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Passed,
    Failed,
    /// It started but could not reach a verdict (setup failed, a backend could not start).
    CouldNotRun,
    /// It was not started, because a check it needs did not pass.
    NotRun,
}

impl Status {
    fn label(self) -> &'static str {
        match self {
            Status::Passed => "passed",
            Status::Failed => "FAILED",
            Status::CouldNotRun => "COULD NOT RUN",
            Status::NotRun => "NOT RUN",
        }
    }

    fn of_outcome(outcome: Outcome) -> Status {
        match outcome {
            Outcome::Pass => Status::Passed,
            Outcome::Fail => Status::Failed,
            Outcome::CannotRun | Outcome::Inconclusive => Status::CouldNotRun,
        }
    }
}

/// One check of the gate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub name: String,
    pub status: Status,
    /// One line: what it found.
    pub summary: String,
    /// Why it did not pass, one line each.
    pub reasons: Vec<String>,
    /// The reports it wrote, relative to the project root.
    pub reports: Vec<String>,
    pub seconds: f64,
}

impl Check {
    fn new(name: &str, status: Status, summary: impl Into<String>) -> Check {
        Check {
            name: name.to_owned(),
            status,
            summary: summary.into(),
            reasons: Vec::new(),
            reports: Vec::new(),
            seconds: 0.0,
        }
    }

    fn not_run(name: &str, because: &str) -> Check {
        Check::new(name, Status::NotRun, format!("not run: {because}"))
    }
}

/// GO or NO-GO.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Verdict {
    #[serde(rename = "GO")]
    Go,
    #[serde(rename = "NO-GO")]
    NoGo,
}

/// gate.json.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub verdict: Verdict,
    /// False in the placeholder written when the run starts.
    pub finished: bool,
    pub version: String,
    pub commit: Option<String>,
    pub generated_at_unix: u64,
    /// Why the verdict is NO-GO, one line each; empty for GO.
    pub reasons: Vec<String>,
    pub checks: Vec<Check>,
}

/// The verdict, its reasons and the exit outcome for a set of checks. GO needs every required
/// check present and passed, and every other check passed too.
pub fn decide(checks: &[Check]) -> (Verdict, Vec<String>, Outcome) {
    let mut reasons = Vec::new();
    let mut outcome = Outcome::Pass;
    for name in REQUIRED {
        if !checks.iter().any(|check| check.name == name) {
            reasons.push(format!("{name}: did not run"));
            outcome = outcome.worst(Outcome::CannotRun);
        }
    }
    for check in checks {
        let worst = match check.status {
            Status::Passed => continue,
            Status::Failed => Outcome::Fail,
            Status::CouldNotRun | Status::NotRun => Outcome::CannotRun,
        };
        outcome = outcome.worst(worst);
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
    // A check that reached a failure while a later one could not start is still a NO-GO that
    // some check decided: report it as a failure, not as "could not run".
    if outcome == Outcome::CannotRun
        && checks.iter().any(|c| c.status == Status::Failed)
        && !checks.iter().any(|c| c.status == Status::CouldNotRun)
    {
        outcome = Outcome::Fail;
    }
    let verdict = if outcome == Outcome::Pass {
        Verdict::Go
    } else {
        Verdict::NoGo
    };
    (verdict, reasons, outcome)
}

impl flags::Gate {
    pub fn run(self, sh: &Shell) -> anyhow::Result<Outcome> {
        let root = sh.current_dir();
        let reports_dir = root.join(&self.reports);
        let version = project_version(&root);
        let commit = commit(sh);
        let placeholder = Report {
            schema_version: SCHEMA_VERSION,
            verdict: Verdict::NoGo,
            finished: false,
            version: version.clone(),
            commit: commit.clone(),
            generated_at_unix: now(),
            reasons: vec!["the gate has not finished: it is running, or it was interrupted".into()],
            checks: Vec::new(),
        };
        write_reports(&placeholder, &reports_dir)?;

        let checks = run_checks(sh, &root, &reports_dir, &self);
        let (verdict, reasons, outcome) = decide(&checks);
        let report = Report {
            schema_version: SCHEMA_VERSION,
            verdict,
            finished: true,
            version,
            commit,
            generated_at_unix: now(),
            reasons,
            checks,
        };
        write_reports(&report, &reports_dir)?;
        if let Some(summary) = sh.var_os("GITHUB_STEP_SUMMARY").filter(|v| !v.is_empty()) {
            atomic::append(&PathBuf::from(summary), markdown(&report).as_bytes())?;
        }
        eprint!("{}", terminal(&report));
        Ok(outcome)
    }
}

/// Runs the checks in order; a check that the next ones need and that did not pass leaves
/// them not run.
fn run_checks(sh: &Shell, root: &Path, reports_dir: &Path, options: &flags::Gate) -> Vec<Check> {
    let mut checks = Vec::new();
    let wheel_dir = root.join(flags::DEFAULT_WHEEL_DIR);

    term::info("gate: 1/3 wheels: build the sdist, the pure and the native wheel, smoke-test them");
    let started = Instant::now();
    let wheels = flags::Wheels {
        out: PathBuf::from(flags::DEFAULT_WHEEL_DIR),
        compatibility: options.compatibility.clone(),
        no_smoke: false,
    };
    let mut check = match wheels.run(sh) {
        Ok(outcome) => Check::new(
            "wheels",
            Status::of_outcome(outcome),
            match outcome {
                Outcome::Pass => {
                    "built the sdist, the pure and the native wheel; every smoke test passed"
                }
                _ => "a smoke test failed (see its output above)",
            },
        ),
        Err(err) => {
            let mut check = Check::new("wheels", Status::CouldNotRun, "the build could not run");
            check.reasons.push(format!("{err:#}"));
            check
        }
    };
    check.seconds = started.elapsed().as_secs_f64();
    let wheels_ok = check.status == Status::Passed;
    checks.push(check);
    if !wheels_ok {
        checks.push(Check::not_run(
            "drift",
            "the wheels were not built and smoke-tested",
        ));
        checks.push(Check::not_run(
            "parity",
            "the wheels were not built and smoke-tested",
        ));
        return checks;
    }

    term::info("gate: 2/3 drift: compare the wheel families and the sdist");
    let started = Instant::now();
    let report = drift::check(sh, &wheel_dir, false);
    let mut check = drift_check(&report);
    if let Err(err) = drift::publish(&report, reports_dir, sh) {
        check.status = Status::CouldNotRun;
        check
            .reasons
            .push(format!("write the drift reports: {err:#}"));
    }
    check.reports = report_paths(root, reports_dir, &["drift.json", "drift.md"]);
    check.seconds = started.elapsed().as_secs_f64();
    checks.push(check);

    term::info("gate: 3/3 parity: the whole corpus on python, rust, core and legacy");
    let started = Instant::now();
    let (outcome, summary, reasons) = parity::for_gate(sh, reports_dir);
    let mut check = Check::from_parts("parity", outcome, summary, reasons);
    check.reports = report_paths(
        root,
        reports_dir,
        &["parity.json", "parity.md", "junit.xml"],
    );
    check.seconds = started.elapsed().as_secs_f64();
    checks.push(check);
    checks
}

fn drift_check(report: &crate::report::Report) -> Check {
    let findings = report.findings.len();
    let (status, summary) = match report.verdict {
        DriftVerdict::NoDrift => (
            Status::Passed,
            "no drift between the wheel families and the sdist".to_owned(),
        ),
        DriftVerdict::Drift => (Status::Failed, format!("{findings} difference(s) found")),
        DriftVerdict::CouldNotRun => (
            Status::CouldNotRun,
            "the comparison could not run".to_owned(),
        ),
    };
    let mut check = Check::new("drift", status, summary);
    check.reasons.extend(report.problems.iter().cloned());
    check
        .reasons
        .extend(report.findings.iter().take(20).map(|finding| {
            format!(
                "{} {}: {}",
                finding.check.name(),
                finding.subject,
                finding.message
            )
        }));
    if findings > 20 {
        check
            .reasons
            .push(format!("… {} more in reports/drift.md", findings - 20));
    }
    check
}

impl Check {
    /// A check from a verdict reached elsewhere (the parity run).
    pub fn from_parts(
        name: &str,
        outcome: Outcome,
        summary: impl Into<String>,
        reasons: Vec<String>,
    ) -> Check {
        let mut check = Check::new(name, Status::of_outcome(outcome), summary);
        check.reasons = reasons;
        check
    }
}

fn report_paths(root: &Path, reports_dir: &Path, names: &[&str]) -> Vec<String> {
    names
        .iter()
        .map(|name| {
            let path = reports_dir.join(name);
            path.strip_prefix(root)
                .unwrap_or(&path)
                .display()
                .to_string()
        })
        .collect()
}

fn write_reports(report: &Report, reports_dir: &Path) -> anyhow::Result<()> {
    let mut json = serde_json::to_vec_pretty(report)?;
    json.push(b'\n');
    atomic::write(&reports_dir.join("gate.json"), &json)?;
    atomic::write(&reports_dir.join("gate.md"), markdown(report).as_bytes())?;
    Ok(())
}

fn verdict_word(report: &Report) -> &'static str {
    match report.verdict {
        Verdict::Go => "GO",
        Verdict::NoGo => "NO-GO",
    }
}

/// gate.md: the verdict first, then its reasons, then the checks.
pub fn markdown(report: &Report) -> String {
    let mut out = String::new();
    let mark = match report.verdict {
        Verdict::Go => "✅",
        Verdict::NoGo => "⛔",
    };
    let _ = writeln!(out, "# Release gate: {mark} {}\n", verdict_word(report));
    let commit = report.commit.as_deref().unwrap_or("unknown commit");
    let _ = writeln!(out, "dictwalk {} at `{commit}`.\n", report.version);
    if !report.reasons.is_empty() {
        let _ = writeln!(out, "## Why NO-GO\n");
        for reason in &report.reasons {
            let _ = writeln!(out, "- {}", reason.replace('\n', " "));
        }
        out.push('\n');
    }
    if !report.checks.is_empty() {
        let _ = writeln!(out, "## Checks\n");
        let _ = writeln!(out, "| check | status | summary | time | reports |");
        let _ = writeln!(out, "|---|---|---|---:|---|");
        for check in &report.checks {
            let reports = check
                .reports
                .iter()
                .map(|path| format!("`{path}`"))
                .collect::<Vec<_>>()
                .join(" ");
            let _ = writeln!(
                out,
                "| {} | {} | {} | {:.0} s | {} |",
                check.name,
                check.status.label(),
                check.summary.replace('|', "\\|"),
                check.seconds,
                reports
            );
        }
    }
    out
}

/// The closing lines on the terminal.
fn terminal(report: &Report) -> String {
    let mut out = String::new();
    for check in &report.checks {
        let style = if check.status == Status::Passed {
            Style::Green
        } else {
            Style::Red
        };
        let _ = writeln!(
            out,
            "xtask: gate: {:<7} {} ({:.0} s): {}",
            check.name,
            term::paint(style, check.status.label()),
            check.seconds,
            check.summary
        );
    }
    for reason in &report.reasons {
        let _ = writeln!(out, "xtask: gate:   - {reason}");
    }
    let style = match report.verdict {
        Verdict::Go => Style::Green,
        Verdict::NoGo => Style::Red,
    };
    let _ = writeln!(
        out,
        "xtask: gate: {} (reports/gate.md, reports/gate.json)",
        term::paint(style, verdict_word(report))
    );
    out
}

fn project_version(root: &Path) -> String {
    std::fs::read_to_string(root.join(version::PYPROJECT))
        .ok()
        .and_then(|text| version::toml_string(&text, &["project", "version"]).ok())
        .unwrap_or_else(|| "(unknown version)".into())
}

fn commit(sh: &Shell) -> Option<String> {
    let output = cmd!(sh, "git rev-parse --short=12 HEAD")
        .quiet()
        .ignore_status()
        .ignore_stderr()
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    (output.status.success() && !text.is_empty()).then_some(text)
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passed(name: &str) -> Check {
        Check::new(name, Status::Passed, "fine")
    }

    #[test]
    fn every_required_check_passed_is_go() {
        let checks: Vec<Check> = REQUIRED.iter().map(|name| passed(name)).collect();
        let (verdict, reasons, outcome) = decide(&checks);
        assert_eq!((verdict, outcome), (Verdict::Go, Outcome::Pass));
        assert!(reasons.is_empty());
    }

    #[test]
    fn a_missing_check_is_no_go_and_named() {
        let checks = vec![passed("wheels"), passed("drift")];
        let (verdict, reasons, outcome) = decide(&checks);
        assert_eq!((verdict, outcome), (Verdict::NoGo, Outcome::CannotRun));
        assert_eq!(reasons, ["parity: did not run"]);
    }

    #[test]
    fn nothing_at_all_is_no_go() {
        let (verdict, reasons, _) = decide(&[]);
        assert_eq!(verdict, Verdict::NoGo);
        assert_eq!(reasons.len(), REQUIRED.len());
    }

    #[test]
    fn a_failed_check_is_no_go_with_its_reasons() {
        let mut parity = Check::new("parity", Status::Failed, "2 failing cases");
        parity.reasons.push("rust: case 'a' differs".into());
        let checks = vec![passed("wheels"), passed("drift"), parity];
        let (verdict, reasons, outcome) = decide(&checks);
        assert_eq!((verdict, outcome), (Verdict::NoGo, Outcome::Fail));
        assert_eq!(
            reasons,
            [
                "parity: FAILED: 2 failing cases",
                "parity: rust: case 'a' differs"
            ]
        );
    }

    #[test]
    fn checks_left_unrun_after_a_failure_are_no_go_exit_1() {
        let checks = vec![
            Check::new("wheels", Status::Failed, "a smoke test failed"),
            Check::not_run("drift", "no wheels"),
            Check::not_run("parity", "no wheels"),
        ];
        let (verdict, reasons, outcome) = decide(&checks);
        assert_eq!((verdict, outcome), (Verdict::NoGo, Outcome::Fail));
        assert_eq!(reasons.len(), 3);
    }

    #[test]
    fn a_check_that_could_not_run_is_no_go_exit_2() {
        let checks = vec![
            passed("wheels"),
            Check::new("drift", Status::CouldNotRun, "no native wheel"),
            passed("parity"),
        ];
        let (verdict, _, outcome) = decide(&checks);
        assert_eq!((verdict, outcome), (Verdict::NoGo, Outcome::CannotRun));
    }

    #[test]
    fn an_extra_check_must_pass_too() {
        let mut checks: Vec<Check> = REQUIRED.iter().map(|name| passed(name)).collect();
        checks.push(Check::new("bench", Status::Failed, "a target not met"));
        assert_eq!(decide(&checks).0, Verdict::NoGo);
    }

    #[test]
    fn the_placeholder_report_says_no_go_and_unfinished() {
        let report = Report {
            schema_version: SCHEMA_VERSION,
            verdict: Verdict::NoGo,
            finished: false,
            version: "3.0.0a1".into(),
            commit: Some("abc".into()),
            generated_at_unix: 0,
            reasons: vec!["the gate has not finished: it is running, or it was interrupted".into()],
            checks: Vec::new(),
        };
        let json = serde_json::to_value(&report).ok();
        assert_eq!(
            json.as_ref()
                .and_then(|v| v.get("verdict"))
                .and_then(|v| v.as_str()),
            Some("NO-GO")
        );
        let md = markdown(&report);
        assert!(md.starts_with("# Release gate: ⛔ NO-GO"), "{md}");
        assert!(md.contains("has not finished"), "{md}");
    }

    #[test]
    fn markdown_lists_checks_and_reasons() {
        let mut parity = Check::new("parity", Status::Failed, "1 failing case | rust");
        parity.reports.push("reports/parity.md".into());
        let checks = vec![passed("wheels"), passed("drift"), parity];
        let (verdict, reasons, _) = decide(&checks);
        let report = Report {
            schema_version: SCHEMA_VERSION,
            verdict,
            finished: true,
            version: "3.0.0a1".into(),
            commit: None,
            generated_at_unix: 0,
            reasons,
            checks,
        };
        insta::assert_snapshot!(markdown(&report));
    }
}
