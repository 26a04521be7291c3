//! Differential fuzzing (`cargo xtask parity --fuzz N --seed S`): generated cases run on every
//! backend, and each disagreement with the reference is shrunk and written to the corpus.
//!
//! A case is generated from a seed and its number alone ([`generate`](generate::generate)), as a [`Spec`](spec::Spec): the
//! operation, a structured path (tokens, predicates, pipelines, following the grammar of the
//! path language), a document and the arguments. Generation is guided by the document, so
//! most paths resolve: keys are picked from the dicts the walk reaches, indexes from the
//! lists' lengths, predicate literals from the items' values. A few cases in a hundred carry
//! broken syntax on purpose, since parse errors must agree too. Most documents are plain
//! JSON; about one case in five holds values only Python has (tuples, sets, big ints, NaN,
//! bytes, dicts with keys that are not strs, datetimes, Decimals) as the corpus codec's tagged
//! JSON ([`python`]), with pipelines drawn for them; the core skips those cases, python and
//! rust still compare.
//!
//! [`run`](run()) sends the cases in batches to the [`Oracle`]s, one thread per oracle, so the slow
//! Python workers run side by side with the others; oracles of the same backend share each
//! batch. The reference is the `python` oracle (else the first given). Every other backend
//! whose outcome does not agree with the reference's, or that fails on the case, is a
//! disagreement; `shrink` reduces it to a minimal case with the same kind of failure, and the
//! minimal case is appended to `regressions.json` with the reference's outcome as expectation.
//!
//! [`mutate`] is `--mutate`: corpus and grammar-built paths mutated character by character,
//! run on every backend and 2.6.0, every difference with 2.6.0 classed by the [`rules`]; [`cpu`]
//! is what such a run costs in CPU time over all its processes.

pub mod cpu;
mod generate;
pub mod mutate;
mod python;
pub mod report;
pub mod rules;
mod run;
mod shrink;
mod spec;
#[cfg(test)]
mod tests;

use std::time::Duration;

use dictwalk_corpus::{core, Backend, Case, Outcome};

pub use self::run::{run, Settings};

/// How many of `count` things a run of `elapsed` went through each second (0 when no time
/// passed): the speed both fuzz summaries state.
pub fn per_second(count: usize, elapsed: Duration) -> f64 {
    let secs = elapsed.as_secs_f64();
    if secs > 0.0 {
        count as f64 / secs
    } else {
        0.0
    }
}

/// A backend that runs one case at a time: the core in process, or a worker process.
pub trait Oracle: Send {
    /// The backend this oracle runs.
    fn backend(&self) -> Backend;

    /// The case's outcome; `Err` when the backend crashed, hung or answered garbage on it,
    /// which is a disagreement in itself.
    fn run(&mut self, case: &Case) -> Result<Outcome, String>;

    /// Every case's outcome, in order; a worker overrides it to send them all at once.
    fn run_all(&mut self, cases: &[Case]) -> Vec<Result<Outcome, String>> {
        cases.iter().map(|case| self.run(case)).collect()
    }

    /// A second oracle of the same backend, for work run alongside this one's (a worker
    /// process of its own); `None` when there can be no other. `Err` says why it did not start.
    fn another(&self) -> Option<anyhow::Result<Box<dyn Oracle>>> {
        None
    }
}

/// dictwalk-core on serde_json, in process.
#[derive(Clone, Copy, Debug, Default)]
pub struct CoreOracle;

impl Oracle for CoreOracle {
    fn backend(&self) -> Backend {
        Backend::Core
    }

    fn another(&self) -> Option<anyhow::Result<Box<dyn Oracle>>> {
        Some(Ok(Box::new(CoreOracle)))
    }

    fn run(&mut self, case: &Case) -> Result<Outcome, String> {
        match core::inapplicable(case) {
            Some(why) => Err(format!("the core cannot run this case: {why}")),
            None => Ok(core::run(case)),
        }
    }
}
