//! Seeded documents for the core's hot paths (`hot`), which the criterion benchmarks
//! (`benches/core.rs`) time and `core-instructions` counts, with the expected result of each
//! computed by hand, as `benches/workload.py` does for the scenario suite. The shapes are the
//! suite's; the random numbers are not Python's.

pub mod hot;

use serde_json::{json, Map, Value};

/// The documents' seed; any change of data is a change of this number or of a builder.
pub const SEED: u64 = 20_260_611;

/// Keys per level of the parse documents: `a.k{i}.k{j}.k{k}` gives `PARSE_FANOUT^3` paths.
pub const PARSE_FANOUT: usize = 40;

/// SplitMix64: a tiny, well-mixed generator, so the data needs no dependency and never changes.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..=max` (modulo bias is irrelevant for benchmark data).
    pub fn up_to(&mut self, max: u64) -> u64 {
        self.next_u64() % (max + 1)
    }
}

/// `{"a": {"b": {"c": 42, ...}, ...}, ...}`: the simple get.
pub fn get_doc() -> Value {
    json!({
        "a": {"b": {"c": 42, "d": "dee", "e": [1, 2, 3]}, "f": {"g": null}},
        "h": {"i": true, "j": 3.5}
    })
}

/// `{"users": {"u000": {"name": "user0", ...}, ...}}` with `count` users.
pub fn users_doc(count: usize) -> Value {
    let mut rng = Rng::new(SEED + 1);
    let users: Map<String, Value> = (0..count)
        .map(|i| {
            let user =
                json!({"name": format!("user{i}"), "age": 18 + rng.up_to(72), "tags": ["x", "y"]});
            (format!("u{i:03}"), user)
        })
        .collect();
    json!({ "users": users })
}

/// The names of `users_doc`, in order: the expected result of `users.*.name`.
pub fn user_names(doc: &Value) -> Value {
    let names = doc["users"]
        .as_object()
        .map(|users| users.values().map(|user| user["name"].clone()).collect())
        .unwrap_or_default();
    Value::Array(names)
}

/// `{"tree": {"children": [...]}}`: nodes numbered in pre-order from 1; the root has no `id`,
/// so `tree.**.id` gives `1..=n` in order.
pub fn tree_doc(fanout: usize, depth: usize) -> (Value, u64) {
    fn node(level: usize, fanout: usize, depth: usize, counter: &mut u64) -> Value {
        *counter += 1;
        let number = *counter;
        let children: Vec<Value> = if level < depth {
            (0..fanout)
                .map(|_| node(level + 1, fanout, depth, counter))
                .collect()
        } else {
            Vec::new()
        };
        json!({"id": number, "label": format!("node{number}"), "children": children})
    }
    let mut counter = 0;
    let children: Vec<Value> = (0..fanout)
        .map(|_| node(1, fanout, depth, &mut counter))
        .collect();
    (json!({"tree": {"children": children}}), counter)
}

/// `{"items": [{"id": i, "score": 0..=100, "name": "item{i}", "active": bool}, ...]}`.
pub fn items_doc(count: usize) -> Value {
    let mut rng = Rng::new(SEED + 2);
    let items: Vec<Value> = (0..count)
        .map(|i| {
            let score = rng.up_to(100);
            let active = rng.up_to(1) == 1;
            json!({"id": i, "score": score, "name": format!("item{i}"), "active": active})
        })
        .collect();
    json!({ "items": items })
}

fn items(doc: &Value) -> &[Value] {
    doc["items"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// `items[?.score>50].id[]` by hand.
pub fn ids_scoring_over(doc: &Value, threshold: u64) -> Value {
    items(doc)
        .iter()
        .filter(|item| {
            item["score"]
                .as_u64()
                .is_some_and(|score| score > threshold)
        })
        .map(|item| item["id"].clone())
        .collect()
}

/// `items.score[]|$double[]|$sum` by hand (integers stay integers, as in Python).
pub fn doubled_score_sum(doc: &Value) -> Value {
    let sum: u64 = items(doc)
        .iter()
        .filter_map(|item| item["score"].as_u64())
        .map(|score| score * 2)
        .sum();
    Value::from(sum)
}

/// `items|$sort_by('score')|$first` by hand: the first item with the lowest score.
pub fn first_by_score(doc: &Value) -> Value {
    let mut sorted: Vec<&Value> = items(doc).iter().collect();
    sorted.sort_by_key(|item| item["score"].as_u64());
    sorted
        .first()
        .map(|item| (*item).clone())
        .unwrap_or(Value::Null)
}

/// The leaf at `a.k{i}.k{j}.k{k}` of `parse_doc`.
pub fn parse_leaf(i: usize, j: usize, k: usize) -> Value {
    Value::from(i * 10_000 + j * 100 + k)
}

/// `{"a": {"k0": {"k0": {"k0": 0, ...}, ...}, ...}}` with `PARSE_FANOUT` keys on each level.
pub fn parse_doc() -> Value {
    let level = |f: &dyn Fn(usize) -> Value| -> Value {
        Value::Object((0..PARSE_FANOUT).map(|n| (format!("k{n}"), f(n))).collect())
    };
    json!({"a": level(&|i| level(&|j| level(&|k| parse_leaf(i, j, k))))})
}

/// Every path of `parse_doc` once, in a seeded shuffled order, with its leaf.
pub fn parse_paths() -> Vec<(String, Value)> {
    let mut paths: Vec<(String, Value)> = Vec::with_capacity(PARSE_FANOUT.pow(3));
    for i in 0..PARSE_FANOUT {
        for j in 0..PARSE_FANOUT {
            for k in 0..PARSE_FANOUT {
                paths.push((format!("a.k{i}.k{j}.k{k}"), parse_leaf(i, j, k)));
            }
        }
    }
    // Fisher-Yates with the seeded generator.
    let mut rng = Rng::new(SEED);
    for n in (1..paths.len()).rev() {
        let pick = usize::try_from(rng.up_to(n as u64)).unwrap_or(0);
        paths.swap(n, pick);
    }
    paths
}

/// The small document of the `set`/`unset` benchmarks.
pub fn write_doc() -> Value {
    json!({"a": {"b": {"c": 1, "d": 2}, "x": [1, 2, 3]}, "meta": {"version": 1}})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_is_seeded() {
        assert_eq!(items_doc(50), items_doc(50));
        assert_eq!(parse_paths()[..20], parse_paths()[..20]);
    }

    #[test]
    fn hand_written_results_match_the_data() {
        let doc = items_doc(500);
        let ids = ids_scoring_over(&doc, 50);
        let count = ids.as_array().map_or(0, Vec::len);
        assert!(
            count > 150 && count < 350,
            "{count} of 500 items score over 50"
        );
        let first = first_by_score(&doc);
        assert!(items(&doc)
            .iter()
            .all(|item| item["score"].as_u64() >= first["score"].as_u64()));
        let total: u64 = items(&doc).iter().filter_map(|i| i["score"].as_u64()).sum();
        assert_eq!(doubled_score_sum(&doc), Value::from(total * 2));
    }

    #[test]
    fn tree_is_numbered_in_pre_order() {
        let (doc, count) = tree_doc(3, 5);
        assert_eq!(count, 3 + 9 + 27 + 81 + 243);
        assert_eq!(doc["tree"]["children"][0]["id"], 1);
        assert_eq!(doc["tree"]["children"][0]["children"][0]["id"], 2);
        assert_eq!(doc["tree"]["children"][1]["id"], 121 + 1);
    }

    #[test]
    fn parse_paths_are_distinct_and_resolve() {
        let paths = parse_paths();
        assert_eq!(paths.len(), PARSE_FANOUT.pow(3));
        let unique: std::collections::HashSet<&str> =
            paths.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(unique.len(), paths.len());
        let doc = parse_doc();
        for (path, leaf) in paths.iter().take(100) {
            let pointer = format!("/{}", path.replace('.', "/"));
            assert_eq!(doc.pointer(&pointer), Some(leaf), "{path}");
        }
    }
}
