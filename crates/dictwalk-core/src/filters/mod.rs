//! Built-in filters: the arity table shared by every document model, and their implementations on JSON values.
//!
//! `filters.py` in the reference backend is the specification: each filter here gives what it
//! gives for the Python value a JSON value stands for (see `py` for the mapping), with the same
//! result types, the same None cases and the same exceptions (class name and message). Where
//! Python would return something JSON cannot hold (a datetime, a Decimal, an int beyond 64
//! bits, inf or nan) the filter fails instead, with a TypeError (an OverflowError for big
//! ints) that says so.
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

/// A built-in filter's name and how many arguments it takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FilterDef {
    /// The name after the `$`.
    pub name: &'static str,
    /// The fewest arguments the filter takes.
    pub min_args: usize,
    /// The most arguments it takes; None for any number from `min_args` up.
    pub max_args: Option<usize>,
}

impl FilterDef {
    /// Whether the filter can be called with `count` arguments.
    pub fn accepts(&self, count: usize) -> bool {
        count >= self.min_args && self.max_args.is_none_or(|max| count <= max)
    }
}

const fn def(name: &'static str, min_args: usize, max_args: Option<usize>) -> FilterDef {
    FilterDef {
        name,
        min_args,
        max_args,
    }
}

/// Every built-in filter with its arity, in the order of filters.py.
static BUILTINS: &[FilterDef] = &[
    def("inc", 0, Some(0)),
    def("dec", 0, Some(0)),
    def("double", 0, Some(0)),
    def("square", 0, Some(0)),
    def("neg", 0, Some(0)),
    def("sqrt", 0, Some(0)),
    def("floor", 0, Some(0)),
    def("ceil", 0, Some(0)),
    def("abs", 0, Some(0)),
    def("sign", 0, Some(0)),
    def("exp", 0, Some(0)),
    def("add", 1, Some(1)),
    def("sub", 1, Some(1)),
    def("mul", 1, Some(1)),
    def("div", 1, Some(1)),
    def("idiv", 1, Some(1)),
    def("mod", 1, Some(1)),
    def("pow", 1, Some(1)),
    def("rpow", 1, Some(1)),
    def("root", 1, Some(1)),
    def("pct", 1, Some(1)),
    def("round", 0, Some(1)),
    def("clamp", 2, Some(2)),
    def("log", 0, Some(1)),
    def("even", 0, Some(0)),
    def("odd", 0, Some(0)),
    def("gt", 1, Some(1)),
    def("lt", 1, Some(1)),
    def("gte", 1, Some(1)),
    def("lte", 1, Some(1)),
    def("between", 2, Some(2)),
    def("contains", 1, Some(1)),
    def("in", 1, Some(1)),
    def("type_is", 1, Some(1)),
    def("is_empty", 0, Some(0)),
    def("non_empty", 0, Some(0)),
    def("string", 0, Some(0)),
    def("int", 0, Some(0)),
    def("float", 0, Some(0)),
    def("decimal", 0, Some(0)),
    def("bool", 0, Some(0)),
    def("quote", 0, Some(0)),
    def("lower", 0, Some(0)),
    def("upper", 0, Some(0)),
    def("title", 0, Some(0)),
    def("strip", 0, Some(1)),
    def("replace", 2, Some(2)),
    def("regex_replace", 2, Some(2)),
    def("split", 0, Some(1)),
    def("startswith", 1, Some(1)),
    def("endswith", 1, Some(1)),
    def("matches", 1, Some(1)),
    def("join", 1, Some(1)),
    def("len", 0, Some(0)),
    def("keys", 0, Some(0)),
    def("values", 0, Some(0)),
    def("items", 0, Some(0)),
    def("max", 0, Some(0)),
    def("min", 0, Some(0)),
    def("first", 0, Some(0)),
    def("last", 0, Some(0)),
    def("unique", 0, Some(0)),
    def("reverse", 0, Some(0)),
    def("chunk", 1, Some(1)),
    def("flatten", 0, Some(0)),
    def("flatten_deep", 0, Some(0)),
    def("sorted", 0, Some(1)),
    def("sort_by", 1, Some(2)),
    def("unique_by", 1, Some(1)),
    def("index_by", 1, Some(1)),
    def("group_by", 1, Some(1)),
    def("pick", 0, None),
    def("unpick", 0, None),
    def("sum", 0, Some(0)),
    def("avg", 0, Some(0)),
    def("median", 0, Some(0)),
    def("q1", 0, Some(0)),
    def("q3", 0, Some(0)),
    def("iqr", 0, Some(0)),
    def("pctile", 1, Some(1)),
    def("mode", 0, Some(0)),
    def("stdev", 0, Some(0)),
    def("const", 1, Some(1)),
    def("default", 1, Some(1)),
    def("coalesce", 1, None),
    def("compact", 0, Some(0)),
    def("to_datetime", 0, Some(1)),
    def("strftime", 1, Some(1)),
    def("timestamp", 0, Some(0)),
    def("age_seconds", 0, Some(0)),
    def("before", 1, Some(1)),
    def("after", 1, Some(1)),
    def("from_json", 0, Some(0)),
    def("to_json", 0, Some(0)),
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
/// `ZeroDivisionError`, `AttributeError`, `OverflowError`, `error` for `re.error`, ...) and
/// its message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilterError {
    /// The Python exception class name.
    pub kind: &'static str,
    /// The exception's message, as `str(exc)` gives it.
    pub message: String,
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
    let null = Value::Null;
    let first = args.first().unwrap_or(&null);
    let second = args.get(1).unwrap_or(&null);
    let one = Value::from(1);
    let two = Value::from(2);
    match name {
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
        other => Err(py::err(
            "DictWalkError",
            format!("built-in filter '{other}' has no implementation"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_has_an_implementation() {
        let no_resolve = |_: &Value, _: &str| None;
        for def in builtins() {
            let args = vec![Value::Null; def.min_args];
            let outcome = apply_json(def.name, &Value::Null, &args, &no_resolve);
            assert!(
                !matches!(&outcome, Err(error) if error.kind == "DictWalkError"),
                "{} is not implemented",
                def.name
            );
        }
    }

    #[test]
    fn arity_table() {
        assert_eq!(builtins().len(), 94);
        assert_eq!(
            builtin("round").map(|d| (d.min_args, d.max_args)),
            Some((0, Some(1)))
        );
        assert_eq!(builtin("coalesce").map(|d| d.max_args), Some(None));
        assert!(builtin("nope").is_none());
    }
}
