//! Differential fuzzing (`cargo xtask parity --fuzz N --seed S`): generated cases run on every
//! backend, and each disagreement with the reference is shrunk and written to the corpus.
//!
//! A case is generated from a seed and its number alone ([`generate`]), as a [`Spec`]: the
//! operation, a structured path (tokens, predicates, pipelines, following the grammar of the
//! path language), a plain-JSON document and the arguments. Generation is guided by the
//! document, so most paths resolve: keys are picked from the dicts the walk reaches, indexes
//! from the lists' lengths, predicate literals from the items' values. A few cases in a
//! hundred carry broken syntax on purpose, since parse errors must agree too.
//!
//! [`run`] sends the cases in batches to the [`Oracle`]s, one thread per oracle, so the slow
//! Python workers run side by side with the others; oracles of the same backend share each
//! batch. The reference is the `python` oracle (else the first given). Every other backend
//! whose outcome does not agree with the reference's, or that fails on the case, is a
//! disagreement; `shrink` reduces it to a minimal case with the same kind of failure, and the
//! minimal case is appended to `regressions.json` with the reference's outcome as expectation.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::{self, Write as _};
use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use dictwalk_corpus::{core, write::append_cases, Backend, Case, Op, Outcome};
use serde_json::{Map, Number, Value};

use super::shrink;

/// A backend that runs one case at a time: the core in process, or a worker process.
pub trait Oracle: Send {
    /// The backend this oracle runs.
    fn backend(&self) -> Backend;

    /// The case's outcome; `Err` when the backend crashed, hung or answered garbage on it,
    /// which is a disagreement in itself.
    fn run(&mut self, case: &Case) -> Result<Outcome, String>;
}

/// dictwalk-core on serde_json, in process.
#[derive(Clone, Copy, Debug, Default)]
pub struct CoreOracle;

impl Oracle for CoreOracle {
    fn backend(&self) -> Backend {
        Backend::Core
    }

    fn run(&mut self, case: &Case) -> Result<Outcome, String> {
        match core::inapplicable(case) {
            Some(why) => Err(format!("the core cannot run this case: {why}")),
            None => Ok(core::run(case)),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Generated cases
// ---------------------------------------------------------------------------------------------

/// A generated case, in the structure the shrinker works on.
#[derive(Clone, Debug, PartialEq)]
pub struct Spec {
    pub op: Op,
    pub target: Target,
    /// The document (plain JSON).
    pub doc: Value,
    /// The operation's keyword arguments, as a case's `args`.
    pub args: Map<String, Value>,
}

/// What a case's `path` holds.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// A path of the grammar.
    Path(PathSpec),
    /// A bare pipeline: the expression of `run_filter`.
    Pipe(Pipe),
    /// Text with no structure: a rendered path with its syntax broken on purpose.
    Text(String),
}

/// A path: how it starts, its dot-separated tokens, and its output transform.
#[derive(Clone, Debug, PartialEq)]
pub struct PathSpec {
    pub root: Root,
    pub tokens: Vec<Tok>,
    /// `|$f...`; in a write path it is part of the last key.
    pub transform: Option<Pipe>,
}

/// The start of a path.
#[derive(Clone, Debug, PartialEq)]
pub enum Root {
    /// The first token is a plain token.
    Plain,
    /// `.`: the root itself (followed by tokens, it is an empty key).
    Dot,
    /// `$$root`: the root, in read paths.
    Dollar,
    /// A root selector: `.[..]`, or `$$root[..]` when `dollar`.
    Select { dollar: bool, sel: Sel },
}

/// The bracket of a root selector.
#[derive(Clone, Debug, PartialEq)]
pub enum Sel {
    Map,
    Index(i64),
    Slice(Option<i64>, Option<i64>),
    Filter(Box<Pred>),
}

/// One dot-separated token.
#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    /// `k`
    Key(String),
    /// `k[]`
    Map(String),
    /// `k[i]`
    Index(String, i64),
    /// `k[a:b]`
    Slice(String, Option<i64>, Option<i64>),
    /// `k[?pred]`
    Filter(String, Box<Pred>),
    /// `*`
    Wild,
    /// `**`
    Deep,
    /// `$$root` where only the first token may be one (a parse error).
    Root,
    /// Text taken as it is, such as the predicate without a dot `a[?id==1]`.
    Raw(String),
}

/// `[?lhs op rhs]`, or `[?lhs]` (truthiness) without a comparison.
#[derive(Clone, Debug, PartialEq)]
pub struct Pred {
    pub lhs: Lhs,
    pub cmp: Option<(Cmp, Rhs)>,
}

/// A predicate's left-hand side: `.`, `.a.b`, `.|$f`, `.a|$f`.
#[derive(Clone, Debug, PartialEq)]
pub struct Lhs {
    pub tokens: Vec<Tok>,
    pub pipe: Option<Pipe>,
}

/// A comparison operator of predicates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Ne,
    Ge,
    Le,
    Gt,
    Lt,
}

impl Cmp {
    pub const ALL: [Cmp; 6] = [Cmp::Eq, Cmp::Ne, Cmp::Ge, Cmp::Le, Cmp::Gt, Cmp::Lt];

    pub fn text(self) -> &'static str {
        match self {
            Cmp::Eq => "==",
            Cmp::Ne => "!=",
            Cmp::Ge => ">=",
            Cmp::Le => "<=",
            Cmp::Gt => ">",
            Cmp::Lt => "<",
        }
    }
}

/// A predicate's right-hand side.
#[derive(Clone, Debug, PartialEq)]
pub enum Rhs {
    /// A Python literal, or raw text, as written.
    Lit(String),
    Pipe(Pipe),
    Bool(BoolExpr),
    /// `$$root` followed by key tokens.
    RootRef(Vec<Tok>),
    /// Text taken as it is (malformed boolean expressions).
    Raw(String),
}

/// A boolean right-hand side over pipelines: `!`, `&&`, `||` and parentheses.
#[derive(Clone, Debug, PartialEq)]
pub enum BoolExpr {
    Pipe(Pipe),
    Not(Box<BoolExpr>),
    And(Vec<BoolExpr>),
    Or(Vec<BoolExpr>),
}

/// `$f|$g(1)[]|...`
#[derive(Clone, Debug, PartialEq)]
pub struct Pipe(pub Vec<Call>);

/// One pipeline step: `$name(args)`, with `[]` when it maps over a list.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    pub name: String,
    /// Each argument's text (a Python literal, raw text or a `$$root` reference).
    pub args: Vec<String>,
    pub map: bool,
}

impl Call {
    fn new(name: &str, args: Vec<String>) -> Call {
        Call {
            name: name.to_owned(),
            args,
            map: false,
        }
    }
}

// Rendering to the path text the backends read.

impl Spec {
    /// The case's `path`.
    pub fn path_text(&self) -> String {
        let mut out = String::new();
        match &self.target {
            Target::Path(path) => path.render(&mut out),
            Target::Pipe(pipe) => pipe.render(&mut out),
            Target::Text(text) => out.push_str(text),
        }
        out
    }

    /// The corpus case this spec stands for, with no expectation.
    pub fn to_case(&self, id: &str) -> Case {
        Case {
            id: id.to_owned(),
            file: REGRESSIONS.to_owned(),
            op: self.op,
            path: self.path_text(),
            doc: self.doc.clone(),
            args: self.args.clone(),
            expect: None,
            diverges: BTreeMap::new(),
            note: None,
        }
    }
}

impl PathSpec {
    fn render(&self, out: &mut String) {
        let mut first = true;
        match &self.root {
            Root::Plain => {}
            Root::Dot => {
                out.push('.');
                // After the dot, the tokens follow an empty key: `.a` is the keys "" and "a".
                first = self.tokens.is_empty();
            }
            Root::Dollar => {
                out.push_str("$$root");
                first = false;
            }
            Root::Select { dollar, sel } => {
                out.push_str(if *dollar { "$$root" } else { "." });
                sel.render(out);
                first = false;
            }
        }
        for token in &self.tokens {
            if !first {
                out.push('.');
            }
            first = false;
            token.render(out);
        }
        if let Some(pipe) = &self.transform {
            out.push('|');
            pipe.render(out);
        }
    }
}

impl Sel {
    fn render(&self, out: &mut String) {
        match self {
            Sel::Map => out.push_str("[]"),
            Sel::Index(index) => {
                let _ = write!(out, "[{index}]");
            }
            Sel::Slice(start, stop) => render_slice(out, *start, *stop),
            Sel::Filter(pred) => {
                out.push_str("[?");
                pred.render(out);
                out.push(']');
            }
        }
    }
}

fn render_slice(out: &mut String, start: Option<i64>, stop: Option<i64>) {
    out.push('[');
    if let Some(start) = start {
        let _ = write!(out, "{start}");
    }
    out.push(':');
    if let Some(stop) = stop {
        let _ = write!(out, "{stop}");
    }
    out.push(']');
}

impl Tok {
    fn render(&self, out: &mut String) {
        match self {
            Tok::Key(key) => out.push_str(key),
            Tok::Map(key) => {
                out.push_str(key);
                out.push_str("[]");
            }
            Tok::Index(key, index) => {
                let _ = write!(out, "{key}[{index}]");
            }
            Tok::Slice(key, start, stop) => {
                out.push_str(key);
                render_slice(out, *start, *stop);
            }
            Tok::Filter(key, pred) => {
                out.push_str(key);
                out.push_str("[?");
                pred.render(out);
                out.push(']');
            }
            Tok::Wild => out.push('*'),
            Tok::Deep => out.push_str("**"),
            Tok::Root => out.push_str("$$root"),
            Tok::Raw(text) => out.push_str(text),
        }
    }
}

fn render_tokens(out: &mut String, tokens: &[Tok]) {
    for (i, token) in tokens.iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        token.render(out);
    }
}

impl Pred {
    fn render(&self, out: &mut String) {
        out.push('.');
        render_tokens(out, &self.lhs.tokens);
        if let Some(pipe) = &self.lhs.pipe {
            out.push('|');
            pipe.render(out);
        }
        if let Some((cmp, rhs)) = &self.cmp {
            out.push_str(cmp.text());
            rhs.render(out);
        }
    }
}

impl Rhs {
    fn render(&self, out: &mut String) {
        match self {
            Rhs::Lit(text) | Rhs::Raw(text) => out.push_str(text),
            Rhs::Pipe(pipe) => pipe.render(out),
            Rhs::Bool(expr) => expr.render(out, 0),
            Rhs::RootRef(tokens) => {
                out.push_str("$$root");
                for token in tokens {
                    out.push('.');
                    token.render(out);
                }
            }
        }
    }
}

impl BoolExpr {
    /// `level`: 0 inside `||` (or at the top), 1 inside `&&`, 2 after `!`; an operand that
    /// binds looser than its place gets parentheses.
    fn render(&self, out: &mut String, level: u8) {
        let (parts, sep, own) = match self {
            BoolExpr::Pipe(pipe) => return pipe.render(out),
            BoolExpr::Not(inner) => {
                out.push('!');
                return inner.render(out, 2);
            }
            BoolExpr::And(parts) => (parts, "&&", 1),
            BoolExpr::Or(parts) => (parts, "||", 0),
        };
        let paren = level > own;
        if paren {
            out.push('(');
        }
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                out.push_str(sep);
            }
            part.render(out, own);
        }
        if paren {
            out.push(')');
        }
    }
}

impl Pipe {
    fn render(&self, out: &mut String) {
        for (i, call) in self.0.iter().enumerate() {
            if i > 0 {
                out.push('|');
            }
            out.push('$');
            out.push_str(&call.name);
            if !call.args.is_empty() {
                out.push('(');
                out.push_str(&call.args.join(", "));
                out.push(')');
            }
            if call.map {
                out.push_str("[]");
            }
        }
    }

    fn text(&self) -> String {
        let mut out = String::new();
        self.render(&mut out);
        out
    }
}

// ---------------------------------------------------------------------------------------------
// The generator
// ---------------------------------------------------------------------------------------------

/// The keys of generated dicts, few so that paths hit them.
const KEYS: [&str; 7] = ["a", "b", "c", "id", "x", "name", "v"];
/// Keys that only rarely appear: odd but valid.
const ODD_KEYS: [&str; 4] = ["", "0", "a b", "k-1"];
/// String values: words, numbers and booleans as text, JSON text, separators.
const STRINGS: [&str; 20] = [
    "",
    "a",
    "b",
    "x",
    "hello",
    "World",
    "1",
    "2",
    "10",
    "2.5",
    "-3",
    "true",
    "yes",
    " y ",
    "a,b",
    "A b c",
    "null",
    "[1, 2]",
    "{\"a\": 1}",
    "abc",
];

/// The id of generated case `n` of `seed`.
pub fn case_id(seed: u64, n: usize) -> String {
    format!("fuzz.{seed}.{n}")
}

/// Generated case `n` of `seed`; a function of the two alone.
pub fn generate(seed: u64, n: usize) -> Spec {
    let mut generator = Gen {
        rng: fastrand::Rng::with_seed(mix(seed, n as u64)),
    };
    generator.spec()
}

/// SplitMix64 of the seed and the case number, so each case has its own stream.
fn mix(seed: u64, n: u64) -> u64 {
    let mut z = seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The Python type of a JSON value, as the filters see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ty {
    Null,
    Bool,
    Num,
    Str,
    List,
    Dict,
}

fn ty(value: &Value) -> Ty {
    match value {
        Value::Null => Ty::Null,
        Value::Bool(_) => Ty::Bool,
        Value::Number(_) => Ty::Num,
        Value::String(_) => Ty::Str,
        Value::Array(_) => Ty::List,
        Value::Object(_) => Ty::Dict,
    }
}

/// An argument of a filter call.
#[derive(Clone, Copy, Debug)]
enum A {
    /// A small int, negatives and zero included.
    Int,
    /// 1 to 4.
    Pos,
    /// A percentage, now and then out of range.
    Pct,
    /// A short quoted string.
    Str,
    /// A quoted key.
    Key,
    /// A regular expression.
    Pat,
    /// A type name for `$type_is`.
    TypeName,
    /// Any literal.
    Any,
    /// A list literal.
    List,
    /// `True` or `False`.
    Flag,
}

type FilterRow = (&'static str, &'static [A]);

const ON_NUM: &[FilterRow] = &[
    ("inc", &[]),
    ("dec", &[]),
    ("double", &[]),
    ("square", &[]),
    ("neg", &[]),
    ("sqrt", &[]),
    ("floor", &[]),
    ("ceil", &[]),
    ("abs", &[]),
    ("sign", &[]),
    ("exp", &[]),
    ("add", &[A::Int]),
    ("sub", &[A::Int]),
    ("mul", &[A::Int]),
    ("div", &[A::Int]),
    ("idiv", &[A::Int]),
    ("mod", &[A::Int]),
    ("pow", &[A::Pos]),
    ("rpow", &[A::Pos]),
    ("root", &[A::Int]),
    ("pct", &[A::Pct]),
    ("round", &[]),
    ("round", &[A::Pos]),
    ("clamp", &[A::Int, A::Int]),
    ("log", &[]),
    ("log", &[A::Int]),
    ("even", &[]),
    ("odd", &[]),
    ("gt", &[A::Int]),
    ("lt", &[A::Int]),
    ("gte", &[A::Int]),
    ("lte", &[A::Int]),
    ("between", &[A::Int, A::Int]),
    ("in", &[A::List]),
    ("string", &[]),
    ("int", &[]),
    ("float", &[]),
    ("bool", &[]),
    ("type_is", &[A::TypeName]),
];

const ON_STR: &[FilterRow] = &[
    ("lower", &[]),
    ("upper", &[]),
    ("title", &[]),
    ("strip", &[]),
    ("strip", &[A::Str]),
    ("replace", &[A::Str, A::Str]),
    ("regex_replace", &[A::Pat, A::Str]),
    ("split", &[]),
    ("split", &[A::Str]),
    ("startswith", &[A::Str]),
    ("endswith", &[A::Str]),
    ("matches", &[A::Pat]),
    ("contains", &[A::Str]),
    ("len", &[]),
    ("int", &[]),
    ("float", &[]),
    ("bool", &[]),
    ("quote", &[]),
    ("from_json", &[]),
    ("to_json", &[]),
    ("join", &[A::Str]),
    ("is_empty", &[]),
    ("gt", &[A::Int]),
    ("in", &[A::List]),
];

const ON_LIST: &[FilterRow] = &[
    ("len", &[]),
    ("sum", &[]),
    ("avg", &[]),
    ("median", &[]),
    ("q1", &[]),
    ("q3", &[]),
    ("iqr", &[]),
    ("mode", &[]),
    ("stdev", &[]),
    ("pctile", &[A::Pct]),
    ("max", &[]),
    ("min", &[]),
    ("first", &[]),
    ("last", &[]),
    ("unique", &[]),
    ("reverse", &[]),
    ("chunk", &[A::Int]),
    ("flatten", &[]),
    ("flatten_deep", &[]),
    ("sorted", &[]),
    ("sorted", &[A::Flag]),
    ("sort_by", &[A::Key]),
    ("sort_by", &[A::Key, A::Flag]),
    ("unique_by", &[A::Key]),
    ("index_by", &[A::Key]),
    ("group_by", &[A::Key]),
    ("compact", &[]),
    ("join", &[A::Str]),
    ("contains", &[A::Any]),
    ("is_empty", &[]),
    ("non_empty", &[]),
    ("to_json", &[]),
    ("coalesce", &[A::Any]),
];

/// Element-wise steps (`$f[]`) for lists.
const MAPPED: &[FilterRow] = &[
    ("double", &[]),
    ("inc", &[]),
    ("string", &[]),
    ("upper", &[]),
    ("len", &[]),
    ("bool", &[]),
    ("add", &[A::Int]),
    ("gt", &[A::Int]),
    ("keys", &[]),
    ("default", &[A::Any]),
];

const ON_DICT: &[FilterRow] = &[
    ("keys", &[]),
    ("values", &[]),
    ("items", &[]),
    ("pick", &[A::Key]),
    ("pick", &[A::Key, A::Key]),
    ("unpick", &[A::Key]),
    ("len", &[]),
    ("to_json", &[]),
    ("is_empty", &[]),
    ("contains", &[A::Key]),
    ("string", &[]),
];

const ON_ANY: &[FilterRow] = &[
    ("default", &[A::Any]),
    ("coalesce", &[A::Any, A::Any]),
    ("const", &[A::Any]),
    ("is_empty", &[]),
    ("non_empty", &[]),
    ("string", &[]),
    ("bool", &[]),
    ("type_is", &[A::TypeName]),
    ("to_json", &[]),
    ("quote", &[]),
];

/// The filters that can make an int too big for 64 bits (or for Python to finish) in one step.
const GROWTH: [&str; 4] = ["pow", "rpow", "exp", "square"];

/// Whether the core's error says that Python's result has no JSON form: a known limit of the
/// core (see `dictwalk_core::filters`), not a disagreement worth finding again and again.
fn inexpressible(message: &str) -> bool {
    ["JSON cannot", "JSON object cannot", "as a JSON value"]
        .iter()
        .any(|phrase| message.contains(phrase))
}

/// Predicate pipelines: `[?.x==$even]`.
const TESTS: &[FilterRow] = &[
    ("even", &[]),
    ("odd", &[]),
    ("gt", &[A::Int]),
    ("lt", &[A::Int]),
    ("gte", &[A::Int]),
    ("lte", &[A::Int]),
    ("between", &[A::Int, A::Int]),
    ("is_empty", &[]),
    ("non_empty", &[]),
    ("contains", &[A::Str]),
    ("startswith", &[A::Str]),
    ("type_is", &[A::TypeName]),
    ("bool", &[]),
    ("in", &[A::List]),
];

struct Gen {
    rng: fastrand::Rng,
}

impl Gen {
    /// True `percent` times in a hundred.
    fn chance(&mut self, percent: u32) -> bool {
        self.rng.u32(0..100) < percent
    }

    /// One of `items`, which must not be empty.
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.rng.usize(..items.len())]
    }

    /// An index into a non-empty collection of `len` items.
    fn below(&mut self, len: usize) -> usize {
        self.rng.usize(..len.max(1))
    }

    fn key(&mut self) -> String {
        if self.chance(3) {
            self.pick(&ODD_KEYS).to_owned()
        } else {
            self.pick(&KEYS).to_owned()
        }
    }

    fn spec(&mut self) -> Spec {
        let mut doc = self.doc();
        let roll = self.rng.u32(0..100);
        let op = match roll {
            0..=39 => Op::Get,
            40..=53 => Op::Exists,
            54..=83 => Op::Set,
            84..=96 => Op::Unset,
            _ => Op::RunFilter,
        };
        let mut args = Map::new();
        let target = if op == Op::RunFilter {
            // run_filter has no document.
            doc = Value::Null;
            let value = self.value(2);
            let pipe = self.pipe(Some(&value), None, 3, true);
            args.insert("value".into(), value);
            Target::Pipe(pipe)
        } else {
            let path = self.path(&doc, op.writes());
            let strict = self.rng.u32(0..100);
            if strict < 22 {
                args.insert("strict".into(), Value::Bool(true));
            } else if strict < 27 {
                args.insert("strict".into(), Value::Bool(false));
            }
            match op {
                Op::Get if self.chance(25) => {
                    let default = self.value(1);
                    args.insert("default".into(), default);
                }
                Op::Set => {
                    let value = self.set_value(&doc);
                    args.insert("value".into(), value);
                    for flag in [
                        "create_missing",
                        "create_filter_match",
                        "overwrite_incompatible",
                    ] {
                        if self.chance(20) {
                            let on = self.chance(40);
                            args.insert(flag.into(), Value::Bool(on));
                        }
                    }
                }
                _ => {}
            }
            Target::Path(path)
        };
        let mut spec = Spec {
            op,
            target,
            doc,
            args,
        };
        if self.chance(5) {
            self.break_syntax(&mut spec);
        }
        spec
    }

    // Documents.

    fn doc(&mut self) -> Value {
        match self.rng.u32(0..100) {
            0..=74 => self.object(3),
            75..=95 => self.list(3),
            _ => self.scalar(),
        }
    }

    fn value(&mut self, depth: u32) -> Value {
        if depth == 0 {
            return self.scalar();
        }
        match self.rng.u32(0..100) {
            0..=21 => self.object(depth - 1),
            22..=43 => self.list(depth - 1),
            _ => self.scalar(),
        }
    }

    fn object(&mut self, depth: u32) -> Value {
        let count = self.pick(&[0, 1, 2, 2, 3, 3, 4]);
        let mut map = Map::new();
        for _ in 0..count {
            let key = self.key();
            let value = self.value(depth);
            map.insert(key, value);
        }
        Value::Object(map)
    }

    fn list(&mut self, depth: u32) -> Value {
        let len = self.pick(&[0, 1, 2, 3, 3, 4, 5]);
        let items = match self.rng.u32(0..100) {
            // Records sharing their keys, as lists of users or orders are.
            0..=39 => {
                let width = 1 + self.below(3);
                let keys: Vec<String> = (0..width).map(|_| self.key()).collect();
                (0..len)
                    .map(|i| {
                        let mut record = Map::new();
                        for key in &keys {
                            if self.chance(90) {
                                let value = if key == "id" && self.chance(80) {
                                    Value::from(i as i64 + 1)
                                } else if depth > 0 && self.chance(15) {
                                    self.value(depth - 1)
                                } else {
                                    self.scalar()
                                };
                                record.insert(key.clone(), value);
                            }
                        }
                        Value::Object(record)
                    })
                    .collect()
            }
            40..=64 => (0..len)
                .map(|_| Value::from(self.rng.i64(-3..=12)))
                .collect(),
            _ => (0..len).map(|_| self.value(depth)).collect(),
        };
        Value::Array(items)
    }

    fn scalar(&mut self) -> Value {
        match self.rng.u32(0..100) {
            0..=34 => Value::from(self.rng.i64(-3..=12)),
            35..=42 => Value::from(self.rng.i64(-1000..=1000)),
            43..=51 => float(self.rng.i64(-20..=40) as f64 / 4.0),
            52..=59 => Value::Bool(self.chance(50)),
            60..=67 => Value::Null,
            _ => Value::String(self.pick(&STRINGS).to_owned()),
        }
    }

    // Paths.

    /// A path guided by the document, so that it mostly resolves. `cur` follows the value the
    /// walk has reached (after a fan-out in a read, the list it leaves; in a write, one item),
    /// or is `None` once the walk has left the document.
    fn path(&mut self, doc: &Value, write: bool) -> PathSpec {
        let mut tokens = Vec::new();
        let mut root = Root::Plain;
        let mut cur = Some(doc.clone());
        if let Value::Array(items) = doc {
            if self.chance(65) {
                let (sel, next) = self.selector(items, doc, write);
                let dollar = self.chance(30);
                root = Root::Select { dollar, sel };
                cur = next;
            }
        } else if !write && self.chance(6) {
            root = Root::Dollar;
        } else if !write && self.chance(4) {
            let transform = self
                .chance(70)
                .then(|| self.pipe(Some(doc), Some(doc), 2, true));
            return PathSpec {
                root: Root::Dot,
                tokens,
                transform,
            };
        }
        let mut len = self.pick(&[1, 1, 2, 2, 2, 3, 3, 4]);
        if root != Root::Plain {
            len -= 1;
        }
        for _ in 0..len {
            let (token, next) = self.token(cur.take(), doc, write);
            tokens.push(token);
            cur = next;
            let scalar = matches!(&cur, Some(v) if !v.is_array() && !v.is_object());
            if scalar && self.chance(70) {
                break;
            }
        }
        // Writes often create: a missing key, an index past the end, a new list.
        if write && self.chance(25) {
            let key = self.key();
            let token = match self.rng.u32(0..100) {
                0..=59 => Tok::Key(key),
                60..=74 => Tok::Index(key, self.rng.i64(0..=3)),
                75..=89 => Tok::Map(key),
                _ => {
                    let pred = self.pred(&[], doc);
                    Tok::Filter(key, Box::new(pred))
                }
            };
            tokens.push(token);
            cur = None;
        }
        let transform = if write {
            // A write path has no output transform: `a|$len` is a key (and fuzzed as one).
            self.chance(2).then(|| self.pipe(None, None, 1, false))
        } else if self.chance(35) {
            Some(self.pipe(cur.as_ref(), Some(doc), 3, true))
        } else {
            None
        };
        if root == Root::Plain && tokens.is_empty() {
            tokens.push(Tok::Key(self.key()));
        }
        PathSpec {
            root,
            tokens,
            transform,
        }
    }

    /// A root selector on the root list, and the value it reaches.
    fn selector(&mut self, items: &[Value], doc: &Value, write: bool) -> (Sel, Option<Value>) {
        let len = items.len() as i64;
        let all = Some(Value::Array(items.to_vec()));
        let one = |i: usize| items.get(i).cloned();
        match self.rng.u32(0..100) {
            0..=34 => {
                let index = self.index(len);
                let at = if index < 0 { index + len } else { index };
                (Sel::Index(index), usize::try_from(at).ok().and_then(one))
            }
            35..=49 => {
                let (start, stop) = self.bounds(len);
                (Sel::Slice(start, stop), all)
            }
            50..=64 => {
                let next = if write {
                    self.representative(items)
                } else {
                    all
                };
                (Sel::Map, next)
            }
            _ => {
                let pred = self.pred(items, doc);
                let next = if write {
                    self.representative(items)
                } else {
                    all
                };
                (Sel::Filter(Box::new(pred)), next)
            }
        }
    }

    /// An index into a list of `len` items, negative or past the end now and then.
    fn index(&mut self, len: i64) -> i64 {
        if len == 0 || self.chance(10) {
            return self.rng.i64(-len - 2..=len + 2);
        }
        let index = self.rng.i64(0..len);
        if self.chance(35) {
            index - len
        } else {
            index
        }
    }

    fn bounds(&mut self, len: i64) -> (Option<i64>, Option<i64>) {
        let bound = |gen: &mut Gen| gen.chance(70).then(|| gen.rng.i64(-len - 1..=len + 1));
        let start = bound(self);
        let stop = bound(self);
        (start, stop)
    }

    /// The item a write's fan-out is followed through: a dict if there is one.
    fn representative(&mut self, items: &[Value]) -> Option<Value> {
        let dicts: Vec<&Value> = items.iter().filter(|v| v.is_object()).collect();
        if dicts.is_empty() {
            return items.first().cloned();
        }
        let i = self.below(dicts.len());
        dicts.get(i).map(|v| (*v).clone())
    }

    fn token(&mut self, cur: Option<Value>, doc: &Value, write: bool) -> (Tok, Option<Value>) {
        match cur {
            Some(Value::Object(map)) if !map.is_empty() => {
                if self.chance(6) {
                    let values: Vec<Value> = map.values().cloned().collect();
                    let next = if write {
                        self.representative(&values)
                    } else {
                        Some(Value::Array(values))
                    };
                    return (Tok::Wild, next);
                }
                if self.chance(3) {
                    return (Tok::Deep, None);
                }
                if self.chance(7) {
                    let key = self.key();
                    let next = map.get(&key).cloned();
                    return (Tok::Key(key), next);
                }
                let i = self.below(map.len());
                let Some((key, child)) = map.into_iter().nth(i) else {
                    return (Tok::Key(self.key()), None);
                };
                match child {
                    Value::Array(items) if self.chance(70) => {
                        self.list_token(key, items, doc, write)
                    }
                    child => (Tok::Key(key), Some(child)),
                }
            }
            Some(Value::Array(items)) if !items.is_empty() => {
                let mut keys: Vec<&String> = Vec::new();
                for item in &items {
                    if let Value::Object(record) = item {
                        for key in record.keys() {
                            if !keys.contains(&key) {
                                keys.push(key);
                            }
                        }
                    }
                }
                if write {
                    // A write on a list: `*` goes into each item; a key replaces the list.
                    if self.chance(60) {
                        let next = self.representative(&items);
                        return (Tok::Wild, next);
                    }
                    return (Tok::Key(self.key()), None);
                }
                if !keys.is_empty() && self.chance(70) {
                    let key = keys[self.below(keys.len())].clone();
                    let plucked: Vec<Value> = items
                        .iter()
                        .filter_map(|item| item.get(&key).cloned())
                        .collect();
                    let token = if self.chance(60) {
                        Tok::Key(key)
                    } else {
                        Tok::Map(key)
                    };
                    return (token, Some(Value::Array(plucked)));
                }
                match self.rng.u32(0..100) {
                    0..=54 => {
                        let pred = self.pred(&items, doc);
                        let key = self.key();
                        (Tok::Filter(key, Box::new(pred)), Some(Value::Array(items)))
                    }
                    55..=84 => (Tok::Wild, Some(Value::Array(items))),
                    _ => (Tok::Deep, None),
                }
            }
            _ => {
                // Off the document (or at a scalar): any token, which mostly fails softly.
                let key = self.key();
                let token = match self.rng.u32(0..100) {
                    0..=64 => Tok::Key(key),
                    65..=74 => Tok::Index(key, self.rng.i64(-2..=2)),
                    75..=84 => Tok::Map(key),
                    85..=94 => Tok::Wild,
                    _ => Tok::Deep,
                };
                (token, None)
            }
        }
    }

    /// A token on the list at `key` of the current dict.
    fn list_token(
        &mut self,
        key: String,
        items: Vec<Value>,
        doc: &Value,
        write: bool,
    ) -> (Tok, Option<Value>) {
        let len = items.len() as i64;
        let roll = self.rng.u32(0..100);
        match roll {
            0..=29 => {
                let index = self.index(len);
                let at = if index < 0 { index + len } else { index };
                let next = usize::try_from(at).ok().and_then(|i| items.get(i).cloned());
                (Tok::Index(key, index), next)
            }
            30..=41 => {
                let (start, stop) = self.bounds(len);
                let next = if write {
                    self.representative(&items)
                } else {
                    Some(Value::Array(items))
                };
                (Tok::Slice(key, start, stop), next)
            }
            42..=74 => {
                let pred = self.pred(&items, doc);
                let next = if write {
                    self.representative(&items)
                } else {
                    Some(Value::Array(items))
                };
                (Tok::Filter(key, Box::new(pred)), next)
            }
            // In writes `[]` sits on the list's key: `users[].x`.
            75..=94 if write => {
                let next = self.representative(&items);
                (Tok::Map(key), next)
            }
            _ => (Tok::Key(key), Some(Value::Array(items))),
        }
    }

    // Predicates.

    /// A predicate over `items`, mostly about what they hold.
    fn pred(&mut self, items: &[Value], doc: &Value) -> Pred {
        let item = if items.is_empty() {
            self.value(1)
        } else {
            let i = self.below(items.len());
            items.get(i).cloned().unwrap_or(Value::Null)
        };
        let (tokens, value) = match &item {
            Value::Object(map) if !map.is_empty() && self.chance(85) => {
                let i = self.below(map.len());
                match map.iter().nth(i) {
                    Some((key, value)) => {
                        if let (Value::Object(inner), true) = (value, self.chance(15)) {
                            // A relative path `.a.b`.
                            let j = self.below(inner.len());
                            match inner.iter().nth(j) {
                                Some((k2, v2)) => (
                                    vec![Tok::Key(key.clone()), Tok::Key(k2.clone())],
                                    Some(v2.clone()),
                                ),
                                None => (vec![Tok::Key(key.clone())], Some(value.clone())),
                            }
                        } else if let (Value::Array(inner), true) = (value, self.chance(20)) {
                            // A nested predicate `.b[?.c==2]`.
                            let nested = self.pred(inner, doc);
                            (vec![Tok::Filter(key.clone(), Box::new(nested))], None)
                        } else {
                            (vec![Tok::Key(key.clone())], Some(value.clone()))
                        }
                    }
                    None => (Vec::new(), Some(item.clone())),
                }
            }
            Value::Object(_) => (vec![Tok::Key(self.key())], None),
            _ => (Vec::new(), Some(item.clone())),
        };
        let mut lhs = Lhs { tokens, pipe: None };
        let mut value = value;
        if self.chance(15) {
            let pipe = self.pipe(value.as_ref(), None, 1, false);
            value = value
                .as_ref()
                .and_then(|v| core_filter(&pipe.text(), v).ok());
            lhs.pipe = Some(pipe);
        }
        let cmp = match self.rng.u32(0..100) {
            // `[?.flag]`: truthiness.
            0..=9 => None,
            10..=64 => {
                let cmp = match self.rng.u32(0..100) {
                    0..=44 => Cmp::Eq,
                    45..=54 => Cmp::Ne,
                    _ => self.pick(&[Cmp::Ge, Cmp::Le, Cmp::Gt, Cmp::Lt]),
                };
                let lit = match &value {
                    Some(v) if self.chance(70) => self.near_literal(v),
                    _ => self.literal(),
                };
                Some((cmp, Rhs::Lit(lit)))
            }
            65..=79 => {
                let pipe = self.test_pipe();
                let cmp = if self.chance(85) { Cmp::Eq } else { Cmp::Ne };
                Some((cmp, Rhs::Pipe(pipe)))
            }
            80..=89 => {
                let expr = self.bool_expr(2);
                Some((Cmp::Eq, Rhs::Bool(expr)))
            }
            _ => {
                let cmp = self.pick(&Cmp::ALL);
                let tokens = self.root_scalar(doc).unwrap_or_default();
                Some((cmp, Rhs::RootRef(tokens)))
            }
        };
        Pred { lhs, cmp }
    }

    /// A pipeline that tests a value, for predicates.
    fn test_pipe(&mut self) -> Pipe {
        let (name, args) = self.pick(TESTS);
        let mut calls = Vec::new();
        if self.chance(15) {
            calls.push(Call::new(self.pick(&["int", "len", "string"]), Vec::new()));
        }
        let args = self.args(args);
        calls.push(Call::new(name, args));
        Pipe(calls)
    }

    fn bool_expr(&mut self, depth: u32) -> BoolExpr {
        if depth == 0 {
            return BoolExpr::Pipe(self.test_pipe());
        }
        match self.rng.u32(0..100) {
            0..=19 => BoolExpr::Not(Box::new(self.bool_expr(depth - 1))),
            20..=59 => {
                let n = 2 + self.below(2);
                BoolExpr::And((0..n).map(|_| self.bool_expr(depth - 1)).collect())
            }
            _ => {
                let n = 2 + self.below(2);
                BoolExpr::Or((0..n).map(|_| self.bool_expr(depth - 1)).collect())
            }
        }
    }

    /// Key tokens from the root to a scalar of a dict root, for `$$root.a.b`.
    fn root_scalar(&mut self, doc: &Value) -> Option<Vec<Tok>> {
        let mut tokens = Vec::new();
        let mut cur = doc;
        while let Value::Object(map) = cur {
            if map.is_empty() {
                break;
            }
            let i = self.below(map.len());
            let (key, value) = map.iter().nth(i)?;
            tokens.push(Tok::Key(key.clone()));
            cur = value;
        }
        (!tokens.is_empty()).then_some(tokens)
    }

    // Literals.

    /// A literal of or near `value`: itself, a neighbouring number, its text unquoted.
    fn near_literal(&mut self, value: &Value) -> String {
        match value {
            Value::Number(n) if self.chance(30) => {
                let base = n.as_i64().unwrap_or(0);
                (base + self.rng.i64(-1..=1)).to_string()
            }
            Value::String(s) if self.chance(20) && !s.is_empty() => s.clone(),
            Value::Number(n) if self.chance(15) => format!("'{n}'"),
            _ => py_literal(value),
        }
    }

    fn literal(&mut self) -> String {
        match self.rng.u32(0..100) {
            0..=39 => self.rng.i64(-3..=12).to_string(),
            40..=49 => format!("{:?}", self.rng.i64(-8..=20) as f64 / 4.0),
            50..=69 => py_str(self.pick(&STRINGS)),
            70..=79 => self.pick(&["True", "False", "None"]).to_owned(),
            80..=89 => self.pick(&KEYS).to_owned(),
            // No tuple or set literals: JSON has neither, and the core's stand-ins differ
            // from Python by design.
            _ => self
                .pick(&["[1, 2]", "{'a': 1}", "1e3", "-0", "x y", "'"])
                .to_owned(),
        }
    }

    fn arg(&mut self, kind: A) -> String {
        match kind {
            A::Int => self.rng.i64(-2..=5).to_string(),
            A::Pos => self.rng.i64(1..=4).to_string(),
            A::Pct => self
                .pick(&["0", "25", "50", "75", "100", "150", "-5", "33.5"])
                .to_owned(),
            A::Str => self
                .pick(&["'a'", "'b'", "','", "''", "'x'", "a", "'1'", "' '"])
                .to_owned(),
            A::Key => {
                // A key path: one key mostly, now and then two or none at all.
                let key = match self.rng.u32(0..100) {
                    0..=3 => "",
                    4..=7 => "a.b",
                    _ => self.pick(&KEYS),
                };
                if self.chance(85) {
                    py_str(key)
                } else {
                    key.to_owned()
                }
            }
            A::Pat => self
                .pick(&["'a'", "'^a'", "'b$'", "'[0-9]'", "'x|y'", "'('"])
                .to_owned(),
            A::TypeName => self
                .pick(&[
                    "'int'",
                    "'str'",
                    "'list'",
                    "'dict'",
                    "'NoneType'",
                    "'bool'",
                    "'float'",
                ])
                .to_owned(),
            A::Any => self.literal(),
            A::List => self
                .pick(&["[1, 2, 3]", "['a', 'b']", "[]", "'abc'"])
                .to_owned(),
            A::Flag => self.pick(&["True", "False", "1", "0"]).to_owned(),
        }
    }

    fn args(&mut self, kinds: &[A]) -> Vec<String> {
        kinds.iter().map(|kind| self.arg(*kind)).collect()
    }

    // Pipelines.

    /// A pipeline of up to `max` steps fit for `value` (each step for what the last gave),
    /// and now and then any filter at all. `root`: `$$root` arguments may refer to it.
    /// `exact`: the pipeline runs on `value` itself, not on values like it (see `call`).
    fn pipe(
        &mut self,
        value: Option<&Value>,
        root: Option<&Value>,
        max: usize,
        exact: bool,
    ) -> Pipe {
        let steps = 1 + self.below(max);
        let mut calls: Vec<Call> = Vec::new();
        let mut cur = value.cloned();
        for _ in 0..steps {
            let call = self.call(cur.as_ref(), root, exact);
            cur = cur.as_ref().and_then(|v| {
                let text = Pipe(vec![call.clone()]).text();
                core_filter(&text, v).ok()
            });
            calls.push(call);
        }
        Pipe(calls)
    }

    /// A step for `value` whose result the core can hold. Where Python's answer has no JSON
    /// form (an int beyond 64 bits, a dict keyed by None, inf), the core fails by design and
    /// every case would be a known disagreement; and a chain of powers can keep Python busy
    /// for minutes. So a step the core refuses for that reason is drawn again, and the steps
    /// that grow numbers fastest are left out where the value is not known exactly (a
    /// predicate's pipeline runs on every item, not only on the one it was made for).
    fn call(&mut self, value: Option<&Value>, root: Option<&Value>, exact: bool) -> Call {
        for _ in 0..8 {
            let call = self.any_call(value, root);
            let unknown = !exact || call.args.iter().any(|arg| arg.starts_with("$$root"));
            let fits = match value {
                _ if unknown && GROWTH.contains(&call.name.as_str()) => false,
                None => !GROWTH.contains(&call.name.as_str()),
                Some(value) => {
                    let text = Pipe(vec![call.clone()]).text();
                    match core_filter(&text, value) {
                        Ok(_) => true,
                        Err(message) => !inexpressible(&message),
                    }
                }
            };
            if fits {
                return call;
            }
        }
        Call::new("string", Vec::new())
    }

    fn any_call(&mut self, value: Option<&Value>, root: Option<&Value>) -> Call {
        let table = match value.map(ty) {
            _ if self.chance(15) => self.pick(&[ON_NUM, ON_STR, ON_LIST, ON_DICT, ON_ANY, TESTS]),
            Some(Ty::Num) => ON_NUM,
            Some(Ty::Str) => ON_STR,
            Some(Ty::List) => {
                if self.chance(20) {
                    let (name, kinds) = self.pick(MAPPED);
                    let args = self.args(kinds);
                    let mut call = Call::new(name, args);
                    call.map = true;
                    return call;
                }
                ON_LIST
            }
            Some(Ty::Dict) => ON_DICT,
            Some(Ty::Null | Ty::Bool) | None => ON_ANY,
        };
        let (name, kinds) = self.pick(table);
        let mut args = self.args(kinds);
        if let Some(root) = root {
            // `$$root` arguments resolve against the root in get output transforms.
            if !args.is_empty() && self.chance(10) {
                if let Some(tokens) = self.root_scalar(root) {
                    let mut text = String::from("$$root");
                    for token in &tokens {
                        text.push('.');
                        token.render(&mut text);
                    }
                    args[0] = text;
                }
            }
        }
        Call::new(name, args)
    }

    // Values for set.

    fn set_value(&mut self, doc: &Value) -> Value {
        match self.rng.u32(0..100) {
            0..=54 => self.value(1),
            55..=74 => {
                // A pipeline string is applied to the value already there.
                let table = self.pick(&[ON_NUM, ON_STR, ON_LIST, ON_ANY, MAPPED]);
                let (mut name, mut kinds) = self.pick(table);
                if GROWTH.contains(&name) {
                    // Applied to whatever is there: see `call`.
                    (name, kinds) = ("inc", &[]);
                }
                let args = self.args(kinds);
                let mut call = Call::new(name, args);
                call.map = self.chance(20);
                Value::String(Pipe(vec![call]).text())
            }
            75..=84 => {
                let text = match self.root_scalar(doc) {
                    Some(tokens) if self.chance(70) => {
                        let mut text = String::from("$$root");
                        for token in &tokens {
                            text.push('.');
                            token.render(&mut text);
                        }
                        text
                    }
                    _ => self
                        .pick(&["$$root", "$$root|$len", "$$root.a", "$$root.zz"])
                        .to_owned(),
                };
                Value::String(text)
            }
            85..=92 => {
                let text = self.pick(&["$notafilter", "$$rootx", "$add", "$", "$$root.", "plain"]);
                Value::String(text.to_owned())
            }
            _ => self.value(2),
        }
    }

    // Broken syntax.

    fn break_syntax(&mut self, spec: &mut Spec) {
        let text = spec.path_text();
        let roll = self.rng.u32(0..100);
        let Target::Path(path) = &mut spec.target else {
            // A pipeline for run_filter: an unknown filter or a wrong arity.
            if let Target::Pipe(pipe) = &mut spec.target {
                let call = if self.chance(50) {
                    Call::new("nope", Vec::new())
                } else {
                    Call::new("add", Vec::new())
                };
                pipe.0.push(call);
            }
            return;
        };
        match roll {
            0..=14 => {
                let call = match self.rng.u32(0..4) {
                    0 => Call::new("nope", Vec::new()),
                    1 => Call::new("add", Vec::new()),
                    2 => Call::new("round", vec!["1".into(), "2".into()]),
                    _ => Call::new("1x", Vec::new()),
                };
                match &mut path.transform {
                    Some(pipe) => pipe.0.push(call),
                    None => path.transform = Some(Pipe(vec![call])),
                }
            }
            15..=29 => {
                let raw = self.pick(&["b[?id==1]", "[x]", "a[?]", "a[?.x==$nope]", "a[?.x==]"]);
                let at = self.rng.usize(..=path.tokens.len());
                path.tokens.insert(at, Tok::Raw(raw.to_owned()));
            }
            30..=39 => {
                let at = self.rng.usize(..=path.tokens.len()).max(1);
                path.tokens.insert(at.min(path.tokens.len()), Tok::Root);
                if path.tokens.len() == 1 {
                    path.tokens.insert(0, Tok::Key(self.key()));
                }
            }
            40..=54 => {
                let raw = self.pick(&[
                    "$gt(1)&&",
                    "($even",
                    "!",
                    "$even||",
                    "$even&&!",
                    "$$root&&$odd",
                ]);
                let pred = Pred {
                    lhs: Lhs {
                        tokens: vec![Tok::Key(self.key())],
                        pipe: None,
                    },
                    cmp: Some((Cmp::Eq, Rhs::Raw(raw.to_owned()))),
                };
                path.tokens.push(Tok::Filter(self.key(), Box::new(pred)));
            }
            55..=74 if !text.is_empty() => {
                // Cut the text short: unbalanced brackets, dangling operators.
                let cut = 1 + self.below(text.len());
                let mut end = cut.min(text.len());
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                spec.target = Target::Text(text[..end].to_owned());
            }
            75..=94 => {
                let mark = self.pick(&[
                    "[", "]", "|", "$", ".", "?", "(", ")", "!", "&&", "==", "'", "[?",
                ]);
                let mut at = self.rng.usize(..=text.len());
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                let mut broken = text;
                broken.insert_str(at, mark);
                spec.target = Target::Text(broken);
            }
            _ => {
                spec.target =
                    Target::Text(self.pick(&["", ".", "..", "$$root.", "a..b"]).to_owned())
            }
        }
    }
}

/// The core's `run_filter(pipeline, value)`: the value, or the message of the error.
fn core_filter(pipeline: &str, value: &Value) -> Result<Value, String> {
    let mut args = Map::new();
    args.insert("value".into(), value.clone());
    let case = Case {
        id: String::new(),
        file: String::new(),
        op: Op::RunFilter,
        path: pipeline.to_owned(),
        doc: Value::Null,
        args,
        expect: None,
        diverges: BTreeMap::new(),
        note: None,
    };
    match core::run(&case) {
        Outcome::Value(value) => Ok(value),
        Outcome::Error { message, .. } => Err(message),
        Outcome::Doc { .. } => Err("run_filter gave a document".into()),
    }
}

fn float(value: f64) -> Value {
    Number::from_f64(value).map_or(Value::Null, Value::Number)
}

/// A quoted Python string literal.
fn py_str(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        if c == '\'' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// The Python literal of a JSON value.
fn py_literal(value: &Value) -> String {
    match value {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => py_str(s),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(py_literal).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Object(map) => {
            let parts: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", py_str(k), py_literal(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Running and comparing
// ---------------------------------------------------------------------------------------------

/// The corpus file regression cases go to.
pub const REGRESSIONS: &str = "regressions.json";
const REGRESSIONS_DESCRIPTION: &str = "Regression cases found by differential fuzzing \
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
    /// a case whose expectation holds a value JSON cannot, for example).
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
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.generated as f64 / secs
        } else {
            0.0
        }
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
fn core_skips(case: &Case, expected: &Outcome) -> bool {
    let mut judged = case.clone();
    judged.expect = Some(expected.to_expect());
    core::inapplicable(&judged).is_some()
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
fn run_batch(
    oracles: &mut [Box<dyn Oracle>],
    cases: &[Case],
) -> anyhow::Result<BTreeMap<Backend, Vec<Result<Outcome, String>>>> {
    // Which share of the batch each oracle runs: its position among its backend's oracles.
    let mut group_sizes: BTreeMap<Backend, usize> = BTreeMap::new();
    for oracle in oracles.iter() {
        *group_sizes.entry(oracle.backend()).or_default() += 1;
    }
    let mut seen: BTreeMap<Backend, usize> = BTreeMap::new();
    let mut shares = Vec::with_capacity(oracles.len());
    for oracle in oracles.iter() {
        let backend = oracle.backend();
        let position = seen.entry(backend).or_default();
        let size = group_sizes.get(&backend).copied().unwrap_or(1).max(1);
        let per = cases.len().div_ceil(size);
        let from = (*position * per).min(cases.len());
        let to = ((*position + 1) * per).min(cases.len());
        *position += 1;
        shares.push((backend, from, to));
    }
    let results = std::thread::scope(|scope| {
        let handles: Vec<_> = oracles
            .iter_mut()
            .zip(&shares)
            .map(|(oracle, &(backend, from, to))| {
                let chunk = cases.get(from..to).unwrap_or_default();
                let handle = scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|case| oracle.run(case))
                        .collect::<Vec<_>>()
                });
                (backend, handle)
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
    let mut answers: BTreeMap<Backend, Vec<Result<Outcome, String>>> = BTreeMap::new();
    // The threads were joined in oracle order, and each backend's shares follow each other.
    for (backend, part) in results {
        answers.entry(backend).or_default().extend(part);
    }
    Ok(answers)
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The core, answering as another backend: two distinct oracles with one engine.
    struct Posing {
        backend: Backend,
        bug: fn(&Case, Outcome) -> Result<Outcome, String>,
    }

    impl Oracle for Posing {
        fn backend(&self) -> Backend {
            self.backend
        }

        fn run(&mut self, case: &Case) -> Result<Outcome, String> {
            let outcome = CoreOracle.run(case)?;
            (self.bug)(case, outcome)
        }
    }

    fn honest(_: &Case, outcome: Outcome) -> Result<Outcome, String> {
        Ok(outcome)
    }

    fn holds_long_list(value: &Value) -> bool {
        match value {
            Value::Array(items) => items.len() >= 3 || items.iter().any(holds_long_list),
            Value::Object(map) => map.values().any(holds_long_list),
            _ => false,
        }
    }

    /// Reads through `[-1]` give another value when the document holds a list of 3 or more.
    fn negative_index_bug(case: &Case, outcome: Outcome) -> Result<Outcome, String> {
        match outcome {
            Outcome::Value(value) if case.path.contains("[-1]") && holds_long_list(&case.doc) => {
                Ok(Outcome::Value(json!(["bug", value])))
            }
            outcome => Ok(outcome),
        }
    }

    /// Crashes on every path with `**` in it.
    fn deep_wildcard_crash(case: &Case, outcome: Outcome) -> Result<Outcome, String> {
        if case.path.contains("**") {
            Err("the worker died (exit status 139)".into())
        } else {
            Ok(outcome)
        }
    }

    fn oracles(bug: fn(&Case, Outcome) -> Result<Outcome, String>) -> Vec<Box<dyn Oracle>> {
        vec![
            Box::new(CoreOracle),
            Box::new(Posing {
                backend: Backend::Rust,
                bug,
            }),
        ]
    }

    fn render(path: PathSpec) -> String {
        let spec = Spec {
            op: Op::Get,
            target: Target::Path(path),
            doc: Value::Null,
            args: Map::new(),
        };
        spec.path_text()
    }

    fn pipe(calls: &[(&str, &[&str])]) -> Pipe {
        Pipe(
            calls
                .iter()
                .map(|(name, args)| Call::new(name, args.iter().map(|a| (*a).to_owned()).collect()))
                .collect(),
        )
    }

    #[test]
    fn fuzz_paths_render_in_the_grammar_of_the_spec() {
        let by_id = Pred {
            lhs: Lhs {
                tokens: vec![Tok::Key("id".into())],
                pipe: None,
            },
            cmp: Some((
                Cmp::Eq,
                Rhs::Bool(BoolExpr::And(vec![
                    BoolExpr::Or(vec![
                        BoolExpr::Pipe(pipe(&[("lt", &["2"])])),
                        BoolExpr::Pipe(pipe(&[("gt", &["3"])])),
                    ]),
                    BoolExpr::Not(Box::new(BoolExpr::Pipe(pipe(&[("even", &[])])))),
                ])),
            )),
        };
        let mut doubled = pipe(&[("double", &[]), ("sum", &[])]);
        doubled.0[0].map = true;
        let path = PathSpec {
            root: Root::Plain,
            tokens: vec![
                Tok::Key("a".into()),
                Tok::Filter("b".into(), Box::new(by_id)),
                Tok::Map("c".into()),
            ],
            transform: Some(doubled),
        };
        assert_eq!(
            render(path),
            "a.b[?.id==($lt(2)||$gt(3))&&!$even].c[]|$double[]|$sum"
        );
        let by_root = Pred {
            lhs: Lhs {
                tokens: Vec::new(),
                pipe: Some(pipe(&[("len", &[])])),
            },
            cmp: Some((Cmp::Gt, Rhs::RootRef(vec![Tok::Key("x".into())]))),
        };
        let selected = PathSpec {
            root: Root::Select {
                dollar: true,
                sel: Sel::Filter(Box::new(by_root)),
            },
            tokens: vec![Tok::Slice("id".into(), Some(1), None)],
            transform: None,
        };
        assert_eq!(render(selected), "$$root[?.|$len>$$root.x].id[1:]");
        let root = PathSpec {
            root: Root::Dot,
            tokens: Vec::new(),
            transform: Some(pipe(&[("const", &["123"])])),
        };
        assert_eq!(render(root), ".|$const(123)");
    }

    #[test]
    fn fuzz_generation_is_a_function_of_seed_and_number() {
        let first: Vec<Spec> = (0..500).map(|n| generate(7, n)).collect();
        let again: Vec<Spec> = (0..500).map(|n| generate(7, n)).collect();
        assert_eq!(first, again);
        let other: Vec<Spec> = (0..500).map(|n| generate(8, n)).collect();
        let same = first.iter().zip(&other).filter(|(a, b)| a == b).count();
        assert!(same < 25, "{same} of 500 cases equal under another seed");
        assert_eq!(case_id(7, 12), "fuzz.7.12");
    }

    #[test]
    fn fuzz_cases_parse_resolve_and_cover_the_grammar() {
        let total = 5000;
        let mut parsed = 0;
        let mut reads = 0;
        let mut resolved = 0;
        let mut ops: BTreeMap<&str, usize> = BTreeMap::new();
        let mut paths = String::new();
        for n in 0..total {
            let case = generate(11, n).to_case(&case_id(11, n));
            assert!(core::inapplicable(&case).is_none(), "{case:?}");
            *ops.entry(case.op.name()).or_default() += 1;
            paths.push_str(&case.path);
            paths.push('\n');
            let outcome = core::run(&case);
            let parse_error =
                matches!(&outcome, Outcome::Error { class, .. } if class == "DictWalkParseError");
            if !parse_error {
                parsed += 1;
            }
            if matches!(case.op, Op::Get | Op::Exists) && !parse_error {
                reads += 1;
                let mut strict = case.clone();
                strict.op = Op::Get;
                strict.args.clear();
                strict.args.insert("strict".into(), Value::Bool(true));
                if matches!(core::run(&strict), Outcome::Value(_)) {
                    resolved += 1;
                }
            }
        }
        let parse_rate = parsed as f64 / total as f64;
        let resolve_rate = resolved as f64 / reads.max(1) as f64;
        eprintln!(
            "fuzz: {:.1}% of generated paths parse on the core; {:.1}% of the reads that parse resolve",
            100.0 * parse_rate,
            100.0 * resolve_rate
        );
        assert!(parse_rate >= 0.80, "only {parse_rate} parse");
        assert!(parse_rate < 1.0, "no broken syntax generated");
        assert!(resolve_rate >= 0.5, "only {resolve_rate} of reads resolve");
        for op in ["get", "exists", "set", "unset", "run_filter"] {
            assert!(ops.get(op).is_some_and(|count| *count > 0), "no {op} case");
        }
        for piece in [
            "[?.", "[-", ":", "[]", "*", "**", "|$", "$$root", "==", "!=", ">=", "<", "&&", "||",
            "!$", "[?.|$", "$$root[", ".[",
        ] {
            assert!(paths.contains(piece), "no generated path holds {piece:?}");
        }
    }

    #[test]
    fn fuzz_core_agrees_with_itself() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let settings = Settings::new(5000, 3);
        let summary = run(oracles(honest), &settings, dir.path(), |_| {}).expect("fuzz run");
        eprintln!("{summary}");
        assert!(summary.agreed(), "{summary}");
        assert_eq!(summary.generated, 5000);
        assert_eq!(summary.reference, Backend::Core);
        let compared = summary.compared.get(&Backend::Rust).copied().unwrap_or(0);
        assert_eq!(compared, 5000);
        assert!(summary.written.is_empty());
        assert!(!dir.path().join(REGRESSIONS).exists());
    }

    #[test]
    fn fuzz_finds_a_lying_backend_and_shrinks_it_to_the_minimal_case() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let settings = Settings::new(2000, 5);
        let mut calls = Vec::new();
        let summary = run(oracles(negative_index_bug), &settings, dir.path(), |done| {
            calls.push(done)
        })
        .expect("fuzz run");
        eprintln!("{summary}");
        assert_eq!(calls, vec![512, 1024, 1536, 2000]);
        assert!(summary.disagreements.len() >= 3, "{summary}");
        // Every disagreement shrinks to the same minimal case, which is written once.
        for d in &summary.disagreements {
            assert_eq!(d.backend, Backend::Rust);
            assert_eq!(d.shrunk.op, Op::Get, "{}", d.line());
            assert_eq!(d.shrunk.path, ".[-1]", "{}", d.line());
            assert_eq!(d.shrunk.doc, json!([null, null, null]), "{}", d.line());
            assert!(d.shrunk.args.is_empty(), "{}", d.line());
            assert_eq!(d.expected, Outcome::Value(Value::Null));
            assert!(d.found.path.contains("[-1]"));
        }
        let first = &summary.disagreements[0];
        assert_eq!(first.fate, Fate::Written);
        assert_eq!(summary.written, vec![first.id.clone()]);
        for d in &summary.disagreements[1..] {
            assert_eq!(d.fate, Fate::SameAs(first.id.clone()));
        }
        // The written case loads, expects the reference's outcome and says where it came from.
        let corpus = dictwalk_corpus::load_dir(dir.path(), Default::default()).expect("loads");
        assert_eq!(corpus.len(), 1);
        let case = &corpus[0];
        assert_eq!(case.id, first.id);
        assert_eq!(case.path, ".[-1]");
        assert_eq!(
            case.expect,
            Some(dictwalk_corpus::Expect::Value(Value::Null))
        );
        let note = case.note.as_deref().unwrap_or_default();
        assert!(
            note.starts_with("found by cargo xtask parity --fuzz 2000 --seed 5; rust gave value"),
            "{note}"
        );
        // The same seed again finds the same, and writes nothing twice.
        let again = run(oracles(negative_index_bug), &settings, dir.path(), |_| {}).expect("rerun");
        assert_eq!(again.disagreements.len(), summary.disagreements.len());
        assert!(again.written.is_empty());
        assert_eq!(again.disagreements[0].fate, Fate::AlreadyInCorpus);
        let reloaded = dictwalk_corpus::load_dir(dir.path(), Default::default()).expect("loads");
        assert_eq!(reloaded.len(), 1);
    }

    #[test]
    fn fuzz_compares_with_python_and_names_every_backend_that_disagreed() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let settings = Settings::new(1000, 5);
        let posing = |backend, bug| -> Box<dyn Oracle> { Box::new(Posing { backend, bug }) };
        let oracles = vec![
            posing(Backend::Rust, negative_index_bug),
            posing(Backend::Python, honest),
            posing(Backend::Legacy, negative_index_bug),
        ];
        let summary = run(oracles, &settings, dir.path(), |_| {}).expect("fuzz run");
        assert_eq!(summary.reference, Backend::Python);
        assert_eq!(summary.written.len(), 1, "{summary}");
        let backends: Vec<Backend> = summary.disagreements.iter().map(|d| d.backend).collect();
        assert!(backends.contains(&Backend::Rust) && backends.contains(&Backend::Legacy));
        let corpus = dictwalk_corpus::load_dir(dir.path(), Default::default()).expect("loads");
        let note = corpus[0].note.as_deref().unwrap_or_default();
        assert!(
            note.ends_with("; rust gave value [\"bug\",null]; legacy gave value [\"bug\",null]"),
            "{note}"
        );
    }

    #[test]
    fn fuzz_finds_a_crashing_backend_and_shrinks_it() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let settings = Settings::new(600, 9);
        let summary =
            run(oracles(deep_wildcard_crash), &settings, dir.path(), |_| {}).expect("fuzz run");
        assert!(!summary.disagreements.is_empty(), "{summary}");
        let d = &summary.disagreements[0];
        assert_eq!(d.got, Err("the worker died (exit status 139)".to_owned()));
        assert_eq!(
            (d.shrunk.op, d.shrunk.path.as_str(), &d.shrunk.doc),
            (Op::Get, "**", &Value::Null),
            "{}",
            d.line()
        );
        assert_eq!(summary.written.len(), 1);
        let corpus = dictwalk_corpus::load_dir(dir.path(), Default::default()).expect("loads");
        let note = corpus[0].note.as_deref().unwrap_or_default();
        assert!(
            note.ends_with("rust failed: the worker died (exit status 139)"),
            "{note}"
        );
    }

    #[test]
    fn fuzz_shrinks_no_more_than_the_limit() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let mut settings = Settings::new(600, 9);
        settings.max_shrunk = 1;
        let summary =
            run(oracles(deep_wildcard_crash), &settings, dir.path(), |_| {}).expect("fuzz run");
        assert!(summary.disagreements.len() > 1, "{summary}");
        assert_eq!(summary.disagreements[0].fate, Fate::Written);
        for d in &summary.disagreements[1..] {
            assert_eq!(d.fate, Fate::OverLimit);
            assert_eq!(d.shrunk, d.found);
        }
        assert_eq!(summary.written.len(), 1);
    }

    #[test]
    fn fuzz_shrinking_is_deterministic_and_stays_within_its_attempts() {
        let failing = (0..2000)
            .map(|n| generate(5, n))
            .find(|spec| {
                let case = spec.to_case("x");
                matches!(core::run(&case), Outcome::Value(_))
                    && case.path.contains("[-1]")
                    && holds_long_list(&case.doc)
            })
            .expect("a read through [-1] in 2000 cases");
        let fails = |spec: &Spec| {
            let case = spec.to_case("x");
            matches!(core::run(&case), Outcome::Value(_))
                && case.path.contains("[-1]")
                && holds_long_list(&case.doc)
        };
        let once = shrink::shrink(&failing, 500, fails);
        let twice = shrink::shrink(&failing, 500, fails);
        assert_eq!(once, twice);
        assert_eq!(once.spec.path_text(), ".[-1]");
        let capped = shrink::shrink(&failing, 3, fails);
        assert_eq!(capped.attempts, 3);
        assert!(shrink::cost(&capped.spec) >= shrink::cost(&once.spec));
    }

    #[test]
    fn fuzz_needs_two_backends() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let settings = Settings::new(10, 1);
        let one: Vec<Box<dyn Oracle>> = vec![Box::new(CoreOracle), Box::new(CoreOracle)];
        let error = run(one, &settings, dir.path(), |_| {}).expect_err("one backend");
        assert!(error.to_string().contains("two backends"), "{error}");
        let error = run(Vec::new(), &settings, dir.path(), |_| {}).expect_err("no backend");
        assert!(error.to_string().contains("none was given"), "{error}");
    }
}
