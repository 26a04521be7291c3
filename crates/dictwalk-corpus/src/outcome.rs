//! What running a case gave, and the strict judge of it against the case's expectation.

use serde_json::{Map, Value};

use crate::case::{Case, Expect};

/// The result of one case on one backend, in the encoded form workers print.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// A read gave a value.
    Value(Value),
    /// A write left this document and returned the same object or another.
    Doc { doc: Value, same: bool },
    /// The call raised; a failed write also reports the document it left.
    Error {
        class: String,
        message: String,
        doc: Option<Value>,
        /// `context`, `cause` and `pickles` as a Python worker reports them (`corpus.py`'s
        /// `_details`); empty from the core.
        details: Map<String, Value>,
    },
}

impl Outcome {
    /// Read a worker's `outcome` object; `Err` says why it is not one. Takes the object, whose
    /// document or value becomes the outcome's without a copy.
    pub fn from_json(raw: Value) -> Result<Outcome, String> {
        let mut map = match raw {
            Value::Object(map) => map,
            other => return Err(format!("outcome is not an object: {}", clip(&other))),
        };
        let known = [
            "value", "doc", "same", "error", "message", "context", "cause", "pickles",
        ];
        if let Some(key) = map.keys().find(|key| !known.contains(&key.as_str())) {
            return Err(format!("outcome has an unknown field '{key}'"));
        }
        if let Some(class) = map.remove("error") {
            let Value::String(class) = class else {
                return Err("outcome's error is not a string".into());
            };
            let message = match map.remove("message") {
                None => String::new(),
                Some(Value::String(message)) => message,
                Some(_) => return Err("outcome's message is not a string".into()),
            };
            return Ok(Outcome::Error {
                class,
                message,
                doc: map.remove("doc"),
                details: crate::load::DETAIL_FIELDS
                    .iter()
                    .filter_map(|name| Some(((*name).to_owned(), map.remove(*name)?)))
                    .collect(),
            });
        }
        if let Some(doc) = map.remove("doc") {
            let same = map
                .get("same")
                .and_then(Value::as_bool)
                .ok_or("a write's outcome needs a boolean 'same'")?;
            return Ok(Outcome::Doc { doc, same });
        }
        match map.remove("value") {
            Some(value) => Ok(Outcome::Value(value)),
            None => Err("outcome holds no value, doc or error".into()),
        }
    }

    /// The outcome as a worker prints it.
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        match self {
            Outcome::Value(value) => {
                map.insert("value".into(), value.clone());
            }
            Outcome::Doc { doc, same } => {
                map.insert("doc".into(), doc.clone());
                map.insert("same".into(), Value::Bool(*same));
            }
            Outcome::Error {
                class,
                message,
                doc,
                details,
            } => {
                map.insert("error".into(), Value::String(class.clone()));
                map.insert("message".into(), Value::String(message.clone()));
                if let Some(doc) = doc {
                    map.insert("doc".into(), doc.clone());
                }
                map.extend(details.clone());
            }
        }
        Value::Object(map)
    }

    /// The expectation that records this outcome (`--bless`, regression cases).
    pub fn to_expect(&self) -> Expect {
        match self {
            Outcome::Value(value) => Expect::Value(value.clone()),
            Outcome::Doc { doc, same } => Expect::Doc {
                doc: doc.clone(),
                same: *same,
            },
            Outcome::Error { class, message, .. } => Expect::Error {
                class: class.clone(),
                message: Some(message.clone()),
                doc: None,
                details: Map::new(),
            },
        }
    }

    /// One line describing the outcome, for reports.
    pub fn describe(&self) -> String {
        match self {
            Outcome::Value(value) => format!("value {}", clip(value)),
            Outcome::Doc { doc, .. } => format!("document {}", clip(doc)),
            Outcome::Error { class, message, .. } => format!("{class}: {message}"),
        }
    }

    /// Whether two backends' outcomes agree: equal values and documents, the same exception
    /// class (messages are each backend's own wording).
    pub fn agrees_with(&self, other: &Outcome) -> bool {
        match (self, other) {
            (Outcome::Value(a), Outcome::Value(b)) => same(a, b),
            (Outcome::Doc { doc: a, same: x }, Outcome::Doc { doc: b, same: y }) => {
                x == y && same(a, b)
            }
            (
                Outcome::Error {
                    class: a, doc: da, ..
                },
                Outcome::Error {
                    class: b, doc: db, ..
                },
            ) => {
                a == b
                    && match (da, db) {
                        (Some(da), Some(db)) => same(da, db),
                        (None, None) => true,
                        _ => false,
                    }
            }
            _ => false,
        }
    }
}

/// A value in a message, cut to a readable length.
pub fn clip(value: &Value) -> String {
    const LIMIT: usize = 200;
    let text = value.to_string();
    if text.len() <= LIMIT {
        return text;
    }
    let mut end = LIMIT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes)", &text[..end], text.len())
}

/// `Ok` when the outcome meets the case's expectation, else what differs. A case without an
/// expectation (awaiting `--bless`) meets none.
pub fn judge(case: &Case, outcome: &Outcome) -> Result<(), String> {
    let Some(expect) = &case.expect else {
        return Err("the case has no expectation yet (run with --bless)".into());
    };
    match expect {
        Expect::Error {
            class,
            message,
            doc,
            details,
        } => {
            let Outcome::Error {
                class: got,
                message: got_message,
                doc: got_doc,
                details: got_details,
            } = outcome
            else {
                return Err(format!("expected {class}, got {}", outcome.describe()));
            };
            if got != class {
                return Err(format!("expected {class}, got {}", outcome.describe()));
            }
            if let Some(fragment) = message {
                if !got_message.contains(fragment.as_str()) {
                    return Err(format!(
                        "expected message containing {fragment:?}, got {got_message:?}"
                    ));
                }
            }
            for (name, want) in details {
                let found = got_details.get(name).unwrap_or(&Value::Null);
                if found != want {
                    return Err(format!("expected the error's {name} {want}, got {found}"));
                }
            }
            // A failed write leaves the document as it was (spec 9.7).
            if case.op.writes() {
                let unchanged = doc.as_ref().unwrap_or(&case.doc);
                if !got_doc.as_ref().is_some_and(|got| same(unchanged, got)) {
                    let left = got_doc.as_ref().map_or_else(|| "nothing".into(), clip);
                    return Err(format!("failed {} changed the document to {left}", case.op));
                }
            }
            Ok(())
        }
        _ if matches!(outcome, Outcome::Error { .. }) => {
            Err(format!("expected success, got {}", outcome.describe()))
        }
        Expect::Doc { doc, same: want } => {
            let Outcome::Doc {
                doc: got,
                same: got_same,
            } = outcome
            else {
                return Err(format!("expected a document, got {}", outcome.describe()));
            };
            if !same(doc, got) {
                return Err(format!(
                    "document after {}: expected {}, got {}",
                    case.op,
                    clip(doc),
                    clip(got)
                ));
            }
            if got_same != want {
                let which = if *got_same { "the same" } else { "another" };
                return Err(format!("{} returned {which} object", case.op));
            }
            Ok(())
        }
        Expect::Value(value) => {
            let Outcome::Value(got) = outcome else {
                return Err(format!("expected a value, got {}", outcome.describe()));
            };
            if same(value, got) {
                Ok(())
            } else {
                Err(format!("expected {}, got {}", clip(value), clip(got)))
            }
        }
    }
}

/// Strict equality of encoded values: `1`, `1.0` and `true` differ, `0.0` and `-0.0` differ,
/// and key order counts.
pub fn same(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(a), Value::Bool(b)) => a == b,
        (Value::String(a), Value::String(b)) => a == b,
        (Value::Number(a), Value::Number(b)) => {
            if a.is_f64() || b.is_f64() {
                a.is_f64()
                    && b.is_f64()
                    && a.as_f64().map(f64::to_bits) == b.as_f64().map(f64::to_bits)
            } else {
                a == b
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|((ka, va), (kb, vb))| ka == kb && same(va, vb))
        }
        _ => false,
    }
}
