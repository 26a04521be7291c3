//! The tags of the corpus codec: one-key objects standing for values JSON cannot hold.
//!
//! `python/tests/corpus.py` decodes them into Python values; Rust only needs to know that a
//! value holding one is not plain JSON, so the core backend cannot run its case. Nor can it
//! run a case that calls one of the corpus's custom filters (`$corpus_clear`), which only the
//! Python workers register.

use serde_json::Value;

/// Every tag of the codec, in `python/tests/corpus.py`'s `_TAGS` order and spelling.
pub const TAGS: [&str; 20] = [
    "$tuple",
    "$set",
    "$frozenset",
    "$bytes",
    "$int",
    "$float",
    "$datetime",
    "$decimal",
    "$dict",
    "$nest",
    "$range",
    "$cycle",
    "$raising",
    "$repr",
    "$counter",
    "$ordereddict",
    "$defaultdict",
    "$dict_subclass",
    "$list_subclass",
    "$str",
];

/// The names of the `default_factory` a `$defaultdict` may have (corpus.py's `FACTORY_NAMES`),
/// besides none.
pub const FACTORY_NAMES: [&str; 5] = ["list", "dict", "int", "str", "set"];

/// The methods a `$dict_subclass` may override (corpus.py's `DICT_OVERRIDES`).
pub const DICT_OVERRIDES: [&str; 13] = [
    "getitem", "missing", "iter", "contains", "get", "keys", "values", "items", "len", "setitem",
    "delitem", "pop", "clear",
];

/// The methods a `$list_subclass` may override (corpus.py's `LIST_OVERRIDES`).
pub const LIST_OVERRIDES: [&str; 9] = [
    "getitem", "iter", "contains", "len", "setitem", "delitem", "append", "pop", "clear",
];

/// The tags of dict and list subclasses, whose items a path reads through their storage.
pub const CONTAINER_TAGS: [&str; 5] = [
    "$counter",
    "$ordereddict",
    "$defaultdict",
    "$dict_subclass",
    "$list_subclass",
];

/// How a call of one of the corpus's custom filters (`CUSTOM_FILTERS` in corpus.py) starts.
pub const CUSTOM_FILTER_CALL: &str = "$corpus_";

/// Whether a path or a value calls one of the corpus's custom filters.
pub fn calls_custom_filter(value: &Value) -> bool {
    match value {
        Value::String(text) => text.contains(CUSTOM_FILTER_CALL),
        Value::Array(items) => items.iter().any(calls_custom_filter),
        Value::Object(map) => map.values().any(calls_custom_filter),
        _ => false,
    }
}

/// The first tag found anywhere in a value.
pub fn tag_in(value: &Value) -> Option<&'static str> {
    match value {
        Value::Array(items) => items.iter().find_map(tag_in),
        Value::Object(map) => {
            if map.len() == 1 {
                if let Some(tag) = map
                    .keys()
                    .next()
                    .and_then(|key| TAGS.iter().find(|tag| **tag == key))
                {
                    return Some(tag);
                }
            }
            map.values().find_map(tag_in)
        }
        _ => None,
    }
}
