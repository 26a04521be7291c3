//! The fuzzer's tests: rendering, generation (Python values included), shrinking, and whole
//! runs on the core posing as buggy backends.

use std::collections::BTreeMap;

use dictwalk_corpus::{core, Backend, Case, Op, Outcome};
use serde_json::{json, Map, Value};

use super::generate::{case_id, generate, holds_python, pipeline_for, PYTHON_PERCENT};
use super::python::{self, holds_tag, tagged, GENERATED};
use super::run::{run, Fate, Settings, REGRESSIONS};
use super::shrink;
use super::spec::{
    BoolExpr, Call, Cmp, Lhs, PathSpec, Pipe, Pred, Rhs, Root, Sel, Spec, Target, Tok,
};
use super::{CoreOracle, Oracle};

/// The core, answering as another backend: two distinct oracles with one engine. A case with
/// Python values, which the core cannot run, it answers with the document as the value, as
/// every poser does, so that only the bug under test tells posers apart.
struct Posing {
    backend: Backend,
    bug: fn(&Case, Outcome) -> Result<Outcome, String>,
}

impl Oracle for Posing {
    fn backend(&self) -> Backend {
        self.backend
    }

    fn run(&mut self, case: &Case) -> Result<Outcome, String> {
        let outcome = match core::inapplicable(case) {
            Some(_) => Outcome::Value(case.doc.clone()),
            None => CoreOracle.run(case)?,
        };
        (self.bug)(case, outcome)
    }
}

/// Whether a case holds a tagged value in its document or arguments.
fn holds_python_values(case: &Case) -> bool {
    holds_tag(&case.doc) || case.args.values().any(holds_tag)
}

fn honest(_: &Case, outcome: Outcome) -> Result<Outcome, String> {
    Ok(outcome)
}

fn holds_long_list(value: &Value) -> bool {
    match value {
        Value::Array(items) => items.len() >= 3 || items.iter().any(holds_long_list),
        Value::Object(map) => map.values().any(holds_long_list),
        _ => false,
    }
}

/// Reads through `[-1]` give another value when the document holds a list of 3 or more.
fn negative_index_bug(case: &Case, outcome: Outcome) -> Result<Outcome, String> {
    match outcome {
        Outcome::Value(value) if case.path.contains("[-1]") && holds_long_list(&case.doc) => {
            Ok(Outcome::Value(json!(["bug", value])))
        }
        outcome => Ok(outcome),
    }
}

/// Crashes on every path with `**` in it.
fn deep_wildcard_crash(case: &Case, outcome: Outcome) -> Result<Outcome, String> {
    if case.path.contains("**") {
        Err("the worker died (exit status 139)".into())
    } else {
        Ok(outcome)
    }
}

fn oracles(bug: fn(&Case, Outcome) -> Result<Outcome, String>) -> Vec<Box<dyn Oracle>> {
    vec![
        Box::new(CoreOracle),
        Box::new(Posing {
            backend: Backend::Rust,
            bug,
        }),
    ]
}

fn render(path: PathSpec) -> String {
    let spec = Spec {
        op: Op::Get,
        target: Target::Path(path),
        doc: Value::Null,
        args: Map::new(),
    };
    spec.path_text()
}

fn pipe(calls: &[(&str, &[&str])]) -> Pipe {
    Pipe(
        calls
            .iter()
            .map(|(name, args)| Call::new(name, args.iter().map(|a| (*a).to_owned()).collect()))
            .collect(),
    )
}

#[test]
fn fuzz_paths_render_in_the_grammar_of_the_spec() {
    let by_id = Pred {
        lhs: Lhs {
            tokens: vec![Tok::Key("id".into())],
            pipe: None,
        },
        cmp: Some((
            Cmp::Eq,
            Rhs::Bool(BoolExpr::And(vec![
                BoolExpr::Or(vec![
                    BoolExpr::Pipe(pipe(&[("lt", &["2"])])),
                    BoolExpr::Pipe(pipe(&[("gt", &["3"])])),
                ]),
                BoolExpr::Not(Box::new(BoolExpr::Pipe(pipe(&[("even", &[])])))),
            ])),
        )),
    };
    let mut doubled = pipe(&[("double", &[]), ("sum", &[])]);
    doubled.0[0].map = true;
    let path = PathSpec {
        root: Root::Plain,
        tokens: vec![
            Tok::Key("a".into()),
            Tok::Filter("b".into(), Box::new(by_id)),
            Tok::Map("c".into()),
        ],
        transform: Some(doubled),
    };
    assert_eq!(
        render(path),
        "a.b[?.id==($lt(2)||$gt(3))&&!$even].c[]|$double[]|$sum"
    );
    let by_root = Pred {
        lhs: Lhs {
            tokens: Vec::new(),
            pipe: Some(pipe(&[("len", &[])])),
        },
        cmp: Some((Cmp::Gt, Rhs::RootRef(vec![Tok::Key("x".into())]))),
    };
    let selected = PathSpec {
        root: Root::Select {
            dollar: true,
            sel: Sel::Filter(Box::new(by_root)),
        },
        tokens: vec![Tok::Slice("id".into(), Some(1), None)],
        transform: None,
    };
    assert_eq!(render(selected), "$$root[?.|$len>$$root.x].id[1:]");
    let root = PathSpec {
        root: Root::Dot,
        tokens: Vec::new(),
        transform: Some(pipe(&[("const", &["123"])])),
    };
    assert_eq!(render(root), ".|$const(123)");
}

#[test]
fn fuzz_generation_is_a_function_of_seed_and_number() {
    let first: Vec<Spec> = (0..500).map(|n| generate(7, n)).collect();
    let again: Vec<Spec> = (0..500).map(|n| generate(7, n)).collect();
    assert_eq!(first, again);
    let other: Vec<Spec> = (0..500).map(|n| generate(8, n)).collect();
    let same = first.iter().zip(&other).filter(|(a, b)| a == b).count();
    assert!(same < 25, "{same} of 500 cases equal under another seed");
    assert_eq!(case_id(7, 12), "fuzz.7.12");
}

#[test]
fn fuzz_cases_parse_resolve_and_cover_the_grammar() {
    let mut total = 0;
    let mut parsed = 0;
    let mut reads = 0;
    let mut resolved = 0;
    let mut ops: BTreeMap<&str, usize> = BTreeMap::new();
    let mut paths = String::new();
    for n in 0..5000 {
        let case = generate(11, n).to_case(&case_id(11, n));
        paths.push_str(&case.path);
        paths.push('\n');
        if holds_python(11, n) {
            // Judged by the Python workers only; see the tests of Python cases below.
            continue;
        }
        assert!(core::inapplicable(&case).is_none(), "{case:?}");
        total += 1;
        *ops.entry(case.op.name()).or_default() += 1;
        let outcome = core::run(&case);
        let parse_error =
            matches!(&outcome, Outcome::Error { class, .. } if class == "DictWalkParseError");
        if !parse_error {
            parsed += 1;
        }
        if matches!(case.op, Op::Get | Op::Exists) && !parse_error {
            reads += 1;
            let mut strict = case.clone();
            strict.op = Op::Get;
            strict.args.clear();
            strict.args.insert("strict".into(), Value::Bool(true));
            if matches!(core::run(&strict), Outcome::Value(_)) {
                resolved += 1;
            }
        }
    }
    let parse_rate = parsed as f64 / total as f64;
    let resolve_rate = resolved as f64 / reads.max(1) as f64;
    eprintln!(
        "fuzz: {:.1}% of generated paths parse on the core; {:.1}% of the reads that parse resolve",
        100.0 * parse_rate,
        100.0 * resolve_rate
    );
    assert!(parse_rate >= 0.80, "only {parse_rate} parse");
    assert!(parse_rate < 1.0, "no broken syntax generated");
    assert!(resolve_rate >= 0.5, "only {resolve_rate} of reads resolve");
    for op in ["get", "exists", "set", "unset", "run_filter"] {
        assert!(ops.get(op).is_some_and(|count| *count > 0), "no {op} case");
    }
    for piece in [
        "[?.", "[-", ":", "[]", "*", "**", "|$", "$$root", "==", "!=", ">=", "<", "&&", "||", "!$",
        "[?.|$", "$$root[", ".[",
    ] {
        assert!(paths.contains(piece), "no generated path holds {piece:?}");
    }
}

#[test]
fn fuzz_core_agrees_with_itself() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let settings = Settings::new(5000, 3);
    let summary = run(oracles(honest), &settings, dir.path(), |_| {}).expect("fuzz run");
    eprintln!("{summary}");
    assert!(summary.agreed(), "{summary}");
    assert_eq!(summary.generated, 5000);
    assert_eq!(summary.reference, Backend::Core);
    // The core, the reference here, cannot run the Python cases: they are skipped.
    let python = (0..5000).filter(|n| holds_python(3, *n)).count();
    let compared = summary.compared.get(&Backend::Rust).copied().unwrap_or(0);
    let skipped = summary.skipped.get(&Backend::Rust).copied().unwrap_or(0);
    assert_eq!((compared, skipped), (5000 - python, python));
    assert!(summary.written.is_empty());
    assert!(!dir.path().join(REGRESSIONS).exists());
}

#[test]
fn fuzz_finds_a_lying_backend_and_shrinks_it_to_the_minimal_case() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let settings = Settings::new(2000, 5);
    let mut calls = Vec::new();
    let summary = run(oracles(negative_index_bug), &settings, dir.path(), |done| {
        calls.push(done)
    })
    .expect("fuzz run");
    eprintln!("{summary}");
    assert_eq!(calls, vec![512, 1024, 1536, 2000]);
    assert!(summary.disagreements.len() >= 3, "{summary}");
    // Every disagreement shrinks to the same minimal case, which is written once.
    for d in &summary.disagreements {
        assert_eq!(d.backend, Backend::Rust);
        assert_eq!(d.shrunk.op, Op::Get, "{}", d.line());
        assert_eq!(d.shrunk.path, ".[-1]", "{}", d.line());
        assert_eq!(d.shrunk.doc, json!([null, null, null]), "{}", d.line());
        assert!(d.shrunk.args.is_empty(), "{}", d.line());
        assert_eq!(d.expected, Outcome::Value(Value::Null));
        assert!(d.found.path.contains("[-1]"));
    }
    let first = &summary.disagreements[0];
    assert_eq!(first.fate, Fate::Written);
    assert_eq!(summary.written, vec![first.id.clone()]);
    for d in &summary.disagreements[1..] {
        assert_eq!(d.fate, Fate::SameAs(first.id.clone()));
    }
    // The written case loads, expects the reference's outcome and says where it came from.
    let corpus = dictwalk_corpus::load_dir(dir.path(), Default::default()).expect("loads");
    assert_eq!(corpus.len(), 1);
    let case = &corpus[0];
    assert_eq!(case.id, first.id);
    assert_eq!(case.path, ".[-1]");
    assert_eq!(
        case.expect,
        Some(dictwalk_corpus::Expect::Value(Value::Null))
    );
    let note = case.note.as_deref().unwrap_or_default();
    assert!(
        note.starts_with("found by cargo xtask parity --fuzz 2000 --seed 5; rust gave value"),
        "{note}"
    );
    // The same seed again finds the same, and writes nothing twice.
    let again = run(oracles(negative_index_bug), &settings, dir.path(), |_| {}).expect("rerun");
    assert_eq!(again.disagreements.len(), summary.disagreements.len());
    assert!(again.written.is_empty());
    assert_eq!(again.disagreements[0].fate, Fate::AlreadyInCorpus);
    let reloaded = dictwalk_corpus::load_dir(dir.path(), Default::default()).expect("loads");
    assert_eq!(reloaded.len(), 1);
}

#[test]
fn fuzz_compares_with_python_and_names_every_backend_that_disagreed() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let settings = Settings::new(1000, 5);
    let posing = |backend, bug| -> Box<dyn Oracle> { Box::new(Posing { backend, bug }) };
    let oracles = vec![
        posing(Backend::Rust, negative_index_bug),
        posing(Backend::Python, honest),
        posing(Backend::Legacy, negative_index_bug),
    ];
    let summary = run(oracles, &settings, dir.path(), |_| {}).expect("fuzz run");
    assert_eq!(summary.reference, Backend::Python);
    assert_eq!(summary.written.len(), 1, "{summary}");
    let backends: Vec<Backend> = summary.disagreements.iter().map(|d| d.backend).collect();
    assert!(backends.contains(&Backend::Rust) && backends.contains(&Backend::Legacy));
    let corpus = dictwalk_corpus::load_dir(dir.path(), Default::default()).expect("loads");
    let note = corpus[0].note.as_deref().unwrap_or_default();
    assert!(
        note.ends_with("; rust gave value [\"bug\",null]; legacy gave value [\"bug\",null]"),
        "{note}"
    );
}

#[test]
fn fuzz_finds_a_crashing_backend_and_shrinks_it() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let settings = Settings::new(600, 9);
    let summary =
        run(oracles(deep_wildcard_crash), &settings, dir.path(), |_| {}).expect("fuzz run");
    assert!(!summary.disagreements.is_empty(), "{summary}");
    let d = &summary.disagreements[0];
    assert_eq!(d.got, Err("the worker died (exit status 139)".to_owned()));
    assert_eq!(
        (d.shrunk.op, d.shrunk.path.as_str(), &d.shrunk.doc),
        (Op::Get, "**", &Value::Null),
        "{}",
        d.line()
    );
    assert_eq!(summary.written.len(), 1);
    let corpus = dictwalk_corpus::load_dir(dir.path(), Default::default()).expect("loads");
    let note = corpus[0].note.as_deref().unwrap_or_default();
    assert!(
        note.ends_with("rust failed: the worker died (exit status 139)"),
        "{note}"
    );
}

#[test]
fn fuzz_shrinks_no_more_than_the_limit() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut settings = Settings::new(600, 9);
    settings.max_shrunk = 1;
    let summary =
        run(oracles(deep_wildcard_crash), &settings, dir.path(), |_| {}).expect("fuzz run");
    assert!(summary.disagreements.len() > 1, "{summary}");
    assert_eq!(summary.disagreements[0].fate, Fate::Written);
    for d in &summary.disagreements[1..] {
        assert_eq!(d.fate, Fate::OverLimit);
        assert_eq!(d.shrunk, d.found);
    }
    assert_eq!(summary.written.len(), 1);
}

#[test]
fn fuzz_shrinking_is_deterministic_and_stays_within_its_attempts() {
    let failing = (0..2000)
        .map(|n| generate(5, n))
        .find(|spec| {
            let case = spec.to_case("x");
            core::inapplicable(&case).is_none()
                && matches!(core::run(&case), Outcome::Value(_))
                && case.path.contains("[-1]")
                && holds_long_list(&case.doc)
        })
        .expect("a read through [-1] in 2000 cases");
    let fails = |spec: &Spec| {
        let case = spec.to_case("x");
        matches!(core::run(&case), Outcome::Value(_))
            && case.path.contains("[-1]")
            && holds_long_list(&case.doc)
    };
    let once = shrink::shrink(&failing, 500, fails);
    let twice = shrink::shrink(&failing, 500, fails);
    assert_eq!(once, twice);
    assert_eq!(once.spec.path_text(), ".[-1]");
    let capped = shrink::shrink(&failing, 3, fails);
    assert_eq!(capped.attempts, 3);
    assert!(shrink::cost(&capped.spec) >= shrink::cost(&once.spec));
}

#[test]
fn fuzz_needs_two_backends() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let settings = Settings::new(10, 1);
    let one: Vec<Box<dyn Oracle>> = vec![Box::new(CoreOracle), Box::new(CoreOracle)];
    let error = run(one, &settings, dir.path(), |_| {}).expect_err("one backend");
    assert!(error.to_string().contains("two backends"), "{error}");
    let error = run(Vec::new(), &settings, dir.path(), |_| {}).expect_err("no backend");
    assert!(error.to_string().contains("none was given"), "{error}");
}

#[test]
fn fuzz_python_cases_are_a_fifth_of_all_and_hold_every_kind_of_value() {
    let total = 5000;
    let mut python = 0;
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    let mut in_set_values = 0;
    for n in 0..total {
        let spec = generate(11, n);
        let case = spec.to_case(&case_id(11, n));
        // Exactly the cases chosen from the seed and number hold Python values.
        assert_eq!(holds_python_values(&case), holds_python(11, n), "{case:?}");
        if !holds_python(11, n) {
            continue;
        }
        python += 1;
        let text = format!("{} {}", case.doc, Value::Object(case.args.clone()));
        for tag in GENERATED {
            if text.contains(&format!("{{\"{tag}\":")) {
                *kinds.entry(tag).or_default() += 1;
            }
        }
        if case.op == Op::Set && case.args.get("value").is_some_and(holds_tag) {
            in_set_values += 1;
        }
    }
    let share = python as f64 / total as f64;
    let expected = PYTHON_PERCENT as f64 / 100.0;
    assert!(
        (expected - 0.03..=expected + 0.03).contains(&share),
        "{python} Python cases of {total}"
    );
    for tag in GENERATED {
        let count = kinds.get(tag).copied().unwrap_or(0);
        assert!(count >= 20, "{tag} in only {count} cases: {kinds:?}");
    }
    assert!(
        in_set_values >= 20,
        "{in_set_values} set values hold Python values"
    );
}

#[test]
fn fuzz_python_values_are_well_formed_codec_json_and_shrink_to_well_formed_values() {
    let mut documents = 0;
    for n in (0..5000).filter(|n| holds_python(11, *n)) {
        let spec = generate(11, n);
        for value in std::iter::once(&spec.doc).chain(spec.args.values()) {
            assert_eq!(python::check(value), Ok(()), "case {n}");
        }
        if holds_tag(&spec.doc) {
            documents += 1;
            for smaller in shrink::value_candidates(&spec.doc) {
                let checked = python::check(&smaller);
                assert_eq!(checked, Ok(()), "case {n}: a candidate of {}", spec.doc);
            }
        }
    }
    assert!(documents >= 500, "{documents} documents with Python values");
    // The rules themselves: what the codec, or the fuzzer's rule for sets, would refuse.
    for bad in [
        json!({"$tuple": 1}),
        json!({"$set": [[1]]}),
        json!({"$set": [null]}),
        json!({"$set": ["a"]}),
        json!({"$frozenset": [{"$float": "nan"}]}),
        json!({"$bytes": "Y"}),
        json!({"$int": "-"}),
        json!({"$int": "1.5"}),
        json!({"$float": "1.5"}),
        json!({"$datetime": "2023-02-29"}),
        json!({"$decimal": "1.2.3"}),
        json!({"$dict": [[1]]}),
        json!({"$dict": [[[1], 2]]}),
        json!({"$dict": [[{"$set": []}, 2]]}),
        json!([{"a": {"$tuple": [{"$int": "x"}]}}]),
        json!({"$nest": {"depth": 1, "key": "a", "leaf": 1}}),
    ] {
        assert!(python::check(&bad).is_err(), "{bad} passes");
    }
    for good in [
        json!({"$set": [1, 2.5, true, {"$int": "-18446744073709551616"}, {"$tuple": [1, 2]}]}),
        json!({"$dict": [[null, 1], [{"$tuple": [1, "a"]}, 2], ["a", {"$float": "nan"}]]}),
        json!({"$datetime": "2024-02-29T23:59:59.500000+05:30"}),
        json!({"$decimal": "-1E+3"}),
        json!({"$bytes": "AP8="}),
    ] {
        assert_eq!(python::check(&good), Ok(()), "{good}");
    }
}

#[test]
fn fuzz_shrinks_inside_tagged_values_without_breaking_them() {
    // A set among other values shrinks to the empty set, through the set's items.
    let spec = (0..5000)
        .map(|n| generate(11, n))
        .find(|spec| {
            spec.doc.to_string().contains("{\"$set\":[")
                && !spec.doc.to_string().contains("{\"$set\":[]}")
        })
        .expect("a document with a set that has items");
    let holds_set = |spec: &Spec| spec.doc.to_string().contains("{\"$set\":");
    let shrunk = shrink::shrink(&spec, 2000, |candidate| {
        python::check(&candidate.doc).expect("a well-formed candidate");
        holds_set(candidate)
    });
    assert_eq!(shrunk.spec.doc, json!({"$set": []}), "{:?}", shrunk.spec);
    // Inside a tuple, each item shrinks in place; a big int keeps its kind while it must.
    let tuple = json!({"$tuple": [{"$int": "-18446744073709551616"}, "abc"]});
    let candidates = shrink::value_candidates(&tuple);
    for expected in [
        Value::Null,
        json!([{"$int": "-18446744073709551616"}, "abc"]),
        json!({"$tuple": ["abc"]}),
        json!({"$tuple": [{"$int": "18446744073709551616"}, "abc"]}),
        // One digit fewer fits in 64 bits: a plain int.
        json!({"$tuple": [-1_844_674_407_370_955_161_i64, "abc"]}),
        json!({"$tuple": [{"$int": "-18446744073709551616"}, "a"]}),
    ] {
        assert!(
            candidates.contains(&expected),
            "no {expected} among {candidates:?}"
        );
    }
    assert!(
        shrink::value_candidates(&json!({"$int": "123456789012345678901"}))
            .contains(&json!({"$int": "12345678901234567890"}))
    );
    // What a set cannot hold is never put into one.
    let set = tagged("$set", json!([{"$tuple": [1, 2]}, 3]));
    for candidate in shrink::value_candidates(&set) {
        assert_eq!(python::check(&candidate), Ok(()), "{candidate}");
        assert_ne!(candidate, json!({"$set": [[1, 2], 3]}));
        assert_ne!(candidate, json!({"$set": [null, 3]}));
    }
}

#[test]
fn fuzz_python_values_get_the_filters_made_for_them() {
    let samples = [
        json!({"$tuple": [3, {"$int": "18446744073709551616"}, 1.5]}),
        json!({"$tuple": [{"id": 2, "a": "x"}, {"id": 1}]}),
        json!({"$set": [3, 1, {"$int": "-9223372036854775809"}]}),
        json!({"$frozenset": [1.5, true]}),
        json!({"$int": "340282366920938463463374607431768211456"}),
        json!({"$float": "nan"}),
        json!({"$decimal": "1.5"}),
        json!({"$bytes": "aGVsbG8="}),
        json!({"$datetime": "2024-01-02T03:04:05"}),
        json!({"$dict": [[1, "a"], [null, [1, 2]], ["b", 2]]}),
        json!([{"$int": "18446744073709551616"}, {"$float": "inf"}, 2]),
    ];
    let mut first_steps: BTreeMap<String, usize> = BTreeMap::new();
    for (i, value) in samples.iter().enumerate() {
        for seed in 0..300 {
            let pipe = pipeline_for(1000 * i as u64 + seed, value);
            let names: Vec<&str> = pipe.0.iter().map(|call| call.name.as_str()).collect();
            // 2 ** a big int would not end: no power has a Python value as its exponent.
            assert!(!names.contains(&"rpow"), "{value}: {}", pipe.text());
            if let Some(first) = names.first() {
                *first_steps.entry((*first).to_owned()).or_default() += 1;
            }
        }
    }
    for name in [
        "sum", "max", "min", "sorted", "unique", "len", "sort_by", "keys", "values", "items",
        "to_json", "string", "add", "sub", "mul", "double", "strftime", "pick",
    ] {
        assert!(
            first_steps.contains_key(name),
            "${name} never applied to a Python value: {first_steps:?}"
        );
    }
}

#[test]
fn fuzz_core_skips_the_python_cases() {
    let cases: Vec<Case> = (0..1000)
        .map(|n| generate(4, n).to_case(&case_id(4, n)))
        .collect();
    let python = cases
        .iter()
        .filter(|case| holds_python_values(case))
        .count();
    assert!(python > 100, "{python} Python cases");
    for case in cases.iter().filter(|case| holds_python_values(case)) {
        assert!(core::inapplicable(case).is_some(), "{case:?}");
        assert!(CoreOracle.run(case).is_err(), "{case:?}");
    }
    let dir = tempfile::tempdir().expect("temporary directory");
    let oracles: Vec<Box<dyn Oracle>> = vec![
        Box::new(Posing {
            backend: Backend::Python,
            bug: honest,
        }),
        Box::new(CoreOracle),
    ];
    let summary = run(oracles, &Settings::new(1000, 4), dir.path(), |_| {}).expect("fuzz run");
    assert!(summary.agreed(), "{summary}");
    assert_eq!(summary.skipped.get(&Backend::Core), Some(&python));
    assert_eq!(summary.compared.get(&Backend::Core), Some(&(1000 - python)));
}

/// 2.6.0 as the core posing: every path with a predicate is a parse error.
fn predicates_refused(case: &Case, outcome: Outcome) -> Result<Outcome, String> {
    if case.path.contains("[?") {
        Ok(Outcome::Error {
            class: "DictWalkParseError".into(),
            message: "refused".into(),
            doc: None,
            details: Map::new(),
        })
    } else {
        Ok(outcome)
    }
}

/// A mutation run on python, rust and core (all the core) and 2.6.0 refusing predicates, of
/// which rules declare the reads only; with `batch` paths per batch.
fn mutate_run(batch: usize) -> anyhow::Result<(super::mutate::Summary, String)> {
    use super::mutate::{run, Settings};
    use super::rules::Rules;
    let dir = tempfile::tempdir()?;
    let corpus: Vec<Case> = [
        (
            "c.one",
            "a[?.id==1].v",
            json!({"a": [{"id": 1, "v": 2}, {"id": 3}]}),
        ),
        ("c.two", "a.b|$len", json!({"a": {"b": [1, 2, 3]}})),
        ("c.three", "x[0].y", json!({"x": [{"y": "z"}]})),
    ]
    .into_iter()
    .map(|(id, path, doc)| Case {
        id: id.into(),
        file: "t.json".into(),
        op: Op::Get,
        path: path.into(),
        path_value: None,
        doc,
        args: Map::new(),
        expect: None,
        diverges: [(Backend::Legacy, "refuses predicates".to_owned())]
            .into_iter()
            .collect(),
        note: None,
    })
    .collect();
    let rules = Rules::parse(
        r#"{"schema_version": 1, "rules": [{"kind": "predicates refused", "spec": "0",
            "reason": "r", "ours": ["value"], "legacy": "DictWalkParseError",
            "path": "\\[\\?", "ops": ["get", "exists"]}]}"#,
    )?;
    let oracles: Vec<Box<dyn Oracle>> = vec![
        Box::new(Posing {
            backend: Backend::Python,
            bug: honest,
        }),
        Box::new(Posing {
            backend: Backend::Rust,
            bug: honest,
        }),
        Box::new(CoreOracle),
        Box::new(Posing {
            backend: Backend::Legacy,
            bug: predicates_refused,
        }),
    ];
    let settings = Settings {
        batch,
        shrink_attempts: 20,
        ..Settings::new(60, 7)
    };
    let summary = run(oracles, &rules, &settings, (&corpus, dir.path()), |_| {})?;
    let written = std::fs::read_to_string(dir.path().join(super::mutate::LEGACY_REGRESSIONS))
        .unwrap_or_default();
    Ok((summary, written))
}

#[test]
fn a_mutation_run_classes_every_answer_whatever_the_batches() -> anyhow::Result<()> {
    let (summary, written) = mutate_run(7)?;
    assert_eq!((summary.paths, summary.cases), (60, 300));
    assert!(summary.disagreements.is_empty(), "{summary}");
    let counts = |backend| {
        summary
            .per_backend
            .get(&backend)
            .cloned()
            .unwrap_or_default()
    };
    let rust = counts(Backend::Rust);
    assert_eq!((rust.compared, rust.agreed), (300, 300));
    let core = counts(Backend::Core);
    assert_eq!(core.compared + core.skipped, 300);
    let legacy = counts(Backend::Legacy);
    assert_eq!(legacy.compared, 300);
    assert_eq!(legacy.agreed + legacy.declared + legacy.differed, 300);
    assert_eq!(legacy.agreed, summary.legacy_agreed);
    assert!(legacy.declared > 0 && legacy.differed > 0, "{summary}");
    // What the rule leaves out is undeclared: shrunk, at most three per kind, written.
    assert!(
        summary
            .undeclared
            .keys()
            .any(|kind| kind.starts_with("set")),
        "{summary}"
    );
    for (kind, found) in &summary.undeclared {
        assert!(
            !found.examples.is_empty() && found.examples.len() <= 3,
            "{kind}"
        );
    }
    assert!(!summary.written.is_empty());
    for id in &summary.written {
        assert!(written.contains(id.as_str()), "{id} was not written");
    }
    // The corpus's declarations were checked: the two with a predicate are covered.
    assert_eq!(summary.checked_declarations, 3);
    assert!(summary.uncovered.is_empty(), "{:?}", summary.uncovered);
    // Pipelined batches of another size class every answer the same way.
    let (other, _) = mutate_run(1000)?;
    assert_eq!(other.per_backend, summary.per_backend);
    assert_eq!(other.written, summary.written);
    let count = |kinds: &BTreeMap<String, super::mutate::Kind>| -> Vec<(String, usize)> {
        kinds.iter().map(|(k, v)| (k.clone(), v.count)).collect()
    };
    assert_eq!(count(&other.undeclared), count(&summary.undeclared));
    assert_eq!(count(&other.declared), count(&summary.declared));
    Ok(())
}
