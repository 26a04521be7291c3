//! Values for set: plain values, pipeline strings, `$$root` references and Python values.

use serde_json::Value;

use super::tables::{GROWTH, MAPPED, ON_ANY, ON_LIST, ON_NUM, ON_STR};
use super::Gen;
use crate::parity::fuzz::spec::{Call, Pipe};

impl Gen {
    pub(super) fn set_value(&mut self, doc: &Value) -> Value {
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
}
