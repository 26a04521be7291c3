//! The generator: a [`Spec`] from a seed and a case number alone, guided by the document so
//! that most paths resolve, with the filter tables it draws pipelines from.
//!
//! About one case in five ([`holds_python`]) is a Python case: its document (or the value of
//! its `set` or `run_filter`) holds values only Python has, as tagged JSON (see `python.rs`),
//! and its pipelines are drawn from tables made for them. The other cases never draw the
//! random numbers the Python values need, so they are what they would be without them.
//!
//! This module draws the case (`Gen::spec`); each part of it has a module of its own:
//! `documents`, `python_values`, `paths`, `predicates`, `literals` (also the rendering of
//! values as Python literals), `pipelines` (drawn from the filter tables in `tables`),
//! `set_values` and `broken_syntax`. Every module adds its methods to the one [`Gen`], whose
//! stream of random numbers they share, so the order of the draws is the order of the calls.

mod broken_syntax;
mod documents;
mod literals;
mod paths;
mod pipelines;
mod predicates;
mod python_values;
mod set_values;
mod tables;

use dictwalk_core::json;
use dictwalk_corpus::Op;
use serde_json::{Map, Number, Value};

use super::python::{self, holds_tag};
use super::spec::{Spec, Target};

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
pub fn pipeline_for(seed: u64, value: &Value) -> super::spec::Pipe {
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

/// The core's `run_filter(pipeline, value)`, as the `core` backend runs a `run_filter` case.
fn core_filter(pipeline: &str, value: &Value) -> Result<Value, json::Error> {
    json::run_filter(pipeline, value)
}

/// Whether the core failed only because Python's result has no JSON form: a known limit of
/// the core (see `dictwalk_core::filters::Reason::NotJson`), not a disagreement worth finding
/// again and again.
fn inexpressible(error: &json::Error) -> bool {
    matches!(error, json::Error::Filter(error) if error.is_not_json())
}

fn float(value: f64) -> Value {
    Number::from_f64(value).map_or(Value::Null, Value::Number)
}
