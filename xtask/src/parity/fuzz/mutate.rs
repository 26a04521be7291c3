//! `cargo xtask parity --fuzz N --seed S --mutate`: paths as users mistype them. Each of the N
//! paths is a path of the corpus or a grammar-built one, mutated at the character level
//! (deleted, duplicated, inserted or swapped characters, a truncation, a splice of two paths;
//! one path in ten is left well-formed), and run as `get`, strict `get`, `exists`, and on copies
//! of the document `set` and `unset`, on every backend given (python, rust, core and legacy).
//!
//! python, rust and core must agree exactly: each disagreement with the reference (python)
//! is counted, shown and written to the corpus's regressions. Every difference between the
//! reference and dictwalk 2.6.0 is classed by `rules.json` ([`Rules`]): declared under the
//! rule's kind, or undeclared. An undeclared difference is shrunk (the same pair of outcome
//! kinds, still undeclared) and written to `legacy-regressions.json`, so that `cargo xtask
//! parity` fails on it until it is fixed or declared; the summary groups them by kind: the
//! operation, the two outcome kinds and the first feature of the path that explains it
//! ([`FEATURES`]). Before the paths, every corpus case that declares a divergence from 2.6.0
//! is run on the reference and 2.6.0, and must be covered by a rule: a declaration without
//! a rule fails the run.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::{self, Write as _};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use dictwalk_corpus::{
    core, load_dir, write::append_cases, Backend, Case, LoadOptions, Op, Outcome,
};
use regex::Regex;
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::generate::{generate, holds_python};
use super::per_second;
use super::rules::{outcome_kind, Difference, Rule, Rules};
use super::run::{core_skips, pipelined, run_batch_on, REGRESSIONS_DESCRIPTION};
use super::shrink;
use super::spec::{Spec, Target};
use super::Oracle;

/// The corpus file of the undeclared differences with 2.6.0 that mutation finds.
pub const LEGACY_REGRESSIONS: &str = "legacy-regressions.json";
const LEGACY_DESCRIPTION: &str = "Differences from dictwalk 2.6.0 found by mutation fuzzing \
     (cargo xtask parity --fuzz N --seed S --mutate) that no rule of rules.json declared, each \
     shrunk, with the reference backend's outcome as its expectation: fix the backends or \
     declare the difference (a rule, and the case's diverges).";

/// Characters a mutation inserts: the path language's punctuation, a digit, a space, and
/// (rarely, see [`Mutator::insert`]) a non-ASCII letter and digit.
const PUNCTUATION: &[char] = &[
    '.', '[', ']', '?', '(', ')', '|', '$', '!', '&', '=', '<', '>', '\'', '"', '{', '}', ',', ':',
    '*', '-', '\\', ' ', '0', '1', '_',
];
const NON_ASCII: &[char] = &['é', '\u{661}'];

/// How many of the cases the reference failed on the summary and the report show.
pub const SHOWN_REFERENCE_FAILURES: usize = 3;

/// Documents larger than this (as JSON text) are not taken from the corpus: they cost time on
/// every backend and mutating paths finds nothing more on them.
const MAX_DOC: usize = 1500;
/// Longer corpus paths (the nesting cases) are not mutated: copying them for every case would
/// cost more than what mutating them finds.
const MAX_PATH: usize = 300;
/// Grammar-built paths drawn for each run, besides the corpus's.
const GRAMMAR_PATHS: usize = 3000;
/// Mixed into the seed for the grammar-built paths, so that they are not the `--fuzz` cases.
const GRAMMAR_SALT: u64 = 0x6d75_7461_7465_0001;

/// Path features that explain an undeclared difference, first match wins: the name of the
/// kind it is grouped under in the summary.
pub const FEATURES: &[(&str, &str)] = &[
    ("non-ASCII text", r"[^\x00-\x7f]"),
    ("unclosed [?", r"\[\?[^\]]*$"),
    ("empty right side", r"(==|!=|>=|<=|>|<)\s*\]"),
    ("predicate without key", r"(^|\.)\[\?"),
    (") inside brackets", r"\[[^\]]*\)[^\]]*\]"),
    ("$$root form", r"\$\$root"),
    ("backslash", r"\\"),
    ("quote", r#"['"]"#),
    ("filter arguments", r"\$[A-Za-z_]\w*\("),
    ("pipeline", r"\|"),
    ("predicate", r"\[\?"),
    ("deep wildcard", r"\*\*"),
    ("index or slice", r"\[-?\d*:?-?\d*\]"),
];

/// How a mutation run goes.
#[derive(Clone, Debug)]
pub struct Settings {
    /// How many paths to mutate and run (each on five operations).
    pub paths: usize,
    pub seed: u64,
    /// Paths per batch sent to the oracles.
    pub batch: usize,
    /// The most undeclared differences shrunk and written per kind; the rest are counted.
    pub shrink_per_kind: usize,
    pub shrink_attempts: usize,
    /// Stop after this long (the paths run so far are counted); None runs all the paths.
    pub time_limit: Option<Duration>,
}

impl Settings {
    pub fn new(paths: usize, seed: u64) -> Settings {
        Settings {
            paths,
            seed,
            batch: 1000,
            shrink_per_kind: 3,
            shrink_attempts: 150,
            time_limit: None,
        }
    }
}

/// One example of a kind of difference.
#[derive(Clone, Debug)]
pub struct Example {
    pub case: Case,
    pub ours: Outcome,
    pub other: Result<Outcome, String>,
}

impl Example {
    /// The other backend's outcome, described, or how it failed.
    pub fn other_described(&self) -> String {
        match &self.other {
            Ok(outcome) => outcome.describe(),
            Err(why) => format!("failed: {}", dictwalk_corpus::outcome::clip(&json!(why))),
        }
    }
}

/// How one backend's answers compared with the reference's.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Cases compared with the reference.
    pub compared: usize,
    /// ... on which it gave the reference's outcome.
    pub agreed: usize,
    /// ... on which it differed as a rule declares.
    pub declared: usize,
    /// ... on which it differed undeclared: a disagreement, or (legacy) an undeclared difference.
    pub differed: usize,
    /// Cases not compared: the core on a case JSON cannot hold, any backend where the reference
    /// failed.
    pub skipped: usize,
    /// Cases on which its worker crashed or hung (it was started again); compared all the same.
    pub broke: usize,
}

/// A kind of difference: how many, and the first examples (shrunk when undeclared).
#[derive(Clone, Debug, Default)]
pub struct Kind {
    pub count: usize,
    pub examples: Vec<Example>,
    pub first_after: Option<Duration>,
}

impl Kind {
    /// Counts one more difference of this kind, met `after` this long into the run; whether
    /// it is the first.
    fn met(&mut self, after: Duration) -> bool {
        self.count += 1;
        let first = self.first_after.is_none();
        if first {
            self.first_after = Some(after);
        }
        first
    }
}

/// What a mutation run found.
#[derive(Debug, Default)]
pub struct Summary {
    pub seed: u64,
    pub paths: usize,
    pub cases: usize,
    pub backends: Vec<Backend>,
    /// python, rust and core: disagreements with the reference, by backend and outcome pair.
    pub disagreements: BTreeMap<String, Kind>,
    /// Cases the reference itself failed on (crashed, hung).
    pub reference_failures: usize,
    /// The first of them ([`SHOWN_REFERENCE_FAILURES`]), each on one line: the operation,
    /// the path, the document and why.
    pub reference_failed: Vec<String>,
    /// Differences with 2.6.0 that a rule declares, by the rule's kind (and its spec item).
    pub declared: BTreeMap<String, Kind>,
    /// Differences with 2.6.0 that no rule declares, by kind.
    pub undeclared: BTreeMap<String, Kind>,
    /// Cases where 2.6.0 gave the reference's outcome.
    pub legacy_agreed: usize,
    /// Each backend's counts (the reference's own: what it ran and where it broke).
    pub per_backend: BTreeMap<Backend, Counts>,
    /// Corpus cases that declare a divergence from 2.6.0 that no rule covers: id and pair.
    pub uncovered: Vec<(String, String)>,
    pub checked_declarations: usize,
    /// Ids of the cases written to the corpus.
    pub written: Vec<String>,
    pub elapsed: Duration,
    /// CPU time of the run over every process (the xtask and its workers, from their start
    /// to their exit; [`cpu`](super::cpu)), when it could be read.
    pub cpu: Option<Duration>,
}

impl Summary {
    /// Paths per second, all backends on each.
    pub fn paths_per_second(&self) -> f64 {
        per_second(self.paths, self.elapsed)
    }

    /// Milliseconds of CPU time per path, summed over every process, when it could be read.
    pub fn cpu_ms_per_path(&self) -> Option<f64> {
        let cpu = self.cpu?;
        (self.paths > 0).then(|| cpu.as_secs_f64() * 1000.0 / self.paths as f64)
    }

    /// Whether python, rust and core agreed and every difference with 2.6.0 is declared.
    pub fn passed(&self) -> bool {
        self.disagreements.is_empty()
            && self.undeclared.is_empty()
            && self.uncovered.is_empty()
            && self.reference_failures == 0
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.backends.iter().map(|b| b.name()).collect();
        writeln!(
            f,
            "mutate seed {}: {} paths ({} cases) on {} in {:.1} s: {:.0} paths/s",
            self.seed,
            self.paths,
            self.cases,
            names.join(", "),
            self.elapsed.as_secs_f64(),
            self.paths_per_second()
        )?;
        if let (Some(cpu), Some(per_path)) = (self.cpu, self.cpu_ms_per_path()) {
            writeln!(
                f,
                "  CPU time over all processes: {:.1} s, {per_path:.2} ms per path",
                cpu.as_secs_f64()
            )?;
        }
        let total = |kinds: &BTreeMap<String, Kind>| kinds.values().map(|k| k.count).sum::<usize>();
        writeln!(
            f,
            "  python, rust and core: {} disagreements; reference failures: {}",
            total(&self.disagreements),
            self.reference_failures
        )?;
        for failed in &self.reference_failed {
            writeln!(f, "    reference failed: {failed}")?;
        }
        write_kinds(f, &self.disagreements)?;
        let broke = self
            .per_backend
            .iter()
            .filter(|(_, counts)| counts.broke > 0);
        for (backend, Counts { broke: count, .. }) in broke {
            writeln!(
                f,
                "  {backend}: the worker crashed or hung on {count} cases and was started again"
            )?;
        }
        if self.backends.contains(&Backend::Legacy) {
            writeln!(
                f,
                "  legacy (2.6.0): {} agreed, {} declared, {} undeclared; {} corpus declarations checked, {} without a rule",
                self.legacy_agreed,
                total(&self.declared),
                total(&self.undeclared),
                self.checked_declarations,
                self.uncovered.len()
            )?;
            writeln!(f, "  declared, by kind:")?;
            for (kind, found) in &self.declared {
                writeln!(f, "    {kind}: {}", found.count)?;
            }
            writeln!(f, "  undeclared, by kind:")?;
            write_kinds(f, &self.undeclared)?;
            for (id, pair) in &self.uncovered {
                writeln!(
                    f,
                    "  corpus case {id} declares a divergence no rule covers: {pair}"
                )?;
            }
        }
        for id in &self.written {
            writeln!(f, "  written: {id}")?;
        }
        Ok(())
    }
}

fn write_kinds(f: &mut fmt::Formatter<'_>, kinds: &BTreeMap<String, Kind>) -> fmt::Result {
    for (kind, found) in kinds {
        let after = found.first_after.map_or_else(String::new, |t| {
            format!(", first after {:.1} s", t.as_secs_f64())
        });
        writeln!(f, "    {kind}: {}{after}", found.count)?;
        for example in &found.examples {
            let other = example.other_described();
            writeln!(
                f,
                "      {} {:?} on {}: reference {}, other {}",
                example.case.op,
                example.case.path,
                dictwalk_corpus::outcome::clip(&example.case.doc),
                example.ours.describe(),
                other
            )?;
        }
    }
    Ok(())
}

/// A path to mutate, with the document it was written for.
#[derive(Clone, Debug)]
struct Source {
    path: String,
    doc: Value,
}

/// The corpus's paths (on plain documents small enough) and grammar-built ones.
fn sources(corpus: &[Case], seed: u64) -> Vec<Source> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for case in corpus {
        if case.op == Op::RunFilter || core::inapplicable(case).is_some() {
            continue;
        }
        if case.path.len() > MAX_PATH
            || case.doc.to_string().len() > MAX_DOC
            || pads_a_million(&case.path)
            || !seen.insert(case.path.clone())
        {
            continue;
        }
        out.push(Source {
            path: case.path.clone(),
            doc: case.doc.clone(),
        });
    }
    let grammar_seed = seed ^ GRAMMAR_SALT;
    for n in 0..GRAMMAR_PATHS {
        if holds_python(grammar_seed, n) {
            continue;
        }
        let spec = generate(grammar_seed, n);
        if let Target::Path(_) = spec.target {
            let case = spec.to_case("source");
            if case.doc.to_string().len() <= MAX_DOC {
                out.push(Source {
                    path: case.path,
                    doc: case.doc,
                });
            }
        }
    }
    out
}

/// Whether `path` holds an index of seven digits or more (`a[1048579]`, the corpus's cases of
/// the padding limit): its mutations write indexes as large or larger, which 2.6.0 pads item by
/// item, a second of its time and a gigabyte of memory each, for a difference declared already.
fn pads_a_million(path: &str) -> bool {
    path.split('[').skip(1).any(|rest| {
        rest.trim_start()
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count()
            >= 7
    })
}

/// Character-level mutation of a path, from one stream of random numbers per path.
struct Mutator<'s> {
    rng: fastrand::Rng,
    sources: &'s [Source],
}

impl Mutator<'_> {
    fn insert_char(&mut self) -> char {
        if self.rng.u32(0..50) == 0 {
            NON_ASCII[self.rng.usize(..NON_ASCII.len())]
        } else {
            PUNCTUATION[self.rng.usize(..PUNCTUATION.len())]
        }
    }

    /// The `n`th mutated path and the document of its source.
    fn mutated(&mut self) -> Source {
        let source = &self.sources[self.rng.usize(..self.sources.len())];
        let mut text: Vec<char> = source.path.chars().collect();
        // One path in ten is run as it is: well-formed paths must agree too.
        let mutations = if self.rng.u32(0..10) == 0 {
            0
        } else {
            self.rng.usize(1..=3)
        };
        for _ in 0..mutations {
            let at = self.rng.usize(..=text.len());
            match self.rng.u32(0..100) {
                0..=24 if !text.is_empty() => {
                    text.remove(at.min(text.len() - 1));
                }
                25..=39 if !text.is_empty() => {
                    let at = at.min(text.len() - 1);
                    text.insert(at, text[at]);
                }
                40..=74 => {
                    let ch = self.insert_char();
                    text.insert(at, ch);
                }
                75..=84 if text.len() > 1 => {
                    let at = at.min(text.len() - 2);
                    text.swap(at, at + 1);
                }
                85..=92 => text.truncate(at),
                _ => {
                    let other = &self.sources[self.rng.usize(..self.sources.len())];
                    let tail: Vec<char> = other.path.chars().collect();
                    let from = self.rng.usize(..=tail.len());
                    text.truncate(at);
                    text.extend(&tail[from..]);
                }
            }
        }
        Source {
            path: text.into_iter().collect(),
            doc: source.doc.clone(),
        }
    }
}

/// The cases of each path, [`cases_of`].
const OPS_PER_PATH: usize = 5;

/// The five cases of one path: get, strict get, exists, and set and unset on copies.
fn cases_of(seed: u64, n: usize, source: &Source) -> Vec<Case> {
    let mut strict = Map::new();
    strict.insert("strict".into(), Value::Bool(true));
    let mut set = Map::new();
    set.insert("value".into(), json!(7));
    [
        (Op::Get, "get", Map::new()),
        (Op::Get, "strict", strict),
        (Op::Exists, "exists", Map::new()),
        (Op::Set, "set", set),
        (Op::Unset, "unset", Map::new()),
    ]
    .into_iter()
    .map(|(op, name, args)| Case {
        id: format!("mutate.{seed}.{n}.{name}"),
        file: LEGACY_REGRESSIONS.to_owned(),
        op,
        path: source.path.clone(),
        path_value: None,
        doc: source.doc.clone(),
        args,
        expect: None,
        diverges: BTreeMap::new(),
        note: None,
    })
    .collect()
}

/// The group of an undeclared difference: the operation, the outcome kinds, the path feature.
fn undeclared_kind(case: &Case, ours: &str, legacy: &str, features: &[(String, Regex)]) -> String {
    let feature = features
        .iter()
        .find(|(_, pattern)| pattern.is_match(&case.path))
        .map_or("other", |(name, _)| name.as_str());
    format!("{}: ours {ours}, 2.6.0 {legacy}: {feature}", case.op)
}

fn compiled_features() -> anyhow::Result<Vec<(String, Regex)>> {
    FEATURES
        .iter()
        .map(|(name, pattern)| {
            Regex::new(pattern)
                .map(|re| ((*name).to_owned(), re))
                .with_context(|| format!("feature {name}"))
        })
        .collect()
}

/// What a run tells as it goes.
pub enum Event<'a> {
    /// The first this many paths have run.
    Done(usize),
    /// A kind of undeclared difference, or of disagreement among python, rust and core, met
    /// for the first time, this long into the run (its examples are shrunk at the end).
    Found { kind: &'a str, after: Duration },
    /// Every path has run; this many differences of this many kinds are shrunk now.
    Shrinking { differences: usize, kinds: usize },
}

/// The corpus whose paths `--mutate` mutates and whose declarations it checks; loaded before
/// the run sets its reports aside, so that a malformed corpus touches none.
pub fn load_corpus(corpus_dir: &Path) -> anyhow::Result<Vec<Case>> {
    load_dir(corpus_dir, LoadOptions::default())
        .map_err(|error| anyhow!("{error}"))
        .context("load the corpus for --mutate")
}

/// Runs `settings.paths` mutated paths of `corpus` (read from `corpus_dir`, where the cases
/// found are written) on the oracles and classes every answer.
pub fn run(
    mut oracles: Vec<Box<dyn Oracle>>,
    rules: &Rules,
    settings: &Settings,
    (corpus, corpus_dir): (&[Case], &Path),
    mut progress: impl FnMut(Event<'_>),
) -> anyhow::Result<Summary> {
    let started = Instant::now();
    let backends: Vec<Backend> = oracles.iter().map(|o| o.backend()).collect();
    if !backends.contains(&Backend::Python) || backends.len() < 2 {
        bail!("--mutate compares the backends with python: give python and at least one other");
    }
    let features = compiled_features()?;
    let sources = sources(corpus, settings.seed);
    if sources.is_empty() {
        bail!(
            "--mutate found no path to mutate in {}",
            corpus_dir.display()
        );
    }
    let mut summary = Summary {
        seed: settings.seed,
        backends: backends.clone(),
        ..Summary::default()
    };
    // The reference is the slowest backend on every batch, and the others wait for it before
    // the next: a second worker of it takes half of each batch (oracles of one backend stand
    // side by side, as `pipelined` shares a batch among them).
    if let Some(position) = oracles.iter().position(|o| o.backend() == Backend::Python) {
        if let Some(second) = oracles.get(position).and_then(|oracle| oracle.another()) {
            oracles.insert(position + 1, second?);
        }
    }
    // The declarations are checked on a second reference and 2.6.0 of their own, alongside the
    // paths (their robustness cases keep the reference busy for seconds); on the oracles
    // themselves, first, when a backend has no second one.
    let mut checkers = Vec::new();
    if backends.contains(&Backend::Legacy) {
        for oracle in &oracles {
            if matches!(oracle.backend(), Backend::Python | Backend::Legacy) {
                if let Some(other) = oracle.another() {
                    checkers.push(other?);
                }
            }
        }
        if checkers.len() < 2 {
            checkers.clear();
            let checked = check_declarations(&mut oracles, rules, corpus)?;
            summary.checked_declarations = checked.0;
            summary.uncovered = checked.1;
        }
    }
    let context = Batches {
        rules,
        features: &features,
        settings,
        corpus_dir,
        started,
    };
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let checking = (!checkers.is_empty())
            .then(|| scope.spawn(|| check_declarations(&mut checkers, rules, corpus)));
        let ran = run_paths(
            &mut oracles,
            &context,
            (corpus, &sources),
            &mut summary,
            &mut progress,
        );
        if let Some(checking) = checking {
            let checked = checking
                .join()
                .map_err(|_| anyhow!("the thread checking the declarations panicked"))??;
            summary.checked_declarations = checked.0;
            summary.uncovered = checked.1;
        }
        ran
    })?;
    summary.elapsed = started.elapsed();
    Ok(summary)
}

/// What every batch of a run needs besides the oracles and the summary.
struct Batches<'a> {
    rules: &'a Rules,
    features: &'a [(String, Regex)],
    settings: &'a Settings,
    corpus_dir: &'a Path,
    started: Instant,
}

/// A difference with 2.6.0 to shrink once the oracles are free: the kind it counts under, the
/// case, the reference's outcome and 2.6.0's.
struct ToShrink {
    kind: String,
    case: Case,
    found: (Outcome, Result<Outcome, String>),
}

/// The batches of mutated paths, pipelined ([`pipelined`]): the oracles run the next batches
/// while the main thread classes a batch's answers and writes the disagreements found. The
/// first differences of each undeclared kind are shrunk once every path has run (shrinking
/// needs the oracles, which are busy until then), and written as cases then.
fn run_paths(
    oracles: &mut [Box<dyn Oracle>],
    context: &Batches<'_>,
    (corpus, sources): (&[Case], &[Source]),
    summary: &mut Summary,
    progress: &mut impl FnMut(Event<'_>),
) -> anyhow::Result<()> {
    let settings = context.settings;
    let mut existing: HashSet<String> = corpus.iter().map(|c| c.id.clone()).collect();
    let mut mutator = Mutator {
        rng: fastrand::Rng::with_seed(settings.seed),
        sources,
    };
    let mut start = 0;
    let next_batch = || -> Option<(usize, Vec<Case>)> {
        let out_of_time = settings
            .time_limit
            .is_some_and(|limit| context.started.elapsed() >= limit);
        if start >= settings.paths || out_of_time {
            return None;
        }
        let end = settings.paths.min(start + settings.batch.max(1));
        let cases = (start..end)
            .flat_map(|n| cases_of(settings.seed, n, &mutator.mutated()))
            .collect();
        start = end;
        Some((end, cases))
    };
    let mut to_shrink = Pending::default();
    pipelined(oracles, next_batch, |end, cases, got| {
        let mut found = Vec::new();
        let new_regressions = class_batch(
            context,
            cases,
            &got,
            summary,
            &mut existing,
            (&mut to_shrink, &mut found),
        )?;
        for (kind, after) in &found {
            progress(Event::Found {
                kind,
                after: *after,
            });
        }
        write(
            context.corpus_dir,
            super::run::REGRESSIONS,
            REGRESSIONS_DESCRIPTION,
            &new_regressions,
        )?;
        summary.paths += cases.len() / OPS_PER_PATH;
        summary.cases += cases.len();
        progress(Event::Done(end));
        Ok(())
    })?;
    if !to_shrink.queue.is_empty() {
        progress(Event::Shrinking {
            differences: to_shrink.queue.len(),
            kinds: to_shrink.per_kind.len(),
        });
    }
    let mut new_legacy = Vec::new();
    for ToShrink { kind, case, found } in to_shrink.queue {
        let example = shrink_legacy(
            oracles,
            (context.rules, context.features),
            &case,
            found,
            settings.shrink_attempts,
        )?;
        if existing.insert(example.case.id.clone()) {
            new_legacy.push(case_json(&example, settings, "2.6.0"));
            summary.written.push(example.case.id.clone());
        }
        summary
            .undeclared
            .entry(kind)
            .or_default()
            .examples
            .push(example);
    }
    write(
        context.corpus_dir,
        LEGACY_REGRESSIONS,
        LEGACY_DESCRIPTION,
        &new_legacy,
    )
}

/// The differences with 2.6.0 waiting to be shrunk, and how many of each kind wait.
#[derive(Default)]
struct Pending {
    queue: Vec<ToShrink>,
    per_kind: HashMap<String, usize>,
}

/// Classes every answer of a batch into `summary`; returns the differences with 2.6.0 to shrink
/// (the first ones of each undeclared kind) and the corpus entries of the disagreements among
/// python, rust and core found (the first ones of each kind, not shrunk).
fn class_batch(
    context: &Batches<'_>,
    cases: &[Case],
    answers: &BTreeMap<Backend, Vec<Result<Outcome, String>>>,
    summary: &mut Summary,
    existing: &mut HashSet<String>,
    (to_shrink, found): (&mut Pending, &mut Vec<(String, Duration)>),
) -> anyhow::Result<Vec<Value>> {
    let (rules, settings) = (context.rules, context.settings);
    let Some(reference) = answers.get(&Backend::Python) else {
        bail!("the reference backend python gave no answers");
    };
    let mut new_regressions = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let reference_failed = !matches!(reference.get(i), Some(Ok(_)));
        for (backend, got) in answers {
            let Some(got) = got.get(i) else {
                bail!("backend {backend} skipped case {}", case.id);
            };
            let counts = summary.per_backend.entry(*backend).or_default();
            if got.is_err() {
                counts.broke += 1;
            }
            if reference_failed && *backend != Backend::Python {
                counts.skipped += 1;
            }
        }
        let expected = match reference.get(i) {
            Some(Ok(outcome)) => outcome,
            Some(Err(why)) => {
                summary.reference_failures += 1;
                if summary.reference_failed.len() < SHOWN_REFERENCE_FAILURES {
                    summary.reference_failed.push(format!(
                        "{} {:?} on {}: {}",
                        case.op.name(),
                        case.path,
                        dictwalk_corpus::outcome::clip(&case.doc),
                        why
                    ));
                }
                continue;
            }
            None => bail!("the reference skipped case {}", case.id),
        };
        for (backend, got) in answers {
            let Some(got) = got.get(i) else {
                bail!("backend {backend} skipped case {}", case.id);
            };
            let tally = |summary: &mut Summary, count: fn(&mut Counts) -> &mut usize| {
                *count(summary.per_backend.entry(*backend).or_default()) += 1;
            };
            match backend {
                Backend::Python => {}
                Backend::Legacy => {
                    tally(summary, |c| &mut c.compared);
                    if matches!(got, Ok(outcome) if outcome.agrees_with(expected)) {
                        summary.legacy_agreed += 1;
                        tally(summary, |c| &mut c.agreed);
                        continue;
                    }
                    let (ours, legacy) = (outcome_kind(&Ok(expected.clone())), outcome_kind(got));
                    if let Some(rule) = rules.declared(&difference(case, &ours, &legacy)) {
                        count_declared(summary, "", rule);
                        tally(summary, |c| &mut c.declared);
                        continue;
                    }
                    tally(summary, |c| &mut c.differed);
                    let name = undeclared_kind(case, &ours, &legacy, context.features);
                    let elapsed = context.started.elapsed();
                    if summary
                        .undeclared
                        .entry(name.clone())
                        .or_default()
                        .met(elapsed)
                    {
                        found.push((name.clone(), elapsed));
                    }
                    // Shrunk at the end of the run: the queue holds this run's examples.
                    let queued = to_shrink.per_kind.entry(name.clone()).or_default();
                    if *queued < settings.shrink_per_kind {
                        *queued += 1;
                        to_shrink.queue.push(ToShrink {
                            kind: name,
                            case: case.clone(),
                            found: (expected.clone(), got.clone()),
                        });
                    }
                }
                _ => {
                    if *backend == Backend::Core && core_skips(case, expected) {
                        tally(summary, |c| &mut c.skipped);
                        continue;
                    }
                    let agrees = matches!(got, Ok(outcome) if outcome.agrees_with(expected));
                    if !agrees && *backend == Backend::Core && core_overflows(case) {
                        tally(summary, |c| &mut c.skipped);
                        continue;
                    }
                    tally(summary, |c| &mut c.compared);
                    if agrees {
                        tally(summary, |c| &mut c.agreed);
                        continue;
                    }
                    let (ours, theirs) = (outcome_kind(&Ok(expected.clone())), outcome_kind(got));
                    let declared = rules.declared(&Difference {
                        backend: *backend,
                        ..difference(case, &ours, &theirs)
                    });
                    if let Some(rule) = declared {
                        // A declared limit of the core (JSON cannot hold the value).
                        count_declared(summary, &format!("{backend}: "), rule);
                        tally(summary, |c| &mut c.declared);
                        continue;
                    }
                    tally(summary, |c| &mut c.differed);
                    let name = format!(
                        "{backend}: {}: reference {ours}, {backend} {theirs}",
                        case.op
                    );
                    let elapsed = context.started.elapsed();
                    let kind = summary.disagreements.entry(name.clone()).or_default();
                    if kind.met(elapsed) {
                        found.push((name, elapsed));
                    }
                    if kind.examples.len() < settings.shrink_per_kind {
                        let example = Example {
                            case: case.clone(),
                            ours: expected.clone(),
                            other: got.clone(),
                        };
                        if existing.insert(case.id.clone()) {
                            new_regressions.push(case_json(&example, settings, backend.name()));
                            summary.written.push(case.id.clone());
                        }
                        kind.examples.push(example);
                    }
                }
            }
        }
    }
    Ok(new_regressions)
}

/// What the core's error says when a step's int result passes 64 bits (dictwalk-core's
/// `filters/py.rs`), where Python goes on with a big int.
const CORE_INT_LIMIT: &str = "does not fit in 64 bits";

/// Whether the core, reading the case's path with a strict get, stops at its limit of JSON: an
/// int past 64 bits along the way (`$rpow(4)` of 40), which Python carries on with. The core
/// cannot run such a case any more than one whose document JSON cannot hold, so a difference
/// on it is skipped, not compared; asked only when the core differs, on its own error.
fn core_overflows(case: &Case) -> bool {
    let mut strict = case.clone();
    strict.op = Op::Get;
    strict.args = Map::from_iter([("strict".to_owned(), Value::Bool(true))]);
    strict.expect = None;
    if core::inapplicable(&strict).is_some() {
        return false;
    }
    matches!(core::run(&strict), Outcome::Error { message, .. } if message.contains(CORE_INT_LIMIT))
}

fn write(dir: &Path, file: &str, description: &str, cases: &[Value]) -> anyhow::Result<()> {
    if cases.is_empty() {
        return Ok(());
    }
    let path = dir.join(file);
    append_cases(&path, description, cases)
        .map_err(|error| anyhow!("{error}"))
        .with_context(|| format!("write the cases found to {}", path.display()))
}

/// A case's difference between the outcome kinds `ours` and 2.6.0's `legacy`, as rules see it.
fn difference<'a>(case: &'a Case, ours: &'a str, legacy: &'a str) -> Difference<'a> {
    Difference {
        backend: Backend::Legacy,
        op: case.op,
        path: &case.path,
        doc: &case.doc,
        args: &case.args,
        ours,
        legacy,
    }
}

/// Counts a difference that `rule` declares under its kind, prefixed by `prefix`.
fn count_declared(summary: &mut Summary, prefix: &str, rule: &Rule) {
    let name = format!(
        "{prefix}{} (spec {}: {})",
        rule.kind, rule.spec, rule.reason
    );
    summary.declared.entry(name).or_default().count += 1;
}

/// Runs every corpus case that declares a divergence from 2.6.0 on the reference and on 2.6.0;
/// each difference must be covered by a rule.
/// Returns how many were checked and the uncovered ones: id and difference.
fn check_declarations(
    oracles: &mut [Box<dyn Oracle>],
    rules: &Rules,
    corpus: &[Case],
) -> anyhow::Result<(usize, Vec<(String, String)>)> {
    let mut checked = 0;
    let mut uncovered = Vec::new();
    let declared: Vec<Case> = corpus
        .iter()
        .filter(|case| case.divergence(Backend::Legacy).is_some())
        .cloned()
        .collect();
    // Only the reference and 2.6.0 are asked: the others' answers would not be read.
    let answers = run_batch_on(oracles, &declared, |backend| {
        matches!(backend, Backend::Python | Backend::Legacy)
    })?;
    let (Some(ours), Some(legacy)) = (answers.get(&Backend::Python), answers.get(&Backend::Legacy))
    else {
        bail!("the declarations need the python and legacy backends");
    };
    for ((case, ours), legacy) in declared.iter().zip(ours).zip(legacy) {
        checked += 1;
        let Ok(ours) = ours else {
            uncovered.push((case.id.clone(), "the reference failed".into()));
            continue;
        };
        if matches!(legacy, Ok(outcome) if outcome.agrees_with(ours)) {
            // A stale declaration is `cargo xtask parity`'s to report.
            continue;
        }
        let (ours, legacy) = (outcome_kind(&Ok(ours.clone())), outcome_kind(legacy));
        if rules.declared(&difference(case, &ours, &legacy)).is_none() {
            uncovered.push((
                case.id.clone(),
                format!("{} {:?}: ours {ours}, 2.6.0 {legacy}", case.op, case.path),
            ));
        }
    }
    Ok((checked, uncovered))
}

/// Shrinks an undeclared difference with 2.6.0 to a smaller case of the same kind (operation,
/// pair of outcome kinds and path feature, so that it does not slide to another bug) that no
/// rule declares either.
fn shrink_legacy(
    oracles: &mut [Box<dyn Oracle>],
    (rules, features): (&Rules, &[(String, Regex)]),
    case: &Case,
    found: (Outcome, Result<Outcome, String>),
    attempts: usize,
) -> anyhow::Result<Example> {
    let ours_kind = outcome_kind(&Ok(found.0.clone()));
    let legacy_kind = outcome_kind(&found.1);
    let kind = undeclared_kind(case, &ours_kind, &legacy_kind, features);
    let python = oracles.iter().position(|o| o.backend() == Backend::Python);
    let legacy = oracles.iter().position(|o| o.backend() == Backend::Legacy);
    let (Some(python), Some(legacy)) = (python, legacy) else {
        bail!("shrinking needs the python and legacy oracles");
    };
    let spec = Spec {
        op: case.op,
        target: Target::Text(case.path.clone()),
        doc: case.doc.clone(),
        args: case.args.clone(),
    };
    let mut last = found;
    let still_fails = |candidate: &Spec| {
        let probe = candidate.to_case(&case.id);
        if undeclared_kind(&probe, &ours_kind, &legacy_kind, features) != kind {
            return false;
        }
        let Some(ours) = oracles.get_mut(python).map(|o| o.run(&probe)) else {
            return false;
        };
        let Ok(ours) = ours else {
            return false;
        };
        let Some(other) = oracles.get_mut(legacy).map(|o| o.run(&probe)) else {
            return false;
        };
        let same_pair =
            outcome_kind(&Ok(ours.clone())) == ours_kind && outcome_kind(&other) == legacy_kind;
        let agrees = matches!(&other, Ok(outcome) if outcome.agrees_with(&ours));
        let fails = same_pair
            && !agrees
            && rules
                .declared(&difference(&probe, &ours_kind, &legacy_kind))
                .is_none();
        if fails {
            last = (ours, other);
        }
        fails
    };
    let shrunk = shrink::shrink(&spec, attempts, still_fails);
    let mut shrunk_case = shrunk.spec.to_case(&case.id);
    shrunk_case.file = LEGACY_REGRESSIONS.to_owned();
    Ok(Example {
        case: shrunk_case,
        ours: last.0,
        other: last.1,
    })
}

/// The corpus entry of an example: the reference's outcome as expectation, a note saying
/// what the other backend gave.
fn case_json(example: &Example, settings: &Settings, other: &str) -> Value {
    let case = &example.case;
    let mut map = Map::new();
    map.insert("id".into(), Value::String(case.id.clone()));
    map.insert("op".into(), Value::String(case.op.name().into()));
    map.insert("path".into(), Value::String(case.path.clone()));
    map.insert("doc".into(), case.doc.clone());
    if !case.args.is_empty() {
        map.insert("args".into(), Value::Object(case.args.clone()));
    }
    map.insert("expect".into(), example.ours.to_expect().to_json());
    let gave = match &example.other {
        Ok(outcome) => outcome.describe(),
        Err(why) => format!("failed: {why}"),
    };
    let mut note = String::new();
    let _ = write!(
        note,
        "found by cargo xtask parity --fuzz {} --seed {} --mutate; {other} gave {gave}",
        settings.paths, settings.seed
    );
    map.insert("note".into(), Value::String(note));
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutation_is_a_function_of_the_seed() {
        let sources = vec![
            Source {
                path: "a[?.id==1].b".into(),
                doc: json!({}),
            },
            Source {
                path: "x|$add(1)".into(),
                doc: json!({}),
            },
        ];
        let run = |seed| {
            let mut m = Mutator {
                rng: fastrand::Rng::with_seed(seed),
                sources: &sources,
            };
            (0..50).map(|_| m.mutated().path).collect::<Vec<_>>()
        };
        assert_eq!(run(3), run(3));
        assert_ne!(run(3), run(4));
        // Mutations change most paths, and leave some as they were.
        let paths = run(3);
        let kept = paths
            .iter()
            .filter(|p| sources.iter().any(|s| &s.path == *p))
            .count();
        assert!(
            kept > 0 && kept < paths.len() / 2,
            "{kept} of {} kept",
            paths.len()
        );
    }

    #[test]
    fn paths_that_pad_a_million_items_are_not_mutated() {
        assert!(pads_a_million("a[1048579]"));
        assert!(pads_a_million("x.a[ 2000000].b"));
        assert!(pads_a_million("*[1048577]"));
        assert!(!pads_a_million("a[104857]"));
        assert!(!pads_a_million("a[-1048579]"));
        assert!(!pads_a_million("a|$add(10000000)"));
        assert!(!pads_a_million("a[?.id==10000000]"));
    }

    #[test]
    fn the_core_stopping_at_its_int_limit_is_told_from_a_difference() {
        let case = |path: &str, op: Op| Case {
            id: "c".into(),
            file: "f".into(),
            op,
            path: path.into(),
            path_value: None,
            doc: json!({"id": 7}),
            args: Map::new(),
            expect: None,
            diverges: BTreeMap::new(),
            note: None,
        };
        // 4 ** 40 passes 64 bits; $clamp brings it back, so Python gives -2.
        let overflowing = "id|$add(33)|$rpow(4)|$clamp($$root.id, -2)";
        assert!(core_overflows(&case(overflowing, Op::Get)));
        assert!(core_overflows(&case(overflowing, Op::Exists)));
        assert!(!core_overflows(&case("id|$add(33)|$rpow(2)", Op::Get)));
        assert!(!core_overflows(&case("id|$nope", Op::Get)));
    }

    #[test]
    fn undeclared_differences_are_grouped_by_the_first_feature() -> anyhow::Result<()> {
        let features = compiled_features()?;
        let case = |path: &str| Case {
            id: "c".into(),
            file: "f".into(),
            op: Op::Get,
            path: path.into(),
            path_value: None,
            doc: json!({}),
            args: Map::new(),
            expect: None,
            diverges: BTreeMap::new(),
            note: None,
        };
        let kind = |path| undeclared_kind(&case(path), "value", "DictWalkParseError", &features);
        assert_eq!(
            kind("a[?.id==1"),
            "get: ours value, 2.6.0 DictWalkParseError: unclosed [?"
        );
        assert!(kind("a[?.v>]").ends_with("empty right side"));
        assert!(kind("a.[?.id==1]").ends_with("predicate without key"));
        assert!(kind("a[?.v|$mul(2)>$$root.x]").ends_with(") inside brackets"));
        assert!(kind("a.b").ends_with("other"));
        Ok(())
    }
}
