//! Criterion benchmarks of the core over serde_json documents: the hot paths of
//! `dictwalk_benches::hot` (the scenario suite's five workloads without Python in the way),
//! which the instruction runner `core-instructions` counts as well.
//!
//! Every hot path is checked against its hand-computed result before it is timed, so a
//! benchmark never times an error or a null. Writes run on fresh copies made outside the timed
//! region (`iter_batched_ref`).
//!
//! Baselines: `cargo xtask bench --suite --criterion --save-baseline NAME` keeps this run's
//! figures under NAME, and `--criterion-baseline NAME` compares a run with them.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use dictwalk_benches::hot;

fn hot_paths(c: &mut Criterion) {
    for path in hot::all() {
        if let Err(why) = path.check() {
            // A benchmark that would time a wrong answer must not run.
            eprintln!("{why}");
            std::process::exit(1);
        }
        let mut group = c.benchmark_group(path.group);
        if path.writes() {
            group.bench_function(path.name, |b| {
                b.iter_batched_ref(
                    || path.doc.clone(),
                    |doc| path.write(black_box(doc)),
                    BatchSize::SmallInput,
                )
            });
        } else {
            let mut next = 0;
            group.bench_function(path.name, |b| {
                b.iter(|| {
                    next += 1;
                    path.read(black_box(next))
                })
            });
        }
        group.finish();
    }
}

criterion_group!(benches, hot_paths);
criterion_main!(benches);
