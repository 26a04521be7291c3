//! The template's model: what each section shows, computed from the reports that could be read.
//! Sections whose report is missing carry only their origin, whose `missing` says why.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::Path,
};

use serde::Serialize;

use super::{
    charts,
    sources::{self, Source},
};
use crate::{
    gate::{
        self,
        decision::{Decision, DefaultBackend},
        history::{self, History},
        provenance::utc_text,
    },
    migration::{Board, Kind},
};

/// The page's sections, in order: id and title (the navigation is made of them, and the browser
/// test looks for each).
pub const SECTIONS: [(&str, &str); 7] = [
    ("verdict", "Verdict"),
    ("checks", "Checks"),
    ("parity", "Parity"),
    ("drift", "Drift"),
    ("bench", "Benchmarks"),
    ("trend", "Trend"),
    ("status", "Migration board"),
];

/// How many failing or changed cases a list shows before "and N more".
const LIST_LIMIT: usize = 200;

#[derive(Serialize)]
pub struct Model {
    pub head: Option<String>,
    sections: [(&'static str, &'static str); 7],
    pub missing: Vec<String>,
    gate: Section<GateView>,
    parity: Section<ParityView>,
    drift: Section<DriftView>,
    bench: Section<BenchView>,
    trend: TrendView,
    status: Section<StatusView>,
}

/// A section: where its data came from, and the data when the report could be used.
#[derive(Serialize)]
struct Section<T> {
    origin: Origin,
    view: Option<T>,
}

/// The report a section came from.
#[derive(Serialize)]
struct Origin {
    file: String,
    commit: Option<String>,
    time: Option<String>,
    /// True when the report names a commit that is not HEAD.
    not_head: bool,
    missing: Option<String>,
}

fn origin<T>(source: &Source<T>, head: Option<&str>) -> Origin {
    match &source.read {
        Ok(read) => Origin {
            file: source.file.clone(),
            not_head: match (&read.commit, head) {
                (Some(commit), Some(head)) => !same_commit(commit, head),
                _ => false,
            },
            commit: read.commit.clone(),
            time: read.generated_at_unix.map(utc_text),
            missing: None,
        },
        Err(reason) => Origin {
            file: source.file.clone(),
            commit: None,
            time: None,
            not_head: false,
            missing: Some(reason.clone()),
        },
    }
}

/// Whether two commits, full or abbreviated, are the same.
fn same_commit(a: &str, b: &str) -> bool {
    let n = a.len().min(b.len());
    n >= 7 && a[..n].eq_ignore_ascii_case(&b[..n])
}

fn section<T, V>(
    source: &Source<T>,
    head: Option<&str>,
    missing: &mut Vec<String>,
    view: impl FnOnce(&T) -> anyhow::Result<V>,
) -> anyhow::Result<Section<V>> {
    if let Err(reason) = &source.read {
        missing.push(reason.clone());
    }
    Ok(Section {
        origin: origin(source, head),
        view: source.model().map(view).transpose()?,
    })
}

pub fn build(root: &Path, dir: &Path, head: Option<&str>) -> anyhow::Result<Model> {
    let mut missing = Vec::new();
    let gate = sources::load::<gate::Report>(root, dir, &sources::GATE);
    let parity = sources::load::<sources::Parity>(root, dir, &sources::PARITY);
    let previous = sources::load::<sources::Parity>(root, dir, &sources::PARITY_PREVIOUS);
    let drift = sources::load::<sources::Drift>(root, dir, &sources::DRIFT);
    let bench = sources::load::<sources::Bench>(root, dir, &sources::BENCH);
    let status = sources::load::<Board>(root, dir, &sources::STATUS);
    let history_file = dir.join(history::FILE);
    let history = history::read(&history_file);
    let model = Model {
        gate: section(&gate, head, &mut missing, |g| Ok(gate_view(g)))?,
        parity: section(&parity, head, &mut missing, |p| {
            Ok(parity_view(p, previous.model()))
        })?,
        drift: section(&drift, head, &mut missing, |d| Ok(drift_view(d)))?,
        bench: section(&bench, head, &mut missing, bench_view)?,
        trend: trend_view(&crate::report::shown(root, &history_file), &history)?,
        status: section(&status, head, &mut missing, |s| Ok(status_view(s)))?,
        head: head.map(str::to_owned),
        sections: SECTIONS,
        missing: Vec::new(),
    };
    Ok(Model { missing, ..model })
}

#[derive(Serialize)]
struct GateView {
    verdict: String,
    go: bool,
    finished: bool,
    version: String,
    dirty: Option<bool>,
    reasons: Vec<String>,
    checks: Vec<CheckRow>,
    /// The rollback rehearsal's check, when the gate ran one.
    rollback: Option<CheckRow>,
    decision: Option<DefaultBackend>,
    switch: bool,
}

#[derive(Serialize, Clone)]
struct CheckRow {
    name: String,
    status: String,
    passed: bool,
    summary: String,
    reasons: Vec<String>,
    seconds: String,
    reports: Vec<String>,
}

fn gate_view(report: &gate::Report) -> GateView {
    let checks: Vec<CheckRow> = report
        .checks
        .iter()
        .map(|check| CheckRow {
            name: check.name.clone(),
            status: check.status.label().to_owned(),
            passed: check.status == crate::status::Status::Passed,
            summary: check.summary.clone(),
            reasons: check.reasons.clone(),
            seconds: format!("{:.0} s", check.seconds),
            reports: check.reports.clone(),
        })
        .collect();
    GateView {
        verdict: report.verdict.word().to_owned(),
        go: report.verdict == crate::gate::Verdict::Go && report.finished,
        finished: report.finished,
        version: report.version.clone(),
        dirty: report.dirty,
        reasons: report.reasons.clone(),
        rollback: checks.iter().find(|c| c.name == "rollback").cloned(),
        checks,
        switch: report
            .default_backend
            .as_ref()
            .is_some_and(|d| d.decision == Decision::Switch),
        decision: report.default_backend.clone(),
    }
}

#[derive(Serialize)]
struct ParityView {
    verdict: String,
    pass: bool,
    corpus_cases: u64,
    selected_cases: u64,
    complete: bool,
    backends: Vec<String>,
    /// Per backend: state, reason and the counts in `COUNTS` order.
    backend_rows: Vec<(String, String, Option<String>, Vec<u64>)>,
    count_names: Vec<&'static str>,
    areas: Vec<AreaRow>,
    failing: Vec<CaseRow>,
    failing_more: usize,
    baseline: Option<String>,
    change_counts: Vec<(String, u64)>,
    changed: Vec<ChangedRow>,
    changed_more: usize,
}

/// The columns of a backend's counts, as parity.json names them.
const COUNTS: [&str; 8] = [
    "cases",
    "pass",
    "fail",
    "mutated",
    "declared",
    "stale",
    "not_applicable",
    "not_run",
];

/// The statuses that fail a parity run.
const FAILING: [&str; 4] = ["fail", "mutated", "stale", "not_run"];

#[derive(Serialize)]
struct AreaRow {
    area: String,
    cases: usize,
    /// Per backend of the run: passing, failing, declared and n/a cases.
    cells: Vec<AreaCell>,
}

#[derive(Serialize, Default, Clone)]
struct AreaCell {
    pass: usize,
    fail: usize,
    declared: usize,
    not_applicable: usize,
}

#[derive(Serialize)]
struct CaseRow {
    backend: String,
    id: String,
    file: String,
    status: String,
    detail: String,
}

#[derive(Serialize)]
struct ChangedRow {
    change: String,
    backend: String,
    id: String,
    now: String,
    before: String,
}

/// A case's area: the first part of its id (`filter.sort_by.key` is in `filter`).
fn area(id: &str) -> &str {
    id.split('.').next().unwrap_or(id)
}

fn parity_view(parity: &sources::Parity, previous: Option<&sources::Parity>) -> ParityView {
    let backends = parity.run.backends.clone();
    let mut status: BTreeMap<(&str, &str), &sources::ParityResult> = BTreeMap::new();
    for result in &parity.results {
        status.insert((result.backend.as_str(), result.id.as_str()), result);
    }
    let mut areas: BTreeMap<&str, (usize, Vec<AreaCell>)> = BTreeMap::new();
    for id in &parity.run.case_ids {
        let (cases, cells) = areas
            .entry(area(id))
            .or_insert_with(|| (0, vec![AreaCell::default(); backends.len()]));
        *cases += 1;
        for (backend, cell) in backends.iter().zip(cells.iter_mut()) {
            match status
                .get(&(backend.as_str(), id.as_str()))
                .map(|r| r.status.as_str())
            {
                None => cell.pass += 1,
                Some("declared") => cell.declared += 1,
                Some("not_applicable") => cell.not_applicable += 1,
                Some(_) => cell.fail += 1,
            }
        }
    }
    let failing: Vec<&sources::ParityResult> = parity
        .results
        .iter()
        .filter(|r| FAILING.contains(&r.status.as_str()))
        .collect();
    let detail_of = |report: Option<&sources::Parity>, backend: &str, id: &str| -> String {
        let Some(report) = report else {
            return "(no report)".into();
        };
        if !report.run.case_ids.iter().any(|c| c == id)
            || !report.run.backends.iter().any(|b| b == backend)
        {
            return "(not in the run)".into();
        }
        report
            .results
            .iter()
            .find(|r| r.backend == backend && r.id == id)
            .map_or_else(|| "pass".into(), |r| format!("{}: {}", r.status, r.detail))
    };
    // Added and removed cases are counted, not listed: a new corpus file adds thousands.
    let changes: Vec<&sources::ParityChange> = parity
        .baseline
        .iter()
        .flat_map(|b| &b.changes)
        .filter(|c| c.change != "added" && c.change != "removed")
        .collect();
    ParityView {
        verdict: parity.verdict.clone(),
        pass: parity.verdict == "pass",
        corpus_cases: parity.run.corpus_cases,
        selected_cases: parity.run.selected_cases,
        complete: parity.run.complete,
        backend_rows: parity
            .backends
            .iter()
            .map(|b| {
                let counts = COUNTS
                    .iter()
                    .map(|c| b.counts.get(*c).copied().unwrap_or(0))
                    .collect();
                (b.backend.clone(), b.state.clone(), b.reason.clone(), counts)
            })
            .collect(),
        count_names: COUNTS.to_vec(),
        areas: areas
            .into_iter()
            .map(|(area, (cases, cells))| AreaRow {
                area: area.to_owned(),
                cases,
                cells,
            })
            .collect(),
        failing_more: failing.len().saturating_sub(LIST_LIMIT),
        failing: failing
            .into_iter()
            .take(LIST_LIMIT)
            .map(|r| CaseRow {
                backend: r.backend.clone(),
                id: r.id.clone(),
                file: r.file.clone(),
                status: r.status.clone(),
                detail: r.detail.clone(),
            })
            .collect(),
        baseline: parity.baseline.as_ref().map(|b| b.file.clone()),
        change_counts: parity
            .baseline
            .iter()
            .flat_map(|b| b.counts.iter().map(|(k, v)| (k.clone(), *v)))
            .collect(),
        changed_more: changes.len().saturating_sub(LIST_LIMIT),
        changed: changes
            .into_iter()
            .take(LIST_LIMIT)
            .map(|c| ChangedRow {
                change: c.change.replace('_', " "),
                backend: c.backend.clone(),
                id: c.id.clone(),
                now: detail_of(Some(parity), &c.backend, &c.id),
                before: detail_of(previous, &c.backend, &c.id),
            })
            .collect(),
        backends,
    }
}

#[derive(Serialize)]
struct DriftView {
    verdict: String,
    clean: bool,
    checks: Vec<(String, String, String, u64)>,
    findings: Vec<(String, String, String)>,
    problems: Vec<String>,
    artifacts: Vec<String>,
}

fn drift_view(drift: &sources::Drift) -> DriftView {
    DriftView {
        verdict: drift.verdict.replace('_', " "),
        clean: drift.verdict == "no_drift",
        checks: drift
            .checks
            .iter()
            .map(|c| {
                (
                    c.check.clone(),
                    c.status.clone(),
                    c.compared.clone(),
                    c.findings,
                )
            })
            .collect(),
        findings: drift
            .findings
            .iter()
            .map(|f| (f.check.clone(), f.subject.clone(), f.message.clone()))
            .collect(),
        problems: drift.problems.clone(),
        artifacts: drift.artifacts.iter().map(|a| a.file.clone()).collect(),
    }
}

#[derive(Serialize)]
struct BenchView {
    verdict: String,
    go: bool,
    reasons: Vec<String>,
    candidate: String,
    baseline: String,
    contestants: Vec<String>,
    /// The contestants benches/gate.toml knows that this run has no figures for.
    absent: Vec<String>,
    /// Per scenario: its name, instructions per call of each contestant (`contestants` order),
    /// the change of each against the baseline, and the chart.
    scenarios: Vec<ScenarioRow>,
    targets: Vec<TargetRow>,
}

#[derive(Serialize)]
struct ScenarioRow {
    scenario: String,
    cells: Vec<Option<String>>,
    native_vs: Vec<(String, String)>,
    chart: String,
}

#[derive(Serialize)]
struct TargetRow {
    name: String,
    gating: bool,
    what: String,
    worst: String,
    verdict: String,
    met: bool,
    why: String,
}

/// The contestants in the order the page shows them, with the names people know.
fn contestant_name(backend: &str) -> String {
    match backend {
        "legacy" => "2.6.0".into(),
        other => other.to_owned(),
    }
}

/// The contestants of benches/gate.toml, in the order the page shows them.
const CONTESTANTS: [&str; 4] = ["native", "reference", "legacy", "plain"];

fn contestant_rank(backend: &str) -> usize {
    CONTESTANTS.iter().position(|b| *b == backend).unwrap_or(9)
}

fn bench_view(bench: &sources::Bench) -> anyhow::Result<BenchView> {
    let mut contestants: Vec<&str> = bench
        .scenarios
        .iter()
        .map(|row| row.backend.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    contestants.sort_by_key(|b| (contestant_rank(b), *b));
    let mut by_scenario: BTreeMap<&str, BTreeMap<&str, &sources::BenchRow>> = BTreeMap::new();
    for row in &bench.scenarios {
        by_scenario
            .entry(row.scenario.as_str())
            .or_default()
            .insert(row.backend.as_str(), row);
    }
    let mut scenarios = Vec::new();
    for (scenario, rows) in by_scenario {
        let figure = |backend: &str| rows.get(backend).and_then(|r| r.candidate);
        let bars: Vec<(String, f64, usize)> = contestants
            .iter()
            .enumerate()
            .filter_map(|(i, b)| figure(b).map(|v| (contestant_name(b), v, i)))
            .collect();
        let native_vs = match figure("native") {
            Some(native) if native > 0.0 => contestants
                .iter()
                .filter(|b| **b != "native")
                .filter_map(|b| {
                    figure(b).map(|v| (contestant_name(b), format!("{:.2}×", v / native)))
                })
                .collect(),
            _ => Vec::new(),
        };
        scenarios.push(ScenarioRow {
            scenario: scenario.to_owned(),
            cells: contestants
                .iter()
                .map(|b| {
                    rows.get(b).and_then(|r| {
                        r.candidate.map(|v| match r.change {
                            Some(change) => format!(
                                "{} ({:+.2}%, {})",
                                charts::short(v),
                                change * 100.0,
                                r.verdict
                            ),
                            None => charts::short(v),
                        })
                    })
                })
                .collect(),
            native_vs,
            chart: charts::scenario_bars(scenario, &bars)?,
        });
    }
    Ok(BenchView {
        verdict: bench.verdict.clone(),
        go: bench.verdict == "GO",
        reasons: bench.reasons.clone(),
        candidate: side(&bench.candidate),
        baseline: bench.baseline.as_ref().map_or_else(|| "none".into(), side),
        absent: CONTESTANTS
            .iter()
            .filter(|c| !contestants.contains(c))
            .map(|c| contestant_name(c))
            .collect(),
        contestants: contestants.iter().map(|b| contestant_name(b)).collect(),
        scenarios,
        targets: bench
            .targets
            .iter()
            .map(|t| TargetRow {
                name: t.name.clone(),
                gating: t.gating,
                what: format!(
                    "{} at least {}× faster than {}",
                    contestant_name(&t.numerator),
                    t.factor,
                    contestant_name(&t.denominator)
                ),
                worst: match (&t.worst, &t.worst_scenario) {
                    (Some(w), Some(s)) => format!("{w:.2}× ({s})"),
                    (Some(w), None) => format!("{w:.2}×"),
                    _ => "not measured".into(),
                },
                verdict: t.verdict.clone(),
                met: t.verdict == "GO",
                why: t.why.clone(),
            })
            .collect(),
    })
}

fn side(side: &sources::BenchSide) -> String {
    match &side.commit {
        Some(commit) => format!("{} ({})", &commit[..commit.len().min(12)], side.asked),
        None => side.asked.clone(),
    }
}

#[derive(Serialize)]
struct TrendView {
    file: String,
    runs: usize,
    skipped: usize,
    first: Option<String>,
    last: Option<String>,
    charts: Vec<String>,
    /// The runs, newest first: commit, time, verdict, cases, default-backend decision.
    table: Vec<[String; 5]>,
}

/// The gate runs shown in the trend: the last ones.
const TREND_RUNS: usize = 30;

fn trend_view(file: &str, history: &History) -> anyhow::Result<TrendView> {
    let runs = &history.runs[history.runs.len().saturating_sub(TREND_RUNS)..];
    let labels: Vec<String> = runs
        .iter()
        .map(|r| {
            let commit = r.commit.as_deref().unwrap_or("?");
            format!(
                "{} {}",
                &commit[..commit.len().min(7)],
                &utc_text(r.generated_at_unix)[5..10]
            )
        })
        .collect();
    let mut charts = Vec::new();
    if !runs.is_empty() {
        let backends: BTreeSet<&String> = runs
            .iter()
            .flat_map(|r| r.parity.iter().flat_map(|p| p.backends.keys()))
            .collect();
        let passing: Vec<(String, Vec<Option<f64>>)> = backends
            .into_iter()
            .map(|b| {
                let points = runs
                    .iter()
                    .map(|r| {
                        r.parity
                            .as_ref()
                            .and_then(|p| p.backends.get(b))
                            .map(|c| c.pass as f64)
                    })
                    .collect();
                (b.clone(), points)
            })
            .collect();
        charts.push(charts::trend(
            "Cases passing per backend",
            "cases",
            &labels,
            &passing,
        )?);
        let scenarios: BTreeSet<&String> = runs
            .iter()
            .flat_map(|r| {
                r.bench
                    .iter()
                    .filter(|b| b.backend == "native")
                    .map(|b| &b.scenario)
            })
            .collect();
        let figure = |pick: fn(&history::Bench) -> Option<f64>| -> Vec<(String, Vec<Option<f64>>)> {
            scenarios
                .iter()
                .map(|s| {
                    let points = runs
                        .iter()
                        .map(|r| {
                            r.bench
                                .iter()
                                .find(|b| b.backend == "native" && &b.scenario == *s)
                                .and_then(pick)
                        })
                        .collect();
                    ((*s).clone(), points)
                })
                .collect()
        };
        charts.push(charts::trend(
            "Native: instructions per call",
            "instructions",
            &labels,
            &figure(|b| Some(b.instructions)),
        )?);
        charts.push(charts::trend(
            "Native: times faster than 2.6.0",
            "ratio to 2.6.0",
            &labels,
            &figure(|b| b.ratio_to_legacy),
        )?);
    }
    Ok(TrendView {
        file: file.to_owned(),
        runs: runs.len(),
        skipped: history.skipped,
        first: runs.first().map(|r| utc_text(r.generated_at_unix)),
        last: runs.last().map(|r| utc_text(r.generated_at_unix)),
        charts,
        table: runs
            .iter()
            .rev()
            .map(|r| {
                [
                    r.commit.clone().unwrap_or_else(|| "?".into()),
                    utc_text(r.generated_at_unix),
                    r.verdict.word().to_owned(),
                    r.parity
                        .as_ref()
                        .map_or_else(|| "–".into(), |p| p.cases.to_string()),
                    r.default_backend.word().to_owned(),
                ]
            })
            .collect(),
    })
}

#[derive(Serialize)]
struct StatusView {
    backends: Vec<String>,
    totals: (usize, Vec<usize>, usize),
    sources: Vec<(String, bool, Option<String>)>,
    areas: Vec<(String, Vec<StatusRow>)>,
}

#[derive(Serialize)]
struct StatusRow {
    name: String,
    kind: &'static str,
    implementation: Vec<&'static str>,
    why: Option<String>,
    cases: usize,
    passing: Vec<Option<usize>>,
    complete: Vec<bool>,
    declared: usize,
    bench: Vec<String>,
}

fn status_view(status: &Board) -> StatusView {
    let backends = status.backends.clone();
    StatusView {
        totals: (
            status.totals.cases,
            backends
                .iter()
                .map(|b| status.totals.passing.get(b).copied().unwrap_or(0))
                .collect(),
            status.totals.declared,
        ),
        sources: status
            .sources
            .iter()
            .map(|s| (s.report.clone(), s.stale, s.missing.clone()))
            .collect(),
        areas: status
            .areas
            .iter()
            .map(|area| {
                let rows = area
                    .entries
                    .iter()
                    .map(|e| StatusRow {
                        name: e.name.clone(),
                        kind: match e.kind {
                            Kind::Function => "function",
                            Kind::Filter => "filter",
                        },
                        implementation: backends
                            .iter()
                            .map(|b| e.implementation.get(b).map_or("–", |i| i.word()))
                            .collect(),
                        why: e.why.clone(),
                        cases: e.cases,
                        passing: backends.iter().map(|b| e.passing.get(b).copied()).collect(),
                        complete: backends
                            .iter()
                            .map(|b| e.passing.get(b).is_some_and(|p| *p == e.cases))
                            .collect(),
                        declared: e.declared,
                        bench: e
                            .bench
                            .iter()
                            .map(|b| {
                                format!(
                                    "{} {:.2}× vs {}",
                                    b.scenario,
                                    b.ratio,
                                    contestant_name(&b.versus)
                                )
                            })
                            .collect(),
                    })
                    .collect();
                (area.area.clone(), rows)
            })
            .collect(),
        backends,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commits_match_on_their_common_prefix() {
        assert!(same_commit("1a2b3c4d5e6f", "1a2b3c4d5e6f0011"));
        assert!(!same_commit("1a2b3c4d5e6f", "ffffff4d5e6f0011"));
        assert!(!same_commit("", "1a2b3c4"), "an empty commit is no commit");
    }

    #[test]
    fn areas_count_every_case_once_per_backend() -> anyhow::Result<()> {
        let fixtures = super::super::fixtures();
        let model = build(&fixtures, &fixtures, None)?;
        let view = model.parity.view.as_ref().map(|v| &v.areas);
        let areas = view.ok_or_else(|| anyhow::anyhow!("no parity view"))?;
        let parity = sources::load::<sources::Parity>(&fixtures, &fixtures, &sources::PARITY);
        let parity = parity.model().ok_or_else(|| anyhow::anyhow!("no parity"))?;
        let total: usize = areas.iter().map(|a| a.cases).sum();
        assert_eq!(total, parity.run.case_ids.len());
        for (i, backend) in parity.backends.iter().enumerate() {
            let pass: usize = areas.iter().map(|a| a.cells[i].pass).sum();
            assert_eq!(
                Some(pass as u64),
                backend.counts.get("pass").copied(),
                "{}",
                backend.backend
            );
        }
        Ok(())
    }
}
