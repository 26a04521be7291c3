//! Deep documents and deep paths: 100,000 levels give a result or the depth-limit error, never a stack overflow.

use dictwalk_core::error::TOO_DEEP;
use dictwalk_core::json::{self, GetOptions, SetOptions};
use dictwalk_core::syntax::MAX_NESTING;
use dictwalk_core::{ErrorKind, MAX_DEPTH};
use serde_json::{json, Value};

const LEVELS: usize = 100_000;

/// `{"a": {"a": ... {"a": 1}}}`, `levels` dicts deep.
fn nested(levels: usize) -> Value {
    let mut value = json!(1);
    for _ in 0..levels {
        let mut map = serde_json::Map::new();
        map.insert("a".to_owned(), value);
        value = Value::Object(map);
    }
    value
}

/// Drops a value of any depth without recursion (serde_json's own drop recurses).
fn dispose(value: Value) {
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        match value {
            Value::Array(items) => stack.extend(items),
            Value::Object(map) => stack.extend(map.into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}

fn is_too_deep(result: &Result<Value, json::Error>) -> bool {
    matches!(result, Err(json::Error::Path(error)) if error.kind == ErrorKind::Resolution && error.message == TOO_DEEP)
}

#[test]
fn deep_documents_read_without_recursion() {
    let doc = nested(LEVELS);
    let long_path = vec!["a"; LEVELS].join(".");
    assert_eq!(
        json::get(&doc, &long_path, GetOptions::default()).ok(),
        Some(json!(1))
    );
    assert_eq!(json::exists(&doc, "**", false).ok(), Some(true));
    assert_eq!(json::exists(&doc, "a", true).ok(), Some(true));
    // Handing out the value would copy it: past MAX_DEPTH that is the depth-limit error.
    let copied = json::get(&doc, "a", GetOptions::default());
    assert!(is_too_deep(&copied), "{copied:?}");
    assert!(matches!(&copied, Err(json::Error::Path(error)) if error.path == "a"));
    assert!(is_too_deep(&json::get(
        &doc,
        "**|$len",
        GetOptions::default()
    )));
    // Built-in filters refuse values past the limit, a soft failure as Python's RecursionError.
    assert_eq!(
        json::get(&doc, "a|$len", GetOptions::default()).ok(),
        Some(Value::Null)
    );
    let shallow_enough = vec!["a"; LEVELS - MAX_DEPTH].join(".");
    assert!(json::get(&doc, &shallow_enough, GetOptions::default()).is_ok());
    dispose(doc);
}

#[test]
fn deep_documents_write_without_recursion() {
    let mut doc = nested(LEVELS);
    let long_path = format!("{}.b", vec!["a"; LEVELS].join("."));
    assert!(json::set(&mut doc, &long_path, json!(2), SetOptions::default()).is_ok());
    assert_eq!(
        json::get(&doc, &long_path, GetOptions::default()).ok(),
        Some(json!(2))
    );
    assert!(json::unset(&mut doc, &long_path, true).is_ok());
    assert_eq!(json::exists(&doc, &long_path, false).ok(), Some(false));
    // `**.a` reaches every level and replaces the deepest `a` first, the top one last.
    assert!(json::set(&mut doc, "**.a", json!(5), SetOptions::default()).is_ok());
    assert_eq!(
        json::get(&doc, "a", GetOptions::default()).ok(),
        Some(json!({"a": 5}))
    );
    dispose(doc);

    let mut doc = nested(LEVELS);
    assert!(json::unset(&mut doc, "**.a", false).is_ok());
    assert_eq!(doc, json!({"a": {}}));
    // A deep value given to set is let go without recursion when the write fails.
    let mut small = json!({"a": 1});
    assert!(json::set(
        &mut small,
        "a.b.c",
        nested(LEVELS),
        SetOptions {
            strict: true,
            ..SetOptions::default()
        }
    )
    .is_err());
    assert_eq!(small, json!({"a": 1}));
}

fn is_nesting_error(result: &Result<Value, json::Error>) -> bool {
    matches!(result, Err(json::Error::Path(error)) if error.kind == ErrorKind::Parse
        && error.message.contains("nests brackets deeper than"))
}

#[test]
fn deep_paths_are_refused_or_read() {
    let doc = json!({"a": [{"a": [{"a": 1}]}]});
    let nested_predicates =
        |levels: usize| format!("a{}{}", "[?.a".repeat(levels), "]".repeat(levels));
    let deepest = json::get(&doc, &nested_predicates(MAX_NESTING), GetOptions::default());
    assert!(deepest.is_ok(), "{deepest:?}");
    // Past the limit, one scan of the text refuses the path: a parse error about the path.
    let too_deep = json::get(
        &doc,
        &nested_predicates(MAX_NESTING + 1),
        GetOptions::default(),
    );
    assert!(is_nesting_error(&too_deep), "{too_deep:?}");
    let longest = json::get(&doc, &nested_predicates(LEVELS), GetOptions::default());
    assert!(is_nesting_error(&longest), "{longest:?}");
    let literal = format!("a|$const({}1{})", "[".repeat(LEVELS), "]".repeat(LEVELS));
    assert!(is_nesting_error(&json::get(
        &doc,
        &literal,
        GetOptions::default()
    )));
    let negations = format!("a[?.a=={}$odd]", "!".repeat(LEVELS + 1));
    assert!(json::get(&doc, &negations, GetOptions::default()).is_ok());
    let references = format!(
        "a|$add({}$$root.b{})",
        "$$root|$add(".repeat(LEVELS / 10),
        ")".repeat(LEVELS / 10)
    );
    assert!(json::get(&doc, &references, GetOptions::default()).is_err());
}
