//! `$to_json` and `$from_json`: Python's `json.dumps` (default separators, `ensure_ascii`) and
//! `json.loads` (which also reads `NaN`, `Infinity` and ints of any size).

use serde_json::{Map, Value};

use super::py::{err, float_value, int_value, not_json, Res};
use crate::pyfmt::json_dumps;

/// `$to_json`: `json.dumps(value)`.
pub(crate) fn to_json(value: &Value) -> Value {
    Value::String(json_dumps(value, true))
}

/// `$from_json`: `json.loads(value)` for a str; None for anything else and for invalid JSON.
pub(crate) fn from_json(value: &Value) -> Res<Value> {
    let Value::String(text) = value else {
        return Ok(Value::Null);
    };
    let mut parser = Parser {
        bytes: text.as_bytes(),
        pos: 0,
        depth: 0,
        unrepresentable: None,
    };
    parser.skip_whitespace();
    let parsed = match parser.value() {
        Ok(parsed) => parsed,
        Err(Failure::Invalid) => return Ok(Value::Null),
        Err(Failure::Error(error)) => return Err(error),
    };
    parser.skip_whitespace();
    if parser.pos != parser.bytes.len() {
        return Ok(Value::Null);
    }
    // Only a document that parses completely can fail for holding an unrepresentable value.
    match parser.unrepresentable {
        Some(error) => Err(error),
        None => Ok(parsed),
    }
}

/// Why parsing stopped: invalid JSON (a ValueError, so None), or a value JSON has but this
/// crate's values cannot hold (NaN, an int beyond 64 bits, a lone surrogate).
enum Failure {
    Invalid,
    Error(super::FilterError),
}

impl From<super::FilterError> for Failure {
    fn from(error: super::FilterError) -> Self {
        Failure::Error(error)
    }
}

/// How deep CPython's recursive JSON scanner gets before a RecursionError.
const MAX_DEPTH: usize = 990;

struct Parser<'a> {
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
    /// The first value Python reads but JSON values cannot hold (NaN, a big int).
    unrepresentable: Option<super::FilterError>,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, literal: &str) -> bool {
        if self.bytes.get(self.pos..self.pos + literal.len()) == Some(literal.as_bytes()) {
            self.pos += literal.len();
            true
        } else {
            false
        }
    }

    /// A parsed scalar, or a placeholder while remembering why it cannot be represented.
    fn keep(&mut self, result: Res<Value>) -> Value {
        result.unwrap_or_else(|error| {
            self.unrepresentable.get_or_insert(error);
            Value::Null
        })
    }

    fn value(&mut self) -> Result<Value, Failure> {
        match self.peek() {
            Some(b'{') => self.nested(Self::object),
            Some(b'[') => self.nested(Self::array),
            Some(b'"') => Ok(Value::String(self.string()?)),
            Some(b'n') if self.eat("null") => Ok(Value::Null),
            Some(b't') if self.eat("true") => Ok(Value::Bool(true)),
            Some(b'f') if self.eat("false") => Ok(Value::Bool(false)),
            Some(b'N') if self.eat("NaN") => Ok(self.keep(float_value(f64::NAN))),
            Some(b'I') if self.eat("Infinity") => Ok(self.keep(float_value(f64::INFINITY))),
            Some(b'-') if self.eat("-Infinity") => Ok(self.keep(float_value(f64::NEG_INFINITY))),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(Failure::Invalid),
        }
    }

    fn nested(&mut self, parse: fn(&mut Self) -> Result<Value, Failure>) -> Result<Value, Failure> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Failure::Error(err(
                "RecursionError",
                "maximum recursion depth exceeded while decoding a JSON document from a unicode string",
            )));
        }
        let result = parse(self);
        self.depth -= 1;
        result
    }

    fn object(&mut self) -> Result<Value, Failure> {
        self.pos += 1;
        let mut map = Map::new();
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Value::Object(map));
        }
        loop {
            if self.peek() != Some(b'"') {
                return Err(Failure::Invalid);
            }
            let key = self.string()?;
            self.skip_whitespace();
            if self.peek() != Some(b':') {
                return Err(Failure::Invalid);
            }
            self.pos += 1;
            self.skip_whitespace();
            let item = self.value()?;
            // A repeated key keeps its first position and takes the last value, as a dict does.
            map.insert(key, item);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.skip_whitespace();
                }
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Value::Object(map));
                }
                _ => return Err(Failure::Invalid),
            }
        }
    }

    fn array(&mut self) -> Result<Value, Failure> {
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Value::Array(items));
        }
        loop {
            items.push(self.value()?);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.skip_whitespace();
                }
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Value::Array(items));
                }
                _ => return Err(Failure::Invalid),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, Failure> {
        let digits = self
            .bytes
            .get(self.pos..self.pos + 4)
            .ok_or(Failure::Invalid)?;
        let text = std::str::from_utf8(digits).map_err(|_| Failure::Invalid)?;
        if !text.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return Err(Failure::Invalid);
        }
        self.pos += 4;
        u32::from_str_radix(text, 16).map_err(|_| Failure::Invalid)
    }

    fn string(&mut self) -> Result<String, Failure> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let start = self.pos;
            while matches!(self.peek(), Some(byte) if byte != b'"' && byte != b'\\' && byte >= 0x20)
            {
                self.pos += 1;
            }
            let chunk = self.bytes.get(start..self.pos).ok_or(Failure::Invalid)?;
            out.push_str(std::str::from_utf8(chunk).map_err(|_| Failure::Invalid)?);
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let escape = self.peek().ok_or(Failure::Invalid)?;
                    self.pos += 1;
                    match escape {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let unit = self.hex4()?;
                            let code = if (0xd800..0xdc00).contains(&unit) && self.eat("\\u") {
                                let low = self.hex4()?;
                                if (0xdc00..0xe000).contains(&low) {
                                    0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00)
                                } else {
                                    self.keep(Err(lone_surrogate()));
                                    self.pos -= 6;
                                    unit
                                }
                            } else {
                                unit
                            };
                            match char::from_u32(code) {
                                Some(ch) => out.push(ch),
                                None => {
                                    self.keep(Err(lone_surrogate()));
                                }
                            }
                        }
                        _ => return Err(Failure::Invalid),
                    }
                }
                // A control character inside a string, or the end of the text.
                _ => return Err(Failure::Invalid),
            }
        }
    }

    fn number(&mut self) -> Result<Value, Failure> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                while self.peek().is_some_and(|byte| byte.is_ascii_digit()) {
                    self.pos += 1;
                }
            }
            _ => return Err(Failure::Invalid),
        }
        let mut is_float = false;
        if self.peek() == Some(b'.') && self.bytes.get(self.pos + 1).is_some_and(u8::is_ascii_digit)
        {
            is_float = true;
            self.pos += 1;
            while self.peek().is_some_and(|byte| byte.is_ascii_digit()) {
                self.pos += 1;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            let mut probe = self.pos + 1;
            if matches!(self.bytes.get(probe), Some(b'+' | b'-')) {
                probe += 1;
            }
            if self.bytes.get(probe).is_some_and(u8::is_ascii_digit) {
                is_float = true;
                self.pos = probe;
                while self.peek().is_some_and(|byte| byte.is_ascii_digit()) {
                    self.pos += 1;
                }
            }
        }
        let text = std::str::from_utf8(self.bytes.get(start..self.pos).ok_or(Failure::Invalid)?)
            .map_err(|_| Failure::Invalid)?;
        if is_float {
            let parsed: f64 = text.parse().map_err(|_| Failure::Invalid)?;
            return Ok(self.keep(float_value(parsed)));
        }
        let int = text.parse::<i128>().map_err(|_| {
            not_json(
                "OverflowError",
                format!("the int {text} does not fit in 64 bits; Python would give a big int, JSON cannot hold it"),
            )
        });
        let result = int.and_then(int_value);
        Ok(self.keep(result))
    }
}

fn lone_surrogate() -> super::FilterError {
    super::py::type_error(
        "the JSON text holds a lone surrogate, which a Rust string cannot represent",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dumps_like_python() {
        assert_eq!(
            to_json(&json!({"a": [1, 2.5, null, true], "é": "x\u{1f600}"})),
            json!("{\"a\": [1, 2.5, null, true], \"\\u00e9\": \"x\\ud83d\\ude00\"}")
        );
        assert_eq!(to_json(&json!(1e16)), json!("1e+16"));
    }

    #[test]
    fn loads_like_python() {
        assert_eq!(
            from_json(&json!(" {\"a\": 1, \"a\": [1.0, -0]} ")).ok(),
            Some(json!({"a": [1.0, 0]}))
        );
        assert_eq!(from_json(&json!("[1,]")).ok(), Some(json!(null)));
        assert_eq!(from_json(&json!("01")).ok(), Some(json!(null)));
        assert!(from_json(&json!("NaN")).is_err());
        assert!(from_json(&json!("123456789012345678901234567890")).is_err());
    }
}
