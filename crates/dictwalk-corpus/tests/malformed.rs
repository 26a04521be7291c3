//! The loader on the shared fixtures: each malformed one is refused with the one-line error
//! `tests/malformed/expected.json` states (python/tests/corpus.py must give the same), and the
//! valid ones load.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use dictwalk_corpus::load::{load_file, EMPTY_EXPECTATION, EXPECT_NOT_AN_OBJECT};
use dictwalk_corpus::{load_dir, Backend, CorpusError, Expect, LoadOptions, Op};
use serde_json::{json, Value};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests")
}

/// Load a fixture: a `.json` file on its own, a directory (`name/`) as a corpus directory.
fn load_fixture(name: &str, options: LoadOptions) -> Result<usize, CorpusError> {
    let path = tests_dir().join("malformed").join(name);
    if name.ends_with('/') {
        load_dir(&path, options).map(|cases| cases.len())
    } else {
        load_file(&path, options).map(|cases| cases.len())
    }
}

/// `expected.json`'s "errors": each fixture's name with the error it must give.
fn expected_errors(
    dir: &Path,
) -> Result<serde_json::Map<String, Value>, Box<dyn std::error::Error>> {
    let expected: Value = serde_json::from_str(&fs::read_to_string(dir.join("expected.json"))?)?;
    match expected.get("errors") {
        Some(Value::Object(errors)) => Ok(errors.clone()),
        _ => Err("expected.json has no object \"errors\"".into()),
    }
}

#[test]
fn each_malformed_fixture_gives_its_error() -> TestResult {
    let dir = tests_dir().join("malformed");
    let errors = expected_errors(&dir)?;

    // Every fixture has its expected error, and every expected error its fixture.
    let mut present = BTreeSet::new();
    for entry in fs::read_dir(&dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type()?.is_dir() {
            present.insert(format!("{name}/"));
        } else if name != "expected.json" {
            present.insert(name);
        }
    }
    let listed: BTreeSet<String> = errors.keys().cloned().collect();
    assert_eq!(present, listed, "fixtures and expected.json disagree");

    let mut wrong = Vec::new();
    for (name, want) in &errors {
        let got = match load_fixture(name, LoadOptions::default()) {
            Ok(count) => format!("loaded {count} case(s)"),
            Err(error) => error.to_string(),
        };
        let matches = match want {
            Value::String(exact) => got == *exact,
            Value::Object(spec) => spec
                .get("prefix")
                .and_then(Value::as_str)
                .is_some_and(|prefix| got.starts_with(prefix)),
            _ => false,
        };
        assert!(
            !got.contains('\n'),
            "{name}: the error is not one line: {got}"
        );
        if !matches {
            wrong.push(format!("{name}:\n    want {want}\n    got  {got:?}"));
        }
    }
    assert!(wrong.is_empty(), "wrong errors:\n  {}", wrong.join("\n  "));
    Ok(())
}

#[test]
fn a_missing_expectation_is_accepted_only_when_allowed() -> TestResult {
    let allow = LoadOptions {
        allow_missing_expect: true,
    };
    let cases = load_file(&tests_dir().join("malformed/missing-expect.json"), allow)?;
    let expects: Vec<(&str, bool)> = cases
        .iter()
        .map(|case| (case.id.as_str(), case.expect.is_some()))
        .collect();
    assert_eq!(
        expects,
        [("has.expect", true), ("missing.expect", false)],
        "the case without expect loads with none, the other keeps its own"
    );

    // Nothing else is relaxed: every other fixture still gives its error.
    let dir = tests_dir().join("malformed");
    let errors = expected_errors(&dir)?;
    for (name, want) in &errors {
        if name == "missing-expect.json" {
            continue;
        }
        let relaxed = load_fixture(name, allow).map_err(|error| error.to_string());
        let strict = load_fixture(name, LoadOptions::default()).map_err(|error| error.to_string());
        assert!(relaxed.is_err(), "{name} loads when expect may be missing");
        assert_eq!(
            relaxed, strict,
            "{name}: allow_missing_expect changed the error ({want})"
        );
    }

    // An expect that is there but states no outcome is still an error, and not a missing one:
    // the case is not new, so --bless must not be suggested as if it would record it.
    for (bad, message) in [
        ("{}", EMPTY_EXPECTATION),
        (r#"{"message": "a"}"#, EMPTY_EXPECTATION),
        ("null", EXPECT_NOT_AN_OBJECT),
        ("[]", EXPECT_NOT_AN_OBJECT),
        (
            "{\"value\": 1, \"x\": 2}",
            "expect may only hold cause, context, doc, error, message, pickles, same, value",
        ),
    ] {
        let text = format!(
            r#"{{"schema_version": 1, "cases": [{{"id": "x", "op": "get", "path": "a", "expect": {bad}}}]}}"#
        );
        let error = dictwalk_corpus::load::parse_file("inline.json", &text, allow).err();
        assert_eq!(
            error.as_ref().map(ToString::to_string),
            Some(format!("inline.json: case 'x': {message}")),
            "expect {bad}"
        );
    }
    Ok(())
}

#[test]
fn only_an_expect_stating_no_outcome_is_an_empty_expectation() -> TestResult {
    let dir = tests_dir().join("malformed");
    let errors = expected_errors(&dir)?;
    let mut empty = Vec::new();
    for name in errors.keys() {
        match load_fixture(name, LoadOptions::default()) {
            Err(error) if error.is_empty_expectation() => empty.push(name.as_str()),
            Err(_) => {}
            Ok(count) => return Err(format!("{name} loaded {count} case(s)").into()),
        }
    }
    assert_eq!(
        empty,
        [
            "empty-expect.json",
            "expect-not-an-object.json",
            "expect-without-outcome.json"
        ]
    );
    Ok(())
}

#[test]
fn the_valid_fixture_loads_as_written() -> TestResult {
    let cases = load_dir(&tests_dir().join("valid"), LoadOptions::default())?;
    let ids: Vec<&str> = cases.iter().map(|case| case.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "valid.get.default",
            "valid.exists",
            "valid.set.same",
            "valid.set.another",
            "valid.unset.error",
            "valid.run_filter.tagged",
            "valid.get.float",
            "valid.get_path_filter.name_type",
            "valid.register_path_filter",
            "valid.DictWalk",
        ]
    );
    let ops: Vec<Op> = cases.iter().map(|case| case.op).collect();
    assert_eq!(
        ops,
        [
            Op::Get,
            Op::Exists,
            Op::Set,
            Op::Set,
            Op::Unset,
            Op::RunFilter,
            Op::Get,
            Op::GetPathFilter,
            Op::RegisterPathFilter,
            Op::DictWalk,
        ]
    );
    assert!(cases.iter().all(|case| case.file == "cases.json"));

    let [get, exists, set_same, set_another, unset, run_filter, float, get_path_filter, register, dictwalk] =
        cases.as_slice()
    else {
        return Err("ten cases expected".into());
    };
    // doc_ref resolves to the named document.
    assert_eq!(
        get.doc,
        json!({"u": [{"id": 1, "v": 0}, {"id": 2, "v": 0}]})
    );
    assert_eq!(get.args.get("default"), Some(&json!(0)));
    assert_eq!(get.expect, Some(Expect::Value(json!(0))));
    assert_eq!(exists.expect, Some(Expect::Value(json!(true))));
    assert!(matches!(
        &set_same.expect,
        Some(Expect::Doc { same: true, .. })
    ));
    assert!(matches!(
        &set_another.expect,
        Some(Expect::Doc { same: false, .. })
    ));
    assert_eq!(
        set_another.note.as_deref(),
        Some("a made-up expectation: only the loader reads this file")
    );
    assert_eq!(
        unset.expect,
        Some(Expect::Error {
            class: "DictWalkParseError".into(),
            message: Some("a[".into()),
            doc: None,
            details: serde_json::Map::new(),
        })
    );
    assert_eq!(
        run_filter.divergence(Backend::Legacy),
        Some("spec 9.2: a made-up divergence")
    );
    assert_eq!(run_filter.divergence(Backend::Core), Some("holds a tuple"));
    assert_eq!(run_filter.divergence(Backend::Rust), None);
    assert!(!run_filter.is_plain_json(), "a $tuple is not plain JSON");
    assert!(float.is_plain_json());
    // A filter's name that is not a str is kept as written, as a path would be.
    assert_eq!(get_path_filter.path_value, Some(json!(123)));
    assert_eq!(get_path_filter.args.get("value"), Some(&json!(1)));
    assert!([get_path_filter, register, dictwalk]
        .iter()
        .all(|case| case.op.is_python_api()));
    assert_eq!(register.path, "valid_added");
    assert_eq!((dictwalk.path.as_str(), dictwalk.args.len()), ("a.b", 0));
    Ok(())
}

#[test]
fn the_corpus_directory_loads() -> TestResult {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../parity/cases");
    let cases = load_dir(&dir, LoadOptions::default())?;
    assert!(!cases.is_empty());
    assert!(cases.iter().all(|case| case.expect.is_some()));
    Ok(())
}

#[test]
fn an_empty_directory_is_an_error() -> TestResult {
    let dir = tempfile::tempdir()?;
    let error = load_dir(dir.path(), LoadOptions::default()).err();
    assert_eq!(
        error.map(|error| error.to_string()),
        Some(format!(
            "{}: no corpus files (*.json) found",
            dir.path().display()
        ))
    );
    Ok(())
}
