//! Criterion benchmarks of the core over serde_json documents: the scenario suite's five
//! workloads (parse, read, filter, transform, write) without Python in the way.
//!
//! Every benchmark checks its result against the hand-computed one before it is timed, so a
//! benchmark never times an error or a null.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use dictwalk_benches as data;
use dictwalk_core::compile::compile;
use dictwalk_core::json::{self, GetOptions, SetOptions};
use dictwalk_core::syntax::Mode;
use serde_json::{json, Value};

/// Stops the run unless `get` gives `expected`, which must not be null.
fn check_get(doc: &Value, path: &str, expected: &Value) {
    assert!(
        !expected.is_null(),
        "{path:?}: a benchmark must not time a null"
    );
    let got = json::get(doc, path, GetOptions::default());
    assert_eq!(got.as_ref().ok(), Some(expected), "{path:?} gave {got:?}");
}

/// `get`, checked once against the expected value and then timed.
fn bench_get(
    c: &mut Criterion,
    group: &str,
    name: &str,
    doc: &Value,
    path: &str,
    expected: &Value,
) {
    check_get(doc, path, expected);
    c.benchmark_group(group).bench_function(name, |b| {
        b.iter(|| json::get(black_box(doc), black_box(path), GetOptions::default()))
    });
}

/// Parsing: paths never seen before. `compile` has no cache; `get` runs on the shared engine,
/// whose cache (2,048 programs, the oldest half evicted when full) cannot hold a cycle of 64,000
/// paths, so every timed `get` compiles its path.
fn parse(c: &mut Criterion) {
    let doc = data::parse_doc();
    let paths = data::parse_paths();
    // Checked from the end of the cycle: by the time the timed loops get there, 63,000 other
    // paths have pushed these out of the cache.
    for (path, leaf) in paths.iter().rev().take(1000) {
        check_get(&doc, path, leaf);
    }
    let no_custom = |_: &str| false;
    let mut group = c.benchmark_group("parse");
    let mut next = 0;
    group.bench_function("compile_distinct", |b| {
        b.iter(|| {
            let (path, _) = &paths[next % paths.len()];
            next += 1;
            compile(black_box(path), Mode::Read, &no_custom)
        })
    });
    let mut next = 0;
    group.bench_function("get_distinct", |b| {
        b.iter(|| {
            let (path, _) = &paths[next % paths.len()];
            next += 1;
            json::get(black_box(&doc), black_box(path), GetOptions::default())
        })
    });
    group.finish();
}

fn read(c: &mut Criterion) {
    let doc = data::get_doc();
    bench_get(c, "read", "get_abc", &doc, "a.b.c", &json!(42));

    let users = data::users_doc(100);
    bench_get(
        c,
        "read",
        "wildcard_100",
        &users,
        "users.*.name",
        &data::user_names(&users),
    );

    let (tree, count) = data::tree_doc(3, 5);
    let ids: Value = (1..=count).collect();
    bench_get(c, "read", "deep_363", &tree, "tree.**.id", &ids);
}

fn filter(c: &mut Criterion) {
    let items = data::items_doc(500);
    let expected = data::ids_scoring_over(&items, 50);
    bench_get(
        c,
        "filter",
        "predicate_500",
        &items,
        "items[?.score>50].id[]",
        &expected,
    );
}

fn transform(c: &mut Criterion) {
    let items = data::items_doc(500);
    let path = "items.score[]|$double[]|$sum";
    bench_get(
        c,
        "transform",
        "sum_500",
        &items,
        path,
        &data::doubled_score_sum(&items),
    );
    let path = "items|$sort_by('score')|$first";
    bench_get(
        c,
        "transform",
        "sort_first_500",
        &items,
        path,
        &data::first_by_score(&items),
    );
}

/// Writes run on fresh clones made outside the timed region (`iter_batched`).
fn write(c: &mut Criterion) {
    let base = data::write_doc();
    let mut group = c.benchmark_group("write");

    let mut expected = base.clone();
    expected["a"]["b"]["c"] = json!(7);
    let mut doc = base.clone();
    assert_eq!(
        json::set(&mut doc, "a.b.c", json!(7), SetOptions::default()),
        Ok(())
    );
    assert_eq!(doc, expected);
    group.bench_function("set_abc", |b| {
        b.iter_batched_ref(
            || base.clone(),
            |doc| json::set(doc, black_box("a.b.c"), json!(7), SetOptions::default()),
            BatchSize::SmallInput,
        )
    });

    let mut expected = base.clone();
    if let Some(b) = expected["a"]["b"].as_object_mut() {
        b.remove("d");
    }
    let mut doc = base.clone();
    assert_eq!(json::unset(&mut doc, "a.b.d", false), Ok(()));
    assert_eq!(doc, expected);
    group.bench_function("unset_abd", |b| {
        b.iter_batched_ref(
            || base.clone(),
            |doc| json::unset(doc, black_box("a.b.d"), false),
            BatchSize::SmallInput,
        )
    });

    let mut items = data::items_doc(100);
    let mut expected = items.clone();
    for item in expected["items"].as_array_mut().into_iter().flatten() {
        item["seen"] = json!(true);
    }
    let fresh = items.clone();
    let written = json::set(
        &mut items,
        "items[].seen",
        json!(true),
        SetOptions::default(),
    );
    assert_eq!(written, Ok(()));
    assert_eq!(items, expected);
    group.bench_function("set_all_100", |b| {
        b.iter_batched_ref(
            || fresh.clone(),
            |doc| {
                json::set(
                    doc,
                    black_box("items[].seen"),
                    json!(true),
                    SetOptions::default(),
                )
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, parse, read, filter, transform, write);
criterion_main!(benches);
