//! Property tests: no path and no document makes the engine panic, and a failing write changes nothing.

use dictwalk_core::json::{self, GetOptions, SetOptions};
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Value};

fn key() -> impl Strategy<Value = String> {
    select(vec!["a", "b", "id", "x", "n", "users", "", "0", "a b"]).prop_map(str::to_owned)
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-3i64..5).prop_map(Value::from),
        select(vec![1.5, -0.5, 2.0]).prop_map(Value::from),
        select(vec!["a", "1", "", " yes ", "x y", "$$root"]).prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 40, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..5)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn predicate() -> impl Strategy<Value = String> {
    let lhs = select(vec![
        ".",
        ".id",
        ".x",
        ".a.b",
        ".|$len",
        ".x|$len",
        ".b[?.c==1]",
        "..",
        "id",
        ".[0]",
        ".*",
    ]);
    let op = select(vec!["", "==", "!=", ">", "<", ">=", "<="]);
    let rhs = select(vec![
        "1",
        "'a'",
        "$even",
        "$gt(1)&&$odd",
        "!$even",
        "$$root.n",
        "$$root.nope",
        "None",
        "[1, 2]",
        "x",
        "(1, 2)",
        "$nope",
        "$gt(1)&&",
        "($lt(2)||$gt(3))",
        "1e400",
    ]);
    (lhs, op, rhs).prop_map(|(lhs, op, rhs)| {
        if op.is_empty() {
            lhs.to_owned()
        } else {
            format!("{lhs}{op}{rhs}")
        }
    })
}

fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => key(),
        1 => key().prop_map(|k| format!("{k}[]")),
        1 => (key(), -4i64..6).prop_map(|(k, i)| format!("{k}[{i}]")),
        1 => (key(), select(vec!["1:", ":2", "-1:", "::2", "-:", "3:1"])).prop_map(|(k, s)| format!("{k}[{s}]")),
        2 => (key(), predicate()).prop_map(|(k, p)| format!("{k}[?{p}]")),
        1 => select(vec!["*", "**", "$$root", "$$root[0]", ".[0]", "[0]"]).prop_map(str::to_owned),
    ]
}

/// Paths from the grammar, and arbitrary text for the parser.
fn path() -> impl Strategy<Value = String> {
    let first = select(vec![
        "",
        "",
        ".",
        "$$root.",
        ".[0].",
        ".[].",
        ".[?.id>1].",
        "$$root[-1].",
    ]);
    let transform = select(vec![
        "",
        "",
        "|$len",
        "|$double[]|$sum",
        "|$default(3)",
        "|$keys",
        "|$add($$root.n)",
        "|$sort_by('id')",
        "|$nope",
        "|$add(1,2)",
        "|$inc[]",
        "|$to_json",
        "|$group_by('n')",
    ]);
    let grammar = (first, prop::collection::vec(token(), 1..5), transform)
        .prop_map(|(first, tokens, transform)| format!("{first}{}{transform}", tokens.join(".")));
    prop_oneof![
        6 => grammar,
        2 => "[a-z.\\[\\]?$|()=!<>&,'\" *0-9:{}\\\\-]{0,24}",
        1 => any::<String>(),
    ]
}

fn set_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        2 => json_value(),
        1 => select(vec![
            "$double", "$len", "$$root.a", "$$root", "$notafilter", "$add(1)", "$$root.n|$inc", "$$root.", "$$rootx",
            "$$root.nope", "$inc[]", "$nope(", "$upper",
        ])
        .prop_map(Value::from),
    ]
}

fn set_options() -> impl Strategy<Value = SetOptions> {
    (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()).prop_map(
        |(strict, create, filter, overwrite)| SetOptions {
            strict,
            create_missing: create,
            create_filter_match: filter,
            overwrite_incompatible: overwrite,
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn reads_never_panic(doc in json_value(), path in path(), strict in any::<bool>()) {
        let options = GetOptions { default: Value::from("default"), strict };
        let got = json::get(&doc, &path, options);
        let exists = json::exists(&doc, &path, strict);
        // exists is true exactly when a strict get succeeds (spec 9.3).
        let strict_get = json::get(&doc, &path, GetOptions { default: Value::Null, strict: true });
        if let Ok(found) = exists {
            prop_assert_eq!(found, strict_get.is_ok(), "exists vs strict get: {:?}", got);
        }
    }

    #[test]
    fn failing_sets_change_nothing(doc in json_value(), path in path(), value in set_value(), options in set_options()) {
        let mut written = doc.clone();
        if let Err(error) = json::set(&mut written, &path, value, options) {
            prop_assert_eq!(&written, &doc, "set failed with {} yet changed the document", error);
        }
    }

    #[test]
    fn failing_unsets_change_nothing(doc in json_value(), path in path(), strict in any::<bool>()) {
        let mut written = doc.clone();
        if let Err(error) = json::unset(&mut written, &path, strict) {
            prop_assert_eq!(&written, &doc, "unset failed with {} yet changed the document", error);
        }
    }

    #[test]
    fn pipelines_never_panic(value in json_value(), pipeline in path()) {
        let _ = json::run_filter(&pipeline, &value);
        let _ = json::run_filter(pipeline.trim_start_matches(|c: char| c != '$'), &value);
    }
}

/// The fuzzing soak: every property above on freshly generated cases until a deadline
/// (`DICTWALK_SOAK_SECONDS`, default 600). Run it with
/// `cargo test --release -p dictwalk-core --test props -- --ignored soak --nocapture`.
/// Each round has its own seed, printed with any failure so that it can be replayed.
#[test]
#[ignore = "a long soak, run on demand (see its doc comment)"]
fn soak() {
    use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
    use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

    const CASES: u32 = 4096;
    let seconds = std::env::var("DICTWALK_SOAK_SECONDS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(600);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let start = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos())
        .unwrap_or(0);
    let strategy = (
        json_value(),
        path(),
        set_value(),
        set_options(),
        any::<bool>(),
    );
    let mut rounds = 0u64;
    while Instant::now() < deadline {
        let mut seed = [0u8; 32];
        seed[..16].copy_from_slice(&start.to_le_bytes());
        seed[16..24].copy_from_slice(&rounds.to_le_bytes());
        let config = Config {
            cases: CASES,
            failure_persistence: None,
            ..Config::default()
        };
        let mut runner =
            TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed));
        let result = runner.run(&strategy, |(doc, path, value, options, strict)| {
            let strict_get = json::get(
                &doc,
                &path,
                GetOptions {
                    default: Value::Null,
                    strict: true,
                },
            );
            if let Ok(found) = json::exists(&doc, &path, strict) {
                prop_assert_eq!(found, strict_get.is_ok());
            }
            let _ = json::run_filter(&path, &doc);
            let mut written = doc.clone();
            if let Err(error) = json::set(&mut written, &path, value, options) {
                if written != doc {
                    return Err(TestCaseError::fail(format!(
                        "set failed with {error} yet changed the document"
                    )));
                }
            }
            let mut written = doc.clone();
            if let Err(error) = json::unset(&mut written, &path, strict) {
                prop_assert_eq!(
                    &written,
                    &doc,
                    "unset failed with {} yet changed the document",
                    error
                );
            }
            Ok(())
        });
        assert!(
            result.is_ok(),
            "soak found a failing case (seed {seed:?}): {result:?}"
        );
        rounds += 1;
    }
    let cases = rounds * u64::from(CASES);
    eprintln!("soak: {cases} generated cases in {rounds} rounds, no panic, no partial write");
}
