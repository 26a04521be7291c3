//! The board on the project's own corpus, filters.py and workload.py, with parity and bench
//! reports made up for the test (each written as the commands write them and read back).

use std::{collections::BTreeSet, fs, path::Path};

use dictwalk_core::filters::builtins;
use dictwalk_corpus::{load_dir, Backend, Case, LoadOptions, Op};
use serde_json::json;

use super::{
    board::{build, Board, Implementation, Inputs, Kind, Source, Uses},
    inputs::{self, FILTERS_PY, WORKLOAD_PY},
    render::MarkdownEmitter,
};
use crate::report::render;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn corpus() -> Vec<Case> {
    load_dir(&root().join("parity/cases"), LoadOptions::default()).expect("the corpus loads")
}

/// A parity.json as `cargo xtask parity` writes it: every case of the corpus ran; on `rust`
/// every seventh case fails, on `legacy` every case declaring a divergence is declared; the
/// counts are made from the results, as the runner's are.
fn parity_report(cases: &[Case]) -> serde_json::Value {
    let mut results = Vec::new();
    let mut backends = Vec::new();
    for backend in ["python", "rust", "legacy"] {
        let mut fail = 0;
        let mut declared = 0;
        for (i, case) in cases.iter().enumerate() {
            let status = match backend {
                "rust" if i % 7 == 0 => "fail",
                "legacy" if case.divergence(Backend::Legacy).is_some() => "declared",
                _ => continue,
            };
            if status == "fail" {
                fail += 1;
            } else {
                declared += 1;
            }
            results.push(json!({"backend": backend, "id": case.id, "file": case.file,
                                "status": status, "detail": "x"}));
        }
        backends.push(
            json!({"backend": backend, "state": "complete", "reason": null,
            "restarts": 0, "counts": {"cases": cases.len(), "pass": cases.len() - fail - declared,
            "fail": fail, "declared": declared}}),
        );
    }
    json!({"schema_version": 1, "commit": "0123456789ab", "verdict": "fail",
           "run": {"case_ids": cases.iter().map(|c| c.id.clone()).collect::<Vec<_>>()},
           "backends": backends, "results": results,
           "environment": {"generated_at_unix": 1_796_000_000}})
}

fn bench_report() -> serde_json::Value {
    let scenario = |id: &str, backend: &str, candidate: f64| json!({"scenario": id, "backend": backend, "baseline": candidate, "candidate": candidate});
    json!({"schema_version": 1, "verdict": "GO",
           "candidate": {"commit": "0123456789abcdef0123456789abcdef01234567"},
           "scenarios": [scenario("read.get", "reference", 4000.0), scenario("read.get", "native", 1000.0),
                         scenario("transform.sum", "reference", 9000.0), scenario("transform.sum", "native", 3000.0),
                         scenario("write.set", "reference", 5000.0)],
           "environment": {"generated_at_unix": 1_796_000_000}})
}

/// Writes `value` as `name` in a fresh folder and reads it back with `read`.
fn read_back<T>(
    value: &serde_json::Value,
    read: fn(&Path) -> Result<T, String>,
) -> Result<T, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = dir.path().join("report.json");
    fs::write(
        &path,
        serde_json::to_vec_pretty(value).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    read(&path)
}

fn board_of(cases: &[Case], parity: Option<&inputs::ParityResults>) -> anyhow::Result<Board> {
    let families = inputs::families(&inputs::project_file(root(), FILTERS_PY)?, FILTERS_PY)?;
    let scenarios = inputs::scenarios(&inputs::project_file(root(), WORKLOAD_PY)?, WORKLOAD_PY)?;
    let bench = read_back(&bench_report(), inputs::bench).map_err(anyhow::Error::msg)?;
    Ok(build(Inputs {
        commit: Some("0123456789ab".into()),
        generated_at_unix: 0,
        cases,
        families: &families,
        parity,
        bench: Some(&bench),
        scenarios: &scenarios,
        sources: Vec::new(),
    }))
}

#[test]
fn the_totals_agree_with_the_parity_report_the_board_was_built_from() -> anyhow::Result<()> {
    let cases = corpus();
    let report = parity_report(&cases);
    let parity = read_back(&report, inputs::parity).map_err(anyhow::Error::msg)?;
    let board = board_of(&cases, Some(&parity))?;
    assert_eq!(board.totals.cases, cases.len());
    assert_eq!(board.backends, ["python", "rust", "legacy"]);
    for backend in report["backends"].as_array().into_iter().flatten() {
        let name = backend["backend"].as_str().unwrap_or_default();
        assert_eq!(
            board.totals.passing.get(name).map(|n| *n as u64),
            backend["counts"]["pass"].as_u64(),
            "{name}"
        );
    }
    // The functions called by the operations share out the corpus between them;
    // register_path_filter also counts the cases that call a custom filter, so its own
    // operation's cases are counted here from the report.
    for backend in &board.backends {
        let by_op: usize = board
            .entries()
            .filter(|(_, e)| e.kind == Kind::Function && e.name != "register_path_filter")
            .map(|(_, e)| e.passing[backend])
            .sum();
        let not_passing = |id: &str| {
            report["results"].as_array().into_iter().flatten().any(|r| {
                r["backend"].as_str() == Some(backend.as_str()) && r["id"].as_str() == Some(id)
            })
        };
        let registering = cases
            .iter()
            .filter(|c| c.op == Op::RegisterPathFilter && !not_passing(&c.id))
            .count();
        assert!(cases.iter().any(|c| c.op == Op::RegisterPathFilter));
        assert_eq!(
            by_op + registering,
            board.totals.passing[backend],
            "{backend}"
        );
    }
    let declared = cases
        .iter()
        .filter(|c| c.divergence(Backend::Legacy).is_some())
        .count();
    assert_eq!(board.totals.declared, declared);
    Ok(())
}

#[test]
fn every_builtin_filter_is_on_the_board_exactly_once_and_every_function_too() -> anyhow::Result<()>
{
    let board = board_of(&corpus(), None)?;
    for def in builtins() {
        let found: Vec<&str> = board
            .entries()
            .filter(|(_, e)| e.kind == Kind::Filter && e.name == def.name)
            .map(|(area, _)| area.area.as_str())
            .collect();
        assert_eq!(found.len(), 1, "${} is in {found:?}", def.name);
    }
    let filters = board
        .entries()
        .filter(|(_, e)| e.kind == Kind::Filter)
        .count();
    assert_eq!(filters, builtins().len());
    let functions: Vec<&str> = board
        .entries()
        .filter(|(_, e)| e.kind == Kind::Function)
        .map(|(_, e)| e.name.as_str())
        .collect();
    assert_eq!(
        functions,
        [
            "get",
            "exists",
            "DictWalk",
            "run_filter_function",
            "register_path_filter",
            "get_path_filter",
            "set",
            "unset"
        ]
    );
    let areas: Vec<&str> = board.areas.iter().map(|a| a.area.as_str()).collect();
    assert_eq!(areas.first(), Some(&"paths"));
    assert!(
        areas.contains(&"predicates") && areas.contains(&"strings"),
        "{areas:?}"
    );
    assert_eq!(areas.last(), Some(&"writes"));
    // Without a parity report nothing is counted as passing.
    assert!(board.totals.passing.is_empty() && board.backends.is_empty());
    // Every filter has corpus cases (test_coverage.py asks for every arity).
    for (_, entry) in board.entries() {
        assert!(entry.cases > 0, "{} has no case", entry.name);
    }
    Ok(())
}

#[test]
fn the_regex_filters_delegate_because_of_re_and_the_dates_because_of_datetime() -> anyhow::Result<()>
{
    let board = board_of(&corpus(), None)?;
    let entry = |name: &str| {
        board
            .entries()
            .find(|(_, e)| e.name == name)
            .map(|(_, e)| e.clone())
            .ok_or_else(|| anyhow::anyhow!("{name} is missing"))
    };
    for (name, why) in [
        ("matches", "uses Python's re"),
        ("regex_replace", "uses Python's re"),
        ("to_datetime", "uses Python's datetime"),
        ("to_json", "uses Python's json"),
        ("decimal", "uses Python's decimal"),
    ] {
        let found = entry(name)?;
        assert_eq!(
            found.implementation["rust"],
            Implementation::Delegates,
            "{name}"
        );
        assert_eq!(found.why.as_deref(), Some(why), "{name}");
    }
    assert_eq!(entry("len")?.implementation["rust"], Implementation::Native);
    assert_eq!(
        entry("upper")?.implementation["rust"],
        Implementation::Mixed
    );
    assert_eq!(
        entry("get")?.implementation["python"],
        Implementation::Reference
    );
    // The bench ratios: reference over native, on every entry the scenario's path uses.
    let sum = entry("sum")?;
    assert_eq!(sum.bench.len(), 1);
    assert_eq!(
        (sum.bench[0].scenario.as_str(), sum.bench[0].ratio),
        ("transform.sum", 3.0)
    );
    assert!(entry("double")?
        .bench
        .iter()
        .any(|b| b.scenario == "transform.sum"));
    assert!(entry("get")?
        .bench
        .iter()
        .any(|b| b.scenario == "read.get" && b.ratio == 4.0));
    // write.set has no native figure: no ratio rather than a made-up one.
    assert!(entry("set")?.bench.is_empty());
    Ok(())
}

#[test]
fn a_path_counts_for_the_filters_it_names_wherever_they_are() {
    let uses = |op, path: &str, value: Option<&str>| {
        let found = Uses::of(op, path, value);
        (found.filters.into_iter().collect::<Vec<_>>(), found.custom)
    };
    assert_eq!(
        uses(Op::Get, "a[?.n|$len>2].b|$sum", None),
        (vec!["len", "sum"], false)
    );
    // A `$$root` right-hand side is a read path of its own, with its own transform.
    assert_eq!(uses(Op::Get, "a[?.x==$$root.y|$upper]", None).0, ["upper"]);
    assert_eq!(
        uses(Op::Get, "a[?.==$gt(1)&&!$even]", None).0,
        ["even", "gt"]
    );
    assert_eq!(
        uses(Op::Get, "a|$corpus_clear|$len", None),
        (vec!["len"], true)
    );
    assert_eq!(
        uses(Op::Set, "a.b", Some("$inc|$double")).0,
        ["double", "inc"]
    );
    // A set value from the root, with its transform; one naming a custom filter is stored as it
    // is, and so is a str that is no pipeline.
    assert_eq!(uses(Op::Set, "a.b", Some("$$root.x|$len")).0, ["len"]);
    assert_eq!(
        uses(Op::Set, "a.b", Some("$inc|$corpus_clear")),
        (vec![], false)
    );
    assert_eq!(uses(Op::Set, "a.b", Some("$notafilter")), (vec![], false));
    assert_eq!(
        uses(Op::RunFilter, "$add(2)|$string", None).0,
        ["add", "string"]
    );
    // A path that does not parse names no filter.
    assert_eq!(uses(Op::Get, "a[?", None), (vec![], false));
}

#[test]
fn families_and_scenarios_are_read_from_the_project_files() -> anyhow::Result<()> {
    let families = inputs::families(&inputs::project_file(root(), FILTERS_PY)?, FILTERS_PY)?;
    let names: BTreeSet<&str> = families
        .iter()
        .flat_map(|f| f.filters.iter().map(String::as_str))
        .collect();
    assert_eq!(names.len(), builtins().len());
    let scenarios = inputs::scenarios(&inputs::project_file(root(), WORKLOAD_PY)?, WORKLOAD_PY)?;
    let set = scenarios
        .iter()
        .find(|s| s.id == "write.set")
        .expect("write.set");
    assert_eq!(
        (set.op, set.path.as_str(), set.value.as_deref()),
        (Op::Set, "a.b.c", Some("7"))
    );
    let unset = scenarios
        .iter()
        .find(|s| s.id == "write.unset")
        .expect("write.unset");
    assert_eq!((unset.op, unset.path.as_str()), (Op::Unset, "a.b.d"));
    Ok(())
}

#[test]
fn a_filter_missing_from_the_families_or_unknown_there_is_refused() {
    let text = "# ---\n# Numeric\n# ---\n@_builtin(\"inc\")\ndef f(v): return v\n";
    let err = inputs::families(text, "filters.py").expect_err("most filters missing");
    assert!(
        err.to_string()
            .starts_with("filters.py: the built-in filter $"),
        "{err}"
    );
    let text = "@_builtin(\"inc\")\n";
    let err = inputs::families(text, "filters.py").expect_err("no banner");
    assert!(
        err.to_string().contains("before any section banner"),
        "{err}"
    );
}

#[test]
fn unusable_reports_give_one_line_reasons() {
    let parity = |value: serde_json::Value| read_back(&value, inputs::parity).expect_err("bad");
    assert_eq!(
        parity(json!({"schema_version": 9})),
        "its schema_version is 9; this xtask reads 1"
    );
    assert_eq!(
        parity(json!({"verdict": "pass"})),
        "it has no schema_version"
    );
    assert_eq!(
        parity(json!({"schema_version": 1, "run": {"case_ids": []}})),
        "it has no list /backends"
    );
    let dir = tempfile::tempdir().expect("a temporary folder");
    let truncated = dir.path().join("parity.json");
    fs::write(&truncated, "{\"schema_version\": 1, \"run\": {").expect("write");
    let why = inputs::parity(&truncated).expect_err("truncated");
    assert!(why.starts_with("it is not JSON: EOF"), "{why}");
    assert_eq!(
        inputs::parity(&dir.path().join("none.json")),
        Err("there is no such file".into())
    );
}

#[test]
fn a_report_is_stale_when_its_inputs_changed_since_its_commit() {
    assert_eq!(inputs::changed_since("0123456789abcdef", &[]), None);
    assert_eq!(
        inputs::changed_since(
            "0123456789abcdef",
            &[
                "a.py".into(),
                "b.rs".into(),
                "c.json".into(),
                "d.json".into()
            ]
        )
        .as_deref(),
        Some("4 source files changed since 0123456789ab: a.py, b.rs, c.json and 1 more")
    );
}

#[test]
fn status_md_leads_with_the_key_figures() -> anyhow::Result<()> {
    let cases: Vec<Case> = corpus()
        .into_iter()
        .filter(|c| c.id.starts_with("filter.") || c.id.starts_with("read."))
        .collect();
    let parity = read_back(&parity_report(&cases), inputs::parity).map_err(anyhow::Error::msg)?;
    let mut board = board_of(&cases, Some(&parity))?;
    board.sources = vec![
        Source {
            report: "reports/parity.json".into(),
            commit: Some("0123456789ab".into()),
            generated_at_unix: Some(1),
            stale: false,
            missing: None,
            why_stale: None,
        },
        Source {
            report: "reports/bench.json".into(),
            commit: None,
            generated_at_unix: None,
            stale: false,
            missing: Some("there is no such file".into()),
            why_stale: None,
        },
    ];
    let md = String::from_utf8(render(&MarkdownEmitter, &board)?)?;
    let mut lines = md.lines();
    let first = lines.next().unwrap_or_default();
    let rust = board.totals.passing["rust"];
    assert!(
        first.starts_with(&format!(
            "# Migration status: {} corpus cases; passing: python {}, rust {rust},",
            cases.len(),
            cases.len()
        )),
        "{first}"
    );
    assert!(
        md.contains("reports/bench.json (no commit, MISSING: there is no such file)"),
        "{md}"
    );
    assert!(
        md.len() < 60_000,
        "too long for a pull-request comment: {}",
        md.len()
    );
    // The terminal table draws the same rows.
    let terminal = String::from_utf8(render(&super::render::TerminalEmitter, &board)?)?;
    assert!(terminal.contains("regex_replace") && terminal.contains("pass rust"));
    Ok(())
}

#[test]
fn a_parity_report_of_other_cases_is_named_stale() -> anyhow::Result<()> {
    let cases = corpus();
    let mut report = parity_report(&cases);
    let parity = read_back(&report, inputs::parity).map_err(anyhow::Error::msg)?;
    assert_eq!(super::mismatch(&parity, &cases), None);
    // A case removed from the corpus since, and two added.
    report["run"]["case_ids"] = json!(cases[2..]
        .iter()
        .map(|c| c.id.clone())
        .chain(["gone.case".to_owned()])
        .collect::<Vec<_>>());
    let parity = read_back(&report, inputs::parity).map_err(anyhow::Error::msg)?;
    assert_eq!(
        super::mismatch(&parity, &cases).as_deref(),
        Some("it ran 1 cases the corpus no longer has and not 2 of the corpus's")
    );
    Ok(())
}

#[test]
fn pass_counts_that_are_not_the_results_are_named() {
    let counts = |pairs: &[(&str, usize)]| {
        pairs
            .iter()
            .map(|(b, n)| ((*b).to_owned(), *n))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    let stated = counts(&[("python", 10), ("rust", 9)]);
    assert_eq!(super::disagreement(&stated, &stated), None);
    assert_eq!(
        super::disagreement(&counts(&[("python", 10), ("rust", 8)]), &stated).as_deref(),
        Some("its pass counts are not its results': rust 8 counted, 9 stated")
    );
}
