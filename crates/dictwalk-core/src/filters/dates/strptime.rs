//! `datetime.strptime` as `_strptime` computes it: the format becomes a regular expression, and the matched fields a datetime.

use super::datetime::{
    check_fields, check_offset, civil_from_days, days_from_civil, is_leap, ordinal, DateTime,
};
use super::strftime::{MONTHS, WEEKDAYS};
use super::MICROS_PER_SECOND;
use crate::filters::py::{value_error, Res};
use crate::pyfmt::str_repr;

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
pub(super) fn strptime(text: &str, format: &str) -> Res<DateTime> {
    let pattern = strptime_pattern(format)?;
    let regex = crate::filters::pattern::compile(&format!(r"(?i)\A(?:{pattern})"))?;
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
