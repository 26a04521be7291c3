//! `cargo xtask parity --bless`: records the expectation of new cases (cases with no
//! `expect`) from the reference backend, the pure wheel's python, into their files, for
//! review in `git diff parity/`.
//!
//! Only cases that have no expectation are touched: an existing expectation is the corpus's
//! statement of behaviour and changes only by hand. A case whose `expect` is there but states
//! no outcome (`"expect": {}`) is refused with the loader's error and the hint to delete it.

use std::collections::BTreeMap;

use anyhow::{anyhow, bail, Context};
use dictwalk_corpus::{load_dir, set_expectations, Backend, Expect, LoadOptions};
use xshell::Shell;

use super::{
    runner::{Limits, Plan},
    setup, shown,
    worker::Worker,
    RunOptions,
};
use crate::{status::Status, term};

/// Records the missing expectations; exit 0 when every new case got one (or there was none),
/// 1 when the reference could not answer some (they are named and keep no expectation).
pub fn run(sh: &Shell, options: &RunOptions) -> anyhow::Result<Status> {
    let root = sh.current_dir();
    let corpus_dir = root.join(&options.corpus);
    let cases = load_dir(
        &corpus_dir,
        LoadOptions {
            allow_missing_expect: true,
        },
    )
    .map_err(|err| super::malformed(&err, &shown(&root, &corpus_dir)))?;
    let new: Vec<_> = cases.iter().filter(|case| case.expect.is_none()).collect();
    if new.is_empty() {
        term::info(format_args!(
            "parity --bless: all {} cases have an expectation; nothing to record",
            cases.len()
        ));
        return Ok(Status::Passed);
    }
    term::info(format_args!(
        "parity --bless: {} new case(s); recording what the reference backend (python, the pure wheel) gives",
        new.len()
    ));

    let wheel_dir = root.join(&options.wheel_dir);
    let plans = setup::plans(sh, &[Backend::Python], &wheel_dir, options.build);
    let spec = match plans.into_iter().next() {
        Some((_, Plan::Worker(spec))) => spec,
        Some((_, Plan::CouldNotRun(why))) => bail!("the python backend cannot run: {why}"),
        _ => bail!("the python backend has no worker"),
    };
    let limits = Limits::new(options.timeout);
    let mut worker = None;
    let mut by_file: BTreeMap<&str, Vec<(String, Expect)>> = BTreeMap::new();
    let mut unanswered = Vec::new();
    for case in &new {
        let mut current = match worker.take() {
            Some(worker) => worker,
            None => Worker::start(&spec, limits.startup)
                .map_err(|why| anyhow!("the python worker did not start: {why}"))?,
        };
        match current.ask(case, limits.timeout) {
            Ok(outcome) => {
                let expect = outcome.to_expect();
                println!(
                    "{}: {}: {}",
                    case.file,
                    case.id,
                    serde_json::to_string(&expect.to_json()).unwrap_or_default()
                );
                by_file
                    .entry(case.file.as_str())
                    .or_default()
                    .push((case.id.clone(), expect));
                worker = Some(current);
            }
            Err(failure) => {
                unanswered.push(format!("{}: {}: {failure}", case.file, case.id));
                if !failure.restart {
                    worker = Some(current);
                }
            }
        }
    }
    if let Some(worker) = worker {
        worker.finish();
    }
    let mut recorded = 0;
    for (file, updates) in &by_file {
        let path = corpus_dir.join(file);
        recorded += set_expectations(&path, updates)
            .with_context(|| format!("record the expectations in {}", shown(&root, &path)))?;
    }
    term::info(format_args!(
        "parity --bless: recorded {recorded} expectation(s) in {} file(s); review them with `git diff {}`",
        by_file.len(),
        shown(&root, &corpus_dir)
    ));
    for line in &unanswered {
        term::error(format_args!("parity --bless: no answer: {line}"));
    }
    Ok(if unanswered.is_empty() {
        Status::Passed
    } else {
        Status::Failed
    })
}

#[cfg(test)]
mod tests {
    use dictwalk_corpus::load::parse_file;

    use super::*;

    /// The error `--bless` gives for a file whose one case has `expect` set to `expect`.
    fn refusal(expect: &str) -> Option<String> {
        let text = format!(
            r#"{{"schema_version": 1, "cases": [{{"id": "a.b", "op": "get", "path": "a.b", "doc": {{}}, "expect": {expect}}}]}}"#
        );
        let options = LoadOptions {
            allow_missing_expect: true,
        };
        parse_file("x.json", &text, options)
            .err()
            .map(|err| super::super::malformed(&err, "DIR").to_string())
    }

    #[test]
    fn an_empty_expectation_is_refused_with_the_way_to_have_it_recorded() {
        let hint = "; delete its \"expect\" and run `cargo xtask parity --bless` to record the reference's answer";
        assert_eq!(
            refusal("{}"),
            Some(format!(
                "the parity corpus DIR is malformed: x.json: case 'a.b': empty expectation: expect needs one of value, doc, error{hint}"
            ))
        );
        assert_eq!(
            refusal("null"),
            Some(format!(
                "the parity corpus DIR is malformed: x.json: case 'a.b': expect must be an object{hint}"
            ))
        );
    }

    #[test]
    fn other_errors_get_no_hint() {
        assert_eq!(
            refusal(r#"{"value": 1, "same": "yes"}"#),
            Some(
                "the parity corpus DIR is malformed: x.json: case 'a.b': expect.same must be true or false"
                    .to_owned()
            )
        );
    }
}
