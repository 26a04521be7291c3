//! The structure of a generated case ([`Spec`]: operation, path, document, arguments) and its
//! rendering to the path text the backends read.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use dictwalk_corpus::{Case, Op};
use serde_json::{Map, Value};

use super::run::REGRESSIONS;

/// A generated case, in the structure the shrinker works on.
#[derive(Clone, Debug, PartialEq)]
pub struct Spec {
    pub op: Op,
    pub target: Target,
    /// The document, in corpus JSON: plain, or holding tagged Python values.
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
    pub(super) fn new(name: &str, args: Vec<String>) -> Call {
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
            path_value: None,
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
    pub(super) fn render(&self, out: &mut String) {
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

    pub(super) fn text(&self) -> String {
        let mut out = String::new();
        self.render(&mut out);
        out
    }
}
