//! `reports/history.jsonl`: one line per gate run, appended when the run ends, whatever its
//! verdict (commit, time, verdict, each check's status and time, parity's counts per backend,
//! each scenario's instructions per call, the default-backend decision), newest last. gate.md
//! shows the trend of the last runs from it.
//!
//! The history is data the gate never depends on: a missing file is an empty history, and a
//! line that does not parse or has an unknown schema_version is skipped and counted (and kept
//! in the file as it was). A new line is appended by writing the whole new file and renaming it
//! over the old one (`atomic::write`), so a reader never sees half a line.

use std::{collections::BTreeMap, fs, io, path::Path};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    decision::Decision,
    report::{Check, Report, Verdict},
};
use crate::{atomic, report::schema, status::Status};

pub const FILE: &str = "history.jsonl";

/// One gate run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    pub schema_version: u32,
    pub commit: Option<String>,
    pub generated_at_unix: u64,
    pub verdict: Verdict,
    pub checks: Vec<CheckLine>,
    /// Null when this run has no parity report.
    pub parity: Option<Parity>,
    pub bench: Vec<Bench>,
    pub default_backend: Decision,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckLine {
    pub name: String,
    pub status: Status,
    pub seconds: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Parity {
    pub cases: u64,
    pub backends: BTreeMap<String, BackendCounts>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackendCounts {
    pub pass: u64,
    /// Failing, mutating reads and stale declarations: what fails a parity run.
    pub fail: u64,
    pub declared: u64,
}

/// One scenario on one backend: instructions per call, and how many times fewer than dictwalk
/// 2.6.0's (null: the gate's bench counts the reference and the native backend, not 2.6.0) and
/// than the reference's (native rows only): the other's instructions over these, as the
/// board's `ratio`, so above 1 is faster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bench {
    pub scenario: String,
    pub backend: String,
    pub instructions: f64,
    pub ratio_to_legacy: Option<f64>,
    #[serde(default)]
    pub ratio_to_reference: Option<f64>,
}

/// The runs that could be read, oldest first, and how many lines were skipped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    pub runs: Vec<Run>,
    pub skipped: usize,
}

/// Parses a history's text: bad lines are skipped and counted, blank lines ignored.
pub fn parse(text: &str) -> History {
    let mut history = History::default();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let run = serde_json::from_str::<Value>(line)
            .ok()
            .filter(|v| {
                v.get("schema_version").and_then(Value::as_u64) == Some(schema::HISTORY.into())
            })
            .and_then(|v| serde_json::from_value::<Run>(v).ok());
        match run {
            Some(run) => history.runs.push(run),
            None => history.skipped += 1,
        }
    }
    history
}

/// Reads `path`; a missing file is an empty history, an unreadable one too (with a count of
/// one skipped).
pub fn read(path: &Path) -> History {
    match fs::read(path) {
        Ok(bytes) => parse(&String::from_utf8_lossy(&bytes)),
        Err(err) if err.kind() == io::ErrorKind::NotFound => History::default(),
        Err(_) => History {
            runs: Vec::new(),
            skipped: 1,
        },
    }
}

/// Appends `run` to the history at `path` (every earlier line kept as it was).
pub fn append(path: &Path, run: &Run) -> anyhow::Result<()> {
    let mut text = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(err) => return Err(anyhow::anyhow!("read {}: {err}", path.display())),
    };
    if text.last().is_some_and(|b| *b != b'\n') {
        // A truncated last line stays a line of its own, skipped by readers.
        text.push(b'\n');
    }
    serde_json::to_writer(&mut text, run)?;
    text.push(b'\n');
    atomic::write(path, &text)
}

/// This run's line, from its report and the parity and bench reports it wrote.
pub fn line(report: &Report, reports_dir: &Path) -> Run {
    let json = |name: &str| -> Option<Value> {
        let bytes = fs::read(reports_dir.join(name)).ok()?;
        serde_json::from_slice(&bytes).ok()
    };
    let parity = json("parity.json")
        .filter(|v| v["schema_version"] == schema::PARITY)
        .and_then(|v| parity_of(&v));
    let bench = json("bench.json")
        .filter(|v| v["schema_version"] == schema::BENCH)
        .map(|v| bench_of(&v))
        .unwrap_or_default();
    Run {
        schema_version: schema::HISTORY,
        commit: report.commit.clone(),
        generated_at_unix: report.generated_at_unix,
        verdict: report.verdict,
        checks: report.checks.iter().map(check_line).collect(),
        parity,
        bench,
        default_backend: report
            .default_backend
            .as_ref()
            .map_or(Decision::Keep, |d| d.decision),
    }
}

fn check_line(check: &Check) -> CheckLine {
    CheckLine {
        name: check.name.clone(),
        status: check.status,
        seconds: check.seconds,
    }
}

fn parity_of(report: &Value) -> Option<Parity> {
    let count = |v: &Value, name: &str| v["counts"][name].as_u64().unwrap_or(0);
    let backends = report["backends"]
        .as_array()?
        .iter()
        .filter_map(|b| {
            Some((
                b["backend"].as_str()?.to_owned(),
                BackendCounts {
                    pass: count(b, "pass"),
                    fail: count(b, "fail") + count(b, "mutated") + count(b, "stale"),
                    declared: count(b, "declared"),
                },
            ))
        })
        .collect();
    Some(Parity {
        cases: report["run"]["selected_cases"].as_u64()?,
        backends,
    })
}

fn bench_of(report: &Value) -> Vec<Bench> {
    let rows: Vec<(String, String, f64)> = report["scenarios"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| {
            Some((
                s["scenario"].as_str()?.to_owned(),
                s["backend"].as_str()?.to_owned(),
                s["candidate"].as_f64()?,
            ))
        })
        .collect();
    rows.iter()
        .map(|(scenario, backend, instructions)| {
            let reference = rows
                .iter()
                .find(|(s, b, _)| s == scenario && b == "reference")
                .map(|(_, _, n)| *n);
            Bench {
                scenario: scenario.clone(),
                backend: backend.clone(),
                instructions: *instructions,
                ratio_to_legacy: None,
                ratio_to_reference: reference
                    .filter(|_| backend == "native")
                    .filter(|_| *instructions > 0.0)
                    .map(|n| n / instructions),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(commit: &str, verdict: Verdict) -> Run {
        Run {
            schema_version: schema::HISTORY,
            commit: Some(commit.into()),
            generated_at_unix: 1,
            verdict,
            checks: vec![CheckLine {
                name: "parity".into(),
                status: Status::Passed,
                seconds: 37.1,
            }],
            parity: Some(Parity {
                cases: 3,
                backends: BTreeMap::from([(
                    "rust".to_owned(),
                    BackendCounts {
                        pass: 3,
                        fail: 0,
                        declared: 0,
                    },
                )]),
            }),
            bench: vec![Bench {
                scenario: "read.get".into(),
                backend: "native".into(),
                instructions: 1340.0,
                ratio_to_legacy: None,
                ratio_to_reference: Some(4.0),
            }],
            default_backend: Decision::Keep,
        }
    }

    #[test]
    fn appended_runs_read_back_newest_last_past_bad_lines() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join(FILE);
        assert_eq!(read(&path), History::default(), "a missing file is empty");
        append(&path, &run("aaa", Verdict::NoGo))?;
        // A corrupt line, an unknown schema and a truncated line, as a crash or another
        // version could leave them.
        let mut text = fs::read_to_string(&path)?;
        text.push_str("not json\n{\"schema_version\": 99, \"verdict\": \"GO\"}\n{\"schema_version\": 1, \"comm");
        fs::write(&path, text)?;
        append(&path, &run("bbb", Verdict::Go))?;
        let history = read(&path);
        let commits: Vec<_> = history.runs.iter().map(|r| r.commit.as_deref()).collect();
        assert_eq!(commits, [Some("aaa"), Some("bbb")]);
        assert_eq!(history.skipped, 3);
        // The bad lines are kept, each on its own line.
        let lines = fs::read_to_string(&path)?;
        assert_eq!(lines.lines().count(), 5);
        assert!(lines.lines().any(|l| l == "not json"));
        Ok(())
    }

    #[test]
    fn a_line_has_the_agreed_shape() -> anyhow::Result<()> {
        let value = serde_json::to_value(run("abc", Verdict::Go))?;
        assert_eq!(value["verdict"], "GO");
        assert_eq!(value["checks"][0]["status"], "passed");
        assert_eq!(value["parity"]["backends"]["rust"]["pass"], 3);
        assert_eq!(value["bench"][0]["ratio_to_legacy"], Value::Null);
        assert_eq!(value["default_backend"], "keep");
        Ok(())
    }

    #[test]
    fn the_line_takes_the_counts_and_instructions_of_the_reports() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        fs::write(
            dir.path().join("parity.json"),
            r#"{"schema_version": 1, "run": {"selected_cases": 5},
                "backends": [{"backend": "rust", "counts": {"pass": 4, "fail": 1, "mutated": 0, "stale": 0, "declared": 0}}]}"#,
        )?;
        fs::write(
            dir.path().join("bench.json"),
            r#"{"schema_version": 1, "scenarios": [
                {"scenario": "read.get", "backend": "reference", "candidate": 4000.0},
                {"scenario": "read.get", "backend": "native", "candidate": 1000.0}]}"#,
        )?;
        let report =
            Report::placeholder("3".into(), Some("abc".into()), None, Default::default(), 9);
        let line = line(&report, dir.path());
        let parity = line.parity.expect("parity counts");
        assert_eq!((parity.cases, parity.backends["rust"].fail), (5, 1));
        assert_eq!(line.bench[1].ratio_to_reference, Some(4.0));
        assert_eq!(line.bench[0].ratio_to_reference, None);
        // Without reports, no figures rather than zeros.
        let empty = super::line(&report, &dir.path().join("none"));
        assert_eq!((empty.parity, empty.bench.len()), (None, 0));
        Ok(())
    }
}
