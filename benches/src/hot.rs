//! The core's hot paths, defined once: the criterion benchmarks (`benches/core.rs`) time them
//! and the instruction runner (`src/bin/core-instructions.rs`) counts them under callgrind, so
//! the two always measure the same calls on the same data.
//!
//! Each hot path is checked against its hand-computed result before it is measured, so nothing
//! here ever measures an error or a null.

use dictwalk_core::{
    compile::compile,
    json::{self, GetOptions, SetOptions},
    syntax::Mode,
};
use serde_json::{json, Value};

use crate as data;

/// What one call does.
pub enum Op {
    /// `get(doc, path)`.
    Get(&'static str),
    /// `compile(path)` of the next path of a cycle no cache holds (the paths of `parse_doc`).
    Compile(Vec<String>),
    /// `get(doc, path)` of the next path of the cycle, each compiled anew.
    GetDistinct(Vec<String>),
    /// `set(copy, path, value)` on a fresh copy of the document, made outside the measured
    /// region.
    Set(&'static str, Value),
    /// `unset(copy, path)` on a fresh copy, as `Set`.
    Unset(&'static str),
}

/// One hot path: `group.name` (criterion's id, and the instruction runner's scenario id).
pub struct HotPath {
    pub group: &'static str,
    pub name: &'static str,
    pub doc: Value,
    pub op: Op,
    /// The result of a read, or the document after a write.
    pub expected: Value,
}

impl HotPath {
    pub fn id(&self) -> String {
        format!("{}.{}", self.group, self.name)
    }

    /// Whether the call changes its document (it then runs on fresh copies).
    pub fn writes(&self) -> bool {
        matches!(self.op, Op::Set(..) | Op::Unset(_))
    }

    /// The `n`-th read call: its result (a compiled path gives null), or the error, unchecked
    /// (what is measured is the call, not a comparison; `check` compares).
    pub fn read(&self, n: usize) -> Result<Value, String> {
        match &self.op {
            Op::Get(path) => json::get(&self.doc, path, GetOptions::default()),
            Op::GetDistinct(paths) => json::get(&self.doc, nth(paths, n), GetOptions::default()),
            Op::Compile(paths) => {
                return compile(nth(paths, n), Mode::Read, &|_: &str| false)
                    .map(|_| Value::Null)
                    .map_err(|e| format!("{e:?}"))
            }
            Op::Set(..) | Op::Unset(_) => {
                return Err("a write runs on a copy: use `write`".to_owned())
            }
        }
        .map_err(|e| format!("{e:?}"))
    }

    /// One write call on `doc` (a fresh copy of `self.doc`).
    pub fn write(&self, doc: &mut Value) -> Result<(), String> {
        let done = match &self.op {
            Op::Set(path, value) => json::set(doc, path, value.clone(), SetOptions::default()),
            Op::Unset(path) => json::unset(doc, path, false),
            _ => return Err("a read does not take a copy: use `read`".to_owned()),
        };
        done.map_err(|e| format!("{e:?}"))
    }

    /// Checks the hot path once: the read's result, or the document a write leaves.
    pub fn check(&self) -> Result<(), String> {
        let checked = if self.writes() {
            let mut doc = self.doc.clone();
            self.write(&mut doc).and_then(|()| {
                if doc == self.expected {
                    Ok(())
                } else {
                    Err(format!("left {doc}"))
                }
            })
        } else {
            // Several calls, so that a cycle's first paths are checked, not only one.
            (0..64).try_for_each(|n| match (&self.op, self.read(n)) {
                (Op::Get(_), Ok(v)) if v == self.expected && !v.is_null() => Ok(()),
                // The leaf of `a.k{i}.k{j}.k{k}` is a number, never null.
                (Op::GetDistinct(_), Ok(v)) if !v.is_null() => Ok(()),
                (Op::Compile(_), Ok(_)) => Ok(()),
                (_, got) => Err(format!("call {n} gave {got:?}, expected {}", self.expected)),
            })
        };
        checked.map_err(|why| format!("{}: {why}", self.id()))
    }
}

/// The `n`-th path of a cycle.
fn nth(paths: &[String], n: usize) -> &str {
    paths.get(n % paths.len().max(1)).map_or("", String::as_str)
}

fn get(
    group: &'static str,
    name: &'static str,
    doc: Value,
    path: &'static str,
    expected: Value,
) -> HotPath {
    HotPath {
        group,
        name,
        doc,
        op: Op::Get(path),
        expected,
    }
}

/// Every hot path: the scenario suite's five workloads (parse, read, filter, transform, write)
/// on the core alone.
pub fn all() -> Vec<HotPath> {
    let parse_paths: Vec<String> = data::parse_paths().into_iter().map(|(p, _)| p).collect();
    let (tree, count) = data::tree_doc(3, 5);
    let ids: Value = (1..=count).collect();
    let users = data::users_doc(100);
    let items = data::items_doc(500);
    let base = data::write_doc();

    let mut set_abc = base.clone();
    set_abc["a"]["b"]["c"] = json!(7);
    let mut unset_abd = base.clone();
    if let Some(b) = unset_abd["a"]["b"].as_object_mut() {
        b.remove("d");
    }
    let items_100 = data::items_doc(100);
    let mut seen_100 = items_100.clone();
    for item in seen_100["items"].as_array_mut().into_iter().flatten() {
        item["seen"] = json!(true);
    }

    vec![
        HotPath {
            group: "parse",
            name: "compile_distinct",
            doc: Value::Null,
            op: Op::Compile(parse_paths.clone()),
            expected: Value::Null,
        },
        HotPath {
            group: "parse",
            name: "get_distinct",
            doc: data::parse_doc(),
            op: Op::GetDistinct(parse_paths),
            expected: Value::Null,
        },
        get("read", "get_abc", data::get_doc(), "a.b.c", json!(42)),
        get(
            "read",
            "wildcard_100",
            users.clone(),
            "users.*.name",
            data::user_names(&users),
        ),
        get("read", "deep_363", tree, "tree.**.id", ids),
        get(
            "filter",
            "predicate_500",
            items.clone(),
            "items[?.score>50].id[]",
            data::ids_scoring_over(&items, 50),
        ),
        get(
            "transform",
            "sum_500",
            items.clone(),
            "items.score[]|$double[]|$sum",
            data::doubled_score_sum(&items),
        ),
        get(
            "transform",
            "sort_first_500",
            items.clone(),
            "items|$sort_by('score')|$first",
            data::first_by_score(&items),
        ),
        HotPath {
            group: "write",
            name: "set_abc",
            doc: base.clone(),
            op: Op::Set("a.b.c", json!(7)),
            expected: set_abc,
        },
        HotPath {
            group: "write",
            name: "unset_abd",
            doc: base,
            op: Op::Unset("a.b.d"),
            expected: unset_abd,
        },
        HotPath {
            group: "write",
            name: "set_all_100",
            doc: items_100,
            op: Op::Set("items[].seen", json!(true)),
            expected: seen_100,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_hot_path_gives_its_expected_result() {
        let paths = all();
        let mut ids: Vec<String> = paths.iter().map(HotPath::id).collect();
        for path in &paths {
            assert_eq!(path.check(), Ok(()));
        }
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), paths.len(), "hot path ids are unique");
    }

    #[test]
    fn a_wrong_expectation_is_caught() {
        let mut path = get("read", "x", data::get_doc(), "a.b.c", json!(43));
        assert!(path.check().is_err());
        path.expected = json!(42);
        assert_eq!(path.check(), Ok(()));
        // A write whose document does not come out as expected.
        let wrong = HotPath {
            group: "write",
            name: "x",
            doc: data::write_doc(),
            op: Op::Unset("a.b.d"),
            expected: data::write_doc(),
        };
        assert!(wrong.check().is_err());
    }
}
