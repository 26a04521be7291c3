//! `reports/parity.json`: the run, per-backend counts, every non-passing result and the
//! baseline comparison; deterministic except for the `environment` block (host, times, the
//! workers' install paths). The next run reads it back as its baseline.

use std::{
    collections::BTreeMap,
    io,
    time::{SystemTime, UNIX_EPOCH},
};

use serde::Serialize;

use crate::{
    parity::{
        baseline::{Change, Changed},
        model::{verdict_word, CaseStatus, Counts, ParityRun},
    },
    report::{schema, Emitter, Json},
};

pub struct JsonEmitter;

#[derive(Serialize)]
struct Report<'a> {
    schema_version: u32,
    /// The commit the run describes (`cargo xtask status` compares it with HEAD).
    commit: Option<&'a str>,
    verdict: &'static str,
    run: Run<'a>,
    backends: Vec<Backend<'a>>,
    baseline: Option<Baseline<'a>>,
    /// Every result that is not a pass, by backend then corpus order.
    results: Vec<Entry<'a>>,
    environment: Environment<'a>,
}

#[derive(Serialize)]
struct Run<'a> {
    backends: Vec<&'static str>,
    corpus: &'a str,
    corpus_cases: usize,
    filter: Option<&'a str>,
    shard: Option<&'a str>,
    selected_cases: usize,
    complete: bool,
    timeout_seconds: f64,
    /// The selected cases, so that a later run can tell added and removed cases apart.
    case_ids: &'a [String],
}

#[derive(Serialize)]
struct Backend<'a> {
    backend: &'static str,
    state: &'static str,
    reason: Option<&'a str>,
    restarts: usize,
    counts: Counts,
}

#[derive(Serialize)]
struct Baseline<'a> {
    file: &'a str,
    counts: BTreeMap<Change, usize>,
    changes: &'a [Changed],
}

#[derive(Serialize)]
struct Entry<'a> {
    backend: &'static str,
    id: &'a str,
    file: &'a str,
    status: CaseStatus,
    detail: &'a str,
}

#[derive(Serialize)]
struct Environment<'a> {
    os: &'static str,
    arch: &'static str,
    generated_at_unix: u64,
    duration_seconds: f64,
    backend_seconds: BTreeMap<&'static str, f64>,
    workers: BTreeMap<&'static str, Worker<'a>>,
}

#[derive(Serialize)]
struct Worker<'a> {
    api: &'a str,
    version: Option<&'a str>,
    backend: Option<&'a str>,
    module: &'a str,
}

impl Emitter<ParityRun> for JsonEmitter {
    fn emit(&self, out: &mut dyn io::Write, run: &ParityRun) -> io::Result<()> {
        Json.emit(out, &report(run, now()))
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn report(run: &ParityRun, generated_at_unix: u64) -> Report<'_> {
    let selection = &run.selection;
    Report {
        schema_version: schema::PARITY,
        commit: run.commit.as_deref(),
        verdict: verdict_word(run.status()),
        run: Run {
            backends: run.backends.iter().map(|b| b.backend.name()).collect(),
            corpus: &selection.corpus,
            corpus_cases: selection.corpus_cases,
            filter: selection.filter.as_deref(),
            shard: selection.shard.as_deref(),
            selected_cases: selection.case_ids.len(),
            complete: run.complete(),
            timeout_seconds: run.timeout.as_secs_f64(),
            case_ids: &selection.case_ids,
        },
        backends: run
            .backends
            .iter()
            .map(|b| Backend {
                backend: b.backend.name(),
                state: b.state.name(),
                reason: b.state.reason(),
                restarts: b.restarts,
                counts: b.counts(),
            })
            .collect(),
        baseline: run.baseline.as_ref().map(|c| Baseline {
            file: &c.file,
            counts: Change::ALL.iter().map(|&k| (k, c.count(k))).collect(),
            changes: &c.changes,
        }),
        results: run
            .backends
            .iter()
            .flat_map(|b| {
                b.results
                    .iter()
                    .filter(|r| r.status != CaseStatus::Pass)
                    .map(|r| Entry {
                        backend: b.backend.name(),
                        id: &r.id,
                        file: &r.file,
                        status: r.status,
                        detail: &r.detail,
                    })
            })
            .collect(),
        environment: Environment {
            os: std::env::consts::OS,
            arch: std::env::consts::ARCH,
            generated_at_unix,
            duration_seconds: run.elapsed.as_secs_f64(),
            backend_seconds: run
                .backends
                .iter()
                .map(|b| (b.backend.name(), b.elapsed.as_secs_f64()))
                .collect(),
            workers: run
                .backends
                .iter()
                .filter_map(|b| {
                    b.worker.as_ref().map(|w| {
                        (
                            b.backend.name(),
                            Worker {
                                api: &w.api,
                                version: w.version.as_deref(),
                                backend: w.backend.as_deref(),
                                module: &w.module,
                            },
                        )
                    })
                })
                .collect(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parity::report::tests::sample;

    #[test]
    fn json_report() -> anyhow::Result<()> {
        let mut text = serde_json::to_string_pretty(&report(&sample(), 0))?;
        text = text
            .replace(std::env::consts::OS, "[os]")
            .replace(std::env::consts::ARCH, "[arch]");
        insta::assert_snapshot!(text);
        let value: serde_json::Value = serde_json::from_str(&text)?;
        assert_eq!(value["schema_version"], 1);
        assert_eq!(value["verdict"], "could_not_run");
        assert_eq!(value["run"]["complete"], false);
        assert_eq!(value["baseline"]["counts"]["fixed"], 1);
        Ok(())
    }
}
