//! The generator: a [`Spec`] from a seed and a case number alone, guided by the document so
//! that most paths resolve, with the filter tables it draws pipelines from.
//!
//! About one case in five ([`holds_python`]) is a Python case: its document (or the value of
//! its `set` or `run_filter`) holds values only Python has, as tagged JSON (see `python.rs`),
//! and its pipelines are drawn from tables made for them. The other cases never draw the
//! random numbers the Python values need, so they are what they would be without them.

use std::borrow::Cow;
use std::collections::BTreeMap;

use base64::Engine as _;
use dictwalk_corpus::{core, Case, Op, Outcome};
use serde_json::{Map, Number, Value};

use super::python::{self, holds_tag, sequence_items, tag_of, tagged, view, Kind};
use super::spec::{
    BoolExpr, Call, Cmp, Lhs, PathSpec, Pipe, Pred, Rhs, Root, Sel, Spec, Target, Tok,
};

/// The keys of generated dicts, few so that paths hit them.
const KEYS: [&str; 7] = ["a", "b", "c", "id", "x", "name", "v"];
/// Keys that only rarely appear: odd but valid.
const ODD_KEYS: [&str; 4] = ["", "0", "a b", "k-1"];
/// String values: words, numbers and booleans as text, JSON text, separators.
const STRINGS: [&str; 20] = [
    "",
    "a",
    "b",
    "x",
    "hello",
    "World",
    "1",
    "2",
    "10",
    "2.5",
    "-3",
    "true",
    "yes",
    " y ",
    "a,b",
    "A b c",
    "null",
    "[1, 2]",
    "{\"a\": 1}",
    "abc",
];

/// The id of generated case `n` of `seed`.
pub fn case_id(seed: u64, n: usize) -> String {
    format!("fuzz.{seed}.{n}")
}

/// Generated case `n` of `seed`; a function of the two alone.
pub fn generate(seed: u64, n: usize) -> Spec {
    let mut generator = Gen {
        rng: fastrand::Rng::with_seed(mix(seed, n as u64)),
        python: holds_python(seed, n),
    };
    generator.spec()
}

/// A pipeline of up to three steps, as a Python case draws it for the output transform of a
/// get that reaches `value`, from a stream of random numbers of its own; for the tests of the
/// filter tables.
#[cfg(test)]
pub fn pipeline_for(seed: u64, value: &Value) -> Pipe {
    let mut generator = Gen {
        rng: fastrand::Rng::with_seed(seed),
        python: true,
    };
    generator.pipe(Some(value), Some(value), 3, true)
}

/// Per cent of the cases that hold Python values.
pub const PYTHON_PERCENT: u64 = 20;

/// Mixed into the seed to choose the Python cases, so that the choice is a stream of its own
/// and the other cases draw exactly the numbers they always drew.
const PYTHON_SALT: u64 = 0x7079_7468_6f6e_5f76;

/// Whether case `n` of `seed` is a Python case: its document, or its `set` or `run_filter`
/// value, holds at least one tagged Python value.
pub fn holds_python(seed: u64, n: usize) -> bool {
    mix(seed ^ PYTHON_SALT, n as u64) % 100 < PYTHON_PERCENT
}

/// SplitMix64 of the seed and the case number, so each case has its own stream.
fn mix(seed: u64, n: u64) -> u64 {
    let mut z = seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The Python type of a JSON value, as the filters see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ty {
    Null,
    Bool,
    Num,
    Str,
    List,
    Dict,
}

fn ty(value: &Value) -> Ty {
    match value {
        Value::Null => Ty::Null,
        Value::Bool(_) => Ty::Bool,
        Value::Number(_) => Ty::Num,
        Value::String(_) => Ty::Str,
        Value::Array(_) => Ty::List,
        Value::Object(_) => Ty::Dict,
    }
}

/// An argument of a filter call.
#[derive(Clone, Copy, Debug)]
enum A {
    /// A small int, negatives and zero included.
    Int,
    /// 1 to 4.
    Pos,
    /// A percentage, now and then out of range.
    Pct,
    /// A short quoted string.
    Str,
    /// A quoted key.
    Key,
    /// A regular expression.
    Pat,
    /// A type name for `$type_is`.
    TypeName,
    /// Any literal.
    Any,
    /// A list literal.
    List,
    /// `True` or `False`.
    Flag,
    /// A literal only Python has: a tuple, a set, a big int, bytes, a complex number,
    /// Ellipsis, a float beyond the largest (inf) (Python cases only).
    PyLit,
    /// A dict key that is not a str, or one that is.
    PyKey,
    /// A bytes literal, or a str.
    Bytes,
    /// A `strftime` format.
    Fmt,
    /// Something `$to_datetime` reads: an ISO date, a timestamp, or text it does not.
    Date,
}

type FilterRow = (&'static str, &'static [A]);

const ON_NUM: &[FilterRow] = &[
    ("inc", &[]),
    ("dec", &[]),
    ("double", &[]),
    ("square", &[]),
    ("neg", &[]),
    ("sqrt", &[]),
    ("floor", &[]),
    ("ceil", &[]),
    ("abs", &[]),
    ("sign", &[]),
    ("exp", &[]),
    ("add", &[A::Int]),
    ("sub", &[A::Int]),
    ("mul", &[A::Int]),
    ("div", &[A::Int]),
    ("idiv", &[A::Int]),
    ("mod", &[A::Int]),
    ("pow", &[A::Pos]),
    ("rpow", &[A::Pos]),
    ("root", &[A::Int]),
    ("pct", &[A::Pct]),
    ("round", &[]),
    ("round", &[A::Pos]),
    ("clamp", &[A::Int, A::Int]),
    ("log", &[]),
    ("log", &[A::Int]),
    ("even", &[]),
    ("odd", &[]),
    ("gt", &[A::Int]),
    ("lt", &[A::Int]),
    ("gte", &[A::Int]),
    ("lte", &[A::Int]),
    ("between", &[A::Int, A::Int]),
    ("in", &[A::List]),
    ("string", &[]),
    ("int", &[]),
    ("float", &[]),
    ("bool", &[]),
    ("type_is", &[A::TypeName]),
];

const ON_STR: &[FilterRow] = &[
    ("lower", &[]),
    ("upper", &[]),
    ("title", &[]),
    ("strip", &[]),
    ("strip", &[A::Str]),
    ("replace", &[A::Str, A::Str]),
    ("regex_replace", &[A::Pat, A::Str]),
    ("split", &[]),
    ("split", &[A::Str]),
    ("startswith", &[A::Str]),
    ("endswith", &[A::Str]),
    ("matches", &[A::Pat]),
    ("contains", &[A::Str]),
    ("len", &[]),
    ("int", &[]),
    ("float", &[]),
    ("bool", &[]),
    ("quote", &[]),
    ("from_json", &[]),
    ("to_json", &[]),
    ("join", &[A::Str]),
    ("is_empty", &[]),
    ("gt", &[A::Int]),
    ("in", &[A::List]),
];

const ON_LIST: &[FilterRow] = &[
    ("len", &[]),
    ("sum", &[]),
    ("avg", &[]),
    ("median", &[]),
    ("q1", &[]),
    ("q3", &[]),
    ("iqr", &[]),
    ("mode", &[]),
    ("stdev", &[]),
    ("pctile", &[A::Pct]),
    ("max", &[]),
    ("min", &[]),
    ("first", &[]),
    ("last", &[]),
    ("unique", &[]),
    ("reverse", &[]),
    ("chunk", &[A::Int]),
    ("flatten", &[]),
    ("flatten_deep", &[]),
    ("sorted", &[]),
    ("sorted", &[A::Flag]),
    ("sort_by", &[A::Key]),
    ("sort_by", &[A::Key, A::Flag]),
    ("unique_by", &[A::Key]),
    ("index_by", &[A::Key]),
    ("group_by", &[A::Key]),
    ("compact", &[]),
    ("join", &[A::Str]),
    ("contains", &[A::Any]),
    ("is_empty", &[]),
    ("non_empty", &[]),
    ("to_json", &[]),
    ("coalesce", &[A::Any]),
];

/// Element-wise steps (`$f[]`) for lists.
const MAPPED: &[FilterRow] = &[
    ("double", &[]),
    ("inc", &[]),
    ("string", &[]),
    ("upper", &[]),
    ("len", &[]),
    ("bool", &[]),
    ("add", &[A::Int]),
    ("gt", &[A::Int]),
    ("keys", &[]),
    ("default", &[A::Any]),
];

const ON_DICT: &[FilterRow] = &[
    ("keys", &[]),
    ("values", &[]),
    ("items", &[]),
    ("pick", &[A::Key]),
    ("pick", &[A::Key, A::Key]),
    ("unpick", &[A::Key]),
    ("len", &[]),
    ("to_json", &[]),
    ("is_empty", &[]),
    ("contains", &[A::Key]),
    ("string", &[]),
];

const ON_ANY: &[FilterRow] = &[
    ("default", &[A::Any]),
    ("coalesce", &[A::Any, A::Any]),
    ("const", &[A::Any]),
    ("is_empty", &[]),
    ("non_empty", &[]),
    ("string", &[]),
    ("bool", &[]),
    ("type_is", &[A::TypeName]),
    ("to_json", &[]),
    ("quote", &[]),
];

/// The filters that can make an int too big for 64 bits (or for Python to finish) in one step.
const GROWTH: [&str; 4] = ["pow", "rpow", "exp", "square"];

/// Whether the core's error says that Python's result has no JSON form: a known limit of the
/// core (see `dictwalk_core::filters`), not a disagreement worth finding again and again.
fn inexpressible(message: &str) -> bool {
    ["JSON cannot", "JSON object cannot", "as a JSON value"]
        .iter()
        .any(|phrase| message.contains(phrase))
}

/// Predicate pipelines: `[?.x==$even]`.
const TESTS: &[FilterRow] = &[
    ("even", &[]),
    ("odd", &[]),
    ("gt", &[A::Int]),
    ("lt", &[A::Int]),
    ("gte", &[A::Int]),
    ("lte", &[A::Int]),
    ("between", &[A::Int, A::Int]),
    ("is_empty", &[]),
    ("non_empty", &[]),
    ("contains", &[A::Str]),
    ("startswith", &[A::Str]),
    ("type_is", &[A::TypeName]),
    ("bool", &[]),
    ("in", &[A::List]),
];

/// Filters on tuples besides the list ones: concatenation and repetition (which keep a
/// tuple), and those that treat a tuple as no sequence (`$unique` passes it through).
const ON_TUPLE: &[FilterRow] = &[
    ("add", &[A::PyLit]),
    ("mul", &[A::Pos]),
    ("double", &[]),
    ("unique", &[]),
    ("type_is", &[A::TypeName]),
    ("string", &[]),
    ("to_json", &[]),
    ("keys", &[]),
    ("items", &[]),
    ("in", &[A::PyLit]),
    ("contains", &[A::PyLit]),
];

/// Filters on sets and frozensets, which are sized and iterable but no sequence.
const ON_SET: &[FilterRow] = &[
    ("len", &[]),
    ("sorted", &[]),
    ("sorted", &[A::Flag]),
    ("max", &[]),
    ("min", &[]),
    ("sum", &[]),
    ("avg", &[]),
    ("unique", &[]),
    ("first", &[]),
    ("reverse", &[]),
    ("flatten", &[]),
    ("compact", &[]),
    ("sort_by", &[A::Key]),
    ("join", &[A::Str]),
    ("string", &[]),
    ("quote", &[]),
    ("to_json", &[]),
    ("contains", &[A::Int]),
    ("contains", &[A::PyLit]),
    ("in", &[A::PyLit]),
    ("is_empty", &[]),
    ("non_empty", &[]),
    ("bool", &[]),
    ("type_is", &[A::TypeName]),
    ("add", &[A::PyLit]),
    ("sub", &[A::PyLit]),
    ("mul", &[A::Pos]),
    ("keys", &[]),
];

/// Filters on big ints, NaN, the infinities and Decimals besides the numeric ones.
const ON_PY_NUMBER: &[FilterRow] = &[
    ("add", &[A::PyLit]),
    ("sub", &[A::PyLit]),
    ("mul", &[A::PyLit]),
    ("string", &[]),
    ("to_json", &[]),
    ("decimal", &[]),
    ("quote", &[]),
    ("sum", &[]),
    ("max", &[]),
    ("len", &[]),
    ("to_datetime", &[]),
];

const ON_BYTES: &[FilterRow] = &[
    ("len", &[]),
    ("string", &[]),
    ("upper", &[]),
    ("title", &[]),
    ("strip", &[]),
    ("split", &[]),
    ("replace", &[A::Str, A::Str]),
    ("startswith", &[A::Str]),
    ("contains", &[A::Bytes]),
    ("in", &[A::PyLit]),
    ("add", &[A::Bytes]),
    ("mul", &[A::Pos]),
    ("first", &[]),
    ("sorted", &[]),
    ("max", &[]),
    ("join", &[A::Str]),
    ("int", &[]),
    ("float", &[]),
    ("decimal", &[]),
    ("bool", &[]),
    ("is_empty", &[]),
    ("quote", &[]),
    ("from_json", &[]),
    ("to_json", &[]),
    ("type_is", &[A::TypeName]),
];

const ON_DATETIME: &[FilterRow] = &[
    ("strftime", &[A::Fmt]),
    ("timestamp", &[]),
    ("to_datetime", &[]),
    ("before", &[A::Date]),
    ("after", &[A::Date]),
    ("gt", &[A::Date]),
    ("string", &[]),
    ("quote", &[]),
    ("to_json", &[]),
    ("type_is", &[A::TypeName]),
    ("add", &[A::Int]),
    ("int", &[]),
    ("bool", &[]),
    ("len", &[]),
    ("sum", &[]),
];

/// Filters on dicts with keys that are not all strs.
const ON_PY_DICT: &[FilterRow] = &[
    ("keys", &[]),
    ("values", &[]),
    ("items", &[]),
    ("pick", &[A::PyKey]),
    ("pick", &[A::PyKey, A::Key]),
    ("unpick", &[A::PyKey]),
    ("contains", &[A::PyKey]),
    ("len", &[]),
    ("to_json", &[]),
    ("string", &[]),
    ("sorted", &[]),
    ("max", &[]),
    ("sum", &[]),
    ("first", &[]),
    ("bool", &[]),
];

/// Byte strings for `$bytes`.
const BYTES: [&[u8]; 7] = [b"", b"a", b"hello", b"\x00\xff", b"12", b"x y", b"A,b"];
/// Datetimes for `$datetime`: naive and aware, with and without a fraction.
const DATETIMES: [&str; 6] = [
    "2024-01-02T03:04:05",
    "2024-01-02T03:04:05+00:00",
    "1999-12-31T23:59:59.500000",
    "2024-02-29",
    "1970-01-01T00:00:00+00:00",
    "2030-06-15T12:30:00-05:00",
];
/// Decimals for `$decimal`, NaN and a negative zero among them.
const DECIMALS: [&str; 10] = [
    "1.5", "-0.25", "10", "3.14159", "0", "1E+3", "NaN", "-0", "100.00", "1e-7",
];
/// Ints beyond 64 bits (or at the edge): both signs, just past `i64` and `u64`.
const BIG_INTS: [&str; 6] = [
    "9223372036854775808",
    "-9223372036854775809",
    "18446744073709551615",
    "18446744073709551616",
    "-18446744073709551616",
    "340282366920938463463374607431768211456",
];

struct Gen {
    rng: fastrand::Rng,
    /// Whether this is a Python case (see [`holds_python`]).
    python: bool,
}

impl Gen {
    /// True `percent` times in a hundred.
    fn chance(&mut self, percent: u32) -> bool {
        self.rng.u32(0..100) < percent
    }

    /// One of `items`, which must not be empty.
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.rng.usize(..items.len())]
    }

    /// An index into a non-empty collection of `len` items.
    fn below(&mut self, len: usize) -> usize {
        self.rng.usize(..len.max(1))
    }

    fn key(&mut self) -> String {
        if self.chance(3) {
            self.pick(&ODD_KEYS).to_owned()
        } else {
            self.pick(&KEYS).to_owned()
        }
    }

    fn spec(&mut self) -> Spec {
        let mut doc = self.doc();
        if self.python {
            doc = self.plant(doc);
        }
        let roll = self.rng.u32(0..100);
        let op = match roll {
            0..=39 => Op::Get,
            40..=53 => Op::Exists,
            54..=83 => Op::Set,
            84..=96 => Op::Unset,
            _ => Op::RunFilter,
        };
        let mut args = Map::new();
        let target = if op == Op::RunFilter {
            // run_filter has no document.
            doc = Value::Null;
            let value = if self.python {
                let value = self.py_value(2);
                self.plant(value)
            } else {
                self.value(2)
            };
            let pipe = self.pipe(Some(&value), None, 3, true);
            args.insert("value".into(), value);
            Target::Pipe(pipe)
        } else {
            let path = self.path(&doc, op.writes());
            let strict = self.rng.u32(0..100);
            if strict < 22 {
                args.insert("strict".into(), Value::Bool(true));
            } else if strict < 27 {
                args.insert("strict".into(), Value::Bool(false));
            }
            match op {
                Op::Get if self.chance(25) => {
                    let default = self.value(1);
                    args.insert("default".into(), default);
                }
                Op::Set => {
                    let value = self.set_value(&doc);
                    args.insert("value".into(), value);
                    for flag in [
                        "create_missing",
                        "create_filter_match",
                        "overwrite_incompatible",
                    ] {
                        if self.chance(20) {
                            let on = self.chance(40);
                            args.insert(flag.into(), Value::Bool(on));
                        }
                    }
                }
                _ => {}
            }
            Target::Path(path)
        };
        let mut spec = Spec {
            op,
            target,
            doc,
            args,
        };
        if self.chance(5) {
            self.break_syntax(&mut spec);
        }
        spec
    }

    // Documents.

    fn doc(&mut self) -> Value {
        match self.rng.u32(0..100) {
            0..=74 => self.object(3),
            75..=95 => self.list(3),
            _ => self.scalar(),
        }
    }

    fn value(&mut self, depth: u32) -> Value {
        if depth == 0 {
            return self.scalar();
        }
        match self.rng.u32(0..100) {
            0..=21 => self.object(depth - 1),
            22..=43 => self.list(depth - 1),
            _ => self.scalar(),
        }
    }

    fn object(&mut self, depth: u32) -> Value {
        if self.python && self.chance(15) {
            return self.py_dict(depth);
        }
        let count = self.pick(&[0, 1, 2, 2, 3, 3, 4]);
        let mut map = Map::new();
        for _ in 0..count {
            let key = self.key();
            let value = self.value(depth);
            map.insert(key, value);
        }
        Value::Object(map)
    }

    fn list(&mut self, depth: u32) -> Value {
        let len = self.pick(&[0, 1, 2, 3, 3, 4, 5]);
        let items = match self.rng.u32(0..100) {
            // Records sharing their keys, as lists of users or orders are.
            0..=39 => {
                let width = 1 + self.below(3);
                let keys: Vec<String> = (0..width).map(|_| self.key()).collect();
                (0..len)
                    .map(|i| {
                        let mut record = Map::new();
                        for key in &keys {
                            if self.chance(90) {
                                let value = if key == "id" && self.chance(80) {
                                    Value::from(i as i64 + 1)
                                } else if depth > 0 && self.chance(15) {
                                    self.value(depth - 1)
                                } else {
                                    self.scalar()
                                };
                                record.insert(key.clone(), value);
                            }
                        }
                        Value::Object(record)
                    })
                    .collect()
            }
            40..=64 => (0..len)
                .map(|_| {
                    if self.python && self.chance(25) {
                        self.py_number()
                    } else {
                        Value::from(self.rng.i64(-3..=12))
                    }
                })
                .collect(),
            _ => (0..len).map(|_| self.value(depth)).collect(),
        };
        if self.python && self.chance(12) {
            // The same items in a tuple: a sequence to the filters, a leaf to paths.
            return tagged("$tuple", Value::Array(items));
        }
        Value::Array(items)
    }

    fn scalar(&mut self) -> Value {
        if self.python && self.chance(22) {
            return self.py_scalar();
        }
        self.plain_scalar()
    }

    fn plain_scalar(&mut self) -> Value {
        match self.rng.u32(0..100) {
            0..=34 => Value::from(self.rng.i64(-3..=12)),
            35..=42 => Value::from(self.rng.i64(-1000..=1000)),
            43..=51 => float(self.rng.i64(-20..=40) as f64 / 4.0),
            52..=59 => Value::Bool(self.chance(50)),
            60..=67 => Value::Null,
            _ => Value::String(self.pick(&STRINGS).to_owned()),
        }
    }

    // Python values (Python cases only).

    /// A value only Python has, or a tuple or set of small values.
    fn py_scalar(&mut self) -> Value {
        match self.rng.u32(0..100) {
            0..=19 => self.py_int(),
            20..=29 => self.py_float(),
            30..=37 => self.py_bytes(),
            38..=43 => tagged("$datetime", Value::from(self.pick(&DATETIMES))),
            44..=51 => tagged("$decimal", Value::from(self.pick(&DECIMALS))),
            52..=73 => {
                let len = self.pick(&[0, 1, 2, 2, 3, 3, 4]);
                let items = (0..len).map(|_| self.tuple_item(1)).collect();
                tagged("$tuple", Value::Array(items))
            }
            74..=89 => self.py_set("$set"),
            _ => self.py_set("$frozenset"),
        }
    }

    /// An int beyond 64 bits: one at the edges, or 20 to 40 digits of either sign.
    fn py_int(&mut self) -> Value {
        if self.chance(40) {
            return tagged("$int", Value::from(self.pick(&BIG_INTS)));
        }
        let len = self.rng.usize(20..=40);
        let mut digits = String::with_capacity(len + 1);
        if self.chance(50) {
            digits.push('-');
        }
        digits.push(self.rng.char('1'..='9'));
        for _ in 1..len {
            digits.push(self.rng.char('0'..='9'));
        }
        tagged("$int", Value::String(digits))
    }

    fn py_float(&mut self) -> Value {
        let text = self.pick(&["nan", "nan", "inf", "-inf"]);
        tagged("$float", Value::from(text))
    }

    fn py_bytes(&mut self) -> Value {
        let bytes = self.pick(&BYTES);
        let text = base64::engine::general_purpose::STANDARD.encode(bytes);
        tagged("$bytes", Value::String(text))
    }

    /// A number only Python has: a big int, NaN or an infinity, a Decimal.
    fn py_number(&mut self) -> Value {
        match self.rng.u32(0..100) {
            0..=49 => self.py_int(),
            50..=79 => self.py_float(),
            _ => tagged("$decimal", Value::from(self.pick(&DECIMALS))),
        }
    }

    /// An item of a tuple: mostly a plain scalar, now and then a Python one or a tuple.
    fn tuple_item(&mut self, depth: u32) -> Value {
        match self.rng.u32(0..100) {
            0..=9 => self.py_int(),
            10..=14 => self.py_float(),
            15..=19 if depth > 0 => {
                let len = self.rng.usize(0..=2);
                let items = (0..len).map(|_| self.tuple_item(depth - 1)).collect();
                tagged("$tuple", Value::Array(items))
            }
            _ => self.plain_scalar(),
        }
    }

    /// A set or frozenset of values whose hashes are the same in every process (see
    /// `python::check`): ints, floats, bools, big ints, infinities, pairs of ints.
    fn py_set(&mut self, tag: &str) -> Value {
        let len = self.pick(&[0, 1, 2, 3, 3, 4, 5]);
        let items = (0..len)
            .map(|_| match self.rng.u32(0..100) {
                0..=59 => Value::from(self.rng.i64(-3..=12)),
                60..=71 => float(self.rng.i64(-8..=20) as f64 / 4.0),
                72..=79 => Value::Bool(self.chance(50)),
                80..=89 => self.py_int(),
                90..=92 => tagged("$float", Value::from(self.pick(&["inf", "-inf"]))),
                _ => {
                    let pair = vec![
                        Value::from(self.rng.i64(0..=3)),
                        Value::from(self.rng.i64(0..=3)),
                    ];
                    tagged("$tuple", Value::Array(pair))
                }
            })
            .collect();
        tagged(tag, Value::Array(items))
    }

    /// A dict whose keys are not all strs: ints, bools, None, tuples, big ints, floats and
    /// strs mixed (`1` and `True` are the same key to Python, and may both be drawn).
    fn py_dict(&mut self, depth: u32) -> Value {
        let count = self.pick(&[1, 2, 2, 3, 3, 4]);
        let pairs = (0..count)
            .map(|_| {
                let key = match self.rng.u32(0..100) {
                    0..=34 => Value::String(self.key()),
                    35..=59 => Value::from(self.rng.i64(-1..=3)),
                    60..=69 => Value::Bool(self.chance(50)),
                    70..=77 => Value::Null,
                    78..=89 => {
                        let pair = vec![
                            Value::from(self.rng.i64(0..=2)),
                            Value::from(self.rng.i64(0..=2)),
                        ];
                        tagged("$tuple", Value::Array(pair))
                    }
                    90..=94 => self.py_int(),
                    _ => float(self.rng.i64(-4..=8) as f64 / 2.0),
                };
                let value = self.value(depth);
                Value::Array(vec![key, value])
            })
            .collect();
        tagged("$dict", Value::Array(pairs))
    }

    /// A value for `run_filter` or `set` in a Python case: a Python scalar, a dict with odd
    /// keys, a list of Python numbers (for `$sum`, `$max`, `$sorted`), a tuple of records (for
    /// `$sort_by`, `$index_by`), or any value.
    fn py_value(&mut self, depth: u32) -> Value {
        match self.rng.u32(0..100) {
            0..=34 => self.py_scalar(),
            35..=49 => self.py_dict(depth.saturating_sub(1)),
            50..=69 => {
                let len = self.pick(&[1, 2, 3, 3, 4, 5]);
                let items = (0..len)
                    .map(|_| {
                        if self.chance(50) {
                            self.py_number()
                        } else {
                            Value::from(self.rng.i64(-3..=12))
                        }
                    })
                    .collect();
                Value::Array(items)
            }
            70..=84 => match self.list(depth.saturating_sub(1)) {
                Value::Array(items) => tagged("$tuple", Value::Array(items)),
                tuple => tuple,
            },
            _ => self.value(depth),
        }
    }

    /// `value` with a Python value put in at a random place, unless it holds one already.
    fn plant(&mut self, value: Value) -> Value {
        if holds_tag(&value) {
            return value;
        }
        match value {
            Value::Object(mut map) if !map.is_empty() && self.chance(70) => {
                let i = self.below(map.len());
                if let Some(child) = map.values_mut().nth(i) {
                    let old = std::mem::take(child);
                    *child = self.plant(old);
                }
                Value::Object(map)
            }
            Value::Object(mut map) => {
                let key = self.key();
                let value = self.py_scalar();
                map.insert(key, value);
                Value::Object(map)
            }
            Value::Array(mut items) if !items.is_empty() && self.chance(70) => {
                let i = self.below(items.len());
                if let Some(child) = items.get_mut(i) {
                    let old = std::mem::take(child);
                    *child = self.plant(old);
                }
                Value::Array(items)
            }
            Value::Array(mut items) => {
                let value = self.py_scalar();
                items.push(value);
                Value::Array(items)
            }
            _ => self.py_scalar(),
        }
    }

    // Paths.

    /// A path guided by the document, so that it mostly resolves. `cur` follows the value the
    /// walk has reached (after a fan-out in a read, the list it leaves; in a write, one item),
    /// or is `None` once the walk has left the document.
    fn path(&mut self, doc: &Value, write: bool) -> PathSpec {
        let mut tokens = Vec::new();
        let mut root = Root::Plain;
        let mut cur = Some(doc.clone());
        // A tuple or set at the root gets the selectors of a root list now and then: they
        // must fail on it alike.
        let root_items = match doc {
            Value::Array(items) => Some(items),
            _ if self.python => sequence_items(doc),
            _ => None,
        };
        if let Some(items) = root_items {
            if self.chance(65) {
                let (sel, next) = self.selector(items, doc, write);
                let dollar = self.chance(30);
                root = Root::Select { dollar, sel };
                cur = next;
            }
        } else if !write && self.chance(6) {
            root = Root::Dollar;
        } else if !write && self.chance(4) {
            let transform = self
                .chance(70)
                .then(|| self.pipe(Some(doc), Some(doc), 2, true));
            return PathSpec {
                root: Root::Dot,
                tokens,
                transform,
            };
        }
        let mut len = self.pick(&[1, 1, 2, 2, 2, 3, 3, 4]);
        if root != Root::Plain {
            len -= 1;
        }
        for _ in 0..len {
            let (token, next) = self.token(cur.take(), doc, write);
            tokens.push(token);
            cur = next;
            let scalar = matches!(&cur, Some(v) if !v.is_array() && !v.is_object());
            if scalar && self.chance(70) {
                break;
            }
        }
        // Writes often create: a missing key, an index past the end, a new list.
        if write && self.chance(25) {
            let key = self.key();
            let token = match self.rng.u32(0..100) {
                0..=59 => Tok::Key(key),
                60..=74 => Tok::Index(key, self.rng.i64(0..=3)),
                75..=89 => Tok::Map(key),
                _ => {
                    let pred = self.pred(&[], doc);
                    Tok::Filter(key, Box::new(pred))
                }
            };
            tokens.push(token);
            cur = None;
        }
        let transform = if write {
            // A write path has no output transform: `a|$len` is a key (and fuzzed as one).
            self.chance(2).then(|| self.pipe(None, None, 1, false))
        } else if self.chance(35) {
            Some(self.pipe(cur.as_ref(), Some(doc), 3, true))
        } else {
            None
        };
        if root == Root::Plain && tokens.is_empty() {
            tokens.push(Tok::Key(self.key()));
        }
        PathSpec {
            root,
            tokens,
            transform,
        }
    }

    /// A root selector on the root list, and the value it reaches.
    fn selector(&mut self, items: &[Value], doc: &Value, write: bool) -> (Sel, Option<Value>) {
        let len = items.len() as i64;
        let all = Some(Value::Array(items.to_vec()));
        let one = |i: usize| items.get(i).cloned();
        match self.rng.u32(0..100) {
            0..=34 => {
                let index = self.index(len);
                let at = if index < 0 { index + len } else { index };
                (Sel::Index(index), usize::try_from(at).ok().and_then(one))
            }
            35..=49 => {
                let (start, stop) = self.bounds(len);
                (Sel::Slice(start, stop), all)
            }
            50..=64 => {
                let next = if write {
                    self.representative(items)
                } else {
                    all
                };
                (Sel::Map, next)
            }
            _ => {
                let pred = self.pred(items, doc);
                let next = if write {
                    self.representative(items)
                } else {
                    all
                };
                (Sel::Filter(Box::new(pred)), next)
            }
        }
    }

    /// An index into a list of `len` items, negative or past the end now and then.
    fn index(&mut self, len: i64) -> i64 {
        if len == 0 || self.chance(10) {
            return self.rng.i64(-len - 2..=len + 2);
        }
        let index = self.rng.i64(0..len);
        if self.chance(35) {
            index - len
        } else {
            index
        }
    }

    fn bounds(&mut self, len: i64) -> (Option<i64>, Option<i64>) {
        let bound = |gen: &mut Gen| gen.chance(70).then(|| gen.rng.i64(-len - 1..=len + 1));
        let start = bound(self);
        let stop = bound(self);
        (start, stop)
    }

    /// The item a write's fan-out is followed through: a dict if there is one.
    fn representative(&mut self, items: &[Value]) -> Option<Value> {
        let dicts: Vec<&Value> = items.iter().filter(|v| view(v).is_object()).collect();
        if dicts.is_empty() {
            return items.first().cloned();
        }
        let i = self.below(dicts.len());
        dicts.get(i).map(|v| (*v).clone())
    }

    fn token(&mut self, cur: Option<Value>, doc: &Value, write: bool) -> (Tok, Option<Value>) {
        // A `$dict` is walked as the dict of its str keys, any other Python value is a leaf.
        match cur.map(python::into_view) {
            Some(Value::Object(map)) if !map.is_empty() => {
                if self.chance(6) {
                    let values: Vec<Value> = map.values().cloned().collect();
                    let next = if write {
                        self.representative(&values)
                    } else {
                        Some(Value::Array(values))
                    };
                    return (Tok::Wild, next);
                }
                if self.chance(3) {
                    return (Tok::Deep, None);
                }
                if self.chance(7) {
                    let key = self.key();
                    let next = map.get(&key).cloned();
                    return (Tok::Key(key), next);
                }
                let i = self.below(map.len());
                let Some((key, child)) = map.into_iter().nth(i) else {
                    return (Tok::Key(self.key()), None);
                };
                match child {
                    Value::Array(items) if self.chance(70) => {
                        self.list_token(key, items, doc, write)
                    }
                    // A list's tokens on a tuple or set, which paths do not enter.
                    child if self.python && sequence_items(&child).is_some() && self.chance(50) => {
                        let items = sequence_items(&child).cloned().unwrap_or_default();
                        self.list_token(key, items, doc, write)
                    }
                    child => (Tok::Key(key), Some(child)),
                }
            }
            Some(Value::Array(items)) if !items.is_empty() => {
                let mut keys: Vec<String> = Vec::new();
                for item in &items {
                    if let Value::Object(record) = view(item).as_ref() {
                        for key in record.keys() {
                            if !keys.contains(key) {
                                keys.push(key.clone());
                            }
                        }
                    }
                }
                if write {
                    // A write on a list: `*` goes into each item; a key replaces the list.
                    if self.chance(60) {
                        let next = self.representative(&items);
                        return (Tok::Wild, next);
                    }
                    return (Tok::Key(self.key()), None);
                }
                if !keys.is_empty() && self.chance(70) {
                    let key = keys[self.below(keys.len())].clone();
                    let plucked: Vec<Value> = items
                        .iter()
                        .filter_map(|item| view(item).get(&key).cloned())
                        .collect();
                    let token = if self.chance(60) {
                        Tok::Key(key)
                    } else {
                        Tok::Map(key)
                    };
                    return (token, Some(Value::Array(plucked)));
                }
                match self.rng.u32(0..100) {
                    0..=54 => {
                        let pred = self.pred(&items, doc);
                        let key = self.key();
                        (Tok::Filter(key, Box::new(pred)), Some(Value::Array(items)))
                    }
                    55..=84 => (Tok::Wild, Some(Value::Array(items))),
                    _ => (Tok::Deep, None),
                }
            }
            _ => {
                // Off the document (or at a scalar): any token, which mostly fails softly.
                let key = self.key();
                let token = match self.rng.u32(0..100) {
                    0..=64 => Tok::Key(key),
                    65..=74 => Tok::Index(key, self.rng.i64(-2..=2)),
                    75..=84 => Tok::Map(key),
                    85..=94 => Tok::Wild,
                    _ => Tok::Deep,
                };
                (token, None)
            }
        }
    }

    /// A token on the list at `key` of the current dict.
    fn list_token(
        &mut self,
        key: String,
        items: Vec<Value>,
        doc: &Value,
        write: bool,
    ) -> (Tok, Option<Value>) {
        let len = items.len() as i64;
        let roll = self.rng.u32(0..100);
        match roll {
            0..=29 => {
                let index = self.index(len);
                let at = if index < 0 { index + len } else { index };
                let next = usize::try_from(at).ok().and_then(|i| items.get(i).cloned());
                (Tok::Index(key, index), next)
            }
            30..=41 => {
                let (start, stop) = self.bounds(len);
                let next = if write {
                    self.representative(&items)
                } else {
                    Some(Value::Array(items))
                };
                (Tok::Slice(key, start, stop), next)
            }
            42..=74 => {
                let pred = self.pred(&items, doc);
                let next = if write {
                    self.representative(&items)
                } else {
                    Some(Value::Array(items))
                };
                (Tok::Filter(key, Box::new(pred)), next)
            }
            // In writes `[]` sits on the list's key: `users[].x`.
            75..=94 if write => {
                let next = self.representative(&items);
                (Tok::Map(key), next)
            }
            _ => (Tok::Key(key), Some(Value::Array(items))),
        }
    }

    // Predicates.

    /// A predicate over `items`, mostly about what they hold.
    fn pred(&mut self, items: &[Value], doc: &Value) -> Pred {
        let item = if items.is_empty() {
            self.value(1)
        } else {
            let i = self.below(items.len());
            items.get(i).cloned().unwrap_or(Value::Null)
        };
        let (tokens, value) = match view(&item).as_ref() {
            Value::Object(map) if !map.is_empty() && self.chance(85) => {
                let i = self.below(map.len());
                match map.iter().nth(i) {
                    Some((key, value)) => {
                        if let (Value::Object(inner), true) =
                            (view(value).as_ref(), self.chance(15))
                        {
                            // A relative path `.a.b`.
                            let j = self.below(inner.len());
                            match inner.iter().nth(j) {
                                Some((k2, v2)) => (
                                    vec![Tok::Key(key.clone()), Tok::Key(k2.clone())],
                                    Some(v2.clone()),
                                ),
                                None => (vec![Tok::Key(key.clone())], Some(value.clone())),
                            }
                        } else if let (Value::Array(inner), true) = (value, self.chance(20)) {
                            // A nested predicate `.b[?.c==2]`.
                            let nested = self.pred(inner, doc);
                            (vec![Tok::Filter(key.clone(), Box::new(nested))], None)
                        } else {
                            (vec![Tok::Key(key.clone())], Some(value.clone()))
                        }
                    }
                    None => (Vec::new(), Some(item.clone())),
                }
            }
            Value::Object(_) => (vec![Tok::Key(self.key())], None),
            _ => (Vec::new(), Some(item.clone())),
        };
        let mut lhs = Lhs { tokens, pipe: None };
        let mut value = value;
        if self.chance(15) {
            let pipe = self.pipe(value.as_ref(), None, 1, false);
            value = value.as_ref().and_then(|v| guess(&pipe.text(), v));
            lhs.pipe = Some(pipe);
        }
        let cmp = match self.rng.u32(0..100) {
            // `[?.flag]`: truthiness.
            0..=9 => None,
            10..=64 => {
                let cmp = match self.rng.u32(0..100) {
                    0..=44 => Cmp::Eq,
                    45..=54 => Cmp::Ne,
                    _ => self.pick(&[Cmp::Ge, Cmp::Le, Cmp::Gt, Cmp::Lt]),
                };
                let lit = match &value {
                    Some(v) if self.chance(70) => self.near_literal(v),
                    _ => self.literal(),
                };
                Some((cmp, Rhs::Lit(lit)))
            }
            65..=79 => {
                let pipe = self.test_pipe();
                let cmp = if self.chance(85) { Cmp::Eq } else { Cmp::Ne };
                Some((cmp, Rhs::Pipe(pipe)))
            }
            80..=89 => {
                let expr = self.bool_expr(2);
                Some((Cmp::Eq, Rhs::Bool(expr)))
            }
            _ => {
                let cmp = self.pick(&Cmp::ALL);
                let tokens = self.root_scalar(doc).unwrap_or_default();
                Some((cmp, Rhs::RootRef(tokens)))
            }
        };
        Pred { lhs, cmp }
    }

    /// A pipeline that tests a value, for predicates.
    fn test_pipe(&mut self) -> Pipe {
        let (name, args) = self.pick(TESTS);
        let mut calls = Vec::new();
        if self.chance(15) {
            calls.push(Call::new(self.pick(&["int", "len", "string"]), Vec::new()));
        }
        let args = self.args(args);
        calls.push(Call::new(name, args));
        Pipe(calls)
    }

    fn bool_expr(&mut self, depth: u32) -> BoolExpr {
        if depth == 0 {
            return BoolExpr::Pipe(self.test_pipe());
        }
        match self.rng.u32(0..100) {
            0..=19 => BoolExpr::Not(Box::new(self.bool_expr(depth - 1))),
            20..=59 => {
                let n = 2 + self.below(2);
                BoolExpr::And((0..n).map(|_| self.bool_expr(depth - 1)).collect())
            }
            _ => {
                let n = 2 + self.below(2);
                BoolExpr::Or((0..n).map(|_| self.bool_expr(depth - 1)).collect())
            }
        }
    }

    /// Key tokens from the root to a scalar of a dict root, for `$$root.a.b`.
    fn root_scalar(&mut self, doc: &Value) -> Option<Vec<Tok>> {
        let mut tokens = Vec::new();
        let mut cur = view(doc);
        while let Value::Object(map) = cur.as_ref() {
            if map.is_empty() {
                break;
            }
            let i = self.below(map.len());
            let (key, value) = map.iter().nth(i)?;
            tokens.push(Tok::Key(key.clone()));
            let next = view(value).into_owned();
            cur = Cow::Owned(next);
        }
        (!tokens.is_empty()).then_some(tokens)
    }

    // Literals.

    /// A literal of or near `value`: itself, a neighbouring number, its text unquoted.
    fn near_literal(&mut self, value: &Value) -> String {
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

    fn literal(&mut self) -> String {
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

    fn arg(&mut self, kind: A) -> String {
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

    fn args(&mut self, kinds: &[A]) -> Vec<String> {
        kinds.iter().map(|kind| self.arg(*kind)).collect()
    }

    // Pipelines.

    /// A pipeline of up to `max` steps fit for `value` (each step for what the last gave),
    /// and now and then any filter at all. `root`: `$$root` arguments may refer to it.
    /// `exact`: the pipeline runs on `value` itself, not on values like it (see `call`).
    fn pipe(
        &mut self,
        value: Option<&Value>,
        root: Option<&Value>,
        max: usize,
        exact: bool,
    ) -> Pipe {
        let steps = 1 + self.below(max);
        let mut calls: Vec<Call> = Vec::new();
        let mut cur = value.cloned();
        let mut exact = exact;
        for _ in 0..steps {
            let call = self.call(cur.as_ref(), root, exact);
            if cur.as_ref().is_some_and(holds_tag) {
                // The result of a step on a Python value is only guessed (on a stand-in), so
                // the later steps do not know their value exactly: no growth steps.
                exact = false;
            }
            cur = cur
                .as_ref()
                .and_then(|v| guess(&Pipe(vec![call.clone()]).text(), v));
            calls.push(call);
        }
        Pipe(calls)
    }

    /// A step for `value` whose result the core can hold. Where Python's answer has no JSON
    /// form (an int beyond 64 bits, a dict keyed by None, inf), the core fails by design and
    /// every case would be a known disagreement; and a chain of powers can keep Python busy
    /// for minutes. So a step the core refuses for that reason is drawn again, and the steps
    /// that grow numbers fastest are left out where the value is not known exactly (a
    /// predicate's pipeline runs on every item, not only on the one it was made for).
    fn call(&mut self, value: Option<&Value>, root: Option<&Value>, exact: bool) -> Call {
        for _ in 0..8 {
            let call = self.any_call(value, root);
            let unknown = !exact || call.args.iter().any(|arg| arg.starts_with("$$root"));
            let fits = match value {
                _ if unknown && GROWTH.contains(&call.name.as_str()) => false,
                None => !GROWTH.contains(&call.name.as_str()),
                // The core cannot judge a step on a Python value (and need not: it skips the
                // case); of the growth steps only a power with a big int for exponent could
                // keep Python busy for ever.
                Some(value) if holds_tag(value) => call.name != "rpow",
                Some(value) => {
                    let text = Pipe(vec![call.clone()]).text();
                    match core_filter(&text, value) {
                        Ok(_) => true,
                        Err(message) => !inexpressible(&message),
                    }
                }
            };
            if fits {
                return call;
            }
        }
        Call::new("string", Vec::new())
    }

    fn any_call(&mut self, value: Option<&Value>, root: Option<&Value>) -> Call {
        if self.python {
            if let Some(kind) = value.and_then(python::kind) {
                return self.py_call(kind, root);
            }
        }
        let table = match value.map(ty) {
            _ if self.chance(15) => self.pick(&[ON_NUM, ON_STR, ON_LIST, ON_DICT, ON_ANY, TESTS]),
            Some(Ty::Num) => ON_NUM,
            Some(Ty::Str) => ON_STR,
            Some(Ty::List) => {
                if self.chance(20) {
                    let (name, kinds) = self.pick(MAPPED);
                    let args = self.args(kinds);
                    let mut call = Call::new(name, args);
                    call.map = true;
                    return call;
                }
                ON_LIST
            }
            Some(Ty::Dict) => ON_DICT,
            Some(Ty::Null | Ty::Bool) | None => ON_ANY,
        };
        let (name, kinds) = self.pick(table);
        let mut args = self.args(kinds);
        self.root_arg(&mut args, root);
        Call::new(name, args)
    }

    /// A step for a Python value of `kind`, from the tables made for it.
    fn py_call(&mut self, kind: Kind, root: Option<&Value>) -> Call {
        let table = match kind {
            _ if self.chance(10) => ON_ANY,
            Kind::Tuple => {
                if self.chance(10) {
                    // On a tuple a `[]` step applies to the whole: it maps over lists only.
                    let (name, kinds) = self.pick(MAPPED);
                    let args = self.args(kinds);
                    let mut call = Call::new(name, args);
                    call.map = true;
                    return call;
                }
                if self.chance(70) {
                    ON_LIST
                } else {
                    ON_TUPLE
                }
            }
            Kind::Set => ON_SET,
            Kind::Number if self.chance(70) => ON_NUM,
            Kind::Number => ON_PY_NUMBER,
            Kind::Bytes => ON_BYTES,
            Kind::Datetime => ON_DATETIME,
            Kind::Dict if self.chance(70) => ON_PY_DICT,
            Kind::Dict => ON_DICT,
        };
        let (name, kinds) = self.pick(table);
        let mut args = self.args(kinds);
        self.root_arg(&mut args, root);
        Call::new(name, args)
    }

    /// Now and then the first argument as a `$$root` reference to a scalar of `root`: such
    /// arguments resolve against the root in get output transforms.
    fn root_arg(&mut self, args: &mut [String], root: Option<&Value>) {
        if let Some(root) = root {
            if !args.is_empty() && self.chance(10) {
                if let Some(tokens) = self.root_scalar(root) {
                    let mut text = String::from("$$root");
                    for token in &tokens {
                        text.push('.');
                        token.render(&mut text);
                    }
                    args[0] = text;
                }
            }
        }
    }

    // Values for set.

    fn set_value(&mut self, doc: &Value) -> Value {
        if self.python && self.chance(35) {
            return self.py_value(1);
        }
        match self.rng.u32(0..100) {
            0..=54 => self.value(1),
            55..=74 => {
                // A pipeline string is applied to the value already there.
                let table = self.pick(&[ON_NUM, ON_STR, ON_LIST, ON_ANY, MAPPED]);
                let (mut name, mut kinds) = self.pick(table);
                if GROWTH.contains(&name) {
                    // Applied to whatever is there: see `call`.
                    (name, kinds) = ("inc", &[]);
                }
                let args = self.args(kinds);
                let mut call = Call::new(name, args);
                call.map = self.chance(20);
                Value::String(Pipe(vec![call]).text())
            }
            75..=84 => {
                let text = match self.root_scalar(doc) {
                    Some(tokens) if self.chance(70) => {
                        let mut text = String::from("$$root");
                        for token in &tokens {
                            text.push('.');
                            token.render(&mut text);
                        }
                        text
                    }
                    _ => self
                        .pick(&["$$root", "$$root|$len", "$$root.a", "$$root.zz"])
                        .to_owned(),
                };
                Value::String(text)
            }
            85..=92 => {
                let text = self.pick(&["$notafilter", "$$rootx", "$add", "$", "$$root.", "plain"]);
                Value::String(text.to_owned())
            }
            _ => self.value(2),
        }
    }

    // Broken syntax.

    fn break_syntax(&mut self, spec: &mut Spec) {
        let text = spec.path_text();
        let roll = self.rng.u32(0..100);
        let Target::Path(path) = &mut spec.target else {
            // A pipeline for run_filter: an unknown filter or a wrong arity.
            if let Target::Pipe(pipe) = &mut spec.target {
                let call = if self.chance(50) {
                    Call::new("nope", Vec::new())
                } else {
                    Call::new("add", Vec::new())
                };
                pipe.0.push(call);
            }
            return;
        };
        match roll {
            0..=14 => {
                let call = match self.rng.u32(0..4) {
                    0 => Call::new("nope", Vec::new()),
                    1 => Call::new("add", Vec::new()),
                    2 => Call::new("round", vec!["1".into(), "2".into()]),
                    _ => Call::new("1x", Vec::new()),
                };
                match &mut path.transform {
                    Some(pipe) => pipe.0.push(call),
                    None => path.transform = Some(Pipe(vec![call])),
                }
            }
            15..=29 => {
                let raw = self.pick(&["b[?id==1]", "[x]", "a[?]", "a[?.x==$nope]", "a[?.x==]"]);
                let at = self.rng.usize(..=path.tokens.len());
                path.tokens.insert(at, Tok::Raw(raw.to_owned()));
            }
            30..=39 => {
                let at = self.rng.usize(..=path.tokens.len()).max(1);
                path.tokens.insert(at.min(path.tokens.len()), Tok::Root);
                if path.tokens.len() == 1 {
                    path.tokens.insert(0, Tok::Key(self.key()));
                }
            }
            40..=54 => {
                let raw = self.pick(&[
                    "$gt(1)&&",
                    "($even",
                    "!",
                    "$even||",
                    "$even&&!",
                    "$$root&&$odd",
                ]);
                let pred = Pred {
                    lhs: Lhs {
                        tokens: vec![Tok::Key(self.key())],
                        pipe: None,
                    },
                    cmp: Some((Cmp::Eq, Rhs::Raw(raw.to_owned()))),
                };
                path.tokens.push(Tok::Filter(self.key(), Box::new(pred)));
            }
            55..=74 if !text.is_empty() => {
                // Cut the text short: unbalanced brackets, dangling operators.
                let cut = 1 + self.below(text.len());
                let mut end = cut.min(text.len());
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                spec.target = Target::Text(text[..end].to_owned());
            }
            75..=94 => {
                let mark = self.pick(&[
                    "[", "]", "|", "$", ".", "?", "(", ")", "!", "&&", "==", "'", "[?",
                ]);
                let mut at = self.rng.usize(..=text.len());
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                let mut broken = text;
                broken.insert_str(at, mark);
                spec.target = Target::Text(broken);
            }
            _ => {
                spec.target =
                    Target::Text(self.pick(&["", ".", "..", "$$root.", "a..b"]).to_owned())
            }
        }
    }
}

/// A guess of what `pipeline` gives on `value`: the core's answer, on the plain stand-ins of
/// the Python values in it (see `python::standin`) when it holds any.
fn guess(pipeline: &str, value: &Value) -> Option<Value> {
    if holds_tag(value) {
        core_filter(pipeline, &python::standin(value)).ok()
    } else {
        core_filter(pipeline, value).ok()
    }
}

/// The core's `run_filter(pipeline, value)`: the value, or the message of the error.
fn core_filter(pipeline: &str, value: &Value) -> Result<Value, String> {
    let mut args = Map::new();
    args.insert("value".into(), value.clone());
    let case = Case {
        id: String::new(),
        file: String::new(),
        op: Op::RunFilter,
        path: pipeline.to_owned(),
        doc: Value::Null,
        args,
        expect: None,
        diverges: BTreeMap::new(),
        note: None,
    };
    match core::run(&case) {
        Outcome::Value(value) => Ok(value),
        Outcome::Error { message, .. } => Err(message),
        Outcome::Doc { .. } => Err("run_filter gave a document".into()),
    }
}

fn float(value: f64) -> Value {
    Number::from_f64(value).map_or(Value::Null, Value::Number)
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
