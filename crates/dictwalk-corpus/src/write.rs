//! Writing cases back into the corpus files in their own layout, so a diff is one line per case.
//!
//! The files are laid out as Python's `json.dumps(case, ensure_ascii=False)` prints each case,
//! one case per line between the line `"cases": [` and the closing `]`:
//!
//! ```text
//! {
//!   "schema_version": 1,
//!   "description": "...",
//!   "docs": {...},
//!   "cases": [
//!     {"id": "read.get.nested", "op": "get", ...},
//!     {"id": "read.get.missing", "op": "get", ...}
//!   ]
//! }
//! ```
//!
//! [`set_expectations`] rewrites the lines of the cases it changes and [`append_cases`] adds
//! lines; every other line stays byte for byte as it was. Both refuse a file whose cases are
//! not one per line, check that the result still loads, and replace the file atomically (a
//! temporary file in the same directory, then a rename), so a failed write leaves it as it was.

use std::collections::HashSet;
use std::fmt;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use dictwalk_core::pyfmt::json_dumps;
use serde_json::{Map, Value};

use crate::case::Expect;
use crate::load::{parse_file, LoadOptions};
use crate::SCHEMA_VERSION;

/// A corpus file could not be written: which file, which case (when one), and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteError {
    /// The file as the caller named it.
    pub file: String,
    /// The case, quoted as the loader quotes it (`'id'`).
    pub case: Option<String>,
    pub message: String,
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.case {
            Some(case) => write!(f, "{}: case {}: {}", self.file, case, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for WriteError {}

/// One case as its line in a file holds it: Python's `json.dumps(case, ensure_ascii=False)`.
///
/// Keys keep their order; ints print as they are and floats as Python's `repr()` prints them
/// (`1.0`, `1e+16`, `1e-05`, `-0.0`); strings escape `"`, `\` and the control characters
/// (`\n`, `\t`, ..., else `\u00XX`) and keep every other character as it is.
pub fn case_line(case: &Value) -> String {
    json_dumps(case, false)
}

/// The fields a missing `expect` goes after: the case's inputs, in any order. Later fields
/// (`diverges`, `note`) stay after it.
const INPUT_FIELDS: [&str; 6] = ["id", "op", "path", "doc", "doc_ref", "args"];

/// Set the expectation of each named case of the file at `path`, in place of the one it has
/// or, when it has none, after its inputs (its `args`, else the last of its other inputs).
/// Every other line of the file stays as it was. Returns the number of cases updated.
///
/// Nothing is written unless every id names a case of the file and the result loads.
pub fn set_expectations(path: &Path, updates: &[(String, Expect)]) -> Result<usize, WriteError> {
    let file = FileText::read(path)?;
    let mut layout = Layout::parse(&file)?;
    let mut given = HashSet::new();
    for (id, expect) in updates {
        if !given.insert(id.as_str()) {
            return Err(file.case_error(id, "given twice in one update"));
        }
        let Some(index) = layout.position(id) else {
            return Err(file.case_error(id, "no case with this id in the file"));
        };
        let entry = &mut layout.cases[index];
        if case_line(&entry.value) != entry.body {
            return Err(file.case_error(
                id,
                "its line is not json.dumps' form of the case, so rewriting it would change more \
                 than its expectation",
            ));
        }
        let Value::Object(case) = &entry.value else {
            return Err(file.case_error(id, "a case must be an object"));
        };
        let updated = with_expect(case, expect.to_json());
        entry.body = case_line(&updated);
        entry.value = updated;
        entry.raw = None;
    }
    let text = layout.render();
    if text != file.text {
        file.check_loads(&text)?;
        file.write(&text)?;
    }
    Ok(updates.len())
}

/// The case with `expect` in place of its own, or inserted after its inputs.
fn with_expect(case: &Map<String, Value>, expect: Value) -> Value {
    let mut updated = case.clone();
    if let Some(slot) = updated.get_mut("expect") {
        *slot = expect;
        return Value::Object(updated);
    }
    let after = case
        .keys()
        .rposition(|key| INPUT_FIELDS.contains(&key.as_str()))
        .map_or(case.len(), |index| index + 1);
    let mut updated = Map::new();
    for (index, (key, value)) in case.iter().enumerate() {
        if index == after {
            updated.insert("expect".into(), expect.clone());
        }
        updated.insert(key.clone(), value.clone());
    }
    if after == case.len() {
        updated.insert("expect".into(), expect);
    }
    Value::Object(updated)
}

/// Append `cases` to the file at `path`, one line each after its last case; a missing file is
/// created as `{"schema_version": 1, "description": description, "cases": [...]}` in the
/// corpus layout (`description` is used only then). Each case must have an id that the file
/// does not hold yet. The cases may lack `expect` (`--bless` records it later), but must
/// otherwise load. Appending no cases changes nothing.
pub fn append_cases(path: &Path, description: &str, cases: &[Value]) -> Result<(), WriteError> {
    if cases.is_empty() {
        return Ok(());
    }
    let file = match FileText::read(path) {
        Ok(file) => file,
        Err(_) if !path.exists() => FileText {
            path: path.to_path_buf(),
            name: display_name(path),
            text: new_file_text(description),
        },
        Err(error) => return Err(error),
    };
    let mut layout = Layout::parse(&file)?;
    let mut ids: HashSet<String> = HashSet::new();
    for entry in &layout.cases {
        if let Some(id) = entry.value.get("id").and_then(Value::as_str) {
            ids.insert(id.to_owned());
        }
    }
    for case in cases {
        let Some(id) = case.get("id").and_then(Value::as_str) else {
            return Err(file.error(format!(
                "a case to append needs a string id: {}",
                crate::outcome::clip(case)
            )));
        };
        if !ids.insert(id.to_owned()) {
            return Err(file.case_error(id, "the file already holds a case with this id"));
        }
        layout.cases.push(CaseLine {
            raw: None,
            indent: layout.indent.clone(),
            body: case_line(case),
            value: case.clone(),
        });
    }
    let text = layout.render();
    file.check_loads(&text)?;
    file.write(&text)
}

/// The text of a new corpus file with no cases yet.
fn new_file_text(description: &str) -> String {
    format!(
        "{{\n  \"schema_version\": {SCHEMA_VERSION},\n  \"description\": {},\n  \"cases\": [\n  ]\n}}\n",
        json_dumps(&Value::String(description.to_owned()), false)
    )
}

/// A corpus file's text and how to name it in errors.
struct FileText {
    path: PathBuf,
    name: String,
    text: String,
}

impl FileText {
    fn read(path: &Path) -> Result<FileText, WriteError> {
        let name = display_name(path);
        match fs::read_to_string(path) {
            Ok(text) => Ok(FileText {
                path: path.to_path_buf(),
                name,
                text,
            }),
            Err(error) => Err(WriteError {
                file: name,
                case: None,
                message: format!("cannot read: {error}"),
            }),
        }
    }

    fn error(&self, message: impl Into<String>) -> WriteError {
        WriteError {
            file: self.name.clone(),
            case: None,
            message: message.into(),
        }
    }

    fn case_error(&self, id: &str, message: impl Into<String>) -> WriteError {
        WriteError {
            file: self.name.clone(),
            case: Some(dictwalk_core::pyfmt::str_repr(id)),
            message: message.into(),
        }
    }

    /// Refuse a text the loader would reject (new cases may still lack their expectation).
    fn check_loads(&self, text: &str) -> Result<(), WriteError> {
        let file_name = self
            .path
            .file_name()
            .map_or_else(|| self.name.clone(), |n| n.to_string_lossy().into_owned());
        let options = LoadOptions {
            allow_missing_expect: true,
        };
        match parse_file(&file_name, text, options) {
            Ok(_) => Ok(()),
            Err(error) => Err(WriteError {
                file: self.name.clone(),
                case: error.case,
                message: format!("not written, the result would not load: {}", error.message),
            }),
        }
    }

    /// Replace the file atomically: a temporary file in the same directory, then a rename.
    fn write(&self, text: &str) -> Result<(), WriteError> {
        let dir = match self.path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let attempt = || -> io::Result<()> {
            let mut temp = tempfile::Builder::new()
                .prefix(".corpus-")
                .suffix(".tmp")
                .tempfile_in(dir)?;
            temp.write_all(text.as_bytes())?;
            temp.as_file().sync_all()?;
            // The temporary file is private (0600); the corpus file keeps its own mode.
            match fs::metadata(&self.path) {
                Ok(meta) => temp.as_file().set_permissions(meta.permissions())?,
                Err(_) => set_new_file_mode(temp.as_file())?,
            }
            temp.persist(&self.path).map_err(|error| error.error)?;
            Ok(())
        };
        attempt().map_err(|error| self.error(format!("cannot write: {error}")))
    }
}

/// A new corpus file is readable by all, as a file created by an editor would be.
#[cfg(unix)]
fn set_new_file_mode(file: &fs::File) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    file.set_permissions(fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn set_new_file_mode(_: &fs::File) -> io::Result<()> {
    Ok(())
}

fn display_name(path: &Path) -> String {
    path.display().to_string()
}

/// One case line: its indentation, its JSON text (without the separating comma) and value.
struct CaseLine {
    /// The line as the file holds it, with its line break, while the case is unchanged.
    raw: Option<String>,
    indent: String,
    body: String,
    value: Value,
}

/// A corpus file cut into the text before the cases, one line per case, and the text after.
struct Layout {
    /// Everything up to and including the line `"cases": [` (and its line break).
    head: String,
    cases: Vec<CaseLine>,
    /// The closing `]` line and everything after it.
    tail: String,
    /// The indentation of new case lines: that of the existing ones, else four spaces.
    indent: String,
    /// The line break the file uses.
    newline: &'static str,
}

impl Layout {
    fn parse(file: &FileText) -> Result<Layout, WriteError> {
        let layout_error =
            |message: String| file.error(format!("not in the corpus layout: {message}"));
        let text = file.text.as_str();
        let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let bare = |line: &str| line.trim_end_matches(['\n', '\r']).to_owned();
        let Some(open) = lines
            .iter()
            .position(|line| matches!(line.trim(), "\"cases\": [" | "\"cases\": []"))
        else {
            return Err(layout_error("no line `\"cases\": [`".into()));
        };
        let mut head: String = lines[..open].concat();
        let mut cases = Vec::new();
        let tail;
        if lines[open].trim() == "\"cases\": []" {
            // An empty list on one line: open it, so that cases can go between.
            let open_line = bare(lines[open]);
            let indent = &open_line[..open_line.len() - open_line.trim_start().len()];
            head.push_str(open_line.trim_end().trim_end_matches(']'));
            head.push_str(newline);
            let rest = lines[open + 1..].concat();
            let after = if lines[open].ends_with('\n') {
                newline
            } else {
                ""
            };
            tail = format!("{indent}]{after}{rest}");
        } else {
            head.push_str(lines[open]);
            let mut close = None;
            for (index, line) in lines.iter().enumerate().skip(open + 1) {
                let content = bare(line);
                let trimmed = content.trim();
                if trimmed == "]" {
                    close = Some(index);
                    break;
                }
                let body = trimmed.strip_suffix(',').unwrap_or(trimmed);
                let value = match serde_json::from_str::<Value>(body) {
                    Ok(value @ Value::Object(_)) => value,
                    _ => {
                        return Err(layout_error(format!(
                            "line {} is not one whole case; the cases must be one per line",
                            index + 1
                        )))
                    }
                };
                let indent = content[..content.len() - content.trim_start().len()].to_owned();
                cases.push(CaseLine {
                    raw: Some((*line).to_owned()),
                    indent,
                    body: body.to_owned(),
                    value,
                });
            }
            let Some(close) = close else {
                return Err(layout_error("no line `]` closes the cases".into()));
            };
            tail = lines[close..].concat();
        }
        // The lines read must be the file's cases, all of them, in order.
        let parsed: Value = serde_json::from_str(text)
            .map_err(|error| file.error(format!("not valid JSON: {error}")))?;
        let listed = parsed.get("cases").and_then(Value::as_array);
        let read: Vec<&Value> = cases.iter().map(|case| &case.value).collect();
        if listed.is_none_or(|listed| !listed.iter().eq(read.iter().copied())) {
            return Err(layout_error(
                "the case lines are not the file's cases; the cases must be one per line".into(),
            ));
        }
        let indent = cases
            .first()
            .map_or_else(|| "    ".to_owned(), |case| case.indent.clone());
        let mut seen = HashSet::new();
        for case in &cases {
            if let Some(id) = case.value.get("id").and_then(Value::as_str) {
                if !seen.insert(id) {
                    return Err(file.case_error(id, "the file holds this id twice"));
                }
            }
        }
        Ok(Layout {
            head,
            cases,
            tail,
            indent,
            newline,
        })
    }

    fn position(&self, id: &str) -> Option<usize> {
        self.cases
            .iter()
            .position(|case| case.value.get("id").and_then(Value::as_str) == Some(id))
    }

    /// The file's text: the head, each case on its line with a comma but the last, the tail.
    /// An unchanged line is written as it was read, but for the comma a case gains when
    /// cases are appended after it.
    fn render(&self) -> String {
        let mut text = self.head.clone();
        let last = self.cases.len().saturating_sub(1);
        for (index, case) in self.cases.iter().enumerate() {
            let comma = index < last;
            match &case.raw {
                Some(raw) => {
                    let content = raw.trim_end();
                    if comma && !content.ends_with(',') {
                        text.push_str(content);
                        text.push(',');
                        text.push_str(&raw[content.len()..]);
                    } else {
                        text.push_str(raw);
                    }
                }
                None => {
                    text.push_str(&case.indent);
                    text.push_str(&case.body);
                    if comma {
                        text.push(',');
                    }
                    text.push_str(self.newline);
                }
            }
        }
        text.push_str(&self.tail);
        text
    }
}
