//! The parity corpus (`parity/cases/*.json`) run on the core's JSON API, compared strictly.
//!
//! Every case that JSON can express runs; the others are skipped and counted: cases whose
//! document, arguments or expectation hold a tagged value (`{"$tuple": [...]}` and its
//! kin), and cases that expect an exception only Python can raise (`DictWalkError`, from the
//! Python API's own checks). Comparison is strict, as in python/tests/corpus.py: `1`, `1.0`
//! and `true` differ, and key order counts. A case declaring `"diverges": {"core": ...}`
//! must differ.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use dictwalk_core::json::{self, GetOptions, SetOptions};
use serde_json::{Map, Value};

mod common;
use common::tag_in;

/// Exception classes the core never raises: the Python API's own argument checks.
const PYTHON_ONLY_ERRORS: [&str; 1] = ["DictWalkError"];

#[derive(Debug)]
enum Outcome {
    Value(Value),
    Doc(Value),
    Error {
        class: String,
        message: String,
        doc: Option<Value>,
    },
}

struct Case<'a> {
    file: String,
    id: &'a str,
    op: &'a str,
    path: &'a str,
    doc: Value,
    args: Map<String, Value>,
    expect: &'a Map<String, Value>,
    diverges_core: bool,
}

#[test]
fn corpus_cases_hold_on_the_core() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../parity/cases");
    let entries = fs::read_dir(&dir);
    assert!(
        entries.is_ok(),
        "cannot read {}: {entries:?}",
        dir.display()
    );
    let mut files: Vec<PathBuf> = entries
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no corpus files in {}", dir.display());

    let (mut passed, mut skipped, mut diverged) = (0usize, 0usize, 0usize);
    let mut failures = Vec::new();
    for file in &files {
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let parsed: Result<Value, String> = fs::read_to_string(file)
            .map_err(|e| e.to_string())
            .and_then(|text| serde_json::from_str(&text).map_err(|e| e.to_string()));
        let corpus = match parsed {
            Ok(corpus) => corpus,
            Err(error) => {
                failures.push(format!("{name}: not valid JSON: {error}"));
                continue;
            }
        };
        let docs = corpus
            .get("docs")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let cases = corpus
            .get("cases")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for raw in &cases {
            let Some(case) = load_case(&name, raw, &docs) else {
                failures.push(format!("{name}: malformed case {raw}"));
                continue;
            };
            if !expressible(&case) {
                skipped += 1;
                continue;
            }
            let outcome = run(&case);
            let verdict = judge(&case, &outcome);
            match (verdict, case.diverges_core) {
                (None, false) => passed += 1,
                (Some(_), true) => diverged += 1,
                (None, true) => failures.push(format!(
                    "{}: {}: declares a core divergence but matches",
                    case.file, case.id
                )),
                (Some(difference), false) => {
                    failures.push(format!("{}: {}: {difference}", case.file, case.id))
                }
            }
        }
    }
    println!("{passed} passed, {skipped} skipped (not JSON-expressible)");
    if diverged > 0 {
        println!("{diverged} declared core divergences");
    }
    let mut report = String::new();
    for failure in &failures {
        let _ = writeln!(report, "  {failure}");
    }
    assert!(
        failures.is_empty(),
        "{} corpus case(s) differ on the core:\n{report}",
        failures.len()
    );
}

fn load_case<'a>(file: &str, raw: &'a Value, docs: &Map<String, Value>) -> Option<Case<'a>> {
    let doc = match (raw.get("doc"), raw.get("doc_ref").and_then(Value::as_str)) {
        (Some(doc), _) => doc.clone(),
        (None, Some(name)) => docs.get(name)?.clone(),
        (None, None) => Value::Null,
    };
    Some(Case {
        file: file.to_owned(),
        id: raw.get("id")?.as_str()?,
        op: raw.get("op")?.as_str()?,
        path: raw.get("path")?.as_str()?,
        doc,
        args: raw
            .get("args")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default(),
        expect: raw.get("expect")?.as_object()?,
        diverges_core: raw.get("diverges").and_then(|d| d.get("core")).is_some(),
    })
}

fn tagged(value: &Value) -> bool {
    tag_in(value).is_some()
}

fn expressible(case: &Case<'_>) -> bool {
    let python_only = case
        .expect
        .get("error")
        .and_then(Value::as_str)
        .is_some_and(|class| PYTHON_ONLY_ERRORS.contains(&class));
    let any_tag =
        tagged(&case.doc) || case.args.values().any(tagged) || case.expect.values().any(tagged);
    !python_only && !any_tag
}

fn flag(args: &Map<String, Value>, name: &str, default: bool) -> bool {
    args.get(name).and_then(Value::as_bool).unwrap_or(default)
}

fn run(case: &Case<'_>) -> Outcome {
    let mut doc = case.doc.clone();
    let args = &case.args;
    let strict = flag(args, "strict", false);
    let failed = |error: json::Error, doc: Option<Value>| Outcome::Error {
        class: error.class_name().to_owned(),
        message: error.python_message(),
        doc,
    };
    match case.op {
        "get" => {
            let options = GetOptions {
                default: args.get("default").cloned().unwrap_or(Value::Null),
                strict,
            };
            json::get(&doc, case.path, options).map_or_else(|e| failed(e, None), Outcome::Value)
        }
        "exists" => json::exists(&doc, case.path, strict)
            .map_or_else(|e| failed(e, None), |b| Outcome::Value(Value::Bool(b))),
        "run_filter" => {
            let value = args.get("value").cloned().unwrap_or(Value::Null);
            json::run_filter(case.path, &value).map_or_else(|e| failed(e, None), Outcome::Value)
        }
        "set" => {
            let options = SetOptions {
                strict,
                create_missing: flag(args, "create_missing", true),
                create_filter_match: flag(args, "create_filter_match", true),
                overwrite_incompatible: flag(args, "overwrite_incompatible", true),
            };
            let value = args.get("value").cloned().unwrap_or(Value::Null);
            match json::set(&mut doc, case.path, value, options) {
                Ok(()) => Outcome::Doc(doc),
                Err(error) => failed(error, Some(doc)),
            }
        }
        "unset" => match json::unset(&mut doc, case.path, strict) {
            Ok(()) => Outcome::Doc(doc),
            Err(error) => failed(error, Some(doc)),
        },
        other => Outcome::Error {
            class: "CorpusError".into(),
            message: format!("unknown op {other}"),
            doc: None,
        },
    }
}

/// None when the outcome meets the expectation, else what differs (corpus.py's `judge`).
fn judge(case: &Case<'_>, outcome: &Outcome) -> Option<String> {
    let expect = case.expect;
    if let Some(class) = expect.get("error").and_then(Value::as_str) {
        let Outcome::Error {
            class: got,
            message,
            doc,
        } = outcome
        else {
            return Some(format!("expected {class}, got {}", describe(outcome)));
        };
        if got != class {
            return Some(format!("expected {class}, got {}", describe(outcome)));
        }
        if let Some(fragment) = expect.get("message").and_then(Value::as_str) {
            if !message.contains(fragment) {
                return Some(format!(
                    "expected message containing {fragment:?}, got {message:?}"
                ));
            }
        }
        if matches!(case.op, "set" | "unset") {
            let unchanged = expect.get("doc").unwrap_or(&case.doc);
            if !doc.as_ref().is_some_and(|doc| same(unchanged, doc)) {
                return Some(format!(
                    "failed {} changed the document to {}",
                    case.op,
                    show(doc.as_ref())
                ));
            }
        }
        return None;
    }
    match (outcome, case.op) {
        (Outcome::Error { .. }, _) => Some(format!("expected success, got {}", describe(outcome))),
        (Outcome::Doc(doc), "set" | "unset") => {
            let wanted = expect.get("doc").unwrap_or(&Value::Null);
            if expect.get("same").and_then(Value::as_bool) == Some(false) {
                return Some(
                    "the core changes documents in place; it cannot return another object".into(),
                );
            }
            (!same(wanted, doc))
                .then(|| format!("document after {}: expected {wanted}, got {doc}", case.op))
        }
        (Outcome::Value(value), _) => {
            let wanted = expect.get("value").unwrap_or(&Value::Null);
            (!same(wanted, value)).then(|| format!("expected {wanted}, got {value}"))
        }
        (Outcome::Doc(_), _) => Some(format!("unexpected outcome {}", describe(outcome))),
    }
}

/// Strict equality: `1`, `1.0` and `true` differ, and key order counts.
fn same(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(a), Value::Bool(b)) => a == b,
        (Value::String(a), Value::String(b)) => a == b,
        (Value::Number(a), Value::Number(b)) => {
            if a.is_f64() != b.is_f64() {
                return false;
            }
            match (a.as_i64(), b.as_i64(), a.as_u64(), b.as_u64()) {
                (Some(x), Some(y), _, _) => x == y,
                (_, _, Some(x), Some(y)) => x == y,
                _ => a.as_f64() == b.as_f64() && a.is_f64(),
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|((ka, va), (kb, vb))| ka == kb && same(va, vb))
        }
        _ => false,
    }
}

fn describe(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Value(value) => format!("value {value}"),
        Outcome::Doc(doc) => format!("document {doc}"),
        Outcome::Error { class, message, .. } => format!("{class}: {message}"),
    }
}

fn show(doc: Option<&Value>) -> String {
    doc.map_or_else(|| "nothing".to_owned(), Value::to_string)
}
