//! `dictwalk._native`: the PyO3 binding of the dictwalk engine, a thin adapter over dictwalk-core.
//!
//! Each function builds the core's inputs (the caller's objects as [`doc::Obj`] handles, the
//! options), calls the core, and maps errors in one place (`error`). Compiled paths are kept
//! in one bounded cache, in front of which each thread remembers the programs of the path
//! str objects it used last; custom filters live in a dict of Python callables, called back
//! from Rust with the caller's exceptions passed through unchanged.

mod direct;
mod doc;
mod error;
mod filters;

use std::cell::RefCell;
use std::sync::{Arc, LazyLock};

use dictwalk_core::compile::{Program, ProgramCache};
use dictwalk_core::eval::{self, Ctx, SetOptions};
use dictwalk_core::syntax::Mode;
use dictwalk_core::EvalError;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString};

use crate::doc::{Obj, Registry};

/// Compiled paths, shared by every call (bounded like the reference parser's cache).
static CACHE: LazyLock<ProgramCache> = LazyLock::new(ProgramCache::default);

/// How many recently used path objects each thread remembers (a power of two).
const RECENT_SLOTS: usize = 64;

/// A path object and its compiled program.
struct Recent {
    path: Py<PyString>,
    mode: Mode,
    program: Arc<Program>,
}

thread_local! {
    /// The programs of recently used path objects, by the object's identity: a program
    /// calls `get(doc, "a.b")` with the same str object each time, and this answers it
    /// without reading the text, hashing it or locking the shared cache. The entry holds
    /// the str, so its address cannot be reused while it is here.
    static RECENT: RefCell<Vec<Option<Recent>>> = const { RefCell::new(Vec::new()) };
}

/// Runs `body` with the compiled `path` (a str object whose text is `text`).
///
/// A recent path object's program is lent straight from this thread's table, without
/// touching its reference count: the table stays borrowed (shared) while `body` runs, so a
/// call made from inside it (a custom filter calling `get`) still reads the table but does
/// not add to it.
fn with_program<'py, T>(
    ctx: &Ctx<'_, Obj<'py>>,
    path: &Bound<'_, PyString>,
    mode: Mode,
    body: impl FnOnce(&Program) -> Result<T, EvalError<PyErr>>,
) -> Result<T, EvalError<PyErr>> {
    let address = path.as_ptr() as usize;
    // Objects are 16-byte aligned; the mode picks the neighbouring slot.
    let slot = ((address >> 4) ^ usize::from(mode == Mode::Write)) % RECENT_SLOTS;
    let mut body = Some(body);
    let lent = RECENT.with(|recent| {
        let recent = recent.try_borrow().ok()?;
        let entry = recent.get(slot)?.as_ref()?;
        if entry.path.as_ptr() as usize != address || entry.mode != mode {
            return None;
        }
        body.take().map(|body| body(&entry.program))
    });
    if let Some(result) = lent {
        return result;
    }
    // Only now is the text needed (a str that is no valid UTF-8 is refused like a non-str).
    let text = path
        .to_str()
        .map_err(|_| EvalError::Foreign(not_a_str(path.as_any())))?;
    let program = eval::program(ctx, text, mode)?;
    let entry = Recent {
        path: path.clone().unbind(),
        mode,
        program: Arc::clone(&program),
    };
    let replaced = RECENT.with(|recent| {
        // Busy while a call lower on the stack holds it: then this path is not remembered.
        let mut recent = recent.try_borrow_mut().ok()?;
        if recent.is_empty() {
            recent.resize_with(RECENT_SLOTS, || None);
        }
        recent.get_mut(slot)?.replace(entry)
    });
    // The entry it replaced is dropped here, with the table released.
    drop(replaced);
    match body.take() {
        Some(body) => body(&program),
        // Unreachable: `body` is only taken on a hit, which returned above.
        None => Err(EvalError::Path(dictwalk_core::Error::too_deep(text))),
    }
}

/// The registered custom filters: `name -> callable`.
static CUSTOM: PyOnceLock<Py<PyDict>> = PyOnceLock::new();

fn custom_filters(py: Python<'_>) -> Borrowed<'_, '_, PyDict> {
    CUSTOM
        .get_or_init(py, || PyDict::new(py).unbind())
        .bind_borrowed(py)
}

fn registry(py: Python<'_>) -> Registry<'_> {
    Registry {
        py,
        custom: custom_filters(py),
    }
}

fn run<'py, T>(
    py: Python<'py>,
    body: impl FnOnce(&Ctx<'_, Obj<'py>>) -> Result<T, dictwalk_core::EvalError<PyErr>>,
) -> PyResult<T> {
    let registry = registry(py);
    let ctx = Ctx {
        registry: &registry,
        cache: &CACHE,
    };
    body(&ctx).map_err(|error| error::eval_error(py, error))
}

/// Return the value at path in data, or default when it does not resolve.
#[pyfunction]
#[pyo3(signature = (data, path, default=None, *, strict=Flag(false)))]
#[pyo3(text_signature = "(data, path, default=None, *, strict=False)")]
fn get<'py>(
    py: Python<'py>,
    data: Bound<'py, PyAny>,
    path: &Bound<'py, PyAny>,
    default: Option<Bound<'py, PyAny>>,
    strict: Flag<STRICT>,
) -> PyResult<Bound<'py, PyAny>> {
    let path = path_str(path)?;
    let doc = Obj(data);
    let fallback = Obj(default.unwrap_or_else(|| py.None().into_bound(py)));
    let default = fallback.clone();
    let result = run(py, |ctx| {
        with_program(ctx, path, Mode::Read, |program| {
            eval::get_compiled(ctx, &doc, program, default, strict.0)
        })
    });
    match result {
        Ok(value) => Ok(value.0),
        Err(_) if unreadable(path) => {
            reference(py, "get")?.call((doc.0, path, fallback.0), Some(&strict.kwargs(py)?))
        }
        Err(error) => Err(error),
    }
}

/// Return True when path resolves in data (as a strict get would).
#[pyfunction]
#[pyo3(signature = (data, path, *, strict=Flag(false)))]
#[pyo3(text_signature = "(data, path, *, strict=False)")]
fn exists<'py>(
    py: Python<'py>,
    data: Bound<'py, PyAny>,
    path: &Bound<'py, PyAny>,
    strict: Flag<STRICT>,
) -> PyResult<bool> {
    let path = path_str(path)?;
    let doc = Obj(data);
    let result = run(py, |ctx| {
        with_program(ctx, path, Mode::Read, |program| {
            eval::exists_compiled(ctx, &doc, program, strict.0)
        })
    });
    match result {
        Err(_) if unreadable(path) => reference(py, "exists")?
            .call((doc.0, path), Some(&strict.kwargs(py)?))?
            .extract(),
        other => other,
    }
}

/// Write value at path in data, in place, and return data.
#[pyfunction]
#[pyo3(signature = (data, path, value, *, strict=Flag(false), create_missing=Flag(true), create_filter_match=Flag(true), overwrite_incompatible=Flag(true)))]
#[pyo3(
    text_signature = "(data, path, value, *, strict=False, create_missing=True, create_filter_match=True, overwrite_incompatible=True)"
)]
#[allow(clippy::too_many_arguments)] // reason: the Python signature has these keyword arguments
fn set<'py>(
    py: Python<'py>,
    data: Bound<'py, PyAny>,
    path: &Bound<'py, PyAny>,
    value: Bound<'py, PyAny>,
    strict: Flag<STRICT>,
    create_missing: Flag<CREATE_MISSING>,
    create_filter_match: Flag<CREATE_FILTER_MATCH>,
    overwrite_incompatible: Flag<OVERWRITE_INCOMPATIBLE>,
) -> PyResult<Bound<'py, PyAny>> {
    let path = path_str(path)?;
    let options = SetOptions {
        strict: strict.0,
        create_missing: create_missing.0,
        create_filter_match: create_filter_match.0,
        overwrite_incompatible: overwrite_incompatible.0,
    };
    // A str value that UTF-8 cannot hold (a `$$root` reference, a pipeline): the reference's.
    // A path that UTF-8 cannot hold fails to compile before anything is written: then the
    // call is the reference's (`unreadable`).
    if !unreadable_value(&value) {
        let mut doc = Obj(data.clone());
        let result = run(py, |ctx| {
            with_program(ctx, path, Mode::Write, |program| {
                eval::set_compiled(ctx, &mut doc, program, Obj(value.clone()), &options)
            })
        });
        match result {
            Ok(()) => return Ok(data),
            Err(_) if unreadable(path) => {}
            Err(error) => return Err(error),
        }
    }
    let kwargs = strict.kwargs(py)?;
    kwargs.set_item("create_missing", options.create_missing)?;
    kwargs.set_item("create_filter_match", options.create_filter_match)?;
    kwargs.set_item("overwrite_incompatible", options.overwrite_incompatible)?;
    reference(py, "set")?.call((data, path, value), Some(&kwargs))
}

/// Remove what path selects in data, in place, and return data.
#[pyfunction]
#[pyo3(signature = (data, path, *, strict=Flag(false)))]
#[pyo3(text_signature = "(data, path, *, strict=False)")]
fn unset<'py>(
    py: Python<'py>,
    data: Bound<'py, PyAny>,
    path: &Bound<'py, PyAny>,
    strict: Flag<STRICT>,
) -> PyResult<Bound<'py, PyAny>> {
    let path = path_str(path)?;
    let mut doc = Obj(data.clone());
    let result = run(py, |ctx| {
        with_program(ctx, path, Mode::Write, |program| {
            eval::unset_compiled(ctx, &mut doc, program, strict.0)
        })
    });
    match result {
        Ok(()) => Ok(data),
        // Nothing was written: a path UTF-8 cannot hold fails to compile (`unreadable`).
        Err(_) if unreadable(path) => {
            reference(py, "unset")?.call((data, path), Some(&strict.kwargs(py)?))
        }
        Err(error) => Err(error),
    }
}

/// Apply a filter pipeline such as "$add(2)|$string" to one value.
#[pyfunction]
fn run_filter_function<'py>(
    py: Python<'py>,
    path_filter: Bound<'py, PyAny>,
    value: Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let Ok(pipeline) = path_filter.cast::<PyString>() else {
        return Err(error::wrong_type("path_filter", "str", &path_filter));
    };
    let Ok(text) = pipeline.to_str() else {
        return reference(py, "run_filter_function")?.call1((pipeline, value));
    };
    run(py, |ctx| eval::run_filter(ctx, text, &Obj(value))).map(|value| value.0)
}

/// Register a custom filter $name, called as path_filter(value, *args).
#[pyfunction]
fn register_path_filter(
    py: Python<'_>,
    name: Bound<'_, PyAny>,
    path_filter: Bound<'_, PyAny>,
) -> PyResult<()> {
    if name.cast::<PyString>().is_err() {
        return Err(error::wrong_type("name", "str", &name));
    }
    let text = name.extract::<String>().ok();
    let valid = text.as_deref().is_some_and(|text| {
        text.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    });
    let Some(text) = text.filter(|_| valid) else {
        return Err(PyValueError::new_err(format!(
            "invalid path filter name {}: it must match [A-Za-z_][A-Za-z0-9_]*",
            repr(&name)
        )));
    };
    if !path_filter.is_callable() {
        return Err(PyValueError::new_err(format!(
            "path filter '{text}' must be callable, not {}",
            doc_type_name(&path_filter)
        )));
    }
    if dictwalk_core::filters::builtin(&text).is_some() {
        return Err(PyValueError::new_err(format!(
            "'{text}' is a built-in path filter and cannot be replaced"
        )));
    }
    custom_filters(py).set_item(text, path_filter)
}

/// The callable behind the filter $name (built-in or custom).
#[pyfunction]
fn get_path_filter<'py>(py: Python<'py>, name: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    if name.cast::<PyString>().is_err() {
        return Err(error::wrong_type("name", "str", &name));
    }
    if let Some(function) = custom_filters(py).get_item(&name)? {
        return Ok(function);
    }
    // Built-ins are the reference implementation's functions: one behaviour, one callable.
    py.import("dictwalk.backends.python.filters")?
        .getattr("get_path_filter")?
        .call1((name,))
}

/// The path as a str object (its text is read when the path is compiled).
fn path_str<'a, 'py>(path: &'a Bound<'py, PyAny>) -> PyResult<&'a Bound<'py, PyString>> {
    path.cast::<PyString>()
        .map_err(|_| error::wrong_type("path", "str", path))
}

/// The error of a path whose text UTF-8 cannot hold; the public functions hand such a call to
/// the reference before it is seen (`unreadable`).
fn not_a_str(path: &Bound<'_, PyAny>) -> PyErr {
    let message = format!("Path must be a str, not {}.", doc_type_name(path));
    error::path_error(
        path.py(),
        dictwalk_core::Error::parse(&repr(path), None, message),
    )
}

/// Whether UTF-8 cannot hold this str: it has a lone surrogate (`'\ud800'`). Any str works
/// (spec 1.1), and the engine reads text as UTF-8, so such a call is the reference backend's,
/// which gives the same answer by construction.
fn unreadable(text: &Bound<'_, PyString>) -> bool {
    text.to_str().is_err()
}

/// Whether a `set` value is a str that UTF-8 cannot hold. The common exact types are answered
/// by their type alone, without the subclass check's call into Python (`write.set` in
/// `cargo xtask bench`).
fn unreadable_value(value: &Bound<'_, PyAny>) -> bool {
    if let Ok(text) = value.cast_exact::<PyString>() {
        return unreadable(text);
    }
    if value.is_exact_instance_of::<PyInt>()
        || value.is_exact_instance_of::<PyFloat>()
        || value.is_exact_instance_of::<PyDict>()
        || value.is_exact_instance_of::<PyList>()
        || value.is_none()
    {
        return false;
    }
    value.cast::<PyString>().is_ok_and(unreadable)
}

/// The reference backend's function `name`: the one that answers a call this backend hands on.
fn reference<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import("dictwalk.backends.python")?.getattr(name)
}

/// Indexes of the flags in `FLAG_NAMES`, the const parameter of `Flag`.
const STRICT: usize = 0;
const CREATE_MISSING: usize = 1;
const CREATE_FILTER_MATCH: usize = 2;
const OVERWRITE_INCOMPATIBLE: usize = 3;
const FLAG_NAMES: [&str; 4] = [
    "strict",
    "create_missing",
    "create_filter_match",
    "overwrite_incompatible",
];

/// A flag argument (`FLAG_NAMES[NAME]`): a `bool` and nothing else, no truthiness (spec 1.1);
/// anything else is a TypeError naming the flag.
#[derive(Clone, Copy)]
struct Flag<const NAME: usize>(bool);

impl<const NAME: usize> Flag<NAME> {
    /// The flag's name (a const parameter beyond the table cannot be written: it is one of
    /// the constants above).
    const NAME: &'static str = if NAME < FLAG_NAMES.len() {
        FLAG_NAMES[NAME]
    } else {
        "flag"
    };

    /// `{name: value}`, the keyword argument that hands the flag on to the reference.
    fn kwargs<'py>(self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let kwargs = PyDict::new(py);
        kwargs.set_item(Self::NAME, self.0)?;
        Ok(kwargs)
    }
}

impl<const NAME: usize> FromPyObject<'_, '_> for Flag<NAME> {
    type Error = PyErr;

    fn extract(obj: Borrowed<'_, '_, PyAny>) -> PyResult<Self> {
        match obj.cast::<PyBool>() {
            Ok(flag) => Ok(Flag(flag.is_true())),
            Err(_) => Err(error::wrong_type(Self::NAME, "bool", &obj)),
        }
    }
}

fn doc_type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map(|name| name.to_string())
        .unwrap_or_else(|_| "object".to_owned())
}

fn repr(value: &Bound<'_, PyAny>) -> String {
    value
        .repr()
        .map(|text| text.to_string())
        .unwrap_or_else(|_| "<unrepresentable>".to_owned())
}

/// The module `dictwalk._native`.
#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(get, module)?)?;
    module.add_function(wrap_pyfunction!(exists, module)?)?;
    module.add_function(wrap_pyfunction!(set, module)?)?;
    module.add_function(wrap_pyfunction!(unset, module)?)?;
    module.add_function(wrap_pyfunction!(run_filter_function, module)?)?;
    module.add_function(wrap_pyfunction!(register_path_filter, module)?)?;
    module.add_function(wrap_pyfunction!(get_path_filter, module)?)?;
    Ok(())
}
