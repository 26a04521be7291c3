//! Core metadata (a wheel's METADATA, an sdist's PKG-INFO): parsing the email-header format, and
//! comparing the fields a user sees on PyPI and through `importlib.metadata`.

use std::collections::BTreeMap;

use crate::drift::report::{Check, Finding};

/// A parsed METADATA/PKG-INFO: headers in order (a field may repeat) and the description.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    headers: Vec<(String, String)>,
    body: Option<String>,
}

impl Metadata {
    /// Parses the format of the core metadata specification: `Name: value` lines, continuation
    /// lines starting with whitespace, then an empty line and the description as the body.
    pub fn parse(text: &str) -> Metadata {
        let text = text.replace("\r\n", "\n");
        let (head, body) = match text.split_once("\n\n") {
            Some((head, body)) => (head.to_owned(), Some(body.to_owned())),
            None => (text.clone(), None),
        };
        let mut headers: Vec<(String, String)> = Vec::new();
        for line in head.lines() {
            if line.starts_with([' ', '\t']) {
                if let Some((_, value)) = headers.last_mut() {
                    value.push('\n');
                    value.push_str(line.trim_start());
                }
            } else if let Some((name, value)) = line.split_once(':') {
                headers.push((name.trim().to_owned(), value.trim().to_owned()));
            }
        }
        Metadata { headers, body }
    }

    /// Every value of `field`, in order; field names are case-insensitive.
    pub fn values(&self, field: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case(field))
            .map(|(_, value)| value.as_str())
            .collect()
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.values(field).into_iter().next()
    }

    /// The description: the body, or the older `Description` header.
    pub fn description(&self) -> Option<&str> {
        self.body
            .as_deref()
            .filter(|body| !body.trim().is_empty())
            .or_else(|| self.get("Description"))
    }
}

/// How a field is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// At most one value, compared exactly.
    Single,
    /// Any number of values; the order carries no meaning, so they are compared as multisets.
    Multi,
    /// One comma-separated value (older writers separate by spaces), compared as a set.
    Keywords,
    /// A media type whose parameters are writer's choice (maturin adds `charset=UTF-8;
    /// variant=GFM` to the same `text/markdown` uv_build writes), compared by type alone.
    MediaType,
}

/// The fields compared, with their rules; the description body is compared after them.
const FIELDS: &[(&str, Rule)] = &[
    ("Name", Rule::Single),
    ("Version", Rule::Single),
    ("Summary", Rule::Single),
    ("Requires-Python", Rule::Single),
    ("Requires-Dist", Rule::Multi),
    ("Provides-Extra", Rule::Multi),
    ("License", Rule::Single),
    ("License-Expression", Rule::Single),
    ("License-File", Rule::Multi),
    ("Classifier", Rule::Multi),
    ("Project-URL", Rule::Multi),
    ("Home-page", Rule::Single),
    ("Keywords", Rule::Keywords),
    ("Author", Rule::Single),
    ("Author-email", Rule::Single),
    ("Maintainer", Rule::Single),
    ("Maintainer-email", Rule::Single),
    ("Description-Content-Type", Rule::MediaType),
];

/// How many fields `compare` looks at, besides the description.
pub const FIELD_COUNT: usize = FIELDS.len();

/// One side of a comparison: the metadata and the name of the distribution it came from.
pub struct Side<'a> {
    pub label: &'a str,
    pub metadata: &'a Metadata,
}

/// Every field (and the description) in which `a` and `b` differ, each as a finding that names
/// the field, both values and both distributions.
pub fn compare(a: &Side<'_>, b: &Side<'_>) -> Vec<Finding> {
    let mut found = Vec::new();
    for &(field, rule) in FIELDS {
        let (va, vb) = (a.metadata.values(field), b.metadata.values(field));
        match rule {
            Rule::Single | Rule::MediaType => {
                let norm = |values: &[&str]| -> Vec<String> {
                    values
                        .iter()
                        .map(|v| match rule {
                            Rule::MediaType => v
                                .split(';')
                                .next()
                                .unwrap_or_default()
                                .trim()
                                .to_ascii_lowercase(),
                            _ => (*v).to_owned(),
                        })
                        .collect()
                };
                let (na, nb) = (norm(&va), norm(&vb));
                if na != nb {
                    found.push(Finding::new(
                        Check::Metadata,
                        field,
                        format!(
                            "{} in {}, {} in {}",
                            shown(&va),
                            a.label,
                            shown(&vb),
                            b.label
                        ),
                    ));
                }
            }
            Rule::Multi => found.extend(multiset_difference(field, a.label, &va, b.label, &vb)),
            Rule::Keywords => {
                let split = |values: &[&str]| -> Vec<String> {
                    let mut words: Vec<String> = values
                        .iter()
                        .flat_map(|v| {
                            let sep = if v.contains(',') { ',' } else { ' ' };
                            v.split(sep)
                                .map(|w| w.trim().to_owned())
                                .collect::<Vec<_>>()
                        })
                        .filter(|w| !w.is_empty())
                        .collect();
                    words.sort();
                    words.dedup();
                    words
                };
                let (wa, wb) = (split(&va), split(&vb));
                let wa: Vec<&str> = wa.iter().map(String::as_str).collect();
                let wb: Vec<&str> = wb.iter().map(String::as_str).collect();
                found.extend(multiset_difference(field, a.label, &wa, b.label, &wb));
            }
        }
    }
    let (da, db) = (a.metadata.description(), b.metadata.description());
    let trimmed = |d: Option<&str>| d.map(str::trim_end).unwrap_or_default().to_owned();
    let (ta, tb) = (trimmed(da), trimmed(db));
    if ta != tb {
        found.push(Finding::new(
            Check::Metadata,
            "description",
            format!(
                "the description bodies differ ({} lines in {}, {} lines in {}); {}",
                ta.lines().count(),
                a.label,
                tb.lines().count(),
                b.label,
                first_difference(&ta, &tb)
            ),
        ));
    }
    found
}

fn multiset_difference(
    field: &str,
    a_label: &str,
    a: &[&str],
    b_label: &str,
    b: &[&str],
) -> Vec<Finding> {
    let count = |values: &[&str]| {
        let mut counts: BTreeMap<String, i64> = BTreeMap::new();
        for v in values {
            *counts.entry((*v).to_owned()).or_default() += 1;
        }
        counts
    };
    let (ca, cb) = (count(a), count(b));
    let mut found = Vec::new();
    for value in ca.keys().chain(cb.keys().filter(|k| !ca.contains_key(*k))) {
        let (na, nb) = (
            ca.get(value).copied().unwrap_or(0),
            cb.get(value).copied().unwrap_or(0),
        );
        if na != nb {
            let (has, lacks) = if na > nb {
                (a_label, b_label)
            } else {
                (b_label, a_label)
            };
            let what = if na.min(nb) == 0 {
                format!("{value:?} is in {has} but not in {lacks}")
            } else {
                format!("{value:?} appears {na} times in {a_label}, {nb} times in {b_label}")
            };
            found.push(Finding::new(Check::Metadata, field, what));
        }
    }
    found
}

fn shown(values: &[&str]) -> String {
    match values {
        [] => "absent".to_owned(),
        [one] => format!("{one:?}"),
        many => format!("{many:?}"),
    }
}

/// Where two texts first differ, by line, for a message.
pub fn first_difference(a: &str, b: &str) -> String {
    let (la, lb): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    for i in 0..la.len().max(lb.len()) {
        let (x, y) = (la.get(i), lb.get(i));
        if x != y {
            let side = |line: Option<&&str>| match line {
                Some(line) => format!("{:?}", truncate(line, 80)),
                None => "(end of text)".to_owned(),
            };
            return format!("first at line {}: {} vs {}", i + 1, side(x), side(y));
        }
    }
    "they differ only in line endings or trailing newlines".to_owned()
}

fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PURE: &str = "Metadata-Version: 2.4\nName: dictwalk\nVersion: 3.0.0a1\n\
        Summary: Read and mutate nested dicts\nKeywords: dict,json,path\nLicense-Expression: MIT\n\
        Classifier: Programming Language :: Python :: 3\nClassifier: Typing :: Typed\n\
        Requires-Python: >=3.10\nProject-URL: Repository, https://example.invalid/dictwalk\n\
        Description-Content-Type: text/markdown\n\n# dictwalk\n\nReads dicts.\n";

    fn compare_texts(a: &str, b: &str) -> Vec<Finding> {
        let (ma, mb) = (Metadata::parse(a), Metadata::parse(b));
        compare(
            &Side {
                label: "pure wheel",
                metadata: &ma,
            },
            &Side {
                label: "native wheel",
                metadata: &mb,
            },
        )
    }

    #[test]
    fn parses_headers_continuations_and_body() {
        let m = Metadata::parse(
            "Name: x\nLicense: MIT\n        and more\nClassifier: A\nClassifier: B\n\nbody\n",
        );
        assert_eq!(m.get("name"), Some("x"));
        assert_eq!(m.get("License"), Some("MIT\nand more"));
        assert_eq!(m.values("Classifier"), ["A", "B"]);
        assert_eq!(m.description(), Some("body\n"));
        let old = Metadata::parse("Name: x\nDescription: old style\n");
        assert_eq!(old.description(), Some("old style"));
    }

    #[test]
    fn the_same_metadata_in_another_order_and_writer_style_agrees() {
        // Field order, classifier order and maturin's media type parameters are not drift.
        let native = "Metadata-Version: 2.4\nName: dictwalk\nVersion: 3.0.0a1\n\
            Classifier: Typing :: Typed\nClassifier: Programming Language :: Python :: 3\n\
            Summary: Read and mutate nested dicts\nKeywords: path,dict,json\nLicense-Expression: MIT\n\
            Requires-Python: >=3.10\n\
            Description-Content-Type: text/markdown; charset=UTF-8; variant=GFM\n\
            Project-URL: Repository, https://example.invalid/dictwalk\n\n# dictwalk\n\nReads dicts.\n\n";
        assert_eq!(compare_texts(PURE, native), []);
    }

    #[test]
    fn each_kind_of_field_difference_is_named() {
        let cases = [
            (
                "Summary: Read and mutate nested dicts",
                "Summary: Read nested dicts",
                "Summary",
            ),
            ("Version: 3.0.0a1", "Version: 3.0.0a2", "Version"),
            (
                "Requires-Python: >=3.10",
                "Requires-Python: >=3.11",
                "Requires-Python",
            ),
            (
                "License-Expression: MIT",
                "License-Expression: Apache-2.0",
                "License-Expression",
            ),
            ("Classifier: Typing :: Typed\n", "", "Classifier"),
            (
                "Keywords: dict,json,path",
                "Keywords: dict,json",
                "Keywords",
            ),
            (
                "Project-URL: Repository, https://example.invalid/dictwalk",
                "Project-URL: Source, https://example.invalid/dictwalk",
                "Project-URL",
            ),
            (
                "Requires-Python: >=3.10\n",
                "Requires-Python: >=3.10\nRequires-Dist: regex\n",
                "Requires-Dist",
            ),
            (
                "License-Expression: MIT\n",
                "License-Expression: MIT\nLicense: MIT License\n",
                "License",
            ),
            (
                "Description-Content-Type: text/markdown",
                "Description-Content-Type: text/x-rst",
                "Description-Content-Type",
            ),
            ("Reads dicts.", "Reads lists.", "description"),
        ];
        for (from, to, field) in cases {
            let changed = PURE.replacen(from, to, 1);
            assert_ne!(changed, PURE, "the case must change something: {from}");
            let found = compare_texts(PURE, &changed);
            // A changed multi-valued field is one value gone and one come: up to two findings.
            assert!(!found.is_empty() && found.len() <= 2, "{field}: {found:?}");
            for finding in &found {
                assert_eq!(finding.subject, field);
                assert!(
                    finding.message.contains("pure wheel")
                        && finding.message.contains("native wheel")
                );
            }
        }
        let found = compare_texts(PURE, &PURE.replace("Reads dicts.", "Reads lists."));
        assert!(found[0].message.contains("line 3"), "{}", found[0].message);
    }
}
