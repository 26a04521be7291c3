//! The `core` backend: dictwalk-core's JSON API, in process, on the cases JSON can express.

use dictwalk_core::json::{self, GetOptions, SetOptions};
use serde_json::Value;

use crate::case::{Case, Expect, Op};
use crate::codec;
use crate::outcome::{clip, same, Outcome};

/// Why the core cannot run a case, or `None` when it can.
pub fn inapplicable(case: &Case) -> Option<&'static str> {
    let checks_details =
        matches!(&case.expect, Some(Expect::Error { details, .. }) if !details.is_empty());
    let other_object = matches!(case.expect, Some(Expect::Doc { same: false, .. }));
    inapplicable_when(case, case.is_plain_json(), checks_details, other_object)
}

/// [`inapplicable`] for a case whose expectation is the outcome `expected` (the reference's
/// answer to a generated case) rather than its own `expect`. An outcome, unlike a recorded
/// expectation, checks no exception details.
pub fn inapplicable_expecting(case: &Case, expected: &Outcome) -> Option<&'static str> {
    let other_object = matches!(expected, Outcome::Doc { same: false, .. });
    let tagged = match expected {
        Outcome::Value(value) | Outcome::Doc { doc: value, .. } => codec::tag_in(value).is_some(),
        Outcome::Error { .. } => false,
    };
    let plain = !tagged && case.inputs_are_plain_json();
    inapplicable_when(case, plain, false, other_object)
}

/// [`inapplicable`], given whether the case and its expectation are plain JSON, whether the
/// expectation checks a Python exception's details and whether it expects a write to return
/// another object.
fn inapplicable_when(
    case: &Case,
    plain: bool,
    checks_details: bool,
    other_object: bool,
) -> Option<&'static str> {
    if case.op.is_python_api() {
        return Some("calls the Python API (a filter registry, DictWalk), which the core has not");
    }
    if !plain {
        return Some("holds a value JSON cannot express");
    }
    if case.path.contains(codec::CUSTOM_FILTER_CALL)
        || case.args.values().any(codec::calls_custom_filter)
    {
        return Some("calls a custom filter, which only Python registers");
    }
    let flags = [
        "strict",
        "create_missing",
        "create_filter_match",
        "overwrite_incompatible",
    ];
    if flags.iter().any(|flag| {
        case.args
            .get(*flag)
            .is_some_and(|value| !value.is_boolean())
    }) {
        return Some("passes a flag that is not a bool, which only the Python API checks");
    }
    if checks_details {
        return Some("checks a Python exception's context, cause or pickling");
    }
    if other_object {
        return Some("expects a write to return another object; the core writes in place");
    }
    None
}

/// Run a case on the core. Call only when [`inapplicable`] is `None`.
pub fn run(case: &Case) -> Outcome {
    run_on(case, &mut case.doc.clone())
}

/// [`run`], with the read-mutation check that every backend gets: `Err` says how a `get` or
/// `exists` changed the document. The core's reads borrow the document immutably, so the
/// check holds by construction here; it runs all the same, so that every backend's report
/// answers the same question.
pub fn run_checked(case: &Case) -> Result<Outcome, String> {
    let mut doc = case.doc.clone();
    let outcome = run_on(case, &mut doc);
    if matches!(case.op, Op::Get | Op::Exists) && !same(&case.doc, &doc) {
        return Err(format!("the document became {}", clip(&doc)));
    }
    Ok(outcome)
}

fn run_on(case: &Case, doc: &mut Value) -> Outcome {
    let args = &case.args;
    let strict = case.flag("strict", false);
    let failed = |error: json::Error, doc: Option<Value>| Outcome::Error {
        class: error.class_name().to_owned(),
        message: error.python_message(),
        doc,
        details: serde_json::Map::new(),
    };
    let arg = |name: &str| args.get(name).cloned().unwrap_or(Value::Null);
    match case.op {
        Op::Get => {
            let options = GetOptions {
                default: arg("default"),
                strict,
            };
            json::get(doc, &case.path, options).map_or_else(|e| failed(e, None), Outcome::Value)
        }
        Op::Exists => json::exists(doc, &case.path, strict)
            .map_or_else(|e| failed(e, None), |b| Outcome::Value(Value::Bool(b))),
        Op::RunFilter => json::run_filter(&case.path, &arg("value"))
            .map_or_else(|e| failed(e, None), Outcome::Value),
        Op::Set => {
            let options = SetOptions {
                strict,
                create_missing: case.flag("create_missing", true),
                create_filter_match: case.flag("create_filter_match", true),
                overwrite_incompatible: case.flag("overwrite_incompatible", true),
            };
            match json::set(doc, &case.path, arg("value"), options) {
                Ok(()) => Outcome::Doc {
                    doc: std::mem::take(doc),
                    same: true,
                },
                Err(error) => failed(error, Some(std::mem::take(doc))),
            }
        }
        Op::Unset => match json::unset(doc, &case.path, strict) {
            Ok(()) => Outcome::Doc {
                doc: std::mem::take(doc),
                same: true,
            },
            Err(error) => failed(error, Some(std::mem::take(doc))),
        },
        // `inapplicable` keeps these away; answered all the same, never a panic.
        Op::GetPathFilter | Op::RegisterPathFilter | Op::DictWalk => Outcome::Error {
            class: "NotApplicable".into(),
            message: format!("the core cannot run {}", case.op),
            doc: None,
            details: serde_json::Map::new(),
        },
    }
}
