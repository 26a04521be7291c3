//! Python values (Python cases only): big ints, NaN and the infinities, bytes, datetimes,
//! Decimals, tuples, sets, dicts with keys that are not strs, and dict and list subclasses
//! (`Counter`, `OrderedDict`, `defaultdict`, classes overriding what paths must not call), as
//! tagged JSON.

use base64::Engine as _;
use dictwalk_corpus::codec::{DICT_OVERRIDES, FACTORY_NAMES, LIST_OVERRIDES};
use serde_json::{Map, Value};

use super::{float, Gen};
use crate::parity::fuzz::python::{holds_tag, tagged};

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

impl Gen {
    /// A value only Python has, or a tuple or set of small values.
    pub(super) fn py_scalar(&mut self) -> Value {
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
    pub(super) fn py_int(&mut self) -> Value {
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

    pub(super) fn py_float(&mut self) -> Value {
        let text = self.pick(&["nan", "nan", "inf", "-inf"]);
        tagged("$float", Value::from(text))
    }

    pub(super) fn py_bytes(&mut self) -> Value {
        let bytes = self.pick(&BYTES);
        let text = base64::engine::general_purpose::STANDARD.encode(bytes);
        tagged("$bytes", Value::String(text))
    }

    /// A number only Python has: a big int, NaN or an infinity, a Decimal.
    pub(super) fn py_number(&mut self) -> Value {
        match self.rng.u32(0..100) {
            0..=49 => self.py_int(),
            50..=79 => self.py_float(),
            _ => tagged("$decimal", Value::from(self.pick(&DECIMALS))),
        }
    }

    /// An item of a tuple: mostly a plain scalar, now and then a Python one or a tuple.
    pub(super) fn tuple_item(&mut self, depth: u32) -> Value {
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
    pub(super) fn py_set(&mut self, tag: &str) -> Value {
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
    pub(super) fn py_dict(&mut self, depth: u32) -> Value {
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
    pub(super) fn py_value(&mut self, depth: u32) -> Value {
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

    /// A dict subclass holding `map`: a Counter, an OrderedDict, a defaultdict (whose factory
    /// a read must never call) or a dict whose methods paths must not call are overridden.
    pub(super) fn dict_subclass(&mut self, map: Map<String, Value>) -> Value {
        let items = Value::Object(map);
        match self.rng.u32(0..100) {
            0..=24 => tagged("$counter", items),
            25..=44 => tagged("$ordereddict", items),
            45..=69 => {
                let factory = if self.chance(85) {
                    Value::from(self.pick(&FACTORY_NAMES))
                } else {
                    Value::Null
                };
                let mut body = Map::new();
                body.insert("factory".into(), factory);
                body.insert("items".into(), items);
                tagged("$defaultdict", Value::Object(body))
            }
            _ => self.overriding("$dict_subclass", &DICT_OVERRIDES, items),
        }
    }

    /// A list subclass holding `items`, whose methods paths must not call are overridden.
    pub(super) fn list_subclass(&mut self, items: Vec<Value>) -> Value {
        self.overriding("$list_subclass", &LIST_OVERRIDES, Value::Array(items))
    }

    /// `{tag: {"overrides": [...], "items": items}}`: every override half the time, else some.
    fn overriding(&mut self, tag: &str, all: &[&str], items: Value) -> Value {
        let every = self.chance(50);
        let overrides = all
            .iter()
            .filter(|_| every || self.chance(40))
            .map(|name| Value::from(*name))
            .collect();
        let mut body = Map::new();
        body.insert("overrides".into(), Value::Array(overrides));
        body.insert("items".into(), items);
        tagged(tag, Value::Object(body))
    }

    /// `value` with a Python value put in at a random place, unless it holds one already.
    pub(super) fn plant(&mut self, value: Value) -> Value {
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
}
