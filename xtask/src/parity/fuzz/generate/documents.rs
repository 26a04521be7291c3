//! Documents: dicts, lists and scalars, with a Python value now and then in a Python case
//! (a dict or list subclass among them, in place of a plain dict or list).

use serde_json::{Map, Value};

use super::{float, Gen, STRINGS};
use crate::parity::fuzz::python::tagged;

impl Gen {
    pub(super) fn doc(&mut self) -> Value {
        match self.rng.u32(0..100) {
            0..=74 => self.object(3),
            75..=95 => self.list(3),
            _ => self.scalar(),
        }
    }

    pub(super) fn value(&mut self, depth: u32) -> Value {
        if depth == 0 {
            return self.scalar();
        }
        match self.rng.u32(0..100) {
            0..=21 => self.object(depth - 1),
            22..=43 => self.list(depth - 1),
            _ => self.scalar(),
        }
    }

    pub(super) fn object(&mut self, depth: u32) -> Value {
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
        if self.python && self.chance(12) {
            return self.dict_subclass(map);
        }
        Value::Object(map)
    }

    pub(super) fn list(&mut self, depth: u32) -> Value {
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
        if self.python && self.chance(12) {
            return self.list_subclass(items);
        }
        Value::Array(items)
    }

    pub(super) fn scalar(&mut self) -> Value {
        if self.python && self.chance(22) {
            return self.py_scalar();
        }
        self.plain_scalar()
    }

    pub(super) fn plain_scalar(&mut self) -> Value {
        match self.rng.u32(0..100) {
            0..=34 => Value::from(self.rng.i64(-3..=12)),
            35..=42 => Value::from(self.rng.i64(-1000..=1000)),
            43..=51 => float(self.rng.i64(-20..=40) as f64 / 4.0),
            52..=59 => Value::Bool(self.chance(50)),
            60..=67 => Value::Null,
            _ => Value::String(self.pick(&STRINGS).to_owned()),
        }
    }
}
