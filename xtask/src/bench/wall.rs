//! Paired wall time: `benches/paired.py` times candidate and baseline batches interleaved in
//! two worker processes (never at the same time), and each scenario's per-pair ratios are
//! judged with `stats.rs`: the median ratio, its bootstrap 95% interval and the Wilcoxon
//! p-value, corrected across scenarios by Holm. Wall time moves by tens of percent on a shared
//! machine, so it says NO-GO only when the whole interval lies beyond its threshold (and the
//! time per call grew by more than the floor); otherwise it can only warn.

use std::{collections::BTreeMap, fs, path::Path};

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};
use xshell::{cmd, Shell};

use super::{
    stats::{self, WallVerdict},
    thresholds::{Metric, Thresholds},
};
use crate::{exec, status::Status};

/// The driver, relative to the project root.
pub const DRIVER: &str = "benches/paired.py";
/// Pairs per scenario: enough for the signed-rank test to find a real shift with a 95%
/// interval a few percent wide.
pub const PAIRS: u32 = 30;
/// The significance level of the corrected p-values.
const ALPHA: f64 = 0.05;

#[derive(Debug, Deserialize)]
struct Saved {
    schema_version: u32,
    backend: String,
    scenarios: BTreeMap<String, SavedScenario>,
}

#[derive(Debug, Deserialize)]
struct SavedScenario {
    n: u64,
    candidate: Vec<f64>,
    baseline: Vec<f64>,
}

/// One scenario's pairs on one backend, nanoseconds per call.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub backend: String,
    pub scenario: String,
    /// Calls per batch.
    pub n: u64,
    pub candidate: Vec<f64>,
    pub baseline: Vec<f64>,
}

/// Times `backend` of the two interpreters' installs against each other, `PAIRS` pairs per
/// scenario, the driver run by `driver` (the development venv's interpreter).
pub fn pair(
    sh: &Shell,
    driver: &Path,
    candidate: &Path,
    baseline: &Path,
    backend: &str,
    out: &Path,
) -> anyhow::Result<Vec<Sample>> {
    let script = sh.current_dir().join(DRIVER);
    if let Some(dir) = out.parent() {
        fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
    }
    let pairs = PAIRS.to_string();
    exec::run(
        "paired wall time",
        cmd!(
            sh,
            "{driver} -s {script} --backend {backend} --candidate {candidate} --baseline {baseline} --pairs {pairs} --out {out}"
        )
        .env_remove("PYTHONPATH")
        .env_remove("DICTWALK_BACKEND"),
    )
    .with_context(|| format!("time {backend} in pairs"))?;
    let text = fs::read_to_string(out).with_context(|| format!("read {}", out.display()))?;
    let saved: Saved = serde_json::from_str(&text)
        .with_context(|| format!("{} is not the driver's record", out.display()))?;
    if saved.schema_version != 1 || saved.backend != backend {
        bail!(
            "{} records schema {} for {}, not schema 1 for {backend}",
            out.display(),
            saved.schema_version,
            saved.backend
        );
    }
    Ok(saved
        .scenarios
        .into_iter()
        .map(|(scenario, s)| Sample {
            backend: saved.backend.clone(),
            scenario,
            n: s.n,
            candidate: s.candidate,
            baseline: s.baseline,
        })
        .collect())
}

/// One scenario on one backend, judged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WallRow {
    pub scenario: String,
    pub backend: String,
    pub calls_per_batch: u64,
    pub pairs: usize,
    pub median_ratio: Option<f64>,
    pub ci: Option<(f64, f64)>,
    pub p: Option<f64>,
    pub p_holm: Option<f64>,
    /// The median time per call, candidate minus baseline, in ns.
    pub change_ns: Option<f64>,
    pub relative: f64,
    pub absolute: f64,
    #[serde(serialize_with = "super::verdict::serialize_word")]
    pub verdict: Status,
    /// The median is beyond the threshold, but the interval or the p-value does not prove it.
    pub warn: bool,
    pub why: String,
}

/// Judges every sample; the p-values are corrected together (Holm).
pub fn judge(samples: &[Sample], thresholds: &Thresholds) -> Vec<WallRow> {
    let paired: Vec<Option<stats::Paired>> = samples
        .iter()
        .enumerate()
        .map(|(i, s)| stats::paired_ratios(&s.candidate, &s.baseline, i as u64))
        .collect();
    let raw: Vec<f64> = paired
        .iter()
        .map(|p| p.as_ref().map_or(f64::NAN, |p| p.p))
        .collect();
    let adjusted = stats::holm(&raw);
    samples
        .iter()
        .zip(paired)
        .zip(adjusted)
        .map(|((sample, paired), p_holm)| {
            let limit = thresholds.limit(&sample.scenario, Metric::Wall);
            let change_ns = stats::median(&sample.candidate)
                .zip(stats::median(&sample.baseline))
                .map(|(c, b)| c - b);
            let mut row = WallRow {
                scenario: sample.scenario.clone(),
                backend: sample.backend.clone(),
                calls_per_batch: sample.n,
                pairs: sample.candidate.len(),
                median_ratio: paired.map(|p| p.median_ratio),
                ci: paired.map(|p| p.ci),
                p: paired.map(|p| p.p),
                p_holm: paired.map(|_| p_holm),
                change_ns,
                relative: limit.relative,
                absolute: limit.absolute,
                verdict: Status::Passed,
                warn: false,
                why: String::new(),
            };
            let Some(paired) = paired else {
                row.verdict = Status::Inconclusive;
                row.why = "no usable pairs".to_owned();
                return row;
            };
            let beyond_floor = change_ns.is_some_and(|c| c > limit.absolute);
            match stats::wall_verdict(&paired, p_holm, limit.relative, ALPHA) {
                WallVerdict::Regressed if beyond_floor => {
                    row.verdict = Status::Failed;
                    row.why = format!(
                        "{:.3}x, 95% interval {:.3}-{:.3}x beyond {:.2}x, p = {:.2e} (Holm)",
                        paired.median_ratio,
                        paired.ci.0,
                        paired.ci.1,
                        1.0 + limit.relative,
                        p_holm
                    );
                }
                WallVerdict::Regressed | WallVerdict::Warn => {
                    row.warn = true;
                    row.why = format!(
                        "median {:.3}x beyond {:.2}x, not proven (interval {:.3}-{:.3}x, p = {:.2e})",
                        paired.median_ratio,
                        1.0 + limit.relative,
                        paired.ci.0,
                        paired.ci.1,
                        p_holm
                    );
                }
                WallVerdict::Fine if paired.ci.0 > 1.0 && p_holm < ALPHA => {
                    // Slower beyond doubt, but within the threshold: said, never a NO-GO.
                    row.warn = true;
                    row.why = format!(
                        "slower, proven (interval {:.3}-{:.3}x, p = {:.2e}), within {:.2}x",
                        paired.ci.0,
                        paired.ci.1,
                        p_holm,
                        1.0 + limit.relative
                    );
                }
                WallVerdict::Fine => {}
            }
            row
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn thresholds() -> anyhow::Result<Thresholds> {
        Thresholds::parse(
            "gate.toml",
            "schema_version = 1\n[metric.instructions]\nrelative = 0.02\nabsolute = 50\n\
             [metric.wall]\nrelative = 0.25\nabsolute = 50\n",
            &["a", "b"],
        )
    }

    fn sample(scenario: &str, ratio: f64) -> Sample {
        // Seeded noise of +-5% on both sides, the candidate `ratio` times the baseline.
        let mut rng = fastrand::Rng::with_seed(7);
        let mut noise = || 1.0 + (rng.f64() - 0.5) * 0.1;
        let baseline: Vec<f64> = (0..30).map(|_| 1000.0 * noise()).collect();
        let candidate: Vec<f64> = (0..30).map(|_| 1000.0 * ratio * noise()).collect();
        Sample {
            backend: "native".into(),
            scenario: scenario.into(),
            n: 100,
            candidate,
            baseline,
        }
    }

    #[test]
    fn a_large_slowdown_is_no_go_and_noise_is_not() -> anyhow::Result<()> {
        let rows = judge(&[sample("a", 1.6), sample("b", 1.0)], &thresholds()?);
        assert_eq!(rows[0].verdict, Status::Failed, "{:?}", rows[0]);
        assert!(rows[0].why.contains("beyond 1.25x"), "{}", rows[0].why);
        assert_eq!(
            (rows[1].verdict, rows[1].warn),
            (Status::Passed, false),
            "{:?}",
            rows[1]
        );
        Ok(())
    }

    #[test]
    fn a_slowdown_within_the_floor_only_warns() -> anyhow::Result<()> {
        // 1.6x of a 10 ns call is 6 ns, under the 50 ns floor.
        let mut tiny = sample("a", 1.6);
        tiny.candidate.iter_mut().for_each(|x| *x /= 100.0);
        tiny.baseline.iter_mut().for_each(|x| *x /= 100.0);
        let rows = judge(&[tiny], &thresholds()?);
        assert_eq!(
            (rows[0].verdict, rows[0].warn),
            (Status::Passed, true),
            "{:?}",
            rows[0]
        );
        Ok(())
    }

    #[test]
    fn a_proven_slowdown_within_the_threshold_warns() -> anyhow::Result<()> {
        let rows = judge(&[sample("a", 1.15)], &thresholds()?);
        assert_eq!(
            (rows[0].verdict, rows[0].warn),
            (Status::Passed, true),
            "{:?}",
            rows[0]
        );
        assert!(rows[0].why.starts_with("slower, proven"), "{}", rows[0].why);
        Ok(())
    }

    #[test]
    fn unusable_pairs_are_inconclusive() -> anyhow::Result<()> {
        let mut broken = sample("a", 1.0);
        broken.candidate.pop();
        let rows = judge(&[broken], &thresholds()?);
        assert_eq!(rows[0].verdict, Status::Inconclusive);
        Ok(())
    }
}
