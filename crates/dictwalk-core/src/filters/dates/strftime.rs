//! `datetime.strftime`: Python's own `%f`, `%z` and `%Z`, then glibc's `strftime` in the C locale.

use super::datetime::{days_from_civil, format_offset, DateTime};
use super::iso::iso_week1_monday;
use super::{local_time_needed, local_zone_is_utc, MICROS_PER_SECOND};
use crate::filters::py::{err, value_error, Res};

pub(super) const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
pub(super) const MONTHS: [&str; 12] = [
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
pub(super) fn strftime(moment: &DateTime, format: &str) -> Res<String> {
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
