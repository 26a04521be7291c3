//! A fuzz run: the cases sent in batches to the oracles, each answer compared with the
//! reference's, each disagreement shrunk, and the shrunk cases written to the corpus.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fmt;
use std::fs;
use std::path::Path;
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use dictwalk_corpus::{core, write::append_cases, Backend, Case, Outcome};
use serde_json::{Map, Value};

use super::generate::{case_id, generate};
use super::shrink;
use super::spec::Spec;
use super::Oracle;

/// The corpus file regression cases go to.
pub const REGRESSIONS: &str = "regressions.json";
pub(super) const REGRESSIONS_DESCRIPTION: &str = "Regression cases found by differential fuzzing \
     (cargo xtask parity --fuzz N --seed S): each is a disagreement between backends, shrunk to a \
     minimal case, with the reference backend's outcome as its expectation.";

/// How a fuzz run goes.
#[derive(Clone, Debug)]
pub struct Settings {
    /// How many cases to generate.
    pub cases: usize,
    pub seed: u64,
    /// Cases sent to the oracles at a time.
    pub batch: usize,
    /// The most candidate cases one shrink may run.
    pub shrink_attempts: usize,
    /// The most disagreements shrunk (and written) in one run; the rest are only counted.
    pub max_shrunk: usize,
}

impl Settings {
    pub fn new(cases: usize, seed: u64) -> Settings {
        Settings {
            cases,
            seed,
            batch: 512,
            shrink_attempts: 500,
            max_shrunk: 100,
        }
    }
}

/// What a fuzz run found.
#[derive(Clone, Debug)]
pub struct FuzzSummary {
    pub seed: u64,
    /// The backend the others are compared with.
    pub reference: Backend,
    pub generated: usize,
    /// Per backend other than the reference: cases compared.
    pub compared: BTreeMap<Backend, usize>,
    /// Per backend: cases not compared because the backend cannot express them (the core on
    /// a case whose document or expectation holds a value JSON cannot, for example), or,
    /// when the core is the reference, because the core cannot.
    pub skipped: BTreeMap<Backend, usize>,
    /// Every disagreement, in the order found.
    pub disagreements: Vec<Disagreement>,
    /// Cases the reference itself failed on (crashed, hung): id and message.
    pub reference_failures: Vec<(String, String)>,
    /// Ids of the regression cases written.
    pub written: Vec<String>,
    pub elapsed: Duration,
}

impl FuzzSummary {
    /// Generated cases per second, shrinking included.
    pub fn cases_per_second(&self) -> f64 {
        super::per_second(self.generated, self.elapsed)
    }

    /// Whether every backend agreed with the reference on every case.
    pub fn agreed(&self) -> bool {
        self.disagreements.is_empty() && self.reference_failures.is_empty()
    }
}

impl fmt::Display for FuzzSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "fuzz seed {}: {} cases in {:.1} s ({:.0} cases/s), reference {}",
            self.seed,
            self.generated,
            self.elapsed.as_secs_f64(),
            self.cases_per_second(),
            self.reference
        )?;
        for (backend, count) in &self.compared {
            let skipped = self.skipped.get(backend).copied().unwrap_or(0);
            let found = self
                .disagreements
                .iter()
                .filter(|d| d.backend == *backend)
                .count();
            writeln!(
                f,
                "  {backend}: {count} compared, {skipped} skipped, {found} disagreements"
            )?;
        }
        for (id, message) in &self.reference_failures {
            writeln!(f, "  reference failed on {id}: {message}")?;
        }
        let mut over_limit = 0;
        for d in &self.disagreements {
            if d.fate == Fate::OverLimit {
                over_limit += 1;
            } else {
                writeln!(f, "  {}", d.line())?;
            }
        }
        if over_limit > 0 {
            writeln!(
                f,
                "  and {over_limit} more disagreements, not shrunk (limit reached)"
            )?;
        }
        Ok(())
    }
}

/// What became of a disagreement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fate {
    /// Shrunk and written as a regression case with this id.
    Written,
    /// Shrunk, but the corpus already holds a case with its id (a rerun of the same seed).
    AlreadyInCorpus,
    /// Shrunk to the same case as an earlier disagreement of this run, with this id.
    SameAs(String),
    /// Not shrunk: the run's limit of shrinks was reached.
    OverLimit,
}

/// A backend that disagreed with the reference on a generated case.
#[derive(Clone, Debug)]
pub struct Disagreement {
    /// The generated case's id, which the regression case keeps.
    pub id: String,
    pub backend: Backend,
    /// The case as generated.
    pub found: Case,
    /// The minimal case that still disagrees the same way (the generated one if not shrunk).
    pub shrunk: Case,
    /// The reference's outcome on the shrunk case.
    pub expected: Outcome,
    /// The backend's outcome on it, or how it failed.
    pub got: Result<Outcome, String>,
    /// Candidates run while shrinking.
    pub shrink_attempts: usize,
    pub fate: Fate,
}

impl Disagreement {
    fn gave(&self) -> String {
        match &self.got {
            Ok(outcome) => format!("{} gave {}", self.backend, outcome.describe()),
            Err(message) => format!("{} failed: {message}", self.backend),
        }
    }

    /// One line for the terminal.
    pub fn line(&self) -> String {
        let fate = match &self.fate {
            Fate::Written => "written".to_owned(),
            Fate::AlreadyInCorpus => "already in the corpus".to_owned(),
            Fate::SameAs(id) => format!("same as {id}"),
            Fate::OverLimit => "not shrunk (limit reached)".to_owned(),
        };
        let shrunk = if self.fate == Fate::OverLimit {
            String::new()
        } else {
            format!(
                " (shrunk from {} {:?} in {} attempts)",
                self.found.op, self.found.path, self.shrink_attempts
            )
        };
        format!(
            "{} [{}]: {} {:?} on {}: expected {}, {}{}",
            self.id,
            fate,
            self.shrunk.op,
            self.shrunk.path,
            dictwalk_corpus::outcome::clip(&self.shrunk.doc),
            self.expected.describe(),
            self.gave(),
            shrunk
        )
    }
}

/// How a backend's answer to a case differs from the reference's. The shrinker keeps it:
/// a candidate counts only if it fails the same way, so that a case does not slide from one
/// bug to another on the way down.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Failure {
    /// A different outcome; each side's kind: `value`, `document`, or the error class.
    Mismatch { expected: String, got: String },
    /// No outcome: the backend crashed, hung or answered garbage.
    Broke,
}

fn kind(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Value(_) => "value".into(),
        Outcome::Doc { .. } => "document".into(),
        Outcome::Error { class, .. } => class.clone(),
    }
}

/// Whether `backend`'s answer disagrees with the reference's outcome, and how; `None` when
/// it agrees or cannot be compared.
fn judge(
    backend: Backend,
    case: &Case,
    expected: &Outcome,
    got: &Result<Outcome, String>,
) -> Option<Failure> {
    if backend == Backend::Core && core_skips(case, expected) {
        return None;
    }
    compare(expected, got)
}

/// How `got` differs from the reference's outcome `expected`, if it does.
fn compare(expected: &Outcome, got: &Result<Outcome, String>) -> Option<Failure> {
    match got {
        Err(_) => Some(Failure::Broke),
        Ok(outcome) if outcome.agrees_with(expected) => None,
        Ok(outcome) => Some(Failure::Mismatch {
            expected: kind(expected),
            got: kind(outcome),
        }),
    }
}

/// Whether the core cannot take part in a case whose reference outcome is `expected` (a
/// value JSON cannot express, an error only the Python API raises).
pub(super) fn core_skips(case: &Case, expected: &Outcome) -> bool {
    core::inapplicable_expecting(case, expected).is_some()
}

/// Run `settings.cases` generated cases on the oracles, shrink each disagreement, and append
/// the shrunk cases to `corpus_dir/regressions.json`. `progress` is called with the number
/// of cases done after each batch.
pub fn run(
    mut oracles: Vec<Box<dyn Oracle>>,
    settings: &Settings,
    corpus_dir: &Path,
    mut progress: impl FnMut(usize),
) -> anyhow::Result<FuzzSummary> {
    let started = Instant::now();
    let Some(first) = oracles.first() else {
        bail!("fuzzing needs backends to compare, and none was given");
    };
    let reference = if oracles.iter().any(|o| o.backend() == Backend::Python) {
        Backend::Python
    } else {
        first.backend()
    };
    // Oracles of one backend share each batch; the first of each runs the shrinking.
    let mut backends: Vec<Backend> = Vec::new();
    for oracle in &oracles {
        if !backends.contains(&oracle.backend()) {
            backends.push(oracle.backend());
        }
    }
    if backends.len() < 2 {
        bail!("fuzzing needs two backends to compare, but only {reference} was given");
    }
    let mut existing = corpus_ids(corpus_dir)?;
    let mut summary = FuzzSummary {
        seed: settings.seed,
        reference,
        generated: 0,
        compared: backends
            .iter()
            .filter(|b| **b != reference)
            .map(|b| (*b, 0))
            .collect(),
        skipped: BTreeMap::new(),
        disagreements: Vec::new(),
        reference_failures: Vec::new(),
        written: Vec::new(),
        elapsed: Duration::ZERO,
    };
    let mut shrunk_keys: HashMap<String, String> = HashMap::new();
    let batch = settings.batch.max(1);
    let mut start = 0;
    while start < settings.cases {
        let end = settings.cases.min(start + batch);
        let specs: Vec<Spec> = (start..end).map(|n| generate(settings.seed, n)).collect();
        let cases: Vec<Case> = specs
            .iter()
            .zip(start..)
            .map(|(spec, n)| spec.to_case(&case_id(settings.seed, n)))
            .collect();
        let answers = run_batch(&mut oracles, &cases)?;
        summary.generated += cases.len();

        let mut found: Vec<(usize, Finding)> = Vec::new();
        let Some(reference_answers) = answers.get(&reference) else {
            bail!("the reference backend {reference} gave no answers");
        };
        for (i, case) in cases.iter().enumerate() {
            if reference == Backend::Core && core::inapplicable(case).is_some() {
                // A case with Python values, which the core as reference cannot judge.
                for backend in answers.keys().filter(|b| **b != reference) {
                    *summary.skipped.entry(*backend).or_default() += 1;
                }
                continue;
            }
            let expected = match reference_answers.get(i) {
                Some(Ok(outcome)) => outcome,
                Some(Err(message)) => {
                    summary
                        .reference_failures
                        .push((case.id.clone(), message.clone()));
                    continue;
                }
                None => bail!("the reference backend {reference} skipped case {}", case.id),
            };
            for (backend, answers) in &answers {
                if *backend == reference {
                    continue;
                }
                let Some(got) = answers.get(i) else {
                    bail!("backend {backend} skipped case {}", case.id);
                };
                if *backend == Backend::Core && core_skips(case, expected) {
                    *summary.skipped.entry(*backend).or_default() += 1;
                    continue;
                }
                *summary.compared.entry(*backend).or_default() += 1;
                if let Some(failure) = compare(expected, got) {
                    let finding = Finding {
                        backend: *backend,
                        failure,
                        expected: expected.clone(),
                        got: got.clone(),
                    };
                    found.push((i, finding));
                }
            }
        }

        let batch_from = summary.disagreements.len();
        for (i, finding) in found {
            let (Some(spec), Some(case)) = (specs.get(i), cases.get(i)) else {
                continue;
            };
            let shrunk_so_far = summary
                .disagreements
                .iter()
                .filter(|d| d.fate != Fate::OverLimit)
                .count();
            if shrunk_so_far >= settings.max_shrunk {
                summary.disagreements.push(Disagreement {
                    id: case.id.clone(),
                    backend: finding.backend,
                    found: case.clone(),
                    shrunk: case.clone(),
                    expected: finding.expected,
                    got: finding.got,
                    shrink_attempts: 0,
                    fate: Fate::OverLimit,
                });
                continue;
            }
            let mut disagreement = shrink_one(
                &mut oracles,
                reference,
                finding,
                spec,
                case,
                settings.shrink_attempts,
            )?;
            let key = fingerprint(&disagreement.shrunk);
            if let Some(first) = shrunk_keys.get(&key) {
                disagreement.fate = Fate::SameAs(first.clone());
            } else if existing.contains(&disagreement.id) {
                shrunk_keys.insert(key, disagreement.id.clone());
                disagreement.fate = Fate::AlreadyInCorpus;
            } else {
                shrunk_keys.insert(key, disagreement.id.clone());
                existing.insert(disagreement.id.clone());
                summary.written.push(disagreement.id.clone());
                disagreement.fate = Fate::Written;
            }
            summary.disagreements.push(disagreement);
        }
        let batch_found = summary.disagreements.get(batch_from..).unwrap_or_default();
        let new_cases: Vec<Value> = batch_found
            .iter()
            .filter(|d| d.fate == Fate::Written)
            .map(|d| regression_case(d, batch_found, settings))
            .collect();
        if !new_cases.is_empty() {
            let file = corpus_dir.join(REGRESSIONS);
            append_cases(&file, REGRESSIONS_DESCRIPTION, &new_cases)
                .map_err(|error| anyhow!("{error}"))
                .with_context(|| format!("write the regression cases to {}", file.display()))?;
        }
        progress(end);
        start = end;
    }
    summary.elapsed = started.elapsed();
    Ok(summary)
}

/// Run a batch on every oracle, one thread each; oracles of one backend split the batch.
/// Returns each backend's answers in case order.
pub(super) fn run_batch(
    oracles: &mut [Box<dyn Oracle>],
    cases: &[Case],
) -> anyhow::Result<BTreeMap<Backend, Vec<Result<Outcome, String>>>> {
    run_batch_on(oracles, cases, |_| true)
}

/// [`run_batch`] on the oracles of the backends `wanted` chooses only.
pub(super) fn run_batch_on(
    oracles: &mut [Box<dyn Oracle>],
    cases: &[Case],
    wanted: impl Fn(Backend) -> bool,
) -> anyhow::Result<BTreeMap<Backend, Vec<Result<Outcome, String>>>> {
    let mut oracles: Vec<&mut Box<dyn Oracle>> = oracles
        .iter_mut()
        .filter(|oracle| wanted(oracle.backend()))
        .collect();
    let shares = shares(oracles.iter().map(|oracle| oracle.backend()));
    let results = std::thread::scope(|scope| {
        let handles: Vec<_> = oracles
            .iter_mut()
            .zip(&shares)
            .map(|(oracle, share)| {
                let chunk = share.of(cases);
                let handle = scope.spawn(move || oracle.run_all(chunk));
                (share.backend, handle)
            })
            .collect();
        handles
            .into_iter()
            .map(|(backend, handle)| {
                handle
                    .join()
                    .map(|answers| (backend, answers))
                    .map_err(|_| anyhow!("the {backend} oracle's thread panicked"))
            })
            .collect::<anyhow::Result<Vec<_>>>()
    })?;
    Ok(gather(results))
}

/// Which part of every batch an oracle runs: oracles of one backend split each batch, in
/// the order they stand (`position` of `size`).
#[derive(Clone, Copy)]
struct Share {
    backend: Backend,
    position: usize,
    size: usize,
}

impl Share {
    fn of(self, cases: &[Case]) -> &[Case] {
        let per = cases.len().div_ceil(self.size.max(1));
        let from = (self.position * per).min(cases.len());
        let to = ((self.position + 1) * per).min(cases.len());
        cases.get(from..to).unwrap_or_default()
    }
}

/// Each oracle's [`Share`], given the oracles' backends in order.
fn shares(backends: impl Iterator<Item = Backend> + Clone) -> Vec<Share> {
    let mut sizes: BTreeMap<Backend, usize> = BTreeMap::new();
    for backend in backends.clone() {
        *sizes.entry(backend).or_default() += 1;
    }
    let mut seen: BTreeMap<Backend, usize> = BTreeMap::new();
    backends
        .map(|backend| {
            let position = seen.entry(backend).or_default();
            *position += 1;
            Share {
                backend,
                position: *position - 1,
                size: sizes.get(&backend).copied().unwrap_or(1),
            }
        })
        .collect()
}

/// Every backend's answers in case order, from the oracles' parts in oracle order (each
/// backend's parts follow each other, as [`shares`] cuts them).
fn gather(
    parts: Vec<(Backend, Vec<Result<Outcome, String>>)>,
) -> BTreeMap<Backend, Vec<Result<Outcome, String>>> {
    let mut answers: BTreeMap<Backend, Vec<Result<Outcome, String>>> = BTreeMap::new();
    for (backend, part) in parts {
        answers.entry(backend).or_default().extend(part);
    }
    answers
}

/// Batches run on every oracle with no wait between them: each oracle has a thread of its own
/// that runs the batches as they come, so a backend that is done with a batch goes on with the
/// next while a slower one finishes, and none waits for the others at the end of each batch.
/// `next` gives the batches (None: no more); up to `AHEAD` of them are sent before the first
/// one's answers are taken, which `answered` gets in order with every backend's answers.
pub(super) fn pipelined<T>(
    oracles: &mut [Box<dyn Oracle>],
    mut next: impl FnMut() -> Option<(T, Vec<Case>)>,
    mut answered: impl FnMut(
        T,
        &[Case],
        BTreeMap<Backend, Vec<Result<Outcome, String>>>,
    ) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    const AHEAD: usize = 2;
    let shares = shares(oracles.iter().map(|oracle| oracle.backend()));
    std::thread::scope(|scope| {
        let mut lanes = Vec::with_capacity(oracles.len());
        let mut threads = Vec::with_capacity(oracles.len());
        for (oracle, share) in oracles.iter_mut().zip(&shares) {
            let (send_batch, batches) = mpsc::channel::<Arc<Vec<Case>>>();
            let (send_answers, answers) = mpsc::channel();
            let share = *share;
            threads.push(scope.spawn(move || {
                for batch in batches {
                    if send_answers.send(oracle.run_all(share.of(&batch))).is_err() {
                        break;
                    }
                }
            }));
            lanes.push((share.backend, send_batch, answers));
        }
        let mut in_flight = VecDeque::with_capacity(AHEAD);
        let mut run = || -> anyhow::Result<()> {
            loop {
                while in_flight.len() < AHEAD {
                    let Some((tag, cases)) = next() else {
                        break;
                    };
                    let cases = Arc::new(cases);
                    for (backend, lane, _) in &lanes {
                        if lane.send(Arc::clone(&cases)).is_err() {
                            bail!("the {backend} oracle's thread stopped");
                        }
                    }
                    in_flight.push_back((tag, cases));
                }
                let Some((tag, cases)) = in_flight.pop_front() else {
                    return Ok(());
                };
                let mut parts = Vec::with_capacity(lanes.len());
                for (backend, _, answers) in &lanes {
                    let part = answers
                        .recv()
                        .map_err(|_| anyhow!("the {backend} oracle's thread panicked"))?;
                    parts.push((*backend, part));
                }
                answered(tag, &cases, gather(parts))?;
            }
        };
        let ran = run();
        // No more batches: each thread ends after the one it runs (at once, after an error:
        // its answers have nowhere to go). Joined here, a panic is an error, not a panic.
        drop(lanes);
        let joined = threads.into_iter().try_for_each(|thread| {
            thread
                .join()
                .map_err(|_| anyhow!("an oracle's thread panicked"))
        });
        ran.and(joined)
    })
}

/// Two distinct oracles: the first of `reference` and the first of `backend`.
fn pair(
    oracles: &mut [Box<dyn Oracle>],
    reference: Backend,
    backend: Backend,
) -> Option<(&mut dyn Oracle, &mut dyn Oracle)> {
    let r = oracles.iter().position(|o| o.backend() == reference)?;
    let b = oracles.iter().position(|o| o.backend() == backend)?;
    if r == b {
        return None;
    }
    let (low, high) = (r.min(b), r.max(b));
    let (head, tail) = oracles.split_at_mut(high);
    let low_oracle = head.get_mut(low)?.as_mut();
    let high_oracle = tail.first_mut()?.as_mut();
    Some(if r < b {
        (low_oracle, high_oracle)
    } else {
        (high_oracle, low_oracle)
    })
}

/// A backend's answer to a generated case that disagrees with the reference's outcome.
struct Finding {
    backend: Backend,
    failure: Failure,
    expected: Outcome,
    got: Result<Outcome, String>,
}

/// Shrink a finding with the first oracle of the reference and of the backend.
fn shrink_one(
    oracles: &mut [Box<dyn Oracle>],
    reference: Backend,
    finding: Finding,
    spec: &Spec,
    case: &Case,
    attempts: usize,
) -> anyhow::Result<Disagreement> {
    let Finding {
        backend,
        failure,
        expected,
        got,
    } = finding;
    let Some((reference_oracle, oracle)) = pair(oracles, reference, backend) else {
        bail!("no oracle for {reference} or {backend}");
    };
    let id = case.id.clone();
    // The answers on the last candidate taken: the shrunk case's, with no need to ask again.
    let mut answers = (expected, got);
    let still_fails = |candidate: &Spec| {
        let case = candidate.to_case(&id);
        let Ok(expected) = reference_oracle.run(&case) else {
            return false;
        };
        let got = oracle.run(&case);
        let fails = judge(backend, &case, &expected, &got).as_ref() == Some(&failure);
        if fails {
            answers = (expected, got);
        }
        fails
    };
    let shrunk = shrink::shrink(spec, attempts, still_fails);
    let (expected, got) = answers;
    Ok(Disagreement {
        shrunk: shrunk.spec.to_case(&id),
        id,
        backend,
        found: case.clone(),
        expected,
        got,
        shrink_attempts: shrunk.attempts,
        fate: Fate::Written,
    })
}

/// What makes two cases the same: operation, path, document and arguments.
fn fingerprint(case: &Case) -> String {
    format!(
        "{}\u{0}{}\u{0}{}\u{0}{}",
        case.op,
        case.path,
        case.doc,
        Value::Object(case.args.clone())
    )
}

/// The corpus entry of a shrunk disagreement; its note says what each backend that
/// disagreed on the same shrunk case (in `batch`) gave.
fn regression_case(d: &Disagreement, batch: &[Disagreement], settings: &Settings) -> Value {
    let case = &d.shrunk;
    let mut map = Map::new();
    map.insert("id".into(), Value::String(case.id.clone()));
    map.insert("op".into(), Value::String(case.op.name().into()));
    map.insert("path".into(), Value::String(case.path.clone()));
    map.insert("doc".into(), case.doc.clone());
    if !case.args.is_empty() {
        map.insert("args".into(), Value::Object(case.args.clone()));
    }
    map.insert("expect".into(), d.expected.to_expect().to_json());
    let mut note = format!(
        "found by cargo xtask parity --fuzz {} --seed {}; {}",
        settings.cases,
        settings.seed,
        d.gave()
    );
    let mut named = vec![d.backend];
    for other in batch {
        if other.fate == Fate::SameAs(d.id.clone()) && !named.contains(&other.backend) {
            named.push(other.backend);
            note.push_str("; ");
            note.push_str(&other.gave());
        }
    }
    map.insert("note".into(), Value::String(note));
    Value::Object(map)
}

/// The ids of every case in the corpus directory's files (none when it has no files yet).
fn corpus_ids(dir: &Path) -> anyhow::Result<HashSet<String>> {
    let mut ids = HashSet::new();
    if !dir.exists() {
        return Ok(ids);
    }
    let entries = fs::read_dir(dir).with_context(|| format!("read {}", dir.display()))?;
    for entry in entries {
        let path = entry
            .with_context(|| format!("read {}", dir.display()))?
            .path();
        if path.extension().is_none_or(|ext| ext != "json") {
            continue;
        }
        let text = fs::read_to_string(&path).with_context(|| format!("read {}", path.display()))?;
        let file: Value = serde_json::from_str(&text)
            .with_context(|| format!("parse {} as JSON", path.display()))?;
        let cases = file.get("cases").and_then(Value::as_array);
        for case in cases.into_iter().flatten() {
            if let Some(id) = case.get("id").and_then(Value::as_str) {
                ids.insert(id.to_owned());
            }
        }
    }
    Ok(ids)
}
