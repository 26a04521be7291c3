//! The filter corpus (`parity/cases/filters.json`) run against `filters::apply_json`.
//!
//! Only single-step `run_filter` cases whose value, arguments and expectation JSON can express
//! run here; pipelines, map steps, `$$root` arguments, tagged values (`{"$tuple": ...}` and the
//! like) and selector paths that need the engine's reader are the engine's to test, and each
//! skip is counted under its reason. Expected parse errors for unknown filters and wrong
//! arities are checked against the arity table. Cases whose `diverges` names `core` (this
//! crate on JSON) are skipped with that reason.

use std::collections::BTreeMap;
use std::path::PathBuf;

use dictwalk_core::filters::{apply_json, builtin};
use serde_json::{Map, Value};

mod common;
use common::tag_in;

/// Strict equality: 1, 1.0 and true differ, -0.0 and 0.0 differ, and key order counts.
fn strict_eq(left: &Value, right: &Value) -> bool {
    match (left, right) {
        (Value::Number(a), Value::Number(b)) => {
            if a.is_f64() || b.is_f64() {
                a.is_f64()
                    && b.is_f64()
                    && a.as_f64().map(f64::to_bits) == b.as_f64().map(f64::to_bits)
            } else {
                a == b
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| strict_eq(x, y))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|((k1, v1), (k2, v2))| k1 == k2 && strict_eq(v1, v2))
        }
        _ => left == right,
    }
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

/// A tiny reader of the Python literals that JSON can express (what `ast.literal_eval` gives
/// for them): ints, floats, 'str' and "str" with escapes, True/False/None, lists, str-keyed
/// dicts. None when the text is something else.
struct Literal<'a> {
    chars: Vec<char>,
    pos: usize,
    _text: &'a str,
}

impl Literal<'_> {
    fn parse(text: &str) -> Option<Value> {
        let mut reader = Literal {
            chars: text.chars().collect(),
            pos: 0,
            _text: text,
        };
        let value = reader.value()?;
        reader.space();
        (reader.pos == reader.chars.len()).then_some(value)
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn space(&mut self) {
        while self.peek().is_some_and(|c| c == ' ') {
            self.pos += 1;
        }
    }

    fn value(&mut self) -> Option<Value> {
        self.space();
        match self.peek()? {
            '\'' | '"' => self.string().map(Value::String),
            '[' => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.space();
                    if self.peek()? == ']' {
                        self.pos += 1;
                        return Some(Value::Array(items));
                    }
                    items.push(self.value()?);
                    self.space();
                    match self.peek()? {
                        ',' => self.pos += 1,
                        ']' => {}
                        _ => return None,
                    }
                }
            }
            '{' => {
                self.pos += 1;
                let mut map = Map::new();
                loop {
                    self.space();
                    if self.peek()? == '}' {
                        self.pos += 1;
                        return Some(Value::Object(map));
                    }
                    let key = match self.value()? {
                        Value::String(key) => key,
                        _ => return None,
                    };
                    self.space();
                    if self.peek()? != ':' {
                        return None;
                    }
                    self.pos += 1;
                    let item = self.value()?;
                    map.insert(key, item);
                    self.space();
                    match self.peek()? {
                        ',' => self.pos += 1,
                        '}' => {}
                        _ => return None,
                    }
                }
            }
            _ => self.word(),
        }
    }

    fn word(&mut self) -> Option<Value> {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_alphanumeric() || "+-._".contains(c))
        {
            self.pos += 1;
        }
        let word: String = self.chars.get(start..self.pos)?.iter().collect();
        match word.as_str() {
            "True" => return Some(Value::Bool(true)),
            "False" => return Some(Value::Bool(false)),
            "None" => return Some(Value::Null),
            _ => {}
        }
        let body = word.trim_start_matches(['+', '-']);
        if body.is_empty() || !body.chars().next()?.is_ascii_digit() && !body.starts_with('.') {
            return None;
        }
        if body.contains('_')
            || body.starts_with("0x")
            || body.starts_with("0o")
            || body.starts_with("0b")
        {
            return None;
        }
        let negative = word.starts_with('-');
        if body.chars().all(|c| c.is_ascii_digit()) {
            let int: i128 = body.parse().ok()?;
            let int = if negative { -int } else { int };
            return i64::try_from(int)
                .map(Value::from)
                .ok()
                .or_else(|| u64::try_from(int).map(Value::from).ok());
        }
        let float: f64 = body.parse().ok()?;
        serde_json::Number::from_f64(if negative { -float } else { float }).map(Value::Number)
    }

    fn string(&mut self) -> Option<String> {
        let quote = self.peek()?;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let ch = self.peek()?;
            self.pos += 1;
            if ch == quote {
                return Some(out);
            }
            if ch != '\\' {
                out.push(ch);
                continue;
            }
            let escape = self.peek()?;
            self.pos += 1;
            match escape {
                '\\' | '\'' | '"' => out.push(escape),
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                'a' => out.push('\u{7}'),
                'b' => out.push('\u{8}'),
                'f' => out.push('\u{c}'),
                'v' => out.push('\u{b}'),
                'x' | 'u' | 'U' => {
                    let width = match escape {
                        'x' => 2,
                        'u' => 4,
                        _ => 8,
                    };
                    let digits: String =
                        self.chars.get(self.pos..self.pos + width)?.iter().collect();
                    self.pos += width;
                    out.push(char::from_u32(u32::from_str_radix(&digits, 16).ok()?)?);
                }
                '0'..='7' => {
                    let mut digits = escape.to_string();
                    while digits.len() < 3 && self.peek().is_some_and(|c| ('0'..='7').contains(&c))
                    {
                        digits.extend(self.peek());
                        self.pos += 1;
                    }
                    out.push(char::from_u32(u32::from_str_radix(&digits, 8).ok()?)?);
                }
                // Python keeps an unknown escape as written.
                other => {
                    out.push('\\');
                    out.push(other);
                }
            }
        }
    }
}

/// One argument as filters.py's parser gives it: a literal, else the raw text. Text that may
/// be a Python literal outside this helper's subset is None (the case is skipped).
fn argument(text: &str) -> Option<Value> {
    if let Some(value) = Literal::parse(text) {
        return Some(value);
    }
    let first = text.chars().next()?;
    let maybe_literal = text.chars().any(|c| "'\"([{".contains(c))
        || first.is_ascii_digit()
        || "+-.".contains(first);
    (!maybe_literal).then(|| Value::String(text.to_owned()))
}

/// `$name(args)` split into its name and argument texts; None when the text is not one step.
fn single_step(path: &str) -> Option<(String, Vec<String>)> {
    let body = path.strip_prefix('$')?;
    let name_end = body
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(body.len());
    let (name, rest) = body.split_at(name_end);
    if rest.is_empty() {
        return Some((name.to_owned(), Vec::new()));
    }
    let inner = rest.strip_prefix('(')?.strip_suffix(')')?;
    if inner.trim().is_empty() {
        return Some((name.to_owned(), Vec::new()));
    }
    Some((
        name.to_owned(),
        split_top_level(inner, ',')
            .iter()
            .map(|part| part.trim().to_owned())
            .collect(),
    ))
}

/// A minimal read of a selector path for `sort_by` and friends: `.` or dotted keys, with
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

enum Outcome {
    Pass,
    Skip(&'static str),
    Fail(String),
}

fn run_case(case: &Value) -> Outcome {
    if case["op"] != "run_filter" {
        return Outcome::Skip("not a run_filter case (engine: get/exists)");
    }
    if case["diverges"].get("core").is_some() {
        return Outcome::Skip("declared divergence for core (diverges.core)");
    }
    let path = case["path"].as_str().unwrap_or_default();
    let value = &case["args"]["value"];
    let expect = &case["expect"];
    if tag_in(value).is_some() || tag_in(expect).is_some() {
        return Outcome::Skip(
            "tagged value JSON cannot express ($tuple, $datetime, $decimal, ...)",
        );
    }
    if split_top_level(path, '|').len() > 1 {
        return Outcome::Skip("pipeline of more than one step (engine)");
    }
    if path.ends_with("[]") {
        return Outcome::Skip("map step [] (engine)");
    }
    if path.contains("$$root") {
        return Outcome::Skip("$$root argument (engine)");
    }
    let Some((name, arg_texts)) = single_step(path) else {
        return Outcome::Skip("not a single $name(args) step (engine parser)");
    };
    if expect["error"] == "DictWalkParseError" {
        // Unknown filters and wrong arities: the arity table must reject them.
        return match builtin(&name) {
            None => Outcome::Pass,
            Some(def) if !def.accepts(arg_texts.len()) => Outcome::Pass,
            Some(_) => Outcome::Skip("parse error raised by the engine's path parser"),
        };
    }
    let Some(args) = arg_texts
        .iter()
        .map(|text| argument(text))
        .collect::<Option<Vec<Value>>>()
    else {
        return Outcome::Skip("argument outside the test helper's literal subset");
    };
    if matches!(
        name.as_str(),
        "sort_by" | "unique_by" | "index_by" | "group_by"
    ) && !args.first().is_some_and(is_plain_selector)
    {
        return Outcome::Skip("selector path needs the engine's reader");
    }
    let got = apply_json(&name, value, &args, &resolve);
    match (expect.get("value"), expect.get("error"), got) {
        (Some(wanted), _, Ok(result)) if strict_eq(&result, wanted) => Outcome::Pass,
        (_, Some(kind), Err(error))
            if kind == error.kind
                && error
                    .message
                    .contains(expect["message"].as_str().unwrap_or_default()) =>
        {
            Outcome::Pass
        }
        (_, _, got) => Outcome::Fail(format!("expected {expect}, got {got:?}")),
    }
}

#[test]
fn filter_corpus() -> Result<(), String> {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../parity/cases/filters.json");
    let text = std::fs::read_to_string(&file)
        .map_err(|error| format!("read {}: {error}", file.display()))?;
    let corpus: Value = serde_json::from_str(&text)
        .map_err(|error| format!("parse {}: {error}", file.display()))?;
    let cases = corpus["cases"].as_array().cloned().unwrap_or_default();
    if cases.is_empty() {
        return Err(format!("no cases in {}", file.display()));
    }
    let mut passed = 0;
    let mut skipped: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for case in &cases {
        let id = case["id"].as_str().unwrap_or("?");
        match run_case(case) {
            Outcome::Pass => passed += 1,
            Outcome::Skip(reason) => *skipped.entry(reason).or_default() += 1,
            Outcome::Fail(message) => failures.push(format!("{id}: {message}")),
        }
    }
    for (reason, count) in &skipped {
        eprintln!("skipped {count}: {reason}");
    }
    for failure in &failures {
        eprintln!("MISMATCH {failure}");
    }
    println!(
        "{passed} passed, {} failed, {} skipped",
        failures.len(),
        skipped.values().sum::<usize>()
    );
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} corpus cases mismatch:\n{}",
            failures.len(),
            failures.join("\n")
        ))
    }
}
