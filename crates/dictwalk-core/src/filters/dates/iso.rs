//! CPython 3.11's `datetime.fromisoformat`, step for step.

use super::datetime::{
    check_fields, check_offset, civil_from_days, days_from_civil, is_leap, ordinal, DateTime,
};
use super::MICROS_PER_SECOND;
use crate::filters::py::{value_error, Res};
use crate::pyfmt::str_repr;

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
pub(super) fn iso_week1_monday(year: i64) -> i64 {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
