//! Regular-expression filters (`$matches`, `$regex_replace`) on the `regex` crate, with
//! Python's `re.sub` replacement templates and empty-match rules.
//!
//! Python's `re` and the `regex` crate read most patterns alike. `translate` rewrites what
//! both have but spell differently: `\Z` (`\z`), `\s` (Python's includes U+001C..U+001F),
//! `\w` (Python's is letters, numbers and `_`, without marks), `[` inside a class and a `{`
//! that does not start a repeat (literals in Python), `{,n}` (`{0,n}`). What remains different:
//! - `regex` has no look-around (`(?=`, `(?!`, `(?<=`, `(?<!`), no backreferences (`\1`,
//!   `(?P=name)`), no conditionals and no possessive or atomic groups, and no `(?a)`/`(?L)`
//!   flags; such a pattern is an `error` (the class name of Python's `re.error`), as a pattern
//!   Python rejects is, but with the regex crate's message.
//! - in `$regex_replace`, `$` without `(?m)` matches only at the very end in `regex`; in Python
//!   also before a final `\n` (`$matches` reads it Python's way). `\b` and `\B` use `regex`'s
//!   idea of a word character (marks included), and Python's `\B` never matches in an empty
//!   string.
//! - Case-insensitive matching folds case by Unicode simple case folding in both, with their
//!   own Unicode versions.
//! - after an empty match, Python may still take a longer match at the same position from a
//!   later alternative (`re.sub('|a', '-', 'a')` gives `---`); here the search moves one
//!   character on (`-a-`).

use std::cell::RefCell;
use std::collections::HashMap;

use regex::{Captures, Regex};
use serde_json::Value;

use super::py::{err, type_error, type_name, Res};
use super::FilterError;
use crate::pyfmt::py_str;

thread_local! {
    /// Compiled patterns, as Python's `re` caches them; cleared when it grows large.
    static CACHE: RefCell<HashMap<String, Regex>> = RefCell::new(HashMap::new());
}

const CACHE_LIMIT: usize = 256;

/// Compiles a pattern already in `regex` syntax (cached).
pub(crate) fn compile(pattern: &str) -> Res<Regex> {
    if let Some(found) = CACHE.with(|cache| cache.borrow().get(pattern).cloned()) {
        return Ok(found);
    }
    let compiled = Regex::new(pattern).map_err(|error| {
        err("error", format!("cannot compile the pattern {pattern:?} (Python re syntax that the regex crate lacks, or an invalid pattern): {error}"))
    })?;
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.len() >= CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(pattern.to_owned(), compiled.clone());
    });
    Ok(compiled)
}

/// A Python pattern argument, translated and compiled.
fn python_pattern(pattern: &Value, search: bool) -> Res<Regex> {
    let text = match pattern {
        Value::String(text) => text,
        // re's pattern cache hashes the pattern first.
        Value::Array(_) | Value::Object(_) => {
            return Err(type_error(format!(
                "unhashable type: '{}'",
                type_name(pattern)
            )))
        }
        _ => {
            return Err(type_error(
                "first argument must be string or compiled pattern",
            ))
        }
    };
    compile(&translate(text, search)?)
}

/// Python's `\s`: `str.isspace()` characters, which include U+001C..U+001F.
const SPACE: &str = r"\s\x1C-\x1F";
/// Python's `\w`: `str.isalnum()` characters and `_` (no marks, unlike `regex`'s `\w`).
const WORD: &str = r"\p{L}\p{N}_";

/// Rewrites a Python pattern into `regex` syntax where the two spell the same thing
/// differently: `\Z`, `\s`/`\S`/`\w`/`\W` (Python's character sets), a `[` inside a class
/// (a literal in Python), and `{` that does not start a repeat (a literal in Python) or
/// starts one without a minimum (`{,n}`).
///
/// For a search that only asks whether there is a match (`search`), `$` outside `(?m)` also
/// becomes Python's "end, or before a final newline" (`\n?\z`: the newline it may take does
/// not change the answer).
fn translate(pattern: &str, search: bool) -> Res<String> {
    let chars: Vec<char> = pattern.chars().collect();
    let multiline = pattern
        .strip_prefix("(?")
        .and_then(|rest| rest.split_once(')'))
        .is_some_and(|(flags, _)| {
            flags.chars().all(|c| c.is_ascii_alphabetic()) && flags.contains('m')
        });
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut index = 0;
    // What a quantifier would repeat: Python refuses one after nothing or an anchor, and one
    // right after another (a `?` after a repeat makes it lazy), where `regex` repeats the
    // empty match (`b$?`) or reads on.
    let mut last = Last::Nothing;
    while let Some(&ch) = chars.get(index) {
        index += 1;
        let quantifier = match ch {
            '*' | '+' | '?' => true,
            '{' => repeat_end(&chars, index).is_some(),
            _ => false,
        };
        if quantifier {
            last = match (last, ch) {
                (Last::Nothing | Last::Anchor, _) => {
                    return Err(err(
                        "error",
                        format!("nothing to repeat at position {}", index - 1),
                    ))
                }
                (Last::Repeat, '?') => Last::Lazy,
                (Last::Repeat | Last::Lazy, _) => {
                    return Err(err(
                        "error",
                        format!("multiple repeat at position {}", index - 1),
                    ))
                }
                (Last::Atom, _) => Last::Repeat,
            };
        } else {
            last = match ch {
                '^' | '$' => Last::Anchor,
                '\\' if matches!(chars.get(index), Some('A' | 'Z' | 'b' | 'B')) => Last::Anchor,
                '|' => Last::Nothing,
                // `(?` opens a group's flags or kind, not a repeat.
                '(' if chars.get(index) == Some(&'?') => {
                    out.push_str("(?");
                    index += 1;
                    Last::Atom
                }
                '(' => Last::Nothing,
                _ => Last::Atom,
            };
            if ch == '(' && last == Last::Atom {
                continue;
            }
        }
        if ch == '\\' {
            let Some(&escape) = chars.get(index) else {
                out.push('\\');
                break;
            };
            index += 1;
            match escape {
                'Z' => out.push_str(r"\z"),
                's' => out.push_str(&format!("[{SPACE}]")),
                'S' => out.push_str(&format!("[^{SPACE}]")),
                'w' => out.push_str(&format!("[{WORD}]")),
                'W' => out.push_str(&format!("[^{WORD}]")),
                // Python's octal escapes: `\0` and up to two more octal digits, or three
                // octal digits (at most `\377`); `\1`..`\99` otherwise are group references.
                '0'..='7' => {
                    let octal = |at: usize| chars.get(at).filter(|c| ('0'..='7').contains(*c));
                    let digits: String = if escape == '0' {
                        let more = (index..index + 2).map_while(octal).count();
                        chars
                            .get(index - 1..index + more)
                            .unwrap_or_default()
                            .iter()
                            .collect()
                    } else if octal(index).is_some() && octal(index + 1).is_some() {
                        chars
                            .get(index - 1..index + 2)
                            .unwrap_or_default()
                            .iter()
                            .collect()
                    } else {
                        out.push('\\');
                        out.push(escape);
                        continue;
                    };
                    let value = u32::from_str_radix(&digits, 8).unwrap_or(u32::MAX);
                    if value > 0o377 {
                        let message =
                            format!("octal escape value \\{digits} outside of range 0-0o377");
                        return Err(re_error(&chars, &message, index - 2));
                    }
                    index += digits.len() - 1;
                    out.push_str(&format!("\\x{{{value:x}}}"));
                }
                // Literals in Python: a non-ASCII escape (an error in the regex crate, written
                // as its code point so that no mode reads it otherwise) and `\<`, `\>` (word
                // boundaries in the regex crate).
                other if !other.is_ascii() => {
                    out.push_str(&format!("\\x{{{:x}}}", u32::from(other)));
                }
                '<' | '>' => out.push(escape),
                other => {
                    out.push('\\');
                    out.push(other);
                }
            }
            continue;
        }
        match ch {
            '[' => index = class(&chars, index - 1, &mut out)?,
            '{' => match repeat_end(&chars, index) {
                Some((low, high, end)) => {
                    let low = if low.is_empty() { "0".to_owned() } else { low };
                    out.push_str(&match high {
                        Some(high) => format!("{{{low},{high}}}"),
                        None => format!("{{{low}}}"),
                    });
                    index = end;
                }
                None => out.push_str(r"\{"),
            },
            '}' => out.push_str(r"\}"),
            '$' if search && !multiline => out.push_str(r"(?:\n?\z)"),
            _ => out.push(ch),
        }
    }
    Ok(out)
}

/// One item of a character class as Python's `re` reads it (sre_parse): a code point, a
/// class escape (`\d`, `\w`, ...), or an escape this translation leaves to the regex crate.
enum Item {
    /// A code point, and the item's text (what Python's messages show: `\x` for `\x41`).
    Char(u32, String),
    /// `\d`, `\D`, `\s`, `\S`, `\w`, `\W`, and their translation.
    Class(String, String),
    /// Any other escape (`\N{...}`, a malformed one), as written.
    Other(String, String),
}

impl Item {
    fn shown(&self) -> &str {
        match self {
            Item::Char(_, shown) | Item::Class(shown, _) | Item::Other(shown, _) => shown,
        }
    }
}

/// `re.error`'s text: the message, the position, and the line and column when the pattern
/// has more than one line.
fn re_error(chars: &[char], message: &str, position: usize) -> FilterError {
    let before = chars.get(..position).unwrap_or(chars);
    let mut text = format!("{message} at position {position}");
    if chars.contains(&'\n') {
        let line = before.iter().filter(|&&c| c == '\n').count() + 1;
        let column = position
            - before
                .iter()
                .rposition(|&c| c == '\n')
                .map_or(0, |at| at + 1)
            + 1;
        text.push_str(&format!(" (line {line}, column {column})"));
    }
    err("error", text)
}

/// Reads the class item at `chars[at]` (not `]`): the item and the index after it.
fn class_item(chars: &[char], at: usize) -> Option<(Item, usize)> {
    let ch = *chars.get(at)?;
    if ch != '\\' {
        return Some((Item::Char(u32::from(ch), ch.to_string()), at + 1));
    }
    let escape = *chars.get(at + 1)?;
    let shown = format!("\\{escape}");
    let simple = match escape {
        'a' => Some(7),
        'b' => Some(8),
        'f' => Some(12),
        'n' => Some(10),
        'r' => Some(13),
        't' => Some(9),
        'v' => Some(11),
        _ => None,
    };
    if let Some(code) = simple {
        return Some((Item::Char(code, shown), at + 2));
    }
    let class = match escape {
        'd' => Some(r"\d".to_owned()),
        'D' => Some(r"\D".to_owned()),
        's' => Some(SPACE.to_owned()),
        'S' => Some(format!("[^{SPACE}]")),
        'w' => Some(WORD.to_owned()),
        'W' => Some(format!("[^{WORD}]")),
        _ => None,
    };
    if let Some(class) = class {
        return Some((Item::Class(shown, class), at + 2));
    }
    let hex = |len: usize| -> Option<(Item, usize)> {
        let digits: String = chars.get(at + 2..at + 2 + len)?.iter().collect();
        let code = u32::from_str_radix(&digits, 16).ok()?;
        (digits.len() == len && char::from_u32(code).is_some())
            .then(|| (Item::Char(code, shown.clone()), at + 2 + len))
    };
    let other = || Item::Other(shown.clone(), format!("\\{escape}"));
    match escape {
        'x' => hex(2).or_else(|| Some((other(), at + 2))),
        'u' => hex(4).or_else(|| Some((other(), at + 2))),
        'U' => hex(8).or_else(|| Some((other(), at + 2))),
        '0'..='7' => {
            let digits: String = chars
                .get(at + 1..)?
                .iter()
                .take(3)
                .take_while(|c| c.is_digit(8))
                .collect();
            let code = u32::from_str_radix(&digits, 8).ok()?;
            let next = at + 1 + digits.chars().count();
            Some(if code <= 0o377 {
                (Item::Char(code, shown), next)
            } else {
                (other(), at + 2)
            })
        }
        // `\N{name}`, `\8`, unknown letters: the regex crate judges (and usually refuses) them.
        _ if escape.is_ascii_alphanumeric() => Some((other(), at + 2)),
        _ => Some((Item::Char(u32::from(escape), shown), at + 2)),
    }
}

/// A code point as a class member the regex crate reads literally whatever surrounds it (a
/// `-`, `&`, `~` or `[` means nothing more in Python).
fn class_char(code: u32) -> String {
    format!("\\x{{{code:X}}}")
}

/// Translates the character class opened at `chars[open]` the way Python's `re` reads it,
/// into `out`, and returns the index after its `]`. A range whose bounds are out of order or
/// include a class escape is Python's error (`bad character range z-a at position 1`), as is
/// a class that is not closed; in the regex crate `[0--9]` would be a set difference.
fn class(chars: &[char], open: usize, out: &mut String) -> Res<usize> {
    let mut index = open + 1;
    out.push('[');
    if chars.get(index) == Some(&'^') {
        out.push('^');
        index += 1;
    }
    let mut empty = true;
    loop {
        let Some(&ch) = chars.get(index) else {
            return Err(re_error(chars, "unterminated character set", open));
        };
        if ch == ']' && !empty {
            out.push(']');
            return Ok(index + 1);
        }
        empty = false;
        let Some((first, after)) = class_item(chars, index) else {
            return Err(re_error(chars, "unterminated character set", open));
        };
        let range_end = (chars.get(after) == Some(&'-'))
            .then(|| {
                chars
                    .get(after + 1)
                    .filter(|&&c| c != ']')
                    .map(|_| after + 1)
            })
            .flatten();
        let Some(second_at) = range_end else {
            push_item(out, &first);
            index = after;
            continue;
        };
        let Some((second, next)) = class_item(chars, second_at) else {
            return Err(re_error(chars, "unterminated character set", open));
        };
        let bad = || {
            let (this, that) = (first.shown(), second.shown());
            let message = format!("bad character range {this}-{that}");
            // Python counts back from the end of the range by the length of what it shows.
            let shown = this.chars().count() + 1 + that.chars().count();
            re_error(chars, &message, next.saturating_sub(shown))
        };
        match (&first, &second) {
            (Item::Char(low, _), Item::Char(high, _)) if high < low => return Err(bad()),
            (Item::Char(low, _), Item::Char(high, _)) => {
                out.push_str(&format!("{}-{}", class_char(*low), class_char(*high)));
            }
            (Item::Class(..), _) | (_, Item::Class(..)) => return Err(bad()),
            _ => {
                push_item(out, &first);
                out.push('-');
                push_item(out, &second);
            }
        }
        index = next;
    }
}

fn push_item(out: &mut String, item: &Item) {
    match item {
        Item::Char(code, _) => out.push_str(&class_char(*code)),
        Item::Class(_, class) | Item::Other(_, class) => out.push_str(class),
    }
}

/// What the pattern so far ends in, for the quantifier that may follow (see `translate`).
#[derive(Clone, Copy, PartialEq)]
enum Last {
    /// The start of the pattern, of a group or of an alternative.
    Nothing,
    /// `^`, `$`, `\A`, `\Z`, `\b` or `\B`.
    Anchor,
    /// Something a quantifier repeats.
    Atom,
    /// A quantifier.
    Repeat,
    /// A quantifier made lazy by `?`.
    Lazy,
}

/// A repeat `{n}`, `{n,}`, `{,m}` or `{n,m}` whose `{` is just before `chars[at]`: its
/// bounds' digits (the upper one None without a comma) and the index after its `}`; None when
/// the `{` starts no repeat (a literal in Python).
fn repeat_end(chars: &[char], at: usize) -> Option<(String, Option<String>, usize)> {
    let mut probe = at;
    let digits = |from: &mut usize| {
        let begin = *from;
        while chars.get(*from).is_some_and(char::is_ascii_digit) {
            *from += 1;
        }
        chars
            .get(begin..*from)
            .map(|run| run.iter().collect::<String>())
            .unwrap_or_default()
    };
    let low = digits(&mut probe);
    let high = if chars.get(probe) == Some(&',') {
        probe += 1;
        Some(digits(&mut probe))
    } else {
        None
    };
    let is_repeat = (high.is_some() || !low.is_empty()) && chars.get(probe) == Some(&'}');
    is_repeat.then_some((low, high, probe + 1))
}

/// `$matches(pattern)`: `re.search(pattern, str(value)) is not None`.
pub(crate) fn matches(value: &Value, pattern: &Value) -> Res<Value> {
    let regex = python_pattern(pattern, true)?;
    Ok(Value::Bool(regex.is_match(&py_str(value))))
}

/// One piece of a parsed replacement template.
enum Part {
    Literal(String),
    Group(usize),
}

/// `$regex_replace(pattern, replacement)`: `re.sub(pattern, replacement, str(value))`.
pub(crate) fn regex_replace(value: &Value, pattern: &Value, replacement: &Value) -> Res<Value> {
    let regex = python_pattern(pattern, false)?;
    let Value::String(template) = replacement else {
        return Err(type_error(format!(
            "decoding to str: need a bytes-like object, {} found",
            type_name(replacement)
        )));
    };
    let parts = parse_template(template, &regex)?;
    let text = py_str(value);
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    let mut position = 0;
    let mut must_advance = false;
    while position <= text.len() {
        let Some(mut captures) = regex.captures_at(&text, position) else {
            break;
        };
        let mut whole = captures
            .get(0)
            .map_or((position, position), |m| (m.start(), m.end()));
        if must_advance && whole == (position, position) {
            // An empty match where the last one ended: look again one character on.
            let Some(next) = text
                .get(position..)
                .and_then(|rest| rest.chars().next())
                .map(|ch| position + ch.len_utf8())
            else {
                break;
            };
            let Some(retry) = regex.captures_at(&text, next) else {
                break;
            };
            captures = retry;
            whole = captures
                .get(0)
                .map_or((next, next), |m| (m.start(), m.end()));
        }
        out.push_str(text.get(last..whole.0).unwrap_or(""));
        expand(&parts, &captures, &mut out);
        last = whole.1;
        must_advance = whole.0 == whole.1;
        position = whole.1;
    }
    out.push_str(text.get(last..).unwrap_or(""));
    Ok(Value::String(out))
}

fn expand(parts: &[Part], captures: &Captures, out: &mut String) {
    for part in parts {
        match part {
            Part::Literal(text) => out.push_str(text),
            // A group that did not take part in the match gives "" (Python 3.5+).
            Part::Group(index) => out.push_str(captures.get(*index).map_or("", |m| m.as_str())),
        }
    }
}

/// Python's `re._parser.parse_template`: `\1`..`\99`, `\g<n>`, `\g<name>`, octal escapes,
/// `\n`-style escapes, and the `bad escape` error for other ASCII letters.
fn parse_template(template: &str, regex: &Regex) -> Res<Vec<Part>> {
    let chars: Vec<char> = template.chars().collect();
    let groups = regex.captures_len().saturating_sub(1);
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut index = 0;
    let re_error = |message: String, position: usize| {
        err("error", format!("{message} at position {position}"))
    };
    let add_group =
        |literal: &mut String, parts: &mut Vec<Part>, group: usize, position: usize| -> Res<()> {
            if group > groups {
                return Err(re_error(
                    format!("invalid group reference {group}"),
                    position,
                ));
            }
            if !literal.is_empty() {
                parts.push(Part::Literal(std::mem::take(literal)));
            }
            parts.push(Part::Group(group));
            Ok(())
        };
    let octal = |ch: Option<&char>| ch.is_some_and(|c| ('0'..='7').contains(c));
    while let Some(&ch) = chars.get(index) {
        let start = index;
        index += 1;
        if ch != '\\' {
            literal.push(ch);
            continue;
        }
        let Some(&escape) = chars.get(index) else {
            return Err(re_error("bad escape (end of pattern)".to_owned(), start));
        };
        index += 1;
        match escape {
            'g' => {
                if chars.get(index) != Some(&'<') {
                    return Err(re_error("missing <".to_owned(), index));
                }
                index += 1;
                let name_start = index;
                while chars.get(index).is_some_and(|c| *c != '>') {
                    index += 1;
                }
                let name: String = chars.get(name_start..index).unwrap_or(&[]).iter().collect();
                if chars.get(index).is_none() {
                    return Err(re_error(
                        "missing >, unterminated name".to_owned(),
                        name_start,
                    ));
                }
                if name.is_empty() {
                    return Err(re_error("missing group name".to_owned(), name_start));
                }
                index += 1;
                let is_identifier = name
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_alphabetic() || c == '_')
                    && name.chars().all(|c| c.is_alphanumeric() || c == '_');
                let group = if is_identifier {
                    regex
                        .capture_names()
                        .position(|candidate| candidate == Some(name.as_str()))
                        .ok_or_else(|| err("IndexError", format!("unknown group name '{name}'")))?
                } else {
                    name.parse::<usize>().map_err(|_| {
                        re_error(format!("bad character in group name '{name}'"), name_start)
                    })?
                };
                add_group(&mut literal, &mut parts, group, name_start)?;
            }
            '0' => {
                let mut digits = String::new();
                for _ in 0..2 {
                    if octal(chars.get(index)) {
                        digits.extend(chars.get(index));
                        index += 1;
                    }
                }
                let code = u32::from_str_radix(&digits, 8).unwrap_or(0) & 0xff;
                literal.extend(char::from_u32(code));
            }
            '1'..='9' => {
                let mut digits = escape.to_string();
                let mut is_octal = false;
                if chars.get(index).is_some_and(char::is_ascii_digit) {
                    digits.extend(chars.get(index));
                    index += 1;
                    if octal(Some(&escape))
                        && octal(digits.chars().nth(1).as_ref())
                        && octal(chars.get(index))
                    {
                        digits.extend(chars.get(index));
                        index += 1;
                        is_octal = true;
                        let code = u32::from_str_radix(&digits, 8).unwrap_or(0);
                        if code > 0o377 {
                            return Err(re_error(
                                format!("octal escape value \\{digits} outside of range 0-0o377"),
                                start,
                            ));
                        }
                        literal.extend(char::from_u32(code));
                    }
                }
                if !is_octal {
                    let group = digits.parse().unwrap_or(usize::MAX);
                    add_group(&mut literal, &mut parts, group, start + 1)?;
                }
            }
            'a' => literal.push('\u{7}'),
            'b' => literal.push('\u{8}'),
            'f' => literal.push('\u{c}'),
            'n' => literal.push('\n'),
            'r' => literal.push('\r'),
            't' => literal.push('\t'),
            'v' => literal.push('\u{b}'),
            '\\' => literal.push('\\'),
            other if other.is_ascii_alphabetic() => {
                return Err(re_error(format!("bad escape \\{other}"), start));
            }
            other => {
                literal.push('\\');
                literal.push(other);
            }
        }
    }
    if !literal.is_empty() {
        parts.push(Part::Literal(literal));
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sub(pattern: &str, template: &str, text: &str) -> Option<Value> {
        regex_replace(&json!(text), &json!(pattern), &json!(template)).ok()
    }

    #[test]
    fn substitution_follows_python() {
        assert_eq!(sub("(a)(b)", r"\2\1", "abab"), Some(json!("baba")));
        assert_eq!(sub("x*", "-", "abxd"), Some(json!("-a-b--d-")));
        assert_eq!(
            sub("(?P<w>b)", r"[\g<w>\g<0>]", "abc"),
            Some(json!("a[bb]c"))
        );
        assert_eq!(sub("a", r"\n\.", "a"), Some(json!("\n\\.")));
        assert!(sub("(a)", r"\2", "a").is_none());
        assert!(sub("a", r"\q", "a").is_none());
    }

    fn error_text(pattern: &str) -> Option<String> {
        regex_replace(&json!("x"), &json!(pattern), &json!("y"))
            .err()
            .map(|error| format!("{}: {}", error.kind, error.message))
    }

    #[test]
    fn a_repeat_of_nothing_or_of_a_repeat_is_refused_as_python_refuses_it() {
        // Python's messages (`re.compile`), which the regex crate does not give: it repeats
        // an empty match, or reads `**` on.
        let refused = [
            ("$?", "nothing to repeat at position 1"),
            ("b$?", "nothing to repeat at position 2"),
            ("^*", "nothing to repeat at position 1"),
            (r"\b+", "nothing to repeat at position 2"),
            (r"\A{2}", "nothing to repeat at position 2"),
            ("x|*", "nothing to repeat at position 2"),
            ("(*)", "nothing to repeat at position 1"),
            ("a**", "multiple repeat at position 2"),
            ("a{2}{3}", "multiple repeat at position 4"),
            ("a*??", "multiple repeat at position 3"),
        ];
        for (pattern, message) in refused {
            assert_eq!(
                error_text(pattern),
                Some(format!("error: {message}")),
                "{pattern}"
            );
        }
        // What Python accepts still works: lazy repeats, groups, a `{` that repeats nothing.
        assert_eq!(sub("a+?", "_", "aa"), Some(json!("__")));
        assert_eq!(sub("(?:ab)+", "_", "abab!"), Some(json!("_!")));
        assert_eq!(sub("(?i)A+", "_", "aA!"), Some(json!("_!")));
        assert_eq!(sub("x{a}", "_", "x{a}"), Some(json!("_")));
        assert_eq!(sub("()*b", "_", "b"), Some(json!("_")));
    }

    #[test]
    fn classes_are_read_as_python_reads_them() {
        // Python's `re` refuses a range out of order or with a class escape at either end.
        let bad = |pattern: &str, range: &str, at: usize| {
            let wanted = format!("error: bad character range {range} at position {at}");
            assert_eq!(error_text(pattern), Some(wanted), "{pattern}");
        };
        bad("[0--9]", "0--", 1);
        bad("[9-0]", "9-0", 1);
        bad("x[z-a]", "z-a", 2);
        bad(r"[a-\d]", r"a-\d", 1);
        bad(r"[\w-z]", r"\w-z", 1);
        bad(r"[\x39-\x30]", r"\x-\x", 5);
        assert_eq!(
            error_text("a\n[b"),
            Some("error: unterminated character set at position 2 (line 2, column 1)".into())
        );
        // What it accepts, it reads as Python: `-`, `&`, `~` and `[` are plain members.
        assert_eq!(sub("[--0]", "_", "a-/0"), Some(json!("a___")));
        assert_eq!(sub("[!--]", "_", "!,-."), Some(json!("___.")));
        assert_eq!(sub("[0-]", "_", "0-1"), Some(json!("__1")));
        assert_eq!(sub("[]a]", "_", "]ab"), Some(json!("__b")));
        assert_eq!(sub("[^]a]", "_", "]ab"), Some(json!("]a_")));
        assert_eq!(sub("[a&&b~~[]", "_", "a&b~[c"), Some(json!("_____c")));
        assert_eq!(sub(r"[\d\s]", "_", "1 x"), Some(json!("__x")));
        assert_eq!(
            sub(r"[\b\n\x41-\x43]", "_", "\u{8}\nBD"),
            Some(json!("___D"))
        );
    }
}
