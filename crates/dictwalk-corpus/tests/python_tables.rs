//! The tables this crate shares with python/tests/corpus.py are the same, in order and
//! spelling: the codec's tags (`codec::TAGS`, Python's `TAGS`, once `_TAGS`), the exception
//! classes, the operations and the backends. The Python file is read as text.

use std::fs;
use std::path::Path;

use dictwalk_corpus::case::ERROR_CLASSES;
use dictwalk_corpus::codec::TAGS;
use dictwalk_corpus::{Backend, Op};

fn corpus_py() -> Result<(String, String), String> {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../python/tests/corpus.py");
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
    let (file, source) = corpus_py()?;
    let python = python_tuple(&source, names).map_err(|error| format!("{file}: {error}"))?;
    assert_eq!(
        rust,
        python.as_slice(),
        "the Rust table differs from `{}` in {file}",
        names[0]
    );
    Ok(())
}

#[test]
fn tags_match_the_python_codec() -> Result<(), String> {
    check(&["TAGS", "_TAGS"], &TAGS)
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
