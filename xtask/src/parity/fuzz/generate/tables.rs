//! The filter tables pipelines are drawn from: which filters, with which kinds of argument, for
//! which type of value.

use serde_json::Value;

/// The Python type of a JSON value, as the filters see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Ty {
    Null,
    Bool,
    Num,
    Str,
    List,
    Dict,
}

pub(super) fn ty(value: &Value) -> Ty {
    match value {
        Value::Null => Ty::Null,
        Value::Bool(_) => Ty::Bool,
        Value::Number(_) => Ty::Num,
        Value::String(_) => Ty::Str,
        Value::Array(_) => Ty::List,
        Value::Object(_) => Ty::Dict,
    }
}

/// An argument of a filter call.
#[derive(Clone, Copy, Debug)]
pub(super) enum A {
    /// A small int, negatives and zero included.
    Int,
    /// 1 to 4.
    Pos,
    /// A percentage, now and then out of range.
    Pct,
    /// A short quoted string.
    Str,
    /// A quoted key.
    Key,
    /// A regular expression.
    Pat,
    /// A type name for `$type_is`.
    TypeName,
    /// Any literal.
    Any,
    /// A list literal.
    List,
    /// `True` or `False`.
    Flag,
    /// A literal only Python has: a tuple, a set, a big int, bytes, a complex number,
    /// Ellipsis, a float beyond the largest (inf) (Python cases only).
    PyLit,
    /// A dict key that is not a str, or one that is.
    PyKey,
    /// A bytes literal, or a str.
    Bytes,
    /// A `strftime` format.
    Fmt,
    /// Something `$to_datetime` reads: an ISO date, a timestamp, or text it does not.
    Date,
}

pub(super) type FilterRow = (&'static str, &'static [A]);

pub(super) const ON_NUM: &[FilterRow] = &[
    ("inc", &[]),
    ("dec", &[]),
    ("double", &[]),
    ("square", &[]),
    ("neg", &[]),
    ("sqrt", &[]),
    ("floor", &[]),
    ("ceil", &[]),
    ("abs", &[]),
    ("sign", &[]),
    ("exp", &[]),
    ("add", &[A::Int]),
    ("sub", &[A::Int]),
    ("mul", &[A::Int]),
    ("div", &[A::Int]),
    ("idiv", &[A::Int]),
    ("mod", &[A::Int]),
    ("pow", &[A::Pos]),
    ("rpow", &[A::Pos]),
    ("root", &[A::Int]),
    ("pct", &[A::Pct]),
    ("round", &[]),
    ("round", &[A::Pos]),
    ("clamp", &[A::Int, A::Int]),
    ("log", &[]),
    ("log", &[A::Int]),
    ("even", &[]),
    ("odd", &[]),
    ("gt", &[A::Int]),
    ("lt", &[A::Int]),
    ("gte", &[A::Int]),
    ("lte", &[A::Int]),
    ("between", &[A::Int, A::Int]),
    ("in", &[A::List]),
    ("string", &[]),
    ("int", &[]),
    ("float", &[]),
    ("bool", &[]),
    ("type_is", &[A::TypeName]),
];

pub(super) const ON_STR: &[FilterRow] = &[
    ("lower", &[]),
    ("upper", &[]),
    ("title", &[]),
    ("strip", &[]),
    ("strip", &[A::Str]),
    ("replace", &[A::Str, A::Str]),
    ("regex_replace", &[A::Pat, A::Str]),
    ("split", &[]),
    ("split", &[A::Str]),
    ("startswith", &[A::Str]),
    ("endswith", &[A::Str]),
    ("matches", &[A::Pat]),
    ("contains", &[A::Str]),
    ("len", &[]),
    ("int", &[]),
    ("float", &[]),
    ("bool", &[]),
    ("quote", &[]),
    ("from_json", &[]),
    ("to_json", &[]),
    ("join", &[A::Str]),
    ("is_empty", &[]),
    ("gt", &[A::Int]),
    ("in", &[A::List]),
];

pub(super) const ON_LIST: &[FilterRow] = &[
    ("len", &[]),
    ("sum", &[]),
    ("avg", &[]),
    ("median", &[]),
    ("q1", &[]),
    ("q3", &[]),
    ("iqr", &[]),
    ("mode", &[]),
    ("stdev", &[]),
    ("pctile", &[A::Pct]),
    ("max", &[]),
    ("min", &[]),
    ("first", &[]),
    ("last", &[]),
    ("unique", &[]),
    ("reverse", &[]),
    ("chunk", &[A::Int]),
    ("flatten", &[]),
    ("flatten_deep", &[]),
    ("sorted", &[]),
    ("sorted", &[A::Flag]),
    ("sort_by", &[A::Key]),
    ("sort_by", &[A::Key, A::Flag]),
    ("unique_by", &[A::Key]),
    ("index_by", &[A::Key]),
    ("group_by", &[A::Key]),
    ("compact", &[]),
    ("join", &[A::Str]),
    ("contains", &[A::Any]),
    ("is_empty", &[]),
    ("non_empty", &[]),
    ("to_json", &[]),
    ("coalesce", &[A::Any]),
];

/// Element-wise steps (`$f[]`) for lists.
pub(super) const MAPPED: &[FilterRow] = &[
    ("double", &[]),
    ("inc", &[]),
    ("string", &[]),
    ("upper", &[]),
    ("len", &[]),
    ("bool", &[]),
    ("add", &[A::Int]),
    ("gt", &[A::Int]),
    ("keys", &[]),
    ("default", &[A::Any]),
];

pub(super) const ON_DICT: &[FilterRow] = &[
    ("keys", &[]),
    ("values", &[]),
    ("items", &[]),
    ("pick", &[A::Key]),
    ("pick", &[A::Key, A::Key]),
    ("unpick", &[A::Key]),
    ("len", &[]),
    ("to_json", &[]),
    ("is_empty", &[]),
    ("contains", &[A::Key]),
    ("string", &[]),
];

pub(super) const ON_ANY: &[FilterRow] = &[
    ("default", &[A::Any]),
    ("coalesce", &[A::Any, A::Any]),
    ("const", &[A::Any]),
    ("is_empty", &[]),
    ("non_empty", &[]),
    ("string", &[]),
    ("bool", &[]),
    ("type_is", &[A::TypeName]),
    ("to_json", &[]),
    ("quote", &[]),
];

/// The filters that can make an int too big for 64 bits (or for Python to finish) in one step.
pub(super) const GROWTH: [&str; 4] = ["pow", "rpow", "exp", "square"];

/// Predicate pipelines: `[?.x==$even]`.
pub(super) const TESTS: &[FilterRow] = &[
    ("even", &[]),
    ("odd", &[]),
    ("gt", &[A::Int]),
    ("lt", &[A::Int]),
    ("gte", &[A::Int]),
    ("lte", &[A::Int]),
    ("between", &[A::Int, A::Int]),
    ("is_empty", &[]),
    ("non_empty", &[]),
    ("contains", &[A::Str]),
    ("startswith", &[A::Str]),
    ("type_is", &[A::TypeName]),
    ("bool", &[]),
    ("in", &[A::List]),
];

/// Filters on tuples besides the list ones: concatenation and repetition (which keep a
/// tuple), and those that treat a tuple as no sequence (`$unique` passes it through).
pub(super) const ON_TUPLE: &[FilterRow] = &[
    ("add", &[A::PyLit]),
    ("mul", &[A::Pos]),
    ("double", &[]),
    ("unique", &[]),
    ("type_is", &[A::TypeName]),
    ("string", &[]),
    ("to_json", &[]),
    ("keys", &[]),
    ("items", &[]),
    ("in", &[A::PyLit]),
    ("contains", &[A::PyLit]),
];

/// Filters on sets and frozensets, which are sized and iterable but no sequence.
pub(super) const ON_SET: &[FilterRow] = &[
    ("len", &[]),
    ("sorted", &[]),
    ("sorted", &[A::Flag]),
    ("max", &[]),
    ("min", &[]),
    ("sum", &[]),
    ("avg", &[]),
    ("unique", &[]),
    ("first", &[]),
    ("reverse", &[]),
    ("flatten", &[]),
    ("compact", &[]),
    ("sort_by", &[A::Key]),
    ("join", &[A::Str]),
    ("string", &[]),
    ("quote", &[]),
    ("to_json", &[]),
    ("contains", &[A::Int]),
    ("contains", &[A::PyLit]),
    ("in", &[A::PyLit]),
    ("is_empty", &[]),
    ("non_empty", &[]),
    ("bool", &[]),
    ("type_is", &[A::TypeName]),
    ("add", &[A::PyLit]),
    ("sub", &[A::PyLit]),
    ("mul", &[A::Pos]),
    ("keys", &[]),
];

/// Filters on big ints, NaN, the infinities and Decimals besides the numeric ones.
pub(super) const ON_PY_NUMBER: &[FilterRow] = &[
    ("add", &[A::PyLit]),
    ("sub", &[A::PyLit]),
    ("mul", &[A::PyLit]),
    ("string", &[]),
    ("to_json", &[]),
    ("decimal", &[]),
    ("quote", &[]),
    ("sum", &[]),
    ("max", &[]),
    ("len", &[]),
    ("to_datetime", &[]),
];

pub(super) const ON_BYTES: &[FilterRow] = &[
    ("len", &[]),
    ("string", &[]),
    ("upper", &[]),
    ("title", &[]),
    ("strip", &[]),
    ("split", &[]),
    ("replace", &[A::Str, A::Str]),
    ("startswith", &[A::Str]),
    ("contains", &[A::Bytes]),
    ("in", &[A::PyLit]),
    ("add", &[A::Bytes]),
    ("mul", &[A::Pos]),
    ("first", &[]),
    ("sorted", &[]),
    ("max", &[]),
    ("join", &[A::Str]),
    ("int", &[]),
    ("float", &[]),
    ("decimal", &[]),
    ("bool", &[]),
    ("is_empty", &[]),
    ("quote", &[]),
    ("from_json", &[]),
    ("to_json", &[]),
    ("type_is", &[A::TypeName]),
];

pub(super) const ON_DATETIME: &[FilterRow] = &[
    ("strftime", &[A::Fmt]),
    ("timestamp", &[]),
    ("to_datetime", &[]),
    ("before", &[A::Date]),
    ("after", &[A::Date]),
    ("gt", &[A::Date]),
    ("string", &[]),
    ("quote", &[]),
    ("to_json", &[]),
    ("type_is", &[A::TypeName]),
    ("add", &[A::Int]),
    ("int", &[]),
    ("bool", &[]),
    ("len", &[]),
    ("sum", &[]),
];

/// Filters on dicts with keys that are not all strs.
pub(super) const ON_PY_DICT: &[FilterRow] = &[
    ("keys", &[]),
    ("values", &[]),
    ("items", &[]),
    ("pick", &[A::PyKey]),
    ("pick", &[A::PyKey, A::Key]),
    ("unpick", &[A::PyKey]),
    ("contains", &[A::PyKey]),
    ("len", &[]),
    ("to_json", &[]),
    ("string", &[]),
    ("sorted", &[]),
    ("max", &[]),
    ("sum", &[]),
    ("first", &[]),
    ("bool", &[]),
];

#[cfg(test)]
mod tests {
    use dictwalk_core::filters::{builtin, builtins};

    use super::*;

    /// Every table above, by name: the tables the generator draws filter steps from.
    const TABLES: &[(&str, &[FilterRow])] = &[
        ("ON_NUM", ON_NUM),
        ("ON_STR", ON_STR),
        ("ON_LIST", ON_LIST),
        ("MAPPED", MAPPED),
        ("ON_DICT", ON_DICT),
        ("ON_ANY", ON_ANY),
        ("TESTS", TESTS),
        ("ON_TUPLE", ON_TUPLE),
        ("ON_SET", ON_SET),
        ("ON_PY_NUMBER", ON_PY_NUMBER),
        ("ON_BYTES", ON_BYTES),
        ("ON_DATETIME", ON_DATETIME),
        ("ON_PY_DICT", ON_PY_DICT),
    ];

    /// The built-in filters no table draws, each with the reason it is not fuzzed.
    const NOT_FUZZED: &[(&str, &str)] = &[(
        "age_seconds",
        "its answer is the seconds from a date (a number is a timestamp) to now, which two \
         backends asked a moment apart give differently",
    )];

    fn drawn(name: &str) -> bool {
        TABLES
            .iter()
            .any(|(_, rows)| rows.iter().any(|(row, _)| *row == name))
    }

    #[test]
    fn every_builtin_filter_is_fuzzed() {
        let missing: Vec<&str> = builtins()
            .iter()
            .map(|def| def.name)
            .filter(|name| !drawn(name) && !NOT_FUZZED.iter().any(|(skip, _)| skip == name))
            .collect();
        assert_eq!(
            missing,
            Vec::<&str>::new(),
            "built-in filters no fuzz table draws: add a row for each to a table in \
             xtask/src/parity/fuzz/generate/tables.rs (or, with the reason, to NOT_FUZZED)"
        );
    }

    #[test]
    fn the_filters_left_out_are_built_ins_no_table_draws() {
        for (name, _) in NOT_FUZZED {
            assert!(
                builtin(name).is_some(),
                "NOT_FUZZED names ${name}, no built-in filter"
            );
            assert!(
                !drawn(name),
                "NOT_FUZZED names ${name}, which a table draws"
            );
        }
    }

    #[test]
    fn every_row_calls_a_builtin_with_an_arity_it_takes() {
        let wrong: Vec<String> = TABLES
            .iter()
            .flat_map(|(table, rows)| rows.iter().map(move |row| (table, row)))
            .filter(|(_, (name, kinds))| !builtin(name).is_some_and(|def| def.accepts(kinds.len())))
            .map(|(table, (name, kinds))| {
                format!("{table}: ${name} with {} argument(s)", kinds.len())
            })
            .collect();
        assert_eq!(wrong, Vec::<String>::new(), "rows the parser would reject");
        for name in GROWTH {
            assert!(
                builtin(name).is_some(),
                "GROWTH names ${name}, no built-in filter"
            );
        }
    }
}
