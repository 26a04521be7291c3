//! The parity corpus on the `core` backend: dictwalk-core's JSON API, judged strictly.
//!
//! `corpus_holds_on_the_core` runs every case the core can run (see `core::inapplicable`)
//! through `core::run` and `judge`; a case that declares a `core` divergence must differ, or
//! the declaration is stale. `single_filter_steps_hold_on_apply_json` applies the single-step
//! `run_filter` cases straight to `filters::apply_json`, the entry the native binding calls
//! without the engine around it, and checks the parse errors for unknown filters and wrong
//! arities against the arity table (`filters::builtin`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use dictwalk_core::filters::{apply_json, builtin};
use dictwalk_core::literal::Literal;
use dictwalk_core::syntax::{parse_pipeline, Arg};
use dictwalk_corpus::{core, judge, load_dir, Backend, Case, Expect, LoadOptions, Op, Outcome};
use serde_json::{Map, Number, Value};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../parity/cases")
}

fn load_corpus() -> Result<Vec<Case>, String> {
    load_dir(&corpus_dir(), LoadOptions::default()).map_err(|error| error.to_string())
}

fn name(case: &Case) -> String {
    format!("{}: case {:?}", case.file, case.id)
}

#[test]
fn corpus_holds_on_the_core() -> Result<(), String> {
    let cases = load_corpus()?;
    let (mut passed, mut diverged) = (0usize, 0usize);
    let mut inapplicable: BTreeMap<&str, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for case in &cases {
        if let Some(reason) = core::inapplicable(case) {
            *inapplicable.entry(reason).or_default() += 1;
            continue;
        }
        let verdict = judge(case, &core::run(case));
        match (verdict, case.divergence(Backend::Core)) {
            (Ok(()), None) => passed += 1,
            (Err(_), Some(_)) => diverged += 1,
            (Ok(()), Some(reason)) => failures.push(format!(
                "{}: declares a core divergence ({reason}) but matches; the declaration is stale",
                name(case)
            )),
            (Err(difference), None) => failures.push(format!("{}: {difference}", name(case))),
        }
    }
    println!(
        "{} cases: {passed} pass, {} inapplicable, {diverged} declared divergences, {} failed",
        cases.len(),
        inapplicable.values().sum::<usize>(),
        failures.len()
    );
    for (reason, count) in &inapplicable {
        println!("  inapplicable {count}: {reason}");
    }
    assert!(
        failures.is_empty(),
        "{} corpus case(s) fail on the core:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
    assert!(passed > 0, "no corpus case ran on the core");
    Ok(())
}

/// What became of one case in the direct test.
enum Direct {
    Pass,
    Skip(&'static str),
    Fail(String),
}

#[test]
fn single_filter_steps_hold_on_apply_json() -> Result<(), String> {
    let cases = load_corpus()?;
    let mut passed = BTreeMap::<&str, usize>::new();
    let mut skipped = BTreeMap::<&str, usize>::new();
    let mut failures = Vec::new();
    for case in &cases {
        match direct(case) {
            Direct::Pass => {
                let kind = if matches!(&case.expect, Some(Expect::Error { class, .. }) if class == "DictWalkParseError")
                {
                    "rejected by the arity table"
                } else {
                    "applied by apply_json"
                };
                *passed.entry(kind).or_default() += 1;
            }
            Direct::Skip(reason) => *skipped.entry(reason).or_default() += 1,
            Direct::Fail(message) => failures.push(format!("{}: {message}", name(case))),
        }
    }
    for (kind, count) in &passed {
        println!("passed {count}: {kind}");
    }
    for (reason, count) in &skipped {
        println!("skipped {count}: {reason}");
    }
    assert!(
        failures.is_empty(),
        "{} single-step filter case(s) fail on apply_json:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
    for kind in ["rejected by the arity table", "applied by apply_json"] {
        assert!(
            passed.get(kind).is_some_and(|count| *count > 0),
            "no case was {kind}"
        );
    }
    Ok(())
}

fn direct(case: &Case) -> Direct {
    if case.op != Op::RunFilter {
        return Direct::Skip("not a run_filter case");
    }
    if core::inapplicable(case).is_some() {
        return Direct::Skip("not applicable to the core");
    }
    if case.divergence(Backend::Core).is_some() {
        return Direct::Skip("declared divergence for core");
    }
    if let Some(Expect::Error { class, .. }) = &case.expect {
        if class == "DictWalkParseError" {
            return arity_check(&case.path);
        }
        if class.starts_with("DictWalk") {
            return Direct::Skip("an error the engine raises, not the filter");
        }
    }
    let Ok(pipeline) = parse_pipeline(&case.path, None, &|_| false) else {
        return Direct::Fail("the path does not parse, and the case expects no parse error".into());
    };
    let [call] = pipeline.calls.as_slice() else {
        return Direct::Skip("pipeline of more than one step (engine)");
    };
    if call.maps {
        return Direct::Skip("map step [] (engine)");
    }
    let Some(def) = call.builtin else {
        return Direct::Fail(format!("${} parsed as a custom filter", call.name));
    };
    let mut args = Vec::new();
    for arg in &call.args {
        match arg {
            Arg::RootRef(_) => return Direct::Skip("$$root argument (engine)"),
            Arg::Literal(literal) => match json_of(literal) {
                Some(value) => args.push(value),
                None => return Direct::Skip("argument JSON cannot hold"),
            },
        }
    }
    if matches!(def.name, "sort_by" | "unique_by" | "index_by" | "group_by")
        && !args.first().is_some_and(is_plain_selector)
    {
        return Direct::Skip("selector path needs the engine's reader");
    }
    let value = case.args.get("value").unwrap_or(&Value::Null);
    let outcome = match apply_json(def.name, value, &args, &resolve) {
        Ok(result) => Outcome::Value(result),
        Err(error) => Outcome::Error {
            class: error.kind.to_owned(),
            message: error.message,
            doc: None,
            details: serde_json::Map::new(),
        },
    };
    match judge(case, &outcome) {
        Ok(()) => Direct::Pass,
        Err(difference) => Direct::Fail(difference),
    }
}

/// A parse error of a single `$name(args)` step: the arity table must know no such filter,
/// or not accept that many arguments.
fn arity_check(path: &str) -> Direct {
    let Some((name, count)) = single_step(path) else {
        return Direct::Skip("parse error of a pipeline that is not one $name(args) step");
    };
    match builtin(&name) {
        None => Direct::Pass,
        Some(def) if !def.accepts(count) => Direct::Pass,
        Some(_) => Direct::Skip("parse error raised by the path parser, not the arity table"),
    }
}

/// `$name(args)` split into its name and number of arguments; None when it is not one step.
fn single_step(path: &str) -> Option<(String, usize)> {
    if split_top_level(path, '|').len() > 1 || path.ends_with("[]") {
        return None;
    }
    let body = path.strip_prefix('$')?;
    let name_end = body
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(body.len());
    let (name, rest) = body.split_at(name_end);
    if rest.is_empty() {
        return Some((name.to_owned(), 0));
    }
    let inner = rest.strip_prefix('(')?.strip_suffix(')')?;
    let count = if inner.trim().is_empty() {
        0
    } else {
        split_top_level(inner, ',').len()
    };
    Some((name.to_owned(), count))
}

/// Splits at top-level occurrences of `separator`, outside quotes and brackets.
fn split_top_level(text: &str, separator: char) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for ch in text.chars() {
        if let Some(open) = quote {
            current.push(ch);
            if escaped {
                escaped = false;
            } else if ch == '\\' {
                escaped = true;
            } else if ch == open {
                quote = None;
            }
            continue;
        }
        match ch {
            '\'' | '"' => quote = Some(ch),
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            _ if ch == separator && depth == 0 => {
                parts.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(ch);
    }
    parts.push(current);
    parts
}

/// The JSON value of a literal argument, when JSON can hold it.
fn json_of(literal: &Literal) -> Option<Value> {
    Some(match literal {
        Literal::None => Value::Null,
        Literal::Bool(flag) => Value::Bool(*flag),
        Literal::Int(int) => Value::from(*int),
        Literal::BigInt { text, .. } => Value::from(text.parse::<u64>().ok()?),
        Literal::Float(float) => Value::Number(Number::from_f64(*float)?),
        Literal::Str(text) => Value::String(text.clone()),
        Literal::List(items) => Value::Array(items.iter().map(json_of).collect::<Option<_>>()?),
        Literal::Dict(pairs) => {
            let mut map = Map::new();
            for (key, value) in pairs {
                let Literal::Str(key) = key else {
                    return None;
                };
                map.insert(key.clone(), json_of(value)?);
            }
            Value::Object(map)
        }
        _ => return None,
    })
}

/// A minimal read of a selector path for `sort_by` and its kin: `.` or dotted keys, with
/// dictwalk's plucking from lists.
fn resolve(item: &Value, path: &str) -> Option<Value> {
    if path == "." {
        return Some(item.clone());
    }
    let mut current = item.clone();
    for key in path.split('.') {
        current = match &current {
            Value::Object(map) => map.get(key)?.clone(),
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .filter_map(|entry| entry.as_object().and_then(|map| map.get(key)))
                    .cloned()
                    .collect(),
            ),
            _ => return None,
        };
    }
    Some(current)
}

fn is_plain_selector(path: &Value) -> bool {
    match path {
        Value::String(text) => {
            text == "."
                || (!text.is_empty()
                    && text.split('.').all(|key| {
                        !key.is_empty() && key.chars().all(|c| c.is_alphanumeric() || c == '_')
                    }))
        }
        _ => true,
    }
}
