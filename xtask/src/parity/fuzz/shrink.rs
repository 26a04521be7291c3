//! Greedy, deterministic shrinking of a failing generated case to a minimal one that still fails.
//!
//! From the current case the shrinker lists smaller candidates, in a fixed order: a simpler
//! operation (`get`, then `exists`), a simpler path (fewer tokens, plain keys for selectors,
//! shorter keys, indexes nearer zero, predicates without their comparison or with a simpler
//! side, pipelines with fewer steps and arguments, broken text with pieces cut out), fewer
//! arguments (flags back to their defaults) and a smaller document (the whole of it or any
//! subtree replaced by null, by one of its children or by an empty or smaller value, keys and
//! items deleted). A tagged Python value (`{"$tuple": [...]}` and its kin) is a leaf that
//! becomes null or a smaller plain value, or a smaller value of its own kind (items of tuples
//! and sets and pairs of `$dict`s deleted or shrunk in turn, fewer digits for a big int); no
//! candidate breaks a tag's rules (`python::check`). It takes the first candidate that still
//! fails, and starts over from it,
//! until no candidate fails or the attempts run out. Every candidate taken is strictly smaller
//! by [`cost`], so the search ends, and nothing in it is random, so a case always shrinks to
//! the same minimal case.

use std::collections::HashSet;

use dictwalk_corpus::Op;
use serde_json::{Map, Value};

use super::python::{self, tag_of, tagged};
use super::spec::{
    BoolExpr, Call, Cmp, Lhs, PathSpec, Pipe, Pred, Rhs, Root, Sel, Spec, Target, Tok,
};

/// The smallest case found, and how many candidates were run to find it.
#[derive(Clone, Debug, PartialEq)]
pub struct Shrunk {
    pub spec: Spec,
    pub attempts: usize,
}

/// Shrink `start`, a case for which `still_fails` holds, running at most `max_attempts`
/// candidates through `still_fails`.
pub fn shrink(
    start: &Spec,
    max_attempts: usize,
    mut still_fails: impl FnMut(&Spec) -> bool,
) -> Shrunk {
    let mut current = start.clone();
    let mut current_cost = cost(&current);
    let mut tried: HashSet<String> = HashSet::new();
    let mut attempts = 0;
    'search: loop {
        for candidate in candidates(&current) {
            let candidate_cost = cost(&candidate);
            if candidate_cost >= current_cost {
                continue;
            }
            // A candidate that passed once passes again: the backends are deterministic.
            if !tried.insert(fingerprint(&candidate)) {
                continue;
            }
            if attempts >= max_attempts {
                break 'search;
            }
            attempts += 1;
            if still_fails(&candidate) {
                current = candidate;
                current_cost = candidate_cost;
                continue 'search;
            }
        }
        break;
    }
    Shrunk {
        spec: current,
        attempts,
    }
}

/// The size of a case, then a tie-breaker that prefers `a` to `b`, `0` to `1` and `==` to
/// `>=`: the order the shrinker goes down.
pub fn cost(spec: &Spec) -> (usize, usize) {
    let path = spec.path_text();
    let op = match spec.op {
        Op::Get => 0,
        Op::Exists => 1,
        Op::RunFilter => 2,
        Op::Set => 3,
        Op::Unset => 4,
        // Not generated: the fuzzer draws path operations only.
        Op::GetPathFilter => 5,
        Op::RegisterPathFilter => 6,
        Op::DictWalk => 7,
    };
    let args: usize = spec.args.values().map(|value| 3 + value_size(value)).sum();
    let size = 4 * op + path.chars().count() + value_size(&spec.doc) + args;
    let bytes = |text: &str| text.bytes().map(usize::from).sum::<usize>();
    let tie = bytes(&path)
        + bytes(&spec.doc.to_string())
        + bytes(&Value::Object(spec.args.clone()).to_string());
    (size, tie)
}

fn value_size(value: &Value) -> usize {
    match value {
        Value::Null => 1,
        Value::Bool(false) => 2,
        Value::Bool(true) => 3,
        Value::Number(n) if n.is_f64() => 4 + n.to_string().len(),
        Value::Number(n) => 1 + n.to_string().len(),
        Value::String(s) => 2 + s.chars().count(),
        Value::Array(items) => 2 + items.iter().map(value_size).sum::<usize>(),
        Value::Object(map) => {
            2 + map
                .iter()
                .map(|(key, value)| 2 + key.chars().count() + value_size(value))
                .sum::<usize>()
        }
    }
}

fn fingerprint(spec: &Spec) -> String {
    format!(
        "{}\u{0}{}\u{0}{}\u{0}{}",
        spec.op,
        spec.path_text(),
        spec.doc,
        Value::Object(spec.args.clone())
    )
}

/// The smaller cases to try instead of `spec`, in the order they are tried.
pub fn candidates(spec: &Spec) -> Vec<Spec> {
    let mut out = Vec::new();
    // A simpler operation: reads before writes, with the arguments the operation takes.
    for op in [Op::Get, Op::Exists] {
        let path_op = !matches!(
            spec.op,
            Op::RunFilter | Op::GetPathFilter | Op::RegisterPathFilter
        );
        if spec.op != op && path_op && (spec.op.writes() || op == Op::Get) {
            let args = spec
                .args
                .iter()
                .filter(|(key, _)| op.arg_names().contains(&key.as_str()))
                .map(|(key, value)| (key.clone(), value.clone()))
                .collect();
            out.push(Spec {
                op,
                args,
                ..spec.clone()
            });
        }
    }
    let targets = match &spec.target {
        Target::Path(path) => path_candidates(path)
            .into_iter()
            .map(Target::Path)
            .collect(),
        Target::Pipe(pipe) => pipe_candidates(pipe)
            .into_iter()
            .map(Target::Pipe)
            .collect(),
        Target::Text(text) => text_candidates(text)
            .into_iter()
            .map(Target::Text)
            .collect::<Vec<_>>(),
    };
    for target in targets {
        out.push(Spec {
            target,
            ..spec.clone()
        });
    }
    // Arguments back to their defaults; the value a set or run_filter needs, smaller.
    for key in spec.args.keys() {
        let needed = key == "value" && spec.op.needs_value();
        if !needed {
            let mut args = spec.args.clone();
            args.shift_remove(key);
            out.push(Spec {
                args,
                ..spec.clone()
            });
        }
    }
    for (key, value) in &spec.args {
        if key != "default" && key != "value" {
            continue;
        }
        for smaller in value_candidates(value) {
            let mut args = spec.args.clone();
            args.insert(key.clone(), smaller);
            out.push(Spec {
                args,
                ..spec.clone()
            });
        }
    }
    for doc in value_candidates(&spec.doc) {
        out.push(Spec {
            doc,
            ..spec.clone()
        });
    }
    out
}

// Paths.

fn path_candidates(path: &PathSpec) -> Vec<PathSpec> {
    let mut out = Vec::new();
    let with = |root: Root, tokens: Vec<Tok>, transform: Option<Pipe>| PathSpec {
        root,
        tokens,
        transform,
    };
    if let Some(pipe) = &path.transform {
        out.push(with(path.root.clone(), path.tokens.clone(), None));
        for smaller in pipe_candidates(pipe) {
            out.push(with(path.root.clone(), path.tokens.clone(), Some(smaller)));
        }
    }
    match &path.root {
        Root::Plain => {
            // `k[i].rest` as the root selector `.[i].rest`.
            let selector = match path.tokens.first() {
                Some(Tok::Map(_)) => Some(Sel::Map),
                Some(Tok::Index(_, index)) => Some(Sel::Index(*index)),
                Some(Tok::Slice(_, start, stop)) => Some(Sel::Slice(*start, *stop)),
                Some(Tok::Filter(_, pred)) => Some(Sel::Filter(pred.clone())),
                _ => None,
            };
            if let Some(sel) = selector {
                let root = Root::Select { dollar: false, sel };
                let rest = path.tokens.get(1..).unwrap_or_default().to_vec();
                out.push(with(root, rest, path.transform.clone()));
            }
        }
        Root::Dot | Root::Dollar => {
            out.push(with(
                Root::Plain,
                path.tokens.clone(),
                path.transform.clone(),
            ));
        }
        Root::Select { dollar, sel } => {
            out.push(with(
                Root::Plain,
                path.tokens.clone(),
                path.transform.clone(),
            ));
            if *dollar {
                let root = Root::Select {
                    dollar: false,
                    sel: sel.clone(),
                };
                out.push(with(root, path.tokens.clone(), path.transform.clone()));
            }
            for smaller in sel_candidates(sel) {
                let root = Root::Select {
                    dollar: *dollar,
                    sel: smaller,
                };
                out.push(with(root, path.tokens.clone(), path.transform.clone()));
            }
        }
    }
    for tokens in tokens_candidates(&path.tokens) {
        out.push(with(path.root.clone(), tokens, path.transform.clone()));
    }
    out
}

/// Each token left out, then each token made simpler.
fn tokens_candidates(tokens: &[Tok]) -> Vec<Vec<Tok>> {
    let mut out = Vec::new();
    for i in 0..tokens.len() {
        let mut fewer = tokens.to_vec();
        fewer.remove(i);
        out.push(fewer);
    }
    for (i, token) in tokens.iter().enumerate() {
        for smaller in token_candidates(token) {
            let mut changed = tokens.to_vec();
            if let Some(slot) = changed.get_mut(i) {
                *slot = smaller;
            }
            out.push(changed);
        }
    }
    out
}

fn token_candidates(token: &Tok) -> Vec<Tok> {
    let mut out = Vec::new();
    match token {
        Tok::Key(key) => {
            out.extend(key_candidates(key).into_iter().map(Tok::Key));
        }
        Tok::Map(key) => {
            out.push(Tok::Key(key.clone()));
            out.extend(key_candidates(key).into_iter().map(Tok::Map));
        }
        Tok::Index(key, index) => {
            out.push(Tok::Key(key.clone()));
            for smaller in int_candidates(*index) {
                out.push(Tok::Index(key.clone(), smaller));
            }
            for smaller in key_candidates(key) {
                out.push(Tok::Index(smaller, *index));
            }
        }
        Tok::Slice(key, start, stop) => {
            out.push(Tok::Key(key.clone()));
            out.push(Tok::Map(key.clone()));
            for (start, stop) in bounds_candidates(*start, *stop) {
                out.push(Tok::Slice(key.clone(), start, stop));
            }
            for smaller in key_candidates(key) {
                out.push(Tok::Slice(smaller, *start, *stop));
            }
        }
        Tok::Filter(key, pred) => {
            out.push(Tok::Key(key.clone()));
            out.push(Tok::Map(key.clone()));
            for smaller in pred_candidates(pred) {
                out.push(Tok::Filter(key.clone(), Box::new(smaller)));
            }
            for smaller in key_candidates(key) {
                out.push(Tok::Filter(smaller, pred.clone()));
            }
        }
        Tok::Deep => out.push(Tok::Wild),
        Tok::Wild | Tok::Root => out.push(Tok::Key("a".into())),
        Tok::Raw(text) => {
            out.push(Tok::Key("a".into()));
            out.extend(text_candidates(text).into_iter().map(Tok::Raw));
        }
    }
    out
}

fn key_candidates(key: &str) -> Vec<String> {
    let mut out = Vec::new();
    if key != "a" {
        out.push("a".to_owned());
    }
    if let Some(first) = key.chars().next() {
        if key.chars().count() > 1 && first != 'a' {
            out.push(first.to_string());
        }
    }
    out
}

fn sel_candidates(sel: &Sel) -> Vec<Sel> {
    match sel {
        Sel::Map => Vec::new(),
        Sel::Index(index) => int_candidates(*index).into_iter().map(Sel::Index).collect(),
        Sel::Slice(start, stop) => {
            let mut out = vec![Sel::Map];
            for (start, stop) in bounds_candidates(*start, *stop) {
                out.push(Sel::Slice(start, stop));
            }
            out
        }
        Sel::Filter(pred) => {
            let mut out = vec![Sel::Map];
            for smaller in pred_candidates(pred) {
                out.push(Sel::Filter(Box::new(smaller)));
            }
            out
        }
    }
}

/// Numbers nearer zero: zero, half, one step.
fn int_candidates(n: i64) -> Vec<i64> {
    let mut out = Vec::new();
    for candidate in [0, n / 2, n - n.signum()] {
        if candidate != n && !out.contains(&candidate) {
            out.push(candidate);
        }
    }
    out
}

fn bounds_candidates(start: Option<i64>, stop: Option<i64>) -> Vec<(Option<i64>, Option<i64>)> {
    let mut out = Vec::new();
    if start.is_some() {
        out.push((None, stop));
    }
    if stop.is_some() {
        out.push((start, None));
    }
    if let Some(s) = start {
        out.extend(int_candidates(s).into_iter().map(|s| (Some(s), stop)));
    }
    if let Some(e) = stop {
        out.extend(int_candidates(e).into_iter().map(|e| (start, Some(e))));
    }
    out
}

// Predicates and pipelines.

fn pred_candidates(pred: &Pred) -> Vec<Pred> {
    let mut out = Vec::new();
    let with_cmp = |cmp: Option<(Cmp, Rhs)>| Pred {
        lhs: pred.lhs.clone(),
        cmp,
    };
    if let Some((cmp, rhs)) = &pred.cmp {
        out.push(with_cmp(None));
        if *cmp != Cmp::Eq {
            out.push(with_cmp(Some((Cmp::Eq, rhs.clone()))));
        }
        for smaller in rhs_candidates(rhs) {
            out.push(with_cmp(Some((*cmp, smaller))));
        }
    }
    let with_lhs = |lhs: Lhs| Pred {
        lhs,
        cmp: pred.cmp.clone(),
    };
    if let Some(pipe) = &pred.lhs.pipe {
        out.push(with_lhs(Lhs {
            tokens: pred.lhs.tokens.clone(),
            pipe: None,
        }));
        for smaller in pipe_candidates(pipe) {
            out.push(with_lhs(Lhs {
                tokens: pred.lhs.tokens.clone(),
                pipe: Some(smaller),
            }));
        }
    }
    for tokens in tokens_candidates(&pred.lhs.tokens) {
        out.push(with_lhs(Lhs {
            tokens,
            pipe: pred.lhs.pipe.clone(),
        }));
    }
    out
}

const SIMPLE_LITERALS: [&str; 5] = ["0", "1", "a", "''", "None"];

fn rhs_candidates(rhs: &Rhs) -> Vec<Rhs> {
    let mut out = Vec::new();
    match rhs {
        Rhs::Lit(text) => {
            for simple in SIMPLE_LITERALS {
                if simple != text {
                    out.push(Rhs::Lit(simple.to_owned()));
                }
            }
        }
        Rhs::Pipe(pipe) => {
            out.push(Rhs::Lit("0".into()));
            out.extend(pipe_candidates(pipe).into_iter().map(Rhs::Pipe));
        }
        Rhs::Bool(expr) => {
            out.extend(bool_candidates(expr).into_iter().map(|expr| match expr {
                BoolExpr::Pipe(pipe) => Rhs::Pipe(pipe),
                other => Rhs::Bool(other),
            }));
        }
        Rhs::RootRef(tokens) => {
            out.push(Rhs::Lit("0".into()));
            if !tokens.is_empty() {
                let fewer = tokens.get(..tokens.len() - 1).unwrap_or_default();
                out.push(Rhs::RootRef(fewer.to_vec()));
            }
        }
        Rhs::Raw(text) => {
            out.push(Rhs::Lit("0".into()));
            out.extend(text_candidates(text).into_iter().map(Rhs::Raw));
        }
    }
    out
}

fn bool_candidates(expr: &BoolExpr) -> Vec<BoolExpr> {
    let mut out = Vec::new();
    match expr {
        BoolExpr::Pipe(pipe) => {
            out.extend(pipe_candidates(pipe).into_iter().map(BoolExpr::Pipe));
        }
        BoolExpr::Not(inner) => {
            out.push((**inner).clone());
            out.extend(
                bool_candidates(inner)
                    .into_iter()
                    .map(|smaller| BoolExpr::Not(Box::new(smaller))),
            );
        }
        BoolExpr::And(parts) | BoolExpr::Or(parts) => {
            let rebuild = |parts: Vec<BoolExpr>| match expr {
                BoolExpr::And(_) => BoolExpr::And(parts),
                _ => BoolExpr::Or(parts),
            };
            out.extend(parts.iter().cloned());
            if parts.len() > 2 {
                for i in 0..parts.len() {
                    let mut fewer = parts.clone();
                    fewer.remove(i);
                    out.push(rebuild(fewer));
                }
            }
            for (i, part) in parts.iter().enumerate() {
                for smaller in bool_candidates(part) {
                    let mut changed = parts.clone();
                    if let Some(slot) = changed.get_mut(i) {
                        *slot = smaller;
                    }
                    out.push(rebuild(changed));
                }
            }
        }
    }
    out
}

const SIMPLE_ARGS: [&str; 4] = ["0", "1", "''", "'a'"];

fn pipe_candidates(pipe: &Pipe) -> Vec<Pipe> {
    let mut out = Vec::new();
    let calls = &pipe.0;
    if calls.len() > 1 {
        for i in 0..calls.len() {
            let mut fewer = calls.clone();
            fewer.remove(i);
            out.push(Pipe(fewer));
        }
    }
    for (i, call) in calls.iter().enumerate() {
        let mut replace = |call: Call| {
            let mut changed = calls.clone();
            if let Some(slot) = changed.get_mut(i) {
                *slot = call;
            }
            out.push(Pipe(changed));
        };
        if call.map {
            replace(Call {
                map: false,
                ..call.clone()
            });
        }
        for j in 0..call.args.len() {
            let mut args = call.args.clone();
            args.remove(j);
            replace(Call {
                args,
                ..call.clone()
            });
        }
        for (j, arg) in call.args.iter().enumerate() {
            for simple in SIMPLE_ARGS {
                if simple != arg {
                    let mut args = call.args.clone();
                    if let Some(slot) = args.get_mut(j) {
                        *slot = simple.to_owned();
                    }
                    replace(Call {
                        args,
                        ..call.clone()
                    });
                }
            }
        }
    }
    out
}

/// Text with a piece cut out: halves, quarters, ... single characters.
fn text_candidates(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut size = chars.len() / 2;
    let mut sizes = Vec::new();
    while size > 1 {
        sizes.push(size);
        size /= 2;
    }
    if !chars.is_empty() {
        sizes.push(1);
    }
    for size in sizes {
        let mut start = 0;
        while start < chars.len() {
            let end = (start + size).min(chars.len());
            let mut cut: String = chars.get(..start).unwrap_or_default().iter().collect();
            cut.extend(chars.get(end..).unwrap_or_default());
            if !out.contains(&cut) {
                out.push(cut);
            }
            start = end;
        }
    }
    out
}

// Values.

/// Smaller values than `value`: null, one of its children, an empty container, fewer keys
/// or items, a smaller scalar, and the same with any one subtree made smaller.
pub fn value_candidates(value: &Value) -> Vec<Value> {
    if let Some((tag, body)) = tag_of(value) {
        return tagged_candidates(value, tag, body);
    }
    let mut out = Vec::new();
    if !value.is_null() {
        out.push(Value::Null);
    }
    match value {
        Value::Null => {}
        Value::Bool(flag) => {
            if *flag {
                out.push(Value::Bool(false));
            }
        }
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                out.extend(int_candidates(i).into_iter().map(Value::from));
                if i < 0 {
                    out.push(Value::from(i.unsigned_abs()));
                }
            } else if let Some(f) = n.as_f64() {
                out.push(Value::from(0));
                if f.fract() == 0.0 && f.abs() < 1e15 {
                    // The same number as an int: `2.0` -> `2`.
                    out.push(Value::from(f as i64));
                }
            }
        }
        Value::String(text) => {
            if !text.is_empty() {
                out.push(Value::String(String::new()));
            }
            let chars: Vec<char> = text.chars().collect();
            if chars.len() > 1 {
                if let Some(first) = chars.first() {
                    out.push(Value::String(first.to_string()));
                }
                let shorter: String = chars
                    .get(..chars.len() - 1)
                    .unwrap_or_default()
                    .iter()
                    .collect();
                out.push(Value::String(shorter));
            }
        }
        Value::Array(items) => {
            out.extend(items.iter().cloned());
            if !items.is_empty() {
                out.push(Value::Array(Vec::new()));
            }
            for i in 0..items.len() {
                let mut fewer = items.clone();
                fewer.remove(i);
                out.push(Value::Array(fewer));
            }
            for (i, item) in items.iter().enumerate() {
                for smaller in value_candidates(item) {
                    let mut changed = items.clone();
                    if let Some(slot) = changed.get_mut(i) {
                        *slot = smaller;
                    }
                    out.push(Value::Array(changed));
                }
            }
        }
        Value::Object(map) => {
            out.extend(map.values().cloned());
            if !map.is_empty() {
                out.push(Value::Object(Map::new()));
            }
            for key in map.keys() {
                let mut fewer = map.clone();
                fewer.shift_remove(key);
                // A dict left with one key that reads as a tag would stand for another value.
                let fewer = Value::Object(fewer);
                if tag_of(&fewer).is_none() {
                    out.push(fewer);
                }
            }
            for key in map.keys() {
                for shorter in key_candidates(key) {
                    if !map.contains_key(&shorter) {
                        let renamed = Value::Object(rename(map, key, &shorter));
                        if tag_of(&renamed).is_none() {
                            out.push(renamed);
                        }
                    }
                }
            }
            for (key, child) in map {
                for smaller in value_candidates(child) {
                    let mut changed = map.clone();
                    changed.insert(key.clone(), smaller);
                    out.push(Value::Object(changed));
                }
            }
        }
    }
    out
}

/// Smaller values than the tagged `value` (`{tag: body}`), each of them well-formed: null, a
/// plain value like it (a tuple's or set's items as a list, a `$dict`'s str-keyed part, zero,
/// a datetime's text), then the same kind smaller (an item or a pair deleted, an item, key or
/// value shrunk, a big int without its sign or its last digit, `-inf` as `inf`, empty bytes).
/// Candidates that would break a tag's rules, such as a list or null put into a set, are left
/// out.
fn tagged_candidates(value: &Value, tag: &str, body: &Value) -> Vec<Value> {
    let mut out = vec![Value::Null];
    let text = body.as_str().unwrap_or_default();
    match (tag, body) {
        ("$tuple" | "$set" | "$frozenset", Value::Array(items)) => {
            out.push(Value::Array(items.clone()));
            for i in 0..items.len() {
                let mut fewer = items.clone();
                fewer.remove(i);
                out.push(tagged(tag, Value::Array(fewer)));
            }
            for (i, item) in items.iter().enumerate() {
                for smaller in value_candidates(item) {
                    let mut changed = items.clone();
                    if let Some(slot) = changed.get_mut(i) {
                        *slot = smaller;
                    }
                    out.push(tagged(tag, Value::Array(changed)));
                }
            }
        }
        ("$dict", Value::Array(pairs)) => {
            out.push(python::view(value).into_owned());
            for i in 0..pairs.len() {
                let mut fewer = pairs.clone();
                fewer.remove(i);
                out.push(tagged(tag, Value::Array(fewer)));
            }
            for (i, pair) in pairs.iter().enumerate() {
                let Some([key, item]) = pair.as_array().map(Vec::as_slice) else {
                    continue;
                };
                let smaller_pairs = value_candidates(key)
                    .into_iter()
                    .map(|key| (key, item.clone()))
                    .chain(
                        value_candidates(item)
                            .into_iter()
                            .map(|item| (key.clone(), item)),
                    );
                for (key, item) in smaller_pairs {
                    let mut changed = pairs.clone();
                    if let Some(slot) = changed.get_mut(i) {
                        *slot = Value::Array(vec![key, item]);
                    }
                    out.push(tagged(tag, Value::Array(changed)));
                }
            }
        }
        ("$int", _) => {
            out.push(Value::from(0));
            if let Some(positive) = text.strip_prefix('-') {
                out.push(tagged(tag, Value::from(positive)));
            }
            let shorter = text.get(..text.len().saturating_sub(1)).unwrap_or_default();
            match shorter.parse::<i64>() {
                Ok(small) => out.push(Value::from(small)),
                Err(_) => out.push(tagged(tag, Value::from(shorter))),
            }
        }
        ("$float", _) => {
            out.push(Value::from(0.0));
            if text == "-inf" {
                out.push(tagged(tag, Value::from("inf")));
            }
        }
        ("$bytes", _) => {
            out.push(Value::String(String::new()));
            if !text.is_empty() {
                out.push(tagged(tag, Value::from("")));
            }
        }
        ("$decimal", _) => {
            out.push(Value::from(0));
            if text != "0" {
                out.push(tagged(tag, Value::from("0")));
            }
        }
        ("$datetime", _) => out.push(Value::String(text.to_owned())),
        _ => {
            if let Some(items) = python::container_items(value) {
                // The plain dict or list, fewer overrides, then the same subclass with smaller items.
                out.push(items.clone());
                if let Some(Value::Array(overrides)) = body.get("overrides") {
                    for i in 0..overrides.len() {
                        let mut fewer = overrides.clone();
                        fewer.remove(i);
                        let mut smaller = body.clone();
                        if let Some(slot) = smaller.get_mut("overrides") {
                            *slot = Value::Array(fewer);
                        }
                        out.push(tagged(tag, smaller));
                    }
                }
                for smaller in value_candidates(items) {
                    let same_kind = smaller.is_array() == items.is_array()
                        && smaller.is_object() == items.is_object();
                    if same_kind && tag_of(&smaller).is_none() {
                        out.extend(python::with_items(value, smaller));
                    }
                }
            }
        }
    }
    out.retain(|candidate| python::check(candidate).is_ok());
    out
}

/// `map` with `from` renamed to `to`, in the same place.
fn rename(map: &Map<String, Value>, from: &str, to: &str) -> Map<String, Value> {
    map.iter()
        .map(|(key, value)| {
            let key = if key == from {
                to.to_owned()
            } else {
                key.clone()
            };
            (key, value.clone())
        })
        .collect()
}
