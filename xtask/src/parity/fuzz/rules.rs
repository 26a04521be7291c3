//! The machine-checkable form of the declared divergences from dictwalk 2.6.0
//! (`parity/rules.json`, beside the corpus directory): each rule names a kind of difference, the spec item that decides it,
//! the pair of outcomes it allows (ours, 2.6.0's) and a pattern of the paths it covers, so that
//! `--fuzz --mutate` classes every difference with 2.6.0 as declared or undeclared by itself.
//!
//! A file of rules is `{"schema_version": 1, "description": ..., "rules": [rule, ...]}` and a
//! rule is `{"kind", "spec", "reason", "ours", "legacy", "path", "ops"?, "doc"?, "args"?,
//! "backend"?}`: `backend` is the backend whose differences from the reference it declares,
//! `legacy` (2.6.0) unless it says `core` (the core's declared limits of JSON), and then:
//! `ours` and `legacy` are an outcome kind or a list of them (`value`, `document`, an error
//! class such as `DictWalkParseError`, `crash` for a worker that died, or `*` for any), `path` a
//! regular expression searched in the path, `ops` the operations it covers (all when absent),
//! `doc` and `args` regular expressions searched in the case's document and arguments as JSON
//! text (the robustness documents' constructors, such as `$cycle`, name them), and `brackets`
//! a property of the path's brackets that no regular expression can state: `"misnested"`, some
//! `]`, `)` or `}` meets an opener of another kind ([`brackets_misnest`]).

use std::fs;
use std::path::Path;

use anyhow::{bail, Context};
use dictwalk_corpus::{Backend, Op, Outcome};
use regex::Regex;
use serde_json::Value;

/// The file of rules, beside the corpus directory.
pub const RULES: &str = "rules.json";

/// One declared kind of difference with 2.6.0.
#[derive(Debug)]
pub struct Rule {
    pub kind: String,
    pub spec: String,
    pub reason: String,
    backend: Backend,
    ours: Vec<String>,
    legacy: Vec<String>,
    path: Regex,
    ops: Option<Vec<Op>>,
    doc: Option<Regex>,
    args: Option<Regex>,
    /// The path's brackets must not nest (`"brackets": "misnested"`).
    misnested: bool,
}

/// What a rule is matched against: one difference between the reference and 2.6.0.
pub struct Difference<'a> {
    /// The backend that differs from the reference.
    pub backend: Backend,
    pub op: Op,
    pub path: &'a str,
    pub doc: &'a Value,
    pub args: &'a serde_json::Map<String, Value>,
    /// The reference's outcome kind ([`outcome_kind`]).
    pub ours: &'a str,
    /// The other backend's outcome kind.
    pub legacy: &'a str,
}

/// The rules, in the file's order: the first that covers a difference names its kind.
#[derive(Debug, Default)]
pub struct Rules {
    pub rules: Vec<Rule>,
}

/// The kind of an outcome as rules name it: `value`, `document`, the error class, or `crash`.
pub fn outcome_kind(outcome: &Result<Outcome, String>) -> String {
    match outcome {
        Ok(Outcome::Value(_)) => "value".into(),
        Ok(Outcome::Doc { .. }) => "document".into(),
        Ok(Outcome::Error { class, .. }) => class.clone(),
        Err(_) => "crash".into(),
    }
}

impl Rules {
    /// Reads a file of rules; a malformed file is an error naming the file and the rule.
    pub fn load(file: &Path) -> anyhow::Result<Rules> {
        let text = fs::read_to_string(file).with_context(|| format!("read {}", file.display()))?;
        Rules::parse(&text).with_context(|| file.display().to_string())
    }

    /// The rules of a file's text.
    pub fn parse(text: &str) -> anyhow::Result<Rules> {
        let value: Value = serde_json::from_str(text).context("not JSON")?;
        if value.get("schema_version").and_then(Value::as_u64) != Some(1) {
            bail!("schema_version must be 1");
        }
        let Some(entries) = value.get("rules").and_then(Value::as_array) else {
            bail!("'rules' must be a list");
        };
        let mut rules = Vec::with_capacity(entries.len());
        for (n, entry) in entries.iter().enumerate() {
            let field = |name: &str| -> anyhow::Result<String> {
                match entry.get(name).and_then(Value::as_str) {
                    Some(text) if !text.is_empty() => Ok(text.to_owned()),
                    _ => bail!("rule {n}: '{name}' must be a non-empty string"),
                }
            };
            let kind = field("kind")?;
            let regex = |name: &str| -> anyhow::Result<Option<Regex>> {
                match entry.get(name) {
                    None => Ok(None),
                    Some(Value::String(pattern)) => {
                        Regex::new(pattern).map(Some).with_context(|| {
                            format!("rule {n} ({kind}): '{name}' is not a regular expression")
                        })
                    }
                    Some(_) => bail!("rule {n} ({kind}): '{name}' must be a regular expression"),
                }
            };
            let Some(path) = regex("path")? else {
                bail!("rule {n} ({kind}): 'path' must be a regular expression");
            };
            let kinds = |name: &str| -> anyhow::Result<Vec<String>> {
                let listed = match entry.get(name) {
                    Some(Value::String(one)) => vec![one.clone()],
                    Some(Value::Array(many)) => many
                        .iter()
                        .map(|v| v.as_str().map(str::to_owned))
                        .collect::<Option<Vec<_>>>()
                        .unwrap_or_default(),
                    _ => Vec::new(),
                };
                if listed.is_empty() || listed.iter().any(String::is_empty) {
                    bail!("rule {n} ({kind}): '{name}' must be an outcome kind or a list of them");
                }
                Ok(listed)
            };
            let ops = match entry.get("ops") {
                None => None,
                Some(Value::Array(names)) => {
                    let mut ops = Vec::new();
                    for name in names {
                        let op = name.as_str().and_then(Op::from_name);
                        let Some(op) = op else {
                            bail!("rule {n} ({kind}): unknown op {name}");
                        };
                        ops.push(op);
                    }
                    Some(ops)
                }
                Some(_) => bail!("rule {n} ({kind}): 'ops' must be a list of operations"),
            };
            let backend = match entry.get("backend").map(Value::as_str) {
                None | Some(Some("legacy")) => Backend::Legacy,
                Some(Some("core")) => Backend::Core,
                _ => bail!("rule {n} ({kind}): 'backend' must be legacy or core"),
            };
            let misnested = match entry.get("brackets") {
                None => false,
                Some(Value::String(property)) if property == "misnested" => true,
                Some(_) => bail!("rule {n} ({kind}): 'brackets' must be \"misnested\""),
            };
            rules.push(Rule {
                backend,
                misnested,
                spec: field("spec")?,
                reason: field("reason")?,
                ours: kinds("ours")?,
                legacy: kinds("legacy")?,
                doc: regex("doc")?,
                args: regex("args")?,
                kind,
                path,
                ops,
            });
        }
        Ok(Rules { rules })
    }

    /// The rule that declares this difference; None when no rule does (it is undeclared).
    pub fn declared(&self, difference: &Difference<'_>) -> Option<&Rule> {
        let kind_in = |kinds: &[String], kind: &str| kinds.iter().any(|k| k == "*" || k == kind);
        let json_matches = |pattern: &Option<Regex>, value: &dyn Fn() -> String| {
            pattern.as_ref().is_none_or(|re| re.is_match(&value()))
        };
        self.rules.iter().find(|rule| {
            rule.backend == difference.backend
                && rule
                    .ops
                    .as_ref()
                    .is_none_or(|ops| ops.contains(&difference.op))
                && kind_in(&rule.ours, difference.ours)
                && kind_in(&rule.legacy, difference.legacy)
                && rule.path.is_match(difference.path)
                && json_matches(&rule.doc, &|| difference.doc.to_string())
                && json_matches(&rule.args, &|| {
                    Value::Object(difference.args.clone()).to_string()
                })
                && (!rule.misnested || brackets_misnest(difference.path))
        })
    }
}

/// Whether, inside some predicate of `path` (from a `[?` to the `]` that closes it), a `]`,
/// `)` or `}` meets an open bracket of another kind (`[?.([)]]`, `[?.([[])]]`), quoted text
/// aside: spec 2.1's three bracket kinds must nest, which counting each kind (as 2.6.0 does)
/// does not see. Outside a predicate brackets and quotes may be text of a key (`["[?.[(])]`).
pub fn brackets_misnest(path: &str) -> bool {
    path.match_indices("[?")
        .any(|(at, _)| predicate_misnests(path.get(at..).unwrap_or_default()))
}

/// [`brackets_misnest`] for the predicate that `text` starts with.
fn predicate_misnests(text: &str) -> bool {
    let mut open = Vec::new();
    let mut quote = None;
    for c in text.chars() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            continue;
        }
        let opener = match c {
            '\'' | '"' => {
                quote = Some(c);
                continue;
            }
            '[' | '(' | '{' => {
                open.push(c);
                continue;
            }
            ']' => '[',
            ')' => '(',
            '}' => '{',
            _ => continue,
        };
        match open.last() {
            Some(&top) if top == opener => {
                open.pop();
                if open.is_empty() {
                    return false;
                }
            }
            Some(_) => return true,
            None => return false,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rules(text: &str) -> anyhow::Result<Rules> {
        Rules::parse(text)
    }

    /// The kind of the rule that declares a difference from 2.6.0 on `doc`, if one does.
    fn legacy_kind(
        rules: &Rules,
        doc: &Value,
        op: Op,
        path: &str,
        ours: &str,
        legacy: &str,
    ) -> Option<String> {
        let args = serde_json::Map::new();
        let difference = Difference {
            backend: Backend::Legacy,
            op,
            path,
            doc,
            args: &args,
            ours,
            legacy,
        };
        rules.declared(&difference).map(|rule| rule.kind.clone())
    }

    #[test]
    fn a_rule_covers_its_outcome_pair_and_paths_only() -> anyhow::Result<()> {
        let text = r#"{"schema_version": 1, "rules": [
            {"kind": "unclosed", "spec": "2.1", "reason": "r", "ours": "DictWalkParseError",
             "legacy": "value", "path": "\\[\\?[^\\]]*$", "ops": ["get"]},
            {"kind": "any", "spec": "9.1", "reason": "r", "ours": "*", "legacy": "crash", "path": "é"},
            {"kind": "cycle", "spec": "9.6", "reason": "r", "ours": ["value", "document"],
             "legacy": "crash", "path": "\\*\\*", "doc": "\\$cycle"},
            {"kind": "json", "spec": "core", "reason": "r", "ours": "*", "legacy": "*",
             "path": "group_by", "backend": "core"}]}"#;
        let rules = rules(text)?;
        let (doc, args) = (json!({"a": {"$cycle": 1}}), serde_json::Map::new());
        let kind = |op, path, ours, legacy| legacy_kind(&rules, &doc, op, path, ours, legacy);
        assert_eq!(
            kind(Op::Get, "a[?.id==1", "DictWalkParseError", "value").as_deref(),
            Some("unclosed")
        );
        assert_eq!(
            kind(Op::Set, "a[?.id==1", "DictWalkParseError", "value"),
            None
        );
        assert_eq!(
            kind(Op::Get, "a[?.id==1]", "DictWalkParseError", "value"),
            None
        );
        assert_eq!(kind(Op::Get, "a[?.id==1", "value", "value"), None);
        assert_eq!(
            kind(Op::Unset, "a[?.s=='é']", "document", "crash").as_deref(),
            Some("any")
        );
        assert_eq!(
            kind(Op::Get, "**", "value", "crash").as_deref(),
            Some("cycle")
        );
        assert_eq!(kind(Op::Get, "**", "DictWalkParseError", "crash"), None);
        // A rule of the core's declares nothing of 2.6.0's, and the other way round.
        assert_eq!(kind(Op::Get, "a|$group_by('k')", "value", "value"), None);
        let core = Difference {
            backend: Backend::Core,
            op: Op::Get,
            path: "a|$group_by('k')",
            doc: &doc,
            args: &args,
            ours: "value",
            legacy: "value",
        };
        assert_eq!(rules.declared(&core).map(|r| r.kind.as_str()), Some("json"));
        Ok(())
    }

    #[test]
    fn the_projects_rules_load_and_class_what_they_say() -> anyhow::Result<()> {
        let file = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../parity")
            .join(RULES);
        let rules = Rules::load(&file)?;
        let doc = json!({});
        let kind = |op, path, ours, legacy| legacy_kind(&rules, &doc, op, path, ours, legacy);
        let lhs_pipeline = Some("predicate left side: relative path and pipeline");
        for path in [
            "a[?.x.y|$len>2]",
            "a[?.=||$gt(1)].id",
            "a[?.x[?.y==1]|$len>1].n",
        ] {
            assert_eq!(
                kind(Op::Get, path, "value", "value").as_deref(),
                lhs_pipeline,
                "{path}"
            );
        }
        // A transform after the predicate is not its left side.
        assert_ne!(
            kind(Op::Get, "a[?.x==1]|$len", "value", "value").as_deref(),
            lhs_pipeline
        );
        assert_eq!(
            kind(Op::Unset, "a[?.v>=$$root.x]", "document", "document").as_deref(),
            Some("$$root on a predicate's right side in unset")
        );
        assert_eq!(kind(Op::Get, "a.b", "value", "value"), None);
        // Brackets that nest one level deeper than a regular expression follows.
        assert_eq!(
            kind(Op::Get, "a[?.([[])]]", "DictWalkParseError", "value").as_deref(),
            Some("brackets that do not nest in a predicate")
        );
        assert_eq!(
            kind(Op::Get, "a[?.([[]])]", "DictWalkParseError", "value"),
            None
        );
        for path in [".d[?..[()]]", ".d[?..[1()]]", "c[0].d[?..[()]]"] {
            assert_eq!(
                kind(Op::Get, path, "DictWalkParseError", "value").as_deref(),
                Some("malformed root selector"),
                "{path}"
            );
        }
        for path in ["a[?..[0]==1]", "a[?..[1:]]", ".[?.x==1]", ".[]"] {
            assert_eq!(
                kind(Op::Get, path, "DictWalkParseError", "value"),
                None,
                "{path}"
            );
        }
        for path in ["a[?.=[]y==1].", "a[?.!([])==1].", "a[?.([=])==1]."] {
            assert_eq!(
                kind(Op::Set, path, "document", "document").as_deref(),
                Some("key created for a predicate whose key holds brackets"),
                "{path}"
            );
        }
        // 2.6.0's DictWalkError for every filter is named by the call that meets it.
        assert_eq!(
            kind(Op::GetPathFilter, "upper", "value", "DictWalkError").as_deref(),
            Some("get_path_filter refused by 2.6.0")
        );
        assert_eq!(
            kind(Op::Get, "a|$corpus_rebind", "value", "DictWalkError").as_deref(),
            Some("custom filter refused by 2.6.0")
        );
        Ok(())
    }

    #[test]
    fn malformed_rules_are_refused_with_their_place() {
        let refused = |text: &str| rules(text).err().map(|e| format!("{e:#}"));
        assert!(refused("[]").is_some_and(|e| e.contains("schema_version")));
        let no_kind = r#"{"schema_version": 1, "rules": [{"spec": "2.1"}]}"#;
        assert!(refused(no_kind).is_some_and(|e| e.contains("rule 0: 'kind'")));
        let bad_regex = r#"{"schema_version": 1, "rules": [{"kind": "k", "spec": "s",
            "reason": "r", "ours": "*", "legacy": "*", "path": "("}]}"#;
        assert!(refused(bad_regex).is_some_and(|e| e.contains("rule 0 (k)")));
        let bad_op = r#"{"schema_version": 1, "rules": [{"kind": "k", "spec": "s",
            "reason": "r", "ours": "*", "legacy": "*", "path": "a", "ops": ["read"]}]}"#;
        assert!(refused(bad_op).is_some_and(|e| e.contains("unknown op")));
        let bad_brackets = r#"{"schema_version": 1, "rules": [{"kind": "k", "spec": "s",
            "reason": "r", "ours": "*", "legacy": "*", "path": "a", "brackets": "odd"}]}"#;
        assert!(refused(bad_brackets).is_some_and(|e| e.contains("'brackets'")));
    }

    #[test]
    fn misnested_brackets_are_told_from_nested_and_unbalanced_ones() {
        for path in [
            "a[?.([)]]",
            "a[?.([[])]]",
            "a[?.{''[}]]",
            "a[?.[(])]",
            "\"[?.[(])]",
            "[\"[?.[(])]",
            "a[?.b==1][?.([)]]",
        ] {
            assert!(brackets_misnest(path), "{path}");
        }
        for path in [
            "a[?.([])==1]",
            "a[?.s==')[']",
            "a[?.s==\"{]\"]",
            "a[?.id==1",
            "a]",
            "x|$add(2)",
            "a[?.b[?.c==(1, 2)]]",
            "(]",
            "a([)]",
            "a[?.x==1]([)]",
        ] {
            assert!(!brackets_misnest(path), "{path}");
        }
    }
}
