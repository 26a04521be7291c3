//! Python-only values in generated cases, as the corpus codec's tagged JSON (`{"$tuple": [...]}`
//! and its kin): how a path sees them, plain stand-ins that guide the generator over them, and
//! the rules every generated or shrunk tagged value keeps.
//!
//! The workers decode the tags (`python/tests/corpus.py`); the core skips any case that holds
//! one (`dictwalk_corpus::core::inapplicable`), so these cases compare python with rust only.
//!
//! Dict and list subclasses (`$counter`, `$ordereddict`, `$defaultdict`, `$dict_subclass`,
//! `$list_subclass`) are containers to paths, which read their storage (spec section 3): a
//! path walks them as the dict or list of their items.

use std::borrow::Cow;

use base64::Engine as _;
use dictwalk_corpus::codec::{
    tag_in, CONTAINER_TAGS, DICT_OVERRIDES, FACTORY_NAMES, LIST_OVERRIDES, TAGS,
};
use serde_json::{Map, Number, Value};

/// The tags the generator writes, one per kind of Python value.
pub const GENERATED: [&str; 14] = [
    "$tuple",
    "$set",
    "$frozenset",
    "$bytes",
    "$int",
    "$float",
    "$datetime",
    "$decimal",
    "$dict",
    "$counter",
    "$ordereddict",
    "$defaultdict",
    "$dict_subclass",
    "$list_subclass",
];

/// A tagged value: `{tag: body}`.
pub fn tagged(tag: &str, body: Value) -> Value {
    let mut map = Map::new();
    map.insert(tag.to_owned(), body);
    Value::Object(map)
}

/// The tag and body of a tagged value: a one-key object whose key is a codec tag.
pub fn tag_of(value: &Value) -> Option<(&'static str, &Value)> {
    let Value::Object(map) = value else {
        return None;
    };
    if map.len() != 1 {
        return None;
    }
    let (key, body) = map.iter().next()?;
    TAGS.iter().find(|tag| **tag == key).map(|tag| (*tag, body))
}

/// Whether a tagged value sits anywhere in `value`.
pub fn holds_tag(value: &Value) -> bool {
    tag_in(value).is_some()
}

/// The items of a `$tuple`, `$set` or `$frozenset`.
pub fn sequence_items(value: &Value) -> Option<&Vec<Value>> {
    match tag_of(value)? {
        ("$tuple" | "$set" | "$frozenset", Value::Array(items)) => Some(items),
        _ => None,
    }
}

/// The items of a dict or list subclass: the object of str keys of a `$counter`,
/// `$ordereddict`, `$defaultdict` or `$dict_subclass`, the list of a `$list_subclass`.
pub fn container_items(value: &Value) -> Option<&Value> {
    match tag_of(value)? {
        ("$counter" | "$ordereddict", items @ Value::Object(_)) => Some(items),
        ("$defaultdict" | "$dict_subclass" | "$list_subclass", Value::Object(body)) => {
            body.get("items")
        }
        _ => None,
    }
}

/// The items of a `$list_subclass`.
pub fn subclass_list_items(value: &Value) -> Option<&Vec<Value>> {
    match tag_of(value)? {
        ("$list_subclass", _) => container_items(value)?.as_array(),
        _ => None,
    }
}

/// `value`'s tag with `items` in place of its items (the rest of its body kept).
pub fn with_items(value: &Value, items: Value) -> Option<Value> {
    let (tag, body) = tag_of(value)?;
    match (tag, body) {
        ("$counter" | "$ordereddict", _) => Some(tagged(tag, items)),
        (_, Value::Object(body)) if CONTAINER_TAGS.contains(&tag) => {
            let mut body = body.clone();
            body.insert("items".into(), items);
            Some(tagged(tag, Value::Object(body)))
        }
        _ => None,
    }
}

/// The str-keyed part of a `$dict`: the only keys a path can name. A later pair with the
/// same key replaces the value in the first one's place, as in a Python dict.
fn str_keyed(pairs: &[Value]) -> Map<String, Value> {
    let mut map = Map::new();
    for pair in pairs {
        if let Some([Value::String(key), value]) = pair.as_array().map(Vec::as_slice) {
            map.insert(key.clone(), value.clone());
        }
    }
    map
}

/// `value` as a path walks it: a `$dict` is the dict of its str keys, a dict or list
/// subclass the dict or list of its items, any other tagged value is a leaf (shown as null:
/// no token goes into it), plain JSON is itself. Children stay as they are, to be viewed in
/// turn.
pub fn view(value: &Value) -> Cow<'_, Value> {
    match tag_of(value) {
        None => Cow::Borrowed(value),
        Some(("$dict", Value::Array(pairs))) => Cow::Owned(Value::Object(str_keyed(pairs))),
        Some(_) => match container_items(value) {
            Some(items) => Cow::Borrowed(items),
            None => Cow::Owned(Value::Null),
        },
    }
}

/// [`view`] of an owned value, without a copy when it is plain.
pub fn into_view(value: Value) -> Value {
    match view(&value) {
        Cow::Borrowed(_) => value,
        Cow::Owned(viewed) => viewed,
    }
}

/// What a tagged value is to the filters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A tuple: a sequence to the collection and statistics filters, not a list to paths.
    Tuple,
    /// A set or a frozenset: sized and iterable, but no sequence.
    Set,
    /// A big int, NaN or an infinity, a Decimal.
    Number,
    Bytes,
    Datetime,
    /// A dict with keys that are not all strs.
    Dict,
}

/// The kind of a tagged value; `None` for plain JSON (whatever it holds) and for a dict or
/// list subclass, which the filters see as the dict or list it is (see [`view`]).
pub fn kind(value: &Value) -> Option<Kind> {
    let (tag, _) = tag_of(value)?;
    if CONTAINER_TAGS.contains(&tag) {
        return None;
    }
    Some(match tag {
        "$tuple" => Kind::Tuple,
        "$set" | "$frozenset" => Kind::Set,
        "$bytes" => Kind::Bytes,
        "$datetime" => Kind::Datetime,
        "$dict" => Kind::Dict,
        _ => Kind::Number,
    })
}

fn float(value: f64) -> Value {
    Number::from_f64(value).map_or(Value::Null, Value::Number)
}

/// A plain JSON value like `value`, for guessing what a filter step gives (the core runs on
/// it): tuples and sets are lists, a `$dict` its str-keyed part, big ints and Decimals floats,
/// the infinities the largest floats and NaN zero, bytes and datetimes their text. Only a
/// guide: the answers that count are the workers'.
pub fn standin(value: &Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.iter().map(standin).collect()),
        Value::Object(map) => match tag_of(value) {
            None => Value::Object(
                map.iter()
                    .map(|(key, child)| (key.clone(), standin(child)))
                    .collect(),
            ),
            Some(_) if container_items(value).is_some() => standin(&view(value)),
            Some((tag, body)) => tagged_standin(tag, body),
        },
        plain => plain.clone(),
    }
}

fn tagged_standin(tag: &str, body: &Value) -> Value {
    let text = body.as_str().unwrap_or_default();
    match (tag, body) {
        ("$tuple" | "$set" | "$frozenset", Value::Array(items)) => {
            Value::Array(items.iter().map(standin).collect())
        }
        ("$dict", Value::Array(pairs)) => Value::Object(
            str_keyed(pairs)
                .into_iter()
                .map(|(key, child)| (key, standin(&child)))
                .collect(),
        ),
        ("$int" | "$decimal", _) => float(text.parse::<f64>().unwrap_or(0.0)),
        ("$float", _) => match text {
            "inf" => float(f64::MAX),
            "-inf" => float(f64::MIN),
            _ => float(0.0),
        },
        ("$bytes", _) => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(text)
                .unwrap_or_default();
            Value::String(String::from_utf8_lossy(&bytes).into_owned())
        }
        _ => Value::String(text.to_owned()),
    }
}

// The rules of well-formed values.

/// Whether every tagged value in `value` decodes as `python/tests/corpus.py` reads it, and
/// keeps the fuzzer's own rule for sets: `Err` says which value breaks which rule.
///
/// The codec's rules: `$tuple`, `$set` and `$frozenset` hold a list, the items of the sets
/// hashable; `$bytes` is base64; `$int` an optional minus and digits; `$float` one of `nan`,
/// `inf`, `-inf`; `$datetime` an ISO date with an optional time and UTC offset; `$decimal`
/// a decimal number, `NaN` or `Infinity`; `$dict` a list of `[key, value]` pairs with
/// hashable keys. The fuzzer's rule: the items of a set hash alike in every process (ints,
/// floats but NaN, bools, Decimals but NaN, and tuples and frozensets of those, but no str,
/// bytes, datetime or None, whose hashes change with the process or the address), so that the
/// python and rust workers iterate it in the same order. Tags the generator does not write
/// (`$nest`, `$cycle`, ...) are refused.
pub fn check(value: &Value) -> Result<(), String> {
    let mut pending = vec![value];
    while let Some(value) = pending.pop() {
        match value {
            Value::Array(items) => pending.extend(items),
            Value::Object(map) => match tag_of(value) {
                None => pending.extend(map.values()),
                Some((tag, body)) => {
                    check_tagged(tag, body).map_err(|why| format!("{value}: {why}"))?;
                    match (tag, body) {
                        ("$tuple" | "$set" | "$frozenset", Value::Array(items)) => {
                            pending.extend(items);
                        }
                        ("$dict", Value::Array(pairs)) => {
                            pending.extend(pairs.iter().filter_map(Value::as_array).flatten());
                        }
                        _ => match container_items(value) {
                            Some(Value::Object(items)) => pending.extend(items.values()),
                            Some(Value::Array(items)) => pending.extend(items),
                            _ => {}
                        },
                    }
                }
            },
            _ => {}
        }
    }
    Ok(())
}

/// The rules of one tag's body (not of the values inside it).
fn check_tagged(tag: &str, body: &Value) -> Result<(), String> {
    if !GENERATED.contains(&tag) {
        return Err(format!("{tag} is not a tag the fuzzer writes"));
    }
    let text = || body.as_str().ok_or_else(|| format!("{tag} takes a str"));
    match tag {
        "$tuple" => body
            .as_array()
            .map(|_| ())
            .ok_or("$tuple takes a list".into()),
        "$set" | "$frozenset" => {
            let items = body.as_array().ok_or(format!("{tag} takes a list"))?;
            match items.iter().find(|item| !stable_hash(item)) {
                Some(item) => Err(format!(
                    "the item {item} is unhashable or hashes differently in each process"
                )),
                None => Ok(()),
            }
        }
        "$bytes" => {
            let text = text()?;
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .map(|_| ())
                .map_err(|error| format!("not base64: {error}"))
        }
        "$int" => {
            let text = text()?;
            let digits = text.strip_prefix('-').unwrap_or(text);
            if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                Ok(())
            } else {
                Err("not an int".into())
            }
        }
        "$float" => match text()? {
            "nan" | "inf" | "-inf" => Ok(()),
            _ => Err("not nan, inf or -inf".into()),
        },
        "$datetime" => {
            if iso_datetime(text()?) {
                Ok(())
            } else {
                Err("not an ISO datetime".into())
            }
        }
        "$decimal" => {
            if decimal_text(text()?) {
                Ok(())
            } else {
                Err("not a decimal number".into())
            }
        }
        "$counter" | "$ordereddict" => body.as_object().map(|_| ()).ok_or(format!(
            "{tag} takes an object (the fuzzer writes str keys only)"
        )),
        "$defaultdict" | "$dict_subclass" | "$list_subclass" => {
            let body = body.as_object().ok_or(format!("{tag} takes an object"))?;
            let (extra, allowed): (&str, &[&str]) = match tag {
                "$defaultdict" => ("factory", &FACTORY_NAMES),
                "$dict_subclass" => ("overrides", &DICT_OVERRIDES),
                _ => ("overrides", &LIST_OVERRIDES),
            };
            if body.len() != 2 || !body.contains_key(extra) {
                return Err(format!("{tag} takes {{\"{extra}\", \"items\"}}"));
            }
            let items_ok = match body.get("items") {
                Some(Value::Array(_)) => tag == "$list_subclass",
                Some(Value::Object(_)) => tag != "$list_subclass",
                _ => false,
            };
            if !items_ok {
                return Err(format!("{tag}'s items are of the wrong kind"));
            }
            let known = |name: &Value| name.as_str().is_some_and(|name| allowed.contains(&name));
            match body.get(extra) {
                Some(Value::Null) if tag == "$defaultdict" => Ok(()),
                Some(name) if tag == "$defaultdict" && known(name) => Ok(()),
                Some(Value::Array(names)) if tag != "$defaultdict" => {
                    let mut seen: Vec<&Value> = Vec::new();
                    for name in names {
                        if !known(name) || seen.contains(&name) {
                            return Err(format!("{name} is not a distinct override of {tag}"));
                        }
                        seen.push(name);
                    }
                    Ok(())
                }
                _ => Err(format!("{tag} has a bad {extra}")),
            }
        }
        "$dict" => {
            let pairs = body.as_array().ok_or("$dict takes a list of pairs")?;
            for pair in pairs {
                match pair.as_array().map(Vec::as_slice) {
                    Some([key, _]) if hashable(key) => {}
                    Some([key, _]) => return Err(format!("the key {key} is unhashable")),
                    _ => return Err(format!("{pair} is not a [key, value] pair")),
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Whether the decoded value can be a set item or a dict key.
fn hashable(value: &Value) -> bool {
    match value {
        Value::Array(_) => false,
        Value::Object(_) => match tag_of(value) {
            Some(("$tuple", Value::Array(items))) => items.iter().all(hashable),
            Some(("$frozenset" | "$int" | "$float" | "$bytes" | "$datetime" | "$decimal", _)) => {
                true
            }
            _ => false,
        },
        _ => true,
    }
}

/// Whether the decoded value is hashable with the same hash in every process.
fn stable_hash(value: &Value) -> bool {
    match value {
        Value::Bool(_) | Value::Number(_) => true,
        Value::Object(_) => match tag_of(value) {
            Some(("$tuple" | "$frozenset", Value::Array(items))) => items.iter().all(stable_hash),
            Some(("$int", _)) => true,
            Some(("$float", body)) => body.as_str() != Some("nan"),
            Some(("$decimal", body)) => body
                .as_str()
                .is_some_and(|text| !text.to_ascii_lowercase().contains("nan")),
            _ => false,
        },
        _ => false,
    }
}

/// `YYYY-MM-DD`, optionally followed by `THH:MM:SS`, a fraction of six digits and a UTC
/// offset `+HH:MM` or `-HH:MM`: the forms `datetime.fromisoformat` reads that the generator
/// writes.
fn iso_datetime(text: &str) -> bool {
    let digits =
        |part: &str, len: usize| part.len() == len && part.bytes().all(|b| b.is_ascii_digit());
    let number = |part: &str| part.parse::<u32>().unwrap_or(u32::MAX);
    let (date, time) = match text.split_once('T') {
        Some((date, time)) => (date, Some(time)),
        None => (text, None),
    };
    let date_ok = match date.split('-').collect::<Vec<_>>().as_slice() {
        [year, month, day] if digits(year, 4) && digits(month, 2) && digits(day, 2) => {
            let (year, month, day) = (number(year), number(month), number(day));
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
            let days = match month {
                2 if leap => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                1..=12 => 31,
                _ => 0,
            };
            year >= 1 && (1..=days).contains(&day)
        }
        _ => false,
    };
    let Some(time) = time else {
        return date_ok;
    };
    let (clock, offset) = match time.find(['+', '-']) {
        Some(at) => (&time[..at], Some(&time[at + 1..])),
        None => (time, None),
    };
    let (clock, fraction) = match clock.split_once('.') {
        Some((clock, fraction)) => (clock, Some(fraction)),
        None => (clock, None),
    };
    let hms = |part: &str, seconds: bool| match part.split(':').collect::<Vec<_>>().as_slice() {
        [h, m, s] if seconds => {
            digits(h, 2)
                && digits(m, 2)
                && digits(s, 2)
                && number(h) < 24
                && number(m) < 60
                && number(s) < 60
        }
        [h, m] if !seconds => digits(h, 2) && digits(m, 2) && number(h) < 24 && number(m) < 60,
        _ => false,
    };
    date_ok
        && hms(clock, true)
        && fraction.is_none_or(|f| digits(f, 6))
        && offset.is_none_or(|o| hms(o, false))
}

/// A decimal literal `decimal.Decimal` reads: an optional sign, digits with an optional point
/// (or a point and digits), an optional exponent; or NaN or Infinity.
fn decimal_text(text: &str) -> bool {
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    let lower = unsigned.to_ascii_lowercase();
    if ["nan", "inf", "infinity"].contains(&lower.as_str()) {
        return true;
    }
    let (mantissa, exponent) = match lower.split_once('e') {
        Some((mantissa, exponent)) => (mantissa, Some(exponent)),
        None => (lower.as_str(), None),
    };
    let all_digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some((whole, fraction)) => {
            all_digits(whole) && all_digits(fraction) && !(whole.is_empty() && fraction.is_empty())
        }
        None => !mantissa.is_empty() && all_digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && all_digits(e)
    });
    mantissa_ok && exponent_ok
}
