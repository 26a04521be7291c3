//! Live Python objects as a dictwalk document: the engine reads and changes the caller's own dicts and lists.
//!
//! [`Obj`] is a handle on a Python object. Nothing is converted: reads hand out handles
//! to the objects inside the document, and writes change those objects in place, so a
//! `set` is seen by everyone holding the document, as with the reference backend.
//! Python's own operations decide equality, ordering, `str()` and truthiness.
//!
//! Dicts and lists, subclasses included, are read and changed through their storage, with
//! the C API's `PyDict_*` and `PyList_*` functions, so that no override of a subclass runs
//! (spec section 3: a `defaultdict`'s missing key stays missing, a read never inserts one).
//! The one exception is the `OrderedDict`, whose order is kept beside the dict's storage:
//! its writes go through `OrderedDict`'s own methods, which keep both in step.

use std::borrow::Cow;
use std::hash::{Hash, Hasher};

use dictwalk_core::doc::{CompareError, Document, Kind, Lookup, Name, Order, Seg};
use dictwalk_core::filters::FilterDef;
use dictwalk_core::literal::Literal;
use pyo3::exceptions::{PyException, PyTypeError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyBytes, PyComplex, PyDict, PyFloat, PyInt, PyList, PySet, PyString, PyTuple, PyType,
};

use crate::filters;

/// A Python object in a document.
#[derive(Clone, Debug)]
pub struct Obj<'py>(pub Bound<'py, PyAny>);

/// A dict key met in a document or written in a path: a str key by its text (the str
/// object is kept, so that writing it back needs no new one), any other key by identity
/// (it is only used to address the dict it came from).
#[derive(Clone, Debug)]
pub enum Key<'py> {
    /// A str key.
    Str(Bound<'py, PyString>),
    /// Any other key object.
    Other(Bound<'py, PyAny>),
}

impl PartialEq for Key<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            // Exact strs compare by their text; comparing them runs no Python code.
            (Key::Str(a), Key::Str(b)) => a.is(b) || a.as_any().eq(b).unwrap_or(false),
            (Key::Other(a), Key::Other(b)) => a.is(b),
            _ => false,
        }
    }
}

impl Eq for Key<'_> {}

impl Hash for Key<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self {
            // Python's hash of a str agrees with its equality, and the str caches it.
            Key::Str(text) => text.hash().unwrap_or(0).hash(state),
            Key::Other(object) => (object.as_ptr() as usize).hash(state),
        }
    }
}

/// What an engine call lends the document model: the interpreter and the custom filters.
pub struct Registry<'py> {
    /// The interpreter the call runs in.
    pub py: Python<'py>,
    /// `name -> callable` of the registered custom filters.
    pub custom: Borrowed<'py, 'py, PyDict>,
}

impl<'py> Obj<'py> {
    fn py(&self) -> Python<'py> {
        self.0.py()
    }

    fn as_dict(&self) -> Option<&Bound<'py, PyDict>> {
        // The exact type first: a pointer comparison, where the subclass check is a call.
        self.0
            .cast_exact::<PyDict>()
            .or_else(|_| self.0.cast::<PyDict>())
            .ok()
    }

    fn as_list(&self) -> Option<&Bound<'py, PyList>> {
        self.0
            .cast_exact::<PyList>()
            .or_else(|_| self.0.cast::<PyList>())
            .ok()
    }

    /// `collections.OrderedDict`'s own `name` method, when this is an OrderedDict: its writes
    /// must keep its order in step with the dict's storage.
    fn ordered_dict_method(&self, name: &str) -> Option<Bound<'py, PyAny>> {
        if self.0.is_exact_instance_of::<PyDict>() || self.as_dict().is_none() {
            return None;
        }
        let ordered = ordered_dict_type(self.py())?;
        if !self.0.is_instance(ordered.as_any()).unwrap_or(false) {
            return None;
        }
        ordered.getattr(name).ok()
    }

    fn key_object(&self, key: &Key<'py>) -> Bound<'py, PyAny> {
        match key {
            Key::Str(text) => text.clone().into_any(),
            Key::Other(object) => object.clone(),
        }
    }
}

/// `collections.OrderedDict`, imported once; None if it cannot be (then no value is one).
fn ordered_dict_type(py: Python<'_>) -> Option<&Bound<'_, PyType>> {
    static ORDERED_DICT: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    ORDERED_DICT.import(py, "collections", "OrderedDict").ok()
}

/// The str object of a key written in a path: made (interned) once per compiled path and
/// kept with it, so that a lookup allocates nothing and Python's cached hash is used.
fn name_object<'py>(py: Python<'py>, name: &Name) -> Bound<'py, PyString> {
    match name.prepared(|text| PyString::intern(py, text).unbind()) {
        Some(object) => object.bind(py).clone(),
        None => PyString::new(py, name),
    }
}

/// `dict[key]` for a key written in a path; None when missing (or when the lookup raised,
/// as a read of a missing key).
fn dict_child<'py>(dict: &Bound<'py, PyDict>, name: &Name) -> Option<Bound<'py, PyAny>> {
    let py = dict.py();
    match name.prepared(|text| PyString::intern(py, text).unbind()) {
        Some(object) => dict.get_item(object).ok()?,
        None => dict.get_item(name.as_str()).ok()?,
    }
}

/// The value of an exact int that fits in 64 bits (not a bool, not a subclass).
fn small_int(value: &Bound<'_, PyAny>) -> Option<i64> {
    if value.is_exact_instance_of::<PyInt>() {
        value.extract::<i64>().ok()
    } else {
        None
    }
}

/// The value of an exact float (not a subclass).
fn exact_float(value: &Bound<'_, PyAny>) -> Option<f64> {
    value
        .cast_exact::<PyFloat>()
        .ok()
        .map(|float| float.value())
}

/// Two ints or two floats, whose comparison Python does exactly as Rust does: exact types
/// only, so no `__eq__` or `__lt__` of a subclass is skipped.
enum Pair {
    Ints(i64, i64),
    Floats(f64, f64),
}

fn number_pair(left: &Bound<'_, PyAny>, right: &Bound<'_, PyAny>) -> Option<Pair> {
    if let (Some(a), Some(b)) = (small_int(left), small_int(right)) {
        return Some(Pair::Ints(a, b));
    }
    match (exact_float(left), exact_float(right)) {
        (Some(a), Some(b)) => Some(Pair::Floats(a, b)),
        _ => None,
    }
}

/// Builds the Python value of a literal argument or right-hand side.
pub fn literal_object<'py>(py: Python<'py>, literal: &Literal) -> PyResult<Bound<'py, PyAny>> {
    let items = |items: &[Literal]| -> PyResult<Vec<Bound<'py, PyAny>>> {
        items.iter().map(|item| literal_object(py, item)).collect()
    };
    Ok(match literal {
        Literal::None => py.None().into_bound(py),
        Literal::Bool(flag) => flag.into_pyobject(py)?.to_owned().into_any(),
        Literal::Int(number) => number.into_pyobject(py)?.into_any(),
        Literal::BigInt { text, .. } => {
            // Python's int() reads the literal's own form, base prefix included.
            py.get_type::<pyo3::types::PyInt>().call1((text, 0))?
        }
        Literal::Float(number) => number.into_pyobject(py)?.into_any(),
        Literal::Complex { re, im } => PyComplex::from_doubles(py, *re, *im).into_any(),
        Literal::Str(text) => PyString::new(py, text).into_any(),
        Literal::Bytes(bytes) => PyBytes::new(py, bytes).into_any(),
        Literal::Ellipsis => py.Ellipsis().into_bound(py),
        Literal::List(values) => PyList::new(py, items(values)?)?.into_any(),
        Literal::Tuple(values) => PyTuple::new(py, items(values)?)?.into_any(),
        Literal::Set(values) => PySet::new(py, items(values)?)?.into_any(),
        Literal::Dict(pairs) => {
            let dict = PyDict::new(py);
            for (key, value) in pairs {
                dict.set_item(literal_object(py, key)?, literal_object(py, value)?)?;
            }
            dict.into_any()
        }
    })
}

/// The text of a str that UTF-8 cannot hold, with U+FFFD for each lone surrogate (rare: kept
/// out of `as_str`'s way).
#[cold]
#[inline(never)]
fn lossy<'a>(text: &Bound<'_, PyString>) -> Cow<'a, str> {
    Cow::Owned(text.to_string_lossy().into_owned())
}

/// Whether a built-in filter's exception is soft in a path: any `Exception`, as the
/// reference's `except Exception` (a `KeyboardInterrupt` or `SystemExit` is not).
fn is_soft(py: Python<'_>, error: &PyErr) -> bool {
    error.is_instance_of::<PyException>(py)
}

impl<'py> Document for Obj<'py> {
    type Key = Key<'py>;
    type Foreign = PyErr;
    type Registry = Registry<'py>;

    const SHARED: bool = true;

    fn kind(&self) -> Kind {
        // The exact types first: a pointer comparison, where the subclass checks call into Python's C API.
        if self.0.is_exact_instance_of::<PyDict>() {
            Kind::Map
        } else if self.0.is_exact_instance_of::<PyList>() {
            Kind::List
        } else if self.0.is_exact_instance_of::<PyString>()
            || self.0.is_exact_instance_of::<PyInt>()
            || self.0.is_none()
            || self.0.is_exact_instance_of::<PyFloat>()
            || self.0.is_exact_instance_of::<PyBool>()
        {
            // The common scalars, answered without the subclass checks below.
            Kind::Other
        } else if self.0.is_instance_of::<PyDict>() {
            Kind::Map
        } else if self.0.is_instance_of::<PyList>() {
            Kind::List
        } else {
            Kind::Other
        }
    }

    fn type_name(&self) -> Cow<'_, str> {
        match self.0.get_type().name() {
            Ok(name) => Cow::Owned(name.to_string()),
            Err(_) => Cow::Borrowed("object"),
        }
    }

    fn as_str(&self) -> Option<Cow<'_, str>> {
        let text = self.0.cast::<PyString>().ok()?;
        // A str that UTF-8 cannot hold (a lone surrogate) reads with U+FFFD in its place, so
        // that the flag of `[?.s]` is false, as the reference's: no true word holds one. A
        // `set` value never gets here: the binding hands such a value to the reference.
        Some(text.to_cow().unwrap_or_else(|_| lossy(text)))
    }

    fn identity(&self) -> Option<usize> {
        matches!(self.kind(), Kind::Map | Kind::List).then(|| self.0.as_ptr() as usize)
    }

    fn child(&self, key: &Name) -> Option<Cow<'_, Self>> {
        dict_child(self.as_dict()?, key).map(|value| Cow::Owned(Obj(value)))
    }

    fn item(&self, index: usize) -> Option<Cow<'_, Self>> {
        let value = self.as_list()?.get_item(index).ok()?;
        Some(Cow::Owned(Obj(value)))
    }

    fn child_at(&self, seg: &Seg<Key<'py>>) -> Option<Cow<'_, Self>> {
        match seg {
            Seg::Key(Key::Str(text)) => {
                let value = self.as_dict()?.get_item(text).ok()??;
                Some(Cow::Owned(Obj(value)))
            }
            Seg::Key(Key::Other(object)) => {
                let value = self.as_dict()?.get_item(object).ok()??;
                Some(Cow::Owned(Obj(value)))
            }
            Seg::Index(index) => self.item(*index),
        }
    }

    fn len(&self) -> usize {
        if let Some(dict) = self.as_dict() {
            dict.len()
        } else if let Some(list) = self.as_list() {
            list.len()
        } else {
            0
        }
    }

    fn children(&self) -> Vec<Cow<'_, Self>> {
        if let Some(dict) = self.as_dict() {
            // One C call copies the values into a list: cheaper than stepping the dict.
            list_items(&dict.values())
        } else if let Some(list) = self.as_list() {
            list_items(list)
        } else {
            Vec::new()
        }
    }

    fn push_children(&self, out: &mut Vec<Self>) -> bool {
        let list = match self.as_dict() {
            Some(dict) => dict.values(),
            None => match self.as_list() {
                Some(list) => list.clone(),
                None => return true,
            },
        };
        for index in 0..list.len() {
            match list.get_item(index) {
                Ok(item) => out.push(Obj(item)),
                Err(_) => break,
            }
        }
        true
    }

    fn entries(&self) -> Vec<(Seg<Key<'py>>, Cow<'_, Self>)> {
        if let Some(dict) = self.as_dict() {
            dict.iter()
                .map(|(key, value)| {
                    let key = match key.cast_into_exact::<PyString>() {
                        Ok(text) => Key::Str(text),
                        Err(error) => Key::Other(error.into_inner()),
                    };
                    (Seg::Key(key), Cow::Owned(Obj(value)))
                })
                .collect()
        } else if let Some(list) = self.as_list() {
            list.iter()
                .enumerate()
                .map(|(index, value)| (Seg::Index(index), Cow::Owned(Obj(value))))
                .collect()
        } else {
            Vec::new()
        }
    }

    fn key(registry: &Registry<'py>, name: &Name) -> Key<'py> {
        Key::Str(name_object(registry.py, name))
    }

    fn copy_value(&self) -> Option<Self> {
        // The same object, as Python hands it out.
        Some(self.clone())
    }

    fn null(registry: &Registry<'py>) -> Self {
        Obj(registry.py.None().into_bound(registry.py))
    }

    fn string(registry: &Registry<'py>, text: &str) -> Self {
        Obj(PyString::new(registry.py, text).into_any())
    }

    fn empty_map(registry: &Registry<'py>) -> Self {
        Obj(PyDict::new(registry.py).into_any())
    }

    fn list(registry: &Registry<'py>, items: Vec<Self>) -> Self {
        new_list(registry.py, items)
    }

    fn from_literal(registry: &Registry<'py>, literal: &Literal) -> Self {
        let py = registry.py;
        // Every literal the parser accepts has a Python value; a failure (memory) gives None.
        Obj(literal_object(py, literal).unwrap_or_else(|_| py.None().into_bound(py)))
    }

    fn set_child(&mut self, seg: &Seg<Key<'py>>, value: Self) {
        // The plan addresses keys and indexes that existed when it was made (or a dict's new
        // key); a position that a custom filter has removed since gives an error, ignored:
        // the write has nothing left to change there.
        let _ = match seg {
            Seg::Key(key) => {
                let key = self.key_object(key);
                match (self.ordered_dict_method("__setitem__"), self.as_dict()) {
                    (Some(method), _) => method.call1((&self.0, key, value.0)).map(drop),
                    (None, Some(dict)) => dict.set_item(key, value.0),
                    (None, None) => Ok(()),
                }
            }
            Seg::Index(index) => match self.as_list() {
                Some(list) => list.set_item(*index, value.0),
                None => Ok(()),
            },
        };
    }

    fn remove_child(&mut self, seg: &Seg<Key<'py>>) {
        let _ = match seg {
            Seg::Key(key) => {
                let key = self.key_object(key);
                match (self.ordered_dict_method("pop"), self.as_dict()) {
                    (Some(method), _) => method.call1((&self.0, key, self.py().None())).map(drop),
                    (None, Some(dict)) => dict.del_item(key),
                    (None, None) => Ok(()),
                }
            }
            // `PyList_SetSlice` with no items deletes: the list's storage, not a `__delitem__`.
            Seg::Index(index) => match self.as_list() {
                Some(list) if *index < list.len() => {
                    list.set_slice(*index, *index + 1, &PyList::empty(self.py()))
                }
                _ => Ok(()),
            },
        };
    }

    fn push(&mut self, value: Self) {
        if let Some(list) = self.as_list() {
            let _ = list.append(value.0);
        }
    }

    fn clear(&mut self) {
        if let Some(method) = self.ordered_dict_method("clear") {
            let _ = method.call1((&self.0,));
        } else if let Some(dict) = self.as_dict() {
            dict.clear();
        } else if let Some(list) = self.as_list() {
            let _ = list.set_slice(0, list.len(), &PyList::empty(self.py()));
        }
    }

    fn take_child(&mut self, seg: &Seg<Key<'py>>) -> Option<Self> {
        self.child_at(seg).map(Cow::into_owned)
    }

    fn restore_child(&mut self, _seg: &Seg<Key<'py>>, _child: Self) {
        // A handle: the changes already happened to the object itself.
    }

    fn take_items(&mut self) -> Vec<Self> {
        self.as_list()
            .map(|list| list.iter().map(Obj).collect())
            .unwrap_or_default()
    }

    fn replace_items(&mut self, items: Vec<Self>) {
        let py = self.py();
        if let Some(list) = self.as_list() {
            let _ = list.set_slice(0, list.len(), &new_list(py, items).0);
        }
    }

    fn truthy(&self) -> bool {
        self.0.is_truthy().unwrap_or(false)
    }

    fn py_str(&self) -> Option<String> {
        self.0.str().ok().map(|text| text.to_string())
    }

    fn py_str_is(&self, text: &str) -> bool {
        // The str() of the exact builtin scalars is known without building it.
        if let Ok(string) = self.0.cast_exact::<PyString>() {
            // A str that UTF-8 cannot hold (a lone surrogate) equals no text of a path.
            return string.to_str().is_ok_and(|own| own == text);
        } else if let Some(int) = small_int(&self.0) {
            let mut buffer = itoa_buffer();
            return format_int(&mut buffer, int) == text;
        } else if self.0.is_none() {
            return text == "None";
        } else if let Ok(flag) = self.0.cast_exact::<PyBool>() {
            return text == if flag.is_true() { "True" } else { "False" };
        }
        self.py_str().as_deref() == Some(text)
    }

    fn equals(&self, other: &Self) -> bool {
        match number_pair(&self.0, &other.0) {
            Some(Pair::Ints(a, b)) => a == b,
            Some(Pair::Floats(a, b)) => a == b,
            None => self.0.eq(&other.0).unwrap_or(false),
        }
    }

    fn equals_literal(&self, literal: &Literal, other: &Self) -> bool {
        // The same-type cases Python decides by value, without reading the literal's object.
        match literal {
            Literal::Int(value) => {
                if let Some(int) = small_int(&self.0) {
                    return int == *value;
                }
            }
            Literal::Str(text) => {
                if let Ok(string) = self.0.cast_exact::<PyString>() {
                    if let Ok(own) = string.to_str() {
                        return own == text;
                    }
                }
            }
            _ => {}
        }
        self.equals(other)
    }

    fn compare_literal(
        &self,
        order: Order,
        literal: &Literal,
        other: &Self,
    ) -> Result<bool, CompareError> {
        let ordering = match literal {
            Literal::Int(value) => small_int(&self.0).map(|int| Some(int.cmp(value))),
            // NaN orders neither way, as in Python.
            Literal::Float(value) => exact_float(&self.0).map(|float| float.partial_cmp(value)),
            _ => None,
        };
        match ordering {
            Some(ordering) => Ok(holds(ordering, order)),
            None => self.compare(order, other),
        }
    }

    fn compare(&self, order: Order, other: &Self) -> Result<bool, CompareError> {
        if let Some(pair) = number_pair(&self.0, &other.0) {
            // NaN compares false either way, as in Python.
            let ordering = match pair {
                Pair::Ints(a, b) => Some(a.cmp(&b)),
                Pair::Floats(a, b) => a.partial_cmp(&b),
            };
            return Ok(holds(ordering, order));
        }
        let result = match order {
            Order::Lt => self.0.lt(&other.0),
            Order::Le => self.0.le(&other.0),
            Order::Gt => self.0.gt(&other.0),
            Order::Ge => self.0.ge(&other.0),
        };
        result.map_err(|error| {
            if error.is_instance_of::<PyTypeError>(self.py()) {
                CompareError::Unordered
            } else {
                CompareError::Failed
            }
        })
    }

    fn call_builtin(
        filter: &'static FilterDef,
        value: &Self,
        args: &[Self],
        lookup: &Lookup<'_, Self>,
    ) -> Result<Self, PyErr> {
        filters::call(filter, value, args, lookup)
    }

    fn soft_failure(error: &PyErr) -> Option<String> {
        Python::attach(|py| {
            if !is_soft(py, error) {
                return None;
            }
            let name = error
                .get_type(py)
                .name()
                .map(|name| name.to_string())
                .unwrap_or_default();
            let text = error
                .value(py)
                .str()
                .map(|text| text.to_string())
                .unwrap_or_default();
            Some(format!("{name}: {text}"))
        })
    }

    fn has_custom(registry: &Registry<'py>, name: &str) -> bool {
        registry.custom.contains(name).unwrap_or(false)
    }

    fn call_custom(
        registry: &Registry<'py>,
        name: &str,
        value: &Self,
        args: &[Self],
    ) -> Option<Result<Self, PyErr>> {
        let function = registry.custom.get_item(name).ok()??;
        let mut call_args = Vec::with_capacity(args.len() + 1);
        call_args.push(value.0.clone());
        call_args.extend(args.iter().map(|arg| arg.0.clone()));
        let result = PyTuple::new(registry.py, call_args).and_then(|tuple| function.call1(tuple));
        Some(result.map(Obj))
    }
}

/// A list's items, read by index up to its length taken once (the list iterator asks the
/// length again at every step; nothing here runs Python code that could change the list).
fn list_items<'a, 'py>(list: &Bound<'py, PyList>) -> Vec<Cow<'a, Obj<'py>>> {
    let len = list.len();
    let mut items = Vec::with_capacity(len);
    for index in 0..len {
        match list.get_item(index) {
            Ok(item) => items.push(Cow::Owned(Obj(item))),
            Err(_) => break,
        }
    }
    items
}

/// Whether `ordering` (None: unordered, a NaN) satisfies `order`.
fn holds(ordering: Option<std::cmp::Ordering>, order: Order) -> bool {
    ordering.is_some_and(|ordering| match order {
        Order::Lt => ordering.is_lt(),
        Order::Le => ordering.is_le(),
        Order::Gt => ordering.is_gt(),
        Order::Ge => ordering.is_ge(),
    })
}

/// A new list of `items`.
pub fn new_list<'py>(py: Python<'py>, items: Vec<Obj<'py>>) -> Obj<'py> {
    match PyList::new(py, items.into_iter().map(|item| item.0)) {
        Ok(list) => Obj(list.into_any()),
        // Only memory exhaustion fails here; Python has set MemoryError, which surfaces later.
        Err(_) => Obj(PyList::empty(py).into_any()),
    }
}

/// Room for an i64 in decimal.
fn itoa_buffer() -> [u8; 20] {
    [0; 20]
}

/// `str(int)` for a 64-bit int, written into `buffer`.
fn format_int(buffer: &mut [u8; 20], value: i64) -> &str {
    let mut magnitude = value.unsigned_abs();
    let mut at = buffer.len();
    loop {
        at -= 1;
        if let Some(slot) = buffer.get_mut(at) {
            // The remainder is below 10: the cast keeps it exactly.
            *slot = b'0' + (magnitude % 10) as u8;
        }
        magnitude /= 10;
        if magnitude == 0 {
            break;
        }
    }
    if value < 0 {
        at -= 1;
        if let Some(slot) = buffer.get_mut(at) {
            *slot = b'-';
        }
    }
    std::str::from_utf8(buffer.get(at..).unwrap_or(&[])).unwrap_or("")
}
