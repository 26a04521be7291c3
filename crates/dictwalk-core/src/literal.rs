//! Python literals as `ast.literal_eval` reads them: filter arguments and predicate right-hand sides.
//!
//! The path language hands the text of every filter argument and of a predicate's right-hand
//! side to `ast.literal_eval`, falling back to the raw text when that raises. This module
//! tokenizes and parses the same subset of Python's expression grammar and accepts exactly
//! the shapes `literal_eval` converts: constants (numbers, strings, bytes, `True`, `False`,
//! `None`, `...`), tuples, lists, sets, dicts, `set()`, a sign on a number, and a real number
//! plus or minus an imaginary one. Known gaps, all rare: `\N{name}` escapes and lone
//! surrogates (`'\ud800'`) are treated as failures, and sets keep their first-seen order
//! where Python would order them by hash.

use std::collections::VecDeque;

/// How deeply brackets may nest: CPython's tokenizer refuses the 201st level.
pub const MAX_NESTING: usize = 200;

/// The most digits a decimal int literal may have (CPython's `int_max_str_digits`).
const MAX_INT_DIGITS: usize = 4300;

/// A Python literal value.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    /// `None`.
    None,
    /// `True` or `False`.
    Bool(bool),
    /// An int that fits in 64 bits.
    Int(i64),
    /// An int beyond 64 bits: `text` is its source form (sign, base prefix, digits, without
    /// underscores) for models that hold big ints, `approx` the nearest float for those
    /// that do not.
    BigInt {
        /// Source form, e.g. `-123456789012345678901234` or `0xFFFFFFFFFFFFFFFFFF`.
        text: String,
        /// The nearest `f64` (may be infinite).
        approx: f64,
    },
    /// A float (`1e400` is infinite, as in Python).
    Float(f64),
    /// A complex number such as `1+2j`.
    Complex {
        /// Real part.
        re: f64,
        /// Imaginary part.
        im: f64,
    },
    /// A str.
    Str(String),
    /// A bytes literal such as `b'ab'`.
    Bytes(Vec<u8>),
    /// `...`.
    Ellipsis,
    /// `[a, b]`.
    List(Vec<Literal>),
    /// `(a, b)`.
    Tuple(Vec<Literal>),
    /// `{a, b}` or `set()`, duplicates removed.
    Set(Vec<Literal>),
    /// `{k: v}`, duplicate keys merged as Python does (first key, last value).
    Dict(Vec<(Literal, Literal)>),
}

/// `ast.literal_eval(text)`, or `None` where it raises.
pub fn parse(text: &str) -> Option<Literal> {
    // literal_eval strips leading spaces and tabs; Python reads "\r\n" and "\r" as "\n".
    let source = text.trim_start_matches([' ', '\t']);
    if source.contains('\0') {
        return None;
    }
    let source = source.replace("\r\n", "\n").replace('\r', "\n");
    let tokens = tokenize(&source)?;
    Parser {
        tokens: tokens.into(),
    }
    .parse_top()
}

/// The value of an argument or right-hand side: the literal, else the text itself as a str.
pub fn parse_or_raw(text: &str) -> Literal {
    parse(text).unwrap_or_else(|| Literal::Str(text.to_owned()))
}

// ---------------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Int(IntValue),
    Float(f64),
    Imaginary(f64),
    Str(String),
    Bytes(Vec<u8>),
    /// An f-string: valid Python, but never a literal.
    FString,
    Name(String),
    Ellipsis,
    Punct(char),
    Newline,
}

#[derive(Clone, Debug, PartialEq)]
struct IntValue {
    magnitude: Option<u128>,
    text: String,
    approx: f64,
}

fn tokenize(source: &str) -> Option<Vec<Tok>> {
    let chars: Vec<char> = source.chars().collect();
    let mut lexer = Lexer {
        chars,
        pos: 0,
        tokens: Vec::new(),
        brackets: Vec::new(),
    };
    lexer.run()?;
    Some(lexer.tokens)
}

struct Lexer {
    chars: Vec<char>,
    pos: usize,
    tokens: Vec<Tok>,
    brackets: Vec<char>,
}

impl Lexer {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn run(&mut self) -> Option<()> {
        let mut line_start = true;
        loop {
            if line_start && self.brackets.is_empty() {
                // Indentation of a new logical line: none is allowed before a token, and a
                // line of only spaces at the very end is an "unexpected indent" too.
                let mut column = 0;
                while let Some(ch) = self.peek() {
                    match ch {
                        ' ' | '\t' => column += 1,
                        '\x0c' => column = 0,
                        _ => break,
                    }
                    self.pos += 1;
                }
                match self.peek() {
                    None => return if column == 0 { Some(()) } else { None },
                    Some('\n') => {
                        self.pos += 1;
                        continue;
                    }
                    Some('#') => {
                        self.skip_comment();
                        continue;
                    }
                    // A continuation before any token: the indentation is the next line's.
                    Some('\\') => {
                        if self.peek_at(1) != Some('\n') || self.peek_at(2).is_none() {
                            return None;
                        }
                        self.pos += 2;
                        continue;
                    }
                    Some(_) if column > 0 => return None,
                    Some(_) => line_start = false,
                }
            }
            let Some(ch) = self.peek() else {
                return Some(());
            };
            match ch {
                ' ' | '\t' | '\x0c' => self.pos += 1,
                '#' => self.skip_comment(),
                '\\' => {
                    // An explicit line continuation; anything else after a backslash is an error,
                    // and so is a continuation that ends the input.
                    if self.peek_at(1) != Some('\n') || self.peek_at(2).is_none() {
                        return None;
                    }
                    self.pos += 2;
                }
                '\n' => {
                    self.pos += 1;
                    if self.brackets.is_empty() {
                        // A line without tokens (a continuation alone) ends no logical line.
                        if !matches!(self.tokens.last(), None | Some(Tok::Newline)) {
                            self.tokens.push(Tok::Newline);
                        }
                        line_start = true;
                    }
                }
                '0'..='9' => self.number()?,
                '.' if matches!(self.peek_at(1), Some('0'..='9')) => self.number()?,
                '.' if self.peek_at(1) == Some('.') && self.peek_at(2) == Some('.') => {
                    self.pos += 3;
                    self.tokens.push(Tok::Ellipsis);
                }
                '\'' | '"' => self.string("")?,
                '(' | '[' | '{' => {
                    if self.brackets.len() >= MAX_NESTING {
                        return None;
                    }
                    self.brackets.push(ch);
                    self.pos += 1;
                    self.tokens.push(Tok::Punct(ch));
                }
                ')' | ']' | '}' => {
                    let open = self.brackets.pop()?;
                    if !matches!((open, ch), ('(', ')') | ('[', ']') | ('{', '}')) {
                        return None;
                    }
                    self.pos += 1;
                    self.tokens.push(Tok::Punct(ch));
                }
                ',' | ':' | '+' | '-' => {
                    self.pos += 1;
                    self.tokens.push(Tok::Punct(ch));
                }
                _ if ch == '_' || ch.is_alphabetic() => self.name()?,
                _ => return None,
            }
        }
    }

    fn skip_comment(&mut self) {
        while let Some(ch) = self.peek() {
            if ch == '\n' {
                break;
            }
            self.pos += 1;
        }
    }

    fn name(&mut self) -> Option<()> {
        let start = self.pos;
        while let Some(ch) = self.peek() {
            if ch == '_' || ch.is_alphanumeric() {
                self.pos += 1;
            } else {
                break;
            }
        }
        let word: String = self.chars.get(start..self.pos)?.iter().collect();
        if matches!(self.peek(), Some('\'' | '"')) {
            let prefix = word.to_ascii_lowercase();
            if matches!(
                prefix.as_str(),
                "b" | "r" | "u" | "f" | "br" | "rb" | "fr" | "rf"
            ) {
                return self.string(&prefix);
            }
        }
        self.tokens.push(Tok::Name(word));
        Some(())
    }

    fn digits_with_underscores(&mut self, is_digit: fn(char) -> bool) -> Option<String> {
        // One or more digits, with single underscores between them.
        let mut out = String::new();
        loop {
            let ch = self.peek().filter(|&c| is_digit(c))?;
            out.push(ch);
            self.pos += 1;
            while let Some(ch) = self.peek().filter(|&c| is_digit(c)) {
                out.push(ch);
                self.pos += 1;
            }
            if self.peek() == Some('_') {
                self.pos += 1;
                continue;
            }
            return Some(out);
        }
    }

    fn number(&mut self) -> Option<()> {
        let is_dec = |c: char| c.is_ascii_digit();
        let first = self.peek()?;
        if first == '0' {
            let radix = match self.peek_at(1) {
                Some('x' | 'X') => Some((16, "0x")),
                Some('o' | 'O') => Some((8, "0o")),
                Some('b' | 'B') => Some((2, "0b")),
                _ => None,
            };
            if let Some((radix, prefix)) = radix {
                self.pos += 2;
                if self.peek() == Some('_') {
                    self.pos += 1;
                }
                let digits = match radix {
                    16 => self.digits_with_underscores(|c| c.is_ascii_hexdigit())?,
                    8 => self.digits_with_underscores(|c| matches!(c, '0'..='7'))?,
                    _ => self.digits_with_underscores(|c| matches!(c, '0' | '1'))?,
                };
                self.end_of_number()?;
                let value = int_value(&digits, radix, prefix)?;
                self.tokens.push(Tok::Int(value));
                return Some(());
            }
        }
        // Decimal: integer part (possibly empty before a '.'), fraction, exponent, 'j'.
        let mut text = String::new();
        if first != '.' {
            text = self.digits_with_underscores(is_dec)?;
        }
        let mut is_float = false;
        if self.peek() == Some('.') {
            is_float = true;
            self.pos += 1;
            text.push('.');
            if self.peek().is_some_and(is_dec) {
                text.push_str(&self.digits_with_underscores(is_dec)?);
            }
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            let sign = self.peek_at(1);
            let digit_at = if matches!(sign, Some('+' | '-')) {
                2
            } else {
                1
            };
            if !self.peek_at(digit_at).is_some_and(is_dec) {
                return None;
            }
            is_float = true;
            text.push('e');
            if let Some(sign @ ('+' | '-')) = sign {
                text.push(sign);
            }
            self.pos += digit_at;
            text.push_str(&self.digits_with_underscores(is_dec)?);
        }
        if matches!(self.peek(), Some('j' | 'J')) {
            self.pos += 1;
            self.end_of_number()?;
            self.tokens.push(Tok::Imaginary(text.parse().ok()?));
            return Some(());
        }
        self.end_of_number()?;
        if is_float {
            self.tokens.push(Tok::Float(text.parse().ok()?));
        } else {
            // "0", "00" and "0_0" are fine; other leading zeros are not.
            if text.len() > 1 && text.starts_with('0') && text.chars().any(|c| c != '0') {
                return None;
            }
            self.tokens.push(Tok::Int(int_value(&text, 10, "")?));
        }
        Some(())
    }

    fn end_of_number(&self) -> Option<()> {
        match self.peek() {
            Some(ch) if ch == '_' || ch.is_alphanumeric() => None,
            _ => Some(()),
        }
    }

    fn string(&mut self, prefix: &str) -> Option<()> {
        let quote = self.peek()?;
        let triple = self.peek_at(1) == Some(quote) && self.peek_at(2) == Some(quote);
        let quote_len = if triple { 3 } else { 1 };
        self.pos += quote_len;
        let start = self.pos;
        let mut closing = 0;
        while closing < quote_len {
            let ch = self.peek()?;
            self.pos += 1;
            if ch == '\n' && !triple {
                return None;
            }
            if ch == quote {
                closing += 1;
            } else {
                closing = 0;
                if ch == '\\' {
                    self.peek()?;
                    self.pos += 1;
                }
            }
        }
        let body: String = self
            .chars
            .get(start..self.pos - quote_len)?
            .iter()
            .collect();
        let raw = prefix.contains('r');
        let token = if prefix.contains('f') {
            Tok::FString
        } else if prefix.contains('b') {
            Tok::Bytes(decode_bytes(&body, raw)?)
        } else {
            Tok::Str(decode_str(&body, raw)?)
        };
        self.tokens.push(token);
        Some(())
    }
}

fn int_value(digits: &str, radix: u32, prefix: &str) -> Option<IntValue> {
    if digits.len() > MAX_INT_DIGITS {
        return None;
    }
    let magnitude = u128::from_str_radix(digits, radix).ok();
    let approx = if radix == 10 {
        digits.parse().ok()?
    } else {
        digits
            .chars()
            .filter_map(|c| c.to_digit(radix))
            .fold(0.0_f64, |acc, d| acc * f64::from(radix) + f64::from(d))
    };
    Some(IntValue {
        magnitude,
        text: format!("{prefix}{digits}"),
        approx,
    })
}

fn decode_str(body: &str, raw: bool) -> Option<String> {
    if raw {
        return Some(body.to_owned());
    }
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    while let Some(ch) = chars.next() {
        if ch != '\\' {
            out.push(ch);
            continue;
        }
        let escaped = chars.next()?;
        match escaped {
            '\n' => {}
            '\\' | '\'' | '"' => out.push(escaped),
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\x0b'),
            '0'..='7' => {
                let mut code = escaped.to_digit(8)?;
                for _ in 0..2 {
                    match chars.peek().and_then(|c| c.to_digit(8)) {
                        Some(digit) => {
                            code = code * 8 + digit;
                            chars.next();
                        }
                        None => break,
                    }
                }
                out.push(char::from_u32(code)?);
            }
            'x' => out.push(char::from_u32(hex_digits(&mut chars, 2)?)?),
            'u' => out.push(char::from_u32(hex_digits(&mut chars, 4)?)?),
            'U' => out.push(char::from_u32(hex_digits(&mut chars, 8)?)?),
            // `\N{name}` needs Unicode's name table, which the core does not carry.
            'N' => return None,
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    Some(out)
}

fn decode_bytes(body: &str, raw: bool) -> Option<Vec<u8>> {
    if !body.is_ascii() {
        return None;
    }
    let bytes = body.as_bytes();
    if raw {
        return Some(bytes.to_vec());
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        i += 1;
        if byte != b'\\' {
            out.push(byte);
            continue;
        }
        let escaped = *bytes.get(i)?;
        i += 1;
        match escaped {
            b'\n' => {}
            b'\\' | b'\'' | b'"' => out.push(escaped),
            b'a' => out.push(0x07),
            b'b' => out.push(0x08),
            b'f' => out.push(0x0c),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(0x0b),
            b'0'..=b'7' => {
                let mut code = u32::from(escaped - b'0');
                for _ in 0..2 {
                    match bytes.get(i) {
                        Some(&digit @ b'0'..=b'7') => {
                            code = code * 8 + u32::from(digit - b'0');
                            i += 1;
                        }
                        _ => break,
                    }
                }
                // Python keeps the low byte of an octal escape above \377.
                out.push(code.to_le_bytes()[0]);
            }
            b'x' => {
                let high = char::from(*bytes.get(i)?).to_digit(16)?;
                let low = char::from(*bytes.get(i + 1)?).to_digit(16)?;
                i += 2;
                out.push(u8::try_from(high * 16 + low).ok()?);
            }
            other => {
                out.push(b'\\');
                out.push(other);
            }
        }
    }
    Some(out)
}

fn hex_digits(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, count: usize) -> Option<u32> {
    let mut code: u32 = 0;
    for _ in 0..count {
        let digit = chars.next()?.to_digit(16)?;
        code = code.checked_mul(16)?.checked_add(digit)?;
    }
    Some(code)
}

// ---------------------------------------------------------------------------------------------
// Parser: the shapes literal_eval accepts
// ---------------------------------------------------------------------------------------------

/// What kind of syntax node a parsed value came from; literal_eval's sign and complex rules
/// depend on it (`-(1)` is a signed constant, `-(-1)` is not accepted).
#[derive(Clone, Copy, PartialEq)]
enum Shape {
    /// A number constant (int, float or imaginary; not a bool).
    Number,
    /// A sign applied to a number constant.
    Signed,
    /// Anything else literal_eval accepts.
    Other,
}

struct Parser {
    tokens: VecDeque<Tok>,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.front()
    }

    fn eat_punct(&mut self, punct: char) -> bool {
        if self.peek() == Some(&Tok::Punct(punct)) {
            self.tokens.pop_front();
            return true;
        }
        false
    }

    fn parse_top(mut self) -> Option<Literal> {
        let value = self.sequence(None)?;
        while self.peek() == Some(&Tok::Newline) {
            self.tokens.pop_front();
        }
        self.tokens.is_empty().then_some(value)
    }

    /// `a` or `a, b, ...` up to `close` (or the end of the line): a tuple when a comma occurs.
    fn sequence(&mut self, close: Option<char>) -> Option<Literal> {
        let (first, _) = self.expression()?;
        if !self.eat_punct(',') {
            return Some(first);
        }
        let mut items = vec![first];
        while !self.at_end_of(close) {
            items.push(self.expression()?.0);
            if !self.eat_punct(',') {
                break;
            }
        }
        Some(Literal::Tuple(items))
    }

    fn at_end_of(&self, close: Option<char>) -> bool {
        match (self.peek(), close) {
            (None | Some(Tok::Newline), None) => true,
            (Some(Tok::Punct(ch)), Some(close)) => *ch == close,
            _ => false,
        }
    }

    fn expression(&mut self) -> Option<(Literal, Shape)> {
        let (left, left_shape) = self.unary()?;
        let negative = match self.peek() {
            Some(Tok::Punct('+')) => false,
            Some(Tok::Punct('-')) => true,
            _ => return Some((left, left_shape)),
        };
        self.tokens.pop_front();
        let (right, right_shape) = self.unary()?;
        // literal_eval accepts only <real number> +/- <imaginary constant>.
        let real = match (&left, left_shape) {
            (Literal::Int(value), Shape::Number | Shape::Signed) => *value as f64,
            (Literal::BigInt { approx, .. }, Shape::Number | Shape::Signed) => *approx,
            (Literal::Float(value), Shape::Number | Shape::Signed) => *value,
            _ => return None,
        };
        let Literal::Complex { re, im } = right else {
            return None;
        };
        if right_shape != Shape::Number {
            return None;
        }
        let value = if negative {
            Literal::Complex {
                re: real - re,
                im: 0.0 - im,
            }
        } else {
            Literal::Complex {
                re: real + re,
                im: 0.0 + im,
            }
        };
        if matches!(self.peek(), Some(Tok::Punct('+' | '-'))) {
            // `a + b + c`: the left operand of the outer operation is not a number.
            return None;
        }
        Some((value, Shape::Other))
    }

    fn unary(&mut self) -> Option<(Literal, Shape)> {
        let negative = match self.peek() {
            Some(Tok::Punct('+')) => false,
            Some(Tok::Punct('-')) => true,
            _ => return self.atom(),
        };
        self.tokens.pop_front();
        let (operand, shape) = self.unary()?;
        if shape != Shape::Number {
            return None;
        }
        let value = if negative { negate(operand)? } else { operand };
        Some((value, Shape::Signed))
    }

    fn atom(&mut self) -> Option<(Literal, Shape)> {
        let token = self.tokens.pop_front()?;
        let result = match token {
            Tok::Int(value) => (int_literal(value, false), Shape::Number),
            Tok::Float(value) => (Literal::Float(value), Shape::Number),
            Tok::Imaginary(value) => (Literal::Complex { re: 0.0, im: value }, Shape::Number),
            Tok::Str(first) => {
                let mut text = first;
                loop {
                    match self.peek() {
                        Some(Tok::Str(next)) => text.push_str(next),
                        Some(Tok::Bytes(_) | Tok::FString) => return None,
                        _ => break,
                    }
                    self.tokens.pop_front();
                }
                (Literal::Str(text), Shape::Other)
            }
            Tok::Bytes(first) => {
                let mut bytes = first;
                loop {
                    match self.peek() {
                        Some(Tok::Bytes(next)) => bytes.extend_from_slice(next),
                        Some(Tok::Str(_) | Tok::FString) => return None,
                        _ => break,
                    }
                    self.tokens.pop_front();
                }
                (Literal::Bytes(bytes), Shape::Other)
            }
            Tok::FString | Tok::Newline => return None,
            Tok::Ellipsis => (Literal::Ellipsis, Shape::Other),
            Tok::Name(name) => match name.as_str() {
                "None" => (Literal::None, Shape::Other),
                "True" => (Literal::Bool(true), Shape::Other),
                "False" => (Literal::Bool(false), Shape::Other),
                "set" => {
                    if !(self.eat_punct('(') && self.eat_punct(')')) {
                        return None;
                    }
                    (Literal::Set(Vec::new()), Shape::Other)
                }
                _ => return None,
            },
            Tok::Punct('(') => {
                if self.eat_punct(')') {
                    (Literal::Tuple(Vec::new()), Shape::Other)
                } else {
                    // Parentheses only group: `(1)` is still a number constant.
                    let (first, shape) = self.expression()?;
                    if self.eat_punct(')') {
                        (first, shape)
                    } else if self.eat_punct(',') {
                        let mut items = vec![first];
                        while !self.at_end_of(Some(')')) {
                            items.push(self.expression()?.0);
                            if !self.eat_punct(',') {
                                break;
                            }
                        }
                        if !self.eat_punct(')') {
                            return None;
                        }
                        (Literal::Tuple(items), Shape::Other)
                    } else {
                        return None;
                    }
                }
            }
            Tok::Punct('[') => {
                let mut items = Vec::new();
                while !self.at_end_of(Some(']')) {
                    items.push(self.expression()?.0);
                    if !self.eat_punct(',') {
                        break;
                    }
                }
                if !self.eat_punct(']') {
                    return None;
                }
                (Literal::List(items), Shape::Other)
            }
            Tok::Punct('{') => (self.braces()?, Shape::Other),
            Tok::Punct(_) => return None,
        };
        // A call or subscript on the value (`(1)(2)`, `[1][0]`) is not a literal.
        if matches!(self.peek(), Some(Tok::Punct('(' | '['))) {
            return None;
        }
        Some(result)
    }

    fn braces(&mut self) -> Option<Literal> {
        if self.eat_punct('}') {
            return Some(Literal::Dict(Vec::new()));
        }
        let (first, _) = self.expression()?;
        if self.eat_punct(':') {
            let mut pairs = vec![(first, self.expression()?.0)];
            while self.eat_punct(',') && !self.at_end_of(Some('}')) {
                let (key, _) = self.expression()?;
                if !self.eat_punct(':') {
                    return None;
                }
                pairs.push((key, self.expression()?.0));
            }
            if !self.eat_punct('}') {
                return None;
            }
            let mut merged: Vec<(Literal, Literal)> = Vec::with_capacity(pairs.len());
            for (key, value) in pairs {
                if !hashable(&key) {
                    return None;
                }
                match merged
                    .iter_mut()
                    .find(|(existing, _)| py_eq(existing, &key))
                {
                    Some(entry) => entry.1 = value,
                    None => merged.push((key, value)),
                }
            }
            return Some(Literal::Dict(merged));
        }
        let mut items = vec![first];
        while self.eat_punct(',') && !self.at_end_of(Some('}')) {
            items.push(self.expression()?.0);
        }
        if !self.eat_punct('}') {
            return None;
        }
        let mut unique: Vec<Literal> = Vec::with_capacity(items.len());
        for item in items {
            if !hashable(&item) {
                return None;
            }
            if !unique.iter().any(|seen| py_eq(seen, &item)) {
                unique.push(item);
            }
        }
        Some(Literal::Set(unique))
    }
}

fn int_literal(value: IntValue, negative: bool) -> Literal {
    let signed = value
        .magnitude
        .and_then(|m| i128::try_from(m).ok())
        .map(|m| if negative { -m } else { m });
    match signed.and_then(|m| i64::try_from(m).ok()) {
        Some(small) => Literal::Int(small),
        None => Literal::BigInt {
            text: if negative {
                format!("-{}", value.text)
            } else {
                value.text
            },
            approx: if negative {
                -value.approx
            } else {
                value.approx
            },
        },
    }
}

fn negate(value: Literal) -> Option<Literal> {
    Some(match value {
        Literal::Int(small) => match small.checked_neg() {
            Some(negated) => Literal::Int(negated),
            None => Literal::BigInt {
                text: "9223372036854775808".to_owned(),
                approx: 9.223_372_036_854_776e18,
            },
        },
        Literal::BigInt { text, approx } => {
            let negated = match text.strip_prefix('-') {
                Some(positive) => positive.to_owned(),
                None => format!("-{text}"),
            };
            if negated == "-9223372036854775808" {
                Literal::Int(i64::MIN)
            } else {
                Literal::BigInt {
                    text: negated,
                    approx: -approx,
                }
            }
        }
        Literal::Float(float) => Literal::Float(-float),
        Literal::Complex { re, im } => Literal::Complex { re: -re, im: -im },
        _ => return None,
    })
}

fn hashable(value: &Literal) -> bool {
    match value {
        Literal::List(_) | Literal::Dict(_) | Literal::Set(_) => false,
        Literal::Tuple(items) => items.iter().all(hashable),
        _ => true,
    }
}

/// Python's `==` between two hashable literals (dict keys and set items).
fn py_eq(left: &Literal, right: &Literal) -> bool {
    if let (Some(a), Some(b)) = (numeric(left), numeric(right)) {
        return a == b;
    }
    match (left, right) {
        (Literal::BigInt { text: a, .. }, Literal::BigInt { text: b, .. }) => a == b,
        (Literal::Str(a), Literal::Str(b)) => a == b,
        (Literal::Bytes(a), Literal::Bytes(b)) => a == b,
        (Literal::None, Literal::None) | (Literal::Ellipsis, Literal::Ellipsis) => true,
        (Literal::Tuple(a), Literal::Tuple(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| py_eq(x, y))
        }
        _ => false,
    }
}

/// A number as (real, imaginary) for equality; big ints compare by their text instead.
fn numeric(value: &Literal) -> Option<(f64, f64)> {
    match value {
        Literal::Bool(flag) => Some((f64::from(u8::from(*flag)), 0.0)),
        Literal::Int(small) => Some((*small as f64, 0.0)),
        Literal::Float(float) => Some((*float, 0.0)),
        Literal::Complex { re, im } => Some((*re, *im)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: Option<Literal>) {
        assert_eq!(parse(text), expected, "literal_eval({text:?})");
    }

    #[test]
    fn accepts_what_literal_eval_accepts() {
        use Literal::*;
        check("1", Some(Int(1)));
        check(" \t-1", Some(Int(-1)));
        check("- 1", Some(Int(-1)));
        check("-(1)", Some(Int(-1)));
        check("1_000", Some(Int(1000)));
        check("0x_1f", Some(Int(31)));
        check("00", Some(Int(0)));
        check("0777.5", Some(Float(777.5)));
        check("1e400", Some(Float(f64::INFINITY)));
        check(".5", Some(Float(0.5)));
        check("5.", Some(Float(5.0)));
        check("1+2j", Some(Complex { re: 1.0, im: 2.0 }));
        check("'a' 'b'", Some(Str("ab".into())));
        check("'\\101\\x41\\u0041'", Some(Str("AAA".into())));
        check("'\\d'", Some(Str("\\d".into())));
        check("r'\\n'", Some(Str("\\n".into())));
        check("b'\\777'", Some(Bytes(vec![0xff])));
        check("(1,)", Some(Tuple(vec![Int(1)])));
        check("1, 2", Some(Tuple(vec![Int(1), Int(2)])));
        check("()", Some(Tuple(vec![])));
        check("[1,\n2]", Some(List(vec![Int(1), Int(2)])));
        check("{1, 1.0, True}", Some(Set(vec![Int(1)])));
        check(
            "{1: 'a', 1.0: 'b', True: 'c'}",
            Some(Dict(vec![(Int(1), Str("c".into()))])),
        );
        check("set()", Some(Set(vec![])));
        check("...", Some(Ellipsis));
        check("1 # comment", Some(Int(1)));
        check("\n\n1\n", Some(Int(1)));
        check("-9223372036854775808", Some(Int(i64::MIN)));
        check("True", Some(Bool(true)));
    }

    #[test]
    fn refuses_what_literal_eval_refuses() {
        for text in [
            "",
            " ",
            "#",
            "\n",
            "--1",
            "-True",
            "1+2",
            "0777",
            "1__0",
            "1_",
            "1e",
            "1if",
            "(,)",
            "{[1]: 2}",
            "{1, [2]}",
            "set(())",
            "'a' b'b'",
            "'\\x4'",
            "f'x'",
            "'a\nb'",
            "1\n2",
            "\n 1",
            "1\n ",
            "1 \\\n",
            "x",
            "true",
            "inf",
            "[1 2]",
            "{1:}",
            "(1)(2)",
            "[1][0]",
            "-(1+2j)",
            "1+-2j",
            "(1+2j)+3j",
            "b'\u{e9}'",
            "ur'a'",
            "'''a''''",
            "\u{a0}1",
            "1;",
        ] {
            check(text, None);
        }
        check(&"1".repeat(MAX_INT_DIGITS + 1), None);
        let nested = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        assert!(parse(&nested(MAX_NESTING)).is_some());
        check(&nested(MAX_NESTING + 1), None);
    }
}
