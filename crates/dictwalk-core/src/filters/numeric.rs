//! Numeric filters and the Python arithmetic beneath them: dunder dispatch as dictwalk 2.6.0
//! does it, `//` and `%` with Python's sign rules, correctly rounded int division, `**`,
//! `round()` and the `math` functions.

use std::cmp::Ordering;

use serde_json::Value;

use super::py::{
    compare, err, float_to_int, float_value, index_of, int_value, no_attribute, not_json, num,
    num_value, py_eq, py_float, richcmp, type_error, type_name, CmpOp, Num, Res,
};
use super::text;

/// A binary arithmetic operator that filters.py dispatches through dunder methods.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    Add,
    Sub,
    Mul,
    TrueDiv,
    FloorDiv,
    Mod,
}

impl Op {
    fn dunder(self) -> &'static str {
        match self {
            Op::Add => "add",
            Op::Sub => "sub",
            Op::Mul => "mul",
            Op::TrueDiv => "truediv",
            Op::FloorDiv => "floordiv",
            Op::Mod => "mod",
        }
    }

    fn symbol(self) -> &'static str {
        match self {
            Op::Add => "+",
            Op::Sub => "-",
            Op::Mul => "*",
            Op::TrueDiv => "/",
            Op::FloorDiv => "//",
            Op::Mod => "%",
        }
    }
}

/// What a dunder method gave: a value, or `NotImplemented`.
enum Outcome {
    Value(Value),
    NotImplemented,
}

/// filters.py's `_arithmetic`: `value.__op__(other)`, then `other.__rop__(value)`, then the
/// operator's TypeError. A type without the method raises AttributeError, as in 2.6.0.
pub(crate) fn arithmetic(value: &Value, other: &Value, op: Op) -> Res<Value> {
    if let Outcome::Value(result) = forward(value, other, op)? {
        return Ok(result);
    }
    if let Outcome::Value(result) = reflected(other, value, op)? {
        return Ok(result);
    }
    Err(type_error(format!(
        "unsupported operand type(s) for {}: '{}' and '{}'",
        op.symbol(),
        type_name(value),
        type_name(other)
    )))
}

/// `value.__op__(other)`.
fn forward(value: &Value, other: &Value, op: Op) -> Res<Outcome> {
    if let Some(left) = num(value) {
        return Ok(match num(other) {
            Some(right) => Outcome::Value(num_value(number_op(left, right, op)?)?),
            None => Outcome::NotImplemented,
        });
    }
    match (value, op) {
        (Value::String(text), Op::Add) => match other {
            Value::String(tail) => Ok(Outcome::Value(Value::String(format!("{text}{tail}")))),
            _ => Err(type_error(format!(
                "can only concatenate str (not \"{}\") to str",
                type_name(other)
            ))),
        },
        (Value::Array(items), Op::Add) => match other {
            Value::Array(tail) => Ok(Outcome::Value(Value::Array(
                items.iter().chain(tail).cloned().collect(),
            ))),
            _ => Err(type_error(format!(
                "can only concatenate list (not \"{}\") to list",
                type_name(other)
            ))),
        },
        (Value::String(_) | Value::Array(_), Op::Mul) => repeat(value, other).map(Outcome::Value),
        (Value::String(format), Op::Mod) => {
            text::percent_format(format, other).map(|out| Outcome::Value(Value::String(out)))
        }
        _ => Err(no_attribute(value, &format!("__{}__", op.dunder()))),
    }
}

/// `value.__rop__(other)` for a value that is not a number (numbers were handled forward).
fn reflected(value: &Value, other: &Value, op: Op) -> Res<Outcome> {
    match (value, op) {
        (Value::String(_) | Value::Array(_), Op::Mul) => repeat(value, other).map(Outcome::Value),
        // str.__rmod__ exists but only formats when the left side is a str.
        (Value::String(_), Op::Mod) => Ok(Outcome::NotImplemented),
        _ => Err(no_attribute(value, &format!("__r{}__", op.dunder()))),
    }
}

/// The most items a repeated str or list may have; CPython would try to allocate more and
/// fail with MemoryError on this machine size, and so do we, without trying.
const MAX_REPEAT: u128 = 1 << 28;

/// `sequence * count` for a str or list.
fn repeat(sequence: &Value, count: &Value) -> Res<Value> {
    let times = index_of(count)?;
    if times > i128::from(i64::MAX) || times < i128::from(i64::MIN) {
        return Err(err(
            "OverflowError",
            "cannot fit 'int' into an index-sized integer",
        ));
    }
    let times = usize::try_from(times.max(0)).unwrap_or(0);
    let unit = match sequence {
        Value::String(text) => text.chars().count(),
        Value::Array(items) => items.len(),
        _ => 0,
    };
    let total = (unit as u128) * (times as u128);
    if total > i64::MAX as u128 {
        // CPython: an OverflowError for a str, a MemoryError for a list.
        return Err(match sequence {
            Value::String(_) => err("OverflowError", "repeated string is too long"),
            _ => err("MemoryError", ""),
        });
    }
    if total > MAX_REPEAT {
        return Err(err("MemoryError", ""));
    }
    Ok(match sequence {
        Value::String(text) => Value::String(text.repeat(times)),
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len() * times);
            for _ in 0..times {
                out.extend(items.iter().cloned());
            }
            Value::Array(out)
        }
        other => other.clone(),
    })
}

/// `left <op> right` on two numbers, with Python's result types and rules.
pub(crate) fn number_op(left: Num, right: Num, op: Op) -> Res<Num> {
    match (left, right) {
        (Num::Int(a), Num::Int(b)) => int_op(a, b, op),
        _ => float_op(left.to_f64(), right.to_f64(), op).map(Num::Float),
    }
}

fn overflow() -> super::FilterError {
    not_json(
        "OverflowError",
        "the int result does not fit in 128 bits; Python would give a big int, JSON cannot hold it",
    )
}

fn int_op(a: i128, b: i128, op: Op) -> Res<Num> {
    let zero = || err("ZeroDivisionError", "integer division or modulo by zero");
    Ok(match op {
        Op::Add => Num::Int(a.checked_add(b).ok_or_else(overflow)?),
        Op::Sub => Num::Int(a.checked_sub(b).ok_or_else(overflow)?),
        Op::Mul => Num::Int(a.checked_mul(b).ok_or_else(overflow)?),
        Op::TrueDiv => {
            if b == 0 {
                return Err(err("ZeroDivisionError", "division by zero"));
            }
            Num::Float(int_true_div(a, b))
        }
        Op::FloorDiv => {
            if b == 0 {
                return Err(zero());
            }
            Num::Int(floor_div(a, b).ok_or_else(overflow)?)
        }
        Op::Mod => {
            if b == 0 {
                return Err(zero());
            }
            Num::Int(
                a.checked_rem_euclid(b)
                    .map(|rem| if b < 0 && rem != 0 { rem + b } else { rem })
                    .ok_or_else(overflow)?,
            )
        }
    })
}

/// Python's `a // b` on ints: the floor of the quotient.
fn floor_div(a: i128, b: i128) -> Option<i128> {
    let quotient = a.checked_div(b)?;
    let remainder = a.checked_rem(b)?;
    Some(if remainder != 0 && ((remainder < 0) != (b < 0)) {
        quotient - 1
    } else {
        quotient
    })
}

fn float_op(a: f64, b: f64, op: Op) -> Res<f64> {
    Ok(match op {
        Op::Add => a + b,
        Op::Sub => a - b,
        Op::Mul => a * b,
        Op::TrueDiv => {
            if b == 0.0 {
                return Err(err("ZeroDivisionError", "float division by zero"));
            }
            a / b
        }
        Op::FloorDiv => {
            if b == 0.0 {
                return Err(err("ZeroDivisionError", "float floor division by zero"));
            }
            float_div_mod(a, b).0
        }
        Op::Mod => {
            if b == 0.0 {
                return Err(err("ZeroDivisionError", "float modulo"));
            }
            float_div_mod(a, b).1
        }
    })
}

/// CPython's `_float_div_mod`: floor quotient and remainder with the divisor's sign.
pub(crate) fn float_div_mod(vx: f64, wx: f64) -> (f64, f64) {
    let mut modulo = vx % wx;
    let mut div = (vx - modulo) / wx;
    if modulo != 0.0 {
        if (wx < 0.0) != (modulo < 0.0) {
            modulo += wx;
            div -= 1.0;
        }
    } else {
        modulo = 0.0_f64.copysign(wx);
    }
    let floordiv = if div != 0.0 {
        let mut floored = div.floor();
        if div - floored > 0.5 {
            floored += 1.0;
        }
        floored
    } else {
        0.0_f64.copysign(vx / wx)
    };
    (floordiv, modulo)
}

/// Python's `a / b` on ints: the correctly rounded quotient (not `a as f64 / b as f64`,
/// which rounds twice once an operand passes 2**53).
pub(crate) fn int_true_div(a: i128, b: i128) -> f64 {
    const EXACT: u128 = 1 << 53;
    let negative = (a < 0) != (b < 0);
    let (num, den) = (a.unsigned_abs(), b.unsigned_abs());
    let magnitude = if num == 0 {
        0.0
    } else if num <= EXACT && den <= EXACT {
        num as f64 / den as f64
    } else if den.leading_zeros() < 56 {
        // Divisors this large do not come out of JSON ints; fall back to float division.
        num as f64 / den as f64
    } else {
        rounded_quotient(num, den)
    };
    if negative {
        -magnitude
    } else {
        magnitude
    }
}

/// `num / den` rounded to nearest, ties to even, for `den < 2**72`.
fn rounded_quotient(num: u128, den: u128) -> f64 {
    let num_bits = 128 - num.leading_zeros() as i32;
    let den_bits = 128 - den.leading_zeros() as i32;
    // Scale so that the integer quotient has at least 55 bits (53 kept, a guard bit and more).
    let shift = (56 - (num_bits - den_bits)).max(0);
    let scaled = num << shift;
    let mut quotient = scaled / den;
    let sticky = scaled % den != 0;
    let bits = 128 - quotient.leading_zeros() as i32;
    let extra = bits - 53;
    let mut exponent = -shift;
    if extra > 0 {
        let dropped = quotient & ((1u128 << extra) - 1);
        let half = 1u128 << (extra - 1);
        quotient >>= extra;
        exponent += extra;
        if dropped > half || (dropped == half && (sticky || quotient & 1 == 1)) {
            quotient += 1;
        }
    }
    // The mantissa has at most 54 bits here, so the conversion is exact.
    ldexp(quotient as f64, exponent)
}

/// `mantissa * 2**exponent`, exact while the result is a normal float.
fn ldexp(mantissa: f64, exponent: i32) -> f64 {
    let mut result = mantissa;
    let mut remaining = exponent;
    while remaining > 0 {
        let step = remaining.min(1000);
        result *= pow2(step);
        remaining -= step;
    }
    while remaining < 0 {
        let step = remaining.max(-1000);
        result *= pow2(step);
        remaining -= step;
    }
    result
}

fn pow2(exponent: i32) -> f64 {
    // Build 2**exponent from its bits; exponent is within -1000..=1000, a normal float.
    let biased = u64::try_from(exponent + 1023).unwrap_or(1023);
    f64::from_bits(biased << 52)
}

/// `$inc`, `$dec`, `$double`, `$square` and the one-argument arithmetic filters.
pub(crate) fn binary(value: &Value, other: &Value, op: Op) -> Res<Value> {
    arithmetic(value, other, op)
}

/// `$div`, `$idiv`, `$mod`: None when the divisor equals 0 (0, 0.0 and False do).
pub(crate) fn guarded_division(value: &Value, divisor: &Value, op: Op) -> Res<Value> {
    if py_eq(divisor, &Value::from(0)) {
        return Ok(Value::Null);
    }
    arithmetic(value, divisor, op)
}

/// `$neg`: `value.__neg__()`.
pub(crate) fn neg(value: &Value) -> Res<Value> {
    match num(value) {
        Some(Num::Int(int)) => int_value(-int),
        Some(Num::Float(float)) => float_value(-float),
        None => Err(no_attribute(value, "__neg__")),
    }
}

/// The TypeError of `math.floor("a")` and the other `math` functions.
fn real_number(value: &Value) -> Res<Num> {
    num(value).ok_or_else(|| type_error(format!("must be real number, not {}", type_name(value))))
}

/// `$floor` and `$ceil`: `math.floor` / `math.ceil`, an int.
pub(crate) fn floor_ceil(value: &Value, ceil: bool) -> Res<Value> {
    match real_number(value)? {
        Num::Int(int) => int_value(int),
        Num::Float(float) => {
            let rounded = if ceil { float.ceil() } else { float.floor() };
            int_value(float_to_int(rounded)?)
        }
    }
}

/// `$abs`.
pub(crate) fn abs(value: &Value) -> Res<Value> {
    match num(value) {
        Some(Num::Int(int)) => int_value(int.abs()),
        Some(Num::Float(float)) => float_value(float.abs()),
        None => Err(type_error(format!(
            "bad operand type for abs(): '{}'",
            type_name(value)
        ))),
    }
}

/// `$sign`: 1, -1 or 0 by comparison with 0, with the str() fallback.
pub(crate) fn sign(value: &Value) -> Value {
    let zero = Value::from(0);
    if compare(CmpOp::Gt, value, &zero) {
        Value::from(1)
    } else if compare(CmpOp::Lt, value, &zero) {
        Value::from(-1)
    } else {
        Value::from(0)
    }
}

/// `$exp`: `math.exp`.
pub(crate) fn exp(value: &Value) -> Res<Value> {
    let x = real_number(value)?.to_f64();
    let result = x.exp();
    if result.is_infinite() && x.is_finite() {
        return Err(err("OverflowError", "math range error"));
    }
    float_value(result)
}

/// Python's `base ** exponent` (the `**` operator, so TypeErrors rather than AttributeErrors).
pub(crate) fn power(base: &Value, exponent: &Value) -> Res<Value> {
    let (Some(left), Some(right)) = (num(base), num(exponent)) else {
        return Err(type_error(format!(
            "unsupported operand type(s) for ** or pow(): '{}' and '{}'",
            type_name(base),
            type_name(exponent)
        )));
    };
    match (left, right) {
        (Num::Int(a), Num::Int(b)) if b >= 0 => int_value(int_pow(a, b)?),
        _ => float_value(float_pow(left.to_f64(), right.to_f64())?),
    }
}

fn int_pow(base: i128, exponent: i128) -> Res<i128> {
    let big = || {
        not_json(
            "OverflowError",
            format!("{base} ** {exponent} does not fit in 64 bits; Python would give a big int, JSON cannot hold it"),
        )
    };
    match base {
        0 => return Ok(i128::from(exponent == 0)),
        1 => return Ok(1),
        -1 => return Ok(if exponent % 2 == 0 { 1 } else { -1 }),
        _ => {}
    }
    let exponent = u32::try_from(exponent).map_err(|_| big())?;
    base.checked_pow(exponent).ok_or_else(big)
}

/// CPython's `float_pow` for finite operands (JSON floats are finite).
pub(crate) fn float_pow(iv: f64, iw: f64) -> Res<f64> {
    if iw == 0.0 {
        return Ok(1.0);
    }
    if iv.is_nan() {
        return Ok(iv);
    }
    if iw.is_nan() {
        return Ok(if iv == 1.0 { 1.0 } else { iw });
    }
    let iw_is_odd = iw.is_finite() && iw % 2.0 == 1.0 || iw % 2.0 == -1.0;
    if iw.is_infinite() {
        let magnitude = iv.abs();
        return Ok(if magnitude == 1.0 {
            1.0
        } else if (iw > 0.0) == (magnitude > 1.0) {
            f64::INFINITY
        } else {
            0.0
        });
    }
    if iv.is_infinite() {
        return Ok(if iw > 0.0 {
            if iw_is_odd {
                iv
            } else {
                iv.abs()
            }
        } else if iw_is_odd {
            0.0_f64.copysign(iv)
        } else {
            0.0
        });
    }
    if iv == 0.0 {
        if iw < 0.0 {
            return Err(err(
                "ZeroDivisionError",
                "0.0 cannot be raised to a negative power",
            ));
        }
        return Ok(if iw_is_odd { iv } else { 0.0 });
    }
    let mut base = iv;
    let mut negate = false;
    if iv < 0.0 {
        if iw != iw.floor() {
            // CPython hands this to complex pow, which fails when |base| ** exponent overflows.
            if (-iv).powf(iw).is_infinite() {
                return Err(err("OverflowError", "complex exponentiation"));
            }
            return Err(not_json(
                "TypeError",
                format!(
                    "{} ** {} is a complex number, which JSON cannot represent",
                    crate::pyfmt::float_repr(iv),
                    crate::pyfmt::float_repr(iw)
                ),
            ));
        }
        base = -iv;
        negate = iw_is_odd;
    }
    if base == 1.0 {
        return Ok(if negate { -1.0 } else { 1.0 });
    }
    let result = base.powf(iw);
    if result.is_infinite() {
        return Err(err(
            "OverflowError",
            "(34, 'Numerical result out of range')",
        ));
    }
    Ok(if negate { -result } else { result })
}

/// `$sqrt`: None below 0 (str() fallback), else `value ** 0.5`.
pub(crate) fn sqrt(value: &Value) -> Res<Value> {
    if compare(CmpOp::Lt, value, &Value::from(0)) {
        return Ok(Value::Null);
    }
    power(value, &Value::from(0.5))
}

/// `$root(degree)`: None if value < 0 or degree <= 0, else `value ** (1 / degree)`.
pub(crate) fn root(value: &Value, degree: &Value) -> Res<Value> {
    let zero = Value::from(0);
    if compare(CmpOp::Lt, value, &zero) || compare(CmpOp::Le, degree, &zero) {
        return Ok(Value::Null);
    }
    let inverse = arithmetic(&Value::from(1), degree, Op::TrueDiv)?;
    power(value, &inverse)
}

/// `$pct(p)`: `float(value) * (float(p) / 100)`, the rate computed first (which decides the
/// rounding and which bad input is reported).
pub(crate) fn pct(value: &Value, percent: &Value) -> Res<Value> {
    let rate = py_float(percent)? / 100.0;
    float_value(py_float(value)? * rate)
}

/// `$round` / `$round(n)`: `value.__round__(*ndigits)`.
pub(crate) fn round(value: &Value, ndigits: Option<&Value>) -> Res<Value> {
    let number = num(value).ok_or_else(|| no_attribute(value, "__round__"))?;
    // float.__round__(None) rounds to an int like no argument; int.__round__(None) is a TypeError.
    let ndigits = ndigits.filter(|digits| !(digits.is_null() && matches!(number, Num::Float(_))));
    let digits = ndigits.map(index_of).transpose()?;
    match (number, digits) {
        (Num::Int(int), None) => int_value(int),
        (Num::Int(int), Some(digits)) => int_value(round_int(int, digits)),
        (Num::Float(float), None) => {
            if float.is_nan() {
                return Err(err("ValueError", "cannot convert float NaN to integer"));
            }
            int_value(float_to_int(float.round_ties_even())?)
        }
        (Num::Float(float), Some(digits)) => float_value(round_float(float, digits)?),
    }
}

/// `int.__round__(ndigits)`: half to even at 10**-ndigits.
fn round_int(int: i128, ndigits: i128) -> i128 {
    if ndigits >= 0 {
        return int;
    }
    let Some(scale) = u32::try_from(-ndigits)
        .ok()
        .and_then(|power| 10i128.checked_pow(power))
    else {
        return 0;
    };
    let remainder = int.rem_euclid(scale);
    let base = int - remainder;
    // remainder * 2 against scale, written so that it cannot overflow.
    match remainder.cmp(&(scale - remainder)) {
        Ordering::Less => base,
        Ordering::Greater => base + scale,
        Ordering::Equal => {
            if (base / scale) % 2 == 0 {
                base
            } else {
                base + scale
            }
        }
    }
}

/// `float.__round__(ndigits)`: the exact decimal value rounded half to even, read back
/// (CPython rounds through `_Py_dg_dtoa` mode 3 and `_Py_dg_strtod`).
fn round_float(float: f64, ndigits: i128) -> Res<f64> {
    if !float.is_finite() || float == 0.0 {
        return Ok(float);
    }
    if ndigits > 323 {
        return Ok(float);
    }
    if ndigits < -308 {
        return Ok(0.0 * float);
    }
    let ndigits = ndigits as i32;
    // The exact decimal expansion: a double has at most 1074 digits after the point.
    let exact = format!("{:.1074}", float.abs());
    let (whole, fraction) = exact.split_once('.').unwrap_or((exact.as_str(), ""));
    let digits: Vec<u8> = whole
        .bytes()
        .chain(fraction.bytes())
        .map(|byte| byte - b'0')
        .collect();
    // Keep the digits up to `ndigits` places after the point.
    let keep = whole.len() as i64 + i64::from(ndigits);
    if keep < 0 {
        // Rounding at a place above the leading digit: the value is below half of it.
        return Ok(0.0_f64.copysign(float));
    }
    let keep = keep as usize;
    let mut kept: Vec<u8> = digits.iter().copied().take(keep).collect();
    let rest: &[u8] = digits.get(keep..).unwrap_or(&[]);
    let round_up = match rest.first() {
        None => false,
        Some(&first) => {
            let beyond = rest.get(1..).unwrap_or(&[]).iter().any(|&d| d > 0);
            first > 5 || (first == 5 && (beyond || kept.last().is_some_and(|d| d % 2 == 1)))
        }
    };
    if round_up {
        let mut index = kept.len();
        loop {
            if index == 0 {
                kept.insert(0, 1);
                break;
            }
            index -= 1;
            if let Some(digit) = kept.get_mut(index) {
                if *digit == 9 {
                    *digit = 0;
                } else {
                    *digit += 1;
                    break;
                }
            }
        }
    }
    let mantissa: String = kept.iter().map(|d| char::from(b'0' + d)).collect();
    let mantissa = if mantissa.is_empty() {
        "0".to_owned()
    } else {
        mantissa
    };
    let text = format!("{mantissa}e{}", -ndigits);
    let magnitude: f64 = text.parse().unwrap_or(0.0);
    if magnitude.is_infinite() {
        return Err(err("OverflowError", "rounded value too large to represent"));
    }
    Ok(magnitude.copysign(float))
}

/// `$clamp(low, high)`: max-then-min with these exact comparisons (TypeErrors propagate).
pub(crate) fn clamp(value: &Value, low: &Value, high: &Value) -> Res<Value> {
    let raised = if richcmp(value, low, CmpOp::Gt)? {
        value
    } else {
        low
    };
    Ok(if richcmp(raised, high, CmpOp::Lt)? {
        raised.clone()
    } else {
        high.clone()
    })
}

/// `$log` / `$log(base)`: None unless value > 0, base > 0 and base != 1 (tested as "not
/// greater than 0", so that NaN gives None).
pub(crate) fn log(value: &Value, base: Option<&Value>) -> Res<Value> {
    let zero = Value::from(0);
    if !compare(CmpOp::Gt, value, &zero) {
        return Ok(Value::Null);
    }
    let Some(base) = base else {
        return float_value(real_log(value)?);
    };
    if !compare(CmpOp::Gt, base, &zero) || py_eq(base, &Value::from(1)) {
        return Ok(Value::Null);
    }
    let numerator = real_log(value)?;
    let denominator = real_log(base)?;
    if denominator == 0.0 {
        return Err(err("ZeroDivisionError", "float division by zero"));
    }
    float_value(numerator / denominator)
}

/// `math.log` of one argument (CPython's `loghelper`).
fn real_log(value: &Value) -> Res<f64> {
    let x = real_number(value)?.to_f64();
    if x <= 0.0 || x.is_nan() {
        return Err(err("ValueError", "math domain error"));
    }
    Ok(x.ln())
}

/// `$even` / `$odd`: for ints (bools too) only.
pub(crate) fn parity(value: &Value, want_odd: bool) -> Value {
    let result = match num(value) {
        Some(Num::Int(int)) => (int.rem_euclid(2) == 1) == want_odd,
        _ => false,
    };
    Value::Bool(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn int_true_division_rounds_once() {
        // Python: (2**62 + 1) / 3 == 1.5372286728091293e+18
        assert_eq!(int_true_div((1 << 62) + 1, 3), 1.537_228_672_809_129_3e18);
        assert_eq!(int_true_div(-7, 2), -3.5);
        assert_eq!(
            int_true_div(i128::from(u64::MAX), 1),
            1.844_674_407_370_955_2e19
        );
    }

    #[test]
    fn python_floor_division_and_modulo() {
        assert_eq!(int_op(-7, 2, Op::FloorDiv).ok(), Some(Num::Int(-4)));
        assert_eq!(int_op(-7, 2, Op::Mod).ok(), Some(Num::Int(1)));
        assert_eq!(int_op(7, -2, Op::Mod).ok(), Some(Num::Int(-1)));
        assert_eq!(float_div_mod(7.5, -2.0), (-4.0, -0.5));
    }

    #[test]
    fn rounding_is_half_even_on_the_exact_value() {
        assert_eq!(
            round(&json!(2.675), Some(&json!(2))).ok(),
            Some(json!(2.67))
        );
        assert_eq!(
            round(&json!(0.125), Some(&json!(2))).ok(),
            Some(json!(0.12))
        );
        assert_eq!(round(&json!(2.5), None).ok(), Some(json!(2)));
        assert_eq!(round(&json!(25), Some(&json!(-1))).ok(), Some(json!(20)));
        assert_eq!(
            round(&json!(1234.5), Some(&json!(-2))).ok(),
            Some(json!(1200.0))
        );
    }
}
