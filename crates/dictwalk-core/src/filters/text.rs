//! String, conversion and membership filters, and Python's `str % value` formatting (which
//! `$mod` reaches when the value is a str).

use serde_json::Value;

use super::py::{
    arg_type_name, check_hashable, err, float_to_int, float_value, int_value, list_contains,
    not_json, num, py_float, py_int, type_error, type_name, value_error, Num, Res,
};
use crate::pyfmt::{self, is_space, py_repr, py_str};

/// `$string`: `str(value)`.
pub(crate) fn string(value: &Value) -> Value {
    Value::String(py_str(value))
}

/// `$quote`: `str(value)` between double quotes, nothing escaped.
pub(crate) fn quote(value: &Value) -> Value {
    Value::String(format!("\"{}\"", py_str(value)))
}

/// `$int`: `int(value)`.
pub(crate) fn int(value: &Value) -> Res<Value> {
    int_value(py_int(value)?)
}

/// `$float`: `float(value)`.
pub(crate) fn float(value: &Value) -> Res<Value> {
    float_value(py_float(value)?)
}

/// `$decimal`: Python's errors for values `decimal.Decimal()` rejects; for every other value
/// a TypeError, because a Decimal is a value JSON cannot represent.
pub(crate) fn decimal(value: &Value) -> Res<Value> {
    match value {
        Value::Null | Value::Object(_) => Err(type_error(format!(
            "conversion from {} to Decimal is not supported",
            type_name(value)
        ))),
        Value::Array(items) => {
            check_decimal_tuple(items)?;
            Err(not_json(
                "TypeError",
                format!(
                    "$decimal of {} gives a decimal.Decimal, which JSON cannot represent",
                    pyfmt::py_repr(value)
                ),
            ))
        }
        Value::String(text) if !is_decimal_literal(text) => Err(err(
            "InvalidOperation",
            "[<class 'decimal.ConversionSyntax'>]",
        )),
        _ => Err(not_json(
            "TypeError",
            format!(
                "$decimal of {} gives a decimal.Decimal, which JSON cannot represent",
                pyfmt::py_repr(value)
            ),
        )),
    }
}

/// The checks `decimal.Decimal((sign, digits, exponent))` makes of its tuple (or list) form.
fn check_decimal_tuple(items: &[Value]) -> Res<()> {
    let [sign, digits, exponent] = items else {
        return Err(value_error("argument must be a sequence of length 3"));
    };
    if !matches!(num(sign), Some(Num::Int(0 | 1)))
        || !matches!(sign, Value::Bool(_) | Value::Number(_))
    {
        return Err(value_error("sign must be an integer with the value 0 or 1"));
    }
    match exponent {
        Value::String(code) => {
            if !matches!(code.as_str(), "F" | "n" | "N") {
                return Err(value_error(
                    "string argument in the third position must be 'F', 'n' or 'N'",
                ));
            }
        }
        other => {
            if !matches!(num(other), Some(Num::Int(_))) {
                return Err(value_error("exponent must be an integer"));
            }
        }
    }
    let coefficient_ok = match digits {
        Value::Array(list) => list
            .iter()
            .all(|digit| matches!(num(digit), Some(Num::Int(0..=9)))),
        _ => false,
    };
    if !coefficient_ok {
        return Err(value_error("coefficient must be a tuple of digits"));
    }
    Ok(())
}

/// Whether `decimal.Decimal(text)` parses: surrounding whitespace, a sign, digits with `_`
/// between them, a point, an exponent, or Infinity/Inf/NaN/sNaN (with an optional payload).
fn is_decimal_literal(text: &str) -> bool {
    let trimmed = text.trim_matches(is_space).to_ascii_lowercase();
    let body = trimmed.strip_prefix(['+', '-']).unwrap_or(&trimmed);
    if body == "inf" || body == "infinity" {
        return true;
    }
    if let Some(payload) = body
        .strip_prefix("snan")
        .or_else(|| body.strip_prefix("nan"))
    {
        return payload.bytes().all(|byte| byte.is_ascii_digit());
    }
    let cleaned = body.replace('_', "");
    if body.starts_with('_') || body.ends_with('_') || body.contains("__") {
        return false;
    }
    let (mantissa, exponent) = match cleaned.split_once('e') {
        Some((mantissa, exponent)) => (mantissa, Some(exponent)),
        None => (cleaned.as_str(), None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits_ok = (!whole.is_empty() || !fraction.is_empty())
        && whole.bytes().all(|byte| byte.is_ascii_digit())
        && fraction.bytes().all(|byte| byte.is_ascii_digit());
    let exponent_ok = exponent.is_none_or(|exp| {
        let digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
        !digits.is_empty() && digits.bytes().all(|byte| byte.is_ascii_digit())
    });
    digits_ok && exponent_ok
}

const TRUE_WORDS: [&str; 5] = ["1", "true", "yes", "y", "on"];

/// `$bool`: a str is True when, trimmed and lower-cased, it is 1/true/yes/y/on; else truthiness.
pub(crate) fn to_bool(value: &Value) -> Value {
    Value::Bool(match value {
        Value::String(text) => {
            let word = text.trim_matches(is_space).to_lowercase();
            TRUE_WORDS.contains(&word.as_str())
        }
        other => super::py::truthy(other),
    })
}

/// `$lower`.
pub(crate) fn lower(value: &Value) -> Value {
    Value::String(py_str(value).to_lowercase())
}

/// `$upper`.
pub(crate) fn upper(value: &Value) -> Value {
    Value::String(py_str(value).to_uppercase())
}

/// `$title`: Python's `str.title()`: a cased character after a cased one is lower-cased, any
/// other is title-cased (which differs from upper-casing for `ß`, `ǆ` and a few more).
pub(crate) fn title(value: &Value) -> Value {
    let text = py_str(value);
    let mut out = String::with_capacity(text.len());
    let mut previous_cased = false;
    // Lower-casing Σ depends on its neighbours (final sigma); Rust's str::to_lowercase of the
    // whole text decides it the same way, and only sigmas lower-case to σ or ς.
    let mut sigmas: Option<Vec<char>> = None;
    let mut sigma_index = 0;
    for ch in text.chars() {
        let is_sigma = matches!(ch, '\u{3a3}' | '\u{3c3}' | '\u{3c2}');
        if ch == '\u{3a3}' && previous_cased {
            let lowered = sigmas.get_or_insert_with(|| {
                text.to_lowercase()
                    .chars()
                    .filter(|c| matches!(c, '\u{3c3}' | '\u{3c2}'))
                    .collect()
            });
            out.push(lowered.get(sigma_index).copied().unwrap_or('\u{3c3}'));
        } else if previous_cased {
            out.extend(ch.to_lowercase());
        } else {
            match TITLE_CASE.binary_search_by(|(key, _)| key.cmp(&ch)) {
                Ok(index) => out.push_str(TITLE_CASE.get(index).map_or("", |(_, mapped)| *mapped)),
                Err(_) => out.extend(ch.to_uppercase()),
            }
        }
        if is_sigma {
            sigma_index += 1;
        }
        previous_cased = is_cased(ch);
    }
    Value::String(out)
}

/// Unicode's Cased property: lowercase, uppercase or titlecase letters.
fn is_cased(ch: char) -> bool {
    ch.is_lowercase() || ch.is_uppercase() || TITLE_LETTERS.contains(&ch)
}

/// `$strip` / `$strip(chars)`.
pub(crate) fn strip(value: &Value, chars: Option<&Value>) -> Res<Value> {
    let text = py_str(value);
    let stripped = match chars {
        None | Some(Value::Null) => text.trim_matches(is_space),
        Some(Value::String(set)) => text.trim_matches(|ch: char| set.contains(ch)),
        Some(_) => return Err(type_error("strip arg must be None or str")),
    };
    Ok(Value::String(stripped.to_owned()))
}

/// `$replace(old, new)`: `str(value).replace(old, new)`.
pub(crate) fn replace(value: &Value, old: &Value, new: &Value) -> Res<Value> {
    let Value::String(old) = old else {
        return Err(type_error(format!(
            "replace() argument 1 must be str, not {}",
            arg_type_name(old)
        )));
    };
    let Value::String(new) = new else {
        return Err(type_error(format!(
            "replace() argument 2 must be str, not {}",
            arg_type_name(new)
        )));
    };
    Ok(Value::String(py_str(value).replace(old.as_str(), new)))
}

/// `$split` / `$split(sep)`: on runs of whitespace, or on each `sep`.
pub(crate) fn split(value: &Value, sep: Option<&Value>) -> Res<Value> {
    let text = py_str(value);
    let parts: Vec<Value> = match sep {
        None | Some(Value::Null) => text
            .split(is_space)
            .filter(|part| !part.is_empty())
            .map(|part| Value::String(part.to_owned()))
            .collect(),
        Some(Value::String(sep)) => {
            if sep.is_empty() {
                return Err(value_error("empty separator"));
            }
            text.split(sep.as_str())
                .map(|part| Value::String(part.to_owned()))
                .collect()
        }
        Some(other) => {
            return Err(type_error(format!(
                "must be str or None, not {}",
                type_name(other)
            )))
        }
    };
    Ok(Value::Array(parts))
}

/// `$startswith(prefix)` / `$endswith(suffix)`: a str argument only (JSON has no tuples).
pub(crate) fn affix(value: &Value, affix: &Value, start: bool) -> Res<Value> {
    let Value::String(affix) = affix else {
        return Err(type_error(format!(
            "{} first arg must be str or a tuple of str, not {}",
            if start { "startswith" } else { "endswith" },
            type_name(affix)
        )));
    };
    let text = py_str(value);
    Ok(Value::Bool(if start {
        text.starts_with(affix.as_str())
    } else {
        text.ends_with(affix.as_str())
    }))
}

/// `$join(sep)`: a list's items as strs joined with `str(sep)`; anything else is `str(value)`.
pub(crate) fn join(value: &Value, sep: &Value) -> Value {
    match value {
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(py_str).collect();
            Value::String(parts.join(&py_str(sep)))
        }
        other => Value::String(py_str(other)),
    }
}

/// Python's `item in container`.
pub(crate) fn contains(container: &Value, item: &Value) -> Res<bool> {
    match container {
        Value::String(text) => match item {
            Value::String(needle) => Ok(text.contains(needle.as_str())),
            other => Err(type_error(format!(
                "'in <string>' requires string as left operand, not {}",
                type_name(other)
            ))),
        },
        Value::Array(items) => Ok(list_contains(items, item)),
        Value::Object(map) => {
            check_hashable(item)?;
            Ok(matches!(item, Value::String(key) if map.contains_key(key)))
        }
        other => Err(type_error(format!(
            "argument of type '{}' is not iterable",
            type_name(other)
        ))),
    }
}

/// `$type_is(name)`: the lower-cased Python type name against `str(name)` lower-cased.
pub(crate) fn type_is(value: &Value, name: &Value) -> Value {
    Value::Bool(type_name(value).to_lowercase() == py_str(name).to_lowercase())
}

/// `$is_empty`: None, or anything with a length of 0.
pub(crate) fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(text) => text.is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.is_empty(),
        _ => false,
    }
}

/// Python's `ascii()`: `repr()` with every non-ASCII character escaped.
fn ascii(value: &Value) -> String {
    let mut out = String::new();
    for ch in py_repr(value).chars() {
        let code = u32::from(ch);
        if code < 0x80 {
            out.push(ch);
        } else if code < 0x100 {
            out.push_str(&format!("\\x{code:02x}"));
        } else if code < 0x10000 {
            out.push_str(&format!("\\u{code:04x}"));
        } else {
            out.push_str(&format!("\\U{code:08x}"));
        }
    }
    out
}

/// The flags of one `%` conversion.
#[derive(Default)]
struct Spec {
    left: bool,
    sign: bool,
    blank: bool,
    alt: bool,
    zero: bool,
    width: usize,
    precision: Option<usize>,
}

/// Where the next `%` conversion takes its argument from: the one value, or the value a
/// `%(key)` looked up; each is used once.
struct Args<'a> {
    value: &'a Value,
    used: bool,
    keyed: Option<(Value, bool)>,
}

impl Args<'_> {
    fn next(&mut self) -> Res<Value> {
        let (value, used) = match &mut self.keyed {
            Some((value, used)) => (&*value, used),
            None => (self.value, &mut self.used),
        };
        if *used {
            return Err(type_error("not enough arguments for format string"));
        }
        *used = true;
        Ok(value.clone())
    }
}

/// The most characters one `%` conversion may pad to; beyond this CPython would fail with
/// MemoryError on this machine size, and so do we, without trying.
const MAX_WIDTH: usize = 1 << 28;

/// Python's `format % value` with one non-tuple value (JSON has no tuples): `%s %r %a %d %i
/// %u %o %x %X %e %E %f %F %g %G %c %%`, mapping keys `%(key)s`, flags `-+ #0`, width and
/// precision (`*` too). A list or dict value counts as a mapping, as in CPython, so it may go
/// unused without the "not all arguments converted" TypeError.
pub(crate) fn percent_format(format: &str, value: &Value) -> Res<String> {
    let mapping = matches!(value, Value::Array(_) | Value::Object(_));
    let mut args = Args {
        value,
        used: false,
        keyed: None,
    };
    let chars: Vec<char> = format.chars().collect();
    let mut out = String::with_capacity(format.len());
    let mut index = 0;
    while let Some(&ch) = chars.get(index) {
        index += 1;
        if ch != '%' {
            out.push(ch);
            continue;
        }
        let incomplete = || value_error("incomplete format");
        let mut current = *chars.get(index).ok_or_else(incomplete)?;
        if current == '%' {
            out.push('%');
            index += 1;
            continue;
        }
        args.keyed = None;
        if current == '(' {
            if !mapping {
                return Err(type_error("format requires a mapping"));
            }
            let start = index + 1;
            let mut depth = 1;
            let mut end = start;
            while depth > 0 {
                match chars.get(end) {
                    None => return Err(value_error("incomplete format key")),
                    Some('(') => depth += 1,
                    Some(')') => depth -= 1,
                    Some(_) => {}
                }
                end += 1;
            }
            let key: String = chars.get(start..end - 1).unwrap_or(&[]).iter().collect();
            // After a key, the conversion uses the looked-up value (once).
            args.keyed = Some((lookup_key(value, mapping, &key)?, false));
            index = end;
        }
        let mut spec = Spec::default();
        loop {
            current = *chars.get(index).ok_or_else(incomplete)?;
            match current {
                '-' => spec.left = true,
                '+' => spec.sign = true,
                ' ' => spec.blank = true,
                '#' => spec.alt = true,
                '0' => spec.zero = true,
                _ => break,
            }
            index += 1;
        }
        if current == '*' {
            let width = star(&args.next()?)?;
            let width = i64::try_from(width).map_err(|_| {
                err(
                    "OverflowError",
                    "Python int too large to convert to C ssize_t",
                )
            })?;
            if width < 0 {
                spec.left = true;
            }
            spec.width = usize::try_from(width.unsigned_abs()).unwrap_or(usize::MAX);
            index += 1;
            current = *chars.get(index).ok_or_else(incomplete)?;
        } else {
            while let Some(digit) = current.to_digit(10) {
                spec.width = spec
                    .width
                    .checked_mul(10)
                    .and_then(|width| width.checked_add(digit as usize))
                    .ok_or_else(|| value_error("width too big"))?;
                index += 1;
                current = *chars.get(index).ok_or_else(incomplete)?;
            }
        }
        if current == '.' {
            index += 1;
            current = *chars.get(index).ok_or_else(incomplete)?;
            let mut precision = 0usize;
            if current == '*' {
                let wanted = i32::try_from(star(&args.next()?)?).map_err(|_| {
                    err("OverflowError", "Python int too large to convert to C int")
                })?;
                precision = usize::try_from(wanted.max(0)).unwrap_or(0);
                index += 1;
                current = *chars.get(index).ok_or_else(incomplete)?;
            } else {
                while let Some(digit) = current.to_digit(10) {
                    precision = precision
                        .checked_mul(10)
                        .and_then(|p| p.checked_add(digit as usize))
                        .ok_or_else(|| value_error("precision too big"))?;
                    index += 1;
                    current = *chars.get(index).ok_or_else(incomplete)?;
                }
            }
            spec.precision = Some(precision);
        }
        // A length modifier (h, l, L) is ignored, as C's printf reads it.
        if matches!(current, 'h' | 'l' | 'L') {
            index += 1;
            current = *chars.get(index).ok_or_else(incomplete)?;
        }
        let conversion_index = index;
        index += 1;
        let argument = match current {
            's' | 'r' | 'a' | 'i' | 'd' | 'u' | 'o' | 'x' | 'X' | 'e' | 'E' | 'f' | 'F' | 'g'
            | 'G' | 'c' => args.next()?,
            other => {
                return Err(value_error(format!(
                    "unsupported format character '{other}' (0x{:x}) at index {conversion_index}",
                    u32::from(other)
                )))
            }
        };
        if spec.width > MAX_WIDTH || spec.precision.is_some_and(|p| p > MAX_WIDTH) {
            return Err(err("MemoryError", ""));
        }
        out.push_str(&convert(current, &argument, &spec)?);
    }
    if !args.used && !mapping {
        return Err(type_error(
            "not all arguments converted during string formatting",
        ));
    }
    Ok(out)
}

fn lookup_key(value: &Value, mapping: bool, key: &str) -> Res<Value> {
    if !mapping {
        return Err(type_error("format requires a mapping"));
    }
    match value {
        Value::Object(map) => map
            .get(key)
            .cloned()
            .ok_or_else(|| err("KeyError", pyfmt::str_repr(key))),
        _ => Err(type_error(
            "list indices must be integers or slices, not str",
        )),
    }
}

fn star(value: &Value) -> Res<i128> {
    match value {
        Value::Bool(_) | Value::Number(_) => match num(value) {
            Some(Num::Int(int)) => Ok(int),
            _ => Err(type_error("* wants int")),
        },
        _ => Err(type_error("* wants int")),
    }
}

fn convert(conversion: char, argument: &Value, spec: &Spec) -> Res<String> {
    match conversion {
        's' | 'r' | 'a' => {
            let text = match conversion {
                's' => py_str(argument),
                'r' => py_repr(argument),
                _ => ascii(argument),
            };
            let text: String = match spec.precision {
                Some(limit) => text.chars().take(limit).collect(),
                None => text,
            };
            Ok(pad(String::new(), text, spec, false))
        }
        'c' => {
            let ch = match argument {
                Value::String(text) if text.chars().count() == 1 => text.clone(),
                Value::Bool(_) | Value::Number(_) => match num(argument) {
                    Some(Num::Int(code)) => u32::try_from(code)
                        .ok()
                        .filter(|code| *code < 0x110000)
                        .map(|code| char::from_u32(code).map(String::from).unwrap_or_default())
                        .ok_or_else(|| err("OverflowError", "%c arg not in range(0x110000)"))?,
                    _ => return Err(type_error("%c requires int or char")),
                },
                _ => return Err(type_error("%c requires int or char")),
            };
            Ok(pad(String::new(), ch, spec, false))
        }
        'i' | 'd' | 'u' | 'o' | 'x' | 'X' => {
            let int = match num(argument) {
                Some(Num::Int(int)) => int,
                Some(Num::Float(float)) if matches!(conversion, 'i' | 'd' | 'u') => {
                    if float.is_finite() {
                        if float.trunc() < 0.0 {
                            -1
                        } else {
                            0
                        }
                    } else {
                        float_to_int(float)?
                    }
                }
                Some(_) => {
                    return Err(type_error(format!(
                        "%{conversion} format: an integer is required, not {}",
                        type_name(argument)
                    )))
                }
                None => {
                    let wanted = if matches!(conversion, 'i' | 'd' | 'u') {
                        "a real number"
                    } else {
                        "an integer"
                    };
                    return Err(type_error(format!(
                        "%{conversion} format: {wanted} is required, not {}",
                        type_name(argument)
                    )));
                }
            };
            let magnitude = int.unsigned_abs();
            let mut digits = match (conversion, num(argument)) {
                // A float's integral part is exact in decimal, however large.
                (_, Some(Num::Float(float))) => format!("{:.0}", float.trunc().abs()),
                _ => match conversion {
                    'o' => format!("{magnitude:o}"),
                    'x' => format!("{magnitude:x}"),
                    'X' => format!("{magnitude:X}"),
                    _ => magnitude.to_string(),
                },
            };
            if let Some(precision) = spec.precision {
                if digits.len() < precision {
                    digits = format!("{}{digits}", "0".repeat(precision - digits.len()));
                }
            }
            let mut prefix = sign_text(int < 0, spec).to_owned();
            if spec.alt {
                match conversion {
                    'o' => prefix.push_str("0o"),
                    'x' => prefix.push_str("0x"),
                    'X' => prefix.push_str("0X"),
                    _ => {}
                }
            }
            Ok(pad(prefix, digits, spec, true))
        }
        _ => {
            let float = match num(argument) {
                Some(number) => number.to_f64(),
                None => {
                    return Err(type_error(format!(
                        "must be real number, not {}",
                        type_name(argument)
                    )))
                }
            };
            let body = format_float(
                float.abs(),
                conversion,
                spec.precision.unwrap_or(6),
                spec.alt,
            );
            let prefix = sign_text(float.is_sign_negative() && !float.is_nan(), spec);
            Ok(pad(prefix.to_owned(), body, spec, float.is_finite()))
        }
    }
}

fn sign_text(negative: bool, spec: &Spec) -> &'static str {
    if negative {
        "-"
    } else if spec.sign {
        "+"
    } else if spec.blank {
        " "
    } else {
        ""
    }
}

/// Pads `prefix + body` to the width: zeros after the prefix for numbers with the `0` flag,
/// else spaces on the left (on the right with `-`).
fn pad(prefix: String, body: String, spec: &Spec, numeric: bool) -> String {
    let length = prefix.chars().count() + body.chars().count();
    let fill = spec.width.saturating_sub(length);
    if fill == 0 {
        return prefix + &body;
    }
    if spec.left {
        format!("{prefix}{body}{}", " ".repeat(fill))
    } else if spec.zero && numeric {
        format!("{prefix}{}{body}", "0".repeat(fill))
    } else {
        format!("{}{prefix}{body}", " ".repeat(fill))
    }
}

/// `%e`, `%f`, `%g` (and the upper-case forms) of a non-negative float, as CPython's
/// `PyOS_double_to_string` gives them.
pub(crate) fn format_float(value: f64, conversion: char, precision: usize, alt: bool) -> String {
    let upper = conversion.is_ascii_uppercase();
    if !value.is_finite() {
        let text = if value.is_nan() { "nan" } else { "inf" };
        return if upper {
            text.to_uppercase()
        } else {
            text.to_owned()
        };
    }
    let text = match conversion.to_ascii_lowercase() {
        'e' => exponent_form(value, precision, alt),
        'f' => {
            let mut text = format!("{value:.precision$}");
            if alt && precision == 0 {
                text.push('.');
            }
            text
        }
        _ => {
            let significant = precision.max(1);
            // The exponent after rounding to the significant digits decides the form.
            let probe = format!("{:.*e}", significant - 1, value);
            let exponent: i64 = probe
                .split_once('e')
                .and_then(|(_, exp)| exp.parse().ok())
                .unwrap_or(0);
            let mut text = if exponent < -4 || exponent >= significant as i64 {
                exponent_form(value, significant - 1, alt)
            } else {
                let decimals = usize::try_from(significant as i64 - 1 - exponent).unwrap_or(0);
                let mut fixed = format!("{value:.decimals$}");
                if alt && decimals == 0 {
                    fixed.push('.');
                }
                fixed
            };
            if !alt {
                text = strip_fraction_zeros(&text);
            }
            text
        }
    };
    if upper {
        text.to_uppercase()
    } else {
        text
    }
}

/// `d.ddde+XX`: at least two exponent digits, as C's printf.
fn exponent_form(value: f64, precision: usize, alt: bool) -> String {
    let text = format!("{value:.precision$e}");
    let (mantissa, exponent) = text.split_once('e').unwrap_or((text.as_str(), "0"));
    let exponent: i64 = exponent.parse().unwrap_or(0);
    let point = if alt && precision == 0 { "." } else { "" };
    let sign = if exponent < 0 { '-' } else { '+' };
    format!("{mantissa}{point}e{sign}{:02}", exponent.unsigned_abs())
}

/// Drops trailing zeros of the fraction (and a bare point), keeping any exponent.
fn strip_fraction_zeros(text: &str) -> String {
    let (number, exponent) = match text.find('e') {
        Some(at) => text.split_at(at),
        None => (text, ""),
    };
    let number = if number.contains('.') {
        number.trim_end_matches('0').trim_end_matches('.')
    } else {
        number
    };
    format!("{number}{exponent}")
}

/// The letters of category Lt (titlecase), which count as cased.
const TITLE_LETTERS: [char; 31] = [
    '\u{1c5}', '\u{1c8}', '\u{1cb}', '\u{1f2}', '\u{1f88}', '\u{1f89}', '\u{1f8a}', '\u{1f8b}',
    '\u{1f8c}', '\u{1f8d}', '\u{1f8e}', '\u{1f8f}', '\u{1f98}', '\u{1f99}', '\u{1f9a}', '\u{1f9b}',
    '\u{1f9c}', '\u{1f9d}', '\u{1f9e}', '\u{1f9f}', '\u{1fa8}', '\u{1fa9}', '\u{1faa}', '\u{1fab}',
    '\u{1fac}', '\u{1fad}', '\u{1fae}', '\u{1faf}', '\u{1fbc}', '\u{1fcc}', '\u{1ffc}',
];

/// The characters whose title case differs from their upper case, with their title case,
/// generated from CPython 3.11 (Unicode 14.0.0); sorted by character.
#[rustfmt::skip]
static TITLE_CASE: &[(char, &str)] = &[
    ('\u{df}', "\u{53}\u{73}"), ('\u{1c4}', "\u{1c5}"), ('\u{1c5}', "\u{1c5}"), ('\u{1c6}', "\u{1c5}"),
    ('\u{1c7}', "\u{1c8}"), ('\u{1c8}', "\u{1c8}"), ('\u{1c9}', "\u{1c8}"), ('\u{1ca}', "\u{1cb}"),
    ('\u{1cb}', "\u{1cb}"), ('\u{1cc}', "\u{1cb}"), ('\u{1f1}', "\u{1f2}"), ('\u{1f2}', "\u{1f2}"),
    ('\u{1f3}', "\u{1f2}"), ('\u{587}', "\u{535}\u{582}"), ('\u{10d0}', "\u{10d0}"), ('\u{10d1}', "\u{10d1}"),
    ('\u{10d2}', "\u{10d2}"), ('\u{10d3}', "\u{10d3}"), ('\u{10d4}', "\u{10d4}"), ('\u{10d5}', "\u{10d5}"),
    ('\u{10d6}', "\u{10d6}"), ('\u{10d7}', "\u{10d7}"), ('\u{10d8}', "\u{10d8}"), ('\u{10d9}', "\u{10d9}"),
    ('\u{10da}', "\u{10da}"), ('\u{10db}', "\u{10db}"), ('\u{10dc}', "\u{10dc}"), ('\u{10dd}', "\u{10dd}"),
    ('\u{10de}', "\u{10de}"), ('\u{10df}', "\u{10df}"), ('\u{10e0}', "\u{10e0}"), ('\u{10e1}', "\u{10e1}"),
    ('\u{10e2}', "\u{10e2}"), ('\u{10e3}', "\u{10e3}"), ('\u{10e4}', "\u{10e4}"), ('\u{10e5}', "\u{10e5}"),
    ('\u{10e6}', "\u{10e6}"), ('\u{10e7}', "\u{10e7}"), ('\u{10e8}', "\u{10e8}"), ('\u{10e9}', "\u{10e9}"),
    ('\u{10ea}', "\u{10ea}"), ('\u{10eb}', "\u{10eb}"), ('\u{10ec}', "\u{10ec}"), ('\u{10ed}', "\u{10ed}"),
    ('\u{10ee}', "\u{10ee}"), ('\u{10ef}', "\u{10ef}"), ('\u{10f0}', "\u{10f0}"), ('\u{10f1}', "\u{10f1}"),
    ('\u{10f2}', "\u{10f2}"), ('\u{10f3}', "\u{10f3}"), ('\u{10f4}', "\u{10f4}"), ('\u{10f5}', "\u{10f5}"),
    ('\u{10f6}', "\u{10f6}"), ('\u{10f7}', "\u{10f7}"), ('\u{10f8}', "\u{10f8}"), ('\u{10f9}', "\u{10f9}"),
    ('\u{10fa}', "\u{10fa}"), ('\u{10fd}', "\u{10fd}"), ('\u{10fe}', "\u{10fe}"), ('\u{10ff}', "\u{10ff}"),
    ('\u{1f80}', "\u{1f88}"), ('\u{1f81}', "\u{1f89}"), ('\u{1f82}', "\u{1f8a}"), ('\u{1f83}', "\u{1f8b}"),
    ('\u{1f84}', "\u{1f8c}"), ('\u{1f85}', "\u{1f8d}"), ('\u{1f86}', "\u{1f8e}"), ('\u{1f87}', "\u{1f8f}"),
    ('\u{1f88}', "\u{1f88}"), ('\u{1f89}', "\u{1f89}"), ('\u{1f8a}', "\u{1f8a}"), ('\u{1f8b}', "\u{1f8b}"),
    ('\u{1f8c}', "\u{1f8c}"), ('\u{1f8d}', "\u{1f8d}"), ('\u{1f8e}', "\u{1f8e}"), ('\u{1f8f}', "\u{1f8f}"),
    ('\u{1f90}', "\u{1f98}"), ('\u{1f91}', "\u{1f99}"), ('\u{1f92}', "\u{1f9a}"), ('\u{1f93}', "\u{1f9b}"),
    ('\u{1f94}', "\u{1f9c}"), ('\u{1f95}', "\u{1f9d}"), ('\u{1f96}', "\u{1f9e}"), ('\u{1f97}', "\u{1f9f}"),
    ('\u{1f98}', "\u{1f98}"), ('\u{1f99}', "\u{1f99}"), ('\u{1f9a}', "\u{1f9a}"), ('\u{1f9b}', "\u{1f9b}"),
    ('\u{1f9c}', "\u{1f9c}"), ('\u{1f9d}', "\u{1f9d}"), ('\u{1f9e}', "\u{1f9e}"), ('\u{1f9f}', "\u{1f9f}"),
    ('\u{1fa0}', "\u{1fa8}"), ('\u{1fa1}', "\u{1fa9}"), ('\u{1fa2}', "\u{1faa}"), ('\u{1fa3}', "\u{1fab}"),
    ('\u{1fa4}', "\u{1fac}"), ('\u{1fa5}', "\u{1fad}"), ('\u{1fa6}', "\u{1fae}"), ('\u{1fa7}', "\u{1faf}"),
    ('\u{1fa8}', "\u{1fa8}"), ('\u{1fa9}', "\u{1fa9}"), ('\u{1faa}', "\u{1faa}"), ('\u{1fab}', "\u{1fab}"),
    ('\u{1fac}', "\u{1fac}"), ('\u{1fad}', "\u{1fad}"), ('\u{1fae}', "\u{1fae}"), ('\u{1faf}', "\u{1faf}"),
    ('\u{1fb2}', "\u{1fba}\u{345}"), ('\u{1fb3}', "\u{1fbc}"), ('\u{1fb4}', "\u{386}\u{345}"), ('\u{1fb7}', "\u{391}\u{342}\u{345}"),
    ('\u{1fbc}', "\u{1fbc}"), ('\u{1fc2}', "\u{1fca}\u{345}"), ('\u{1fc3}', "\u{1fcc}"), ('\u{1fc4}', "\u{389}\u{345}"),
    ('\u{1fc7}', "\u{397}\u{342}\u{345}"), ('\u{1fcc}', "\u{1fcc}"), ('\u{1ff2}', "\u{1ffa}\u{345}"), ('\u{1ff3}', "\u{1ffc}"),
    ('\u{1ff4}', "\u{38f}\u{345}"), ('\u{1ff7}', "\u{3a9}\u{342}\u{345}"), ('\u{1ffc}', "\u{1ffc}"), ('\u{fb00}', "\u{46}\u{66}"),
    ('\u{fb01}', "\u{46}\u{69}"), ('\u{fb02}', "\u{46}\u{6c}"), ('\u{fb03}', "\u{46}\u{66}\u{69}"), ('\u{fb04}', "\u{46}\u{66}\u{6c}"),
    ('\u{fb05}', "\u{53}\u{74}"), ('\u{fb06}', "\u{53}\u{74}"), ('\u{fb13}', "\u{544}\u{576}"), ('\u{fb14}', "\u{544}\u{565}"),
    ('\u{fb15}', "\u{544}\u{56b}"), ('\u{fb16}', "\u{54e}\u{576}"), ('\u{fb17}', "\u{544}\u{56d}"),
];
