//! Date filters without a date crate: CPython 3.11's `datetime.fromisoformat`,
//! `datetime.fromtimestamp(t, timezone.utc)`, `strptime` and `strftime` (glibc, C locale),
//! re-implemented on a small proleptic-Gregorian model.
//!
//! A datetime is not a JSON value, so `$to_datetime` answers with a TypeError where Python
//! would return one (and with Python's own error where parsing fails); `$strftime`,
//! `$timestamp`, `$age_seconds`, `$before` and `$after` compute their JSON results exactly.
//! Two local-time cases are only exact on a machine whose local zone is UTC, and are a
//! TypeError elsewhere: `$timestamp` of a naive datetime, and strftime's `%s`.
//!
//! The filters themselves are here. `datetime` is the model (the fields, Python's checks and
//! `str()`, the calendar arithmetic, `fromtimestamp`), `iso` is `fromisoformat`, `strftime`
//! formats a datetime and `strptime` parses one with a format.

mod datetime;
mod iso;
mod strftime;
mod strptime;

use std::cmp::Ordering;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

use datetime::{days_from_civil, fromtimestamp, DateTime};
use iso::fromisoformat;
use strftime::strftime;
use strptime::strptime;

use super::numeric::int_true_div;
use super::py::{arg_type_name, float_value, num, type_error, value_error, Res};

const MICROS_PER_SECOND: i128 = 1_000_000;
const MICROS_PER_DAY: i128 = 86_400 * MICROS_PER_SECOND;

/// filters.py's `_to_datetime` without a format: numbers are Unix timestamps (UTC), strs are
/// ISO 8601 with every `Z` read as `+00:00`; anything else has no datetime (None).
fn to_datetime_value(value: &Value) -> Res<Option<DateTime>> {
    if let Some(number) = num(value) {
        return fromtimestamp(number).map(Some);
    }
    match value {
        Value::String(text) => fromisoformat(&text.replace('Z', "+00:00")).map(Some),
        _ => Ok(None),
    }
}

/// The TypeError for a datetime result, which JSON cannot represent.
fn not_json(moment: &DateTime) -> super::FilterError {
    super::py::not_json(
        "TypeError",
        format!(
            "$to_datetime gives the datetime {}, which JSON cannot represent",
            moment.to_python_str()
        ),
    )
}

/// `$to_datetime` / `$to_datetime(fmt)`: None for values without a datetime, Python's error
/// when parsing fails, and a TypeError for a parsed datetime (JSON cannot hold one).
pub(crate) fn to_datetime(value: &Value, format: Option<&Value>) -> Res<Value> {
    if let (Some(format), Value::String(text)) = (format, value) {
        let Value::String(format) = format else {
            return Err(type_error(format!(
                "strptime() argument 2 must be str, not {}",
                arg_type_name(format)
            )));
        };
        let moment = strptime(text, format)?;
        return Err(not_json(&moment));
    }
    match to_datetime_value(value)? {
        Some(moment) => Err(not_json(&moment)),
        None => Ok(Value::Null),
    }
}

/// `$strftime(fmt)`: None when the value has no datetime or does not parse (ValueError).
pub(crate) fn strftime_filter(value: &Value, format: &Value) -> Res<Value> {
    let moment = match to_datetime_value(value) {
        Ok(Some(moment)) => moment,
        Ok(None) => return Ok(Value::Null),
        Err(error) if error.kind == "ValueError" => return Ok(Value::Null),
        Err(error) => return Err(error),
    };
    let Value::String(format) = format else {
        return Err(type_error(format!(
            "strftime() argument 1 must be str, not {}",
            arg_type_name(format)
        )));
    };
    Ok(Value::String(strftime(&moment, format)?))
}

/// Whether the machine's local time zone is UTC, so naive datetimes read as local time
/// have known UTC instants.
fn local_zone_is_utc() -> bool {
    const UTC_NAMES: [&str; 7] = ["UTC", "UCT", "GMT", "Zulu", "Universal", "UTC0", "GMT0"];
    let is_utc = |name: &str| {
        let name = name.trim_start_matches(':');
        let last = name.rsplit('/').next().unwrap_or(name);
        UTC_NAMES.contains(&last)
    };
    match std::env::var("TZ") {
        Ok(zone) if zone.is_empty() => true,
        Ok(zone) => is_utc(&zone),
        Err(_) => match std::fs::read_link("/etc/localtime") {
            Ok(target) => target.to_str().is_some_and(is_utc),
            Err(_) => !std::path::Path::new("/etc/localtime").exists(),
        },
    }
}

fn local_time_needed(what: &str) -> super::FilterError {
    type_error(format!(
        "{what} reads a naive datetime as local time, and the local time zone of this machine is not UTC"
    ))
}

/// `$timestamp`: the Unix timestamp of the value's datetime; None if it has none.
pub(crate) fn timestamp(value: &Value) -> Res<Value> {
    let Some(moment) = to_datetime_value(value)? else {
        return Ok(Value::Null);
    };
    if moment.offset.is_some() {
        // (self - epoch).total_seconds(): exact microseconds, divided once.
        return float_value(int_true_div(moment.utc_micros(), MICROS_PER_SECOND));
    }
    if !local_zone_is_utc() {
        return Err(local_time_needed("$timestamp"));
    }
    // CPython's local_to_seconds probes the local time a day earlier, which fails for the
    // first day of year 1; then it adds the microseconds as a float.
    let seconds = moment.local_micros().div_euclid(MICROS_PER_SECOND);
    let first_second = i128::from(days_from_civil(1, 1, 1)) * 86_400;
    if seconds - 86_400 < first_second {
        return Err(value_error("year 0 is out of range"));
    }
    float_value(seconds as f64 + f64::from(moment.micro) / 1e6)
}

/// `$age_seconds`: seconds from the value's datetime to now.
pub(crate) fn age_seconds(value: &Value) -> Res<Value> {
    let Some(moment) = to_datetime_value(value)? else {
        return Ok(Value::Null);
    };
    if moment.offset.is_none() {
        return Err(type_error(
            "can't subtract offset-naive and offset-aware datetimes",
        ));
    }
    // datetime.now() floors the system clock to microseconds.
    let now = match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(elapsed) => i128::try_from(elapsed.as_micros()).unwrap_or(i128::MAX),
        Err(before) => -i128::try_from(before.duration().as_micros()).unwrap_or(i128::MAX),
    };
    float_value(int_true_div(now - moment.utc_micros(), MICROS_PER_SECOND))
}

/// `$before(x)` / `$after(x)`: False when either side has no datetime; naive against aware
/// compares the `str()` forms, as every comparison in filters.py falls back to.
pub(crate) fn date_compare(value: &Value, other: &Value, later: bool) -> Res<Value> {
    let Some(moment) = to_datetime_value(value)? else {
        return Ok(Value::Bool(false));
    };
    let Some(reference) = to_datetime_value(other)? else {
        return Ok(Value::Bool(false));
    };
    let ordering = match (moment.offset, reference.offset) {
        (Some(_), Some(_)) => moment.utc_micros().cmp(&reference.utc_micros()),
        (None, None) => moment.local_micros().cmp(&reference.local_micros()),
        _ => moment.to_python_str().cmp(&reference.to_python_str()),
    };
    let wanted = if later {
        Ordering::Greater
    } else {
        Ordering::Less
    };
    Ok(Value::Bool(ordering == wanted))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filters::py::Num;
    use serde_json::json;

    #[test]
    fn timestamps_and_formats() {
        assert_eq!(
            timestamp(&json!("1970-01-02T00:00:00+01:00")).ok(),
            Some(json!(82800.0))
        );
        let moment = fromtimestamp(Num::Float(1_700_000_000.5)).ok();
        assert_eq!(
            moment.map(|m| m.to_python_str()),
            Some("2023-11-14 22:13:20.500000+00:00".to_owned())
        );
        let moment = fromisoformat("0005-01-01T13:05:09").ok();
        let text = moment.and_then(|m| strftime(&m, "%F|%c|%j|%V|%G|%-y|%5a|%I%p").ok());
        assert_eq!(
            text.as_deref(),
            Some("5-01-01|Sat Jan  1 13:05:09 5|001|53|4|5|  Sat|01PM")
        );
    }
}
