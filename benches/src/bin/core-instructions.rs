//! The core's hot paths (`dictwalk_benches::hot`) under callgrind: the Rust counterpart of
//! `benches/instructions.py`, with the same protocol, so `cargo xtask bench` reads both alike.
//!
//! Run as `valgrind --tool=callgrind --dump-before=getppid core-instructions --out FILE`: each
//! measured loop is bracketed by two calls of `getppid` (`std::os::unix::process::parent_id`),
//! so callgrind dumps right before and right after it, and the k-th batch of FILE is dump
//! `2k+2`. Every hot path is checked first, warmed up by one call, and measured `REPEATS`
//! times; a write's fresh copies are made before its loop. `--list` prints the ids.
//! Exit codes: 0 measured, 1 a hot path gave a wrong result, 2 bad arguments.

use std::{hint::black_box, process::ExitCode};

use dictwalk_benches::hot::{self, HotPath};
use serde_json::{json, Value};

/// Measured loops per hot path: two, so that a run can tell whether a count repeats.
const REPEATS: usize = 2;

/// Calls per measured loop, about ten million instructions each (measured under callgrind):
/// enough that the few hundred instructions around a loop do not matter.
fn calls(id: &str) -> usize {
    match id {
        "parse.compile_distinct" | "read.get_abc" => 10_000,
        "parse.get_distinct" => 5_000,
        "write.set_abc" | "write.unset_abd" => 1_500,
        "read.wildcard_100" => 200,
        "filter.predicate_500" => 50,
        "read.deep_363" | "write.set_all_100" => 30,
        "transform.sum_500" => 20,
        "transform.sort_first_500" => 6,
        _ => 1_000,
    }
}

fn marker() {
    #[cfg(unix)]
    black_box(std::os::unix::process::parent_id());
}

/// One measured loop of `calls` calls.
fn measure(path: &HotPath, calls: usize) -> Result<(), String> {
    if path.writes() {
        let mut copies: Vec<Value> = (0..calls).map(|_| path.doc.clone()).collect();
        marker();
        for doc in &mut copies {
            black_box(path.write(black_box(doc)))?;
        }
        marker();
        // The copies are dropped outside the loop, as the criterion benchmark drops them.
        drop(black_box(copies));
    } else {
        marker();
        for n in 0..calls {
            drop(black_box(path.read(black_box(n))));
        }
        marker();
    }
    Ok(())
}

fn run(out: &str) -> Result<(), String> {
    let mut batches = Vec::new();
    for path in hot::all() {
        path.check()?;
        let id = path.id();
        let calls = calls(&id);
        // The warm-up: first-call costs (lazy statics, the engine's cache) stay out of the loop.
        if path.writes() {
            path.write(&mut path.doc.clone())?;
        } else {
            drop(path.read(0));
        }
        for _ in 0..REPEATS {
            measure(&path, calls)?;
            batches.push(json!({"scenario": id, "calls": calls}));
        }
    }
    let record = json!({
        "schema_version": 1,
        "backend": "core",
        "python": "",
        "dictwalk": env!("CARGO_PKG_VERSION"),
        "batches": batches,
        "skipped": {},
    });
    std::fs::write(out, format!("{record}\n")).map_err(|e| format!("write {out}: {e}"))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["--list"] => {
            for path in hot::all() {
                println!("{}", path.id());
            }
            ExitCode::SUCCESS
        }
        ["--out", out] => match run(out) {
            Ok(()) => ExitCode::SUCCESS,
            Err(why) => {
                eprintln!("core-instructions: {why}");
                ExitCode::from(1)
            }
        },
        _ => {
            eprintln!("core-instructions: usage: core-instructions --list | --out FILE");
            ExitCode::from(2)
        }
    }
}
