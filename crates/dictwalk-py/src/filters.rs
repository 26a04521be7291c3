//! Built-in filters on Python values: in Rust for plain data, by the reference implementation otherwise.
//!
//! A filter whose value and arguments are plain data (None, bool, int within 64 bits,
//! finite float, str, and flat lists or str-keyed dicts of those) runs in Rust, through
//! the core's implementation on JSON values, and its result is built as new Python
//! objects: nothing inside the caller's document is copied or changed, and plain values
//! have no identity to keep. Anything else — nested containers (whose identity a result
//! must keep), tuples, sets, big ints, datetimes, Decimals, user classes — and the filters
//! whose semantics belong to a Python library (`re` for the regex filters, `datetime` for
//! the date filters, `decimal`, `json`) go to the reference implementation in
//! `dictwalk.backends.python.filters`, so both backends give the same answer by construction.
//! Before either, `direct` answers the hot filters on Python objects themselves where its
//! answer is provably the reference's.

use dictwalk_core::doc::Lookup;
use dictwalk_core::filters::{self as core_filters, FilterDef, FilterError};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};

use crate::direct;
use crate::doc::Obj;

/// Filters that always run on the reference implementation: their meaning is a Python
/// library's (`re`, `datetime`, `decimal`, `json`), which the Rust versions only approximate.
const REFERENCE_ONLY: &[&str] = &[
    "matches",
    "regex_replace",
    "to_datetime",
    "strftime",
    "timestamp",
    "age_seconds",
    "before",
    "after",
    "decimal",
    "from_json",
    "to_json",
];

/// Filters that may run in Rust on a plain list or dict: each returns a new object or a
/// plain scalar, never the container it was given (whose identity Python would keep).
const FRESH_FROM_CONTAINERS: &[&str] = &[
    "len",
    "keys",
    "values",
    "items",
    "max",
    "min",
    "first",
    "last",
    "unique",
    "reverse",
    "chunk",
    "flatten",
    "flatten_deep",
    "sorted",
    "pick",
    "unpick",
    "sum",
    "avg",
    "median",
    "q1",
    "q3",
    "iqr",
    "mode",
    "stdev",
    "pctile",
    "compact",
    "join",
    "contains",
    "is_empty",
    "non_empty",
    "type_is",
    "string",
    "quote",
    "bool",
    "in",
];

static REFERENCE: PyOnceLock<Py<PyDict>> = PyOnceLock::new();

/// `name -> function` of the reference implementation's built-in filters.
fn reference_filters(py: Python<'_>) -> PyResult<&Bound<'_, PyDict>> {
    REFERENCE
        .get_or_try_init(py, || -> PyResult<Py<PyDict>> {
            let specs = py
                .import("dictwalk.backends.python.filters")?
                .getattr("BUILTINS")?;
            let table = PyDict::new(py);
            for item in specs.call_method0("items")?.try_iter()? {
                let (name, spec) = item?.extract::<(Bound<'_, PyAny>, Bound<'_, PyAny>)>()?;
                table.set_item(name, spec.getattr("fn")?)?;
            }
            Ok(table.unbind())
        })
        .map(|table| table.bind(py))
}

/// Applies the built-in `filter` to `value` with `args`.
pub fn call<'py>(
    filter: &'static FilterDef,
    value: &Obj<'py>,
    args: &[Obj<'py>],
    lookup: &Lookup<'_, Obj<'py>>,
) -> PyResult<Obj<'py>> {
    let py = value.0.py();
    if let Some(result) = direct::call(py, filter.name, value, args, lookup) {
        return result;
    }
    if !REFERENCE_ONLY.contains(&filter.name) {
        if let Some(result) = call_native(py, filter, value, args) {
            return result;
        }
    }
    call_reference(py, filter, value, args)
}

fn call_native<'py>(
    py: Python<'py>,
    filter: &'static FilterDef,
    value: &Obj<'py>,
    args: &[Obj<'py>],
) -> Option<PyResult<Obj<'py>>> {
    let json_value = plain(&value.0, FRESH_FROM_CONTAINERS.contains(&filter.name))?;
    let json_args = args
        .iter()
        .map(|arg| plain(&arg.0, true))
        .collect::<Option<Vec<Value>>>()?;
    // Plain values hold no containers for a path to reach into: lookups find nothing.
    let lookup = |_: &Value, _: &str| None;
    match core_filters::apply_json(filter.name, &json_value, &json_args, &lookup) {
        Ok(result) => Some(to_python(py, &result).map(Obj)),
        // A result JSON cannot hold (inf, a big int, a datetime) is Python's to compute.
        Err(error) if unrepresentable(&error) => None,
        Err(error) => filter_error(py, &error).map(Err),
    }
}

/// Whether the core refused a result only because JSON has no form for it.
fn unrepresentable(error: &FilterError) -> bool {
    error.message.contains("JSON cannot")
        || error
            .message
            .contains("cannot be represented as a JSON value")
}

fn call_reference<'py>(
    py: Python<'py>,
    filter: &'static FilterDef,
    value: &Obj<'py>,
    args: &[Obj<'py>],
) -> PyResult<Obj<'py>> {
    let function = reference_filters(py)?
        .get_item(filter.name)?
        .ok_or_else(|| {
            PyRuntimeError::new_err(format!(
                "the reference backend has no built-in filter '{}'",
                filter.name
            ))
        })?;
    let mut call_args = Vec::with_capacity(args.len() + 1);
    call_args.push(value.0.clone());
    call_args.extend(args.iter().map(|arg| arg.0.clone()));
    function.call1(PyTuple::new(py, call_args)?).map(Obj)
}

/// The Python exception of a filter error, when Python has that class (else None, and the
/// reference implementation runs instead, raising its own).
fn filter_error(py: Python<'_>, error: &FilterError) -> Option<PyErr> {
    let class = py.import("builtins").ok()?.getattr(error.kind).ok()?;
    let instance = class.call1((error.message.as_str(),)).ok()?;
    Some(PyErr::from_value(instance))
}

/// The JSON form of a plain Python value; None when it is not plain. `nested` allows one
/// level of list or str-keyed dict whose items are plain scalars.
fn plain(value: &Bound<'_, PyAny>, nested: bool) -> Option<Value> {
    if value.is_none() {
        return Some(Value::Null);
    }
    if let Ok(flag) = value.cast_exact::<PyBool>() {
        return Some(Value::Bool(flag.is_true()));
    }
    if value.is_exact_instance_of::<PyInt>() {
        return value.extract::<i64>().ok().map(Value::from);
    }
    if let Ok(number) = value.cast_exact::<PyFloat>() {
        return Number::from_f64(number.value()).map(Value::Number);
    }
    if let Ok(text) = value.cast_exact::<PyString>() {
        return text
            .to_str()
            .ok()
            .map(|text| Value::String(text.to_owned()));
    }
    if !nested {
        return None;
    }
    if let Ok(list) = value.cast_exact::<PyList>() {
        return list
            .iter()
            .map(|item| plain(&item, false))
            .collect::<Option<Vec<Value>>>()
            .map(Value::Array);
    }
    if let Ok(dict) = value.cast_exact::<PyDict>() {
        let mut map = Map::with_capacity(dict.len());
        for (key, item) in dict.iter() {
            let key = key.cast_exact::<PyString>().ok()?.to_str().ok()?.to_owned();
            map.insert(key, plain(&item, false)?);
        }
        return Some(Value::Object(map));
    }
    None
}

/// New Python objects for a JSON value.
fn to_python<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(flag) => PyBool::new(py, *flag).to_owned().into_any(),
        Value::Number(number) => {
            if let Some(int) = number.as_i64() {
                int.into_pyobject(py)?.into_any()
            } else if let Some(int) = number.as_u64() {
                int.into_pyobject(py)?.into_any()
            } else {
                number
                    .as_f64()
                    .unwrap_or(f64::NAN)
                    .into_pyobject(py)?
                    .into_any()
            }
        }
        Value::String(text) => PyString::new(py, text).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_python(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (key, item) in map {
                dict.set_item(key, to_python(py, item)?)?;
            }
            dict.into_any()
        }
    })
}
