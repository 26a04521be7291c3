//! Built-in filters computed on Python objects directly, where the answer is provably the reference implementation's.
//!
//! Each function here stands for one function of `dictwalk.backends.python.filters` on the
//! values it accepts, and gives None for every other value, which then takes the general
//! route of `filters.rs`. The rules that keep the answers identical:
//!
//! - Arithmetic runs in Rust only on exact ints that fit in 64 bits and exact floats, where
//!   Python's result is the machine's (an int result beyond 64 bits is left to Python; a
//!   bool, a subclass or a big int never gets here).
//! - `$max`, `$min` and `$len` call the very builtins the reference calls; `$sum` adds the
//!   items left to right from 0 with Python's `+`, as the reference's `_sum` does.
//! - `$first` and `$last` index exact lists and tuples only (a subclass may override it).
//! - `$sort_by`, `$unique_by`, `$index_by` and `$group_by` read each item's key with the
//!   engine's `lookup` (the reader the corpus holds equal to the reference's), stop at once
//!   when a lookup escapes, and then sort, dedupe or index as the reference does: keys that
//!   are all ints (bools included), all non-NaN floats or all strs are sorted by Rust's
//!   stable sort, which for a consistent total order gives the one stable result; any other
//!   keys are sorted by Python's own `list.sort` with the reference's comparison
//!   (`cmp_to_key` of `_order`, rebuilt here), so the same comparisons happen in the same
//!   order. `$unique_by` and `$index_by`/`$group_by` use a Python list's `in` and a dict's
//!   item assignment and `setdefault`, as the reference does.

use std::cmp::Ordering;

use dictwalk_core::doc::{Lookup as LookupFn, Stop};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::pyclass::CompareOp;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyCFunction, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

use crate::doc::{new_list, Obj};

type Lookup<'a, 'py> = &'a LookupFn<'a, Obj<'py>>;

/// The built-in `name` applied directly, or None when the general route must answer.
pub fn call<'py>(
    py: Python<'py>,
    name: &str,
    value: &Obj<'py>,
    args: &[Obj<'py>],
    lookup: Lookup<'_, 'py>,
) -> Option<PyResult<Obj<'py>>> {
    let value_ref = &value.0;
    match (name, args) {
        ("inc", []) => arithmetic(py, value_ref, &Operand::Int(1), Op::Add),
        ("dec", []) => arithmetic(py, value_ref, &Operand::Int(1), Op::Sub),
        ("double", []) => arithmetic(py, value_ref, &Operand::Int(2), Op::Mul),
        ("square", []) => arithmetic(py, value_ref, &operand(value_ref)?, Op::Mul),
        ("neg", []) => negate(py, value_ref),
        ("add", [other]) => arithmetic(py, value_ref, &operand(&other.0)?, Op::Add),
        ("sub", [other]) => arithmetic(py, value_ref, &operand(&other.0)?, Op::Sub),
        ("mul", [other]) => arithmetic(py, value_ref, &operand(&other.0)?, Op::Mul),
        ("sum", []) => Some(left_to_right_sum(py, value)),
        ("max" | "min", []) => Some(sequence_builtin(py, name, value)),
        // builtins.len is PyObject_Size and nothing more.
        ("len", []) => Some(
            value_ref
                .len()
                .and_then(|len| Ok(Obj(len.into_pyobject(py)?.into_any()))),
        ),
        ("first", []) => end(py, value, false),
        ("last", []) => end(py, value, true),
        ("sort_by", [path]) => sort_by(py, value, path, None, lookup),
        ("sort_by", [path, reverse]) => sort_by(py, value, path, Some(reverse), lookup),
        ("unique_by", [path]) => unique_by(py, value, path, lookup),
        ("index_by", [path]) => index_by(py, value, path, lookup),
        ("group_by", [path]) => group_by(py, value, path, lookup),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Arithmetic: `_arithmetic(value, other, name)`, that is `value.__op__(other)` and then
// `other.__rop__(value)`; for exact ints and floats that is the machine operation, an int
// turned into a float (correctly rounded, as Rust's `as f64` is) when the other is a float.
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy)]
enum Op {
    Add,
    Sub,
    Mul,
}

enum Operand {
    Int(i64),
    Float(f64),
}

/// An exact int within 64 bits or an exact float; None for anything else.
fn operand(value: &Bound<'_, PyAny>) -> Option<Operand> {
    if value.is_exact_instance_of::<PyInt>() {
        return value.extract::<i64>().ok().map(Operand::Int);
    }
    value
        .cast_exact::<PyFloat>()
        .ok()
        .map(|float| Operand::Float(float.value()))
}

fn arithmetic<'py>(
    py: Python<'py>,
    value: &Bound<'py, PyAny>,
    other: &Operand,
    op: Op,
) -> Option<PyResult<Obj<'py>>> {
    let float = |a: f64, b: f64| -> f64 {
        match op {
            Op::Add => a + b,
            Op::Sub => a - b,
            Op::Mul => a * b,
        }
    };
    let result = match (operand(value)?, other) {
        (Operand::Int(a), Operand::Int(b)) => {
            // Beyond 64 bits Python's int keeps going: left to Python.
            let int = match op {
                Op::Add => a.checked_add(*b),
                Op::Sub => a.checked_sub(*b),
                Op::Mul => a.checked_mul(*b),
            }?;
            return Some(Ok(int_object(py, int)));
        }
        (Operand::Int(a), Operand::Float(b)) => float(a as f64, *b),
        (Operand::Float(a), Operand::Int(b)) => float(a, *b as f64),
        (Operand::Float(a), Operand::Float(b)) => float(a, *b),
    };
    Some(Ok(Obj(PyFloat::new(py, result).into_any())))
}

/// `value.__neg__()`.
fn negate<'py>(py: Python<'py>, value: &Bound<'py, PyAny>) -> Option<PyResult<Obj<'py>>> {
    match operand(value)? {
        Operand::Int(int) => Some(Ok(int_object(py, int.checked_neg()?))),
        Operand::Float(float) => Some(Ok(Obj(PyFloat::new(py, -float).into_any()))),
    }
}

fn int_object(py: Python<'_>, int: i64) -> Obj<'_> {
    Obj(PyInt::new(py, int).into_any())
}

// ---------------------------------------------------------------------------------------------
// Collections
// ---------------------------------------------------------------------------------------------

/// `isinstance(value, (list, tuple))`: what the reference's `_is_sequence` asks.
fn is_sequence(value: &Bound<'_, PyAny>) -> bool {
    value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>()
}

static BUILTINS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The reference's `$sum`: the items of a list or tuple added left to right from 0 with `+`
/// (not `builtins.sum`, whose float rounding changed in Python 3.12); anything else passes.
fn left_to_right_sum<'py>(py: Python<'py>, value: &Obj<'py>) -> PyResult<Obj<'py>> {
    if !is_sequence(&value.0) {
        return Ok(value.clone());
    }
    let mut total = 0_i32.into_pyobject(py)?.into_any();
    for item in value.0.try_iter()? {
        total = total.add(item?)?;
    }
    Ok(Obj(total))
}

/// `name(value) if _is_sequence(value) else value`, with the builtin `max` or `min`.
fn sequence_builtin<'py>(py: Python<'py>, name: &str, value: &Obj<'py>) -> PyResult<Obj<'py>> {
    if !is_sequence(&value.0) {
        return Ok(value.clone());
    }
    let builtins = BUILTINS.get_or_try_init(py, || {
        py.import("builtins")
            .map(|module| module.into_any().unbind())
    })?;
    builtins.bind(py).getattr(name)?.call1((&value.0,)).map(Obj)
}

/// `$first` / `$last` of an exact list or tuple; anything that is no list or tuple passes.
fn end<'py>(py: Python<'py>, value: &Obj<'py>, last: bool) -> Option<PyResult<Obj<'py>>> {
    let pick = |len: usize| {
        if last {
            len.checked_sub(1)
        } else {
            (len > 0).then_some(0)
        }
    };
    let item = if let Ok(list) = value.0.cast_exact::<PyList>() {
        pick(list.len()).map(|index| list.get_item(index))
    } else if let Ok(tuple) = value.0.cast_exact::<PyTuple>() {
        pick(tuple.len()).map(|index| tuple.get_item(index))
    } else if is_sequence(&value.0) {
        // A subclass may index or test its length its own way.
        return None;
    } else {
        return Some(Ok(value.clone()));
    };
    Some(match item {
        Some(found) => found.map(Obj),
        None => Ok(Obj(py.None().into_bound(py))),
    })
}

/// The items of an exact list or tuple and the text of an exact str selector path, for the
/// selector filters; `Err(value)` when the value is no sequence (it passes unchanged); None
/// when the general route must answer (a subclass, a selector that is no str: the reference
/// raises its TypeError).
#[allow(clippy::type_complexity)] // reason: the three outcomes of the reference's first checks
fn selector_input<'a, 'py>(
    value: &Obj<'py>,
    path: &'a Obj<'py>,
) -> Option<Result<(Vec<Obj<'py>>, &'a str), Obj<'py>>> {
    let text = path.0.cast_exact::<PyString>().ok()?.to_str().ok()?;
    let items: Vec<Obj<'py>> = if let Ok(list) = value.0.cast_exact::<PyList>() {
        list.iter().map(Obj).collect()
    } else if let Ok(tuple) = value.0.cast_exact::<PyTuple>() {
        tuple.iter().map(Obj).collect()
    } else if is_sequence(&value.0) {
        return None;
    } else {
        return Some(Err(value.clone()));
    };
    Some(Ok((items, text)))
}

/// `$sort_by(path[, reverse])`: a stable sort by the value at `path`, unresolved items last.
fn sort_by<'py>(
    py: Python<'py>,
    value: &Obj<'py>,
    path: &Obj<'py>,
    reverse: Option<&Obj<'py>>,
    lookup: Lookup<'_, 'py>,
) -> Option<PyResult<Obj<'py>>> {
    let (items, path) = match selector_input(value, path)? {
        Ok(input) => input,
        Err(passed) => return Some(Ok(passed)),
    };
    let mut keys = Vec::with_capacity(items.len());
    let mut keyed = Vec::with_capacity(items.len());
    let mut unresolved = Vec::new();
    for item in items {
        match lookup(&item, path) {
            Ok(Some(key)) => {
                keys.push(key.0);
                keyed.push(Some(item));
            }
            Ok(None) => unresolved.push(item),
            // The escaped failure is raised; this result is never seen.
            Err(Stop) => return Some(Ok(value.clone())),
        }
    }
    // `reverse=bool(reverse)`, evaluated when the reference sorts: after every lookup.
    let descending = match reverse.map(|flag| flag.0.is_truthy()).transpose() {
        Ok(flag) => flag.unwrap_or(false),
        Err(error) => return Some(Err(error)),
    };
    let order = match typed_order(&keys, descending) {
        Some(order) => order,
        None => match python_order(py, &keys, descending) {
            Ok(order) => order,
            Err(error) => return Some(Err(error)),
        },
    };
    let mut sorted = Vec::with_capacity(keyed.len() + unresolved.len());
    for index in order {
        if let Some(item) = keyed.get_mut(index).and_then(Option::take) {
            sorted.push(item);
        }
    }
    sorted.extend(unresolved);
    Some(Ok(new_list(py, sorted)))
}

/// The stable order of keys that are all ints (bools count as the ints they are), all floats
/// without NaN, or all strs: for such keys `a < b` never raises nor calls Python code, and
/// orders totally, so every stable sort gives the order Python's does. None otherwise.
fn typed_order(keys: &[Bound<'_, PyAny>], descending: bool) -> Option<Vec<usize>> {
    let int_like = |key: &Bound<'_, PyAny>| -> Option<i64> {
        if let Ok(flag) = key.cast_exact::<PyBool>() {
            return Some(i64::from(flag.is_true()));
        }
        if key.is_exact_instance_of::<PyInt>() {
            return key.extract::<i64>().ok();
        }
        None
    };
    if let Some(ints) = keys.iter().map(int_like).collect::<Option<Vec<i64>>>() {
        return Some(stable_order(&ints, descending, Ord::cmp));
    }
    let float = |key: &Bound<'_, PyAny>| -> Option<f64> {
        let value = key.cast_exact::<PyFloat>().ok()?.value();
        (!value.is_nan()).then_some(value)
    };
    if let Some(floats) = keys.iter().map(float).collect::<Option<Vec<f64>>>() {
        // Without NaN the order is total (-0.0 equals 0.0, as in Python).
        return Some(stable_order(&floats, descending, |a, b| {
            a.partial_cmp(b).unwrap_or(Ordering::Equal)
        }));
    }
    // Strs order by code point, which is the order of their UTF-8 bytes.
    let texts = keys
        .iter()
        .map(|key| {
            key.cast_exact::<PyString>()
                .ok()
                .and_then(|text| text.to_str().ok())
        })
        .collect::<Option<Vec<&str>>>()?;
    Some(stable_order(&texts, descending, |a: &&str, b: &&str| {
        a.cmp(b)
    }))
}

/// The positions of `keys` in stable sorted order. Descending keeps equal keys in their
/// original order, as Python's `reverse=True` does.
fn stable_order<T>(
    keys: &[T],
    descending: bool,
    compare: impl Fn(&T, &T) -> Ordering,
) -> Vec<usize> {
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by(|&a, &b| match (keys.get(a), keys.get(b)) {
        (Some(x), Some(y)) if descending => compare(y, x),
        (Some(x), Some(y)) => compare(x, y),
        _ => Ordering::Equal,
    });
    order
}

static BY_KEY: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// `functools.cmp_to_key(_order)`, with the reference's `_order` rebuilt natively.
fn by_key(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    BY_KEY
        .get_or_try_init(py, || -> PyResult<Py<PyAny>> {
            let order = PyCFunction::new_closure(
                py,
                Some(c"_order"),
                None,
                |args, _kwargs| -> PyResult<i32> {
                    let (left, right) = args.extract::<(Bound<'_, PyAny>, Bound<'_, PyAny>)>()?;
                    if compare(&left, &right, CompareOp::Lt)? {
                        return Ok(-1);
                    }
                    if compare(&left, &right, CompareOp::Gt)? {
                        return Ok(1);
                    }
                    Ok(0)
                },
            )?;
            Ok(py
                .import("functools")?
                .getattr("cmp_to_key")?
                .call1((order,))?
                .unbind())
        })
        .map(|function| function.bind(py))
}

/// The reference's `_compare(op, left, right)`: `bool(op(left, right))`, and on a TypeError
/// `bool(op(str(left), str(right)))`.
fn compare(left: &Bound<'_, PyAny>, right: &Bound<'_, PyAny>, op: CompareOp) -> PyResult<bool> {
    match left
        .rich_compare(right, op)
        .and_then(|result| result.is_truthy())
    {
        Ok(flag) => Ok(flag),
        Err(error) if error.is_instance_of::<PyTypeError>(left.py()) => {
            let (left, right) = (left.str()?, right.str()?);
            left.rich_compare(right, op)?.is_truthy()
        }
        Err(error) => Err(error),
    }
}

/// The stable order Python's `list.sort` gives keys compared with `cmp_to_key(_order)`:
/// the positions `0..n` sorted with `key=wrapped.__getitem__`, so the sort compares exactly
/// the wrapped keys the reference's sort compares, in the same order.
fn python_order(
    py: Python<'_>,
    keys: &[Bound<'_, PyAny>],
    descending: bool,
) -> PyResult<Vec<usize>> {
    let by_key = by_key(py)?;
    let wrapped = PyList::new(
        py,
        keys.iter()
            .map(|key| by_key.call1((key,)))
            .collect::<PyResult<Vec<_>>>()?,
    )?;
    let order = PyList::new(py, 0..keys.len())?;
    let options = PyDict::new(py);
    options.set_item("key", wrapped.getattr("__getitem__")?)?;
    options.set_item("reverse", descending)?;
    order.call_method("sort", (), Some(&options))?;
    order.extract::<Vec<usize>>()
}

/// `$unique_by(path)`: the items whose value at `path` is not `in` the keys seen before;
/// unresolved items stay.
fn unique_by<'py>(
    py: Python<'py>,
    value: &Obj<'py>,
    path: &Obj<'py>,
    lookup: Lookup<'_, 'py>,
) -> Option<PyResult<Obj<'py>>> {
    let (items, path) = match selector_input(value, path)? {
        Ok(input) => input,
        Err(passed) => return Some(Ok(passed)),
    };
    let seen = PyList::empty(py);
    let mut kept = Vec::with_capacity(items.len());
    for item in items {
        match lookup(&item, path) {
            Ok(Some(key)) => match seen.contains(&key.0) {
                Ok(true) => continue,
                Ok(false) => {
                    if let Err(error) = seen.append(key.0) {
                        return Some(Err(error));
                    }
                }
                Err(error) => return Some(Err(error)),
            },
            Ok(None) => {}
            Err(Stop) => return Some(Ok(value.clone())),
        }
        kept.push(item);
    }
    Some(Ok(new_list(py, kept)))
}

/// `$index_by(path)`: `{key: item}`, later items winning; unresolved items are skipped.
fn index_by<'py>(
    py: Python<'py>,
    value: &Obj<'py>,
    path: &Obj<'py>,
    lookup: Lookup<'_, 'py>,
) -> Option<PyResult<Obj<'py>>> {
    let (items, path) = match selector_input(value, path)? {
        Ok(input) => input,
        Err(passed) => return Some(Ok(passed)),
    };
    let index = PyDict::new(py);
    for item in items {
        match lookup(&item, path) {
            Ok(Some(key)) => {
                if let Err(error) = index.set_item(key.0, item.0) {
                    return Some(Err(error));
                }
            }
            Ok(None) => {}
            Err(Stop) => return Some(Ok(value.clone())),
        }
    }
    Some(Ok(Obj(index.into_any())))
}

/// `$group_by(path)`: `{key: [items]}` through `dict.setdefault`; unresolved items are skipped.
fn group_by<'py>(
    py: Python<'py>,
    value: &Obj<'py>,
    path: &Obj<'py>,
    lookup: Lookup<'_, 'py>,
) -> Option<PyResult<Obj<'py>>> {
    let (items, path) = match selector_input(value, path)? {
        Ok(input) => input,
        Err(passed) => return Some(Ok(passed)),
    };
    let groups = PyDict::new(py);
    for item in items {
        match lookup(&item, path) {
            Ok(Some(key)) => {
                let added = groups
                    .call_method1(pyo3::intern!(py, "setdefault"), (key.0, PyList::empty(py)))
                    .and_then(|group| group.call_method1(pyo3::intern!(py, "append"), (item.0,)));
                if let Err(error) = added {
                    return Some(Err(error));
                }
            }
            Ok(None) => {}
            Err(Stop) => return Some(Ok(value.clone())),
        }
    }
    Some(Ok(Obj(groups.into_any())))
}
