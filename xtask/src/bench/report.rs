//! The bench report: `bench.json` (the shared `report::Json` of `Report`) and `bench.md`, which
//! fits a pull-request comment: the verdict and its reasons, the scenarios that changed, the
//! targets, the A/A control, then the unchanged scenarios folded, the Rust core's hot paths (for
//! information), and both sides' environment.

use std::io;

use serde::Serialize;

use super::{
    callgrind::Measured,
    verdict::{word, Row, TargetRow},
    wall::WallRow,
};
use crate::{
    report::{
        markdown::{cell, table_aligned},
        Emitter,
    },
    status::Status,
};

pub const JSON: &str = "bench.json";
pub const MARKDOWN: &str = "bench.md";
/// The reports a bench run writes.
pub const FILES: [&str; 2] = [JSON, MARKDOWN];

/// A change smaller than this (relative) is "unchanged" and folded away in bench.md.
const UNCHANGED: f64 = 0.001;

/// One side of the comparison: what was measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Side {
    /// How it was asked for: `this checkout`, `main`, `HEAD~1`, a folder.
    pub asked: String,
    pub commit: Option<String>,
    pub wheel: String,
    pub sha256: String,
    pub python: String,
    pub dictwalk: String,
}

/// The A/A control: the candidate against a second install of itself.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Control {
    #[serde(serialize_with = "serialize_word")]
    pub verdict: Status,
    /// The scenarios (and backends) that the control judged other than GO.
    pub flagged: Vec<String>,
    /// The largest difference in instructions per call between the two installs (relative).
    pub largest_ir_difference: f64,
    /// The control's paired wall times.
    pub wall: Vec<WallRow>,
}

/// The Rust core's hot paths, counted by `core-instructions` without Python: information for
/// the reader, never part of the verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoreInfo {
    pub hot_paths: Vec<CoreRow>,
    /// Why a side's core was not counted, one line each.
    pub not_counted: Vec<String>,
}

/// One hot path of the core, instructions per call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoreRow {
    pub hot_path: String,
    pub baseline: Option<f64>,
    pub candidate: Option<f64>,
    /// candidate / baseline - 1.
    pub change: Option<f64>,
    /// How far the candidate's repeats are apart, relative to their mean.
    pub spread: Option<f64>,
}

/// The core section from the core runners' counts by side (`cand`, `base`); `with_baseline`
/// says whether the run had a baseline to count.
pub fn core_info(measured: &[(&str, anyhow::Result<Measured>)], with_baseline: bool) -> CoreInfo {
    let mut not_counted = Vec::new();
    let of = |side: &str| measured.iter().find(|(s, _)| *s == side).map(|(_, m)| m);
    let mut counted = |side: &str, name: &str| match of(side) {
        Some(Ok(m)) => Some(m.counts.clone()),
        Some(Err(err)) => {
            not_counted.push(format!(
                "{name}: {}",
                format!("{err:#}").lines().next().unwrap_or_default()
            ));
            None
        }
        None => None,
    };
    let cand = counted("cand", "candidate");
    let base = counted("base", "baseline");
    if with_baseline && base.is_none() && of("base").is_none() {
        not_counted.push(
            "baseline: it has no core runner (a revision before it, or --baseline-wheels)"
                .to_owned(),
        );
    }
    let mut ids: Vec<&String> = cand
        .iter()
        .chain(base.iter())
        .flat_map(|c| c.keys())
        .collect();
    ids.sort();
    ids.dedup();
    let hot_paths = ids
        .into_iter()
        .map(|id| {
            let c = cand.as_ref().and_then(|c| c.get(id));
            let b = base.as_ref().and_then(|b| b.get(id));
            let (candidate, baseline) = (c.map(|c| c.per_call()), b.map(|b| b.per_call()));
            CoreRow {
                hot_path: id.clone(),
                baseline,
                candidate,
                change: candidate.zip(baseline).map(|(c, b)| c / b - 1.0),
                spread: c.map(|c| c.spread()),
            }
        })
        .collect();
    CoreInfo {
        hot_paths,
        not_counted,
    }
}

/// dictwalk 2.6.0 (`legacy`), counted once beside the candidate's backends: its instructions
/// per call and the candidate's ratios to it, for the targets, the history and the board.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LegacyInfo {
    /// The version counted (`2.6.0`); None when it was not counted.
    pub dictwalk: Option<String>,
    /// Why it was not counted, one line; None when it was.
    pub not_counted: Option<String>,
    /// Every scenario the candidate or 2.6.0 knows, in id order.
    pub scenarios: Vec<LegacyRow>,
}

/// One scenario: instructions per call of 2.6.0 and the candidate's backends, and their ratios.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LegacyRow {
    pub scenario: String,
    pub legacy: Option<f64>,
    pub native: Option<f64>,
    pub reference: Option<f64>,
    /// native / legacy instructions per call (below 1: native is cheaper).
    pub native_over_legacy: Option<f64>,
    /// reference / legacy instructions per call.
    pub reference_over_legacy: Option<f64>,
    /// How far 2.6.0's repeats are apart, relative to their mean.
    pub spread: Option<f64>,
    /// Why 2.6.0 cannot run the scenario (a feature it lacks, a declared divergence).
    pub not_applicable: Option<String>,
}

/// The legacy section from the candidate's counts and 2.6.0's (or why it was not counted).
pub fn legacy_info(candidate: &[Measured], legacy: &anyhow::Result<Measured>) -> LegacyInfo {
    let backend = |name: &str| candidate.iter().find(|m| m.backend == name);
    let (native, reference) = (backend("native"), backend("reference"));
    let legacy = legacy.as_ref();
    let mut ids: Vec<&String> = candidate
        .iter()
        .flat_map(|m| m.counts.keys())
        .chain(
            legacy
                .iter()
                .flat_map(|m| m.counts.keys().chain(m.skipped.keys())),
        )
        .collect();
    ids.sort();
    ids.dedup();
    let per_call =
        |m: Option<&Measured>, id: &str| m.and_then(|m| m.counts.get(id)).map(|c| c.per_call());
    let scenarios = ids
        .into_iter()
        .map(|id| {
            let count = legacy.ok().and_then(|m| m.counts.get(id));
            let old = count.map(|c| c.per_call());
            let (native, reference) = (per_call(native, id), per_call(reference, id));
            let over = |x: Option<f64>| x.zip(old).map(|(x, old)| x / old);
            LegacyRow {
                scenario: id.clone(),
                legacy: old,
                native,
                reference,
                native_over_legacy: over(native),
                reference_over_legacy: over(reference),
                spread: count.map(|c| c.spread()),
                not_applicable: legacy.ok().and_then(|m| m.skipped.get(id).cloned()),
            }
        })
        .collect();
    LegacyInfo {
        dictwalk: legacy.ok().map(|m| m.dictwalk.clone()),
        not_counted: legacy.err().map(|err| {
            format!("{err:#}")
                .lines()
                .next()
                .unwrap_or_default()
                .to_owned()
        }),
        scenarios,
    }
}

/// Where the counts were made; the only place for host data and times.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Environment {
    pub valgrind: String,
    pub cpu: String,
    pub rustc: String,
    pub os: &'static str,
    pub arch: &'static str,
    pub generated_at_unix: u64,
}

/// bench.json.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub schema_version: u32,
    #[serde(serialize_with = "serialize_word")]
    pub verdict: Status,
    /// Why it is not GO, one line each.
    pub reasons: Vec<String>,
    pub candidate: Side,
    /// None when the regression check was skipped (`--baseline none`); `baseline_skipped` says so.
    pub baseline: Option<Side>,
    pub baseline_skipped: Option<String>,
    pub scenarios: Vec<Row>,
    /// Paired wall time against the baseline, for each scenario and backend.
    pub wall: Vec<WallRow>,
    pub targets: Vec<TargetRow>,
    pub control: Option<Control>,
    pub core: CoreInfo,
    pub legacy: LegacyInfo,
    pub environment: Environment,
}

fn serialize_word<S: serde::Serializer>(status: &Status, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(word(*status))
}

pub struct MarkdownEmitter;

impl Emitter<Report> for MarkdownEmitter {
    fn emit(&self, out: &mut dyn io::Write, report: &Report) -> io::Result<()> {
        let mut text = Vec::new();
        self.emit_whole(&mut text, report)?;
        let whole = format!("`reports/{JSON}`");
        out.write_all(
            crate::report::markdown::fit_comment(
                String::from_utf8_lossy(&text).into_owned(),
                &whole,
            )
            .as_bytes(),
        )
    }
}

/// The lines under bench.md's title: each target's worst figure and verdict, and the count of
/// scenario verdicts, for a reader of the pull-request comment who reads no further.
fn key_figures(out: &mut dyn io::Write, report: &Report) -> io::Result<()> {
    if !report.targets.is_empty() {
        let targets: Vec<String> = report
            .targets
            .iter()
            .map(|t| {
                let worst = match (t.worst, &t.worst_scenario) {
                    (Some(w), Some(s)) => format!("{w:.2}× at worst (`{s}`)"),
                    (Some(w), None) => format!("{w:.2}× at worst"),
                    _ => "not measured".to_owned(),
                };
                format!(
                    "{}{} {} (wants {}× {} over {}): {worst}",
                    t.name,
                    if t.gating { "" } else { " (tracked)" },
                    word(t.verdict),
                    t.factor,
                    t.numerator,
                    t.denominator
                )
            })
            .collect();
        writeln!(out, "**Targets**: {}.\n", cell(&targets.join("; ")))?;
    }
    let judged = report.scenarios.len();
    let go = report
        .scenarios
        .iter()
        .filter(|r| r.verdict == Status::Passed)
        .count();
    if judged > 0 {
        writeln!(
            out,
            "**Scenarios**: {judged} judged (scenario × backend): {go} GO, {} not GO.\n",
            judged - go
        )?;
    }
    Ok(())
}

impl MarkdownEmitter {
    fn emit_whole(&self, out: &mut dyn io::Write, report: &Report) -> io::Result<()> {
        let mark = match report.verdict {
            Status::Passed => "✅",
            Status::Failed => "⛔",
            _ => "⚠️",
        };
        writeln!(out, "# Benchmark gate: {mark} {}\n", word(report.verdict))?;
        let side = |s: &Side| {
            format!(
                "`{}` ({}, wheel sha256 `{}`)",
                s.commit
                    .as_deref()
                    .map_or("-", |c| c.get(..12).unwrap_or(c)),
                s.asked,
                s.sha256.get(..12).unwrap_or(&s.sha256)
            )
        };
        match (&report.baseline, &report.baseline_skipped) {
            (Some(base), _) => writeln!(
                out,
                "Candidate {} against baseline {}, in instructions per call (callgrind).\n",
                side(&report.candidate),
                side(base)
            )?,
            (None, why) => writeln!(
                out,
                "Candidate {}. **No regression check**: {}.\n",
                side(&report.candidate),
                why.as_deref().unwrap_or("no baseline")
            )?,
        }
        key_figures(out, report)?;
        if !report.reasons.is_empty() {
            writeln!(out, "## Why {}\n", word(report.verdict))?;
            for reason in &report.reasons {
                writeln!(out, "- {}", cell(reason))?;
            }
            writeln!(out)?;
        }
        let (changed, unchanged): (Vec<&Row>, Vec<&Row>) =
            report.scenarios.iter().partition(|row| {
                row.verdict != Status::Passed || row.change.is_none_or(|c| c.abs() >= UNCHANGED)
            });
        if report.baseline.is_some() {
            writeln!(out, "## Scenarios that changed\n")?;
            if changed.is_empty() {
                writeln!(
                    out,
                    "None: every scenario is within {:.1}%.\n",
                    UNCHANGED * 100.0
                )?;
            }
            scenario_table(out, &changed)?;
            for row in changed.iter().filter(|r| !r.functions.is_empty()) {
                writeln!(
                    out,
                    "<details><summary>`{}` on {}: the functions whose instructions changed most \
                     (one batch, candidate minus baseline)</summary>\n\n```",
                    row.scenario, row.backend
                )?;
                for line in &row.functions {
                    writeln!(out, "{line}")?;
                }
                writeln!(out, "```\n\n</details>\n")?;
            }
        }
        if report.baseline.is_some() {
            writeln!(out, "## Wall time, paired and interleaved\n")?;
            let (notable, quiet): (Vec<&WallRow>, Vec<&WallRow>) = report
                .wall
                .iter()
                .partition(|row| row.verdict != Status::Passed || row.warn);
            if report.wall.is_empty() {
                writeln!(out, "Not measured.\n")?;
            } else if notable.is_empty() {
                writeln!(
                    out,
                    "No scenario is slower beyond doubt or beyond its threshold.\n"
                )?;
            } else {
                wall_table(out, &notable)?;
            }
            if !quiet.is_empty() {
                writeln!(
                    out,
                    "<details><summary>{} wall-time ratios without a warning</summary>\n",
                    quiet.len()
                )?;
                wall_table(out, &quiet)?;
                writeln!(out, "</details>\n")?;
            }
        }
        writeln!(out, "## Targets\n")?;
        if report.targets.is_empty() {
            writeln!(out, "None in the thresholds file.\n")?;
        }
        table_aligned(
            out,
            &[
                "target", "kind", "worst", "where", "needs", "gap", "verdict",
            ],
            &[2, 4, 5],
            report.targets.iter().map(|t| {
                vec![
                    format!(
                        "{}: {} vs {} ({})",
                        t.name, t.numerator, t.denominator, t.metric
                    ),
                    if t.gating { "gating" } else { "tracked" }.to_owned(),
                    t.worst.map_or("-".to_owned(), |w| format!("{w:.2}x")),
                    t.worst_scenario.clone().unwrap_or_else(|| "-".to_owned()),
                    format!("{:.2}x", t.factor),
                    t.gap
                        .map_or("-".to_owned(), |g| format!("{:+.0}%", g * 100.0)),
                    // A tracked target never decides the verdict: it is met or not, not GO.
                    match (t.gating, t.verdict) {
                        (false, Status::Passed) => "met".to_owned(),
                        (false, Status::Failed) => format!("not met: {}", t.why),
                        (false, _) => format!("not judged: {}", t.why),
                        (true, verdict) => verdict_cell(verdict, &t.why),
                    },
                ]
            }),
        )?;
        writeln!(out, "## A/A control\n")?;
        match &report.control {
            Some(control) if control.flagged.is_empty() => writeln!(
                out,
                "{}: a second install of the candidate differs by at most {:.3}% in instructions \
                 per call, and its paired wall times prove no slowdown.\n",
                word(control.verdict),
                control.largest_ir_difference * 100.0
            )?,
            Some(control) => writeln!(
                out,
                "{}: the candidate against itself was judged other than GO on {}.\n",
                word(control.verdict),
                cell(&control.flagged.join(", "))
            )?,
            None => writeln!(out, "Not run.\n")?,
        }
        if report.baseline.is_some() && !unchanged.is_empty() {
            writeln!(
                out,
                "<details><summary>{} unchanged scenarios (within {:.1}%)</summary>\n",
                unchanged.len(),
                UNCHANGED * 100.0
            )?;
            scenario_table(out, &unchanged)?;
            writeln!(out, "</details>\n")?;
        }
        legacy_section(out, &report.legacy)?;
        core_section(out, &report.core)?;
        writeln!(out, "## Environment\n")?;
        let env = &report.environment;
        let base = report.baseline.as_ref();
        table_aligned(
            out,
            &["", "candidate", "baseline"],
            &[],
            [
                (
                    "commit",
                    report.candidate.commit.clone().unwrap_or_default(),
                    base.and_then(|b| b.commit.clone()).unwrap_or_default(),
                ),
                (
                    "asked",
                    report.candidate.asked.clone(),
                    base.map(|b| b.asked.clone()).unwrap_or_default(),
                ),
                (
                    "wheel",
                    report.candidate.wheel.clone(),
                    base.map(|b| b.wheel.clone()).unwrap_or_default(),
                ),
                (
                    "wheel sha256",
                    report.candidate.sha256.clone(),
                    base.map(|b| b.sha256.clone()).unwrap_or_default(),
                ),
                (
                    "Python",
                    report.candidate.python.clone(),
                    base.map(|b| b.python.clone()).unwrap_or_default(),
                ),
                (
                    "dictwalk",
                    report.candidate.dictwalk.clone(),
                    base.map(|b| b.dictwalk.clone()).unwrap_or_default(),
                ),
            ]
            .into_iter()
            .map(|(what, c, b)| vec![what.to_owned(), format!("`{c}`"), format!("`{b}`")])
            .collect::<Vec<_>>()
            .into_iter(),
        )?;
        writeln!(
            out,
            "Both measured with {} on {} ({} {}); wheels built with {}.",
            env.valgrind, env.cpu, env.os, env.arch, env.rustc
        )?;
        Ok(())
    }
}

fn legacy_section(out: &mut dyn io::Write, legacy: &LegacyInfo) -> io::Result<()> {
    writeln!(out, "## Against dictwalk 2.6.0\n")?;
    match (&legacy.not_counted, &legacy.dictwalk) {
        (Some(why), _) => writeln!(out, "Not counted: {}.\n", cell(why))?,
        (None, version) => writeln!(
            out,
            "dictwalk {} counted once, in the candidate's run; a ratio below 1 is fewer \
             instructions per call than 2.6.0.\n",
            version.as_deref().unwrap_or("?")
        )?,
    }
    if legacy.scenarios.is_empty() {
        return Ok(());
    }
    let ir = |x: Option<f64>| x.map_or("-".to_owned(), |x| format!("{x:.0}"));
    let ratio = |x: Option<f64>| x.map_or("-".to_owned(), |x| format!("{x:.3}"));
    table_aligned(
        out,
        &[
            "scenario",
            "2.6.0 Ir",
            "native Ir",
            "reference Ir",
            "native / 2.6.0",
            "reference / 2.6.0",
        ],
        &[1, 2, 3, 4, 5],
        legacy
            .scenarios
            .iter()
            .map(|row| match &row.not_applicable {
                Some(why) => vec![
                    format!("`{}`", row.scenario),
                    format!("not applicable: {why}"),
                    ir(row.native),
                    ir(row.reference),
                    "-".to_owned(),
                    "-".to_owned(),
                ],
                None => vec![
                    format!("`{}`", row.scenario),
                    ir(row.legacy),
                    ir(row.native),
                    ir(row.reference),
                    ratio(row.native_over_legacy),
                    ratio(row.reference_over_legacy),
                ],
            }),
    )
}

fn core_section(out: &mut dyn io::Write, core: &CoreInfo) -> io::Result<()> {
    writeln!(
        out,
        "<details><summary>The Rust core's hot paths, without Python (information, not \
         judged)</summary>\n"
    )?;
    for why in &core.not_counted {
        writeln!(out, "- not counted: {}", cell(why))?;
    }
    if !core.not_counted.is_empty() {
        writeln!(out)?;
    }
    if !core.hot_paths.is_empty() {
        table_aligned(
            out,
            &[
                "hot path",
                "baseline Ir",
                "candidate Ir",
                "change",
                "repeats apart",
            ],
            &[1, 2, 3, 4],
            core.hot_paths.iter().map(|row| {
                let ir = |x: Option<f64>| x.map_or("-".to_owned(), |x| format!("{x:.0}"));
                let percent = |x: Option<f64>, sign: bool| {
                    x.map_or("-".to_owned(), |x| {
                        if sign {
                            format!("{:+.2}%", x * 100.0)
                        } else {
                            format!("{:.2}%", x * 100.0)
                        }
                    })
                };
                vec![
                    format!("`{}`", row.hot_path),
                    ir(row.baseline),
                    ir(row.candidate),
                    percent(row.change, true),
                    percent(row.spread, false),
                ]
            }),
        )?;
    }
    writeln!(out, "</details>\n")
}

fn scenario_table(out: &mut dyn io::Write, rows: &[&Row]) -> io::Result<()> {
    table_aligned(
        out,
        &[
            "scenario",
            "backend",
            "baseline Ir",
            "candidate Ir",
            "change",
            "Δ Ir",
            "threshold",
            "verdict",
        ],
        &[2, 3, 4, 5],
        rows.iter().map(|row| {
            let ir = |x: Option<f64>| x.map_or("-".to_owned(), |x| format!("{x:.0}"));
            vec![
                format!("`{}`", row.scenario),
                row.backend.clone(),
                ir(row.baseline),
                ir(row.candidate),
                row.change
                    .map_or("-".to_owned(), |c| format!("{:+.2}%", c * 100.0)),
                row.change_ir.map_or("-".to_owned(), |c| format!("{c:+.0}")),
                format!("{:.1}% and {:.0} Ir", row.relative * 100.0, row.absolute),
                verdict_cell(row.verdict, &row.why),
            ]
        }),
    )
}

fn wall_table(out: &mut dyn io::Write, rows: &[&WallRow]) -> io::Result<()> {
    table_aligned(
        out,
        &[
            "scenario",
            "backend",
            "pairs",
            "median ratio",
            "95% interval",
            "p (Holm)",
            "Δ ns per call",
            "threshold",
            "verdict",
        ],
        &[2, 3, 5, 6],
        rows.iter().map(|row| {
            let verdict = if row.warn {
                format!("{} (warning: {})", word(row.verdict), row.why)
            } else {
                verdict_cell(row.verdict, &row.why)
            };
            vec![
                format!("`{}`", row.scenario),
                row.backend.clone(),
                row.pairs.to_string(),
                row.median_ratio
                    .map_or("-".to_owned(), |r| format!("{r:.3}")),
                row.ci
                    .map_or("-".to_owned(), |(lo, hi)| format!("{lo:.3}-{hi:.3}")),
                row.p_holm.map_or("-".to_owned(), |p| format!("{p:.2e}")),
                row.change_ns.map_or("-".to_owned(), |c| format!("{c:+.0}")),
                format!("{:.0}% and {:.0} ns", row.relative * 100.0, row.absolute),
                verdict,
            ]
        }),
    )
}

fn verdict_cell(status: Status, why: &str) -> String {
    if why.is_empty() {
        word(status).to_owned()
    } else {
        format!("{}: {why}", word(status))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::{bench::callgrind::Count, report::render};

    fn side(asked: &str, commit: &str) -> Side {
        Side {
            asked: asked.into(),
            commit: Some(commit.into()),
            wheel: "dictwalk-3.0.0a1-cp310-abi3-manylinux_2_34_x86_64.whl".into(),
            sha256: "ab".repeat(32),
            python: "3.11.7".into(),
            dictwalk: "3.0.0a1".into(),
        }
    }

    fn row(scenario: &str, base: f64, cand: f64, verdict: Status, why: &str) -> Row {
        Row {
            scenario: scenario.into(),
            backend: "native".into(),
            baseline: Some(base),
            candidate: Some(cand),
            change: Some(cand / base - 1.0),
            change_ir: Some(cand - base),
            relative: 0.02,
            absolute: 50.0,
            verdict,
            why: why.into(),
            functions: Vec::new(),
        }
    }

    fn wall(scenario: &str, ratio: f64, warn: bool) -> WallRow {
        WallRow {
            scenario: scenario.into(),
            backend: "native".into(),
            calls_per_batch: 100,
            pairs: 30,
            median_ratio: Some(ratio),
            ci: Some((ratio - 0.05, ratio + 0.05)),
            p: Some(0.01),
            p_holm: Some(0.02),
            change_ns: Some((ratio - 1.0) * 1000.0),
            relative: 0.5,
            absolute: 50.0,
            verdict: Status::Passed,
            warn,
            why: if warn {
                "slower, proven".into()
            } else {
                String::new()
            },
        }
    }

    fn counted(per_call: &[(&str, f64)]) -> Measured {
        counted_on("core", per_call)
    }

    fn counted_on(backend: &str, per_call: &[(&str, f64)]) -> Measured {
        Measured {
            backend: backend.into(),
            python: String::new(),
            dictwalk: "3.0.0a1".into(),
            counts: per_call
                .iter()
                .map(|(id, ir)| {
                    let count = Count {
                        repeats: vec![*ir, *ir * 1.001],
                        dumps: Vec::new(),
                    };
                    ((*id).to_owned(), count)
                })
                .collect(),
            skipped: BTreeMap::new(),
        }
    }

    /// A NO-GO with one regressed scenario: it comes first, the unchanged one is folded, the
    /// warned wall time is shown and the quiet one folded, and the core is information.
    #[test]
    fn a_no_go_report_puts_what_changed_first() -> anyhow::Result<()> {
        let core = core_info(
            &[
                (
                    "cand",
                    Ok(counted(&[
                        ("read.get_abc", 2050.0),
                        ("write.set_abc", 15000.0),
                    ])),
                ),
                ("base", Ok(counted(&[("read.get_abc", 2000.0)]))),
            ],
            true,
        );
        assert_eq!(core.hot_paths.len(), 2);
        assert_eq!(core.hot_paths[1].baseline, None);
        let report = Report {
            schema_version: 1,
            verdict: Status::Failed,
            reasons: vec!["read.wildcard native: NO-GO: +5.10% and +2021 Ir".into()],
            candidate: side("this checkout", "c0ffee000000aaaa"),
            baseline: Some(side("HEAD~1", "ba5e00000000bbbb")),
            baseline_skipped: None,
            scenarios: vec![
                row("read.get", 1323.0, 1323.0, Status::Passed, ""),
                row(
                    "read.wildcard",
                    39636.0,
                    41657.0,
                    Status::Failed,
                    "+5.10% and +2021 Ir",
                ),
            ],
            wall: vec![
                wall("read.get", 1.0, false),
                wall("read.wildcard", 1.06, true),
            ],
            targets: Vec::new(),
            control: Some(Control {
                verdict: Status::Passed,
                flagged: Vec::new(),
                largest_ir_difference: 0.0002,
                wall: Vec::new(),
            }),
            core,
            legacy: legacy_info(
                &[counted_on(
                    "native",
                    &[("read.get", 1323.0), ("read.wildcard", 41657.0)],
                )],
                &Ok(Measured {
                    dictwalk: "2.6.0".into(),
                    skipped: BTreeMap::from([(
                        "read.wildcard".to_owned(),
                        "no `*` in 2.6.0".to_owned(),
                    )]),
                    ..counted_on("legacy", &[("read.get", 12009.0)])
                }),
            ),
            environment: Environment {
                valgrind: "valgrind-3.19.0".into(),
                cpu: "a CPU".into(),
                rustc: "rustc 1.95.0".into(),
                os: "linux",
                arch: "x86_64",
                generated_at_unix: 0,
            },
        };
        let text = String::from_utf8(render(&MarkdownEmitter, &report)?)?;
        let at = |needle: &str| text.find(needle).unwrap_or(usize::MAX);
        assert!(
            at("`read.wildcard` | native") < at("unchanged scenarios"),
            "{text}"
        );
        assert!(
            at("unchanged scenarios") < at("`read.get` | native | 1323"),
            "{text}"
        );
        assert!(
            at("slower, proven") < at("wall-time ratios without a warning"),
            "{text}"
        );
        insta::assert_snapshot!(text);
        Ok(())
    }

    #[test]
    fn the_legacy_section_has_each_scenario_its_ratios_and_why_not() {
        let native = counted_on("native", &[("read.get", 1000.0), ("write.set", 500.0)]);
        let reference = counted_on("reference", &[("read.get", 9000.0), ("write.set", 20000.0)]);
        let legacy = Measured {
            dictwalk: "2.6.0".into(),
            skipped: BTreeMap::from([("write.set".to_owned(), "a feature it lacks".to_owned())]),
            ..counted_on("legacy", &[("read.get", 12000.0)])
        };
        let info = legacy_info(&[reference.clone(), native.clone()], &Ok(legacy));
        assert_eq!(info.dictwalk.as_deref(), Some("2.6.0"));
        assert_eq!(info.not_counted, None);
        let get = &info.scenarios[0];
        assert_eq!(get.scenario, "read.get");
        // Mean of the repeats: 12000 and 12012.
        let legacy_ir = 12006.0;
        assert_eq!(get.legacy, Some(legacy_ir));
        assert_eq!(get.native_over_legacy, Some(1000.5 / legacy_ir));
        assert_eq!(get.reference_over_legacy, Some(9004.5 / legacy_ir));
        let set = &info.scenarios[1];
        assert_eq!(
            (
                set.legacy,
                set.native_over_legacy,
                set.not_applicable.as_deref()
            ),
            (None, None, Some("a feature it lacks"))
        );

        let missing = legacy_info(
            &[native],
            &Err(anyhow::anyhow!(
                "dictwalk 2.6.0's venv could not be set up: pip failed\nlog"
            )),
        );
        assert_eq!(
            missing.not_counted.as_deref(),
            Some("dictwalk 2.6.0's venv could not be set up: pip failed")
        );
        assert!(missing
            .scenarios
            .iter()
            .all(|r| r.legacy.is_none() && r.native.is_some()));
    }

    #[test]
    fn a_core_that_could_not_be_counted_says_why() {
        let core = core_info(
            &[(
                "cand",
                Err(anyhow::anyhow!(
                    "callgrind of core-instructions failed\nmore"
                )),
            )],
            true,
        );
        assert_eq!(
            core.not_counted,
            [
                "candidate: callgrind of core-instructions failed",
                "baseline: it has no core runner (a revision before it, or --baseline-wheels)"
            ]
        );
        assert!(core.hot_paths.is_empty());
    }
}
