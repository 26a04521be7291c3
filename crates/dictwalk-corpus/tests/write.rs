//! The writer keeps the files' own layout: `case_line` prints a case as Python's `json.dumps`
//! does (checked on every line of the corpus), and `set_expectations` and `append_cases`
//! change only the lines of their cases, write atomically, and leave a file that loads.

use std::fs;
use std::path::{Path, PathBuf};

use dictwalk_corpus::load::load_file;
use dictwalk_corpus::{append_cases, case_line, set_expectations, Expect, LoadOptions, Op};
use serde_json::{json, Value};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../parity/cases")
}

/// The case lines of a corpus file's text: (line index, indentation, JSON text, comma).
fn case_lines(text: &str) -> Vec<(usize, String, String, bool)> {
    let lines: Vec<&str> = text.lines().collect();
    let Some(open) = lines.iter().position(|line| line.trim() == "\"cases\": [") else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for (index, line) in lines.iter().enumerate().skip(open + 1) {
        if line.trim() == "]" {
            break;
        }
        let body = line.trim_start();
        let indent = line[..line.len() - body.len()].to_owned();
        let (body, comma) = match body.strip_suffix(',') {
            Some(body) => (body, true),
            None => (body, false),
        };
        found.push((index, indent, body.to_owned(), comma));
    }
    found
}

/// A copy of a corpus file in a fresh temporary directory.
fn copy_of(name: &str) -> Result<(tempfile::TempDir, PathBuf), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join(name);
    fs::copy(corpus_dir().join(name), &path)?;
    Ok((dir, path))
}

/// The indices of the lines that differ between two texts of the same number of lines.
fn changed_lines(before: &str, after: &str) -> Vec<usize> {
    let (a, b): (Vec<&str>, Vec<&str>) = (
        before.split_inclusive('\n').collect(),
        after.split_inclusive('\n').collect(),
    );
    assert_eq!(a.len(), b.len(), "the number of lines changed");
    (0..a.len()).filter(|&i| a[i] != b[i]).collect()
}

fn files_in(dir: &Path) -> Result<Vec<String>, std::io::Error> {
    let mut names = fs::read_dir(dir)?
        .map(|entry| entry.map(|entry| entry.file_name().to_string_lossy().into_owned()))
        .collect::<Result<Vec<_>, _>>()?;
    names.sort();
    Ok(names)
}

// ---------------------------------------------------------------------------------------------
// case_line
// ---------------------------------------------------------------------------------------------

#[test]
fn every_case_line_of_the_corpus_renders_as_written() -> TestResult {
    let mut files = 0;
    let mut lines = 0;
    for entry in fs::read_dir(corpus_dir())? {
        let path = entry?.path();
        if path.extension().is_none_or(|ext| ext != "json") {
            continue;
        }
        let text = fs::read_to_string(&path)?;
        let parsed: Value = serde_json::from_str(&text)?;
        let cases = parsed
            .get("cases")
            .and_then(Value::as_array)
            .ok_or("no cases")?;
        let found = case_lines(&text);
        assert_eq!(
            found.len(),
            cases.len(),
            "{}: not one case per line",
            path.display()
        );
        for ((index, _, body, _), case) in found.iter().zip(cases) {
            assert_eq!(
                case_line(case),
                *body,
                "{} line {}: rendered differently",
                path.display(),
                index + 1
            );
        }
        files += 1;
        lines += found.len();
    }
    println!("{lines} case lines of {files} files render as written");
    assert!(files > 0 && lines > 0, "no corpus lines checked");
    Ok(())
}

#[test]
fn case_line_prints_what_python_prints() -> TestResult {
    // Each pair: JSON text, and Python's json.dumps(json.loads(text), ensure_ascii=False).
    let pairs = [
        (
            r#"{"z": 1, "a": [1.0, 0.1, -0.0, 1e16, 1e15, 123456789.0, 1e-05, 0.0001, 1e22, 5e-324, 1.7976931348623157e308, 2.5e-7, 1234567890123456789.0, 0.30000000000000004, -1.5]}"#,
            "{\"z\": 1, \"a\": [1.0, 0.1, -0.0, 1e+16, 1000000000000000.0, 123456789.0, 1e-05, 0.0001, 1e+22, 5e-324, 1.7976931348623157e+308, 2.5e-07, 1.2345678901234568e+18, 0.30000000000000004, -1.5]}",
        ),
        (
            r#"{"ints": [0, -1, 9007199254740993, 18446744073709551615, -9223372036854775808]}"#,
            "{\"ints\": [0, -1, 9007199254740993, 18446744073709551615, -9223372036854775808]}",
        ),
        (
            r#"{"s": "\u0000\u0001\u001f\u007f\b\f\n\r\t\"\\/ \u00e9 \ud83d\ude00 \u2028 \u00a0 </script>", "": [], "e": {}, "n": null, "t": true, "f": false}"#,
            "{\"s\": \"\\u0000\\u0001\\u001f\u{7f}\\b\\f\\n\\r\\t\\\"\\\\/ é 😀 \u{2028} \u{a0} </script>\", \"\": [], \"e\": {}, \"n\": null, \"t\": true, \"f\": false}",
        ),
        (r#"{"k\n\"": "v"}"#, "{\"k\\n\\\"\": \"v\"}"),
        (r"[]", "[]"),
        (r#""""#, "\"\""),
    ];
    for (text, python) in pairs {
        let value: Value = serde_json::from_str(text)?;
        assert_eq!(case_line(&value), python, "for {text}");
        // And it reads back as the same value.
        let back: Value = serde_json::from_str(&case_line(&value))?;
        assert!(dictwalk_corpus::same(&value, &back), "round trip of {text}");
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// set_expectations
// ---------------------------------------------------------------------------------------------

#[test]
fn set_expectations_rewrites_only_the_named_lines() -> TestResult {
    let (_dir, path) = copy_of("paths-write.json")?;
    let before = fs::read_to_string(&path)?;
    let lines = case_lines(&before);
    let original = load_file(&path, LoadOptions::default())?;
    let (Some(first), Some(middle), Some(last)) =
        (original.first(), original.get(7), original.last())
    else {
        return Err("paths-write.json has too few cases".into());
    };
    let updates = vec![
        (
            middle.id.clone(),
            Expect::Doc {
                doc: json!({"changed": [1, 2.5, "é"]}),
                same: false,
            },
        ),
        (
            last.id.clone(),
            Expect::Error {
                class: "DictWalkResolutionError".into(),
                message: Some("it \"failed\"\n".into()),
                doc: None,
                details: serde_json::Map::new(),
            },
        ),
        (
            first.id.clone(),
            first.expect.clone().ok_or("the first case has no expect")?,
        ),
    ];
    assert_eq!(set_expectations(&path, &updates)?, 3);

    let after = fs::read_to_string(&path)?;
    let (middle_line, last_line) = (lines[7].0, lines[lines.len() - 1].0);
    assert_eq!(
        changed_lines(&before, &after),
        [middle_line, last_line],
        "only the two changed cases' lines differ (the first got its own expect back)"
    );
    let after_lines: Vec<&str> = after.lines().collect();
    assert!(
        after_lines[middle_line].starts_with("    {") && after_lines[middle_line].ends_with("},")
    );
    assert!(
        after_lines[last_line].ends_with('}'),
        "the last case gets no comma"
    );

    let loaded = load_file(&path, LoadOptions::default())?;
    assert_eq!(loaded.len(), original.len());
    for (old, new) in original.iter().zip(&loaded) {
        let update = updates.iter().find(|(id, _)| *id == old.id);
        match update {
            Some((_, expect)) => {
                assert_eq!(new.expect.as_ref(), Some(expect), "{}", old.id);
                let mut restored = new.clone();
                restored.expect = old.expect.clone();
                assert_eq!(&restored, old, "{}: only the expectation changed", old.id);
            }
            None => assert_eq!(new, old),
        }
    }
    // The rewritten line is the case in json.dumps form, the other fields in their order.
    let rewritten: Value =
        serde_json::from_str(after_lines[middle_line].trim().trim_end_matches(','))?;
    let keys: Vec<&str> = rewritten
        .as_object()
        .ok_or("not an object")?
        .keys()
        .map(String::as_str)
        .collect();
    let old_line: Value = serde_json::from_str(&lines[7].2)?;
    let old_keys: Vec<&str> = old_line
        .as_object()
        .ok_or("not an object")?
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, old_keys);
    assert_eq!(
        after_lines[middle_line],
        format!("    {},", case_line(&rewritten))
    );
    Ok(())
}

#[test]
fn set_expectations_inserts_a_missing_expect_after_the_inputs() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("new.json");
    let cases = [
        json!({"id": "n.args", "op": "get", "path": "a", "doc": {"a": 1}, "args": {"default": 0}, "diverges": {"legacy": "spec 9.2: made up"}, "note": "n"}),
        json!({"id": "n.noargs", "op": "exists", "doc_ref": "d", "path": "a", "note": "n"}),
        json!({"id": "n.bare", "op": "get", "path": "a", "doc": null}),
    ];
    // A doc_ref needs its document: start from a file with docs.
    fs::write(
        &path,
        "{\n  \"schema_version\": 1,\n  \"description\": \"d\",\n  \"docs\": {\"d\": {\"a\": 1}},\n  \"cases\": [\n  ]\n}\n",
    )?;
    append_cases(&path, "unused", &cases)?;
    let updates: Vec<(String, Expect)> = ["n.args", "n.noargs", "n.bare"]
        .into_iter()
        .map(|id| (id.to_owned(), Expect::Value(json!(1))))
        .collect();
    assert_eq!(set_expectations(&path, &updates)?, 3);
    let text = fs::read_to_string(&path)?;
    let bodies: Vec<String> = case_lines(&text).into_iter().map(|line| line.2).collect();
    assert_eq!(
        bodies,
        [
            r#"{"id": "n.args", "op": "get", "path": "a", "doc": {"a": 1}, "args": {"default": 0}, "expect": {"value": 1}, "diverges": {"legacy": "spec 9.2: made up"}, "note": "n"}"#,
            r#"{"id": "n.noargs", "op": "exists", "doc_ref": "d", "path": "a", "expect": {"value": 1}, "note": "n"}"#,
            r#"{"id": "n.bare", "op": "get", "path": "a", "doc": null, "expect": {"value": 1}}"#,
        ]
    );
    let loaded = load_file(&path, LoadOptions::default())?;
    assert!(loaded
        .iter()
        .all(|case| case.expect == Some(Expect::Value(json!(1)))));
    Ok(())
}

#[test]
fn set_expectations_writes_nothing_when_one_update_fails() -> TestResult {
    let (dir, path) = copy_of("filters.json")?;
    let before = fs::read(&path)?;
    let cases = load_file(&path, LoadOptions::default())?;
    let (Some(first), Some(read)) = (cases.first(), cases.iter().find(|case| case.op == Op::Get))
    else {
        return Err("filters.json has no get case".into());
    };
    let good = (first.id.clone(), Expect::Value(json!("changed")));

    // An unknown id: named in the error, and the good update is not applied either.
    let error = set_expectations(
        &path,
        &[
            good.clone(),
            ("no.such.case".into(), Expect::Value(json!(1))),
        ],
    )
    .err()
    .ok_or("an unknown id was accepted")?;
    assert_eq!(
        error.to_string(),
        format!(
            "{}: case 'no.such.case': no case with this id in the file",
            path.display()
        )
    );
    assert_eq!(fs::read(&path)?, before);

    // An expectation the case cannot have (a document for a read): the result would not load.
    let error = set_expectations(
        &path,
        &[
            good.clone(),
            (
                read.id.clone(),
                Expect::Doc {
                    doc: json!({}),
                    same: true,
                },
            ),
        ],
    )
    .err()
    .ok_or("a document expectation for a get was accepted")?;
    let message = error.to_string();
    assert!(
        message.contains("would not load") && message.contains(&read.id),
        "{message}"
    );
    assert!(!message.contains('\n'));
    assert_eq!(fs::read(&path)?, before);

    // The same id twice.
    let error = set_expectations(&path, &[good.clone(), good.clone()]).err();
    assert!(error.is_some_and(|error| error.to_string().contains("given twice")));
    assert_eq!(fs::read(&path)?, before);

    // A missing file.
    let missing = dir.path().join("missing.json");
    let error = set_expectations(&missing, &[good]).err();
    assert!(error.is_some_and(|error| error
        .to_string()
        .starts_with(&format!("{}: cannot read", missing.display()))));
    assert_eq!(files_in(dir.path())?, ["filters.json"]);
    Ok(())
}

#[test]
fn set_expectations_refuses_a_file_not_in_the_layout() -> TestResult {
    let dir = tempfile::tempdir()?;
    let texts = [
        // A case spread over two lines.
        "{\n  \"schema_version\": 1,\n  \"cases\": [\n    {\"id\": \"a\", \"op\": \"get\",\n     \"path\": \"a\", \"expect\": {\"value\": 1}}\n  ]\n}\n",
        // Compact separators: the line is not json.dumps' form of the case.
        "{\n  \"schema_version\": 1,\n  \"cases\": [\n    {\"id\":\"a\",\"op\":\"get\",\"path\":\"a\",\"expect\":{\"value\":1}}\n  ]\n}\n",
        // No `"cases": [` line.
        "{\"schema_version\": 1, \"cases\": [{\"id\": \"a\", \"op\": \"get\", \"path\": \"a\", \"expect\": {\"value\": 1}}]}\n",
    ];
    for (index, text) in texts.into_iter().enumerate() {
        let path = dir.path().join(format!("f{index}.json"));
        fs::write(&path, text)?;
        load_file(&path, LoadOptions::default())?;
        let error = set_expectations(&path, &[("a".into(), Expect::Value(json!(2)))])
            .err()
            .map(|error| error.to_string());
        assert!(error.is_some(), "{text}");
        assert_eq!(fs::read_to_string(&path)?, text);
    }
    Ok(())
}

#[cfg(unix)]
#[test]
fn set_expectations_keeps_the_mode_and_leaves_no_temporary_file() -> TestResult {
    use std::os::unix::fs::PermissionsExt as _;
    let (dir, path) = copy_of("paths-examples.json")?;
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640))?;
    let cases = load_file(&path, LoadOptions::default())?;
    let case = cases.first().ok_or("no case")?;
    set_expectations(&path, &[(case.id.clone(), Expect::Value(json!(0)))])?;
    assert_eq!(fs::metadata(&path)?.permissions().mode() & 0o777, 0o640);
    assert_eq!(files_in(dir.path())?, ["paths-examples.json"]);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// append_cases
// ---------------------------------------------------------------------------------------------

#[test]
fn append_cases_creates_a_missing_file_in_the_layout() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("regressions.json");
    let cases = [
        json!({"id": "fuzz.1", "op": "get", "path": "a.b", "doc": {"a": {"b": -0.0}}, "expect": {"value": -0.0}}),
        json!({"id": "fuzz.2", "op": "run_filter", "path": "$len", "args": {"value": "é\u{1}"}}),
    ];
    append_cases(&path, "Cases found by \"fuzzing\": é", &cases)?;
    let text = fs::read_to_string(&path)?;
    assert_eq!(
        text,
        concat!(
            "{\n",
            "  \"schema_version\": 1,\n",
            "  \"description\": \"Cases found by \\\"fuzzing\\\": é\",\n",
            "  \"cases\": [\n",
            "    {\"id\": \"fuzz.1\", \"op\": \"get\", \"path\": \"a.b\", \"doc\": {\"a\": {\"b\": -0.0}}, \"expect\": {\"value\": -0.0}},\n",
            "    {\"id\": \"fuzz.2\", \"op\": \"run_filter\", \"path\": \"$len\", \"args\": {\"value\": \"é\\u0001\"}}\n",
            "  ]\n",
            "}\n",
        )
    );
    // It loads, the second case awaiting its expectation.
    let allow = LoadOptions {
        allow_missing_expect: true,
    };
    let loaded = load_file(&path, allow)?;
    assert_eq!(loaded.len(), 2);
    assert_eq!(loaded[0].expect, Some(Expect::Value(json!(-0.0))));
    assert_eq!(loaded[1].expect, None);

    // Appending nothing creates nothing.
    let nothing = dir.path().join("nothing.json");
    append_cases(&nothing, "d", &[])?;
    assert!(!nothing.exists());
    Ok(())
}

#[test]
fn append_cases_adds_lines_after_the_last_case() -> TestResult {
    // paths-write.json closes its cases with `]` at the start of the line, filters.json with
    // `  ]`: both layouts stay as they are.
    for name in ["paths-write.json", "filters.json"] {
        let (_dir, path) = copy_of(name)?;
        let before = fs::read_to_string(&path)?;
        let original = load_file(&path, LoadOptions::default())?;
        let new = [
            json!({"id": "appended.1", "op": "exists", "doc": {"a": 1}, "path": "a", "expect": {"value": true}}),
            json!({"id": "appended.2", "op": "get", "doc": [1], "path": "[0]", "expect": {"value": 1}}),
        ];
        append_cases(&path, "unused", &new)?;
        let after = fs::read_to_string(&path)?;

        let old_lines: Vec<&str> = before.split_inclusive('\n').collect();
        let new_lines: Vec<&str> = after.split_inclusive('\n').collect();
        let last = case_lines(&before)
            .last()
            .map(|line| line.0)
            .ok_or("no case")?;
        assert_eq!(new_lines.len(), old_lines.len() + 2);
        assert_eq!(
            new_lines[..last],
            old_lines[..last],
            "{name}: the lines before"
        );
        assert_eq!(
            new_lines[last],
            format!("{},\n", old_lines[last].trim_end_matches('\n')),
            "{name}: the former last case gains a comma"
        );
        assert_eq!(
            new_lines[last + 1],
            format!("    {},\n", case_line(&new[0]))
        );
        assert_eq!(new_lines[last + 2], format!("    {}\n", case_line(&new[1])));
        assert_eq!(
            new_lines[last + 3..],
            old_lines[last + 1..],
            "{name}: the lines after"
        );

        let loaded = load_file(&path, LoadOptions::default())?;
        assert_eq!(loaded[..original.len()], original[..]);
        let ids: Vec<&str> = loaded[original.len()..]
            .iter()
            .map(|case| case.id.as_str())
            .collect();
        assert_eq!(ids, ["appended.1", "appended.2"]);
    }
    Ok(())
}

#[test]
fn append_cases_opens_an_empty_list() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("empty.json");
    fs::write(
        &path,
        "{\n  \"schema_version\": 1,\n  \"description\": \"d\",\n  \"cases\": []\n}\n",
    )?;
    let case = json!({"id": "x", "op": "get", "path": "a", "expect": {"value": null}});
    append_cases(&path, "unused", std::slice::from_ref(&case))?;
    assert_eq!(
        fs::read_to_string(&path)?,
        format!(
            "{{\n  \"schema_version\": 1,\n  \"description\": \"d\",\n  \"cases\": [\n    {}\n  ]\n}}\n",
            case_line(&case)
        )
    );
    assert_eq!(load_file(&path, LoadOptions::default())?.len(), 1);
    Ok(())
}

#[test]
fn append_cases_refuses_ids_and_cases_that_do_not_fit() -> TestResult {
    let (dir, path) = copy_of("paths-examples.json")?;
    let before = fs::read(&path)?;
    let existing = load_file(&path, LoadOptions::default())?
        .last()
        .map(|case| case.id.clone())
        .ok_or("no case")?;
    let fresh = json!({"id": "fresh", "op": "get", "path": "a", "expect": {"value": 1}});
    let with_id = |id: &str| json!({"id": id, "op": "get", "path": "a", "expect": {"value": 1}});
    let attempts = [
        (
            vec![fresh.clone(), with_id(&existing)],
            format!(
                "{}: case '{existing}': the file already holds a case with this id",
                path.display()
            ),
        ),
        (
            vec![fresh.clone(), fresh.clone()],
            format!(
                "{}: case 'fresh': the file already holds a case with this id",
                path.display()
            ),
        ),
        (
            vec![json!({"op": "get", "path": "a"})],
            format!(
                "{}: a case to append needs a string id: {{\"op\":\"get\",\"path\":\"a\"}}",
                path.display()
            ),
        ),
        (
            vec![json!({"id": "bad.op", "op": "frobnicate", "path": "a", "expect": {"value": 1}})],
            format!(
                "{}: case 'bad.op': not written, the result would not load: op must be one of get, exists, set, unset, run_filter, get_path_filter, register_path_filter, DictWalk, not 'frobnicate'",
                path.display()
            ),
        ),
    ];
    for (cases, message) in attempts {
        let error = append_cases(&path, "unused", &cases).err();
        assert_eq!(error.map(|error| error.to_string()), Some(message));
        assert_eq!(fs::read(&path)?, before, "the file changed");
    }
    // A missing file is not created when its cases do not load.
    let missing = dir.path().join("missing.json");
    let bad = [json!({"id": "bad.set", "op": "set", "path": "a", "expect": {"doc": 1}})];
    let error = append_cases(&missing, "d", &bad).err();
    assert!(error.is_some_and(|error| error.to_string().contains("set needs args.value")));
    assert!(!missing.exists());
    assert_eq!(files_in(dir.path())?, ["paths-examples.json"]);
    Ok(())
}
