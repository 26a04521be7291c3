//! The one place where engine errors become Python exceptions (`dictwalk.errors` classes).

use dictwalk_core::{Error, ErrorKind, EvalError};
use pyo3::exceptions::{PyImportError, PyTypeError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

static ERRORS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The `dictwalk.errors` module, imported once.
fn errors_module(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    ERRORS
        .get_or_try_init(py, || {
            py.import("dictwalk.errors")
                .map(|module| module.into_any().unbind())
                .map_err(|err| {
                    PyImportError::new_err(format!("dictwalk._native needs dictwalk.errors: {err}"))
                })
        })
        .map(|module| module.bind(py))
}

/// The `dictwalk.errors` class called `name`.
pub fn error_class<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyType>> {
    Ok(errors_module(py)?.getattr(name)?.cast_into::<PyType>()?)
}

/// A dictwalk error as the exception the reference backend raises for it.
pub fn path_error(py: Python<'_>, error: Error) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let class = error_class(py, error.kind.class_name())?;
        let instance = match error.kind {
            ErrorKind::Operator => class.call1((error.message,))?,
            _ => class.call1((error.path, error.token, error.message))?,
        };
        Ok(PyErr::from_value(instance))
    };
    build().unwrap_or_else(|failure| failure)
}

/// An evaluation error: the engine's own as a `dictwalk.errors` exception, Python's unchanged.
pub fn eval_error(py: Python<'_>, error: EvalError<PyErr>) -> PyErr {
    match error {
        EvalError::Path(error) => path_error(py, error),
        EvalError::Foreign(error) => error,
    }
}

/// The TypeError of an argument `name` that must be a `kind` (`str`, `bool`) and is `value`
/// (spec 1.1). The reference raises the same message (`backends/python/arguments.py`).
pub fn wrong_type(name: &str, kind: &str, value: &Bound<'_, PyAny>) -> PyErr {
    let found = value
        .get_type()
        .name()
        .map(|name| name.to_string())
        .unwrap_or_else(|_| "object".to_owned());
    PyTypeError::new_err(format!("argument '{name}' must be {kind}, not {found}"))
}
