//! Date filters without a date crate: CPython 3.11's `datetime.fromisoformat`,
//! `datetime.fromtimestamp(t, timezone.utc)`, `strptime` and `strftime` (glibc, C locale),
//! re-implemented on a small proleptic-Gregorian model.
//!
//! A datetime is not a JSON value, so `$to_datetime` answers with a TypeError where Python
//! would return one (and with Python's own error where parsing fails); `$strftime`,
//! `$timestamp`, `$age_seconds`, `$before` and `$after` compute their JSON results exactly.
//! Two local-time cases are only exact on a machine whose local zone is UTC, and are a
//! TypeError elsewhere: `$timestamp` of a naive datetime, and strftime's `%s`.

use std::cmp::Ordering;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

use super::numeric::int_true_div;
use super::py::{arg_type_name, err, float_value, num, type_error, value_error, Num, Res};
use crate::pyfmt::str_repr;

const MICROS_PER_SECOND: i128 = 1_000_000;
const MICROS_PER_DAY: i128 = 86_400 * MICROS_PER_SECOND;
const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;

/// A Python datetime: local fields and, when aware, the UTC offset in microseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DateTime {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    micro: u32,
    offset: Option<i64>,
}

impl DateTime {
    /// Microseconds since 1970-01-01T00:00:00 of the local fields.
    fn local_micros(&self) -> i128 {
        i128::from(days_from_civil(self.year, self.month, self.day)) * MICROS_PER_DAY
            + i128::from(self.hour) * 3_600 * MICROS_PER_SECOND
            + i128::from(self.minute) * 60 * MICROS_PER_SECOND
            + i128::from(self.second) * MICROS_PER_SECOND
            + i128::from(self.micro)
    }

    /// Microseconds since the Unix epoch of an aware datetime (the local fields if naive).
    fn utc_micros(&self) -> i128 {
        self.local_micros() - i128::from(self.offset.unwrap_or(0))
    }

    /// Python's `str(datetime)`: `YYYY-MM-DD HH:MM:SS[.ffffff][+HH:MM[:SS[.ffffff]]]`.
    fn to_python_str(self) -> String {
        let mut out = format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        );
        if self.micro != 0 {
            out.push_str(&format!(".{:06}", self.micro));
        }
        if let Some(offset) = self.offset {
            out.push_str(&format_offset(offset, ":"));
        }
        out
    }

    /// Monday is 0, as `date.weekday()`.
    fn weekday(&self) -> i64 {
        (days_from_civil(self.year, self.month, self.day) + 3).rem_euclid(7)
    }

    /// The day of the year, 1-based.
    fn yday(&self) -> i64 {
        days_from_civil(self.year, self.month, self.day) - days_from_civil(self.year, 1, 1) + 1
    }
}

/// `+HH<sep>MM[<sep>SS[.ffffff]]`, as Python's `format_utcoffset`.
fn format_offset(offset: i64, sep: &str) -> String {
    let sign = if offset < 0 { '-' } else { '+' };
    let magnitude = offset.unsigned_abs();
    let micros = magnitude % 1_000_000;
    let seconds = magnitude / 1_000_000;
    let (hours, minutes, secs) = (seconds / 3600, (seconds / 60) % 60, seconds % 60);
    if micros != 0 {
        format!("{sign}{hours:02}{sep}{minutes:02}{sep}{secs:02}.{micros:06}")
    } else if secs != 0 {
        format!("{sign}{hours:02}{sep}{minutes:02}{sep}{secs:02}")
    } else {
        format!("{sign}{hours:02}{sep}{minutes:02}")
    }
}

/// Days from 1970-01-01 to the given proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date of a day count from 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The proleptic ordinal of a date (0001-01-01 is 1).
fn ordinal(year: i64, month: u32, day: u32) -> i64 {
    days_from_civil(year, month, day) + 719_163
}

/// `datetime(...)`'s argument checks, in CPython's order and words.
fn check_fields(
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    micro: i64,
) -> Res<()> {
    if !(1..=9999).contains(&year) {
        return Err(value_error(format!("year {year} is out of range")));
    }
    if !(1..=12).contains(&month) {
        return Err(value_error("month must be in 1..12"));
    }
    if day < 1 || day > i64::from(days_in_month(year, month as u32)) {
        return Err(value_error("day is out of range for month"));
    }
    if !(0..=23).contains(&hour) {
        return Err(value_error("hour must be in 0..23"));
    }
    if !(0..=59).contains(&minute) {
        return Err(value_error("minute must be in 0..59"));
    }
    if !(0..=59).contains(&second) {
        return Err(value_error("second must be in 0..59"));
    }
    if !(0..=999_999).contains(&micro) {
        return Err(value_error("microsecond must be in 0..999999"));
    }
    Ok(())
}

/// `repr()` of a timedelta of `micros` microseconds.
fn timedelta_repr(micros: i128) -> String {
    let days = micros.div_euclid(MICROS_PER_DAY);
    let rest = micros.rem_euclid(MICROS_PER_DAY);
    let (seconds, microseconds) = (rest / MICROS_PER_SECOND, rest % MICROS_PER_SECOND);
    let mut parts = Vec::new();
    if days != 0 {
        parts.push(format!("days={days}"));
    }
    if seconds != 0 {
        parts.push(format!("seconds={seconds}"));
    }
    if microseconds != 0 {
        parts.push(format!("microseconds={microseconds}"));
    }
    if parts.is_empty() {
        parts.push("0".to_owned());
    }
    format!("datetime.timedelta({})", parts.join(", "))
}

/// `timezone(timedelta(microseconds=offset))`'s range check.
fn check_offset(offset: i128) -> Res<i64> {
    if offset <= -MICROS_PER_DAY || offset >= MICROS_PER_DAY {
        return Err(value_error(format!(
            "offset must be a timedelta strictly between -timedelta(hours=24) and timedelta(hours=24), not {}.",
            timedelta_repr(offset)
        )));
    }
    Ok(offset as i64)
}

/// Reads a byte of the string, or NUL past its end (CPython parses a NUL-terminated buffer).
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn at(&self, index: usize) -> u8 {
        self.0.get(index).copied().unwrap_or(0)
    }

    /// CPython's `parse_digits`: exactly `count` ASCII digits.
    fn digits(&self, start: usize, count: usize) -> Option<i64> {
        let mut value = 0i64;
        for index in start..start + count {
            let byte = self.at(index);
            if !byte.is_ascii_digit() {
                return None;
            }
            value = value * 10 + i64::from(byte - b'0');
        }
        Some(value)
    }
}

/// CPython 3.11's `datetime.fromisoformat`, step for step (including its leniencies: any
/// separator character, `,` for `.`, ISO week dates, fractions of any length).
pub(crate) fn fromisoformat(text: &str) -> Res<DateTime> {
    let invalid = || value_error(format!("Invalid isoformat string: {}", str_repr(text)));
    let mut chars: Vec<char> = text.chars().collect();
    if chars.len() < 7 {
        return Err(invalid());
    }
    // CPython accepts any character as the separator: a non-ASCII one at the places a
    // separator can be (7, 8 or 10) is read as `T` before the bytes are parsed.
    if let Some(position) = [7, 8, 10]
        .into_iter()
        .take_while(|&at| at < chars.len())
        .find(|&at| chars.get(at).is_some_and(|c| !c.is_ascii()))
    {
        if let Some(slot) = chars.get_mut(position) {
            *slot = 'T';
        }
    }
    let sanitized: String = chars.into_iter().collect();
    let bytes = Bytes(sanitized.as_bytes());
    let len = sanitized.len();
    let separator = find_separator(&bytes, len).ok_or_else(invalid)?;
    let (year, month, day) = parse_date(&bytes, separator).ok_or_else(invalid)?;
    let mut time = (0, 0, 0, 0, None);
    if len > separator {
        time = parse_time(&bytes, separator + 1, len).ok_or_else(invalid)?;
    }
    let (hour, minute, second, micro, offset) = time;
    let offset = match offset {
        Some(offset) => Some(check_offset(offset)?),
        None => None,
    };
    check_fields(year, month, day, hour, minute, second, micro)?;
    Ok(DateTime {
        year,
        month: month as u32,
        day: day as u32,
        hour: hour as u32,
        minute: minute as u32,
        second: second as u32,
        micro: micro as u32,
        offset,
    })
}

/// CPython's `_find_isoformat_datetime_separator`.
fn find_separator(bytes: &Bytes, len: usize) -> Option<usize> {
    if len == 7 {
        return Some(7);
    }
    if bytes.at(4) == b'-' {
        if bytes.at(5) == b'W' {
            if len < 8 {
                return None;
            }
            if len > 8 && bytes.at(8) == b'-' {
                if len == 9 {
                    return None;
                }
                if len > 10 && bytes.at(10).is_ascii_digit() {
                    return Some(8);
                }
                return Some(10);
            }
            return Some(8);
        }
        return Some(10);
    }
    if bytes.at(4) == b'W' {
        let mut index = 7;
        while index < len && bytes.at(index).is_ascii_digit() {
            index += 1;
        }
        if index < 9 {
            return Some(index);
        }
        return Some(if index % 2 == 0 { 7 } else { 8 });
    }
    Some(8)
}

/// CPython's `parse_isoformat_date` on the first `len` bytes.
fn parse_date(bytes: &Bytes, len: usize) -> Option<(i64, i64, i64)> {
    let mut p = 0;
    let year = bytes.digits(p, 4)?;
    p += 4;
    let uses_separator = bytes.at(p) == b'-';
    if uses_separator {
        p += 1;
    }
    if bytes.at(p) == b'W' {
        p += 1;
        let week = bytes.digits(p, 2)?;
        p += 2;
        let weekday = if p < len {
            if uses_separator {
                if bytes.at(p) != b'-' {
                    return None;
                }
                p += 1;
            }
            bytes.digits(p, 1)?
        } else {
            1
        };
        return iso_to_ymd(year, week, weekday);
    }
    let month = bytes.digits(p, 2)?;
    p += 2;
    if uses_separator {
        if bytes.at(p) != b'-' {
            return None;
        }
        p += 1;
    }
    let day = bytes.digits(p, 2)?;
    Some((year, month, day))
}

/// CPython's `iso_to_ymd`: the date of an ISO year, week and weekday.
fn iso_to_ymd(year: i64, week: i64, weekday: i64) -> Option<(i64, i64, i64)> {
    if week <= 0 || week >= 53 {
        let first_weekday = (ordinal(year, 1, 1) + 6).rem_euclid(7);
        let long_year = first_weekday == 3 || (first_weekday == 2 && is_leap(year));
        if !(week == 53 && long_year) {
            return None;
        }
    }
    if !(1..=7).contains(&weekday) {
        return None;
    }
    let days = iso_week1_monday(year) + (week - 1) * 7 + weekday - 1;
    let (y, m, d) = civil_from_days(days);
    Some((y, i64::from(m), i64::from(d)))
}

/// The day (from 1970-01-01) of the Monday of ISO week 1.
fn iso_week1_monday(year: i64) -> i64 {
    let first = days_from_civil(year, 1, 1);
    let first_weekday = (first + 3).rem_euclid(7);
    let monday = first - first_weekday;
    if first_weekday > 3 {
        monday + 7
    } else {
        monday
    }
}

type Time = (i64, i64, i64, i64, Option<i128>);

/// CPython's `parse_isoformat_time` from byte `start` to `end`.
fn parse_time(bytes: &Bytes, start: usize, end: usize) -> Option<Time> {
    let mut tz = start;
    loop {
        if matches!(bytes.at(tz), b'Z' | b'+' | b'-') {
            break;
        }
        tz += 1;
        if tz >= end {
            break;
        }
    }
    let (more, hour, minute, second, micro) = parse_hh_mm_ss_ff(bytes, start, tz)?;
    if tz == end {
        return if more {
            None
        } else {
            Some((hour, minute, second, micro, None))
        };
    }
    if bytes.at(tz) == b'Z' {
        return if bytes.at(tz + 1) != 0 {
            None
        } else {
            Some((hour, minute, second, micro, Some(0)))
        };
    }
    let sign: i128 = if bytes.at(tz) == b'-' { -1 } else { 1 };
    let (more, tz_hour, tz_minute, tz_second, tz_micro) = parse_hh_mm_ss_ff(bytes, tz + 1, end)?;
    if more {
        return None;
    }
    let seconds = i128::from(tz_hour * 3600 + tz_minute * 60 + tz_second);
    let offset = sign * (seconds * MICROS_PER_SECOND + i128::from(tz_micro));
    Some((hour, minute, second, micro, Some(offset)))
}

/// CPython's `parse_hh_mm_ss_ff`: (whether unparsed text follows, h, m, s, us).
fn parse_hh_mm_ss_ff(
    bytes: &Bytes,
    start: usize,
    end: usize,
) -> Option<(bool, i64, i64, i64, i64)> {
    let mut values = [0i64; 3];
    let mut p = start;
    let mut has_separator = true;
    for (index, slot) in values.iter_mut().enumerate() {
        *slot = bytes.digits(p, 2)?;
        p += 2;
        let c = bytes.at(p);
        p += 1;
        if index == 0 {
            has_separator = c == b':';
        }
        if p >= end {
            let [hour, minute, second] = values;
            return Some((c != 0, hour, minute, second, 0));
        } else if has_separator && c == b':' {
            continue;
        } else if c == b'.' || c == b',' {
            break;
        } else if !has_separator {
            p -= 1;
        } else {
            return None;
        }
    }
    let remaining = end.saturating_sub(p);
    let to_parse = remaining.min(6);
    let mut micro = bytes.digits(p, to_parse)?;
    p += to_parse;
    if to_parse == 0 {
        // CPython reads correction[-1] here; no valid string reaches it.
        return None;
    }
    micro *= 10i64.pow(6 - to_parse as u32);
    while bytes.at(p).is_ascii_digit() {
        p += 1;
    }
    let [hour, minute, second] = values;
    Some((bytes.at(p) != 0, hour, minute, second, micro))
}

/// `datetime.fromtimestamp(value, timezone.utc)`.
fn fromtimestamp(number: Num) -> Res<DateTime> {
    let out_of_range = || {
        err(
            "OverflowError",
            "timestamp out of range for platform time_t",
        )
    };
    let (seconds, micro) = match number {
        Num::Int(int) => (i64::try_from(int).map_err(|_| out_of_range())?, 0i64),
        Num::Float(float) => {
            if float.is_nan() {
                return Err(value_error("Invalid value NaN (not a number)"));
            }
            // CPython's _PyTime_DoubleToDenominator with ROUND_HALF_EVEN.
            let mut whole = float.trunc();
            let mut fraction = (float - whole) * 1e6;
            fraction = round_half_even(fraction);
            if fraction >= 1e6 {
                fraction -= 1e6;
                whole += 1.0;
            } else if fraction < 0.0 {
                fraction += 1e6;
                whole -= 1.0;
            }
            // time_t is 64 bits: the float must lie in [-2**63, 2**63).
            if !(-TWO_POW_63..TWO_POW_63).contains(&whole) {
                return Err(out_of_range());
            }
            (whole as i64, fraction as i64)
        }
    };
    let days = seconds.div_euclid(86_400);
    let rest = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    if i32::try_from(year - 1900).is_err() {
        return Err(err(
            "OSError",
            "[Errno 75] Value too large for defined data type",
        ));
    }
    if !(1..=9999).contains(&year) {
        return Err(value_error(format!("year {year} is out of range")));
    }
    Ok(DateTime {
        year,
        month,
        day,
        hour: (rest / 3600) as u32,
        minute: ((rest / 60) % 60) as u32,
        second: (rest % 60) as u32,
        micro: micro as u32,
        offset: Some(0),
    })
}

fn round_half_even(x: f64) -> f64 {
    let rounded = x.round();
    if (x - rounded).abs() == 0.5 {
        2.0 * (x / 2.0).round()
    } else {
        rounded
    }
}

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

const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// `datetime.strftime(fmt)`: Python replaces `%f`, `%z` and `%Z`, then glibc's `strftime` in
/// the C locale formats the rest.
fn strftime(moment: &DateTime, format: &str) -> Res<String> {
    let mut prepared = String::with_capacity(format.len());
    let mut chars = format.chars();
    while let Some(ch) = chars.next() {
        if ch != '%' {
            prepared.push(ch);
            continue;
        }
        match chars.next() {
            None => prepared.push('%'),
            Some('f') => prepared.push_str(&format!("{:06}", moment.micro)),
            Some('z') => {
                if let Some(offset) = moment.offset {
                    prepared.push_str(&format_offset(offset, ""));
                }
            }
            Some('Z') => {
                if let Some(offset) = moment.offset {
                    prepared.push_str(&tzname(offset));
                }
            }
            Some(other) => {
                prepared.push('%');
                prepared.push(other);
            }
        }
    }
    if prepared.contains('\0') {
        return Err(value_error("embedded null character"));
    }
    glibc_strftime(moment, &prepared)
}

/// The name of a fixed-offset timezone: `UTC`, `UTC+02:00`.
fn tzname(offset: i64) -> String {
    if offset == 0 {
        "UTC".to_owned()
    } else {
        format!("UTC{}", format_offset(offset, ":"))
    }
}

/// glibc's `strftime` in the C locale, for a `struct tm` with `tm_isdst = -1` and no zone
/// (so `%z` and `%Z` give nothing at this level). Flags `_ - 0 ^ #`, a width, and the `E`/`O`
/// modifiers are understood; an unknown conversion is copied as written.
fn glibc_strftime(moment: &DateTime, format: &str) -> Res<String> {
    let chars: Vec<char> = format.chars().collect();
    let mut out = String::new();
    let mut index = 0;
    while let Some(&ch) = chars.get(index) {
        index += 1;
        if ch != '%' {
            out.push(ch);
            continue;
        }
        let start = index - 1;
        let mut flag: Option<char> = None;
        let mut upper = false;
        let mut swap = false;
        while let Some(&f) = chars.get(index) {
            match f {
                '_' | '-' | '0' => flag = Some(f),
                '^' => upper = true,
                '#' => swap = true,
                _ => break,
            }
            index += 1;
        }
        let mut width: Option<usize> = None;
        while let Some(digit) = chars.get(index).and_then(|c| c.to_digit(10)) {
            width = Some(
                width
                    .unwrap_or(0)
                    .saturating_mul(10)
                    .saturating_add(digit as usize),
            );
            index += 1;
        }
        if width.is_some_and(|w| w > 1 << 20) {
            return Err(err("MemoryError", ""));
        }
        while matches!(chars.get(index), Some('E' | 'O')) {
            index += 1;
        }
        let Some(&conversion) = chars.get(index) else {
            // A directive cut short by the end of the format is copied as written.
            let written: String = chars.get(start..).unwrap_or(&[]).iter().collect();
            out.push_str(&pad_left(&written, width.unwrap_or(0), ' '));
            break;
        };
        index += 1;
        let piece = directive(moment, conversion)?;
        let text = match piece {
            Piece::Number {
                value,
                digits,
                space,
            } => {
                let body = value.to_string();
                let pad_char = match flag {
                    Some('0') => '0',
                    Some('_') | Some('-') => ' ',
                    _ => {
                        if space {
                            ' '
                        } else {
                            '0'
                        }
                    }
                };
                let target = match (width, flag) {
                    (Some(w), _) => w,
                    (None, Some('-')) => 0,
                    (None, _) => digits,
                };
                pad_left(&body, target, pad_char)
            }
            Piece::Text {
                text,
                uppercase_on_swap,
            } => {
                let mut text = text;
                if upper || (swap && uppercase_on_swap) {
                    text = text.to_uppercase();
                } else if swap {
                    text = text.to_lowercase();
                }
                let pad_char = if flag == Some('0') { '0' } else { ' ' };
                pad_left(&text, width.unwrap_or(0), pad_char)
            }
            Piece::Format(sub) => {
                let text = glibc_strftime(moment, sub)?;
                let text = if upper { text.to_uppercase() } else { text };
                pad_left(
                    &text,
                    width.unwrap_or(0),
                    if flag == Some('0') { '0' } else { ' ' },
                )
            }
            Piece::Unknown => {
                let written: String = chars.get(start..index).unwrap_or(&[]).iter().collect();
                pad_left(&written, width.unwrap_or(0), ' ')
            }
        };
        out.push_str(&text);
    }
    Ok(out)
}

fn pad_left(text: &str, width: usize, pad: char) -> String {
    let length = text.chars().count();
    if length >= width {
        return text.to_owned();
    }
    let mut out: String = std::iter::repeat_n(pad, width - length).collect();
    out.push_str(text);
    out
}

enum Piece {
    /// A number padded to `digits` (with spaces when `space`).
    Number {
        value: i64,
        digits: usize,
        space: bool,
    },
    /// A word; `#` upper-cases it when `uppercase_on_swap`, else lower-cases it.
    Text {
        text: String,
        uppercase_on_swap: bool,
    },
    /// A composite conversion, formatted recursively.
    Format(&'static str),
    /// Not a conversion glibc knows: copied as written.
    Unknown,
}

/// One glibc conversion in the C locale.
fn directive(moment: &DateTime, conversion: char) -> Res<Piece> {
    let number = |value: i64, digits: usize| Piece::Number {
        value,
        digits,
        space: false,
    };
    let spaced = |value: i64| Piece::Number {
        value,
        digits: 2,
        space: true,
    };
    let weekday = moment.weekday();
    let (iso_year, iso_week) = iso_calendar(moment);
    let hour12 = match moment.hour % 12 {
        0 => 12,
        other => i64::from(other),
    };
    let word = |text: &str, upper_on_swap: bool| Piece::Text {
        text: text.to_owned(),
        uppercase_on_swap: upper_on_swap,
    };
    let weekday_name = WEEKDAYS.get(weekday as usize).copied().unwrap_or("");
    let month_name = MONTHS.get(moment.month as usize - 1).copied().unwrap_or("");
    Ok(match conversion {
        'a' => word(weekday_name.get(..3).unwrap_or(""), true),
        'A' => word(weekday_name, true),
        'b' | 'h' => word(month_name.get(..3).unwrap_or(""), true),
        'B' => word(month_name, true),
        'c' => Piece::Format("%a %b %e %H:%M:%S %Y"),
        'C' => number(moment.year.div_euclid(100), 1),
        'd' => number(i64::from(moment.day), 2),
        'D' | 'x' => Piece::Format("%m/%d/%y"),
        'e' => spaced(i64::from(moment.day)),
        'F' => Piece::Format("%Y-%m-%d"),
        'g' => number(iso_year.rem_euclid(100), 2),
        'G' => number(iso_year, 1),
        'H' => number(i64::from(moment.hour), 2),
        'I' => number(hour12, 2),
        'j' => number(moment.yday(), 3),
        'k' => spaced(i64::from(moment.hour)),
        'l' => spaced(hour12),
        'm' => number(i64::from(moment.month), 2),
        'M' => number(i64::from(moment.minute), 2),
        'n' => word("\n", false),
        'p' => word(if moment.hour < 12 { "AM" } else { "PM" }, false),
        'P' => word(if moment.hour < 12 { "am" } else { "pm" }, false),
        'r' => Piece::Format("%I:%M:%S %p"),
        'R' => Piece::Format("%H:%M"),
        's' => {
            // mktime() reads the fields as local time.
            if !local_zone_is_utc() {
                return Err(local_time_needed("strftime('%s')"));
            }
            let seconds = moment.local_micros().div_euclid(MICROS_PER_SECOND);
            number(i64::try_from(seconds).unwrap_or(i64::MAX), 1)
        }
        'S' => number(i64::from(moment.second), 2),
        't' => word("\t", false),
        'T' | 'X' => Piece::Format("%H:%M:%S"),
        'u' => number(weekday + 1, 1),
        'U' => number((moment.yday() - 1 + 7 - (weekday + 1) % 7) / 7, 2),
        'V' => number(iso_week, 2),
        'w' => number((weekday + 1) % 7, 1),
        'W' => number((moment.yday() - 1 + 7 - weekday) / 7, 2),
        'y' => number(moment.year.rem_euclid(100), 2),
        'Y' => number(moment.year, 1),
        'z' | 'Z' => word("", false),
        '%' => word("%", false),
        _ => Piece::Unknown,
    })
}

/// The ISO year and week of a date.
fn iso_calendar(moment: &DateTime) -> (i64, i64) {
    let day = days_from_civil(moment.year, moment.month, moment.day);
    let mut year = moment.year;
    let mut monday = iso_week1_monday(year);
    if day < monday {
        year -= 1;
        monday = iso_week1_monday(year);
    } else {
        let next = iso_week1_monday(year + 1);
        if day >= next {
            year += 1;
            monday = next;
        }
    }
    (year, (day - monday) / 7 + 1)
}

const FULL_WEEKDAYS_LOWER: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// The regular expression `_strptime.TimeRE` gives a directive (C locale, UTC machine).
fn directive_regex(directive: char) -> Option<String> {
    fn alternatives(words: &[String], name: char) -> String {
        let mut sorted = words.to_vec();
        sorted.sort_by_key(|word| std::cmp::Reverse(word.len()));
        format!("(?P<{name}>{})", sorted.join("|"))
    }
    let lower = |list: &[&str]| {
        list.iter()
            .map(|word| word.to_lowercase())
            .collect::<Vec<String>>()
    };
    let abbreviated = |list: &[&str]| {
        list.iter()
            .map(|word| word.get(..3).unwrap_or("").to_lowercase())
            .collect::<Vec<String>>()
    };
    Some(match directive {
        'd' => r"(?P<d>3[01]|[12]\d|0[1-9]|[1-9]| [1-9])".to_owned(),
        'f' => r"(?P<f>[0-9]{1,6})".to_owned(),
        'H' => r"(?P<H>2[0-3]|[0-1]\d|\d)".to_owned(),
        'I' => r"(?P<I>1[0-2]|0[1-9]|[1-9])".to_owned(),
        'G' => r"(?P<G>\d\d\d\d)".to_owned(),
        'j' => r"(?P<j>36[0-6]|3[0-5]\d|[12]\d\d|0[1-9]\d|00[1-9]|[1-9]\d|0[1-9]|[1-9])".to_owned(),
        'm' => r"(?P<m>1[0-2]|0[1-9]|[1-9])".to_owned(),
        'M' => r"(?P<M>[0-5]\d|\d)".to_owned(),
        'S' => r"(?P<S>6[0-1]|[0-5]\d|\d)".to_owned(),
        'U' => r"(?P<U>5[0-3]|[0-4]\d|\d)".to_owned(),
        'w' => r"(?P<w>[0-6])".to_owned(),
        'u' => r"(?P<u>[1-7])".to_owned(),
        'V' => r"(?P<V>5[0-3]|0[1-9]|[1-4]\d|\d)".to_owned(),
        'y' => r"(?P<y>\d\d)".to_owned(),
        'Y' => r"(?P<Y>\d\d\d\d)".to_owned(),
        'z' => r"(?P<z>[+-]\d\d:?[0-5]\d(:?[0-5]\d(\.\d{1,6})?)?|(?-i:Z))".to_owned(),
        'A' => alternatives(&lower(&WEEKDAYS), 'A'),
        'a' => alternatives(&abbreviated(&WEEKDAYS), 'a'),
        'B' => alternatives(&lower(&MONTHS), 'B'),
        'b' => alternatives(&abbreviated(&MONTHS), 'b'),
        'p' => "(?P<p>am|pm)".to_owned(),
        'Z' => "(?P<Z>utc|gmt)".to_owned(),
        'W' => r"(?P<W>5[0-3]|[0-4]\d|\d)".to_owned(),
        '%' => "%".to_owned(),
        _ => return None,
    })
}

/// `_strptime.TimeRE.pattern(format)`.
fn strptime_pattern(format: &str) -> Res<String> {
    let bad = |directive: char| {
        value_error(format!(
            "'{directive}' is a bad directive in format '{format}'"
        ))
    };
    let mut escaped = String::new();
    let mut last_space = false;
    for ch in format.chars() {
        if crate::pyfmt::is_space(ch) {
            if !last_space {
                // Python's \s, which also matches U+001C..U+001F.
                escaped.push_str(r"[\s\x1C-\x1F]+");
            }
            last_space = true;
            continue;
        }
        last_space = false;
        if "\\.^$*+?(){}[]|".contains(ch) {
            escaped.push('\\');
        }
        escaped.push(ch);
    }
    let mut out = String::new();
    let mut chars = escaped.chars();
    while let Some(ch) = chars.next() {
        if ch != '%' {
            out.push(ch);
            continue;
        }
        let Some(directive) = chars.next() else {
            return Err(value_error(format!("stray % in format '{format}'")));
        };
        match directive {
            'c' => out.push_str(&strptime_pattern("%a %b %d %H:%M:%S %Y")?),
            'x' => out.push_str(&strptime_pattern("%m/%d/%y")?),
            'X' => out.push_str(&strptime_pattern("%H:%M:%S")?),
            // An escaped character or whitespace right after `%`: a stray `%`.
            '\\' | '[' => return Err(bad('%')),
            other => out.push_str(&directive_regex(other).ok_or_else(|| bad(other))?),
        }
    }
    Ok(out)
}

/// `datetime.strptime(text, format)` as `_strptime` computes it.
fn strptime(text: &str, format: &str) -> Res<DateTime> {
    let pattern = strptime_pattern(format)?;
    let regex = super::pattern::compile(&format!(r"(?i)\A(?:{pattern})"))?;
    let mismatch = || {
        value_error(format!(
            "time data {} does not match format {}",
            str_repr(text),
            str_repr(format)
        ))
    };
    let found = regex.captures(text).ok_or_else(mismatch)?;
    let end = found.get(0).map_or(0, |m| m.end());
    if end != text.len() {
        return Err(value_error(format!(
            "unconverted data remains: {}",
            text.get(end..).unwrap_or("")
        )));
    }
    let group = |name: &str| found.name(name).map(|m| m.as_str().to_lowercase());
    let int =
        |name: &str| -> Option<i64> { group(name).and_then(|digits| digits.trim().parse().ok()) };
    let mut year: Option<i64> = None;
    let mut iso_year: Option<i64> = None;
    let mut month = 1i64;
    let mut day = 1i64;
    let (mut hour, mut minute, mut second, mut fraction) = (0i64, 0i64, 0i64, 0i64);
    let mut offset: Option<i128> = None;
    let mut weekday: Option<i64> = None;
    let mut julian: Option<i64> = None;
    let mut week_of_year: Option<(i64, bool)> = None;
    let mut iso_week: Option<i64> = None;
    if let Some(y) = int("y") {
        year = Some(if y <= 68 { y + 2000 } else { y + 1900 });
    }
    if let Some(y) = int("Y") {
        year = Some(y);
    }
    iso_year = int("G").or(iso_year);
    if let Some(m) = int("m") {
        month = m;
    }
    if let Some(name) = group("B") {
        month = MONTHS
            .iter()
            .position(|m| m.to_lowercase() == name)
            .map_or(0, |i| i as i64 + 1);
    }
    if let Some(name) = group("b") {
        month = MONTHS
            .iter()
            .position(|m| m.get(..3).unwrap_or("").to_lowercase() == name)
            .map_or(0, |i| i as i64 + 1);
    }
    if let Some(d) = int("d") {
        day = d;
    }
    if let Some(h) = int("H") {
        hour = h;
    }
    if let Some(h) = int("I") {
        let ampm = group("p").unwrap_or_default();
        hour = match (ampm.as_str(), h) {
            ("" | "am", 12) => 0,
            ("pm", h) if h != 12 => h + 12,
            (_, h) => h,
        };
    }
    if let Some(m) = int("M") {
        minute = m;
    }
    if let Some(s) = int("S") {
        second = s;
    }
    if let Some(digits) = group("f") {
        fraction = format!("{digits:0<6}").parse().unwrap_or(0);
    }
    if let Some(name) = group("A") {
        weekday = FULL_WEEKDAYS_LOWER
            .iter()
            .position(|w| *w == name)
            .map(|i| i as i64);
    }
    if let Some(name) = group("a") {
        weekday = FULL_WEEKDAYS_LOWER
            .iter()
            .position(|w| w.get(..3) == Some(name.as_str()))
            .map(|i| i as i64);
    }
    if let Some(w) = int("w") {
        weekday = Some(if w == 0 { 6 } else { w - 1 });
    }
    if let Some(u) = int("u") {
        weekday = Some(u - 1);
    }
    julian = int("j").or(julian);
    if let Some(w) = int("U") {
        week_of_year = Some((w, false));
    }
    if let Some(w) = int("W") {
        week_of_year = Some((w, true));
    }
    iso_week = int("V").or(iso_week);
    if let Some(z) = found.name("z").map(|m| m.as_str().to_owned()) {
        offset = Some(strptime_offset(&z)?);
    }
    if year.is_none() && iso_year.is_some() {
        if iso_week.is_none() || weekday.is_none() {
            return Err(value_error("ISO year directive '%G' must be used with the ISO week directive '%V' and a weekday directive ('%A', '%a', '%w', or '%u')."));
        }
        if julian.is_some() {
            return Err(value_error("Day of the year directive '%j' is not compatible with ISO year directive '%G'. Use '%Y' instead."));
        }
    } else if week_of_year.is_none() && iso_week.is_some() {
        if weekday.is_none() {
            return Err(value_error("ISO week directive '%V' must be used with the ISO year directive '%G' and a weekday directive ('%A', '%a', '%w', or '%u')."));
        }
        return Err(value_error("ISO week directive '%V' is incompatible with the year directive '%Y'. Use the ISO year '%G' instead."));
    }
    let mut leap_year_fix = false;
    let mut year = match year {
        Some(year) => year,
        None if month == 2 && day == 29 => {
            leap_year_fix = true;
            1904
        }
        None => 1900,
    };
    if julian.is_none() {
        if let Some(weekday) = weekday {
            if let Some((week, starts_monday)) = week_of_year {
                check_date(year, 1, 1)?;
                julian = Some(julian_from_u_or_w(year, week, weekday, starts_monday));
            } else if let (Some(iso_year), Some(iso_week)) = (iso_year, iso_week) {
                check_date(iso_year, 1, 4)?;
                let (y, j) = julian_from_v(iso_year, iso_week, weekday + 1);
                year = y;
                julian = Some(j);
            }
            if let Some(days) = julian.filter(|days| *days <= 0) {
                year -= 1;
                julian = Some(days + if is_leap(year) { 366 } else { 365 });
            }
        }
    }
    match julian {
        None => check_date(year, month, day)?,
        Some(days) => {
            check_date(year, 1, 1)?;
            let target = ordinal(year, 1, 1) + days - 1;
            if target < 1 {
                return Err(value_error("ordinal must be >= 1"));
            }
            let (y, m, d) = civil_from_days(target - 719_163);
            if y > 9999 {
                return Err(value_error(format!("year {y} is out of range")));
            }
            (year, month, day) = (y, i64::from(m), i64::from(d));
        }
    }
    if leap_year_fix {
        year = 1900;
    }
    let offset = match offset {
        Some(offset) => Some(check_offset(offset)?),
        None => None,
    };
    check_fields(year, month, day, hour, minute, second, fraction)?;
    Ok(DateTime {
        year,
        month: month as u32,
        day: day as u32,
        hour: hour as u32,
        minute: minute as u32,
        second: second as u32,
        micro: fraction as u32,
        offset,
    })
}

/// `date(year, month, day)`'s checks.
fn check_date(year: i64, month: i64, day: i64) -> Res<()> {
    check_fields(year, month, day, 0, 0, 0, 0)
}

/// The offset `%z` matched, in microseconds.
fn strptime_offset(z: &str) -> Res<i128> {
    if z == "Z" {
        return Ok(0);
    }
    let mut text: Vec<char> = z.chars().collect();
    if text.get(3) == Some(&':') {
        text.remove(3);
        if text.len() > 5 {
            if text.get(5) != Some(&':') {
                return Err(value_error(format!("Inconsistent use of : in {z}")));
            }
            text.remove(5);
        }
    }
    let field = |from: usize, to: usize| -> i128 {
        text.get(from..to.min(text.len())).map_or(0, |digits| {
            digits.iter().collect::<String>().parse().unwrap_or(0)
        })
    };
    let seconds = field(1, 3) * 3600 + field(3, 5) * 60 + field(5, 7);
    let remainder: String = text
        .get(8..)
        .map(|rest| rest.iter().collect())
        .unwrap_or_default();
    let micros: i128 = if remainder.is_empty() {
        0
    } else {
        format!("{remainder:0<6}").parse().unwrap_or(0)
    };
    let total = seconds * MICROS_PER_SECOND + micros;
    Ok(if z.starts_with('-') { -total } else { total })
}

/// `_strptime._calc_julian_from_U_or_W`.
fn julian_from_u_or_w(year: i64, week: i64, weekday: i64, starts_monday: bool) -> i64 {
    let mut first_weekday = (days_from_civil(year, 1, 1) + 3).rem_euclid(7);
    let mut day_of_week = weekday;
    if !starts_monday {
        first_weekday = (first_weekday + 1) % 7;
        day_of_week = (day_of_week + 1) % 7;
    }
    let week_0_length = (7 - first_weekday) % 7;
    if week == 0 {
        1 + day_of_week - first_weekday
    } else {
        1 + week_0_length + 7 * (week - 1) + day_of_week
    }
}

/// `_strptime._calc_julian_from_V`.
fn julian_from_v(iso_year: i64, iso_week: i64, iso_weekday: i64) -> (i64, i64) {
    let jan4_isoweekday = (days_from_civil(iso_year, 1, 4) + 3).rem_euclid(7) + 1;
    let correction = jan4_isoweekday + 3;
    let mut days = iso_week * 7 + iso_weekday - correction;
    let mut year = iso_year;
    if days < 1 {
        days += ordinal(year, 1, 1);
        year -= 1;
        days -= ordinal(year, 1, 1);
    }
    (year, days)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn civil_days_round_trip() {
        for days in [-719_468, -1, 0, 1, 19_723, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(19_724), (2024, 1, 2));
    }

    #[test]
    fn iso_strings_parse_like_python() {
        let moment = fromisoformat("2024-01-02T03:04:05.5+02:00").ok();
        assert_eq!(
            moment.map(|m| m.to_python_str()),
            Some("2024-01-02 03:04:05.500000+02:00".to_owned())
        );
        assert!(fromisoformat("2024-13-01").is_err());
        assert_eq!(
            fromisoformat("2020-W53-7").ok().map(|m| m.to_python_str()),
            Some("2021-01-03 00:00:00".to_owned())
        );
    }

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
