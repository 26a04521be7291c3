//! Path text to a syntax tree with spans, deciding every case as the reference parser (parser.py) does.
//!
//! The grammar is spec section 2. Everything that can be wrong with a path's text is found
//! here, before any data is touched: unknown filters, wrong arities and malformed segments in
//! output transforms and predicates are parse errors (spec 9.1), with parser.py's messages.
//! Spans are byte ranges into the text given to [`parse_path`] (or [`parse_pipeline`]).
//!
//! The reference parser is built from Python regular expressions; the helpers at the end of
//! this file reproduce each one exactly, including two Python details that matter for odd
//! input: `$` also matches before a trailing newline, and `\d` is any Unicode decimal digit.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use crate::error::Error;
use crate::filters::{self, FilterDef};
use crate::literal::{self, Literal};
use crate::pyfmt;
use crate::stack;

/// The root token and the prefix of root references.
pub const ROOT: &str = "$$root";

/// How deeply brackets, parentheses and braces may nest in a path (spec 2.1: at least 1,000),
/// measured by one linear scan before parsing ([`nesting`], as parser.py's `nesting`); a deeper
/// path is a parse error that says so, on both backends alike. Parsing, compiling and
/// evaluating recurse once per level, each level through [`crate::stack::deeper`], so that the
/// limit holds on any thread's stack and in an unoptimized build.
pub const MAX_NESTING: usize = 1000;

const FILTER_ERROR: &str = "Failed to parse filter token.";
const ROOT_REF_ERROR: &str =
    "Invalid '$$root' value expression. Expected '$$root', '$$root.<path>', or '$$root|$filter'.";

const PIPE_ERROR: &str =
    "Invalid path filter expression. Expected a '$name' / '$name(...)' built-in filter string.";

/// Whether a path is read (`get`, `exists`) or written (`set`, `unset`): write paths have
/// no output transform and no bare `$$root`, and a write path `.` is two empty keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// `get` and `exists`.
    Read,
    /// `set` and `unset`.
    Write,
}

/// A piece of a path's text: a range of the whole path, shared, or a string of its own.
///
/// Each level of a deeply nested path holds nearly the whole text again (a predicate's text,
/// its relative path's, the token around it); copied at every level, that made parsing a
/// path of n levels take O(n x length) time and memory. A long path's pieces share it.
#[derive(Clone)]
pub struct Text(Repr);

#[derive(Clone)]
enum Repr {
    Shared(Arc<str>, Range<usize>),
    Own(Box<str>),
}

impl std::ops::Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        match &self.0 {
            Repr::Shared(whole, range) => whole.get(range.clone()).unwrap_or(""),
            Repr::Own(text) => text,
        }
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Text {
        Text(Repr::Own(text.into()))
    }
}

impl From<String> for Text {
    fn from(text: String) -> Text {
        Text(Repr::Own(text.into_boxed_str()))
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        **self == **other
    }
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&**self, f)
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self)
    }
}

/// A parsed path: its tokens and its output transform.
#[derive(Clone, Debug, PartialEq)]
pub struct Path {
    /// The text of this path (for a predicate's relative path, the part after the dot).
    pub text: Text,
    /// The tokens; empty for the root path `.`.
    pub tokens: Vec<Token>,
    /// The output transform after the first top-level `|$`.
    pub transform: Option<Pipeline>,
    /// Where the path is.
    pub span: Range<usize>,
}

/// One dot-separated token of a path.
#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    /// The token's text as written (a `.[..]` root selector reads `$$root[..]`, as in parser.py).
    pub raw: Text,
    /// What the token does.
    pub kind: TokenKind,
    /// Where the token is.
    pub span: Range<usize>,
}

/// The token kinds of spec section 2, tried in the order of its table.
#[derive(Clone, Debug, PartialEq)]
pub enum TokenKind {
    /// `key`: a dict key, or a pluck from each dict of a list.
    Get {
        /// The key.
        key: String,
    },
    /// `key[]`, `key[i]`, `key[a:b]` or `key[?pred]`.
    Select {
        /// The key before the brackets.
        key: String,
        /// The bracket part.
        selector: Selector,
    },
    /// `*`.
    Wildcard,
    /// `**`.
    DeepWildcard,
    /// `$$root` (read paths only, first token only).
    Root,
    /// `.[..]` or `$$root[..]` (first token only).
    RootSelect {
        /// The bracket part.
        selector: Selector,
    },
}

/// The bracket part of a token.
#[derive(Clone, Debug, PartialEq)]
pub enum Selector {
    /// `[]`.
    Each,
    /// `[i]`.
    Index(Index),
    /// `[a:b]`, either bound optional; bounds beyond 64 bits saturate, which slices alike.
    Slice {
        /// The start bound.
        start: Option<i64>,
        /// The stop bound.
        stop: Option<i64>,
    },
    /// `[?pred]`.
    Filter(Box<Predicate>),
}

/// The index of `key[i]`: Python ints are unbounded, so the value saturates to 64 bits
/// (no list is that long) and the text keeps the number for messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Index {
    /// The index, saturated to the `i64` range.
    pub value: i64,
    /// The index as Python prints the int (`007` is `7`).
    pub text: String,
}

/// `[?lhs op rhs]`; without an operator the lhs is tested as a flag (spec 4).
#[derive(Clone, Debug, PartialEq)]
pub struct Predicate {
    /// The text between `[?` and `]`.
    pub text: Text,
    /// The left-hand side.
    pub lhs: Lhs,
    /// The first top-level comparison operator.
    pub op: Option<CmpOp>,
    /// The right-hand side, when there is an operator.
    pub rhs: Option<Rhs>,
    /// Where the predicate text is.
    pub span: Range<usize>,
}

/// A predicate's left-hand side: `.`, `.|pipe`, `.rel.path` or `.rel.path|pipe`.
#[derive(Clone, Debug, PartialEq)]
pub struct Lhs {
    /// The path relative to the item; None for the item itself.
    pub path: Option<Path>,
    /// The pipeline applied to what the path selects.
    pub pipeline: Option<Pipeline>,
    /// Where the left-hand side is.
    pub span: Range<usize>,
}

/// A comparison operator of a predicate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CmpOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `>=`
    Ge,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `<`
    Lt,
}

impl CmpOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Ge => ">=",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Lt => "<",
        }
    }
}

/// A predicate's right-hand side.
#[derive(Clone, Debug, PartialEq)]
pub enum Rhs {
    /// A Python literal, or the raw text when it is none; `raw` is the text for `str()` matching.
    Literal {
        /// The value.
        value: Literal,
        /// The text as written (stripped).
        raw: String,
    },
    /// `$f|$g`: tested for truthiness on the lhs value.
    Pipeline(Pipeline),
    /// `$$root...`, resolved against the document root.
    RootRef(RootRef),
    /// A boolean combination of pipelines (`&&`, `||`, `!`, parentheses).
    Bool(BoolExpr),
}

/// A boolean expression over pipelines.
#[derive(Clone, Debug, PartialEq)]
pub enum BoolExpr {
    /// A pipeline, true when its result is truthy.
    Pipeline(Pipeline),
    /// `!expr`.
    Not(Box<BoolExpr>),
    /// `a && b && ...`.
    And(Vec<BoolExpr>),
    /// `a || b || ...`.
    Or(Vec<BoolExpr>),
}

/// A `$$root...` reference (a filter argument or a predicate right-hand side).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RootRef {
    /// The whole text, `$$root` included; parsed as a read path when evaluated.
    pub text: String,
    /// Where it is.
    pub span: Range<usize>,
}

/// `$f|$g(args)[]|...`.
#[derive(Clone, Debug, PartialEq)]
pub struct Pipeline {
    /// The pipeline's text (the token of its soft errors).
    pub text: String,
    /// The steps, applied left to right.
    pub calls: Vec<Call>,
    /// Where it is.
    pub span: Range<usize>,
}

/// One pipeline step, `$name(args)` with `[]` when it maps over a list.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    /// The filter name, without `$`.
    pub name: String,
    /// The built-in filter; None for a custom filter.
    pub builtin: Option<&'static FilterDef>,
    /// The arguments.
    pub args: Vec<Arg>,
    /// Whether the step ends in `[]`.
    pub maps: bool,
    /// Where the step is.
    pub span: Range<usize>,
}

/// A filter argument.
#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    /// A Python literal, or the raw text when it is none.
    Literal(Literal),
    /// `$$root...`, resolved against the document root.
    RootRef(RootRef),
}

/// Parses a whole path; `custom(name)` says whether a custom filter `$name` is registered.
pub fn parse_path(text: &str, mode: Mode, custom: &dyn Fn(&str) -> bool) -> Result<Path, Error> {
    parse_path_nested(text, mode, custom, 0)
}

/// [`parse_path`] for a path found inside another one (a `$$root` reference), `depth`
/// levels down, so that nesting stays bounded across references.
pub(crate) fn parse_path_nested(
    text: &str,
    mode: Mode,
    custom: &dyn Fn(&str) -> bool,
    depth: usize,
) -> Result<Path, Error> {
    if nesting(text) > MAX_NESTING {
        return Err(Error::parse(
            text,
            None,
            format!("The path nests brackets deeper than {MAX_NESTING} levels."),
        ));
    }
    parse_jumping(text, mode, custom, depth, text.len() > JUMP_AFTER)
}

/// Parses `text`, with the table of bracket groups when `jumping` (a test compares both).
fn parse_jumping(
    text: &str,
    mode: Mode,
    custom: &dyn Fn(&str) -> bool,
    depth: usize,
    jumping: bool,
) -> Result<Path, Error> {
    let cx = Cx {
        outer: text,
        custom,
        jumps: jumping.then(|| Jumps::new(text)),
        whole: jumping.then(|| Arc::from(text)),
    };
    cx.path(text, 0, mode == Mode::Read, depth)
}

/// How deeply brackets, parentheses and braces nest in `text`, in one pass.
pub fn nesting(text: &str) -> usize {
    let (mut deepest, mut depth) = (0usize, 0usize);
    for ch in text.bytes() {
        if matches!(ch, b'[' | b'(' | b'{') {
            depth += 1;
            deepest = deepest.max(depth);
        } else if matches!(ch, b']' | b')' | b'}') {
            depth = depth.saturating_sub(1);
        }
    }
    deepest
}

/// Parses a pipeline on its own (`run_filter`, `set` values). Errors name `path` when given,
/// else the pipeline's Python `repr()`, as parser.py's `parse_pipeline` does.
pub fn parse_pipeline(
    text: &str,
    path: Option<&str>,
    custom: &dyn Fn(&str) -> bool,
) -> Result<Pipeline, Error> {
    let repr;
    let outer = match path {
        Some(path) => path,
        None => {
            repr = pyfmt::str_repr(text);
            &repr
        }
    };
    Cx {
        outer,
        custom,
        jumps: None,
        whole: None,
    }
    .pipeline(text, 0)
}

/// The parsing context: the whole path (which every error names), the custom filters, and
/// for a long path the table of where its bracket groups close.
struct Cx<'a> {
    outer: &'a str,
    custom: &'a dyn Fn(&str) -> bool,
    jumps: Option<Jumps<'a>>,
    /// A long path's text, which the tree's pieces share (see [`Text`]).
    whole: Option<Arc<str>>,
}

impl Cx<'_> {
    /// The piece `text` of the path, which starts at `offset` in it: shared when the path is.
    fn text(&self, text: &str, offset: usize) -> Text {
        match &self.whole {
            Some(whole) => {
                let range = offset..offset + text.len();
                debug_assert_eq!(whole.get(range.clone()), Some(text));
                Text(Repr::Shared(Arc::clone(whole), range))
            }
            None => Text::from(text),
        }
    }

    /// What a scan of the text at `offset` in the path needs to jump over bracket groups.
    fn skip(&self, offset: usize) -> Skip<'_> {
        self.jumps.as_ref().map(|jumps| (jumps, offset))
    }

    fn error(&self, token: Option<&str>, message: impl Into<String>, span: Range<usize>) -> Error {
        Error::parse(self.outer, token, message).with_span(span)
    }

    fn path(&self, text: &str, offset: usize, read: bool, depth: usize) -> Result<Path, Error> {
        // Each level of nesting comes back here (a predicate's relative path, a `$$root` reference).
        stack::deeper(|| self.path_here(text, offset, read, depth))
    }

    fn path_here(
        &self,
        text: &str,
        offset: usize,
        read: bool,
        depth: usize,
    ) -> Result<Path, Error> {
        if depth > MAX_NESTING {
            return Err(Error::too_deep(self.outer));
        }
        let span = offset..offset + text.len();
        if text.is_empty() {
            return Err(self.error(None, "Path cannot be empty.", span));
        }
        // Write paths have no output transform: `set(d, "a|$f", v)` writes the key "a|$f".
        let (base, transform_range) = if read {
            split_transform(text, self.skip(offset))
        } else {
            (text, None)
        };
        if base.is_empty() {
            return Err(self.error(None, "Path cannot be empty.", span));
        }
        let transform = match transform_range {
            Some(range) => Some(self.pipeline(slice(text, range.clone()), offset + range.start)?),
            None => None,
        };
        // "." is the root in read paths; a write path "." is two empty keys, as in 2.6.0.
        if base == "." && read {
            return Ok(Path {
                text: self.text(text, offset),
                tokens: Vec::new(),
                transform,
                span,
            });
        }
        let mut pieces: Vec<Piece> = split_top_level(base, b'.', false, b"[", self.skip(offset))
            .into_iter()
            .map(|range| Piece {
                raw: slice(base, range.clone()).into(),
                span: offset + range.start..offset + range.end,
                selector_at: offset + range.start + ROOT.len(),
            })
            .collect();
        // A leading empty token followed by a bracket selector is the root selector `.[..]`.
        let merge = match pieces.get(1) {
            Some(second) => {
                pieces.first().is_some_and(|p| p.raw.is_empty()) && selector_like(&second.raw)
            }
            None => false,
        };
        if merge {
            let second = pieces.remove(1);
            if let Some(first) = pieces.first_mut() {
                *first = Piece {
                    raw: format!("{ROOT}{}", second.raw).into(),
                    span: offset..second.span.end,
                    selector_at: second.span.start,
                };
            }
        }
        let mut tokens = Vec::with_capacity(pieces.len());
        for (index, piece) in pieces.iter().enumerate() {
            tokens.push(self.token(piece, index == 0, read, depth)?);
        }
        Ok(Path {
            text: self.text(text, offset),
            tokens,
            transform,
            span,
        })
    }

    fn token(&self, piece: &Piece, first: bool, read: bool, depth: usize) -> Result<Token, Error> {
        let raw: &str = &piece.raw;
        let span = piece.span.clone();
        let made = |kind| {
            let raw = match &piece.raw {
                std::borrow::Cow::Borrowed(text) => self.text(text, span.start),
                // A `.[..]` merged into `$$root[..]` is not in the text.
                std::borrow::Cow::Owned(text) => Text::from(text.as_str()),
            };
            Ok(Token {
                raw,
                kind,
                span: span.clone(),
            })
        };
        if let Some(rest) = raw.strip_prefix(ROOT) {
            // `$$root[` starts a root selector, malformed or not (spec 2.1).
            if rest.is_empty() || rest.starts_with('[') {
                if !first {
                    return Err(self.error(
                        Some(raw),
                        "Root selectors are only allowed at the start of a path; mid-path usage is not supported.",
                        span,
                    ));
                }
                if rest.is_empty() {
                    if !read {
                        return Err(self.error(
                            Some(raw),
                            "The '$$root' token is only supported in read paths.",
                            span,
                        ));
                    }
                    return made(TokenKind::Root);
                }
                let shown = if self.outer.starts_with('.') {
                    format!(".{rest}")
                } else {
                    raw.to_owned()
                };
                let failed = || {
                    self.error(
                        Some(&shown),
                        "Failed to parse root selector token.",
                        span.clone(),
                    )
                };
                if !selector_full(rest) {
                    return Err(failed());
                }
                // parser.py parses the selector as the token "_" + selector and keeps its bracket part.
                let inner = format!("_{rest}");
                let at = piece.selector_at.saturating_sub(1);
                let kind = match match_filter(&inner) {
                    // A root predicate runs to the last bracket, as in 2.6.0: `.[?.==[]` compares with "[".
                    Some((_, content_at, content))
                        if rest.starts_with("[?") && py_strip(content).1.starts_with('.') =>
                    {
                        let predicate = self.predicate(content, at + content_at, depth, &inner)?;
                        let selector = Selector::Filter(Box::new(predicate));
                        TokenKind::Select {
                            key: "_".to_owned(),
                            selector,
                        }
                    }
                    _ => self.token_kind(&inner, at, depth)?,
                };
                return match kind {
                    // Spec 2.1: `.[?` starts a predicate or is an error (`.[?[]`, `.[?][]`).
                    TokenKind::Select { selector, .. }
                        if rest.starts_with("[?") && !matches!(selector, Selector::Filter(_)) =>
                    {
                        Err(self.error(Some(&shown), FILTER_ERROR, span.clone()))
                    }
                    TokenKind::Select { selector, .. } => made(TokenKind::RootSelect { selector }),
                    _ => Err(failed()),
                };
            }
        }
        made(self.token_kind(raw, span.start, depth)?)
    }

    /// The kind of a token that is not a root token, tried in the order of the spec's table.
    fn token_kind(&self, raw: &str, offset: usize, depth: usize) -> Result<TokenKind, Error> {
        if raw == "*" {
            return Ok(TokenKind::Wildcard);
        }
        if raw == "**" {
            return Ok(TokenKind::DeepWildcard);
        }
        if let Some(key) = match_map(raw) {
            return Ok(TokenKind::Select {
                key: key.to_owned(),
                selector: Selector::Each,
            });
        }
        if let Some((key, digits)) = match_index(raw) {
            if !digits.is_ascii() {
                // Spec 2.1: `\d` takes any digit, an index does not.
                return Err(self.error(
                    Some(raw),
                    "Failed to parse list index.",
                    offset..offset + raw.len(),
                ));
            }
            let (value, text) = py_int(digits);
            let selector = Selector::Index(Index { value, text });
            return Ok(TokenKind::Select {
                key: key.to_owned(),
                selector,
            });
        }
        if let Some((key, start, stop)) = match_slice(raw) {
            if !start.is_ascii() || !stop.is_ascii() {
                return Err(self.error(
                    Some(raw),
                    "Failed to parse list slice.",
                    offset..offset + raw.len(),
                ));
            }
            let selector = Selector::Slice {
                start: bound(start),
                stop: bound(stop),
            };
            return Ok(TokenKind::Select {
                key: key.to_owned(),
                selector,
            });
        }
        if raw.starts_with("[?") {
            // Spec 2.1: a predicate with no key (the root's is `.[?..]`), as in 2.6.0, which
            // reads `[?[]` as the key "[?" mapped first.
            return Err(self.error(Some(raw), FILTER_ERROR, offset..offset + raw.len()));
        }
        if let Some((key, content_at, content)) = match_filter(raw) {
            let predicate = self.predicate(content, offset + content_at, depth, raw)?;
            let selector = Selector::Filter(Box::new(predicate));
            return Ok(TokenKind::Select {
                key: key.to_owned(),
                selector,
            });
        }
        if raw.contains("[?") {
            // Spec 2.1: a token holding `[?` is a predicate or an error (unclosed, no key).
            return Err(self.error(Some(raw), FILTER_ERROR, offset..offset + raw.len()));
        }
        Ok(TokenKind::Get {
            key: raw.to_owned(),
        })
    }

    fn predicate(
        &self,
        text: &str,
        offset: usize,
        depth: usize,
        token: &str,
    ) -> Result<Predicate, Error> {
        let span = offset..offset + text.len();
        let (lhs_range, op, rhs_range) = match find_operator(text, self.skip(offset)) {
            Some((at, op)) => {
                let len = op.symbol().len();
                (0..at, Some(op), Some(at + len..text.len()))
            }
            None => (0..text.len(), None, None),
        };
        let lhs_raw = slice(text, lhs_range.clone());
        let (lhs_start, lhs_text) = py_strip(lhs_raw);
        let lhs_offset = offset + lhs_range.start + lhs_start;
        let lhs_span = lhs_offset..lhs_offset + lhs_text.len();
        if !lhs_text.starts_with('.') {
            return Err(self.error(
                (!lhs_text.is_empty()).then_some(lhs_text),
                "Predicate field expressions must start with '.' (for example: '[?.id==1]' or '[?.|$len>3]').",
                lhs_span,
            ));
        }
        // Spec 2.1: the left side's brackets and quotes balance, and an operator has a right side.
        // Balanced as written, with the whitespace that ends it: a backslash before that
        // whitespace escapes it, and the stripped side ends with a literal backslash
        // (`[?.\ ==2]` reads the key `\`, as 2.6.0 does), not with one escaping the bracket.
        let empty_rhs = rhs_range
            .as_ref()
            .is_some_and(|range| py_strip(slice(text, range.clone())).1.is_empty());
        if !balanced(
            lhs_raw.get(lhs_start..).unwrap_or(lhs_text),
            self.skip(lhs_offset),
        ) || empty_rhs
        {
            return Err(self.error(Some(token), FILTER_ERROR, span));
        }
        let lhs = self.lhs(lhs_text, lhs_offset, depth)?;
        let rhs = match rhs_range {
            Some(range) => {
                let (start, rhs_text) = py_strip(slice(text, range.clone()));
                Some(self.rhs(rhs_text, offset + range.start + start, depth)?)
            }
            None => None,
        };
        Ok(Predicate {
            text: self.text(text, offset),
            lhs,
            op,
            rhs,
            span,
        })
    }

    fn lhs(&self, text: &str, offset: usize, depth: usize) -> Result<Lhs, Error> {
        let span = offset..offset + text.len();
        if text.starts_with(".|") && !text.starts_with(".|$") {
            return Err(self.error(
                Some(text),
                format!("Invalid left-hand predicate expression '{text}'."),
                span,
            ));
        }
        let after_dot = slice(text, 1..text.len());
        let (body, pipe_range) = split_transform(after_dot, self.skip(offset + 1));
        let pipeline = match pipe_range {
            Some(range) => {
                Some(self.pipeline(slice(after_dot, range.clone()), offset + 1 + range.start)?)
            }
            None => None,
        };
        let path = if body.is_empty() {
            None
        } else if body == "." {
            // Relative to the item, `..` is the key "" twice (as a write path reads "."), not
            // the item itself: 2.6.0 reads it so (parser._parse_lhs).
            Some(self.path(body, offset + 1, false, depth + 1)?)
        } else {
            let mut relative = self.path(body, offset + 1, true, depth + 1)?;
            if let [only] = relative.tokens.as_mut_slice() {
                if matches!(only.kind, TokenKind::Wildcard | TokenKind::DeepWildcard) {
                    // `.*` and `.**` are keys, as every `.key` is (spec 4, as in 2.6.0).
                    only.kind = TokenKind::Get { key: body.into() };
                }
            }
            if relative
                .tokens
                .first()
                .is_some_and(|t| t.kind == TokenKind::Root)
            {
                // Relative to the item, as 2.6.0 reads it: `.$$root` alone is the key
                // "$$root", and `.$$root.x` starts at the item (its root), as `.x` does.
                if relative.tokens.len() == 1 {
                    if let Some(first) = relative.tokens.first_mut() {
                        first.kind = TokenKind::Get { key: ROOT.into() };
                    }
                } else {
                    relative.tokens.remove(0);
                }
            }
            Some(relative)
        };
        Ok(Lhs {
            path,
            pipeline,
            span,
        })
    }

    fn rhs(&self, text: &str, offset: usize, depth: usize) -> Result<Rhs, Error> {
        if text.contains("&&") || text.contains("||") || text.contains('!') {
            let mut parser = BoolParser {
                cx: self,
                text,
                offset,
                pos: 0,
                depth,
            };
            return Ok(Rhs::Bool(parser.parse()?));
        }
        let span = offset..offset + text.len();
        if let Some(rest) = text.strip_prefix(ROOT) {
            // Spec 2.1: `$$root`, `$$root.<path>` or `$$root|$f`, parsed now so that a
            // malformed one is a parse error before any data is read.
            if !is_root_form(rest) {
                return Err(self.error(Some(text), ROOT_REF_ERROR, span));
            }
            self.path(text, offset, true, depth + 1)?;
            return Ok(Rhs::RootRef(RootRef {
                text: text.to_owned(),
                span,
            }));
        }
        if text.starts_with('$') {
            return Ok(Rhs::Pipeline(self.pipeline(text, offset)?));
        }
        Ok(Rhs::Literal {
            value: literal::parse_or_raw(text),
            raw: text.to_owned(),
        })
    }

    fn pipeline(&self, text: &str, offset: usize) -> Result<Pipeline, Error> {
        let mut calls = Vec::new();
        for range in split_top_level(text, b'|', true, b"[({", self.skip(offset)) {
            let segment = slice(text, range.clone());
            let span = offset + range.start..offset + range.end;
            let Some(Segment {
                name,
                args: arg_text,
                maps,
            }) = match_segment(segment, self.skip(span.start))
            else {
                return Err(self.error((!segment.is_empty()).then_some(segment), PIPE_ERROR, span));
            };
            let builtin = filters::builtin(name);
            if builtin.is_none() && !(self.custom)(name) {
                return Err(self.error(
                    Some(segment),
                    format!("Unknown path filter '${name}'."),
                    span,
                ));
            }
            let args = match arg_text {
                Some((at, arg_text)) => {
                    parse_args(arg_text, span.start + at, self.skip(span.start + at)).ok_or_else(
                        || {
                            self.error(
                                Some(segment),
                                "Invalid path filter arguments: an argument is empty.",
                                span.clone(),
                            )
                        },
                    )?
                }
                None => Vec::new(),
            };
            for arg in &args {
                if let Arg::RootRef(root) = arg {
                    if !is_root_form(root.text.get(ROOT.len()..).unwrap_or_default()) {
                        return Err(self.error(
                            Some(&root.text),
                            ROOT_REF_ERROR,
                            root.span.clone(),
                        ));
                    }
                }
            }
            // Custom filters take any number of arguments.
            if let Some(def) = builtin.filter(|def| !def.accepts(args.len())) {
                let message = format!("{}, got {}.", arity_text(def), args.len());
                return Err(self.error(Some(segment), message, span));
            }
            calls.push(Call {
                name: name.to_owned(),
                builtin,
                args,
                maps,
                span,
            });
        }
        Ok(Pipeline {
            text: text.to_owned(),
            calls,
            span: offset..offset + text.len(),
        })
    }
}

/// A token's text before it is parsed, with where its selector starts in the source
/// (after `$$root`, or after the dot of a `.[..]` root selector).
struct Piece<'a> {
    raw: std::borrow::Cow<'a, str>,
    span: Range<usize>,
    selector_at: usize,
}

fn arity_text(def: &FilterDef) -> String {
    let wanted = match def.max_args {
        None => format!("at least {}", def.min_args),
        Some(max) if max == def.min_args => max.to_string(),
        Some(max) => format!("{} to {max}", def.min_args),
    };
    format!("Path filter '${}' takes {wanted} argument(s)", def.name)
}

/// Whether the text after `$$root` makes `$$root`, `$$root.<path>` or `$$root|$f` (spec 2.1);
/// the same forms are references in a predicate's right side and in filter arguments. `$$root.`
/// with no path is malformed, followed by a pipeline (`$$root.|$f`) too, as in 2.6.0.
fn is_root_form(rest: &str) -> bool {
    (rest.is_empty() || rest.starts_with('.') || rest.starts_with('|'))
        && rest != "."
        && !rest.starts_with("..")
        && !rest.starts_with(".|")
}

/// The arguments; None when one is empty (`$between(0, )`): a malformed list (spec 2.1).
fn parse_args(text: &str, offset: usize, skip: Skip<'_>) -> Option<Vec<Arg>> {
    if py_strip(text).1.is_empty() {
        return Some(Vec::new());
    }
    split_top_level(text, b',', true, b"[({", skip)
        .into_iter()
        .map(|range| {
            let (start, part) = py_strip(slice(text, range.clone()));
            if part.is_empty() {
                None
            } else if part.starts_with(ROOT) {
                let at = offset + range.start + start;
                Some(Arg::RootRef(RootRef {
                    text: part.to_owned(),
                    span: at..at + part.len(),
                }))
            } else {
                Some(Arg::Literal(literal::parse_or_raw(part)))
            }
        })
        .collect()
}

/// Recursive descent over `!`, `&&`, `||` and parentheses, with pipelines as atoms.
struct BoolParser<'c, 'a> {
    cx: &'c Cx<'a>,
    text: &'c str,
    offset: usize,
    pos: usize,
    depth: usize,
}

impl BoolParser<'_, '_> {
    fn parse(&mut self) -> Result<BoolExpr, Error> {
        let expr = self.or()?;
        self.skip_space();
        if self.pos != self.text.len() {
            return Err(self.fail("Unexpected trailing input in boolean path filter expression."));
        }
        Ok(expr)
    }

    fn fail(&self, message: &str) -> Error {
        let span = self.offset..self.offset + self.text.len();
        self.cx.error(Some(self.text), message, span)
    }

    fn rest(&self) -> &str {
        self.text.get(self.pos..).unwrap_or("")
    }

    fn skip_space(&mut self) {
        while let Some(ch) = self.rest().chars().next().filter(|&ch| pyfmt::is_space(ch)) {
            self.pos += ch.len_utf8();
        }
    }

    fn eat(&mut self, mark: &str) -> bool {
        self.skip_space();
        if self.rest().starts_with(mark) {
            self.pos += mark.len();
            return true;
        }
        false
    }

    fn or(&mut self) -> Result<BoolExpr, Error> {
        let mut operands = vec![self.and()?];
        while self.eat("||") {
            operands.push(self.and()?);
        }
        Ok(if operands.len() == 1 {
            operands.remove(0)
        } else {
            BoolExpr::Or(operands)
        })
    }

    fn and(&mut self) -> Result<BoolExpr, Error> {
        let mut operands = vec![self.not()?];
        while self.eat("&&") {
            operands.push(self.not()?);
        }
        Ok(if operands.len() == 1 {
            operands.remove(0)
        } else {
            BoolExpr::And(operands)
        })
    }

    fn not(&mut self) -> Result<BoolExpr, Error> {
        // A run of `!` is read in a loop: `!!x` is the truth of `x`, so only the parity counts,
        // and a long run costs no recursion.
        let mut negate = false;
        while self.eat("!") {
            negate = !negate;
        }
        let operand = self.primary()?;
        Ok(if negate {
            BoolExpr::Not(Box::new(operand))
        } else {
            operand
        })
    }

    fn primary(&mut self) -> Result<BoolExpr, Error> {
        self.skip_space();
        if self.pos >= self.text.len() {
            return Err(self.fail("Unexpected end of boolean path filter expression."));
        }
        if self.eat("(") {
            self.depth += 1;
            if self.depth > MAX_NESTING {
                return Err(Error::too_deep(self.cx.outer));
            }
            let inner = stack::deeper(|| self.or())?;
            self.depth -= 1;
            if !self.eat(")") {
                return Err(self.fail("Missing ')' in boolean path filter expression."));
            }
            return Ok(inner);
        }
        let start = self.pos;
        let bytes = self.text.as_bytes();
        let mut depth = 0usize;
        let mut quote: Option<u8> = None;
        while let Some(&ch) = bytes.get(self.pos) {
            if let Some(open) = quote {
                if ch == open {
                    quote = None;
                }
            } else if ch == b'\'' || ch == b'"' {
                quote = Some(ch);
            } else if matches!(ch, b'(' | b'[' | b'{') {
                depth += 1;
            } else if matches!(ch, b')' | b']' | b'}') {
                if depth == 0 {
                    break;
                }
                depth -= 1;
            } else if depth == 0
                && (bytes.get(self.pos + 1) == Some(&ch))
                && (ch == b'&' || ch == b'|')
            {
                break;
            }
            self.pos += 1;
        }
        let (atom_start, atom) = py_strip(slice(self.text, start..self.pos));
        let at = self.offset + start + atom_start;
        if !atom.starts_with('$') || atom.starts_with(ROOT) {
            return Err(self.cx.error(
                (!atom.is_empty()).then_some(atom),
                format!("Invalid path filter token '{atom}' in boolean expression."),
                at..at + atom.len(),
            ));
        }
        Ok(BoolExpr::Pipeline(self.cx.pipeline(atom, at)?))
    }
}

// ---------------------------------------------------------------------------------------------
// Scanning helpers: the splitting loops of parser.py, on bytes (every mark is ASCII, and
// UTF-8 continuation bytes never equal an ASCII byte, so positions stay on char boundaries).
// ---------------------------------------------------------------------------------------------

fn slice(text: &str, range: Range<usize>) -> &str {
    text.get(range).unwrap_or("")
}

/// The bracket that closes `open`.
fn closer(open: u8) -> u8 {
    match open {
        b'[' => b']',
        b'(' => b')',
        _ => b'}',
    }
}

/// The ways the parser scans text for brackets, as parser.py's `_ONE`, `_SPLIT`, `_STRICT`.
#[derive(Clone, Copy)]
enum Way {
    /// `[]` only, no quotes; a `]` closes the last `[` and an unmatched one is text.
    One = 0,
    /// `[]`, `()`, `{}` as a stack of kinds, quotes with backslash escapes inside and outside
    /// them; a closing bracket closes only the kind on top, any other is text.
    Split = 1,
    /// The same kinds, quotes and escapes (a backslash outside quotes escapes the next
    /// character too, as in 2.6.0: `[?.a\]==1]` is the key `a\]`, `$add(\))` adds `\)`); a
    /// closing bracket of the wrong kind is an error.
    Strict = 2,
}

/// Counts one step of a scan, in tests only: the test of linearity counts steps, which a busy
/// machine does not change, rather than time.
#[cfg(test)]
fn tally() {
    tests::SCANNED.with(|steps| steps.set(steps.get() + 1));
}

#[cfg(not(test))]
#[inline(always)]
fn tally() {}

/// A path longer than this is parsed with a table of where its bracket groups close
/// ([`Jumps`]); a shorter one costs too little to need it (parser.py's `_JUMP_AFTER`).
const JUMP_AFTER: usize = 128;

/// Where each bracket group of one path's text closes, found once per way of scanning
/// (parser.py's `_Jumps`). Without it a path of n nested predicates is scanned again at each
/// of its n levels, and parsing takes time quadratic in its length (spec 2.1 wants it linear).
/// A scan that meets an opening bracket asks [`Jumps::end`] where the group closes and jumps
/// there. Whether and where a group closes depends only on the text from its opening bracket
/// on, so one table serves the scans of every level, each passing where its text starts.
struct Jumps<'a> {
    text: &'a [u8],
    ends: [RefCell<HashMap<usize, Option<usize>>>; 3],
}

/// A table of bracket groups and where the scanned text starts in its path; None to scan
/// every bracket.
type Skip<'j> = Option<(&'j Jumps<'j>, usize)>;

impl<'a> Jumps<'a> {
    fn new(text: &'a str) -> Jumps<'a> {
        Jumps {
            text: text.as_bytes(),
            ends: Default::default(),
        }
    }

    /// The index in the path of the bracket that closes the one at `at`; None when the group
    /// is not closed (for [`Way::Strict`] also when a bracket of another kind closes first).
    fn end(&self, way: Way, at: usize) -> Option<usize> {
        let known = self.ends[way as usize].borrow().get(&at).copied();
        match known {
            Some(end) => end,
            None => {
                self.scan(way, at);
                self.ends[way as usize].borrow().get(&at).copied().flatten()
            }
        }
    }

    /// Scans the group opened at `at`, noting where it and every group in it closes.
    fn scan(&self, way: Way, at: usize) {
        let mut ends = self.ends[way as usize].borrow_mut();
        let quotes = !matches!(way, Way::One);
        let mut opened: Vec<usize> = Vec::new();
        let mut quote: Option<u8> = None;
        let mut i = at;
        while let Some(&ch) = self.text.get(i) {
            tally();
            if let Some(open) = quote {
                if ch == b'\\' {
                    i += 2;
                    continue;
                }
                if ch == open {
                    quote = None;
                }
            } else if quotes && (ch == b'\'' || ch == b'"') {
                quote = Some(ch);
            } else if !matches!(way, Way::One) && ch == b'\\' {
                i += 2;
                continue;
            } else if ch == b'[' || (quotes && matches!(ch, b'(' | b'{')) {
                match ends.get(&i).copied() {
                    Some(Some(end)) if i != at => {
                        i = end + 1;
                        continue;
                    }
                    Some(None) if i != at => break,
                    _ => opened.push(i),
                }
            } else if matches!(ch, b']' | b')' | b'}') {
                if let Some(&start) = opened.last() {
                    let closes = self.text.get(start).map(|&open| closer(open)) == Some(ch);
                    if closes {
                        opened.pop();
                        ends.insert(start, Some(i));
                        if opened.is_empty() {
                            return;
                        }
                    } else if matches!(way, Way::Strict) {
                        break;
                    }
                }
            }
            i += 1;
        }
        for start in opened {
            ends.insert(start, None);
        }
    }
}

/// Where the group opened at `i` of a scanned text closes in that text: `Ok(Some(end))`, or
/// `Ok(None)` when it does not close within the text; `Err(())` without a table (scan it).
fn jump(skip: Skip<'_>, way: Way, i: usize, len: usize) -> Result<Option<usize>, ()> {
    let (jumps, base) = skip.ok_or(())?;
    Ok(jumps
        .end(way, base + i)
        .and_then(|end| end.checked_sub(base))
        .filter(|&end| end < len))
}

/// Splits `text` on `sep` where it stands outside brackets (and quotes, if asked). As in
/// parser.py, the `brackets` are a stack of separate kinds: a closing bracket closes only the
/// kind on top (spec 2.1: a `)` never closes a `[`); with quotes, a backslash outside them
/// also keeps the next character from splitting, as 2.6.0 reads it. With quotes that is the
/// [`Way::Split`] way of scanning, without them (and `brackets` `[`) [`Way::One`].
fn split_top_level(
    text: &str,
    sep: u8,
    quotes: bool,
    brackets: &[u8],
    skip: Skip<'_>,
) -> Vec<Range<usize>> {
    let way = if quotes { Way::Split } else { Way::One };
    let bytes = text.as_bytes();
    let mut parts = Vec::new();
    let mut stack: Vec<u8> = Vec::new();
    let mut quote: Option<u8> = None;
    let mut start = 0;
    let mut i = 0;
    while let Some(&ch) = bytes.get(i) {
        tally();
        if let Some(open) = quote {
            if ch == b'\\' {
                i += 2;
                continue;
            }
            if ch == open {
                quote = None;
            }
        } else if quotes && (ch == b'\'' || ch == b'"') {
            quote = Some(ch);
        } else if quotes && ch == b'\\' {
            i += 2;
            continue;
        } else if brackets.contains(&ch) {
            match jump(skip, way, i, bytes.len()) {
                Ok(Some(end)) => {
                    i = end + 1;
                    continue;
                }
                // The rest of the text is inside the group.
                Ok(None) => break,
                Err(()) => stack.push(closer(ch)),
            }
        } else if stack.last() == Some(&ch) {
            stack.pop();
        } else if stack.is_empty() && ch == sep {
            parts.push(start..i);
            start = i + 1;
        }
        i += 1;
    }
    parts.push(start..bytes.len());
    parts
}

/// Whether every bracket, parenthesis, brace and quote in `text` is closed, in order.
fn balanced(text: &str, skip: Skip<'_>) -> bool {
    scan_strict(text, 0, true, skip).is_some()
}

/// The index of the bracket that closes the one at `text[at]`, quotes and escapes honoured;
/// None when it is not closed or a bracket of another kind closes first.
fn closing(text: &str, at: usize, skip: Skip<'_>) -> Option<usize> {
    scan_strict(text, at, false, skip)
}

/// The [`Way::Strict`] scan from `at`: without `whole`, where the group opened at `at`
/// closes; with it, `text.len()` when every bracket and quote from `at` on is closed, in
/// order. None otherwise.
fn scan_strict(text: &str, at: usize, whole: bool, skip: Skip<'_>) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut stack: Vec<u8> = Vec::new();
    let mut quote: Option<u8> = None;
    let mut i = at;
    while let Some(&ch) = bytes.get(i) {
        tally();
        if let Some(open) = quote {
            if ch == b'\\' {
                i += 1;
            } else if ch == open {
                quote = None;
            }
        } else if ch == b'\'' || ch == b'"' {
            quote = Some(ch);
        } else if ch == b'\\' {
            // A backslash escapes the next character; one with nothing after it escapes the
            // closing bracket the text was cut at (`[?.\]` is not closed).
            if i + 1 == bytes.len() {
                return None;
            }
            i += 1;
        } else if matches!(ch, b'[' | b'(' | b'{') {
            match jump(
                if stack.is_empty() { skip } else { None },
                Way::Strict,
                i,
                bytes.len(),
            ) {
                Ok(Some(end)) if whole => i = end,
                Ok(Some(end)) => return Some(end),
                Ok(None) => return None,
                Err(()) => stack.push(closer(ch)),
            }
        } else if matches!(ch, b']' | b')' | b'}') {
            if stack.pop() != Some(ch) {
                return None;
            }
            if stack.is_empty() && !whole {
                return Some(i);
            }
        }
        i += 1;
    }
    (whole && quote.is_none() && stack.is_empty()).then_some(bytes.len())
}

/// Splits off the output transform at the first top-level `|` followed by `$`; aware of
/// `[]` depth but not of quotes (spec section 2; the [`Way::One`] way of scanning).
fn split_transform<'t>(text: &'t str, skip: Skip<'_>) -> (&'t str, Option<Range<usize>>) {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(&ch) = bytes.get(i) {
        tally();
        if ch == b'[' {
            match jump(
                if depth == 0 { skip } else { None },
                Way::One,
                i,
                bytes.len(),
            ) {
                Ok(Some(end)) => {
                    i = end + 1;
                    continue;
                }
                Ok(None) => break,
                Err(()) => depth += 1,
            }
        } else if ch == b']' && depth > 0 {
            depth -= 1;
        } else if ch == b'|' && depth == 0 && bytes.get(i + 1) == Some(&b'$') {
            return (slice(text, 0..i), Some(i + 1..text.len()));
        }
        i += 1;
    }
    (text, None)
}

/// The first top-level comparison operator, outside quotes (with backslash escapes) and brackets.
fn find_operator(text: &str, skip: Skip<'_>) -> Option<(usize, CmpOp)> {
    const OPERATORS: [CmpOp; 6] = [
        CmpOp::Eq,
        CmpOp::Ne,
        CmpOp::Ge,
        CmpOp::Le,
        CmpOp::Gt,
        CmpOp::Lt,
    ];
    let bytes = text.as_bytes();
    let mut stack: Vec<u8> = Vec::new();
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while let Some(&ch) = bytes.get(i) {
        tally();
        if let Some(open) = quote {
            if ch == b'\\' {
                i += 2;
                continue;
            }
            if ch == open {
                quote = None;
            }
        } else if ch == b'\'' || ch == b'"' {
            quote = Some(ch);
        } else if ch == b'\\' {
            // Outside quotes too a backslash escapes the next character (`.id\\!=1` has no
            // operator), as 2.6.0 reads it.
            i += 2;
            continue;
        } else if matches!(ch, b'[' | b'(' | b'{') {
            match jump(skip, Way::Split, i, bytes.len()) {
                Ok(Some(end)) => {
                    i = end + 1;
                    continue;
                }
                Ok(None) => return None,
                Err(()) => stack.push(closer(ch)),
            }
        } else if stack.last() == Some(&ch) {
            stack.pop();
        } else if stack.is_empty() {
            let rest = bytes.get(i..).unwrap_or(&[]);
            if let Some(op) = OPERATORS
                .into_iter()
                .find(|op| rest.starts_with(op.symbol().as_bytes()))
            {
                return Some((i, op));
            }
        }
        i += 1;
    }
    None
}

/// Python's `str.strip()`: the offset of the stripped text and the text.
fn py_strip(text: &str) -> (usize, &str) {
    let trimmed_start = text.trim_start_matches(pyfmt::is_space);
    let start = text.len() - trimmed_start.len();
    (start, trimmed_start.trim_end_matches(pyfmt::is_space))
}

// ---------------------------------------------------------------------------------------------
// The regular expressions of parser.py
// ---------------------------------------------------------------------------------------------

/// What a `^...$` pattern is matched against: Python's `$` also matches before one trailing
/// newline, and none of parser.py's patterns can match that newline itself.
fn subject(text: &str) -> &str {
    text.strip_suffix('\n').unwrap_or(text)
}

/// `^(.*)\[\]$`: the key of `key[]`; a token `[]` maps the key "" (spec 1.1, as in 2.6.0).
fn match_map(raw: &str) -> Option<&str> {
    subject(raw).strip_suffix("[]")
}

/// Where the run of `-?\d*` that ends `body` starts. Matching the bracket forms from the
/// token's end (not with `rfind('[')`, which reads back through every `]` of the nested
/// levels) keeps a token's match from growing with the predicate inside it.
fn bound_start(body: &str) -> usize {
    let digits = body.trim_end_matches(|c| py_digit(c).is_some());
    digits.strip_suffix('-').unwrap_or(digits).len()
}

/// `^(.+)\[(-?\d+)\]$`: the key and index digits of `key[i]` (greedy key: the last `[`).
fn match_index(raw: &str) -> Option<(&str, &str)> {
    let body = subject(raw).strip_suffix(']')?;
    let start = bound_start(body);
    let (key, inner) = (
        slice(body, 0..start).strip_suffix('[')?,
        slice(body, start..body.len()),
    );
    (!key.is_empty() && is_int(inner)).then_some((key, inner))
}

/// `^(.+)\[(-?\d*):(-?\d*)\]$`: the key and bound texts of `key[a:b]`.
fn match_slice(raw: &str) -> Option<(&str, &str, &str)> {
    let body = subject(raw).strip_suffix(']')?;
    let stop_at = bound_start(body);
    let before = slice(body, 0..stop_at).strip_suffix(':')?;
    let start_at = bound_start(before);
    let key = slice(before, 0..start_at).strip_suffix('[')?;
    let (start, stop) = (
        slice(before, start_at..before.len()),
        slice(body, stop_at..body.len()),
    );
    (!key.is_empty()).then_some((key, start, stop))
}

/// `^(.+?)\[\?(.*)\]$`: the key, the predicate's offset in `raw`, and the predicate text
/// (lazy key: the first `[?` after at least one character).
fn match_filter(raw: &str) -> Option<(&str, usize, &str)> {
    let body = subject(raw).strip_suffix(']')?;
    let first_len = body.chars().next()?.len_utf8();
    let open = slice(body, first_len..body.len()).find("[?")? + first_len;
    let content_at = open + 2;
    Some((
        slice(body, 0..open),
        content_at,
        slice(body, content_at..body.len()),
    ))
}

/// `^\[.*\]$`: what reads as an attempt at a root selector.
fn selector_like(text: &str) -> bool {
    let text = subject(text);
    text.len() >= 2 && text.starts_with('[') && text.ends_with(']')
}

/// `^(?:\[\]|\[-?\d+\]|\[-?\d*:-?\d*\]|\[\?.*\])$`: a valid root selector.
fn selector_full(text: &str) -> bool {
    let text = subject(text);
    let Some(inner) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) else {
        return false;
    };
    // `?` first: the other forms are short, a predicate may be long.
    inner.is_empty()
        || inner.starts_with('?')
        || is_int(inner)
        || inner
            .split_once(':')
            .is_some_and(|(a, b)| is_bound(a) && is_bound(b))
}

/// A pipeline segment's parts: the name, the argument text with its offset in the segment,
/// and whether the step maps.
struct Segment<'a> {
    name: &'a str,
    args: Option<(usize, &'a str)>,
    maps: bool,
}

/// `$name`, `$name(args)`, each with an optional `[]` (parser.py's `_match_segment`).
fn match_segment<'s>(segment: &'s str, skip: Skip<'_>) -> Option<Segment<'s>> {
    let text = subject(segment);
    let rest = text.strip_prefix('$')?;
    let name_len = rest
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
        .count();
    let name = slice(rest, 0..name_len);
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let tail = slice(rest, name_len..rest.len());
    let args_at = 1 + name_len + 1;
    let (tail, maps) = match tail.strip_suffix("[]") {
        Some(tail) => (tail, true),
        None => (tail, false),
    };
    if tail.is_empty() {
        return Some(Segment {
            name,
            args: None,
            maps,
        });
    }
    // Spec 2.1: the argument list's parenthesis closes at its end (`$add(2)$mul(3)` and
    // `$mul(()` are not segments).
    // The tail starts after `$name`.
    let tail_skip = skip.map(|(jumps, base)| (jumps, base + 1 + name_len));
    if !tail.starts_with('(') || closing(tail, 0, tail_skip) != Some(tail.len() - 1) {
        return None;
    }
    Some(Segment {
        name,
        args: Some((args_at, slice(tail, 1..tail.len() - 1))),
        maps,
    })
}

/// `-?\d+`.
fn is_int(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    !digits.is_empty() && digits.chars().all(|c| py_digit(c).is_some())
}

/// `-?\d*`.
fn is_bound(text: &str) -> bool {
    text.strip_prefix('-')
        .unwrap_or(text)
        .chars()
        .all(|c| py_digit(c).is_some())
}

/// A slice bound as parser.py's `_bound` reads it: empty or `-` is no bound.
fn bound(text: &str) -> Option<i64> {
    if text.is_empty() || text == "-" {
        return None;
    }
    Some(py_int(text).0)
}

/// `int(text)` for `-?\d+`: the value saturated to 64 bits and the int as Python prints it.
fn py_int(text: &str) -> (i64, String) {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(digits) => (true, digits),
        None => (false, text),
    };
    let ascii: String = digits
        .chars()
        .filter_map(py_digit)
        .filter_map(|d| char::from_digit(d, 10))
        .collect();
    let trimmed = ascii.trim_start_matches('0');
    let magnitude = if trimmed.is_empty() { "0" } else { trimmed };
    let text = if negative && magnitude != "0" {
        format!("-{magnitude}")
    } else {
        magnitude.to_owned()
    };
    let value = text
        .parse::<i64>()
        .unwrap_or(if negative { i64::MIN } else { i64::MAX });
    (value, text)
}

/// The value of a Unicode decimal digit (category Nd), which Python's `\d` and `int()` accept.
pub(crate) fn py_digit(ch: char) -> Option<u32> {
    let code = u32::from(ch);
    let index = ND_ZEROS.partition_point(|&zero| zero <= code);
    let zero = *ND_ZEROS.get(index.checked_sub(1)?)?;
    (code - zero < 10).then_some(code - zero)
}

/// The digit zero of every run of ten Unicode decimal digits (Unicode 14.0, as in CPython 3.11).
#[rustfmt::skip]
static ND_ZEROS: &[u32] = &[
    0x30, 0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66, 0xce6, 0xd66,
    0xde6, 0xe50, 0xed0, 0xf20, 0x1040, 0x1090, 0x17e0, 0x1810, 0x1946, 0x19d0, 0x1a80, 0x1a90,
    0x1b50, 0x1bb0, 0x1c40, 0x1c50, 0xa620, 0xa8d0, 0xa900, 0xa9d0, 0xa9f0, 0xaa50, 0xabf0,
    0xff10, 0x104a0, 0x10d30, 0x11066, 0x110f0, 0x11136, 0x111d0, 0x112f0, 0x11450, 0x114d0,
    0x11650, 0x116c0, 0x11730, 0x118e0, 0x11950, 0x11c50, 0x11d50, 0x11da0, 0x16a60, 0x16ac0,
    0x16b50, 0x1d7ce, 0x1d7d8, 0x1d7e2, 0x1d7ec, 0x1d7f6, 0x1e140, 0x1e2f0, 0x1e950, 0x1fbf0,
];

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Path, Error> {
        parse_path(text, Mode::Read, &|_| false)
    }

    fn kinds(text: &str) -> Vec<TokenKind> {
        let parsed = parse(text);
        assert!(parsed.is_ok(), "{text}: {parsed:?}");
        parsed
            .map(|path| path.tokens.into_iter().map(|t| t.kind).collect())
            .unwrap_or_default()
    }

    #[test]
    fn tokens_follow_the_table_order() {
        let get = |key: &str| TokenKind::Get { key: key.into() };
        assert_eq!(kinds("a b.a[x]"), vec![get("a b"), get("a[x]")]);
        assert_eq!(kinds("a[::2]"), vec![get("a[::2]")]);
        assert_eq!(
            kinds("a[1][2]"),
            vec![TokenKind::Select {
                key: "a[1]".into(),
                selector: Selector::Index(Index {
                    value: 2,
                    text: "2".into()
                })
            }]
        );
        assert_eq!(
            kinds("a[?x[]"),
            vec![TokenKind::Select {
                key: "a[?x".into(),
                selector: Selector::Each
            }]
        );
        // Python's `$` matches before a trailing newline, and `\d` takes any decimal digit...
        assert_eq!(
            kinds("a[]\n"),
            vec![TokenKind::Select {
                key: "a".into(),
                selector: Selector::Each
            }]
        );
        // ... but an index of other digits is an error (spec 2.1).
        assert!(parse("a[\u{663}]").is_err_and(|e| e.message == "Failed to parse list index."));
        assert_eq!(
            kinds(".[]"),
            vec![TokenKind::RootSelect {
                selector: Selector::Each
            }]
        );
        assert!(kinds(".").is_empty());
        assert_eq!(
            parse_path(".", Mode::Write, &|_| false).map(|p| p.tokens.len()),
            Ok(2)
        );
    }

    #[test]
    fn errors_carry_the_reference_messages() {
        let message = |text: &str| parse(text).err().map(|e| e.to_string()).unwrap_or_default();
        assert_eq!(message(""), "Path cannot be empty. (path='', token='None')");
        assert!(message("a.$$root").contains("token='$$root'"));
        assert!(
            message("a|$add(1,2)").starts_with("Path filter '$add' takes 1 argument(s), got 2.")
        );
        assert!(message("a[?.n==$gt(1)&&]").starts_with("Unexpected end of boolean"));
        assert!(message(".[0][1]").contains("token='.[0][1]'"));
        let spanned = parse("a.b|$nope").err().and_then(|e| e.span);
        assert_eq!(spanned, Some(4..9));
    }

    #[test]
    fn nesting_is_bounded() {
        let nested = |n: usize| format!("a{}==1{}", "[?.a".repeat(n), "]".repeat(n));
        assert!(parse(&nested(MAX_NESTING)).is_ok());
        let too_deep = parse(&nested(MAX_NESTING + 1)).err();
        let message = format!("The path nests brackets deeper than {MAX_NESTING} levels.");
        assert!(too_deep
            .as_ref()
            .is_some_and(|e| !e.is_too_deep() && e.to_string().starts_with(&message)));
        let parens = format!("a[?.n==!{}$odd{}]", "(".repeat(10_000), ")".repeat(10_000));
        assert!(parse(&parens).is_err_and(|e| e.message.contains("nests brackets")));
        let bangs = format!("a[?.n=={}$odd]", "!".repeat(100_001));
        assert!(parse(&bangs).is_ok());
    }

    /// Every path of the corpus, and every prefix and suffix of those with brackets in them.
    fn corpus_paths() -> Vec<String> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../parity/cases");
        let mut paths = std::collections::BTreeSet::new();
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            let file: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            for case in file["cases"].as_array().into_iter().flatten() {
                if let (Some(path), false) = (case["path"].as_str(), case["op"] == "run_filter") {
                    paths.insert(path.to_owned());
                }
            }
        }
        let mut variants = paths.clone();
        for path in &paths {
            if path.chars().count() <= 120 && path.contains(['[', '(', '{']) {
                for (at, _) in path.char_indices().skip(1) {
                    variants.insert(path[..at].to_owned());
                    variants.insert(path[at..].to_owned());
                }
            }
        }
        variants.into_iter().collect()
    }

    #[test]
    fn the_table_of_bracket_groups_changes_no_parse() {
        let paths = corpus_paths();
        assert!(paths.len() > 1000, "{}", paths.len());
        for path in &paths {
            for mode in [Mode::Read, Mode::Write] {
                let scanned = parse_jumping(path, mode, &|_| false, 0, false);
                let jumped = parse_jumping(path, mode, &|_| false, 0, true);
                assert_eq!(scanned, jumped, "{path:?} {mode:?}");
            }
        }
    }

    thread_local! {
        /// The steps of every scan on this thread (see `tally`).
        pub(super) static SCANNED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }

    /// The scanning steps of a parse of each nesting form, at the limit: a few per character
    /// of the path (it was about as many per character as the path has levels).
    #[test]
    fn parsing_is_linear_in_the_path_length() {
        let forms: [fn(usize) -> String; 4] = [
            |n| format!("a{}==1{}", "[?.a".repeat(n), "]".repeat(n)),
            |n| format!("a{}|$len>0{}.b", "[?.a".repeat(n), "]".repeat(n)),
            |n| format!("a[?.a=={}$odd{}]", "!(".repeat(n - 1), ")".repeat(n - 1)),
            |n| format!("a[?.a=={}$odd]", "!".repeat(n)),
        ];
        for form in forms {
            for levels in [MAX_NESTING / 2, MAX_NESTING] {
                let path = form(levels);
                SCANNED.with(|steps| steps.set(0));
                assert!(parse(&path).is_ok(), "{path}");
                let steps = SCANNED.with(std::cell::Cell::get);
                assert!(
                    steps < 8 * path.len(),
                    "{steps} steps for {} bytes",
                    path.len()
                );
            }
        }
    }

    #[test]
    fn brackets_close_only_their_own_kind() {
        let parts = |text: &str| -> Vec<String> {
            split_top_level(text, b'.', false, b"[", None)
                .into_iter()
                .map(|r| slice(text, r).to_owned())
                .collect()
        };
        assert_eq!(
            parts("a[?.v|$mul(2)>$$root.x].y"),
            ["a[?.v|$mul(2)>$$root.x]", "y"]
        );
        assert_eq!(parts("a[?.t==(].id"), ["a[?.t==(]", "id"]);
        let balanced = |text| balanced(text, None);
        assert!(balanced("a[(x)]'q'") && !balanced("a)") && !balanced("\"") && !balanced("[)"));
        assert_eq!(closing("(a[)])x", 0, None), None);
        assert_eq!(closing("(a[')'])x", 0, None), Some(7));
    }
}
