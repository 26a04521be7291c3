//! The verdicts: each scenario's instruction count on each backend, candidate against baseline,
//! judged by its limit; the targets of `benches/gate.toml` on the candidate; and the whole run.

use serde::Serialize;

use super::{
    callgrind::Measured,
    thresholds::{Metric, Target, Thresholds},
};
use crate::status::Status;

/// Two repeats of one scenario in one process further apart than this (relative) mean the
/// scenario is not deterministic enough to judge. Measured: a few hundredths of a percent in
/// most checkouts, but the heap's state at a repeat depends on the lengths of the paths in play,
/// and a fresh clone in another folder measured reference write.set_all's repeats 0.55% apart
/// (two runs of one build still agreed within 0.03%). 1% is half the 2% regression threshold.
pub const REPEAT_TOLERANCE: f64 = 0.01;

/// The report's word for a status: GO, NO-GO or INCONCLUSIVE.
pub fn word(status: Status) -> &'static str {
    match status {
        Status::Passed => "GO",
        Status::Failed => "NO-GO",
        Status::Inconclusive => "INCONCLUSIVE",
        Status::CouldNotRun | Status::NotRun => "COULD NOT RUN",
    }
}

/// One scenario on one backend.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub scenario: String,
    pub backend: String,
    /// Instructions per call.
    pub baseline: Option<f64>,
    pub candidate: Option<f64>,
    /// candidate / baseline - 1.
    pub change: Option<f64>,
    /// candidate - baseline, instructions per call.
    pub change_ir: Option<f64>,
    pub relative: f64,
    pub absolute: f64,
    #[serde(serialize_with = "serialize_word")]
    pub verdict: Status,
    /// Why it is not GO; empty for GO.
    pub why: String,
    /// For a NO-GO: the functions whose instructions changed most in one batch.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub functions: Vec<String>,
}

pub(super) fn serialize_word<S: serde::Serializer>(
    status: &Status,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.serialize_str(word(*status))
}

/// Judges every scenario the candidate or the baseline measured, backend by backend.
pub fn compare(candidate: &[Measured], baseline: &[Measured], thresholds: &Thresholds) -> Vec<Row> {
    let mut rows = Vec::new();
    for cand in candidate {
        let base = baseline.iter().find(|b| b.backend == cand.backend);
        let mut scenarios: Vec<&String> = cand.counts.keys().collect();
        if let Some(base) = base {
            scenarios.extend(base.counts.keys().filter(|s| !cand.counts.contains_key(*s)));
        }
        for scenario in scenarios {
            let limit = thresholds.limit(scenario, Metric::Instructions);
            let c = cand.counts.get(scenario);
            let b = base.and_then(|base| base.counts.get(scenario));
            let (verdict, why) = judge(
                c.map(|c| (c.per_call(), c.spread())),
                b.map(|b| (b.per_call(), b.spread())),
                limit.relative,
                limit.absolute,
            );
            let (baseline, candidate) = (b.map(|b| b.per_call()), c.map(|c| c.per_call()));
            let change_ir = candidate.zip(baseline).map(|(c, b)| c - b);
            let change = candidate.zip(baseline).map(|(c, b)| c / b - 1.0);
            rows.push(Row {
                scenario: scenario.clone(),
                backend: cand.backend.clone(),
                baseline,
                candidate,
                change,
                change_ir,
                relative: limit.relative,
                absolute: limit.absolute,
                verdict,
                why,
                functions: Vec::new(),
            });
        }
    }
    rows
}

/// One scenario: `(per call, spread of the repeats)` of each side, against the limit. NO-GO
/// needs the growth to exceed BOTH the relative threshold and the absolute floor, so that a
/// few instructions more on a short call are not a "regression".
fn judge(
    candidate: Option<(f64, f64)>,
    baseline: Option<(f64, f64)>,
    relative: f64,
    absolute: f64,
) -> (Status, String) {
    let (Some((cand, cand_spread)), Some((base, base_spread))) = (candidate, baseline) else {
        let side = if candidate.is_none() {
            "the candidate"
        } else {
            "the baseline"
        };
        return (Status::Inconclusive, format!("{side} did not measure it"));
    };
    for (side, spread) in [("candidate", cand_spread), ("baseline", base_spread)] {
        // A NaN spread (a repeat without a count) is not deterministic either.
        if spread.is_nan() || spread > REPEAT_TOLERANCE {
            return (
                Status::Inconclusive,
                format!(
                    "not deterministic: the {side}'s two repeats differ by {:.2}% (at most {:.1}%)",
                    spread * 100.0,
                    REPEAT_TOLERANCE * 100.0
                ),
            );
        }
    }
    if !(cand.is_finite() && base.is_finite() && base > 0.0) {
        return (Status::Inconclusive, "no usable count".to_owned());
    }
    let grew = cand - base;
    let change = cand / base - 1.0;
    if change > relative && grew > absolute {
        (
            Status::Failed,
            format!(
                "{:+.2}% ({:+.0} Ir per call) exceeds both {:.1}% and {:.0} Ir",
                change * 100.0,
                grew,
                relative * 100.0,
                absolute
            ),
        )
    } else {
        (Status::Passed, String::new())
    }
}

/// The largest change between the two sides of `rows`, relative (0 when none was measured).
pub fn largest_change(rows: &[Row]) -> f64 {
    rows.iter()
        .filter_map(|r| r.change.map(f64::abs))
        .fold(0.0, f64::max)
}

/// Why two sides' counts cannot be compared, if they cannot: they ran on different Pythons
/// (both sides run on this machine, under this valgrind, with wheels built by this toolchain,
/// so the interpreter is what can differ: a baseline venv made before a Python upgrade).
pub fn environments_differ(candidate: &[Measured], baseline: &[Measured]) -> Option<String> {
    candidate.iter().find_map(|c| {
        let b = baseline.iter().find(|b| b.backend == c.backend)?;
        (c.python != b.python).then(|| {
            format!(
                "the environments differ: Python {} (candidate) and {} (baseline)",
                c.python, b.python
            )
        })
    })
}

/// A target on the candidate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetRow {
    pub name: String,
    pub gating: bool,
    pub metric: &'static str,
    pub numerator: String,
    pub denominator: String,
    pub factor: f64,
    /// The smallest speed-up seen (denominator / numerator per call), and where.
    pub worst: Option<f64>,
    pub worst_scenario: Option<String>,
    /// How far the worst is from the factor (worst / factor - 1; negative when not met).
    pub gap: Option<f64>,
    /// The scenarios of the target that a contestant cannot run, with why ("id: reason"):
    /// reported, never silently dropped.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_applicable: Vec<String>,
    #[serde(serialize_with = "serialize_word")]
    pub verdict: Status,
    pub why: String,
}

/// The instruction-count targets on the candidate's counts (its backends and 2.6.0's):
/// `numerator` at least `factor` times faster (fewer instructions per call) than `denominator`
/// in each of its scenarios. A target this check cannot measure (another metric, a contestant
/// not counted, named with why in `not_counted`) is INCONCLUSIVE: for a tracked target that is
/// only reported, for a gating one it holds the gate. A scenario a contestant cannot run (its
/// `skipped`) is listed in `not_applicable`; with `scenarios = "all"` the target is judged on
/// the others.
pub fn targets(
    candidate: &[Measured],
    targets: &[Target],
    not_counted: &[(String, String)],
) -> Vec<TargetRow> {
    targets
        .iter()
        .map(|target| {
            let mut row = TargetRow {
                name: target.name.clone(),
                gating: target.gating,
                metric: match target.metric {
                    Metric::Instructions => "instructions",
                    Metric::Wall => "wall",
                },
                numerator: target.numerator.clone(),
                denominator: target.denominator.clone(),
                factor: target.factor,
                worst: None,
                worst_scenario: None,
                gap: None,
                not_applicable: Vec::new(),
                verdict: Status::Inconclusive,
                why: String::new(),
            };
            let missing = [&target.numerator, &target.denominator]
                .into_iter()
                .find_map(|name| not_counted.iter().find(|(n, _)| n == name));
            if let (Metric::Instructions, Some((name, why))) = (target.metric, missing) {
                row.why = format!("{name} was not counted: {why}");
                return row;
            }
            let fast = candidate.iter().find(|m| m.backend == target.numerator);
            let slow = candidate.iter().find(|m| m.backend == target.denominator);
            let (Metric::Instructions, Some(fast), Some(slow)) = (target.metric, fast, slow) else {
                row.why = format!(
                    "not measured here: this check counts the instructions of reference, native and legacy ({} of {} vs {})",
                    row.metric, target.numerator, target.denominator
                );
                return row;
            };
            let skipped = |scenario: &String| {
                [fast, slow].into_iter().find_map(|m| {
                    m.skipped
                        .get(scenario)
                        .map(|why| format!("{scenario}: not applicable to {}: {why}", m.backend))
                })
            };
            let listed: Vec<&String> = match &target.scenarios {
                Some(list) => list.iter().collect(),
                None => fast
                    .counts
                    .keys()
                    .chain(fast.skipped.keys())
                    .chain(slow.counts.keys())
                    .chain(slow.skipped.keys())
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect(),
            };
            let mut scenarios = Vec::new();
            for scenario in listed {
                match skipped(scenario) {
                    // Named by the target, a scenario it cannot judge leaves it unjudged.
                    Some(why) if target.scenarios.is_some() => {
                        row.why = why;
                        return row;
                    }
                    Some(why) => row.not_applicable.push(why),
                    None => scenarios.push(scenario),
                }
            }
            for scenario in scenarios {
                let (Some(f), Some(s)) = (fast.counts.get(scenario), slow.counts.get(scenario)) else {
                    row.why = format!("{scenario} was not measured on both");
                    return row;
                };
                // The regression rows judge the sides' repeats; 2.6.0 has no such row.
                for (who, count) in [(&target.numerator, f), (&target.denominator, s)] {
                    let spread = count.spread();
                    if spread.is_nan() || spread > REPEAT_TOLERANCE {
                        row.why = format!(
                            "{scenario} is not deterministic on {who}: its two repeats differ by \
                             {:.2}% (at most {:.1}%)",
                            spread * 100.0,
                            REPEAT_TOLERANCE * 100.0
                        );
                        return row;
                    }
                }
                let ratio = s.per_call() / f.per_call();
                if row.worst.is_none_or(|worst| ratio < worst) {
                    row.worst = Some(ratio);
                    row.worst_scenario = Some(scenario.clone());
                }
            }
            let Some(worst) = row.worst else {
                row.why = "no scenario to judge".to_owned();
                return row;
            };
            row.gap = Some(worst / target.factor - 1.0);
            if worst >= target.factor {
                row.verdict = Status::Passed;
            } else {
                row.verdict = Status::Failed;
                row.why = format!(
                    "{:.2}x on {}, below {:.2}x",
                    worst,
                    row.worst_scenario.as_deref().unwrap_or("?"),
                    target.factor
                );
            }
            row
        })
        .collect()
}

/// The run's status: NO-GO when a scenario regressed or a gating target is not met; else
/// INCONCLUSIVE when something could not be judged (a row, a gating target, the control); else
/// GO. A tracked target never changes it.
pub fn overall(rows: &[Row], targets: &[TargetRow], control: Option<Status>) -> Status {
    let rows = rows.iter().map(|r| r.verdict);
    let gating = targets.iter().filter(|t| t.gating).map(|t| t.verdict);
    let judged = rows.chain(gating).fold(Status::Passed, Status::worst);
    match control {
        // A control that flags means the measurement itself is not to be trusted.
        Some(Status::Passed) | None => judged,
        Some(_) if judged == Status::Failed => judged,
        Some(_) => Status::Inconclusive,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_regression_needs_both_the_threshold_and_the_floor() {
        // +5% but only 2 instructions: no regression.
        assert_eq!(
            judge(Some((42.0, 0.0)), Some((40.0, 0.0)), 0.02, 100.0).0,
            Status::Passed
        );
        // +300 instructions but only +1%: no regression.
        assert_eq!(
            judge(Some((30_300.0, 0.0)), Some((30_000.0, 0.0)), 0.02, 100.0).0,
            Status::Passed
        );
        // +5% and +1500: NO-GO, with both figures named.
        let (status, why) = judge(Some((31_500.0, 0.0)), Some((30_000.0, 0.0)), 0.02, 100.0);
        assert_eq!(status, Status::Failed);
        assert!(why.starts_with("+5.00% (+1500 Ir per call)"), "{why}");
        // Faster is fine.
        assert_eq!(
            judge(Some((1.0, 0.0)), Some((30_000.0, 0.0)), 0.02, 100.0).0,
            Status::Passed
        );
    }

    #[test]
    fn each_inconclusive_cause_is_named() {
        let (status, why) = judge(None, Some((1.0, 0.0)), 0.02, 100.0);
        assert_eq!(
            (status, why.as_str()),
            (Status::Inconclusive, "the candidate did not measure it")
        );
        let (status, why) = judge(Some((1.0, 0.0)), None, 0.02, 100.0);
        assert_eq!(
            (status, why.as_str()),
            (Status::Inconclusive, "the baseline did not measure it")
        );
        let (status, why) = judge(Some((1.0, 0.015)), Some((1.0, 0.0)), 0.02, 100.0);
        assert_eq!(status, Status::Inconclusive);
        assert!(
            why.starts_with("not deterministic: the candidate's two repeats differ by 1.50%"),
            "{why}"
        );
        let (status, _) = judge(Some((1.0, f64::NAN)), Some((1.0, 0.0)), 0.02, 100.0);
        assert_eq!(
            status,
            Status::Inconclusive,
            "an unknown spread is not deterministic"
        );
    }

    #[test]
    fn different_pythons_cannot_be_compared() {
        let measured = |python: &str| Measured {
            backend: "native".into(),
            python: python.into(),
            dictwalk: "3.0.0a1".into(),
            counts: Default::default(),
            skipped: Default::default(),
        };
        assert_eq!(
            environments_differ(&[measured("3.11.7")], &[measured("3.11.7")]),
            None
        );
        assert_eq!(
            environments_differ(&[measured("3.11.7")], &[measured("3.12.1")]).as_deref(),
            Some("the environments differ: Python 3.11.7 (candidate) and 3.12.1 (baseline)")
        );
    }

    fn on(backend: &str, per_call: &[(&str, f64)], skipped: &[(&str, &str)]) -> Measured {
        Measured {
            backend: backend.into(),
            python: "3.11.7".into(),
            dictwalk: "2.6.0".into(),
            counts: per_call
                .iter()
                .map(|(id, ir)| {
                    let count = crate::bench::callgrind::Count {
                        repeats: vec![*ir, *ir],
                        dumps: Vec::new(),
                    };
                    ((*id).to_owned(), count)
                })
                .collect(),
            skipped: skipped
                .iter()
                .map(|(id, why)| ((*id).to_owned(), (*why).to_owned()))
                .collect(),
        }
    }

    fn native_vs_legacy(scenarios: Option<&[&str]>) -> Target {
        Target {
            name: "native-vs-legacy".into(),
            numerator: "native".into(),
            denominator: "legacy".into(),
            factor: 3.0,
            scenarios: scenarios.map(|s| s.iter().map(|id| (*id).to_owned()).collect()),
            metric: Metric::Instructions,
            gating: false,
            reason: "r".into(),
        }
    }

    #[test]
    fn a_target_against_legacy_is_judged_on_its_counts() {
        let native = on("native", &[("read.get", 1000.0), ("read.deep", 100.0)], &[]);
        let legacy = on(
            "legacy",
            &[("read.get", 12000.0), ("read.deep", 250.0)],
            &[("write.set", "a feature it lacks")],
        );
        let judged = targets(
            &[native.clone(), legacy.clone()],
            &[native_vs_legacy(None)],
            &[],
        );
        let row = &judged[0];
        assert_eq!(row.verdict, Status::Failed);
        assert_eq!(row.worst, Some(2.5));
        assert_eq!(row.worst_scenario.as_deref(), Some("read.deep"));
        assert_eq!(row.why, "2.50x on read.deep, below 3.00x");
        // The scenario 2.6.0 cannot run is named, not dropped.
        assert_eq!(
            row.not_applicable,
            ["write.set: not applicable to legacy: a feature it lacks"]
        );
        // Met when every judged scenario is.
        let met = targets(
            &[native.clone(), legacy.clone()],
            &[native_vs_legacy(Some(&["read.get"]))],
            &[],
        );
        assert_eq!((met[0].verdict, met[0].worst), (Status::Passed, Some(12.0)));
        // A scenario the target names that 2.6.0 cannot run leaves it unjudged.
        let named = targets(
            &[native.clone(), legacy],
            &[native_vs_legacy(Some(&["read.get", "write.set"]))],
            &[],
        );
        assert_eq!(named[0].verdict, Status::Inconclusive);
        assert_eq!(
            named[0].why,
            "write.set: not applicable to legacy: a feature it lacks"
        );
    }

    #[test]
    fn a_legacy_not_counted_makes_its_target_inconclusive_with_why() {
        let native = on("native", &[("read.get", 1000.0)], &[]);
        let not_counted = [(
            "legacy".to_owned(),
            "dictwalk 2.6.0's venv could not be set up: no network".to_owned(),
        )];
        let judged = targets(&[native], &[native_vs_legacy(None)], &not_counted);
        assert_eq!(judged[0].verdict, Status::Inconclusive);
        assert_eq!(
            judged[0].why,
            "legacy was not counted: dictwalk 2.6.0's venv could not be set up: no network"
        );
        assert_eq!(judged[0].worst, None);
        // Repeats too far apart on 2.6.0 leave it unjudged too.
        let mut wobbly = on("legacy", &[("read.get", 12000.0)], &[]);
        if let Some(count) = wobbly.counts.get_mut("read.get") {
            count.repeats = vec![12000.0, 12300.0];
        }
        let judged_wobbly = targets(
            &[on("native", &[("read.get", 1000.0)], &[]), wobbly],
            &[native_vs_legacy(None)],
            &[],
        );
        assert_eq!(judged_wobbly[0].verdict, Status::Inconclusive);
        assert!(
            judged_wobbly[0].why.starts_with(
                "read.get is not deterministic on legacy: its two repeats differ by 2.47%"
            ),
            "{}",
            judged_wobbly[0].why
        );
        // Gating, it holds the run.
        let mut gating = judged[0].clone();
        gating.gating = true;
        assert_eq!(overall(&[], &[gating], None), Status::Inconclusive);
    }

    #[test]
    fn the_control_and_the_targets_decide_the_whole() {
        let row = |verdict| Row {
            scenario: "s".into(),
            backend: "native".into(),
            baseline: None,
            candidate: None,
            change: None,
            change_ir: None,
            relative: 0.0,
            absolute: 0.0,
            verdict,
            why: String::new(),
            functions: Vec::new(),
        };
        let target = |gating, verdict| TargetRow {
            name: "t".into(),
            gating,
            metric: "instructions",
            numerator: "native".into(),
            denominator: "reference".into(),
            factor: 1.0,
            worst: None,
            worst_scenario: None,
            gap: None,
            not_applicable: Vec::new(),
            verdict,
            why: String::new(),
        };
        let go = [row(Status::Passed)];
        assert_eq!(overall(&go, &[], Some(Status::Passed)), Status::Passed);
        assert_eq!(
            overall(&go, &[target(false, Status::Failed)], None),
            Status::Passed
        );
        assert_eq!(
            overall(&go, &[target(true, Status::Failed)], None),
            Status::Failed
        );
        assert_eq!(
            overall(&go, &[target(true, Status::Inconclusive)], None),
            Status::Inconclusive
        );
        assert_eq!(
            overall(&go, &[], Some(Status::Failed)),
            Status::Inconclusive
        );
        let no_go = [row(Status::Failed), row(Status::Inconclusive)];
        assert_eq!(overall(&no_go, &[], Some(Status::Failed)), Status::Failed);
    }
}
