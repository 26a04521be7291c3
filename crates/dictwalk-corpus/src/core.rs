//! The `core` backend: dictwalk-core's JSON API, in process, on the cases JSON can express.

use dictwalk_core::json::{self, GetOptions, SetOptions};
use serde_json::Value;

use crate::case::{Case, Expect, Op};
use crate::outcome::Outcome;

/// Why the core cannot run a case, or `None` when it can.
pub fn inapplicable(case: &Case) -> Option<&'static str> {
    if !case.is_plain_json() {
        return Some("holds a value JSON cannot express");
    }
    if matches!(case.expect, Some(Expect::Doc { same: false, .. })) {
        return Some("expects a write to return another object; the core writes in place");
    }
    None
}

/// Run a case on the core. Call only when [`inapplicable`] is `None`.
pub fn run(case: &Case) -> Outcome {
    let mut doc = case.doc.clone();
    let args = &case.args;
    let strict = case.flag("strict", false);
    let failed = |error: json::Error, doc: Option<Value>| Outcome::Error {
        class: error.class_name().to_owned(),
        message: error.python_message(),
        doc,
    };
    let arg = |name: &str| args.get(name).cloned().unwrap_or(Value::Null);
    match case.op {
        Op::Get => {
            let options = GetOptions {
                default: arg("default"),
                strict,
            };
            json::get(&doc, &case.path, options).map_or_else(|e| failed(e, None), Outcome::Value)
        }
        Op::Exists => json::exists(&doc, &case.path, strict)
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
            match json::set(&mut doc, &case.path, arg("value"), options) {
                Ok(()) => Outcome::Doc { doc, same: true },
                Err(error) => failed(error, Some(doc)),
            }
        }
        Op::Unset => match json::unset(&mut doc, &case.path, strict) {
            Ok(()) => Outcome::Doc { doc, same: true },
            Err(error) => failed(error, Some(doc)),
        },
    }
}
