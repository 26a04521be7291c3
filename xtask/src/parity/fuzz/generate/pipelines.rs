//! Pipelines: steps fit for the value they run on, drawn from the filter tables.

use serde_json::Value;

use super::tables::{
    ty, Ty, GROWTH, MAPPED, ON_ANY, ON_BYTES, ON_DATETIME, ON_DICT, ON_LIST, ON_NUM, ON_PY_DICT,
    ON_PY_NUMBER, ON_SET, ON_STR, ON_TUPLE, TESTS,
};
use super::{core_filter, guess, inexpressible, Gen};
use crate::parity::fuzz::python::{self, holds_tag, Kind};
use crate::parity::fuzz::spec::{Call, Pipe};

impl Gen {
    /// A pipeline of up to `max` steps fit for `value` (each step for what the last gave),
    /// and now and then any filter at all. `root`: `$$root` arguments may refer to it.
    /// `exact`: the pipeline runs on `value` itself, not on values like it (see `call`).
    pub(super) fn pipe(
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
    pub(super) fn call(
        &mut self,
        value: Option<&Value>,
        root: Option<&Value>,
        exact: bool,
    ) -> Call {
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
                        Err(error) => !inexpressible(&error),
                    }
                }
            };
            if fits {
                return call;
            }
        }
        Call::new("string", Vec::new())
    }

    pub(super) fn any_call(&mut self, value: Option<&Value>, root: Option<&Value>) -> Call {
        if self.python {
            if let Some(kind) = value.and_then(python::kind) {
                return self.py_call(kind, root);
            }
        }
        // A dict or list subclass is the dict or list it is to the filters.
        let table = match value.map(|value| ty(&python::view(value))) {
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
    pub(super) fn py_call(&mut self, kind: Kind, root: Option<&Value>) -> Call {
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
    pub(super) fn root_arg(&mut self, args: &mut [String], root: Option<&Value>) {
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
}
