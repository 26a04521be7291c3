//! The default-backend decision of the gate report: may the native backend be dictwalk's
//! default? It is computed from the evidence of this gate run alone: parity complete with no
//! case failing on rust, every benchmark target of bench.json met, no drift between the wheel
//! families, and the rollback rehearsal passed (with the native wheel installed,
//! `DICTWALK_BACKEND=python` runs the whole corpus on the reference). Evidence that is missing
//! (a check that did not run, a report that cannot be read) is not met, and any evidence not
//! met gives `keep`, never `switch`.

use std::{fs, path::Path};

use serde::{Deserialize, Serialize};

use super::report::Check;
use crate::{report::schema, status::Status};

/// What the gate proposes as the default.
pub const PROPOSED: &str = "rust";

/// Switch to the native backend as the default, or keep the current default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Switch,
    Keep,
}

impl Decision {
    pub fn word(self) -> &'static str {
        match self {
            Decision::Switch => "switch",
            Decision::Keep => "keep",
        }
    }
}

/// gate.json's `default_backend`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DefaultBackend {
    pub decision: Decision,
    /// The default the package states for DICTWALK_BACKEND (`auto`: the native backend where
    /// its module imports, else the reference), or `unknown`.
    pub current: String,
    pub proposed: String,
    /// Why, one line each.
    pub reasons: Vec<String>,
    pub evidence: Vec<Evidence>,
}

/// One piece of evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub name: String,
    pub met: bool,
    pub detail: String,
}

impl Evidence {
    fn new(name: &str, met: bool, detail: impl Into<String>) -> Evidence {
        Evidence {
            name: name.to_owned(),
            met,
            detail: detail.into(),
        }
    }
}

impl DefaultBackend {
    /// The placeholder's: nothing is known yet.
    pub fn unfinished(current: String) -> DefaultBackend {
        DefaultBackend {
            decision: Decision::Keep,
            current,
            proposed: PROPOSED.into(),
            reasons: vec!["the gate has not finished, so there is no evidence yet".into()],
            evidence: Vec::new(),
        }
    }

    /// How many pieces of evidence are met, of how many.
    pub fn met(&self) -> (usize, usize) {
        (
            self.evidence.iter().filter(|e| e.met).count(),
            self.evidence.len(),
        )
    }

    /// One line for the first lines of gate.md and the closing reasons.
    pub fn headline(&self) -> String {
        let (met, all) = self.met();
        match self.decision {
            Decision::Switch => format!(
                "switch: {} may be the default backend ({met} of {all} pieces of evidence met)",
                self.proposed
            ),
            Decision::Keep => format!(
                "keep the current default ({}) : {met} of {all} pieces of evidence met",
                self.current
            )
            .replace(") :", "):"),
        }
    }
}

/// The parts of parity.json the decision reads.
#[derive(Deserialize)]
struct ParityReport {
    schema_version: u32,
    run: ParityRun,
    backends: Vec<ParityBackend>,
}

#[derive(Deserialize)]
struct ParityRun {
    corpus_cases: usize,
}

#[derive(Deserialize)]
struct ParityBackend {
    backend: String,
    state: String,
    counts: Counts,
}

/// A backend's counts in parity.json (`parity::model::Counts`).
#[derive(Deserialize)]
struct Counts {
    cases: usize,
    pass: usize,
    fail: usize,
    mutated: usize,
    declared: usize,
    stale: usize,
    not_applicable: usize,
    not_run: usize,
}

/// The parts of bench.json the decision reads.
#[derive(Deserialize)]
struct BenchReport {
    schema_version: u32,
    targets: Vec<Target>,
}

#[derive(Deserialize)]
struct Target {
    name: String,
    verdict: String,
    #[serde(default)]
    why: String,
}

/// A report as `T`, checking its schema version; `Err` is the one-line reason.
fn read<T: for<'de> Deserialize<'de>>(
    path: &Path,
    shown: &str,
    version: u32,
    schema_of: fn(&T) -> u32,
) -> Result<T, String> {
    let bytes = fs::read(path).map_err(|err| format!("{shown} cannot be read: {err}"))?;
    let report: T =
        serde_json::from_slice(&bytes).map_err(|err| format!("{shown} is unreadable: {err}"))?;
    let found = schema_of(&report);
    if found == version {
        Ok(report)
    } else {
        Err(format!(
            "{shown} has schema_version {found}; this xtask reads {version}"
        ))
    }
}

/// The check named `name` of this run, when it passed; else why not, as missing evidence.
fn passed<'a>(checks: &'a [Check], name: &str) -> Result<&'a Check, String> {
    match checks.iter().find(|c| c.name == name) {
        None => Err(format!("missing: the {name} check did not run")),
        Some(check) if check.status == Status::Passed => Ok(check),
        Some(check) => Err(format!(
            "the {name} check is {}: {}",
            check.status.label(),
            check.summary
        )),
    }
}

fn parity_evidence(checks: &[Check], reports_dir: &Path) -> Evidence {
    const NAME: &str = "parity";
    let judged = passed(checks, NAME).and_then(|_| {
        let report: ParityReport = read(
            &reports_dir.join("parity.json"),
            "parity.json",
            schema::PARITY,
            |r: &ParityReport| r.schema_version,
        )?;
        let rust = report
            .backends
            .iter()
            .find(|b| b.backend == PROPOSED)
            .ok_or_else(|| format!("missing: parity.json has no {PROPOSED} backend"))?;
        let c = &rust.counts;
        let failing = c.fail + c.mutated + c.stale;
        let detail = format!(
            "{} of {} corpus cases ran on {PROPOSED}: {} passing, {failing} failing, {} declared, \
             {} n/a, {} not run",
            c.cases, report.run.corpus_cases, c.pass, c.declared, c.not_applicable, c.not_run
        );
        // The default must give the reference's answer on every case, with nothing excused.
        let complete = rust.state == "complete" && c.cases == report.run.corpus_cases;
        Ok((complete && c.pass == c.cases, detail))
    });
    match judged {
        Ok((met, detail)) => Evidence::new(NAME, met, detail),
        Err(why) => Evidence::new(NAME, false, why),
    }
}

fn bench_evidence(checks: &[Check], reports_dir: &Path) -> Evidence {
    const NAME: &str = "bench-targets";
    // The bench check may fail on a regression and still have measured the targets; the
    // targets are judged from its report, which exists only if it ran in this gate.
    let ran = match checks.iter().find(|c| c.name == "bench") {
        None => Err("missing: the bench check did not run".to_owned()),
        Some(check) if check.status == Status::NotRun => {
            Err(format!("missing: the bench check {}", check.summary))
        }
        Some(_) => Ok(()),
    };
    let judged = ran.and_then(|()| {
        let report: BenchReport = read(
            &reports_dir.join("bench.json"),
            "bench.json",
            schema::BENCH,
            |r: &BenchReport| r.schema_version,
        )?;
        if report.targets.is_empty() {
            return Err("missing: bench.json states no target".into());
        }
        let unmet: Vec<String> = report
            .targets
            .iter()
            .filter(|t| t.verdict != "GO")
            .map(|t| format!("{} {}: {}", t.name, t.verdict, t.why))
            .collect();
        let all = report.targets.len();
        Ok(if unmet.is_empty() {
            (true, format!("all {all} targets met"))
        } else {
            (
                false,
                format!(
                    "{} of {all} targets met; {}",
                    all - unmet.len(),
                    unmet.join("; ")
                ),
            )
        })
    });
    match judged {
        Ok((met, detail)) => Evidence::new(NAME, met, detail),
        Err(why) => Evidence::new(NAME, false, why),
    }
}

fn check_evidence(checks: &[Check], name: &str) -> Evidence {
    match passed(checks, name) {
        Ok(check) => Evidence::new(name, true, check.summary.clone()),
        Err(why) => Evidence::new(name, false, why),
    }
}

/// The decision from this run's checks and the reports they wrote into `reports_dir`.
/// `current` is the default the code states, `None` when it cannot be read.
pub fn decide(checks: &[Check], reports_dir: &Path, current: Option<String>) -> DefaultBackend {
    let evidence = vec![
        parity_evidence(checks, reports_dir),
        bench_evidence(checks, reports_dir),
        check_evidence(checks, "drift"),
        check_evidence(checks, "rollback"),
    ];
    let mut reasons: Vec<String> = evidence
        .iter()
        .filter(|e| !e.met)
        .map(|e| format!("{}: not met: {}", e.name, e.detail))
        .collect();
    if current.is_none() {
        reasons.push("the current default could not be read from the package".into());
    }
    if !reasons.is_empty() {
        if let Some(current) = current.as_deref().filter(|c| runs_proposed(c)) {
            reasons.push(format!(
                "the package's default `{current}` already runs {PROPOSED} wherever the native \
                 module imports, ahead of this evidence"
            ));
        }
    }
    let decision = if reasons.is_empty() {
        let names: Vec<&str> = evidence.iter().map(|e| e.name.as_str()).collect();
        reasons.push(format!(
            "every piece of evidence is met: {}",
            names.join(", ")
        ));
        Decision::Switch
    } else {
        Decision::Keep
    };
    DefaultBackend {
        decision,
        current: current.unwrap_or_else(|| "unknown".into()),
        proposed: PROPOSED.into(),
        reasons,
        evidence,
    }
}

/// The default DICTWALK_BACKEND, as python/dictwalk/__init__.py states it
/// (`os.environ.get("DICTWALK_BACKEND", "<default>")`).
pub fn current_default(init_py: &str) -> Option<String> {
    let marker = "os.environ.get(\"DICTWALK_BACKEND\", \"";
    let start = init_py.find(marker)? + marker.len();
    let end = init_py[start..].find('"')?;
    Some(&init_py[start..start + end])
        .filter(|default| !default.is_empty())
        .map(str::to_owned)
}

/// Whether the package's default already runs the proposed backend where it is installed:
/// `auto` picks the native backend wherever its module imports.
fn runs_proposed(current: &str) -> bool {
    current == PROPOSED || current == "auto"
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn check(name: &str, status: Status) -> Check {
        Check::new(name, status, format!("{name} summary"))
    }

    fn all_passed() -> Vec<Check> {
        ["wheels", "drift", "parity", "rollback", "bench"]
            .into_iter()
            .map(|n| check(n, Status::Passed))
            .collect()
    }

    fn write(dir: &Path, name: &str, value: &serde_json::Value) {
        fs::write(dir.join(name), value.to_string()).expect("write a report");
    }

    fn parity(fail: usize) -> serde_json::Value {
        json!({"schema_version": 1, "run": {"corpus_cases": 10},
               "backends": [{"backend": "rust", "state": "complete",
                             "counts": {"cases": 10, "pass": 10 - fail, "fail": fail, "mutated": 0,
                                        "declared": 0, "stale": 0, "not_applicable": 0, "not_run": 0}}]})
    }

    fn bench(verdicts: &[&str]) -> serde_json::Value {
        let targets: Vec<_> = verdicts
            .iter()
            .enumerate()
            .map(|(i, v)| json!({"name": format!("t{i}"), "verdict": v, "why": "short"}))
            .collect();
        json!({"schema_version": 1, "targets": targets})
    }

    #[test]
    fn all_evidence_met_is_switch() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        write(dir.path(), "parity.json", &parity(0));
        write(dir.path(), "bench.json", &bench(&["GO", "GO"]));
        let decided = decide(&all_passed(), dir.path(), Some("rust".into()));
        assert_eq!(decided.decision, Decision::Switch, "{:?}", decided.reasons);
        assert_eq!(decided.met(), (4, 4));
        assert_eq!(
            decided.reasons,
            ["every piece of evidence is met: parity, bench-targets, drift, rollback"]
        );
        assert_eq!(
            decided.evidence[0].detail,
            "10 of 10 corpus cases ran on rust: 10 passing, 0 failing, 0 declared, 0 n/a, 0 not run"
        );
        Ok(())
    }

    #[test]
    fn one_failing_case_or_one_unmet_target_is_keep() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        write(dir.path(), "parity.json", &parity(1));
        write(dir.path(), "bench.json", &bench(&["GO", "NO-GO"]));
        let decided = decide(&all_passed(), dir.path(), Some("rust".into()));
        assert_eq!(decided.decision, Decision::Keep);
        assert_eq!(decided.met(), (2, 4));
        assert_eq!(
            decided.reasons[1],
            "bench-targets: not met: 1 of 2 targets met; t1 NO-GO: short"
        );
        Ok(())
    }

    #[test]
    fn missing_evidence_is_keep_never_switch() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        // Every check passed, but the reports are not there.
        let decided = decide(&all_passed(), dir.path(), Some("rust".into()));
        assert_eq!(decided.decision, Decision::Keep);
        assert!(
            decided.reasons[0].starts_with("parity: not met: parity.json cannot be read"),
            "{:?}",
            decided.reasons
        );
        // The reports are there, but a check did not run in this gate.
        write(dir.path(), "parity.json", &parity(0));
        write(dir.path(), "bench.json", &bench(&["GO"]));
        let mut checks = all_passed();
        checks.retain(|c| c.name != "rollback");
        checks.push(check("drift", Status::NotRun));
        checks.retain(|c| !(c.name == "drift" && c.status == Status::Passed));
        let decided = decide(&checks, dir.path(), Some("python".into()));
        assert_eq!(decided.decision, Decision::Keep);
        assert_eq!(
            decided.reasons,
            [
                "drift: not met: the drift check is NOT RUN: drift summary",
                "rollback: not met: missing: the rollback check did not run"
            ]
        );
        // An unknown schema is no evidence either, nor an unknown current default.
        write(
            dir.path(),
            "bench.json",
            &json!({"schema_version": 7, "targets": []}),
        );
        let decided = decide(&all_passed(), dir.path(), None);
        assert_eq!(decided.decision, Decision::Keep);
        assert_eq!(decided.current, "unknown");
        assert!(
            decided.reasons[0].contains("bench.json has schema_version 7"),
            "{:?}",
            decided.reasons
        );
        Ok(())
    }

    #[test]
    fn keep_says_when_the_default_already_runs_the_native_backend() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        write(dir.path(), "parity.json", &parity(0));
        write(dir.path(), "bench.json", &bench(&["GO", "NO-GO"]));
        let decided = decide(&all_passed(), dir.path(), Some("auto".into()));
        assert_eq!(decided.decision, Decision::Keep);
        assert_eq!(decided.current, "auto");
        assert_eq!(
            decided.reasons.last().map(String::as_str),
            Some(
                "the package's default `auto` already runs rust wherever the native module \
                 imports, ahead of this evidence"
            )
        );
        // A default of the reference needs no such word, and a switch none either.
        let decided = decide(&all_passed(), dir.path(), Some("python".into()));
        assert_eq!(decided.reasons.len(), 1, "{:?}", decided.reasons);
        write(dir.path(), "bench.json", &bench(&["GO"]));
        let decided = decide(&all_passed(), dir.path(), Some("auto".into()));
        assert_eq!(decided.decision, Decision::Switch);
        assert_eq!(decided.reasons.len(), 1, "{:?}", decided.reasons);
        Ok(())
    }

    #[test]
    fn the_current_default_is_read_from_the_package() -> anyhow::Result<()> {
        let init = fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../python/dictwalk/__init__.py"),
        )?;
        assert_eq!(current_default(&init).as_deref(), Some("auto"));
        assert_eq!(
            current_default("x = os.environ.get(\"DICTWALK_BACKEND\", \"python\")").as_deref(),
            Some("python")
        );
        assert_eq!(current_default("nothing here"), None);
        Ok(())
    }
}
