//! Predicates: what a filter token `[?...]` tests of each item.

use std::borrow::Cow;

use serde_json::Value;

use super::tables::TESTS;
use super::{guess, Gen};
use crate::parity::fuzz::python::view;
use crate::parity::fuzz::spec::{BoolExpr, Call, Cmp, Lhs, Pipe, Pred, Rhs, Tok};

impl Gen {
    /// A predicate over `items`, mostly about what they hold.
    pub(super) fn pred(&mut self, items: &[Value], doc: &Value) -> Pred {
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
    pub(super) fn test_pipe(&mut self) -> Pipe {
        let (name, args) = self.pick(TESTS);
        let mut calls = Vec::new();
        if self.chance(15) {
            calls.push(Call::new(self.pick(&["int", "len", "string"]), Vec::new()));
        }
        let args = self.args(args);
        calls.push(Call::new(name, args));
        Pipe(calls)
    }

    pub(super) fn bool_expr(&mut self, depth: u32) -> BoolExpr {
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
    pub(super) fn root_scalar(&mut self, doc: &Value) -> Option<Vec<Tok>> {
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
}
