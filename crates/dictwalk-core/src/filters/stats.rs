//! Statistics filters on lists: `sum`, `avg`, percentiles, `mode` and `stdev`, with the float
//! arithmetic in the same order as CPython 3.11 performs it (plain left-to-right sums).

use serde_json::Value;

use super::numeric::{float_pow, number_op, Op};
use super::py::{
    err, float_value, num, num_value, py_eq, py_float, type_error, type_name, Num, Res,
};

/// Python's `sum(items)`: `0 + a + b + ...` with the `+` operator's TypeError.
fn py_sum(items: &[Value]) -> Res<Num> {
    let mut total = Num::Int(0);
    for item in items {
        let Some(number) = num(item) else {
            let left = match total {
                Num::Int(_) => "int",
                Num::Float(_) => "float",
            };
            return Err(type_error(format!(
                "unsupported operand type(s) for +: '{left}' and '{}'",
                type_name(item)
            )));
        };
        total = number_op(total, number, Op::Add)?;
    }
    Ok(total)
}

/// `$sum`.
pub(crate) fn sum(value: &Value) -> Res<Value> {
    match value {
        Value::Array(items) => num_value(py_sum(items)?),
        other => Ok(other.clone()),
    }
}

/// `$avg`: `sum(value) / len(value)`; None when empty.
pub(crate) fn avg(value: &Value) -> Res<Value> {
    match value {
        Value::Array(items) if items.is_empty() => Ok(Value::Null),
        Value::Array(items) => {
            let total = py_sum(items)?;
            num_value(number_op(
                total,
                Num::Int(items.len() as i128),
                Op::TrueDiv,
            )?)
        }
        other => Ok(other.clone()),
    }
}

/// The items as floats, sorted in IEEE total order (negative NaN first, -0.0 before 0.0).
fn sorted_floats(items: &[Value]) -> Res<Vec<f64>> {
    let mut numbers = items.iter().map(py_float).collect::<Res<Vec<f64>>>()?;
    numbers.sort_by(f64::total_cmp);
    Ok(numbers)
}

/// Linear interpolation between the closest ranks, rank = percent / 100 * (n - 1).
fn percentile(ordered: &[f64], percent: f64) -> Res<f64> {
    let rank = percent / 100.0 * (ordered.len().saturating_sub(1)) as f64;
    if rank.is_nan() {
        return Err(err("ValueError", "cannot convert float NaN to integer"));
    }
    let (low, high) = (rank.floor(), rank.ceil());
    let at = |position: f64| {
        ordered
            .get(position as usize)
            .copied()
            .ok_or_else(|| err("IndexError", "list index out of range"))
    };
    let bottom = at(low)?;
    if low == high {
        return Ok(bottom);
    }
    let top = at(high)?;
    Ok(bottom + (top - bottom) * (rank - low))
}

/// `$median`, `$q1`, `$q3`: a fixed percentile; None when empty.
pub(crate) fn quantile(value: &Value, percent: f64) -> Res<Value> {
    match value {
        Value::Array(items) if items.is_empty() => Ok(Value::Null),
        Value::Array(items) => float_value(percentile(&sorted_floats(items)?, percent)?),
        other => Ok(other.clone()),
    }
}

/// `$iqr`: q3 - q1; None when empty.
pub(crate) fn iqr(value: &Value) -> Res<Value> {
    match value {
        Value::Array(items) if items.is_empty() => Ok(Value::Null),
        Value::Array(items) => {
            let ordered = sorted_floats(items)?;
            float_value(percentile(&ordered, 75.0)? - percentile(&ordered, 25.0)?)
        }
        other => Ok(other.clone()),
    }
}

/// `$pctile(p)`: None when empty or when p is outside 0..100.
pub(crate) fn pctile(value: &Value, percent: &Value) -> Res<Value> {
    match value {
        Value::Array(items) if items.is_empty() => Ok(Value::Null),
        Value::Array(items) => {
            let ordered = sorted_floats(items)?;
            let rank = py_float(percent)?;
            // Not `!(0.0..=100.0).contains(&rank)`: a NaN percent must pass this test, as in Python.
            #[allow(clippy::manual_range_contains)]
            let outside = rank < 0.0 || rank > 100.0;
            if outside {
                return Ok(Value::Null);
            }
            float_value(percentile(&ordered, rank)?)
        }
        other => Ok(other.clone()),
    }
}

/// `$mode`: the most frequent item (by `==`), the first seen on a tie; None when empty.
pub(crate) fn mode(value: &Value) -> Value {
    let Value::Array(items) = value else {
        return value.clone();
    };
    let mut counts: Vec<(&Value, usize)> = Vec::new();
    for item in items {
        match counts.iter_mut().find(|(seen, _)| py_eq(seen, item)) {
            Some(entry) => entry.1 += 1,
            None => counts.push((item, 1)),
        }
    }
    let mut best: Option<(&Value, usize)> = None;
    for (item, count) in counts {
        if best.is_none_or(|(_, top)| count > top) {
            best = Some((item, count));
        }
    }
    best.map_or(Value::Null, |(item, _)| item.clone())
}

/// `$stdev`: the population standard deviation of the items as floats; None when empty.
pub(crate) fn stdev(value: &Value) -> Res<Value> {
    let Value::Array(items) = value else {
        return Ok(value.clone());
    };
    if items.is_empty() {
        return Ok(Value::Null);
    }
    let numbers = items.iter().map(py_float).collect::<Res<Vec<f64>>>()?;
    let count = numbers.len() as f64;
    // sum() starts from the int 0, so the first addition turns -0.0 into 0.0.
    let mean = numbers.iter().fold(0.0, |total, number| total + number) / count;
    let mut squares = 0.0;
    for number in &numbers {
        squares += float_pow(number - mean, 2.0)?;
    }
    float_value((squares / count).sqrt())
}
