//! Literals: drawing them for predicates and filter arguments, and rendering JSON values (and the
//! tagged Python values) as Python literals.

use base64::Engine as _;
use serde_json::Value;

use super::tables::A;
use super::{Gen, KEYS, STRINGS};
use crate::parity::fuzz::python::{container_items, tag_of};

impl Gen {
    /// A literal of or near `value`: itself, a neighbouring number, its text unquoted.
    pub(super) fn near_literal(&mut self, value: &Value) -> String {
        match value {
            Value::Number(n) if self.chance(30) => {
                let base = n.as_i64().unwrap_or(0);
                (base + self.rng.i64(-1..=1)).to_string()
            }
            Value::String(s) if self.chance(20) && !s.is_empty() => s.clone(),
            Value::Number(n) if self.chance(15) => format!("'{n}'"),
            _ => py_literal(value),
        }
    }

    pub(super) fn literal(&mut self) -> String {
        if self.python && self.chance(15) {
            return self.arg(A::PyLit);
        }
        match self.rng.u32(0..100) {
            0..=39 => self.rng.i64(-3..=12).to_string(),
            40..=49 => format!("{:?}", self.rng.i64(-8..=20) as f64 / 4.0),
            50..=69 => py_str(self.pick(&STRINGS)),
            70..=79 => self.pick(&["True", "False", "None"]).to_owned(),
            80..=89 => self.pick(&KEYS).to_owned(),
            // No tuple or set literals: JSON has neither, and the core's stand-ins differ
            // from Python by design.
            _ => self
                .pick(&["[1, 2]", "{'a': 1}", "1e3", "-0", "x y", "'"])
                .to_owned(),
        }
    }

    pub(super) fn arg(&mut self, kind: A) -> String {
        match kind {
            A::Int => self.rng.i64(-2..=5).to_string(),
            A::Pos => self.rng.i64(1..=4).to_string(),
            A::Pct => self
                .pick(&["0", "25", "50", "75", "100", "150", "-5", "33.5"])
                .to_owned(),
            A::Str => self
                .pick(&["'a'", "'b'", "','", "''", "'x'", "a", "'1'", "' '"])
                .to_owned(),
            A::Key => {
                // A key path: one key mostly, now and then two or none at all.
                let key = match self.rng.u32(0..100) {
                    0..=3 => "",
                    4..=7 => "a.b",
                    _ => self.pick(&KEYS),
                };
                if self.chance(85) {
                    py_str(key)
                } else {
                    key.to_owned()
                }
            }
            A::Pat => self
                .pick(&["'a'", "'^a'", "'b$'", "'[0-9]'", "'x|y'", "'('"])
                .to_owned(),
            A::TypeName => self
                .pick(&[
                    "'int'",
                    "'str'",
                    "'list'",
                    "'dict'",
                    "'NoneType'",
                    "'bool'",
                    "'float'",
                ])
                .to_owned(),
            A::Any => self.literal(),
            A::List => self
                .pick(&["[1, 2, 3]", "['a', 'b']", "[]", "'abc'"])
                .to_owned(),
            A::Flag => self.pick(&["True", "False", "1", "0"]).to_owned(),
            A::PyLit => self
                .pick(&[
                    "(1, 2)",
                    "(1,)",
                    "()",
                    "{1, 2}",
                    "{3}",
                    "99999999999999999999",
                    "-18446744073709551616",
                    "b'a'",
                    "(1, 'a')",
                    "frozenset()",
                    "nan",
                    "[1, 2]",
                    "1j",
                    "(1+2j)",
                    "...",
                    "1e400",
                    "{1: 'a'}",
                    "((1, 2), [3])",
                ])
                .to_owned(),
            A::PyKey => self
                .pick(&[
                    "1",
                    "0",
                    "True",
                    "None",
                    "(1, 2)",
                    "'a'",
                    "'id'",
                    "2.5",
                    "99999999999999999999",
                ])
                .to_owned(),
            A::Bytes => self
                .pick(&["b'a'", "b''", "b'hello'", "b'\\x00'", "'a'"])
                .to_owned(),
            A::Fmt => self
                .pick(&[
                    "'%Y-%m-%d'",
                    "'%H:%M:%S'",
                    "'%Y'",
                    "'%j'",
                    "'%d/%m/%y %I%p'",
                    "'x'",
                    "'%z'",
                ])
                .to_owned(),
            A::Date => self
                .pick(&[
                    "'2024-01-01'",
                    "'2000-01-01T00:00:00+00:00'",
                    "0",
                    "1700000000",
                    "'bad'",
                    "'2024-01-02T03:04:05'",
                ])
                .to_owned(),
        }
    }

    pub(super) fn args(&mut self, kinds: &[A]) -> Vec<String> {
        kinds.iter().map(|kind| self.arg(*kind)).collect()
    }
}

/// A quoted Python string literal.
fn py_str(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        if c == '\'' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// The Python literal of a JSON value (of the value a tagged one stands for; where Python has
/// no literal for it, such as NaN or a datetime, its text, which a predicate compares with
/// `str()` of the item).
fn py_literal(value: &Value) -> String {
    if let Some(items) = container_items(value) {
        // A dict or list subclass equals the dict or list of its items.
        return py_literal(items);
    }
    if let Some((tag, body)) = tag_of(value) {
        return tagged_literal(tag, body);
    }
    match value {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => py_str(s),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(py_literal).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Object(map) => {
            let parts: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", py_str(k), py_literal(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

fn tagged_literal(tag: &str, body: &Value) -> String {
    let join = |items: &[Value]| items.iter().map(py_literal).collect::<Vec<_>>().join(", ");
    let text = body.as_str().unwrap_or_default();
    match (tag, body) {
        ("$tuple", Value::Array(items)) if items.len() == 1 => format!("({},)", join(items)),
        ("$tuple", Value::Array(items)) => format!("({})", join(items)),
        ("$set", Value::Array(items)) if !items.is_empty() => format!("{{{}}}", join(items)),
        ("$set", _) => "set()".into(),
        ("$frozenset", Value::Array(items)) => format!("frozenset({{{}}})", join(items)),
        ("$dict", Value::Array(pairs)) => {
            let parts: Vec<String> = pairs
                .iter()
                .filter_map(|pair| match pair.as_array().map(Vec::as_slice) {
                    Some([key, value]) => {
                        Some(format!("{}: {}", py_literal(key), py_literal(value)))
                    }
                    _ => None,
                })
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        ("$bytes", _) => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(text)
                .unwrap_or_default();
            bytes_literal(&bytes)
        }
        _ => text.to_owned(),
    }
}

/// `repr()` of a bytes value.
fn bytes_literal(bytes: &[u8]) -> String {
    let mut out = String::from("b'");
    for &byte in bytes {
        match byte {
            b'\\' => out.push_str("\\\\"),
            b'\'' => out.push_str("\\'"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            0x20..=0x7e => out.push(char::from(byte)),
            _ => out.push_str(&format!("\\x{byte:02x}")),
        }
    }
    out.push('\'');
    out
}
