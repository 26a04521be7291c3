//! The tables Rust shares with Python are the same, in order and spelling: those this crate
//! shares with python/tests/corpus.py (the codec's tags, `codec::TAGS`, Python's `TAGS`, once
//! `_TAGS`; the exception classes, the operations and the backends), and the core's table of
//! built-in filters (`dictwalk_core::filters::builtins`) with the reference's registry in
//! python/dictwalk/backends/python/filters.py, arities included. The Python files are read as
//! text, so that these tests need no Python.

use std::fs;
use std::path::Path;

use dictwalk_core::filters::builtins;
use dictwalk_corpus::case::ERROR_CLASSES;
use dictwalk_corpus::codec::{DICT_OVERRIDES, FACTORY_NAMES, LIST_OVERRIDES, TAGS};
use dictwalk_corpus::{Backend, Op};

/// The name and text of a file of the project, given relative to its root.
fn project_file(relative: &str) -> Result<(String, String), String> {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative);
    let name = file.display().to_string();
    let source = fs::read_to_string(&file).map_err(|error| format!("read {name}: {error}"))?;
    Ok((name, source))
}

/// The strings of the tuple assigned to one of `names` at the start of a line of `source`.
/// Comments are dropped; every item must be a plain quoted string.
fn python_tuple(source: &str, names: &[&str]) -> Result<Vec<String>, String> {
    let wanted = names.join("` or `");
    let mut lines = source.lines().skip_while(|line| {
        !names.iter().any(|name| {
            line.strip_prefix(name)
                .is_some_and(|rest| rest.trim_start().starts_with(['=', ':']))
        })
    });
    let first = lines
        .next()
        .ok_or_else(|| format!("no line assigning `{wanted}`"))?;
    let open = first
        .find('(')
        .ok_or_else(|| format!("`{wanted}` is not assigned a tuple: no `(` on its line"))?;
    let mut body = String::new();
    let mut rest = Some(&first[open + 1..]);
    while let Some(line) = rest {
        let code = line.split('#').next().unwrap_or_default();
        if let Some(close) = code.find(')') {
            body.push_str(&code[..close]);
            let mut items = Vec::new();
            for item in body
                .split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
            {
                let unquoted = item
                    .strip_prefix('"')
                    .and_then(|s| s.strip_suffix('"'))
                    .or_else(|| item.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))
                    .ok_or_else(|| format!("`{wanted}` holds {item}, not a plain string"))?;
                items.push(unquoted.to_owned());
            }
            return Ok(items);
        }
        body.push_str(code);
        body.push('\n');
        rest = lines.next();
    }
    Err(format!("`{wanted}` is not a tuple: no `)`"))
}

fn check(names: &[&str], rust: &[&str]) -> Result<(), String> {
    let (file, source) = project_file("python/tests/corpus.py")?;
    let python = python_tuple(&source, names).map_err(|error| format!("{file}: {error}"))?;
    assert_eq!(
        rust,
        python.as_slice(),
        "the Rust table differs from `{}` in {file}",
        names[0]
    );
    Ok(())
}

/// A built-in filter as both sides declare it: name, fewest and most arguments (None: no most).
type Declared = (String, usize, Option<usize>);

/// The built-in filters filters.py declares, in order: one per `@_builtin("name")`,
/// `@_builtin("name", n)` or `@_builtin("name", (low, high))` line, `high` an int or None, as
/// `_builtin` reads its `arity`. Every other line that mentions `_builtin(` (but the `def`) is
/// an error, so that a declaration this reader cannot see fails the test, not slips by it.
fn python_builtins(source: &str) -> Result<Vec<Declared>, String> {
    let mut declared = Vec::new();
    for (number, line) in source.lines().enumerate() {
        let line = line.trim();
        if !line.contains("_builtin(") || line.starts_with("def _builtin(") {
            continue;
        }
        let unreadable = || format!("line {}: cannot read `{line}`", number + 1);
        let call = line
            .strip_prefix("@_builtin(")
            .and_then(|rest| rest.strip_suffix(')'))
            .ok_or_else(unreadable)?;
        let (name, arity) = call
            .strip_prefix('"')
            .and_then(|rest| rest.split_once('"'))
            .ok_or_else(unreadable)?;
        let arity = arity.trim();
        let (low, high) = if arity.is_empty() {
            (0, Some(0))
        } else {
            let arity = arity.strip_prefix(',').ok_or_else(unreadable)?.trim();
            match arity.strip_prefix('(').and_then(|a| a.strip_suffix(')')) {
                Some(pair) => {
                    let (low, high) = pair.split_once(',').ok_or_else(unreadable)?;
                    let low = low.trim().parse().map_err(|_| unreadable())?;
                    let high = match high.trim() {
                        "None" => None,
                        high => Some(high.parse().map_err(|_| unreadable())?),
                    };
                    (low, high)
                }
                None => {
                    let count = arity.parse().map_err(|_| unreadable())?;
                    (count, Some(count))
                }
            }
        };
        declared.push((name.to_owned(), low, high));
    }
    Ok(declared)
}

#[test]
fn builtin_filters_match_the_reference() -> Result<(), String> {
    let (file, source) = project_file("python/dictwalk/backends/python/filters.py")?;
    let python = python_builtins(&source).map_err(|error| format!("{file}: {error}"))?;
    let rust: Vec<Declared> = builtins()
        .iter()
        .map(|def| (def.name.to_owned(), def.min_args, def.max_args))
        .collect();
    // Names first: one missing filter in a diff of two lists of 94 shifts every line after it.
    let absent = |from: &[Declared], of: &[Declared]| -> Vec<String> {
        of.iter()
            .filter(|(name, ..)| !from.iter().any(|(other, ..)| other == name))
            .map(|(name, ..)| name.clone())
            .collect()
    };
    assert_eq!(
        absent(&python, &rust),
        Vec::<String>::new(),
        "built-in filters of the core's table (dictwalk-core/src/filters/mod.rs) missing from {file}"
    );
    assert_eq!(
        absent(&rust, &python),
        Vec::<String>::new(),
        "built-in filters of {file} missing from the core's table (dictwalk-core/src/filters/mod.rs)"
    );
    // The same names: what differs is an arity or the order, shown entry by entry.
    let differing: Vec<(&Declared, &Declared)> = rust
        .iter()
        .zip(&python)
        .filter(|(rust, python)| rust != python)
        .collect();
    assert_eq!(
        differing,
        Vec::new(),
        "the core's table of built-in filters (left) differs from {file} (right) in arity or order"
    );
    Ok(())
}

#[test]
fn the_decorator_reader_reads_what_it_should() {
    let source = concat!(
        "def _builtin(name: str, arity: int | tuple[int, int | None] = 0) -> Callable[[_F], _F]:\n",
        "    return declare\n",
        "@_builtin(\"inc\")\n",
        "def filter_inc(value):\n",
        "    @_builtin(\"add\", 1)\n",
        "@_builtin(\"round\", (0, 1))\n",
        "@_builtin(\"pick\", (0, None))\n",
    );
    let declared = |name: &str, low, high| (name.to_owned(), low, high);
    assert_eq!(
        python_builtins(source),
        Ok(vec![
            declared("inc", 0, Some(0)),
            declared("add", 1, Some(1)),
            declared("round", 0, Some(1)),
            declared("pick", 0, None),
        ])
    );
    for unreadable in [
        "@_builtin(NAME)\n",
        "@_builtin(\"inc\"\n",
        "@_builtin(\"inc\", ARITY)\n",
        "@_builtin(\"inc\", (1,))\n",
        "@_builtin(\"inc\", (1, many))\n",
        "@_builtin(\n    \"inc\",\n)\n",
        "_builtin(\"inc\")(filter_inc)\n",
    ] {
        assert!(python_builtins(unreadable).is_err(), "{unreadable}");
    }
}

#[test]
fn tags_match_the_python_codec() -> Result<(), String> {
    check(&["TAGS", "_TAGS"], &TAGS)
}

#[test]
fn container_tables_match_the_python_codec() -> Result<(), String> {
    check(&["FACTORY_NAMES"], &FACTORY_NAMES)?;
    check(&["DICT_OVERRIDES"], &DICT_OVERRIDES)?;
    check(&["LIST_OVERRIDES"], &LIST_OVERRIDES)
}

#[test]
fn error_classes_match() -> Result<(), String> {
    check(&["ERROR_CLASSES"], &ERROR_CLASSES)
}

#[test]
fn operations_match() -> Result<(), String> {
    let ops: Vec<&str> = Op::ALL.iter().map(|op| op.name()).collect();
    check(&["OPERATIONS"], &ops)
}

#[test]
fn backends_match() -> Result<(), String> {
    let backends: Vec<&str> = Backend::ALL.iter().map(|backend| backend.name()).collect();
    check(&["BACKENDS"], &backends)
}

#[test]
fn the_tuple_reader_reads_what_it_should() {
    let source = concat!(
        "x = 1\n",
        "ALL_TAGS = ('$z',)\n",
        "_TAGS = (\n",
        "    \"$a\",\n",
        "    # a comment, with (parentheses), and 'quotes'\n",
        "    '$b', \"$c\",  # trailing\n",
        ")\n",
        "\n",
        "def f(): pass\n",
    );
    let names = ["TAGS", "_TAGS"];
    assert_eq!(
        python_tuple(source, &names),
        Ok(vec!["$a".to_owned(), "$b".to_owned(), "$c".to_owned()])
    );
    assert_eq!(
        python_tuple("TAGS = ('$a',)\n", &names),
        Ok(vec!["$a".to_owned()])
    );
    assert!(python_tuple("ALL_TAGS = ('$a',)\n", &names).is_err());
    assert!(python_tuple("_TAGS = ['$a']\n", &names).is_err());
    assert!(python_tuple("_TAGS = ('$a', TAG_B)\n", &names).is_err());
    assert!(python_tuple("_TAGS = ('$a',\n", &names).is_err());
}
