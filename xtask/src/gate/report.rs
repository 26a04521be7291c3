//! The gate's report: `gate.json` (the shared `report::Json` of `Report`), `gate.md` (the
//! verdict, the default-backend decision, the verdict's reasons, the table of checks, the
//! decision's evidence and the trend of the last runs from `history.jsonl`) and the closing
//! lines on the terminal.

use std::io;

use serde::{Deserialize, Serialize};

use super::{
    decision::DefaultBackend,
    history::{Bench, History},
    provenance::{Distribution, Environment},
};
use crate::{
    report::{
        markdown::{cell, fit_comment, table_aligned},
        schema, Emitter,
    },
    status::Status,
    term::{self, Style},
};

pub const JSON: &str = "gate.json";
pub const MARKDOWN: &str = "gate.md";

/// One check of the gate, as the report states it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// A check as a conclusion states it, before the gate adds its reports and time.
    pub fn new(name: &str, status: Status, summary: impl Into<String>) -> Check {
        Check {
            name: name.to_owned(),
            status,
            summary: summary.into(),
            reasons: Vec::new(),
            reports: Vec::new(),
            seconds: 0.0,
        }
    }
}

/// GO or NO-GO.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    #[serde(rename = "GO")]
    Go,
    #[serde(rename = "NO-GO")]
    NoGo,
}

impl Verdict {
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Go => "GO",
            Verdict::NoGo => "NO-GO",
        }
    }
}

/// gate.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    pub verdict: Verdict,
    /// False in the placeholder written when the run starts.
    pub finished: bool,
    pub version: String,
    pub commit: Option<String>,
    /// Whether the working tree had changes when the gate started; `None` when git could not
    /// say. `cargo xtask publish` refuses a report whose tree was not clean.
    #[serde(default)]
    pub dirty: Option<bool>,
    pub generated_at_unix: u64,
    /// The distributions in the wheel folder when the checks ended, the files the gate judged:
    /// each file name and sha256, sorted by name; empty in the placeholder.
    #[serde(default)]
    pub distributions: Vec<Distribution>,
    /// Why the verdict is NO-GO, one line each; empty for GO.
    pub reasons: Vec<String>,
    pub checks: Vec<Check>,
    /// The readable time and the toolchain versions.
    #[serde(default)]
    pub environment: Environment,
    /// May the native backend be the default: the decision, its reasons and evidence.
    #[serde(default)]
    pub default_backend: Option<DefaultBackend>,
}

impl Report {
    /// What the gate writes before any check starts, so that an interrupted run leaves a
    /// NO-GO that says it did not finish, never an earlier GO.
    pub fn placeholder(
        version: String,
        commit: Option<String>,
        dirty: Option<bool>,
        environment: Environment,
        now: u64,
    ) -> Report {
        Report {
            schema_version: schema::GATE,
            verdict: Verdict::NoGo,
            finished: false,
            version,
            commit,
            dirty,
            generated_at_unix: now,
            distributions: Vec::new(),
            reasons: vec!["the gate has not finished: it is running, or it was interrupted".into()],
            checks: Vec::new(),
            environment,
            default_backend: None,
        }
    }
}

/// gate.md: the verdict first, then its reasons, then the checks; `history` gives the trend.
#[derive(Default)]
pub struct MarkdownEmitter {
    pub history: History,
}

/// How many runs the trend shows.
const TREND_RUNS: usize = 5;

impl Emitter<Report> for MarkdownEmitter {
    fn emit(&self, out: &mut dyn io::Write, report: &Report) -> io::Result<()> {
        let mut text = Vec::new();
        self.emit_whole(&mut text, report)?;
        let whole = format!("`reports/{JSON}`");
        out.write_all(fit_comment(String::from_utf8_lossy(&text).into_owned(), &whole).as_bytes())
    }
}

impl MarkdownEmitter {
    fn emit_whole(&self, out: &mut dyn io::Write, report: &Report) -> io::Result<()> {
        let mark = match report.verdict {
            Verdict::Go => "✅",
            Verdict::NoGo => "⛔",
        };
        writeln!(out, "# Release gate: {mark} {}\n", report.verdict.word())?;
        let commit = report.commit.as_deref().unwrap_or("unknown commit");
        let tree = match report.dirty {
            Some(false) => "a clean tree",
            Some(true) => "a dirty tree",
            None => "a tree of unknown state",
        };
        writeln!(
            out,
            "dictwalk {} at `{commit}` ({tree}), {}.\n",
            report.version, report.environment.generated_at
        )?;
        if !report.checks.is_empty() {
            // The key figures first, for a reader of the pull-request comment who reads no further.
            let passed = report
                .checks
                .iter()
                .filter(|c| c.status == Status::Passed)
                .count();
            let marks: Vec<String> = report
                .checks
                .iter()
                .map(|c| {
                    let mark = match c.status {
                        Status::Passed => "✅",
                        Status::Failed | Status::CouldNotRun => "⛔",
                        Status::Inconclusive | Status::NotRun => "⚠️",
                    };
                    format!("{} {mark}", c.name)
                })
                .collect();
            writeln!(
                out,
                "**Checks: {passed} of {} passed**: {}.\n",
                report.checks.len(),
                marks.join(" · ")
            )?;
        }
        if let Some(default) = &report.default_backend {
            writeln!(out, "Default backend: **{}**.\n", cell(&default.headline()))?;
        }
        if !report.reasons.is_empty() {
            writeln!(out, "## Why NO-GO\n")?;
            for reason in &report.reasons {
                writeln!(out, "- {}", cell(reason))?;
            }
            writeln!(out)?;
        }
        if !report.checks.is_empty() {
            writeln!(out, "## Checks\n")?;
            table_aligned(
                out,
                &["check", "status", "summary", "time", "reports"],
                &[3],
                report.checks.iter().map(|check| {
                    vec![
                        check.name.clone(),
                        check.status.label().to_owned(),
                        check.summary.clone(),
                        format!("{:.0} s", check.seconds),
                        check
                            .reports
                            .iter()
                            .map(|path| format!("`{path}`"))
                            .collect::<Vec<_>>()
                            .join(" "),
                    ]
                }),
            )?;
        }
        if !report.distributions.is_empty() {
            writeln!(out, "## Distributions judged\n")?;
            table_aligned(
                out,
                &["file", "sha256"],
                &[],
                report
                    .distributions
                    .iter()
                    .map(|dist| vec![format!("`{}`", dist.file), format!("`{}`", dist.sha256)]),
            )?;
        }
        if let Some(default) = &report.default_backend {
            default_backend(out, default)?;
        }
        trend(out, &self.history)?;
        let env = &report.environment;
        let tools: Vec<&str> = [&env.rustc, &env.maturin, &env.uv, &env.python]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        if !tools.is_empty() {
            writeln!(out, "Toolchain: {}.", cell(&tools.join(", ")))?;
        }
        Ok(())
    }
}

/// The decision's reasons and evidence.
fn default_backend(out: &mut dyn io::Write, default: &DefaultBackend) -> io::Result<()> {
    writeln!(
        out,
        "## Default backend: {} (current {}, proposed {})\n",
        default.decision.word(),
        default.current,
        default.proposed
    )?;
    for reason in &default.reasons {
        writeln!(out, "- {}", cell(reason))?;
    }
    writeln!(out)?;
    if default.evidence.is_empty() {
        return Ok(());
    }
    table_aligned(
        out,
        &["evidence", "met", "detail"],
        &[],
        default.evidence.iter().map(|e| {
            vec![
                e.name.clone(),
                if e.met { "yes" } else { "**no**" }.to_owned(),
                e.detail.clone(),
            ]
        }),
    )
}

/// The last runs of `history.jsonl`: verdict, decision, cases passing per backend, then each
/// scenario's native instructions per call.
fn trend(out: &mut dyn io::Write, history: &History) -> io::Result<()> {
    let runs = &history.runs[history.runs.len().saturating_sub(TREND_RUNS)..];
    if runs.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "## Trend: the last {} of {} gate runs{}\n",
        runs.len(),
        history.runs.len(),
        if history.skipped > 0 {
            format!(
                " ({} unreadable line{} of history.jsonl skipped)",
                history.skipped,
                if history.skipped == 1 { "" } else { "s" }
            )
        } else {
            String::new()
        }
    )?;
    table_aligned(
        out,
        &["commit", "verdict", "default", "cases passing"],
        &[],
        runs.iter().map(|run| {
            let passing = run.parity.as_ref().map_or_else(
                || "no parity report".to_owned(),
                |p| {
                    let each: Vec<String> = p
                        .backends
                        .iter()
                        .map(|(b, c)| format!("{b} {}", c.pass))
                        .collect();
                    format!("{} of {}", each.join(", "), p.cases)
                },
            );
            vec![
                format!("`{}`", run.commit.as_deref().unwrap_or("unknown")),
                run.verdict.word().to_owned(),
                run.default_backend.word().to_owned(),
                passing,
            ]
        }),
    )?;
    let mut scenarios: Vec<&str> = runs
        .iter()
        .flat_map(|r| r.bench.iter().filter(|b| b.backend == "native"))
        .map(|b| b.scenario.as_str())
        .collect();
    scenarios.sort_unstable();
    scenarios.dedup();
    if scenarios.is_empty() {
        return Ok(());
    }
    let mut header = vec!["native instructions per call".to_owned()];
    header.extend(runs.iter().map(|r| {
        format!(
            "`{}`",
            r.commit.as_deref().map_or("?", |c| &c[..c.len().min(7)])
        )
    }));
    header.push("times fewer than the reference (last)".to_owned());
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let right: Vec<usize> = (1..header.len()).collect();
    table_aligned(
        out,
        &header,
        &right,
        scenarios.iter().map(|scenario| {
            fn figure<'r>(run: &'r super::history::Run, scenario: &str) -> Option<&'r Bench> {
                run.bench
                    .iter()
                    .find(|b| b.backend == "native" && b.scenario == scenario)
            }
            let mut row = vec![(*scenario).to_owned()];
            row.extend(runs.iter().map(|run| {
                figure(run, scenario).map_or("-".into(), |b| format!("{:.0}", b.instructions))
            }));
            row.push(
                runs.last()
                    .and_then(|run| figure(run, scenario))
                    .and_then(|b| b.ratio_to_reference)
                    .map_or("-".into(), |r| format!("{r:.1}x")),
            );
            row
        }),
    )
}

/// The lines the gate prints on stderr when it ends, a line per check (the reasons follow, as
/// every command's do, before the closing line).
pub struct TerminalEmitter;

impl Emitter<Report> for TerminalEmitter {
    fn emit(&self, out: &mut dyn io::Write, report: &Report) -> io::Result<()> {
        let width = report
            .checks
            .iter()
            .map(|check| check.name.len())
            .max()
            .unwrap_or(0);
        for check in &report.checks {
            let style = if check.status == Status::Passed {
                Style::Green
            } else {
                Style::Red
            };
            writeln!(
                out,
                "xtask: gate: {:<width$} {} ({:.0} s): {}",
                check.name,
                term::paint(style, check.status.label()),
                check.seconds,
                check.summary
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        gate::decision::{Decision, Evidence},
        report::render,
    };

    #[test]
    fn markdown_lists_checks_and_reasons() -> anyhow::Result<()> {
        let mut parity = Check::new("parity", Status::Failed, "1 failing case | rust");
        parity.reports.push("reports/parity.md".into());
        let report = Report {
            schema_version: schema::GATE,
            verdict: Verdict::NoGo,
            finished: true,
            version: "3.0.0a1".into(),
            commit: None,
            dirty: Some(false),
            generated_at_unix: 0,
            distributions: vec![Distribution {
                file: "dictwalk-3.0.0a1-py3-none-any.whl".into(),
                sha256: "ab".repeat(32),
            }],
            reasons: vec!["parity: FAILED: 1 failing case | rust".into()],
            checks: vec![
                Check::new("wheels", Status::Passed, "fine"),
                Check::new("drift", Status::Passed, "fine"),
                parity,
            ],
            environment: Environment {
                generated_at: "2026-12-03T11:45:07Z".into(),
                rustc: Some("rustc 1.91.0".into()),
                maturin: None,
                uv: Some("uv 0.13.9".into()),
                python: Some("Python 3.13.5".into()),
            },
            default_backend: Some(DefaultBackend {
                decision: Decision::Keep,
                current: "auto".into(),
                proposed: "rust".into(),
                reasons: vec!["parity: not met: the parity check is FAILED: 1 failing case".into()],
                evidence: vec![
                    Evidence {
                        name: "parity".into(),
                        met: false,
                        detail: "the parity check is FAILED: 1 failing case".into(),
                    },
                    Evidence {
                        name: "drift".into(),
                        met: true,
                        detail: "fine".into(),
                    },
                ],
            }),
        };
        // Two earlier runs, one line of which was unreadable.
        let earlier = |commit: &str, verdict: &str, rust: u32, native: f64| {
            serde_json::json!({"schema_version": 1, "commit": commit, "generated_at_unix": 1,
                "verdict": verdict, "checks": [], "default_backend": "keep",
                "parity": {"cases": 10, "backends": {"python": {"pass": 10, "fail": 0, "declared": 0},
                                                     "rust": {"pass": rust, "fail": 10 - rust, "declared": 0}}},
                "bench": [{"scenario": "read.get", "backend": "native", "instructions": native,
                           "ratio_to_legacy": null, "ratio_to_reference": 4.0}]})
            .to_string()
        };
        let history = crate::gate::history::parse(&format!(
            "{}\n{{oops\n{}\n",
            earlier("aaaaaaaaaaaa", "NO-GO", 9, 1400.0),
            earlier("bbbbbbbbbbbb", "GO", 10, 1340.0)
        ));
        let emitter = MarkdownEmitter { history };
        insta::assert_snapshot!(String::from_utf8(render(&emitter, &report)?)?);
        Ok(())
    }
}
