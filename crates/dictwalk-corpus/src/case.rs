//! What a case is: an operation, its inputs, its expectation and its declared divergences.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Map, Value};

/// The operation a case runs: a path operation, or a call of the API around the paths.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    Get,
    Exists,
    Set,
    Unset,
    RunFilter,
    /// `get_path_filter(path)`, the filter found then applied to `args.value`.
    GetPathFilter,
    /// `register_path_filter(path, f)` of a corpus function that adds 100, then `$path`
    /// applied to `args.value`.
    RegisterPathFilter,
    /// `DictWalk()`, the API object with no argument: it must run on the default backend,
    /// and the outcome is a `get` of `path` through it.
    DictWalk,
}

impl Op {
    pub const ALL: [Op; 8] = [
        Op::Get,
        Op::Exists,
        Op::Set,
        Op::Unset,
        Op::RunFilter,
        Op::GetPathFilter,
        Op::RegisterPathFilter,
        Op::DictWalk,
    ];

    /// The name used in the files.
    pub fn name(self) -> &'static str {
        match self {
            Op::Get => "get",
            Op::Exists => "exists",
            Op::Set => "set",
            Op::Unset => "unset",
            Op::RunFilter => "run_filter",
            Op::GetPathFilter => "get_path_filter",
            Op::RegisterPathFilter => "register_path_filter",
            Op::DictWalk => "DictWalk",
        }
    }

    pub fn from_name(name: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|op| op.name() == name)
    }

    /// The arguments the operation takes in `args`.
    pub fn arg_names(self) -> &'static [&'static str] {
        match self {
            Op::Get => &["default", "strict"],
            Op::Exists | Op::Unset => &["strict"],
            Op::Set => &[
                "value",
                "strict",
                "create_missing",
                "create_filter_match",
                "overwrite_incompatible",
            ],
            Op::RunFilter | Op::GetPathFilter | Op::RegisterPathFilter => &["value"],
            Op::DictWalk => &[],
        }
    }

    /// Whether the case must give `args.value`.
    pub fn needs_value(self) -> bool {
        matches!(
            self,
            Op::Set | Op::RunFilter | Op::GetPathFilter | Op::RegisterPathFilter
        )
    }

    /// Whether the operation is a call of the Python API object or registry rather than of a
    /// path operation, which the core (no Python API) cannot run.
    pub fn is_python_api(self) -> bool {
        matches!(
            self,
            Op::GetPathFilter | Op::RegisterPathFilter | Op::DictWalk
        )
    }

    /// Whether the operation changes the document (and is judged on it).
    pub fn writes(self) -> bool {
        matches!(self, Op::Set | Op::Unset)
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A backend a case can run on, and a divergence can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Backend {
    /// The pure-Python reference, from the pure wheel.
    Python,
    /// The native backend, from the native wheel.
    Rust,
    /// dictwalk-core on serde_json, in process: the cases JSON can express.
    Core,
    /// dictwalk 2.6.0, the legacy oracle.
    Legacy,
}

impl Backend {
    pub const ALL: [Backend; 4] = [
        Backend::Python,
        Backend::Rust,
        Backend::Core,
        Backend::Legacy,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Backend::Python => "python",
            Backend::Rust => "rust",
            Backend::Core => "core",
            Backend::Legacy => "legacy",
        }
    }

    pub fn from_name(name: &str) -> Option<Backend> {
        Backend::ALL.into_iter().find(|b| b.name() == name)
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The exception classes an expectation may name, in `python/tests/corpus.py`'s order.
pub const ERROR_CLASSES: [&str; 11] = [
    "DictWalkParseError",
    "DictWalkResolutionError",
    "DictWalkOperatorError",
    // The base class, as such: get_path_filter of a name no filter has.
    "DictWalkError",
    "TypeError",
    "ValueError",
    "KeyError",
    "ZeroDivisionError",
    "AttributeError",
    // run_filter_function lets these through from the value itself: an object whose method
    // raises, a value nested past the interpreter's recursion limit.
    "RuntimeError",
    "RecursionError",
];

/// What a case must give.
#[derive(Clone, Debug, PartialEq)]
pub enum Expect {
    /// A read's value (encoded).
    Value(Value),
    /// A write's document afterwards, and whether the call returned the same object.
    Doc { doc: Value, same: bool },
    /// An exception of `class` whose message contains `message`; a failed write leaves `doc`
    /// (the case's own document when not given).
    Error {
        class: String,
        message: Option<String>,
        doc: Option<Value>,
        /// What the exception must tell beyond its class: `context`, `cause` (a class name or
        /// null) and `pickles` (a bool), each checked when given (`corpus.py`'s `_details`).
        details: Map<String, Value>,
    },
}

impl Expect {
    /// The expectation as it is written in a file.
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        match self {
            Expect::Value(value) => {
                map.insert("value".into(), value.clone());
            }
            Expect::Doc { doc, same } => {
                map.insert("doc".into(), doc.clone());
                if !same {
                    map.insert("same".into(), Value::Bool(false));
                }
            }
            Expect::Error {
                class,
                message,
                doc,
                details,
            } => {
                map.insert("error".into(), Value::String(class.clone()));
                if let Some(message) = message {
                    map.insert("message".into(), Value::String(message.clone()));
                }
                if let Some(doc) = doc {
                    map.insert("doc".into(), doc.clone());
                }
                map.extend(details.clone());
            }
        }
        Value::Object(map)
    }
}

/// One case of the corpus.
#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    pub id: String,
    /// The file's name, such as `filters.json`.
    pub file: String,
    pub op: Op,
    /// The path (for `run_filter` the pipeline, for `get_path_filter` and
    /// `register_path_filter` the filter's name);
    /// for one that is not a JSON str, its JSON text.
    pub path: String,
    /// A path that is not a JSON str as written (`null`, `{"$bytes": ...}`, `{"$str": [...]}`
    /// for a str JSON cannot hold), sent as it is: spec 1.1's wrong arguments.
    pub path_value: Option<Value>,
    /// The encoded document (resolved from `doc_ref`); decode a fresh copy per run.
    pub doc: Value,
    /// The encoded arguments.
    pub args: Map<String, Value>,
    /// `None` only when loaded for `--bless`: a new case whose expectation is to be recorded.
    pub expect: Option<Expect>,
    /// Backends declared to differ, each with its reason.
    pub diverges: BTreeMap<Backend, String>,
    pub note: Option<String>,
}

impl Case {
    /// The self-contained form sent to worker processes: `{"id","op","path","doc","args"}`.
    pub fn request(&self) -> Value {
        let mut map = Map::new();
        map.insert("id".into(), Value::String(self.id.clone()));
        map.insert("op".into(), Value::String(self.op.name().into()));
        let path = match &self.path_value {
            Some(value) => value.clone(),
            None => Value::String(self.path.clone()),
        };
        map.insert("path".into(), path);
        map.insert("doc".into(), self.doc.clone());
        map.insert("args".into(), Value::Object(self.args.clone()));
        Value::Object(map)
    }

    /// The reason a backend is declared to differ on this case, if it is.
    pub fn divergence(&self, backend: Backend) -> Option<&str> {
        self.diverges.get(&backend).map(String::as_str)
    }

    /// Whether the case holds a tagged (Python-only) value anywhere.
    pub fn is_plain_json(&self) -> bool {
        let expect_tagged = match &self.expect {
            Some(expect) => crate::codec::tag_in(&expect.to_json()).is_some(),
            None => false,
        };
        self.inputs_are_plain_json() && !expect_tagged
    }

    /// [`Case::is_plain_json`] of the case's inputs alone (the path, document and arguments),
    /// whatever it expects.
    pub fn inputs_are_plain_json(&self) -> bool {
        let tagged = |v: &Value| crate::codec::tag_in(v).is_some();
        self.path_value.is_none() && !tagged(&self.doc) && !self.args.values().any(tagged)
    }

    /// A boolean flag of `args`, or its default.
    pub fn flag(&self, name: &str, default: bool) -> bool {
        self.args
            .get(name)
            .and_then(Value::as_bool)
            .unwrap_or(default)
    }
}
