//! The datetime model: Python's `datetime` fields and checks on a proleptic-Gregorian calendar, and `datetime.fromtimestamp`.

use super::{MICROS_PER_DAY, MICROS_PER_SECOND};
use crate::filters::py::{err, value_error, Num, Res};

const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;

/// A Python datetime: local fields and, when aware, the UTC offset in microseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DateTime {
    pub(super) year: i64,
    pub(super) month: u32,
    pub(super) day: u32,
    pub(super) hour: u32,
    pub(super) minute: u32,
    pub(super) second: u32,
    pub(super) micro: u32,
    pub(super) offset: Option<i64>,
}

impl DateTime {
    /// Microseconds since 1970-01-01T00:00:00 of the local fields.
    pub(super) fn local_micros(&self) -> i128 {
        i128::from(days_from_civil(self.year, self.month, self.day)) * MICROS_PER_DAY
            + i128::from(self.hour) * 3_600 * MICROS_PER_SECOND
            + i128::from(self.minute) * 60 * MICROS_PER_SECOND
            + i128::from(self.second) * MICROS_PER_SECOND
            + i128::from(self.micro)
    }

    /// Microseconds since the Unix epoch of an aware datetime (the local fields if naive).
    pub(super) fn utc_micros(&self) -> i128 {
        self.local_micros() - i128::from(self.offset.unwrap_or(0))
    }

    /// Python's `str(datetime)`: `YYYY-MM-DD HH:MM:SS[.ffffff][+HH:MM[:SS[.ffffff]]]`.
    pub(super) fn to_python_str(self) -> String {
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
    pub(super) fn weekday(&self) -> i64 {
        (days_from_civil(self.year, self.month, self.day) + 3).rem_euclid(7)
    }

    /// The day of the year, 1-based.
    pub(super) fn yday(&self) -> i64 {
        days_from_civil(self.year, self.month, self.day) - days_from_civil(self.year, 1, 1) + 1
    }
}

/// `+HH<sep>MM[<sep>SS[.ffffff]]`, as Python's `format_utcoffset`.
pub(super) fn format_offset(offset: i64, sep: &str) -> String {
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
pub(super) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
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
pub(super) fn civil_from_days(days: i64) -> (i64, u32, u32) {
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

pub(super) fn is_leap(year: i64) -> bool {
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
pub(super) fn ordinal(year: i64, month: u32, day: u32) -> i64 {
    days_from_civil(year, month, day) + 719_163
}

/// `datetime(...)`'s argument checks, in CPython's order and words.
pub(super) fn check_fields(
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
pub(super) fn check_offset(offset: i128) -> Res<i64> {
    if offset <= -MICROS_PER_DAY || offset >= MICROS_PER_DAY {
        return Err(value_error(format!(
            "offset must be a timedelta strictly between -timedelta(hours=24) and timedelta(hours=24), not {}.",
            timedelta_repr(offset)
        )));
    }
    Ok(offset as i64)
}

/// `datetime.fromtimestamp(value, timezone.utc)`.
pub(super) fn fromtimestamp(number: Num) -> Res<DateTime> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_days_round_trip() {
        for days in [-719_468, -1, 0, 1, 19_723, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(19_724), (2024, 1, 2));
    }
}
