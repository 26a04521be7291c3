//! The Python object model seen through JSON values: type names, truthiness, `==`, the ordering
//! operators with their TypeErrors, and the `int()`, `float()` and `__index__` conversions.
//!
//! A JSON value stands for a Python value: null is None, a bool a bool (an int subclass), an
//! integer an int, any other number a float, a string a str, an array a list and an object a
//! dict. Results must come back as JSON, so an int outside 64 bits is an OverflowError and a
//! non-finite float a TypeError (see `int_value` and `float_value`).

use std::cmp::Ordering;
use std::collections::HashMap;

use serde_json::{Map, Number, Value};

use super::{FilterError, Reason};
use crate::pyfmt;

/// The result of a filter or one of its steps.
pub(crate) type Res<T> = Result<T, FilterError>;

/// A Python number: bools are ints with the values 0 and 1.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Num {
    Int(i128),
    Float(f64),
}

impl Num {
    /// `float(self)`; exact for every int a JSON value can hold, correctly rounded beyond.
    pub(crate) fn to_f64(self) -> f64 {
        match self {
            // `as` rounds to nearest, ties to even, like CPython's int-to-float conversion.
            Num::Int(int) => int as f64,
            Num::Float(float) => float,
        }
    }
}

/// The number a value stands for (bools included), or None for non-numbers.
pub(crate) fn num(value: &Value) -> Option<Num> {
    match value {
        Value::Bool(flag) => Some(Num::Int(i128::from(*flag))),
        Value::Number(number) => Some(number_num(number)),
        _ => None,
    }
}

fn number_num(number: &Number) -> Num {
    if let Some(int) = number.as_i64() {
        Num::Int(i128::from(int))
    } else if let Some(int) = number.as_u64() {
        Num::Int(i128::from(int))
    } else {
        Num::Float(number.as_f64().unwrap_or(f64::NAN))
    }
}

/// The int a value stands for (bools included), or None for anything else.
pub(crate) fn int_of(value: &Value) -> Option<i128> {
    match num(value) {
        Some(Num::Int(int)) => Some(int),
        _ => None,
    }
}

/// The type name Argument Clinic puts in "argument must be str, not X" messages: "None" for
/// None, else the type name.
pub(crate) fn arg_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "None",
        other => type_name(other),
    }
}

/// Python's `type(value).__name__`.
pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(number) => match number_num(number) {
            Num::Int(_) => "int",
            Num::Float(_) => "float",
        },
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

/// An error of the Python exception class `kind`.
pub(crate) fn err(kind: &'static str, message: impl Into<String>) -> FilterError {
    FilterError {
        kind,
        message: message.into(),
        reason: Reason::Python,
    }
}

/// An error of the Python exception class `kind` that stands for a result Python has and JSON
/// cannot hold (see [`Reason::NotJson`]).
pub(crate) fn not_json(kind: &'static str, message: impl Into<String>) -> FilterError {
    FilterError {
        kind,
        message: message.into(),
        reason: Reason::NotJson,
    }
}

/// A TypeError.
pub(crate) fn type_error(message: impl Into<String>) -> FilterError {
    err("TypeError", message)
}

/// A ValueError.
pub(crate) fn value_error(message: impl Into<String>) -> FilterError {
    err("ValueError", message)
}

/// The AttributeError of looking up a method the value's type does not have.
pub(crate) fn no_attribute(value: &Value, attribute: &str) -> FilterError {
    err(
        "AttributeError",
        format!(
            "'{}' object has no attribute '{attribute}'",
            type_name(value)
        ),
    )
}

/// An int result as JSON; outside the 64-bit range JSON numbers carry, an OverflowError.
pub(crate) fn int_value(int: i128) -> Res<Value> {
    if let Ok(small) = i64::try_from(int) {
        return Ok(Value::from(small));
    }
    if let Ok(big) = u64::try_from(int) {
        return Ok(Value::from(big));
    }
    Err(not_json(
        "OverflowError",
        format!("the int result {int} does not fit in 64 bits; Python would give a big int, JSON cannot hold it"),
    ))
}

/// A float result as JSON; inf and nan, which JSON cannot hold, are a TypeError.
pub(crate) fn float_value(float: f64) -> Res<Value> {
    match Number::from_f64(float) {
        Some(number) => Ok(Value::Number(number)),
        None => Err(not_json(
            "TypeError",
            format!(
                "the float result {} cannot be represented as a JSON value",
                pyfmt::float_repr(float)
            ),
        )),
    }
}

/// A number result as JSON.
pub(crate) fn num_value(number: Num) -> Res<Value> {
    match number {
        Num::Int(int) => int_value(int),
        Num::Float(float) => float_value(float),
    }
}

/// Python's truth value: None, False, 0, 0.0 and empty containers are false.
pub(crate) fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(flag) => *flag,
        Value::Number(number) => match number_num(number) {
            Num::Int(int) => int != 0,
            Num::Float(float) => float != 0.0,
        },
        Value::String(text) => !text.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
    }
}

/// Exact comparison of two numbers, as Python compares ints and floats (no rounding of the
/// int); None when a NaN is involved.
pub(crate) fn num_cmp(left: Num, right: Num) -> Option<Ordering> {
    match (left, right) {
        (Num::Int(a), Num::Int(b)) => Some(a.cmp(&b)),
        (Num::Float(a), Num::Float(b)) => a.partial_cmp(&b),
        (Num::Int(a), Num::Float(b)) => int_float_cmp(a, b),
        (Num::Float(a), Num::Int(b)) => int_float_cmp(b, a).map(Ordering::reverse),
    }
}

fn int_float_cmp(int: i128, float: f64) -> Option<Ordering> {
    if float.is_nan() {
        return None;
    }
    // 2**127 bounds every i128; beyond it the float decides by its sign alone.
    const LIMIT: f64 = 170_141_183_460_469_231_731_687_303_715_884_105_728.0;
    if float >= LIMIT {
        return Some(Ordering::Less);
    }
    if float < -LIMIT {
        return Some(Ordering::Greater);
    }
    let floor = float.floor();
    // In range and integral, so the conversion is exact.
    let whole = floor as i128;
    Some(match int.cmp(&whole) {
        Ordering::Equal if float > floor => Ordering::Less,
        other => other,
    })
}

/// Python's `left == right` on JSON values (1 == 1.0 == True; dicts ignore key order).
pub(crate) fn py_eq(left: &Value, right: &Value) -> bool {
    match (left, right) {
        (Value::Null, Value::Null) => true,
        (Value::String(a), Value::String(b)) => a == b,
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| py_eq(x, y))
        }
        (Value::Object(a), Value::Object(b)) => dict_eq(a, b),
        _ => match (num(left), num(right)) {
            (Some(a), Some(b)) => num_cmp(a, b) == Some(Ordering::Equal),
            _ => false,
        },
    }
}

fn dict_eq(left: &Map<String, Value>, right: &Map<String, Value>) -> bool {
    left.len() == right.len()
        && left
            .iter()
            .all(|(key, item)| right.get(key).is_some_and(|other| py_eq(item, other)))
}

/// `item in items` for a list: identity or `==`.
pub(crate) fn list_contains(items: &[Value], item: &Value) -> bool {
    items.iter().any(|candidate| py_eq(candidate, item))
}

/// An ordering operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    fn symbol(self) -> &'static str {
        match self {
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    /// Whether an ordering satisfies the operator.
    pub(crate) fn holds(self, ordering: Ordering) -> bool {
        match self {
            CmpOp::Lt => ordering == Ordering::Less,
            CmpOp::Le => ordering != Ordering::Greater,
            CmpOp::Gt => ordering == Ordering::Greater,
            CmpOp::Ge => ordering != Ordering::Less,
        }
    }
}

/// Python's `left <op> right`, with its TypeError for values that do not order.
pub(crate) fn richcmp(left: &Value, right: &Value, op: CmpOp) -> Res<bool> {
    if let (Some(a), Some(b)) = (num(left), num(right)) {
        // Every comparison with NaN is false.
        return Ok(num_cmp(a, b).is_some_and(|ordering| op.holds(ordering)));
    }
    match (left, right) {
        (Value::String(a), Value::String(b)) => Ok(op.holds(a.as_str().cmp(b.as_str()))),
        (Value::Array(a), Value::Array(b)) => {
            // The first items that differ decide; if there are none, the lengths do.
            match a.iter().zip(b).find(|(x, y)| !py_eq(x, y)) {
                Some((x, y)) => richcmp(x, y, op),
                None => Ok(op.holds(a.len().cmp(&b.len()))),
            }
        }
        _ => Err(type_error(format!(
            "'{}' not supported between instances of '{}' and '{}'",
            op.symbol(),
            type_name(left),
            type_name(right)
        ))),
    }
}

/// `op(left, right)`, comparing the `str()` forms when the values do not order (filters.py's
/// `_compare`: so `None > 2` compares `"None"` with `"2"`).
pub(crate) fn compare(op: CmpOp, left: &Value, right: &Value) -> bool {
    match richcmp(left, right, op) {
        Ok(result) => result,
        Err(_) => op.holds(pyfmt::py_str(left).cmp(&pyfmt::py_str(right))),
    }
}

/// `operator.index(value)` as `PyNumber_AsSsize_t` sees it: ints and bools only.
pub(crate) fn index_of(value: &Value) -> Res<i128> {
    int_of(value).ok_or_else(|| {
        type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            type_name(value)
        ))
    })
}

/// Python's `float(value)`.
pub(crate) fn py_float(value: &Value) -> Res<f64> {
    if let Some(number) = num(value) {
        return Ok(number.to_f64());
    }
    match value {
        Value::String(text) => parse_float(text).ok_or_else(|| {
            value_error(format!(
                "could not convert string to float: {}",
                pyfmt::str_repr(text)
            ))
        }),
        other => Err(type_error(format!(
            "float() argument must be a string or a real number, not '{}'",
            type_name(other)
        ))),
    }
}

/// The float a str spells for Python's `float()`: surrounding whitespace, a sign, `_` between
/// digits, `inf`/`infinity`/`nan` in any case, and any Unicode decimal digit, which Python
/// reads as its ASCII digit (`float('-5\u{661}')` is -51.0).
pub(crate) fn parse_float(text: &str) -> Option<f64> {
    let trimmed = text.trim_matches(pyfmt::is_space);
    let ascii: String = trimmed
        .chars()
        .map(|ch| {
            if ch.is_ascii() {
                Some(ch)
            } else {
                crate::syntax::py_digit(ch).and_then(|digit| char::from_digit(digit, 10))
            }
        })
        .collect::<Option<String>>()?;
    let cleaned = strip_underscores(&ascii)?;
    if cleaned.is_empty() {
        return None;
    }
    // Rust accepts the same grammar as CPython's `_PyOS_string_to_double`, and both round
    // correctly.
    cleaned.parse::<f64>().ok()
}

/// The text without the underscores Python allows between two digits; None if one is
/// anywhere else.
fn strip_underscores(text: &str) -> Option<String> {
    if !text.contains('_') {
        return Some(text.to_owned());
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (index, &ch) in chars.iter().enumerate() {
        if ch == '_' {
            let before = index.checked_sub(1).and_then(|i| chars.get(i));
            let after = chars.get(index + 1);
            if !(before.is_some_and(char::is_ascii_digit)
                && after.is_some_and(char::is_ascii_digit))
            {
                return None;
            }
        } else {
            out.push(ch);
        }
    }
    Some(out)
}

/// The digit limit of CPython's int/str conversions (`sys.get_int_max_str_digits()`).
const INT_MAX_STR_DIGITS: usize = 4300;

/// Python's `int(value)`: ints pass, floats truncate, strs parse in base 10.
pub(crate) fn py_int(value: &Value) -> Res<i128> {
    match value {
        Value::String(text) => parse_int(text),
        other => match num(other) {
            Some(Num::Int(int)) => Ok(int),
            Some(Num::Float(float)) => float_to_int(float),
            None => Err(type_error(format!(
                "int() argument must be a string, a bytes-like object or a real number, not '{}'",
                type_name(other)
            ))),
        },
    }
}

/// `int(value)` for a count that only matters up to the size of a list: floats beyond the
/// i128 range saturate instead of failing (Python would give a big int).
pub(crate) fn py_int_saturating(value: &Value) -> Res<i128> {
    match num(value) {
        Some(Num::Float(float)) if float.is_finite() && float.abs() >= 1e38 => {
            Ok(if float > 0.0 { i128::MAX } else { i128::MIN })
        }
        _ => py_int(value),
    }
}

/// `int(float)`: truncation toward zero.
pub(crate) fn float_to_int(float: f64) -> Res<i128> {
    if float.is_nan() {
        return Err(value_error("cannot convert float NaN to integer"));
    }
    if float.is_infinite() {
        return Err(err(
            "OverflowError",
            "cannot convert float infinity to integer",
        ));
    }
    let truncated = float.trunc();
    // 2**127: the first float beyond i128.
    if truncated.abs() >= 170_141_183_460_469_231_731_687_303_715_884_105_728.0 {
        return Err(not_json(
            "OverflowError",
            format!(
                "the int result of {} does not fit in 64 bits; Python would give a big int, JSON cannot hold it",
                pyfmt::float_repr(float)
            ),
        ));
    }
    Ok(truncated as i128)
}

fn parse_int(text: &str) -> Res<i128> {
    let invalid = || {
        value_error(format!(
            "invalid literal for int() with base 10: {}",
            pyfmt::str_repr(text)
        ))
    };
    // Python reads every Unicode decimal digit as its ASCII digit (`int('\u{661}\u{662}')`
    // is 12), as `parse_float` does.
    let ascii: String = text
        .trim_matches(pyfmt::is_space)
        .chars()
        .map(|ch| match crate::syntax::py_digit(ch) {
            Some(digit) if !ch.is_ascii() => char::from_digit(digit, 10).unwrap_or(ch),
            _ => ch,
        })
        .collect();
    let trimmed = ascii.as_str();
    let (negative, body) = match trimmed.as_bytes().first() {
        Some(b'-') => (true, &trimmed[1..]),
        Some(b'+') => (false, &trimmed[1..]),
        _ => (false, trimmed),
    };
    if body.is_empty() || body.starts_with('_') || body.ends_with('_') || body.contains("__") {
        return Err(invalid());
    }
    if !body
        .bytes()
        .all(|byte| byte.is_ascii_digit() || byte == b'_')
    {
        return Err(invalid());
    }
    let digits: String = body.chars().filter(char::is_ascii_digit).collect();
    if digits.len() > INT_MAX_STR_DIGITS {
        return Err(value_error(format!(
            "Exceeds the limit ({INT_MAX_STR_DIGITS} digits) for integer string conversion: value has {} digits; use sys.set_int_max_str_digits() to increase the limit",
            digits.len()
        )));
    }
    let magnitude = digits.trim_start_matches('0');
    let parsed: i128 = if magnitude.is_empty() {
        0
    } else {
        magnitude.parse().map_err(|_| {
            not_json(
                "OverflowError",
                format!("the int {} does not fit in 64 bits; Python would give a big int, JSON cannot hold it", pyfmt::str_repr(text)),
            )
        })?
    };
    Ok(if negative { -parsed } else { parsed })
}

/// The TypeError of hashing a list or a dict (as a dict key, a set member).
pub(crate) fn check_hashable(value: &Value) -> Res<()> {
    match value {
        Value::Array(_) | Value::Object(_) => Err(type_error(format!(
            "unhashable type: '{}'",
            type_name(value)
        ))),
        _ => Ok(()),
    }
}

/// The identity of a hashable value under Python's `==`: 1, 1.0 and True are one key, as
/// are 0, -0.0 and False. Lists and dicts have none (they are unhashable).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum HashKey {
    None,
    Int(i128),
    Float(u64),
    Str(String),
}

/// The hash key of a hashable value; the TypeError of hashing a list or a dict.
pub(crate) fn hash_key(value: &Value) -> Res<HashKey> {
    check_hashable(value)?;
    Ok(match value {
        Value::Null => HashKey::None,
        Value::String(text) => HashKey::Str(text.clone()),
        other => match num(other) {
            Some(Num::Int(int)) => HashKey::Int(int),
            Some(Num::Float(float)) => {
                // An integral float equals the int of the same value.
                if float.fract() == 0.0 && float.abs() < 1e38 {
                    HashKey::Int(float as i128)
                } else {
                    HashKey::Float(float.to_bits())
                }
            }
            None => HashKey::None,
        },
    })
}

/// A dict built the Python way from hashable keys of any type: equal keys (1, 1.0, True) are
/// one entry that keeps its first key and its first position.
#[derive(Default)]
pub(crate) struct PyDict {
    entries: Vec<(Value, Value)>,
    index: HashMap<HashKey, usize>,
}

impl PyDict {
    /// `dict[key] = value`.
    pub(crate) fn insert(&mut self, key: Value, value: Value) -> Res<()> {
        let hashed = hash_key(&key)?;
        match self.index.get(&hashed).copied() {
            Some(position) => {
                if let Some(entry) = self.entries.get_mut(position) {
                    entry.1 = value;
                }
            }
            None => {
                self.index.insert(hashed, self.entries.len());
                self.entries.push((key, value));
            }
        }
        Ok(())
    }

    /// The value under `key`, inserting `default()` first when missing (`dict.setdefault`).
    pub(crate) fn entry_or(
        &mut self,
        key: Value,
        default: impl FnOnce() -> Value,
    ) -> Res<&mut Value> {
        let hashed = hash_key(&key)?;
        let position = match self.index.get(&hashed).copied() {
            Some(position) => position,
            None => {
                self.index.insert(hashed, self.entries.len());
                self.entries.push((key, default()));
                self.entries.len() - 1
            }
        };
        self.entries
            .get_mut(position)
            .map(|entry| &mut entry.1)
            .ok_or_else(|| err("SystemError", "dict entry vanished"))
    }

    /// The dict as a JSON object; a key that is not a str is a TypeError (JSON objects only
    /// have str keys, Python dicts may have any hashable key).
    pub(crate) fn into_json(self, filter: &str) -> Res<Value> {
        let mut map = Map::with_capacity(self.entries.len());
        for (key, value) in self.entries {
            match key {
                Value::String(text) => {
                    map.insert(text, value);
                }
                other => {
                    return Err(not_json(
                        "TypeError",
                        format!(
                        "${filter} made a dict with the {} key {}, which a JSON object cannot hold",
                        type_name(&other),
                        pyfmt::py_repr(&other)
                    ),
                    ))
                }
            }
        }
        Ok(Value::Object(map))
    }
}

/// The most levels of nested lists and dicts a filter accepts. Python gives up near 1000
/// levels (RecursionError) in the filters that recurse (`str()`, `==`, ordering, `json.dumps`);
/// past this limit every filter does, which keeps the recursion here off the stack's end.
pub(crate) const MAX_NESTING: usize = 2000;

/// The RecursionError for a value nested deeper than `MAX_NESTING` (checked without recursion).
pub(crate) fn check_nesting(value: &Value) -> Res<()> {
    let mut stack: Vec<(&Value, usize)> = vec![(value, 0)];
    while let Some((current, depth)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match current {
            Value::Array(items) => Box::new(items.iter()),
            Value::Object(map) => Box::new(map.values()),
            _ => continue,
        };
        if depth >= MAX_NESTING {
            return Err(err("RecursionError", "maximum recursion depth exceeded"));
        }
        stack.extend(children.map(|child| (child, depth + 1)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ints_and_floats_compare_exactly() {
        let big = Num::Int(9_007_199_254_740_993);
        assert_eq!(
            num_cmp(big, Num::Float(9_007_199_254_740_992.0)),
            Some(Ordering::Greater)
        );
        assert_eq!(
            num_cmp(Num::Int(-3), Num::Float(-2.5)),
            Some(Ordering::Less)
        );
        assert_eq!(num_cmp(Num::Int(3), Num::Float(3.0)), Some(Ordering::Equal));
        assert_eq!(
            num_cmp(Num::Float(2.5), Num::Int(2)),
            Some(Ordering::Greater)
        );
    }

    #[test]
    fn equality_follows_python() {
        assert!(py_eq(&json!(1), &json!(1.0)));
        assert!(py_eq(&json!(true), &json!(1)));
        assert!(py_eq(
            &json!({"a": 1, "b": 2}),
            &json!({"b": 2.0, "a": true})
        ));
        assert!(!py_eq(&json!("1"), &json!(1)));
    }

    #[test]
    fn float_and_int_parsing_follow_python() {
        assert_eq!(parse_float(" 1_000.5\n"), Some(1000.5));
        assert_eq!(parse_float("1__0"), None);
        assert_eq!(parse_float("-Infinity"), Some(f64::NEG_INFINITY));
        // As Python's float(): other decimal digits read as theirs, underscores between them.
        assert_eq!(parse_float("-5\u{661}"), Some(-51.0));
        assert_eq!(parse_float("1_\u{661}"), Some(11.0));
        assert_eq!(parse_float("\u{661}e\u{662}"), Some(100.0));
        assert_eq!(parse_float("5\u{e9}"), None);
        assert_eq!(py_int(&json!(" -1_0 ")).ok(), Some(-10));
        assert!(py_int(&json!("1.5")).is_err());
        assert_eq!(py_int(&json!(-2.9)).ok(), Some(-2));
    }
}
