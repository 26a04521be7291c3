//! The migration board (`reports/status.json`, schema 1): for every public function and every
//! built-in filter, grouped by area, which backend implements it natively and which hands it to
//! the reference, its corpus cases with their pass counts per backend, its declared divergences
//! from dictwalk 2.6.0 and the benchmark scenarios that cover it. [`build`] makes it from its
//! inputs (`inputs.rs` reads them), so that the tests can feed it fixtures.
//!
//! A case counts for the function its operation calls and for every built-in filter its path
//! names, as the core's parser (`dictwalk_core::syntax`) reads it: in a pipeline, a predicate,
//! a `set` value that is a pipeline, a `$$root` argument. A path that does not parse (the
//! malformed-path cases) counts for its function only. A case that calls a custom filter also
//! counts for `register_path_filter`, which the worker calls to register it.

use std::collections::{BTreeMap, BTreeSet};

use dictwalk_core::{
    filters::{builtins, FilterDef, Native},
    syntax::{self, Arg, BoolExpr, Mode, Path, Pipeline, Rhs, Selector, TokenKind},
};
use dictwalk_corpus::{Backend, Case, Op};
use serde::{Deserialize, Serialize};

use super::inputs::{BenchFigures, Family, ParityResults, Scenario};
use crate::report::schema;

/// Function or filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Function,
    Filter,
}

/// How a backend provides an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Implementation {
    /// The pure-Python reference backend itself.
    Reference,
    /// Implemented by the backend, in Rust.
    Native,
    /// The rust binding always hands it to the reference implementation (`why` says why).
    Delegates,
    /// In Rust for some values, by the reference for others (`why` says which).
    Mixed,
    /// Not provided.
    Absent,
}

impl Implementation {
    pub fn word(self) -> &'static str {
        match self {
            Implementation::Reference => "reference",
            Implementation::Native => "native",
            Implementation::Delegates => "delegates",
            Implementation::Mixed => "mixed",
            Implementation::Absent => "absent",
        }
    }
}

/// status.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Board {
    pub schema_version: u32,
    /// HEAD when the board was made.
    pub commit: Option<String>,
    pub generated_at_unix: u64,
    /// The reports the board was built from, each with its commit and whether it is stale.
    pub sources: Vec<Source>,
    /// The backends whose pass counts the board shows, in parity's order.
    pub backends: Vec<String>,
    pub areas: Vec<Area>,
    pub totals: Totals,
}

/// A report the board read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    /// Relative to the project root.
    pub report: String,
    /// The commit the report describes.
    pub commit: Option<String>,
    pub generated_at_unix: Option<u64>,
    /// Older than the code: see `--stale` in `cargo xtask status --help`.
    pub stale: bool,
    /// Null, or the one-line reason the report could not be read.
    pub missing: Option<String>,
    /// Why it is stale (the changed files, a commit unknown to git), when it is.
    #[serde(default)]
    pub why_stale: Option<String>,
}

/// One area: the paths, a filter family, the writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Area {
    pub area: String,
    pub entries: Vec<Entry>,
}

/// One function or filter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub name: String,
    pub kind: Kind,
    /// By backend: python, rust, core (dictwalk 2.6.0 is another library).
    pub implementation: BTreeMap<String, Implementation>,
    /// Why the rust binding delegates, or for which values it does.
    pub why: Option<String>,
    /// The corpus cases that exercise it.
    pub cases: usize,
    /// Of those, how many passed on each backend in the parity report (absent without one).
    pub passing: BTreeMap<String, usize>,
    /// Of those, how many declare a divergence from dictwalk 2.6.0.
    pub declared: usize,
    pub bench: Vec<BenchRatio>,
}

/// A benchmark scenario that covers an entry: `ratio` is the reference's instructions per call
/// over the native backend's (above 1: native is faster).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchRatio {
    pub scenario: String,
    pub ratio: f64,
    pub versus: String,
    pub metric: String,
}

/// The whole corpus.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    pub cases: usize,
    pub passing: BTreeMap<String, usize>,
    pub declared: usize,
}

/// The public functions, by area; the filter families go between `paths` and `filter
/// functions`.
const FUNCTIONS: [(&str, &[&str]); 3] = [
    ("paths", &["get", "exists", "DictWalk"]),
    (
        "filter functions",
        &[
            "run_filter_function",
            "register_path_filter",
            "get_path_filter",
        ],
    ),
    ("writes", &["set", "unset"]),
];

/// The public function an operation calls.
fn function(op: Op) -> &'static str {
    match op {
        Op::Get => "get",
        Op::Exists => "exists",
        Op::Set => "set",
        Op::Unset => "unset",
        Op::RunFilter => "run_filter_function",
        Op::GetPathFilter => "get_path_filter",
        Op::RegisterPathFilter => "register_path_filter",
        Op::DictWalk => "DictWalk",
    }
}

/// What the board is built from.
pub struct Inputs<'a> {
    pub commit: Option<String>,
    pub generated_at_unix: u64,
    pub cases: &'a [Case],
    /// filters.py's families, in its order.
    pub families: &'a [Family],
    pub parity: Option<&'a ParityResults>,
    pub bench: Option<&'a BenchFigures>,
    pub scenarios: &'a [Scenario],
    pub sources: Vec<Source>,
}

/// What a path uses: the built-in filters it names, and whether it calls a custom one.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Uses {
    pub filters: BTreeSet<&'static str>,
    pub custom: bool,
}

impl Uses {
    fn call(&mut self, call: &syntax::Call) {
        match call.builtin {
            Some(def) => {
                self.filters.insert(def.name);
            }
            None => self.custom = true,
        }
        for arg in &call.args {
            if let Arg::RootRef(root) = arg {
                self.path(&root.text, Mode::Read);
            }
        }
    }

    fn pipeline(&mut self, pipeline: &Pipeline) {
        for call in &pipeline.calls {
            self.call(call);
        }
    }

    fn bool_expr(&mut self, expr: &BoolExpr) {
        // A stack, as the parser's own nesting can be deep.
        let mut stack = vec![expr];
        while let Some(expr) = stack.pop() {
            match expr {
                BoolExpr::Pipeline(p) => self.pipeline(p),
                BoolExpr::Not(inner) => stack.push(inner),
                BoolExpr::And(all) | BoolExpr::Or(all) => stack.extend(all),
            }
        }
    }

    fn tree(&mut self, path: &Path) {
        let mut stack = vec![path];
        while let Some(path) = stack.pop() {
            if let Some(transform) = &path.transform {
                self.pipeline(transform);
            }
            for token in &path.tokens {
                let selector = match &token.kind {
                    TokenKind::Select { selector, .. } | TokenKind::RootSelect { selector } => {
                        selector
                    }
                    _ => continue,
                };
                let Selector::Filter(predicate) = selector else {
                    continue;
                };
                if let Some(relative) = &predicate.lhs.path {
                    stack.push(relative);
                }
                if let Some(pipeline) = &predicate.lhs.pipeline {
                    self.pipeline(pipeline);
                }
                match &predicate.rhs {
                    Some(Rhs::Pipeline(p)) => self.pipeline(p),
                    Some(Rhs::Bool(expr)) => self.bool_expr(expr),
                    Some(Rhs::RootRef(root)) => self.path(&root.text, Mode::Read),
                    Some(Rhs::Literal { .. }) | None => {}
                }
            }
        }
    }

    /// Adds what `text` uses when it parses; every unknown filter name is taken for a custom
    /// one, so that only a real syntax error leaves a path out.
    pub fn path(&mut self, text: &str, mode: Mode) {
        if let Ok(path) = syntax::parse_path(text, mode, &|_| true) {
            self.tree(&path);
        }
    }

    pub fn pipeline_text(&mut self, text: &str) {
        if let Ok(pipeline) = syntax::parse_pipeline(text, None, &|_| true) {
            self.pipeline(&pipeline);
        }
    }

    /// A `set` value (spec 5): `$$root...` is read from the root; a str that is a valid
    /// pipeline of built-in filters only is applied; anything else is stored as it is.
    fn set_value(&mut self, value: &str) {
        if value.starts_with(syntax::ROOT) {
            self.path(value, Mode::Read);
        } else if let Ok(pipeline) = syntax::parse_pipeline(value, None, &|_| false) {
            self.pipeline(&pipeline);
        }
    }

    /// What one operation on `path` uses (a `set` value that is a pipeline included).
    pub fn of(op: Op, path: &str, set_value: Option<&str>) -> Uses {
        let mut uses = Uses::default();
        match op {
            // `DictWalk` reads `path` through the object it builds.
            Op::Get | Op::Exists | Op::DictWalk => uses.path(path, Mode::Read),
            Op::Set | Op::Unset => uses.path(path, Mode::Write),
            Op::RunFilter => uses.pipeline_text(path),
            // `path` is a filter's name, not a path.
            Op::GetPathFilter | Op::RegisterPathFilter => {}
        }
        if let Some(value) = set_value.filter(|_| op == Op::Set) {
            uses.set_value(value);
        }
        uses
    }

    fn of_case(case: &Case) -> Uses {
        if case.path_value.is_some() {
            // A path of the wrong type exercises the function's argument checks only.
            return Uses::default();
        }
        let value = match case.op {
            Op::Set => case.args.get("value").and_then(|v| v.as_str()),
            _ => None,
        };
        Uses::of(case.op, &case.path, value)
    }
}

/// The rust binding's implementation of a built-in filter, and why.
fn filter_implementation(def: &FilterDef, family: &Family) -> (Implementation, Option<String>) {
    match def.native {
        Native::OnContainers => (Implementation::Native, None),
        Native::OnScalars => (
            Implementation::Mixed,
            Some(
                "in Rust on plain scalars; a list or dict value goes to the reference, since the \
                 filter may return that very object"
                    .into(),
            ),
        ),
        Native::Never => (
            Implementation::Delegates,
            Some(match family.modules.get(def.name) {
                Some(modules) if !modules.is_empty() => {
                    format!("uses Python's {}", modules.join(" and "))
                }
                _ => "its meaning is a Python library's".into(),
            }),
        ),
    }
}

/// Every public function is the reference's own in python and native in the binding and the
/// core (custom filters included: the core's `Engine::register_filter`).
fn function_implementation() -> BTreeMap<String, Implementation> {
    [
        ("python", Implementation::Reference),
        ("rust", Implementation::Native),
        ("core", Implementation::Native),
    ]
    .into_iter()
    .map(|(b, i)| (b.to_owned(), i))
    .collect()
}

/// The board, from its inputs.
pub fn build(inputs: Inputs<'_>) -> Board {
    // Which cases each entry counts.
    let mut by_entry: BTreeMap<&str, Vec<&Case>> = BTreeMap::new();
    for case in inputs.cases {
        let uses = Uses::of_case(case);
        by_entry.entry(function(case.op)).or_default().push(case);
        if uses.custom {
            by_entry
                .entry("register_path_filter")
                .or_default()
                .push(case);
        }
        for filter in uses.filters {
            by_entry.entry(filter).or_default().push(case);
        }
    }
    // Which scenarios cover each entry, with their ratio.
    let mut bench: BTreeMap<&str, Vec<BenchRatio>> = BTreeMap::new();
    if let Some(figures) = inputs.bench {
        for scenario in inputs.scenarios {
            let Some(ratio) = figures.ratio(&scenario.id) else {
                continue;
            };
            let uses = Uses::of(scenario.op, &scenario.path, scenario.value.as_deref());
            let ratio = BenchRatio {
                scenario: scenario.id.clone(),
                ratio,
                versus: "reference".into(),
                metric: "instructions".into(),
            };
            let mut names: Vec<&str> = vec![function(scenario.op)];
            names.extend(uses.filters.iter().copied());
            if uses.custom {
                names.push("register_path_filter");
            }
            for name in names {
                bench.entry(name).or_default().push(ratio.clone());
            }
        }
    }
    let backends: Vec<String> = inputs
        .parity
        .map(|p| p.backends.clone())
        .unwrap_or_default();
    let passing = |cases: &[&Case]| -> BTreeMap<String, usize> {
        let Some(parity) = inputs.parity else {
            return BTreeMap::new();
        };
        parity
            .backends
            .iter()
            .map(|backend| {
                let count = cases
                    .iter()
                    .filter(|case| parity.passed(backend, &case.id))
                    .count();
                (backend.clone(), count)
            })
            .collect()
    };
    let declared = |cases: &[&Case]| {
        cases
            .iter()
            .filter(|case| case.divergence(Backend::Legacy).is_some())
            .count()
    };
    let entry = |name: &str, kind: Kind, implementation, why| {
        let cases = by_entry.get(name).map(Vec::as_slice).unwrap_or_default();
        Entry {
            name: name.to_owned(),
            kind,
            implementation,
            why,
            cases: cases.len(),
            passing: passing(cases),
            declared: declared(cases),
            bench: bench.get(name).cloned().unwrap_or_default(),
        }
    };
    let functions = |area: &str, names: &[&str]| Area {
        area: area.to_owned(),
        entries: names
            .iter()
            .map(|name| entry(name, Kind::Function, function_implementation(), None))
            .collect(),
    };
    let mut areas = vec![functions(FUNCTIONS[0].0, FUNCTIONS[0].1)];
    for family in inputs.families {
        areas.push(Area {
            area: family.area.clone(),
            entries: builtins()
                .iter()
                .filter(|def| family.filters.iter().any(|f| f == def.name))
                .map(|def| {
                    let (rust, why) = filter_implementation(def, family);
                    let implementation = [
                        ("python", Implementation::Reference),
                        ("rust", rust),
                        ("core", Implementation::Native),
                    ]
                    .into_iter()
                    .map(|(b, i)| (b.to_owned(), i))
                    .collect();
                    entry(def.name, Kind::Filter, implementation, why)
                })
                .collect(),
        });
    }
    for (area, names) in &FUNCTIONS[1..] {
        areas.push(functions(area, names));
    }
    let all: Vec<&Case> = inputs.cases.iter().collect();
    Board {
        schema_version: schema::STATUS,
        commit: inputs.commit,
        generated_at_unix: inputs.generated_at_unix,
        sources: inputs.sources,
        backends,
        areas,
        totals: Totals {
            cases: all.len(),
            passing: passing(&all),
            declared: declared(&all),
        },
    }
}

impl Board {
    pub fn entries(&self) -> impl Iterator<Item = (&Area, &Entry)> {
        self.areas
            .iter()
            .flat_map(|area| area.entries.iter().map(move |entry| (area, entry)))
    }

    /// How many built-in filters the rust binding runs in each way.
    pub fn filter_implementations(&self) -> BTreeMap<&'static str, usize> {
        let mut counts = BTreeMap::new();
        for (_, entry) in self.entries().filter(|(_, e)| e.kind == Kind::Filter) {
            if let Some(rust) = entry.implementation.get("rust") {
                *counts.entry(rust.word()).or_default() += 1;
            }
        }
        counts
    }

    /// The sources that are stale or missing, one line each.
    pub fn source_problems(&self) -> Vec<String> {
        self.sources
            .iter()
            .filter_map(|source| {
                if let Some(why) = &source.missing {
                    Some(format!("{}: missing: {why}", source.report))
                } else if source.stale {
                    Some(format!(
                        "{}: stale: {}",
                        source.report,
                        source.why_stale.as_deref().unwrap_or("older than the code")
                    ))
                } else {
                    None
                }
            })
            .collect()
    }
}
