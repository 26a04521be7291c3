//! Built-in filters: the one table of them shared by every document model, and their implementations on JSON values.
//!
//! `filters.py` in the reference backend is the specification: each filter here gives what it
//! gives for the Python value a JSON value stands for (see `py` for the mapping), with the same
//! result types, the same None cases and the same exceptions (class name and message). Where
//! Python would return something JSON cannot hold (a datetime, a Decimal, an int beyond 64
//! bits, inf or nan) the filter fails instead, with a TypeError (an OverflowError for big
//! ints) that says so and whose [`Reason`] is [`Reason::NotJson`].
//!
//! Submodules: `py` (the Python object model on JSON values), `numeric`, `text` (strings,
//! conversions, `%` formatting), `collections` (including CPython's sort), `stats`, `dates`,
//! `pattern` (regular expressions) and `jsonfmt` (`$to_json`, `$from_json`).

mod collections;
mod dates;
mod jsonfmt;
mod numeric;
mod pattern;
mod py;

// The engine's own comparisons (json.rs) use the same exact int/float rules as the filters.
pub(crate) use py::{num as number, num_cmp};
mod stats;
mod text;

use std::fmt;

use serde_json::Value;

use numeric::Op;
use py::CmpOp;
use Native::{Never, OnContainers, OnScalars};

/// A built-in filter: its name, how many arguments it takes, and where the native binding runs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FilterDef {
    /// The name after the `$`.
    pub name: &'static str,
    /// The fewest arguments the filter takes.
    pub min_args: usize,
    /// The most arguments it takes; None for any number from `min_args` up.
    pub max_args: Option<usize>,
    /// Where the native binding runs the filter on Python values.
    pub native: Native,
}

impl FilterDef {
    /// Whether the filter can be called with `count` arguments.
    pub fn accepts(&self, count: usize) -> bool {
        count >= self.min_args && self.max_args.is_none_or(|max| count <= max)
    }
}

/// Where the native binding (`dictwalk._native`) runs a built-in filter on Python values.
///
/// This is plain data, read by the binding, so that the core stays free of Python: it says
/// for which Python values the JSON implementation here answers exactly as the reference
/// does. Before it looks here, the binding tries its direct implementations on Python
/// objects; and whatever this says, a value or argument that is not plain data (a tuple, a
/// set, a big int, a datetime, a user class, a nested container) goes to the reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Native {
    /// In Rust when the value is a plain scalar (None, a bool, an int within 64 bits, a
    /// finite float, a str; the arguments may also be flat lists or dicts of those); a list or
    /// dict value goes to the reference, because the filter may give back that very object or
    /// one of its items, whose identity Python keeps.
    OnScalars,
    /// In Rust also when the value is a flat list or str-keyed dict of plain scalars: the
    /// filter always gives a new object or a plain scalar, never one it was given.
    OnContainers,
    /// Always by the reference implementation: its meaning is a Python library's (`re`,
    /// `datetime`, `decimal`, `json`), which the Rust version only approximates.
    Never,
}

const fn def(
    name: &'static str,
    min_args: usize,
    max_args: Option<usize>,
    native: Native,
) -> FilterDef {
    FilterDef {
        name,
        min_args,
        max_args,
        native,
    }
}

/// Every built-in filter, in the order of filters.py: the one list of them.
///
/// Tests hold every other list to this one: the reference registry in filters.py (same names,
/// order and arities, `dictwalk-corpus/tests/python_tables.rs`), the implementations below
/// (`every_builtin_has_an_implementation`) and the fuzzer's filter tables (in xtask).
static BUILTINS: &[FilterDef] = &[
    def("inc", 0, Some(0), OnScalars),
    def("dec", 0, Some(0), OnScalars),
    def("double", 0, Some(0), OnScalars),
    def("square", 0, Some(0), OnScalars),
    def("neg", 0, Some(0), OnScalars),
    def("sqrt", 0, Some(0), OnScalars),
    def("floor", 0, Some(0), OnScalars),
    def("ceil", 0, Some(0), OnScalars),
    def("abs", 0, Some(0), OnScalars),
    def("sign", 0, Some(0), OnScalars),
    def("exp", 0, Some(0), OnScalars),
    def("add", 1, Some(1), OnScalars),
    def("sub", 1, Some(1), OnScalars),
    def("mul", 1, Some(1), OnScalars),
    def("div", 1, Some(1), OnScalars),
    def("idiv", 1, Some(1), OnScalars),
    def("mod", 1, Some(1), OnScalars),
    def("pow", 1, Some(1), OnScalars),
    def("rpow", 1, Some(1), OnScalars),
    def("root", 1, Some(1), OnScalars),
    def("pct", 1, Some(1), OnScalars),
    def("round", 0, Some(1), OnScalars),
    def("clamp", 2, Some(2), OnScalars),
    def("log", 0, Some(1), OnScalars),
    def("even", 0, Some(0), OnScalars),
    def("odd", 0, Some(0), OnScalars),
    def("gt", 1, Some(1), OnScalars),
    def("lt", 1, Some(1), OnScalars),
    def("gte", 1, Some(1), OnScalars),
    def("lte", 1, Some(1), OnScalars),
    def("between", 2, Some(2), OnScalars),
    def("contains", 1, Some(1), OnContainers),
    def("in", 1, Some(1), OnContainers),
    def("type_is", 1, Some(1), OnContainers),
    def("is_empty", 0, Some(0), OnContainers),
    def("non_empty", 0, Some(0), OnContainers),
    def("string", 0, Some(0), OnContainers),
    def("int", 0, Some(0), OnScalars),
    def("float", 0, Some(0), OnScalars),
    def("decimal", 0, Some(0), Never),
    def("bool", 0, Some(0), OnContainers),
    def("quote", 0, Some(0), OnContainers),
    def("lower", 0, Some(0), OnScalars),
    def("upper", 0, Some(0), OnScalars),
    def("title", 0, Some(0), OnScalars),
    def("strip", 0, Some(1), OnScalars),
    def("replace", 2, Some(2), OnScalars),
    def("regex_replace", 2, Some(2), Never),
    def("split", 0, Some(1), OnScalars),
    def("startswith", 1, Some(1), OnScalars),
    def("endswith", 1, Some(1), OnScalars),
    def("matches", 1, Some(1), Never),
    def("join", 1, Some(1), OnContainers),
    def("len", 0, Some(0), OnContainers),
    def("keys", 0, Some(0), OnContainers),
    def("values", 0, Some(0), OnContainers),
    def("items", 0, Some(0), OnContainers),
    def("max", 0, Some(0), OnContainers),
    def("min", 0, Some(0), OnContainers),
    def("first", 0, Some(0), OnContainers),
    def("last", 0, Some(0), OnContainers),
    def("unique", 0, Some(0), OnContainers),
    def("reverse", 0, Some(0), OnContainers),
    def("chunk", 1, Some(1), OnContainers),
    def("flatten", 0, Some(0), OnContainers),
    def("flatten_deep", 0, Some(0), OnContainers),
    def("sorted", 0, Some(1), OnContainers),
    def("sort_by", 1, Some(2), OnScalars),
    def("unique_by", 1, Some(1), OnScalars),
    def("index_by", 1, Some(1), OnScalars),
    def("group_by", 1, Some(1), OnScalars),
    def("pick", 0, None, OnContainers),
    def("unpick", 0, None, OnContainers),
    def("sum", 0, Some(0), OnContainers),
    def("avg", 0, Some(0), OnContainers),
    def("median", 0, Some(0), OnContainers),
    def("q1", 0, Some(0), OnContainers),
    def("q3", 0, Some(0), OnContainers),
    def("iqr", 0, Some(0), OnContainers),
    def("pctile", 1, Some(1), OnContainers),
    def("mode", 0, Some(0), OnContainers),
    def("stdev", 0, Some(0), OnContainers),
    def("const", 1, Some(1), OnScalars),
    def("default", 1, Some(1), OnScalars),
    def("coalesce", 1, None, OnScalars),
    def("compact", 0, Some(0), OnContainers),
    def("to_datetime", 0, Some(1), Never),
    def("strftime", 1, Some(1), Never),
    def("timestamp", 0, Some(0), Never),
    def("age_seconds", 0, Some(0), Never),
    def("before", 1, Some(1), Never),
    def("after", 1, Some(1), Never),
    def("from_json", 0, Some(0), Never),
    def("to_json", 0, Some(0), Never),
];

/// The built-in filter called `name`, or None.
pub fn builtin(name: &str) -> Option<&'static FilterDef> {
    BUILTINS.iter().find(|def| def.name == name)
}

/// Every built-in filter, in the order of filters.py.
pub fn builtins() -> &'static [FilterDef] {
    BUILTINS
}

/// A filter failed: the Python exception class filters.py raises (`TypeError`, `ValueError`,
/// `ZeroDivisionError`, `AttributeError`, `OverflowError`, `error` for `re.error`, ...), its
/// message, and whether Python fails too or only JSON does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilterError {
    /// The Python exception class name.
    pub kind: &'static str,
    /// The exception's message, as `str(exc)` gives it.
    pub message: String,
    /// Why the filter failed.
    pub reason: Reason,
}

/// Why a built-in filter failed on JSON values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// Python raises the same exception for the same value and arguments.
    Python,
    /// Python succeeds, but its result has no JSON form (an int beyond 64 bits, inf or nan, a
    /// datetime, a Decimal, a complex number, a dict key that is not a str): the exception
    /// stands in for a value JSON cannot hold. The native binding has the reference
    /// implementation compute such a result, and the fuzzer does not draw such a step.
    NotJson,
}

impl FilterError {
    /// Whether Python's result exists but has no JSON form (see [`Reason::NotJson`]).
    pub fn is_not_json(&self) -> bool {
        self.reason == Reason::NotJson
    }
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

impl std::error::Error for FilterError {}

/// Applies the built-in filter `name` to `value` with `args` (already Python values as JSON).
///
/// `resolve(item, path)` is dictwalk's non-strict read of `path` in `item` (None when it does
/// not resolve); `sort_by`, `unique_by`, `index_by` and `group_by` use it. An unknown name is a
/// `DictWalkError` and a wrong number of arguments a `TypeError` (the parser rejects both
/// before a filter runs).
pub fn apply_json(
    name: &str,
    value: &Value,
    args: &[Value],
    resolve: &dyn Fn(&Value, &str) -> Option<Value>,
) -> Result<Value, FilterError> {
    let Some(def) = builtin(name) else {
        return Err(py::err(
            "DictWalkError",
            format!("unknown path filter '{name}'"),
        ));
    };
    if !def.accepts(args.len()) {
        let wanted = match def.max_args {
            None => format!("at least {}", def.min_args),
            Some(max) if max == def.min_args => max.to_string(),
            Some(max) => format!("{} to {max}", def.min_args),
        };
        return Err(py::type_error(format!(
            "Path filter '${name}' takes {wanted} argument(s), got {}.",
            args.len()
        )));
    }
    py::check_nesting(value)?;
    for arg in args {
        py::check_nesting(arg)?;
    }
    dispatch(name, value, args, resolve).unwrap_or_else(|| {
        Err(py::err(
            "DictWalkError",
            format!("built-in filter '{name}' has no implementation"),
        ))
    })
}

/// The implementation of the built-in `name` applied to `value` and `args`, or None when
/// `name` has none. The arity is checked by the caller.
fn dispatch(
    name: &str,
    value: &Value,
    args: &[Value],
    resolve: &dyn Fn(&Value, &str) -> Option<Value>,
) -> Option<Result<Value, FilterError>> {
    let null = Value::Null;
    let first = args.first().unwrap_or(&null);
    let second = args.get(1).unwrap_or(&null);
    let one = Value::from(1);
    let two = Value::from(2);
    let result = match name {
        // Numeric
        "inc" => numeric::binary(value, &one, Op::Add),
        "dec" => numeric::binary(value, &one, Op::Sub),
        "double" => numeric::binary(value, &two, Op::Mul),
        "square" => numeric::binary(value, value, Op::Mul),
        "neg" => numeric::neg(value),
        "sqrt" => numeric::sqrt(value),
        "floor" => numeric::floor_ceil(value, false),
        "ceil" => numeric::floor_ceil(value, true),
        "abs" => numeric::abs(value),
        "sign" => Ok(numeric::sign(value)),
        "exp" => numeric::exp(value),
        "add" => numeric::binary(value, first, Op::Add),
        "sub" => numeric::binary(value, first, Op::Sub),
        "mul" => numeric::binary(value, first, Op::Mul),
        "div" => numeric::guarded_division(value, first, Op::TrueDiv),
        "idiv" => numeric::guarded_division(value, first, Op::FloorDiv),
        "mod" => numeric::guarded_division(value, first, Op::Mod),
        "pow" => numeric::power(value, first),
        "rpow" => numeric::power(first, value),
        "root" => numeric::root(value, first),
        "pct" => numeric::pct(value, first),
        "round" => numeric::round(value, args.first()),
        "clamp" => numeric::clamp(value, first, second),
        "log" => numeric::log(value, args.first()),
        // Predicates
        "even" => Ok(numeric::parity(value, false)),
        "odd" => Ok(numeric::parity(value, true)),
        "gt" => Ok(Value::Bool(py::compare(CmpOp::Gt, value, first))),
        "lt" => Ok(Value::Bool(py::compare(CmpOp::Lt, value, first))),
        "gte" => Ok(Value::Bool(py::compare(CmpOp::Ge, value, first))),
        "lte" => Ok(Value::Bool(py::compare(CmpOp::Le, value, first))),
        "between" => Ok(Value::Bool(
            py::compare(CmpOp::Ge, value, first) && py::compare(CmpOp::Le, value, second),
        )),
        "contains" => text::contains(value, first).map(Value::Bool),
        "in" => text::contains(first, value).map(Value::Bool),
        "type_is" => Ok(text::type_is(value, first)),
        "is_empty" => Ok(Value::Bool(text::is_empty(value))),
        "non_empty" => Ok(Value::Bool(!text::is_empty(value))),
        // Conversion
        "string" => Ok(text::string(value)),
        "int" => text::int(value),
        "float" => text::float(value),
        "decimal" => text::decimal(value),
        "bool" => Ok(text::to_bool(value)),
        "quote" => Ok(text::quote(value)),
        // Strings
        "lower" => Ok(text::lower(value)),
        "upper" => Ok(text::upper(value)),
        "title" => Ok(text::title(value)),
        "strip" => text::strip(value, args.first()),
        "replace" => text::replace(value, first, second),
        "regex_replace" => pattern::regex_replace(value, first, second),
        "split" => text::split(value, args.first()),
        "startswith" => text::affix(value, first, true),
        "endswith" => text::affix(value, first, false),
        "matches" => pattern::matches(value, first),
        "join" => Ok(text::join(value, first)),
        // Collections
        "len" => collections::len(value),
        "keys" => Ok(collections::keys(value)),
        "values" => Ok(collections::values(value)),
        "items" => Ok(collections::items(value)),
        "max" => collections::extreme(value, true),
        "min" => collections::extreme(value, false),
        "first" => Ok(collections::end(value, false)),
        "last" => Ok(collections::end(value, true)),
        "unique" => collections::unique(value),
        "reverse" => Ok(collections::reverse(value)),
        "chunk" => collections::chunk(value, first),
        "flatten" => Ok(collections::flatten(value)),
        "flatten_deep" => Ok(collections::flatten_deep(value)),
        "sorted" => collections::sorted(value, args.first()),
        "sort_by" => collections::sort_by(value, first, args.get(1), resolve),
        "unique_by" => collections::unique_by(value, first, resolve),
        "index_by" => collections::index_by(value, first, resolve),
        "group_by" => collections::group_by(value, first, resolve),
        "pick" => collections::pick(value, args),
        "unpick" => Ok(collections::unpick(value, args)),
        // Statistics
        "sum" => stats::sum(value),
        "avg" => stats::avg(value),
        "median" => stats::quantile(value, 50.0),
        "q1" => stats::quantile(value, 25.0),
        "q3" => stats::quantile(value, 75.0),
        "iqr" => stats::iqr(value),
        "pctile" => stats::pctile(value, first),
        "mode" => Ok(stats::mode(value)),
        "stdev" => stats::stdev(value),
        // Null handling
        "const" => Ok(first.clone()),
        "default" => Ok(collections::default(value, first)),
        "coalesce" => Ok(collections::coalesce(value, args)),
        "compact" => Ok(collections::compact(value)),
        // Date and time
        "to_datetime" => dates::to_datetime(value, args.first()),
        "strftime" => dates::strftime_filter(value, first),
        "timestamp" => dates::timestamp(value),
        "age_seconds" => dates::age_seconds(value),
        "before" => dates::date_compare(value, first, false),
        "after" => dates::date_compare(value, first, true),
        // JSON
        "from_json" => jsonfmt::from_json(value),
        "to_json" => Ok(jsonfmt::to_json(value)),
        _ => return None,
    };
    Some(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table and the `match` of `dispatch` are two lists of the same names; a table entry
    /// without an arm would fail every call at run time.
    #[test]
    fn every_builtin_has_an_implementation() {
        let no_resolve = |_: &Value, _: &str| None;
        let missing: Vec<&str> = builtins()
            .iter()
            .filter(|def| {
                let args = vec![Value::Null; def.min_args];
                dispatch(def.name, &Value::Null, &args, &no_resolve).is_none()
            })
            .map(|def| def.name)
            .collect();
        assert_eq!(
            missing,
            Vec::<&str>::new(),
            "built-ins with no implementation"
        );
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<&str> = builtins().iter().map(|def| def.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), builtins().len());
    }

    #[test]
    fn arity_table() {
        assert_eq!(
            builtin("round").map(|d| (d.min_args, d.max_args)),
            Some((0, Some(1)))
        );
        assert_eq!(builtin("coalesce").map(|d| d.max_args), Some(None));
        assert!(builtin("nope").is_none());
    }

    #[test]
    fn an_unknown_name_is_a_dictwalk_error() {
        let no_resolve = |_: &Value, _: &str| None;
        let error = apply_json("nope", &Value::Null, &[], &no_resolve).err();
        assert_eq!(error.map(|e| e.kind), Some("DictWalkError"));
    }

    #[test]
    fn where_the_binding_runs_a_filter() {
        let native = |name: &str| builtin(name).map(|def| def.native);
        // A regular expression is Python's `re`, a date Python's `datetime`.
        assert_eq!(native("matches"), Some(Native::Never));
        assert_eq!(native("to_datetime"), Some(Native::Never));
        // `$len` of a list is a new int; `$default` of a list is that very list.
        assert_eq!(native("len"), Some(Native::OnContainers));
        assert_eq!(native("default"), Some(Native::OnScalars));
    }

    #[test]
    fn results_json_cannot_hold_are_marked() {
        let no_resolve = |_: &Value, _: &str| None;
        let apply = |name: &str, value: Value, args: &[Value]| {
            apply_json(name, &value, args, &no_resolve).err()
        };
        for error in [
            apply("pow", Value::from(10), &[Value::from(40)]),
            apply("decimal", Value::from("1.5"), &[]),
            apply("to_datetime", Value::from("2024-01-02"), &[]),
            apply("mul", Value::from(1e308), &[Value::from(10)]),
        ] {
            assert_eq!(error.map(|e| e.reason), Some(Reason::NotJson));
        }
        // Python raises these too.
        for error in [
            apply("int", Value::from("x"), &[]),
            apply("len", Value::from(1), &[]),
        ] {
            assert_eq!(error.map(|e| e.reason), Some(Reason::Python));
        }
    }
}
