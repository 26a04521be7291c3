//! Built-in filters on Python values: in Rust for plain data, by the reference implementation otherwise.
//!
//! A filter whose value and arguments are plain data (None, bool, int within 64 bits,
//! finite float, str, and flat lists or str-keyed dicts of those) runs in Rust, through
//! the core's implementation on JSON values, and its result is built as new Python
//! objects: nothing inside the caller's document is copied or changed, and plain values
//! have no identity to keep. Which filters may take a flat container as their value, and
//! which always go to the reference, is each filter's [`Native`] in the core's table.
//! Anything else — nested containers (whose identity a result must keep), tuples, sets,
//! big ints, datetimes, Decimals, user classes — and the filters whose semantics belong to a
//! Python library (`re` for the regex filters, `datetime` for the date filters, `decimal`,
//! `json`) go to the reference implementation in `dictwalk.backends.python.filters`, so both
//! backends give the same answer by construction. So does a result the core refuses because
//! JSON cannot hold it (a [`FilterError`] whose reason is `NotJson`).
//! Before either, `direct` answers the hot filters on Python objects themselves where its
//! answer is provably the reference's.

use dictwalk_core::doc::Lookup;
use dictwalk_core::filters::{self as core_filters, FilterDef, FilterError, Native};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};

use crate::direct;
use crate::doc::Obj;

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
    if filter.native != Native::Never {
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
    // A filter that may give back the value itself runs in Rust on plain scalars only.
    let json_value = plain(&value.0, filter.native == Native::OnContainers)?;
    let json_args = args
        .iter()
        .map(|arg| plain(&arg.0, true))
        .collect::<Option<Vec<Value>>>()?;
    // Plain values hold no containers for a path to reach into: lookups find nothing.
    let lookup = |_: &Value, _: &str| None;
    match core_filters::apply_json(filter.name, &json_value, &json_args, &lookup) {
        Ok(result) => Some(to_python(py, &result).map(Obj)),
        // A result JSON cannot hold (inf, a big int, a datetime) is Python's to compute.
        Err(error) if error.is_not_json() => None,
        Err(error) => filter_error(py, &error).map(Err),
    }
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
