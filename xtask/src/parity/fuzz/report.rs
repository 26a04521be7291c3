//! The report of `cargo xtask parity --fuzz N --seed S --mutate`: `fuzz-mutate.json` (its
//! layout version is `report::schema::FUZZ_MUTATE`) and `fuzz-mutate.md`, published as every
//! report is (`report::{set_aside, publish}`): the run's size and speed, each backend's counts,
//! the disagreements among python, rust and core, and what 2.6.0 did (agreed, declared by kind,
//! undeclared by kind with their first examples), the corpus declarations without a rule and the
//! corpus cases written. The terminal summary is `Summary`'s `Display`.

use std::{collections::BTreeMap, io};

use dictwalk_corpus::Backend;
use serde::Serialize;
use serde_json::{Map, Value};

use super::mutate::{Counts, Example, Kind, Summary};
use crate::report::{markdown, schema, Emitter};

/// The JSON report's file name, in `--reports-dir`.
pub const JSON: &str = "fuzz-mutate.json";
/// The markdown report's file name, in `--reports-dir`.
pub const MARKDOWN: &str = "fuzz-mutate.md";
/// Every file a `--mutate` run writes, which it sets aside when it starts.
pub const FILES: [&str; 2] = [JSON, MARKDOWN];

/// `fuzz-mutate.json`.
#[derive(Debug, Serialize)]
pub struct Report {
    pub schema_version: u32,
    /// The command that reproduces the run.
    pub command: String,
    /// `pass` (python, rust and core agreed and every difference from 2.6.0 is declared) or
    /// `fail`.
    pub status: &'static str,
    pub seed: u64,
    /// Paths run (fewer than asked for only when a time limit stopped the run).
    pub paths: usize,
    /// Cases run: five per path.
    pub cases: usize,
    pub backends: Vec<&'static str>,
    /// The backend the others are compared with: python.
    pub reference: &'static str,
    pub duration_seconds: f64,
    pub paths_per_second: f64,
    /// CPU time of the run over every process (the xtask and its workers); null where it
    /// cannot be read.
    pub cpu_seconds: Option<f64>,
    /// ... per path, in milliseconds.
    pub cpu_ms_per_path: Option<f64>,
    /// Per backend: how its answers compared with the reference's.
    pub per_backend: BTreeMap<&'static str, Counts>,
    /// python, rust and core against the reference, by backend, operation and outcome pair.
    pub disagreements: Vec<KindReport>,
    /// Cases the reference itself crashed or hung on.
    pub reference_failures: usize,
    /// The first of them, each on one line (operation, path, document, why).
    pub reference_failed: Vec<String>,
    /// Present when legacy (2.6.0) ran.
    pub legacy: Option<Legacy>,
    /// Differences a rule declares, by the rule's kind (a core's declared limit is prefixed
    /// `core: `).
    pub declared_kinds: Vec<Count>,
    /// Ids of the cases appended to the corpus.
    pub written: Vec<String>,
}

/// What 2.6.0 did on the cases.
#[derive(Debug, Serialize)]
pub struct Legacy {
    pub agreed: usize,
    pub declared: usize,
    pub undeclared: usize,
    /// Undeclared differences, by operation, outcome pair and path feature.
    pub undeclared_kinds: Vec<KindReport>,
    pub declarations_checked: usize,
    /// Corpus cases that declare a divergence from 2.6.0 no rule covers.
    pub declarations_without_rule: Vec<Uncovered>,
}

#[derive(Debug, Serialize)]
pub struct Count {
    pub kind: String,
    pub count: usize,
}

/// A kind of difference, with its first examples (shrunk when undeclared with 2.6.0).
#[derive(Debug, Serialize)]
pub struct KindReport {
    pub kind: String,
    pub count: usize,
    pub first_after_seconds: Option<f64>,
    pub examples: Vec<ExampleReport>,
}

#[derive(Debug, Serialize)]
pub struct ExampleReport {
    pub id: String,
    pub op: &'static str,
    pub path: String,
    pub doc: Value,
    pub args: Map<String, Value>,
    /// The reference's outcome, described.
    pub reference: String,
    /// The other backend's outcome, described, or how it failed.
    pub other: String,
}

#[derive(Debug, Serialize)]
pub struct Uncovered {
    pub id: String,
    pub difference: String,
}

impl Report {
    /// The report of a run that was asked for `requested` paths.
    pub fn new(summary: &Summary, requested: usize) -> Report {
        let legacy = summary.backends.contains(&Backend::Legacy).then(|| Legacy {
            agreed: summary.legacy_agreed,
            declared: summary
                .per_backend
                .get(&Backend::Legacy)
                .map_or(0, |counts| counts.declared),
            undeclared: total(&summary.undeclared),
            undeclared_kinds: kinds(&summary.undeclared),
            declarations_checked: summary.checked_declarations,
            declarations_without_rule: summary
                .uncovered
                .iter()
                .map(|(id, difference)| Uncovered {
                    id: id.clone(),
                    difference: difference.clone(),
                })
                .collect(),
        });
        Report {
            schema_version: schema::FUZZ_MUTATE,
            command: format!(
                "cargo xtask parity --fuzz {requested} --seed {} --mutate",
                summary.seed
            ),
            status: if summary.passed() { "pass" } else { "fail" },
            seed: summary.seed,
            paths: summary.paths,
            cases: summary.cases,
            backends: summary.backends.iter().map(|b| b.name()).collect(),
            reference: Backend::Python.name(),
            duration_seconds: summary.elapsed.as_secs_f64(),
            paths_per_second: summary.paths_per_second(),
            cpu_seconds: summary.cpu.map(|cpu| cpu.as_secs_f64()),
            cpu_ms_per_path: summary.cpu_ms_per_path(),
            per_backend: summary
                .per_backend
                .iter()
                .map(|(backend, counts)| (backend.name(), counts.clone()))
                .collect(),
            disagreements: kinds(&summary.disagreements),
            reference_failures: summary.reference_failures,
            reference_failed: summary.reference_failed.clone(),
            legacy,
            declared_kinds: summary
                .declared
                .iter()
                .map(|(kind, found)| Count {
                    kind: kind.clone(),
                    count: found.count,
                })
                .collect(),
            written: summary.written.clone(),
        }
    }
}

fn total(kinds: &BTreeMap<String, Kind>) -> usize {
    kinds.values().map(|k| k.count).sum()
}

fn kinds(kinds: &BTreeMap<String, Kind>) -> Vec<KindReport> {
    kinds
        .iter()
        .map(|(kind, found)| KindReport {
            kind: kind.clone(),
            count: found.count,
            first_after_seconds: found.first_after.map(|t| t.as_secs_f64()),
            examples: found.examples.iter().map(example).collect(),
        })
        .collect()
}

fn example(example: &Example) -> ExampleReport {
    ExampleReport {
        id: example.case.id.clone(),
        op: example.case.op.name(),
        path: example.case.path.clone(),
        doc: example.case.doc.clone(),
        args: example.case.args.clone(),
        reference: example.ours.describe(),
        other: example.other_described(),
    }
}

/// `fuzz-mutate.md`.
pub struct MarkdownEmitter;

impl Emitter<Report> for MarkdownEmitter {
    fn emit(&self, out: &mut dyn io::Write, report: &Report) -> io::Result<()> {
        writeln!(
            out,
            "# Mutation fuzzing: {}\n",
            if report.status == "pass" {
                "PASS"
            } else {
                "FAIL"
            }
        )?;
        writeln!(
            out,
            "`{}`: {} paths ({} cases) on {} in {:.1} s, {:.0} paths/s.\n",
            report.command,
            report.paths,
            report.cases,
            report.backends.join(", "),
            report.duration_seconds,
            report.paths_per_second
        )?;
        if let (Some(cpu), Some(per_path)) = (report.cpu_seconds, report.cpu_ms_per_path) {
            writeln!(
                out,
                "CPU time over all processes (the xtask and its workers): {cpu:.1} s, \
                 {per_path:.2} ms per path.\n"
            )?;
        }
        markdown::table_aligned(
            out,
            &[
                "backend", "compared", "agreed", "declared", "differed", "skipped", "broke",
            ],
            &[1, 2, 3, 4, 5, 6],
            report.per_backend.iter().map(|(backend, c)| {
                let name = if *backend == report.reference {
                    format!("{backend} (reference)")
                } else {
                    (*backend).to_owned()
                };
                vec![
                    name,
                    c.compared.to_string(),
                    c.agreed.to_string(),
                    c.declared.to_string(),
                    c.differed.to_string(),
                    c.skipped.to_string(),
                    c.broke.to_string(),
                ]
            }),
        )?;
        writeln!(
            out,
            "## python, rust and core: {} disagreements\n",
            report.disagreements.iter().map(|k| k.count).sum::<usize>()
        )?;
        if report.reference_failures > 0 {
            writeln!(
                out,
                "The reference failed (crashed or hung) on {} cases.\n",
                report.reference_failures
            )?;
            for failed in &report.reference_failed {
                writeln!(out, "- `{}`", failed.replace('`', "'"))?;
            }
            if !report.reference_failed.is_empty() {
                writeln!(out)?;
            }
        }
        write_kinds(out, &report.disagreements)?;
        if let Some(legacy) = &report.legacy {
            writeln!(
                out,
                "## legacy (2.6.0): {} agreed, {} declared, {} undeclared\n",
                legacy.agreed, legacy.declared, legacy.undeclared
            )?;
            write_kinds(out, &legacy.undeclared_kinds)?;
            writeln!(
                out,
                "{} corpus declarations checked, {} without a rule.\n",
                legacy.declarations_checked,
                legacy.declarations_without_rule.len()
            )?;
            for uncovered in &legacy.declarations_without_rule {
                writeln!(
                    out,
                    "- `{}`: {}",
                    one_line(&uncovered.id),
                    one_line(&uncovered.difference)
                )?;
            }
            if !legacy.declarations_without_rule.is_empty() {
                writeln!(out)?;
            }
        }
        if !report.declared_kinds.is_empty() {
            writeln!(out, "## Declared differences, by kind\n")?;
            markdown::table_aligned(
                out,
                &["kind", "count"],
                &[1],
                report
                    .declared_kinds
                    .iter()
                    .map(|k| vec![k.kind.clone(), k.count.to_string()]),
            )?;
        }
        if !report.written.is_empty() {
            writeln!(out, "## Cases written to the corpus\n")?;
            for id in &report.written {
                writeln!(out, "- `{}`", one_line(id))?;
            }
        }
        Ok(())
    }
}

fn write_kinds(out: &mut dyn io::Write, kinds: &[KindReport]) -> io::Result<()> {
    for kind in kinds {
        let after = kind
            .first_after_seconds
            .map_or_else(String::new, |t| format!(", first after {t:.1} s"));
        writeln!(out, "- {}: {}{after}", one_line(&kind.kind), kind.count)?;
        for e in &kind.examples {
            writeln!(
                out,
                "  - {} `{}` on `{}`: reference {}, other {}",
                e.op,
                one_line(&e.path),
                one_line(&dictwalk_corpus::outcome::clip(&e.doc)),
                one_line(&e.reference),
                one_line(&e.other)
            )?;
        }
    }
    if !kinds.is_empty() {
        writeln!(out)?;
    }
    Ok(())
}

/// Text kept on one list item's line (a table cell escapes more: `markdown::cell`).
fn one_line(text: &str) -> String {
    text.replace("\r\n", " ").replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use dictwalk_corpus::{Case, Op, Outcome};
    use serde_json::json;

    use super::*;
    use crate::report::{render, Json};

    fn summary() -> Summary {
        let case = Case {
            id: "mutate.5.1.get".into(),
            file: "legacy-regressions.json".into(),
            op: Op::Get,
            path: "a[?.id==1".into(),
            path_value: None,
            doc: json!({"a": [{"id": 1}]}),
            args: Map::new(),
            expect: None,
            diverges: BTreeMap::new(),
            note: None,
        };
        let undeclared = Kind {
            count: 4,
            examples: vec![Example {
                case,
                ours: Outcome::Value(json!(null)),
                other: Err("the worker crashed".into()),
            }],
            first_after: Some(Duration::from_millis(1500)),
        };
        let mut per_backend = BTreeMap::new();
        per_backend.insert(Backend::Python, Counts::default());
        per_backend.insert(
            Backend::Legacy,
            Counts {
                compared: 10,
                agreed: 4,
                declared: 2,
                differed: 4,
                skipped: 0,
                broke: 1,
            },
        );
        Summary {
            seed: 5,
            paths: 2,
            cases: 10,
            backends: vec![Backend::Python, Backend::Legacy],
            legacy_agreed: 4,
            declared: [(
                "exists of the root (spec 9.3: r)".to_owned(),
                Kind {
                    count: 2,
                    ..Kind::default()
                },
            )]
            .into_iter()
            .collect(),
            undeclared: [(
                "get: ours value, 2.6.0 crash: unclosed [?".to_owned(),
                undeclared,
            )]
            .into_iter()
            .collect(),
            per_backend,
            uncovered: vec![("read.x".into(), "get \"a\": ours value, 2.6.0 crash".into())],
            checked_declarations: 3,
            written: vec!["mutate.5.1.get".into()],
            elapsed: Duration::from_secs(2),
            cpu: Some(Duration::from_millis(30)),
            ..Summary::default()
        }
    }

    #[test]
    fn the_json_report_holds_the_counts_kinds_and_examples() -> anyhow::Result<()> {
        let report = Report::new(&summary(), 100);
        let value: Value = serde_json::from_slice(&render(&Json, &report)?)?;
        assert_eq!(value["schema_version"], schema::FUZZ_MUTATE);
        assert_eq!(
            value["command"],
            "cargo xtask parity --fuzz 100 --seed 5 --mutate"
        );
        assert_eq!(value["status"], "fail");
        assert_eq!(
            (value["paths"].clone(), value["cases"].clone()),
            (json!(2), json!(10))
        );
        assert_eq!(value["paths_per_second"], 1.0);
        assert_eq!(
            (
                value["cpu_seconds"].clone(),
                value["cpu_ms_per_path"].clone()
            ),
            (json!(0.03), json!(15.0))
        );
        assert_eq!(value["per_backend"]["legacy"]["broke"], 1);
        let legacy = &value["legacy"];
        assert_eq!(
            (
                &legacy["agreed"],
                &legacy["declared"],
                &legacy["undeclared"]
            ),
            (&json!(4), &json!(2), &json!(4))
        );
        let kind = &legacy["undeclared_kinds"][0];
        assert_eq!(kind["count"], 4);
        assert_eq!(kind["first_after_seconds"], 1.5);
        assert_eq!(kind["examples"][0]["path"], "a[?.id==1");
        assert_eq!(
            kind["examples"][0]["other"],
            "failed: \"the worker crashed\""
        );
        assert_eq!(legacy["declarations_without_rule"][0]["id"], "read.x");
        assert_eq!(value["declared_kinds"][0]["count"], 2);
        assert_eq!(value["written"], json!(["mutate.5.1.get"]));
        Ok(())
    }

    #[test]
    fn the_markdown_report_names_every_kind_and_case() -> anyhow::Result<()> {
        let report = Report::new(&summary(), 100);
        let text = String::from_utf8(render(&MarkdownEmitter, &report)?)?;
        assert!(text.starts_with("# Mutation fuzzing: FAIL\n"), "{text}");
        for needle in [
            "| legacy | 10 | 4 | 2 | 4 | 0 | 1 |",
            "| python (reference) | 0 | 0 | 0 | 0 | 0 | 0 |",
            "## legacy (2.6.0): 4 agreed, 2 declared, 4 undeclared",
            "- get: ours value, 2.6.0 crash: unclosed [?: 4, first after 1.5 s",
            "`a[?.id==1` on `{\"a\":[{\"id\":1}]}`",
            "- `read.x`: get \"a\": ours value, 2.6.0 crash",
            "| exists of the root (spec 9.3: r) | 2 |",
            "- `mutate.5.1.get`",
        ] {
            assert!(text.contains(needle), "{needle} is missing from\n{text}");
        }
        Ok(())
    }
}
