//! The JSON reports the page is made from, each read on its own: a report that is missing, cut
//! short, of an unknown `schema_version` or of an unexpected shape becomes a `Missing` with a
//! one-line reason naming the file, so that its section says so and never shows stale data as
//! current. The read-side models here take only the fields the page shows; they follow the
//! writers' layouts (`parity/report/json.rs`, `drift/report/`, `bench/report.rs`,
//! `gate/report.rs`); `gate.json` and `status.json` are read into their writers' own models
//! (`gate::Report`, `migration::Board`).

use std::{collections::BTreeMap, fs, io, path::Path};

use serde::{de::DeserializeOwned, Deserialize};
use serde_json::Value;

use crate::report::schema;

/// A report as the page got it: its model, or why there is none.
pub struct Source<T> {
    /// The file, relative to the project root (`reports/parity.json`).
    pub file: String,
    pub read: Result<Read<T>, String>,
}

/// A report that was read: its model, and the commit and time it states.
pub struct Read<T> {
    pub model: T,
    pub commit: Option<String>,
    pub generated_at_unix: Option<u64>,
}

impl<T> Source<T> {
    /// The model, when the report was read.
    pub fn model(&self) -> Option<&T> {
        self.read.as_ref().ok().map(|read| &read.model)
    }
}

/// What to expect of a JSON report.
pub struct Kind {
    /// The file name in the reports folder.
    pub name: &'static str,
    /// The `schema_version`s this reader knows.
    pub versions: &'static [u32],
    /// The command that writes it, for the reason of a missing file.
    pub written_by: &'static str,
    /// Where its commit is: a JSON pointer (`/commit`, `/candidate/commit`).
    pub commit_at: &'static str,
    /// Where its time is: a JSON pointer.
    pub time_at: &'static str,
}

pub const GATE: Kind = Kind {
    name: "gate.json",
    // 1 has no default-backend decision and no rollback check; 2 adds them. Both read the same.
    versions: &[1, 2],
    written_by: "cargo xtask gate",
    commit_at: "/commit",
    time_at: "/generated_at_unix",
};
pub const PARITY: Kind = Kind {
    name: "parity.json",
    versions: &[schema::PARITY],
    written_by: "cargo xtask parity",
    commit_at: "/commit",
    time_at: "/environment/generated_at_unix",
};
/// The last run's parity report but one, which `cargo xtask parity` keeps for the comparison.
pub const PARITY_PREVIOUS: Kind = Kind {
    name: "parity.previous.json",
    ..PARITY
};
pub const DRIFT: Kind = Kind {
    name: "drift.json",
    versions: &[schema::DRIFT],
    written_by: "cargo xtask drift",
    commit_at: "/commit",
    time_at: "/environment/generated_at_unix",
};
pub const BENCH: Kind = Kind {
    name: "bench.json",
    versions: &[schema::BENCH],
    written_by: "cargo xtask bench",
    commit_at: "/candidate/commit",
    time_at: "/environment/generated_at_unix",
};
pub const STATUS: Kind = Kind {
    name: "status.json",
    versions: &[schema::STATUS],
    written_by: "cargo xtask status",
    commit_at: "/commit",
    time_at: "/generated_at_unix",
};

/// Reads `kind` from `dir`; every failure is a one-line reason naming the file.
pub fn load<T: DeserializeOwned>(root: &Path, dir: &Path, kind: &Kind) -> Source<T> {
    let path = dir.join(kind.name);
    let file = crate::report::shown(root, &path);
    let read = read(&path, &file, kind);
    Source { file, read }
}

fn read<T: DeserializeOwned>(path: &Path, file: &str, kind: &Kind) -> Result<Read<T>, String> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            return Err(format!("{file} is missing ({} writes it)", kind.written_by))
        }
        Err(err) => return Err(format!("{file} cannot be read: {err}")),
    };
    let value: Value = serde_json::from_str(&text).map_err(|err| {
        let cut = if err.is_eof() {
            " (cut short: truncated?)"
        } else {
            ""
        };
        format!("{file} is not valid JSON{cut}: {err}")
    })?;
    match value.get("schema_version").and_then(Value::as_u64) {
        Some(version)
            if kind
                .versions
                .iter()
                .any(|known| u64::from(*known) == version) => {}
        Some(version) => {
            return Err(format!(
                "{file} has schema_version {version}, which this xtask does not read (it reads {})",
                versions(kind.versions)
            ))
        }
        None => {
            return Err(format!(
                "{file} has no schema_version: not a report of this xtask"
            ))
        }
    }
    let commit = value
        .pointer(kind.commit_at)
        .and_then(Value::as_str)
        .map(str::to_owned);
    let generated_at_unix = value.pointer(kind.time_at).and_then(Value::as_u64);
    let model = T::deserialize(value)
        .map_err(|err| format!("{file} does not have the layout of its schema_version: {err}"))?;
    Ok(Read {
        model,
        commit,
        generated_at_unix,
    })
}

fn versions(known: &[u32]) -> String {
    known
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(" or ")
}

/// `parity.json` (and `parity.previous.json`).
#[derive(Deserialize)]
pub struct Parity {
    pub verdict: String,
    pub run: ParityRun,
    pub backends: Vec<ParityBackend>,
    pub baseline: Option<ParityBaseline>,
    /// Every result that is not a pass.
    pub results: Vec<ParityResult>,
}

#[derive(Deserialize)]
pub struct ParityRun {
    pub backends: Vec<String>,
    pub corpus_cases: u64,
    pub selected_cases: u64,
    pub complete: bool,
    pub case_ids: Vec<String>,
}

#[derive(Deserialize)]
pub struct ParityBackend {
    pub backend: String,
    pub state: String,
    pub reason: Option<String>,
    pub counts: BTreeMap<String, u64>,
}

#[derive(Deserialize)]
pub struct ParityBaseline {
    pub file: String,
    pub counts: BTreeMap<String, u64>,
    pub changes: Vec<ParityChange>,
}

#[derive(Deserialize)]
pub struct ParityChange {
    pub change: String,
    pub backend: String,
    pub id: String,
}

#[derive(Deserialize)]
pub struct ParityResult {
    pub backend: String,
    pub id: String,
    pub file: String,
    pub status: String,
    pub detail: String,
}

/// `drift.json`.
#[derive(Deserialize)]
pub struct Drift {
    pub verdict: String,
    pub checks: Vec<DriftCheck>,
    pub findings: Vec<DriftFinding>,
    pub problems: Vec<String>,
    pub artifacts: Vec<DriftArtifact>,
}

#[derive(Deserialize)]
pub struct DriftCheck {
    pub check: String,
    pub compared: String,
    pub status: String,
    pub findings: u64,
}

#[derive(Deserialize)]
pub struct DriftFinding {
    pub check: String,
    pub subject: String,
    pub message: String,
}

#[derive(Deserialize)]
pub struct DriftArtifact {
    pub file: String,
}

/// `bench.json`.
#[derive(Deserialize)]
pub struct Bench {
    pub verdict: String,
    pub reasons: Vec<String>,
    pub candidate: BenchSide,
    pub baseline: Option<BenchSide>,
    pub scenarios: Vec<BenchRow>,
    pub targets: Vec<BenchTarget>,
}

#[derive(Deserialize)]
pub struct BenchSide {
    pub asked: String,
    pub commit: Option<String>,
}

#[derive(Deserialize)]
pub struct BenchRow {
    pub scenario: String,
    pub backend: String,
    pub candidate: Option<f64>,
    pub change: Option<f64>,
    pub verdict: String,
}

#[derive(Deserialize)]
pub struct BenchTarget {
    pub name: String,
    pub gating: bool,
    pub numerator: String,
    pub denominator: String,
    pub factor: f64,
    pub worst: Option<f64>,
    pub worst_scenario: Option<String>,
    pub verdict: String,
    #[serde(default)]
    pub why: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> Result<Read<Parity>, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        fs::write(dir.path().join("parity.json"), text).map_err(|e| e.to_string())?;
        load::<Parity>(dir.path(), dir.path(), &PARITY).read
    }

    fn reason(text: &str) -> String {
        match load_text(text) {
            Ok(_) => "read".into(),
            Err(reason) => reason,
        }
    }

    #[test]
    fn bad_reports_are_missing_with_a_reason_naming_the_file() -> anyhow::Result<()> {
        let fixture = fs::read_to_string(super::super::fixtures().join("parity.json"))?;
        assert!(load_text(&fixture).is_ok());
        let cut = &fixture[..fixture.len() / 2];
        assert!(
            reason(cut).starts_with("parity.json is not valid JSON (cut short: truncated?)"),
            "{}",
            reason(cut)
        );
        let future = fixture.replacen("\"schema_version\": 1", "\"schema_version\": 99", 1);
        assert_eq!(
            reason(&future),
            "parity.json has schema_version 99, which this xtask does not read (it reads 1)"
        );
        assert!(reason("{}").contains("has no schema_version"));
        assert!(reason("{\"schema_version\": 1}").starts_with(
            "parity.json does not have the layout of its schema_version: missing field"
        ));
        let dir = tempfile::tempdir()?;
        let missing = load::<Parity>(dir.path(), dir.path(), &PARITY);
        assert_eq!(
            missing.read.err().as_deref(),
            Some("parity.json is missing (cargo xtask parity writes it)")
        );
        Ok(())
    }
}
