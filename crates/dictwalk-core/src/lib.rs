//! dictwalk-core: the dictwalk path engine, free of any Python dependency.
//!
//! Stages live in their own modules: `syntax` (path text to an AST with spans, with `literal`
//! for the Python literals in it), `compile` (AST to a program, once per path, and a bounded
//! program cache), `eval` (run a program over any type implementing `doc::Document`), and
//! `error` (errors as data). `json` implements `Document` for `serde_json::Value` and offers
//! the convenient API; `filters` holds the built-in filter table and their implementations
//! on JSON values; `pyfmt` renders values the way Python's `str()`/`repr()` do, which the
//! path language's comparisons need; `stack` lets the recursive stages go as deep as a path
//! may nest on any thread.
//!
//! ```
//! use dictwalk_core::json::{self, GetOptions, SetOptions};
//! use serde_json::json;
//!
//! let mut doc = json!({"a": {"users": [{"id": 1, "name": "x"}, {"id": 2, "name": "y"}]}});
//! let names = json::get(&doc, "a.users[?.id>1].name[]", GetOptions::default());
//! assert_eq!(names.ok(), Some(json!(["y"])));
//! json::set(&mut doc, "a.users[].seen", json!(true), SetOptions::default()).ok();
//! assert_eq!(doc["a"]["users"][1]["seen"], json!(true));
//! ```

pub mod compile;
pub mod doc;
pub mod error;
pub mod eval;
pub mod filters;
pub mod json;
pub mod literal;
pub mod pyfmt;
pub mod stack;
pub mod syntax;

pub use error::{Error, ErrorKind, EvalError};

/// How deeply values may nest where an operation has to recurse into them: a value nested
/// deeper cannot be copied (the result of `get`, a `set` value), compared, formatted or given
/// to a built-in filter. Past it, `get`, `exists`, `set` and `unset` give a
/// `DictWalkResolutionError` ("RecursionError: the data is nested too deeply to walk.")
/// instead of recursing (spec 9.6); in a comparison or a filter the failure is soft, as
/// Python's `RecursionError` is. Walking needs no recursion: reads and writes take paths of
/// any length and `**` reaches any depth. Syntax nesting has its own limit,
/// [`syntax::MAX_NESTING`].
pub const MAX_DEPTH: usize = 512;
