//! `serde_json::Value` as a dictwalk document, and the JSON API: `get`, `exists`, `set`, `unset`, `run_filter`.
//!
//! A JSON value stands for the Python value `json.loads` would give (null is None, an array a
//! list, an object a dict, with its key order). Values JSON cannot hold fall back as follows:
//! an int literal beyond 64 bits becomes the nearest float (as serde_json reads such JSON),
//! tuples and sets become arrays, and a literal with no JSON form at all (inf, complex, bytes,
//! `...`) becomes its Python `str()`. A tree is copied where Python would share an object
//! (the result of `get`, a `set` value written at several places), and copies, comparisons
//! and filters refuse values nested deeper than [`MAX_DEPTH`] instead of recursing.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, LazyLock};

use serde_json::{Map, Number, Value};

use crate::compile::ProgramCache;
use crate::doc::{CompareError, Document, Kind, Lookup, Name, Order, Seg};
use crate::error::EvalError;
use crate::eval::{self, Ctx};
use crate::filters::{self, num_cmp, number, FilterDef, FilterError};
use crate::literal::Literal;
use crate::{pyfmt, MAX_DEPTH};

pub use crate::eval::SetOptions;

/// A custom filter on JSON values, called as `filter(value, args)`.
pub type CustomFilter = dyn Fn(&Value, &[Value]) -> Result<Value, FilterError> + Send + Sync;

/// The custom filters of an [`Engine`].
#[derive(Clone, Default)]
pub struct CustomFilters {
    filters: HashMap<String, Arc<CustomFilter>>,
}

impl fmt::Debug for CustomFilters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<&String> = self.filters.keys().collect();
        names.sort();
        f.debug_struct("CustomFilters")
            .field("names", &names)
            .finish()
    }
}

/// What a JSON operation fails with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// A parse, resolution or operator error.
    Path(crate::Error),
    /// A filter's own error: a custom filter's, or a built-in's in `run_filter` (where
    /// Python raises the plain exception, such as `TypeError`).
    Filter(FilterError),
}

impl Error {
    /// The Python exception class this error stands for.
    pub fn class_name(&self) -> &str {
        match self {
            Error::Path(error) => error.kind.class_name(),
            Error::Filter(error) => error.kind,
        }
    }

    /// `str()` of the Python exception.
    pub fn python_message(&self) -> String {
        match self {
            Error::Path(error) => error.to_string(),
            Error::Filter(error) => error.message.clone(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Path(error) => error.fmt(f),
            Error::Filter(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for Error {}

impl From<EvalError<FilterError>> for Error {
    fn from(error: EvalError<FilterError>) -> Self {
        match error {
            EvalError::Path(error) => Error::Path(error),
            EvalError::Foreign(error) => Error::Filter(error),
        }
    }
}

/// The arguments of `get` besides the path.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GetOptions {
    /// What `get` returns when the path does not resolve (default null).
    pub default: Value,
    /// Raise a resolution error instead (default false).
    pub strict: bool,
}

/// Custom filters and a program cache; the free functions of this module use a shared
/// engine without custom filters.
#[derive(Debug, Default)]
pub struct Engine {
    filters: CustomFilters,
    cache: ProgramCache,
}

impl Engine {
    /// An engine without custom filters.
    pub fn new() -> Engine {
        Engine::default()
    }

    /// Registers (or replaces) the custom filter `$name`. As in Python, the name must match
    /// `[A-Za-z_][A-Za-z0-9_]*` and must not be a built-in filter's (a `ValueError` otherwise).
    pub fn register_filter(
        &mut self,
        name: &str,
        filter: impl Fn(&Value, &[Value]) -> Result<Value, FilterError> + Send + Sync + 'static,
    ) -> Result<(), FilterError> {
        let valid = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            let message = format!(
                "invalid path filter name {}: it must match [A-Za-z_][A-Za-z0-9_]*",
                pyfmt::str_repr(name)
            );
            return Err(FilterError {
                kind: "ValueError",
                message,
                reason: filters::Reason::Python,
            });
        }
        if filters::builtin(name).is_some() {
            let message = format!("'{name}' is a built-in path filter and cannot be replaced");
            return Err(FilterError {
                kind: "ValueError",
                message,
                reason: filters::Reason::Python,
            });
        }
        self.filters
            .filters
            .insert(name.to_owned(), Arc::new(filter));
        Ok(())
    }

    fn ctx(&self) -> Ctx<'_, Value> {
        Ctx {
            registry: &self.filters,
            cache: &self.cache,
        }
    }

    /// The value at `path`, or `options.default` when it does not resolve.
    pub fn get(&self, doc: &Value, path: &str, options: GetOptions) -> Result<Value, Error> {
        Ok(eval::get(
            &self.ctx(),
            doc,
            path,
            options.default,
            options.strict,
        )?)
    }

    /// Whether `path` resolves in `doc` (as a strict `get` would).
    pub fn exists(&self, doc: &Value, path: &str, strict: bool) -> Result<bool, Error> {
        Ok(eval::exists(&self.ctx(), doc, path, strict)?)
    }

    /// Writes `value` at `path`, in place; a failing `set` leaves `doc` unchanged.
    pub fn set(
        &self,
        doc: &mut Value,
        path: &str,
        value: Value,
        options: SetOptions,
    ) -> Result<(), Error> {
        Ok(eval::set(&self.ctx(), doc, path, value, &options)?)
    }

    /// Removes what `path` selects, in place; a failing `unset` leaves `doc` unchanged.
    pub fn unset(&self, doc: &mut Value, path: &str, strict: bool) -> Result<(), Error> {
        Ok(eval::unset(&self.ctx(), doc, path, strict)?)
    }

    /// Applies a pipeline such as `"$add(2)|$string"` to `value`.
    pub fn run_filter(&self, pipeline: &str, value: &Value) -> Result<Value, Error> {
        Ok(eval::run_filter(&self.ctx(), pipeline, value)?)
    }
}

static DEFAULT_ENGINE: LazyLock<Engine> = LazyLock::new(Engine::new);

/// `get(doc, path, default, strict=...)` on the shared engine.
pub fn get(doc: &Value, path: &str, options: GetOptions) -> Result<Value, Error> {
    DEFAULT_ENGINE.get(doc, path, options)
}

/// `exists(doc, path, strict=...)` on the shared engine.
pub fn exists(doc: &Value, path: &str, strict: bool) -> Result<bool, Error> {
    DEFAULT_ENGINE.exists(doc, path, strict)
}

/// `set(doc, path, value, ...)` on the shared engine.
pub fn set(doc: &mut Value, path: &str, value: Value, options: SetOptions) -> Result<(), Error> {
    DEFAULT_ENGINE.set(doc, path, value, options)
}

/// `unset(doc, path, strict=...)` on the shared engine.
pub fn unset(doc: &mut Value, path: &str, strict: bool) -> Result<(), Error> {
    DEFAULT_ENGINE.unset(doc, path, strict)
}

/// `run_filter_function(pipeline, value)` on the shared engine.
pub fn run_filter(pipeline: &str, value: &Value) -> Result<Value, Error> {
    DEFAULT_ENGINE.run_filter(pipeline, value)
}

// ---------------------------------------------------------------------------------------------
// The document model
// ---------------------------------------------------------------------------------------------

impl Document for Value {
    type Key = String;
    type Foreign = FilterError;
    type Registry = CustomFilters;
    const SHARED: bool = false;

    fn kind(&self) -> Kind {
        match self {
            Value::Object(_) => Kind::Map,
            Value::Array(_) => Kind::List,
            _ => Kind::Other,
        }
    }

    fn type_name(&self) -> Cow<'_, str> {
        Cow::Borrowed(match self {
            Value::Null => "NoneType",
            Value::Bool(_) => "bool",
            Value::Number(number) if number.is_f64() => "float",
            Value::Number(_) => "int",
            Value::String(_) => "str",
            Value::Array(_) => "list",
            Value::Object(_) => "dict",
        })
    }

    fn as_str(&self) -> Option<Cow<'_, str>> {
        self.as_str().map(Cow::Borrowed)
    }

    fn identity(&self) -> Option<usize> {
        // The address of a node borrowed from the document, which stays put while it is read.
        (self.kind() != Kind::Other).then_some(std::ptr::from_ref(self) as usize)
    }

    fn child(&self, key: &Name) -> Option<Cow<'_, Self>> {
        self.as_object()?.get(key.as_str()).map(Cow::Borrowed)
    }

    fn item(&self, index: usize) -> Option<Cow<'_, Self>> {
        self.as_array()?.get(index).map(Cow::Borrowed)
    }

    fn child_at(&self, seg: &Seg<String>) -> Option<Cow<'_, Self>> {
        match seg {
            Seg::Key(key) => self.as_object()?.get(key).map(Cow::Borrowed),
            Seg::Index(index) => Document::item(self, *index),
        }
    }

    fn len(&self) -> usize {
        match self {
            Value::Array(items) => items.len(),
            Value::Object(map) => map.len(),
            _ => 0,
        }
    }

    fn children(&self) -> Vec<Cow<'_, Self>> {
        match self {
            Value::Array(items) => items.iter().map(Cow::Borrowed).collect(),
            Value::Object(map) => map.values().map(Cow::Borrowed).collect(),
            _ => Vec::new(),
        }
    }

    fn entries(&self) -> Vec<(Seg<String>, Cow<'_, Self>)> {
        match self {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (Seg::Index(i), Cow::Borrowed(v)))
                .collect(),
            Value::Object(map) => map
                .iter()
                .map(|(k, v)| (Seg::Key(k.clone()), Cow::Borrowed(v)))
                .collect(),
            _ => Vec::new(),
        }
    }

    fn key(_: &CustomFilters, name: &Name) -> String {
        name.as_str().to_owned()
    }

    fn copy_value(&self) -> Option<Self> {
        copy_within(self, MAX_DEPTH)
    }

    fn null(_: &CustomFilters) -> Self {
        Value::Null
    }

    fn string(_: &CustomFilters, text: &str) -> Self {
        Value::String(text.to_owned())
    }

    fn empty_map(_: &CustomFilters) -> Self {
        Value::Object(Map::new())
    }

    fn list(_: &CustomFilters, items: Vec<Self>) -> Self {
        Value::Array(items)
    }

    fn from_literal(_: &CustomFilters, literal: &Literal) -> Self {
        from_literal(literal)
    }

    fn represents(literal: &Literal) -> bool {
        match literal {
            Literal::None | Literal::Bool(_) | Literal::Int(_) | Literal::Str(_) => true,
            Literal::BigInt { text, .. } => text.parse::<u64>().is_ok(),
            Literal::Float(float) => float.is_finite(),
            Literal::List(items) => items.iter().all(Self::represents),
            Literal::Dict(pairs) => pairs
                .iter()
                .all(|(k, v)| matches!(k, Literal::Str(_)) && Self::represents(v)),
            Literal::Tuple(_)
            | Literal::Set(_)
            | Literal::Complex { .. }
            | Literal::Bytes(_)
            | Literal::Ellipsis => false,
        }
    }

    fn set_child(&mut self, seg: &Seg<String>, value: Self) {
        match (self, seg) {
            (Value::Object(map), Seg::Key(key)) => {
                if let Some(old) = map.insert(key.clone(), value) {
                    dispose(old);
                }
            }
            (Value::Array(items), Seg::Index(index)) => match items.get_mut(*index) {
                Some(slot) => dispose(std::mem::replace(slot, value)),
                None => dispose(value),
            },
            _ => dispose(value),
        }
    }

    fn remove_child(&mut self, seg: &Seg<String>) {
        match (self, seg) {
            (Value::Object(map), Seg::Key(key)) => {
                if let Some(old) = map.shift_remove(key) {
                    dispose(old);
                }
            }
            (Value::Array(items), Seg::Index(index)) if *index < items.len() => {
                dispose(items.remove(*index))
            }
            _ => {}
        }
    }

    fn push(&mut self, value: Self) {
        match self {
            Value::Array(items) => items.push(value),
            _ => dispose(value),
        }
    }

    fn clear(&mut self) {
        match self {
            Value::Array(items) => std::mem::take(items).into_iter().for_each(dispose),
            Value::Object(map) => std::mem::take(map)
                .into_iter()
                .for_each(|(_, v)| dispose(v)),
            _ => {}
        }
    }

    fn take_child(&mut self, seg: &Seg<String>) -> Option<Self> {
        let slot = match (self, seg) {
            (Value::Object(map), Seg::Key(key)) => map.get_mut(key),
            (Value::Array(items), Seg::Index(index)) => items.get_mut(*index),
            _ => None,
        };
        slot.map(std::mem::take)
    }

    fn restore_child(&mut self, seg: &Seg<String>, child: Self) {
        let slot = match (self, seg) {
            (Value::Object(map), Seg::Key(key)) => map.get_mut(key),
            (Value::Array(items), Seg::Index(index)) => items.get_mut(*index),
            _ => None,
        };
        match slot {
            Some(slot) => *slot = child,
            None => dispose(child),
        }
    }

    fn take_items(&mut self) -> Vec<Self> {
        match self {
            Value::Array(items) => std::mem::take(items),
            _ => Vec::new(),
        }
    }

    fn replace_items(&mut self, items: Vec<Self>) {
        match self {
            Value::Array(old) => std::mem::replace(old, items).into_iter().for_each(dispose),
            _ => items.into_iter().for_each(dispose),
        }
    }

    fn discard(self) {
        dispose(self);
    }

    fn truthy(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(flag) => *flag,
            Value::Number(number) => number.as_f64().is_some_and(|n| n != 0.0),
            Value::String(text) => !text.is_empty(),
            Value::Array(items) => !items.is_empty(),
            Value::Object(map) => !map.is_empty(),
        }
    }

    fn py_str(&self) -> Option<String> {
        within_depth(self, MAX_DEPTH).then(|| pyfmt::py_str(self))
    }

    fn equals(&self, other: &Self) -> bool {
        py_eq(self, other, 0).unwrap_or(false)
    }

    fn compare(&self, order: Order, other: &Self) -> Result<bool, CompareError> {
        py_compare(self, order, other, 0)
    }

    fn call_builtin(
        filter: &'static FilterDef,
        value: &Self,
        args: &[Self],
        lookup: &Lookup<'_, Self>,
    ) -> Result<Self, FilterError> {
        // The filters recurse into values; past the depth limit that is Python's RecursionError.
        if !within_depth(value, MAX_DEPTH) || !args.iter().all(|arg| within_depth(arg, MAX_DEPTH)) {
            return Err(FilterError {
                kind: "RecursionError",
                message: "maximum recursion depth exceeded".into(),
                reason: filters::Reason::Python,
            });
        }
        // After a Stop every lookup gives None at once; the result is not used.
        let resolve = |item: &Value, path: &str| lookup(item, path).ok().flatten();
        filters::apply_json(filter.name, value, args, &resolve)
    }

    fn soft_failure(error: &FilterError) -> Option<String> {
        // Every failure of a built-in filter is soft in a path, as in reader.py.
        Some(format!("{}: {}", error.kind, error.message))
    }

    fn has_custom(registry: &CustomFilters, name: &str) -> bool {
        registry.filters.contains_key(name)
    }

    fn call_custom(
        registry: &CustomFilters,
        name: &str,
        value: &Self,
        args: &[Self],
    ) -> Option<Result<Self, FilterError>> {
        registry.filters.get(name).map(|filter| filter(value, args))
    }
}

// ---------------------------------------------------------------------------------------------
// Depth-safe helpers: copies and comparisons recurse at most MAX_DEPTH levels, drops none.
// ---------------------------------------------------------------------------------------------

/// A copy of `value`, or None when it is nested more than `limit` levels deep.
fn copy_within(value: &Value, limit: usize) -> Option<Value> {
    Some(match value {
        Value::Array(items) => {
            let limit = limit.checked_sub(1)?;
            Value::Array(
                items
                    .iter()
                    .map(|item| copy_within(item, limit))
                    .collect::<Option<_>>()?,
            )
        }
        Value::Object(map) => {
            let limit = limit.checked_sub(1)?;
            let mut copy = Map::with_capacity(map.len());
            for (key, item) in map {
                copy.insert(key.clone(), copy_within(item, limit)?);
            }
            Value::Object(copy)
        }
        scalar => scalar.clone(),
    })
}

/// Whether `value` is nested at most `limit` levels deep; iterative.
fn within_depth(value: &Value, limit: usize) -> bool {
    let is_container = |value: &Value| matches!(value, Value::Array(_) | Value::Object(_));
    let mut stack = vec![(value, 0usize)];
    while let Some((value, depth)) = stack.pop() {
        let children = match value {
            Value::Array(items) => items.len(),
            Value::Object(map) => map.len(),
            _ => continue,
        };
        if depth >= limit {
            return false;
        }
        if children == 0 {
            continue;
        }
        match value {
            Value::Array(items) => stack.extend(
                items
                    .iter()
                    .filter(|v| is_container(v))
                    .map(|v| (v, depth + 1)),
            ),
            Value::Object(map) => stack.extend(
                map.values()
                    .filter(|v| is_container(v))
                    .map(|v| (v, depth + 1)),
            ),
            _ => {}
        }
    }
    true
}

/// Drops a value of any depth without recursion.
fn dispose(value: Value) {
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        match value {
            Value::Array(items) => stack.extend(items),
            Value::Object(map) => stack.extend(map.into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}

/// Python's `==`; None past the depth limit (Python's RecursionError).
fn py_eq(left: &Value, right: &Value, depth: usize) -> Option<bool> {
    if depth > MAX_DEPTH {
        return None;
    }
    if let (Some(a), Some(b)) = (number(left), number(right)) {
        return Some(num_cmp(a, b) == Some(std::cmp::Ordering::Equal));
    }
    Some(match (left, right) {
        (Value::Null, Value::Null) => true,
        (Value::String(a), Value::String(b)) => a == b,
        (Value::Array(a), Value::Array(b)) => {
            if a.len() != b.len() {
                return Some(false);
            }
            for (x, y) in a.iter().zip(b) {
                if !py_eq(x, y, depth + 1)? {
                    return Some(false);
                }
            }
            true
        }
        (Value::Object(a), Value::Object(b)) => {
            if a.len() != b.len() {
                return Some(false);
            }
            for (key, x) in a {
                match b.get(key) {
                    Some(y) if py_eq(x, y, depth + 1)? => {}
                    _ => return Some(false),
                }
            }
            true
        }
        _ => false,
    })
}

/// Python's `<`, `<=`, `>`, `>=`: numbers, strs, and lists element by element; anything
/// else does not order (`TypeError`).
fn py_compare(
    left: &Value,
    order: Order,
    right: &Value,
    depth: usize,
) -> Result<bool, CompareError> {
    if depth > MAX_DEPTH {
        return Err(CompareError::Failed);
    }
    let holds = |ordering: Option<std::cmp::Ordering>| match ordering {
        None => false,
        Some(ordering) => match order {
            Order::Lt => ordering.is_lt(),
            Order::Le => ordering.is_le(),
            Order::Gt => ordering.is_gt(),
            Order::Ge => ordering.is_ge(),
        },
    };
    if let (Some(a), Some(b)) = (number(left), number(right)) {
        return Ok(holds(num_cmp(a, b)));
    }
    match (left, right) {
        (Value::String(a), Value::String(b)) => Ok(holds(Some(a.cmp(b)))),
        (Value::Array(a), Value::Array(b)) => {
            for (x, y) in a.iter().zip(b) {
                match py_eq(x, y, depth + 1) {
                    None => return Err(CompareError::Failed),
                    Some(true) => {}
                    Some(false) => return py_compare(x, order, y, depth + 1),
                }
            }
            Ok(holds(Some(a.len().cmp(&b.len()))))
        }
        _ => Err(CompareError::Unordered),
    }
}

// ---------------------------------------------------------------------------------------------
// Literals
// ---------------------------------------------------------------------------------------------

fn from_literal(literal: &Literal) -> Value {
    match literal {
        Literal::None => Value::Null,
        Literal::Bool(flag) => Value::Bool(*flag),
        Literal::Int(int) => Value::from(*int),
        Literal::BigInt { text, approx } => match text.parse::<u64>() {
            Ok(int) => Value::from(int),
            Err(_) => float_or_str(*approx, text),
        },
        Literal::Float(float) => float_or_str(*float, &pyfmt::float_repr(*float)),
        Literal::Str(text) => Value::String(text.clone()),
        Literal::List(items) | Literal::Tuple(items) | Literal::Set(items) => {
            Value::Array(items.iter().map(from_literal).collect())
        }
        Literal::Dict(pairs) => {
            let mut map = Map::with_capacity(pairs.len());
            for (key, value) in pairs {
                map.insert(json_key(key), from_literal(value));
            }
            Value::Object(map)
        }
        Literal::Complex { re, im } => Value::String(complex_str(*re, *im)),
        Literal::Bytes(bytes) => Value::String(bytes_repr(bytes)),
        Literal::Ellipsis => Value::String("Ellipsis".to_owned()),
    }
}

fn float_or_str(float: f64, text: &str) -> Value {
    Number::from_f64(float).map_or_else(|| Value::String(text.to_owned()), Value::Number)
}

/// A dict key as `json.dumps` writes it (`1` is `"1"`, `True` is `"true"`); keys JSON has no
/// form for use their Python `str()`.
fn json_key(key: &Literal) -> String {
    match key {
        Literal::Str(text) => text.clone(),
        Literal::None => "null".to_owned(),
        Literal::Bool(flag) => if *flag { "true" } else { "false" }.to_owned(),
        Literal::Int(int) => int.to_string(),
        Literal::BigInt { text, .. } => text.clone(),
        Literal::Float(float) => pyfmt::float_repr(*float),
        other => pyfmt::py_str(&from_literal(other)),
    }
}

/// Python's `str()` of a complex number, e.g. `(1+2j)`, `2j`.
fn complex_str(re: f64, im: f64) -> String {
    let part = |x: f64| {
        let text = pyfmt::float_repr(x);
        text.strip_suffix(".0").map(str::to_owned).unwrap_or(text)
    };
    if re == 0.0 && re.is_sign_positive() {
        return format!("{}j", part(im));
    }
    let sign = if im.is_sign_negative() { "-" } else { "+" };
    format!("({}{sign}{}j)", part(re), part(im.abs()))
}

/// Python's `repr()` of bytes, e.g. `b'ab\x00'`.
fn bytes_repr(bytes: &[u8]) -> String {
    let quote = if bytes.contains(&b'\'') && !bytes.contains(&b'"') {
        '"'
    } else {
        '\''
    };
    let mut out = format!("b{quote}");
    for &byte in bytes {
        match byte {
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            _ if char::from(byte) == quote => {
                out.push('\\');
                out.push(quote);
            }
            0x20..=0x7e => out.push(char::from(byte)),
            _ => out.push_str(&format!("\\x{byte:02x}")),
        }
    }
    out.push(quote);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_compare_exactly_across_int_and_float() {
        assert!(json!(1).equals(&json!(1.0)));
        assert!(json!(true).equals(&json!(1)));
        assert!(!json!(9007199254740993_i64).equals(&json!(9007199254740992.0)));
        assert_eq!(json!(2).compare(Order::Lt, &json!(2.5)), Ok(true));
        assert_eq!(json!([1, 2]).compare(Order::Lt, &json!([1, 3])), Ok(true));
        assert_eq!(
            json!(null).compare(Order::Gt, &json!(2)),
            Err(CompareError::Unordered)
        );
        assert!(json!({"a": 1}).equals(&json!({"a": 1.0})));
    }

    #[test]
    fn deep_values_are_refused_not_recursed() {
        let mut deep = json!(1);
        for _ in 0..100_000 {
            deep = Value::Array(vec![deep]);
        }
        assert!(deep.copy_value().is_none());
        assert!(deep.py_str().is_none());
        assert!(!deep.equals(&deep));
        dispose(deep);
    }

    #[test]
    fn literals_without_a_json_form_fall_back() {
        assert_eq!(from_literal(&Literal::Float(f64::INFINITY)), json!("inf"));
        assert_eq!(
            from_literal(&Literal::Complex { re: 1.0, im: 2.0 }),
            json!("(1+2j)")
        );
        assert_eq!(
            from_literal(&Literal::Complex { re: 0.0, im: 2.5 }),
            json!("2.5j")
        );
        assert_eq!(
            from_literal(&Literal::Bytes(b"a'\0".to_vec())),
            json!("b\"a'\\x00\"")
        );
        assert_eq!(
            from_literal(&Literal::Tuple(vec![Literal::Int(1)])),
            json!([1])
        );
    }
}
