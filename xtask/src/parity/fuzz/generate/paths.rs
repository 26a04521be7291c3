//! Paths: guided by the document, so that they mostly resolve.

use serde_json::Value;

use super::Gen;
use crate::parity::fuzz::python::{self, sequence_items, view};
use crate::parity::fuzz::spec::{PathSpec, Root, Sel, Tok};

impl Gen {
    /// A path guided by the document, so that it mostly resolves. `cur` follows the value the
    /// walk has reached (after a fan-out in a read, the list it leaves; in a write, one item),
    /// or is `None` once the walk has left the document.
    pub(super) fn path(&mut self, doc: &Value, write: bool) -> PathSpec {
        let mut tokens = Vec::new();
        let mut root = Root::Plain;
        let mut cur = Some(doc.clone());
        // A tuple or set at the root gets the selectors of a root list now and then: they
        // must fail on it alike.
        let root_items = match doc {
            Value::Array(items) => Some(items),
            _ if self.python => sequence_items(doc).or_else(|| python::subclass_list_items(doc)),
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
    pub(super) fn selector(
        &mut self,
        items: &[Value],
        doc: &Value,
        write: bool,
    ) -> (Sel, Option<Value>) {
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
    pub(super) fn index(&mut self, len: i64) -> i64 {
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

    pub(super) fn bounds(&mut self, len: i64) -> (Option<i64>, Option<i64>) {
        let bound = |gen: &mut Gen| gen.chance(70).then(|| gen.rng.i64(-len - 1..=len + 1));
        let start = bound(self);
        let stop = bound(self);
        (start, stop)
    }

    /// The item a write's fan-out is followed through: a dict if there is one.
    pub(super) fn representative(&mut self, items: &[Value]) -> Option<Value> {
        let dicts: Vec<&Value> = items.iter().filter(|v| view(v).is_object()).collect();
        if dicts.is_empty() {
            return items.first().cloned();
        }
        let i = self.below(dicts.len());
        dicts.get(i).map(|v| (*v).clone())
    }

    pub(super) fn token(
        &mut self,
        cur: Option<Value>,
        doc: &Value,
        write: bool,
    ) -> (Tok, Option<Value>) {
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
                    // A list's tokens on a list subclass, which paths read as the list it is.
                    child
                        if self.python
                            && python::subclass_list_items(&child).is_some()
                            && self.chance(70) =>
                    {
                        let items = python::subclass_list_items(&child)
                            .cloned()
                            .unwrap_or_default();
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
    pub(super) fn list_token(
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
}
