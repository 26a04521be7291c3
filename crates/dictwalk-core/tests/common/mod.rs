//! What the Rust corpus tests share: the tags of the corpus codec (python/tests/corpus.py).

use serde_json::Value;

/// The one-key objects that stand for Python values JSON cannot hold.
pub const TAGS: [&str; 9] = [
    "$tuple",
    "$set",
    "$frozenset",
    "$bytes",
    "$int",
    "$float",
    "$datetime",
    "$decimal",
    "$dict",
];

/// The first tag of the corpus codec found in a value.
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
