//! The bench report: `bench.json` (the shared `report::Json` of `Report`) and `bench.md`, which
//! fits a pull-request comment: the verdict and its reasons, the scenarios that changed, the
//! targets, the A/A control, then the unchanged scenarios folded, and both sides' environment.

use std::io;

use serde::Serialize;

use super::{
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
    pub environment: Environment,
}

fn serialize_word<S: serde::Serializer>(status: &Status, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(word(*status))
}

pub struct MarkdownEmitter;

impl Emitter<Report> for MarkdownEmitter {
    fn emit(&self, out: &mut dyn io::Write, report: &Report) -> io::Result<()> {
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
            wall_table(out, &report.wall)?;
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

fn wall_table(out: &mut dyn io::Write, rows: &[WallRow]) -> io::Result<()> {
    if rows.is_empty() {
        return writeln!(out, "Not measured.\n");
    }
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
