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

/// `{"a": [item]}` where the item is `{"a": [item'], "k": k}`, `levels` items deep: what
/// `levels` nested predicates `a[?.a[?.a...]]` walk all the way down.
fn nested_items(levels: usize) -> Value {
    // Built by hand: `json!` would serialize the item it wraps, recursively.
    let wrap = |a: Value, k: usize| {
        let mut map = serde_json::Map::new();
        map.insert("a".to_owned(), a);
        map.insert("k".to_owned(), Value::from(k));
        Value::Object(map)
    };
    let mut item = wrap(json!(1), 0);
    for k in 1..levels {
        item = wrap(Value::Array(vec![item]), k);
    }
    let mut doc = serde_json::Map::new();
    doc.insert("a".to_owned(), Value::Array(vec![item]));
    Value::Object(doc)
}

/// Every kind of path nesting at the limit, parsed, compiled and evaluated over data as deep,
/// on a thread whose stack is far smaller than the recursion needs (as a Python thread's may
/// be): each level continues on a new stack segment when the old one runs low.
fn nesting_at_the_limit() {
    let levels = MAX_NESTING;
    let predicates = format!("a{}==1{}.k", "[?.a".repeat(levels), "]".repeat(levels));
    let doc = nested_items(levels);
    let found = json::get(&doc, &predicates, GetOptions::default());
    assert_eq!(found.ok(), Some(json!([levels - 1])));
    assert_eq!(json::exists(&doc, &predicates, true).ok(), Some(true));
    let mut written = nested_items(levels);
    assert!(json::set(&mut written, &predicates, json!(-1), SetOptions::default()).is_ok());
    assert_eq!(
        json::get(&written, "a.k", GetOptions::default()).ok(),
        Some(json!([-1]))
    );
    assert!(json::unset(&mut written, &predicates, true).is_ok());
    assert_eq!(
        json::get(&written, "a.k", GetOptions::default()).ok(),
        Some(json!([]))
    );
    dispose(written);
    dispose(doc);
    let items = json!({"a": [{"a": 1}, {"a": 2}]});
    // `!(` twice per level: the predicate's bracket is one level, so levels - 1 parentheses.
    let parens = |n: usize| format!("a[?.a=={}$odd{}]", "!(".repeat(n), ")".repeat(n));
    let odd_last = json::get(&items, &parens(levels - 1), GetOptions::default());
    assert_eq!(odd_last.ok(), Some(json!([{"a": 2}])));
    assert!(is_nesting_error(&json::get(
        &items,
        &parens(levels),
        GetOptions::default()
    )));
    let bangs = format!("a[?.a=={}$odd]", "!".repeat(levels));
    assert_eq!(
        json::get(&items, &bangs, GetOptions::default()).ok(),
        Some(json!([{"a": 1}]))
    );
    let past = format!(
        "a{}==1{}.k",
        "[?.a".repeat(levels + 1),
        "]".repeat(levels + 1)
    );
    assert!(is_nesting_error(&json::get(
        &nested_items(3),
        &past,
        GetOptions::default()
    )));
}

#[test]
fn nesting_at_the_limit_on_a_small_thread_stack() {
    let small = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(nesting_at_the_limit);
    assert!(small.is_ok_and(|thread| thread.join().is_ok()));
}

#[test]
fn nesting_at_the_limit_on_the_test_thread() {
    nesting_at_the_limit();
}
