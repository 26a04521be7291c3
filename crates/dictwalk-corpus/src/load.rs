//! Reading and validating the corpus files; every rejection names the file and the case.
//!
//! The rules are `python/tests/corpus.py`'s, rule for rule: the two loaders accept and reject
//! the same files (checked on the shared fixtures in `tests/malformed/`).

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use dictwalk_core::pyfmt::{py_repr, str_repr};
use serde_json::{Map, Value};

use crate::case::{Backend, Case, Expect, Op, ERROR_CLASSES};
use crate::SCHEMA_VERSION;

const FILE_FIELDS: [&str; 4] = ["schema_version", "description", "docs", "cases"];
const CASE_FIELDS: [&str; 9] = [
    "id", "op", "path", "doc", "doc_ref", "args", "expect", "diverges", "note",
];
const EXPECT_FIELDS: [&str; 8] = [
    "value", "doc", "error", "message", "same", "context", "cause", "pickles",
];
/// What an error expectation may check of the exception beyond its class and message.
pub const DETAIL_FIELDS: [&str; 3] = ["context", "cause", "pickles"];
/// The keys of `expect` that state an outcome; `message` and `same` only refine one.
const OUTCOME_FIELDS: [&str; 3] = ["value", "doc", "error"];

/// The message for an `expect` that states no outcome (`{}`, or only `message` or `same`).
pub const EMPTY_EXPECTATION: &str = "empty expectation: expect needs one of value, doc, error";
/// The message for an `expect` that is not an object (`null`, a list, a number).
pub const EXPECT_NOT_AN_OBJECT: &str = "expect must be an object";

/// The corpus is malformed: which file, which case (when one), and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CorpusError {
    pub file: String,
    pub case: Option<String>,
    pub message: String,
}

impl fmt::Display for CorpusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.case {
            Some(case) => write!(f, "{}: case {}: {}", self.file, case, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for CorpusError {}

impl CorpusError {
    /// Whether the error is a case whose `expect` is there but states no outcome (empty, or
    /// not an object). Such a case is not new, so `--bless` leaves it alone; deleting its
    /// `expect` makes it one.
    pub fn is_empty_expectation(&self) -> bool {
        self.case.is_some()
            && (self.message == EMPTY_EXPECTATION || self.message == EXPECT_NOT_AN_OBJECT)
    }
}

/// How strictly to load.
#[derive(Clone, Copy, Debug, Default)]
pub struct LoadOptions {
    /// Accept cases with no `expect` (`--bless` records it); otherwise they are an error.
    pub allow_missing_expect: bool,
}

/// Every `*.json` file of `dir`, sorted by name.
pub fn corpus_files(dir: &Path) -> Result<Vec<PathBuf>, CorpusError> {
    let unreadable = |error: std::io::Error| CorpusError {
        file: dir.display().to_string(),
        case: None,
        message: format!("cannot read the corpus directory: {error}"),
    };
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).map_err(unreadable)? {
        let path = entry.map_err(unreadable)?.path();
        if path.extension().is_some_and(|ext| ext == "json") {
            files.push(path);
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(CorpusError {
            file: dir.display().to_string(),
            case: None,
            message: "no corpus files (*.json) found".into(),
        });
    }
    Ok(files)
}

/// Read and validate every file of the corpus directory, in file order then case order.
pub fn load_dir(dir: &Path, options: LoadOptions) -> Result<Vec<Case>, CorpusError> {
    let mut cases = Vec::new();
    let mut seen: HashMap<String, String> = HashMap::new();
    for path in corpus_files(dir)? {
        for case in load_file(&path, options)? {
            if let Some(first) = seen.get(&case.id) {
                return Err(CorpusError {
                    message: format!("duplicate id (also in {first})"),
                    case: Some(quote(&case.id)),
                    file: case.file,
                });
            }
            seen.insert(case.id.clone(), case.file.clone());
            cases.push(case);
        }
    }
    Ok(cases)
}

/// Read and validate one corpus file.
pub fn load_file(path: &Path, options: LoadOptions) -> Result<Vec<Case>, CorpusError> {
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let file_error = |message: String| CorpusError {
        file: name.clone(),
        case: None,
        message,
    };
    let text =
        fs::read_to_string(path).map_err(|error| file_error(format!("not valid JSON: {error}")))?;
    parse_file(&name, &text, options)
}

/// Validate the text of one corpus file named `name`.
pub fn parse_file(name: &str, text: &str, options: LoadOptions) -> Result<Vec<Case>, CorpusError> {
    let file_error = |message: String| CorpusError {
        file: name.to_owned(),
        case: None,
        message,
    };
    let raw: Value = serde_json::from_str(text)
        .map_err(|error| file_error(format!("not valid JSON: {error}")))?;
    let top = match raw.as_object() {
        Some(top) if top.keys().all(|key| FILE_FIELDS.contains(&key.as_str())) => top,
        _ => {
            return Err(file_error(
                "top level must be an object with schema_version, description, docs, cases".into(),
            ))
        }
    };
    if top.get("schema_version").and_then(Value::as_u64) != Some(SCHEMA_VERSION) {
        return Err(file_error(format!(
            "schema_version must be {SCHEMA_VERSION}"
        )));
    }
    let empty = Map::new();
    let docs = match top.get("docs") {
        None => &empty,
        Some(Value::Object(docs)) => docs,
        Some(_) => {
            return Err(file_error(
                "docs must be an object of named documents".into(),
            ))
        }
    };
    let Some(entries) = top.get("cases").and_then(Value::as_array) else {
        return Err(file_error("cases must be a list".into()));
    };
    entries
        .iter()
        .enumerate()
        .map(|(index, entry)| load_case(name, index, entry, docs, options))
        .collect()
}

/// The case's name in messages, quoted as Python's `repr` quotes a string (`'id'`).
fn quote(id: &str) -> String {
    str_repr(id)
}

fn load_case(
    file: &str,
    index: usize,
    entry: &Value,
    docs: &Map<String, Value>,
    options: LoadOptions,
) -> Result<Case, CorpusError> {
    let mut case_name = format!("#{index}");
    let error = |case: &str, message: String| CorpusError {
        file: file.to_owned(),
        case: Some(case.to_owned()),
        message,
    };
    let Some(entry) = entry.as_object() else {
        return Err(error(&case_name, "a case must be an object".into()));
    };
    let id = match entry.get("id").and_then(Value::as_str) {
        Some(id) if !id.is_empty() => id.to_owned(),
        _ => return Err(error(&case_name, "missing id".into())),
    };
    case_name = quote(&id);
    let fail = |message: String| -> Result<Case, CorpusError> { Err(error(&case_name, message)) };

    let mut unknown: Vec<&str> = entry
        .keys()
        .map(String::as_str)
        .filter(|key| !CASE_FIELDS.contains(key))
        .collect();
    if !unknown.is_empty() {
        unknown.sort_unstable();
        return fail(format!("unknown field(s) {}", unknown.join(", ")));
    }
    let op_name = entry.get("op").and_then(Value::as_str);
    let Some(op) = op_name.and_then(Op::from_name) else {
        let names: Vec<&str> = Op::ALL.iter().map(|op| op.name()).collect();
        let got = entry.get("op").map_or("None".to_owned(), py_repr);
        return fail(format!("op must be one of {}, not {got}", names.join(", ")));
    };
    // A path is any value (spec 1.1: what is not a str is a TypeError): a str, or JSON or a
    // tagged value that the codec decodes (a str JSON cannot hold is `$str`).
    let (path, path_value) = match entry.get("path") {
        Some(Value::String(path)) => (path.clone(), None),
        Some(other) => (other.to_string(), Some(other.clone())),
        None => return fail("missing path".into()),
    };
    if entry.contains_key("doc") && entry.contains_key("doc_ref") {
        return fail("give doc or doc_ref, not both".into());
    }
    let doc = match entry.get("doc_ref") {
        Some(reference) => match reference.as_str().and_then(|name| docs.get(name)) {
            Some(doc) => doc.clone(),
            None => {
                return fail(format!(
                    "doc_ref {} names no document in docs",
                    py_repr(reference)
                ))
            }
        },
        None => entry.get("doc").cloned().unwrap_or(Value::Null),
    };
    let empty = Map::new();
    let args = match entry.get("args") {
        None => &empty,
        Some(Value::Object(args)) => args,
        Some(_) => return fail(args_message(op)),
    };
    if args
        .keys()
        .any(|key| !op.arg_names().contains(&key.as_str()))
    {
        return fail(args_message(op));
    }
    if op.needs_value() && !args.contains_key("value") {
        return fail(format!("{op} needs args.value"));
    }
    let expect = match entry.get("expect") {
        None if options.allow_missing_expect => None,
        None => return fail("missing expectation (expect)".into()),
        Some(Value::Object(expect)) => match load_expect(op, expect) {
            Ok(expect) => Some(expect),
            Err(message) => return fail(message),
        },
        Some(_) => return fail(EXPECT_NOT_AN_OBJECT.into()),
    };
    let mut diverges = BTreeMap::new();
    match entry.get("diverges") {
        None => {}
        Some(Value::Object(map)) => {
            for (name, reason) in map {
                let Some(backend) = Backend::from_name(name) else {
                    return fail(format!("diverges names unknown backend {}", str_repr(name)));
                };
                match reason.as_str() {
                    Some(reason) if !reason.trim().is_empty() => {
                        diverges.insert(backend, reason.to_owned());
                    }
                    _ => return fail(format!("divergence for {name} needs a reason")),
                }
            }
        }
        Some(_) => return fail("diverges must map a backend name to a reason".into()),
    }
    Ok(Case {
        id,
        file: file.to_owned(),
        op,
        path,
        path_value,
        doc,
        args: args.clone(),
        expect,
        diverges,
        note: entry.get("note").and_then(Value::as_str).map(str::to_owned),
    })
}

fn args_message(op: Op) -> String {
    let mut names = op.arg_names().to_vec();
    if names.is_empty() {
        return format!("{op} takes no args");
    }
    names.sort_unstable();
    format!("args for {op} may only be {}", names.join(", "))
}

fn load_expect(op: Op, expect: &Map<String, Value>) -> Result<Expect, String> {
    if expect
        .keys()
        .any(|key| !EXPECT_FIELDS.contains(&key.as_str()))
    {
        let mut names = EXPECT_FIELDS.to_vec();
        names.sort_unstable();
        return Err(format!("expect may only hold {}", names.join(", ")));
    }
    // Checked before the refinements, so that `{"same": "yes"}` is reported for what it
    // lacks rather than for a detail of what it has.
    if !OUTCOME_FIELDS.iter().any(|key| expect.contains_key(*key)) {
        return Err(EMPTY_EXPECTATION.into());
    }
    if expect.get("message").is_some_and(|m| !m.is_string()) {
        return Err("expect.message must be a string".into());
    }
    if expect.get("same").is_some_and(|same| !same.is_boolean()) {
        return Err("expect.same must be true or false".into());
    }
    let details: Map<String, Value> = DETAIL_FIELDS
        .iter()
        .filter_map(|name| Some(((*name).to_owned(), expect.get(*name)?.clone())))
        .collect();
    if let Some(name) = details.keys().next() {
        if !expect.contains_key("error") {
            return Err(format!("expect.{name} needs an error"));
        }
    }
    for name in ["context", "cause"] {
        if expect
            .get(name)
            .is_some_and(|class| !class.is_null() && !class.is_string())
        {
            return Err(format!("expect.{name} must be a class name or null"));
        }
    }
    if expect.get("pickles").is_some_and(|flag| !flag.is_boolean()) {
        return Err("expect.pickles must be true or false".into());
    }
    if let Some(class) = expect.get("error") {
        let Some(class) = class.as_str().filter(|c| ERROR_CLASSES.contains(c)) else {
            return Err(format!("unknown error class {}", py_repr(class)));
        };
        if expect.contains_key("value") {
            return Err("expect holds both an error and a value".into());
        }
        return Ok(Expect::Error {
            class: class.to_owned(),
            message: expect
                .get("message")
                .and_then(Value::as_str)
                .map(str::to_owned),
            doc: expect.get("doc").cloned(),
            details,
        });
    }
    if op.writes() {
        let Some(doc) = expect.get("doc") else {
            return Err(format!(
                "a {op} case expects the document after it (expect.doc)"
            ));
        };
        let same = expect.get("same").and_then(Value::as_bool).unwrap_or(true);
        return Ok(Expect::Doc {
            doc: doc.clone(),
            same,
        });
    }
    match expect.get("value") {
        Some(value) => Ok(Expect::Value(value.clone())),
        None => Err(format!(
            "a {op} case expects a value or an error (expect.value or expect.error)"
        )),
    }
}
