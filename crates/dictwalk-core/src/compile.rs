//! Syntax tree to program, once per path: filters resolved, `$$root` references parsed, flags precomputed.
//!
//! A [`Program`] is what the evaluator runs. It is independent of the document model, so one
//! compiled path serves every document; [`ProgramCache`] keeps recently compiled ones.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::doc::Name;
use crate::error::Error;
use crate::filters::FilterDef;
use crate::literal::Literal;
use crate::syntax::{self, Arg, BoolExpr, CmpOp, Mode, Rhs, Selector, TokenKind};

/// A compiled path.
#[derive(Clone, Debug, PartialEq)]
pub struct Program {
    pub(crate) text: String,
    pub(crate) mode: Mode,
    pub(crate) steps: Vec<Step>,
    pub(crate) transform: Option<Pipe>,
}

impl Program {
    /// The path text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether this is a read or a write path.
    pub fn mode(&self) -> Mode {
        self.mode
    }
}

/// A compiled token; `raw` is its text, the token of its soft errors.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Step {
    pub(crate) raw: String,
    pub(crate) kind: StepKind,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum StepKind {
    Get(Name),
    Select { key: Name, selector: Sel },
    Wildcard,
    DeepWildcard,
    Root,
    RootSelect(Sel),
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Sel {
    Each,
    Index {
        value: i64,
        text: String,
    },
    Slice {
        start: Option<i64>,
        stop: Option<i64>,
    },
    Filter(Box<Pred>),
}

/// A compiled predicate.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Pred {
    pub(crate) lhs: LhsPath,
    pub(crate) lhs_pipe: Option<Pipe>,
    pub(crate) test: Test,
    /// What `set` appends when no item matches (spec 6): `{key: raw}`; None when the
    /// predicate's form never creates (a pipeline lhs, an operator other than `==`, ...).
    pub(crate) creates: Option<Creation>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Creation {
    pub(crate) key: Name,
    pub(crate) raw: String,
}

/// A predicate's left-hand side path.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum LhsPath {
    /// `.`: the item itself.
    Item,
    /// `.key`: `item.get(key)` on a dict, else None.
    Key(Name),
    /// Any other relative path; a soft failure gives None.
    Path(Vec<Step>),
}

/// How an item's lhs value is tested.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Test {
    /// No operator: true words for strs, truthiness otherwise.
    Flag,
    /// A pipeline or boolean right-hand side with an ordering operator: an operator error.
    Unsupported(CmpOp),
    /// `== pipeline` (or `!=`, negated).
    Bool { negate: bool, expr: BoolProg },
    /// A literal right-hand side.
    Literal {
        op: CmpOp,
        value: Literal,
        raw: String,
    },
    /// A `$$root...` right-hand side, compiled (or its parse error, raised when evaluated).
    Root {
        op: CmpOp,
        text: String,
        target: Box<Result<Program, Error>>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum BoolProg {
    Pipe(Pipe),
    Not(Box<BoolProg>),
    And(Vec<BoolProg>),
    Or(Vec<BoolProg>),
}

/// A compiled pipeline; `groups` are its runs of steps, each applied as a whole (consecutive
/// `[]` steps map over a list together, item by item).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Pipe {
    pub(crate) text: String,
    pub(crate) calls: Vec<CallProg>,
    pub(crate) groups: Vec<(bool, Range<usize>)>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct CallProg {
    pub(crate) filter: FilterRef,
    pub(crate) args: Vec<ArgProg>,
}

/// Which filter a pipeline step calls.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FilterRef {
    /// A built-in filter.
    Builtin(&'static FilterDef),
    /// A custom filter, looked up by name when called.
    Custom(String),
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum ArgProg {
    Value(Literal),
    /// A `$$root...` argument: its program, or the parse error to raise when it is used
    /// (the reference parses such paths when it evaluates them).
    Root(Box<Result<Program, Error>>),
}

/// Compiles `text`; `custom(name)` says whether a custom filter `$name` is registered.
pub fn compile(text: &str, mode: Mode, custom: &dyn Fn(&str) -> bool) -> Result<Program, Error> {
    compile_nested(text, mode, custom, 0)
}

fn compile_nested(
    text: &str,
    mode: Mode,
    custom: &dyn Fn(&str) -> bool,
    depth: usize,
) -> Result<Program, Error> {
    let path = syntax::parse_path_nested(text, mode, custom, depth)?;
    let cx = Compiler { custom, depth };
    Ok(Program {
        text: text.to_owned(),
        mode,
        steps: path
            .tokens
            .into_iter()
            .map(|token| cx.step(token))
            .collect(),
        transform: path.transform.map(|pipeline| cx.pipe(pipeline)),
    })
}

/// Compiles a pipeline on its own (`run_filter` and `set` values); errors name `path`, or the
/// pipeline's `repr()` when None.
pub(crate) fn compile_pipeline(
    text: &str,
    path: Option<&str>,
    custom: &dyn Fn(&str) -> bool,
) -> Result<Pipe, Error> {
    let pipeline = syntax::parse_pipeline(text, path, custom)?;
    Ok(Compiler { custom, depth: 0 }.pipe(pipeline))
}

struct Compiler<'a> {
    custom: &'a dyn Fn(&str) -> bool,
    depth: usize,
}

impl Compiler<'_> {
    fn step(&self, token: syntax::Token) -> Step {
        let kind = match token.kind {
            TokenKind::Get { key } => StepKind::Get(Name::new(&key)),
            TokenKind::Select { key, selector } => StepKind::Select {
                key: Name::new(&key),
                selector: self.sel(selector),
            },
            TokenKind::Wildcard => StepKind::Wildcard,
            TokenKind::DeepWildcard => StepKind::DeepWildcard,
            TokenKind::Root => StepKind::Root,
            TokenKind::RootSelect { selector } => StepKind::RootSelect(self.sel(selector)),
        };
        Step {
            raw: token.raw,
            kind,
        }
    }

    fn sel(&self, selector: Selector) -> Sel {
        match selector {
            Selector::Each => Sel::Each,
            Selector::Index(index) => Sel::Index {
                value: index.value,
                text: index.text,
            },
            Selector::Slice { start, stop } => Sel::Slice { start, stop },
            Selector::Filter(predicate) => Sel::Filter(Box::new(self.pred(*predicate))),
        }
    }

    /// The compiler for what nests one level deeper: a predicate's parts, a boolean operand.
    /// `$$root` paths inside are parsed with the nesting left to them, so that predicates,
    /// parentheses and references together stay within [`syntax::MAX_NESTING`].
    fn nested(&self) -> Compiler<'_> {
        Compiler {
            custom: self.custom,
            depth: self.depth + 1,
        }
    }

    fn pred(&self, predicate: syntax::Predicate) -> Pred {
        self.nested().pred_parts(predicate)
    }

    fn pred_parts(&self, predicate: syntax::Predicate) -> Pred {
        let syntax::Predicate { lhs, op, rhs, .. } = predicate;
        // `set` creates `{key: raw}` for a plain `.key == literal` (or `$$root...`) predicate; a
        // relative path keeps its leading dot as the key, as in 2.6.0.
        let creates = match (&lhs.path, &lhs.pipeline, op, &rhs) {
            (Some(path), None, Some(CmpOp::Eq), Some(Rhs::Literal { raw, .. })) => Some(Creation {
                key: creation_key(path),
                raw: raw.clone(),
            }),
            (Some(path), None, Some(CmpOp::Eq), Some(Rhs::RootRef(root))) => Some(Creation {
                key: creation_key(path),
                raw: root.text.clone(),
            }),
            _ => None,
        };
        let lhs_path = match lhs.path {
            None => LhsPath::Item,
            Some(path) => match path.tokens.as_slice() {
                [syntax::Token {
                    kind: TokenKind::Get { key },
                    ..
                }] => LhsPath::Key(Name::new(key)),
                _ => LhsPath::Path(
                    path.tokens
                        .into_iter()
                        .map(|token| self.step(token))
                        .collect(),
                ),
            },
        };
        let test = match (op, rhs) {
            (None, _) | (Some(_), None) => Test::Flag,
            (Some(op), Some(Rhs::Pipeline(pipeline))) => {
                self.bool_test(op, BoolProg::Pipe(self.pipe(pipeline)))
            }
            (Some(op), Some(Rhs::Bool(expr))) => self.bool_test(op, self.bool_prog(expr)),
            (Some(op), Some(Rhs::Literal { value, raw })) => Test::Literal { op, value, raw },
            (Some(op), Some(Rhs::RootRef(root))) => Test::Root {
                op,
                target: Box::new(self.root_ref(&root.text)),
                text: root.text,
            },
        };
        Pred {
            lhs: lhs_path,
            lhs_pipe: lhs.pipeline.map(|pipeline| self.pipe(pipeline)),
            test,
            creates,
        }
    }

    fn bool_test(&self, op: CmpOp, expr: BoolProg) -> Test {
        match op {
            CmpOp::Eq => Test::Bool {
                negate: false,
                expr,
            },
            CmpOp::Ne => Test::Bool { negate: true, expr },
            ordered => Test::Unsupported(ordered),
        }
    }

    fn bool_prog(&self, expr: BoolExpr) -> BoolProg {
        match expr {
            BoolExpr::Pipeline(pipeline) => BoolProg::Pipe(self.pipe(pipeline)),
            BoolExpr::Not(inner) => BoolProg::Not(Box::new(self.nested().bool_prog(*inner))),
            BoolExpr::And(operands) => {
                let inner = self.nested();
                BoolProg::And(operands.into_iter().map(|e| inner.bool_prog(e)).collect())
            }
            BoolExpr::Or(operands) => {
                let inner = self.nested();
                BoolProg::Or(operands.into_iter().map(|e| inner.bool_prog(e)).collect())
            }
        }
    }

    fn pipe(&self, pipeline: syntax::Pipeline) -> Pipe {
        let mut calls = Vec::with_capacity(pipeline.calls.len());
        let mut groups: Vec<(bool, Range<usize>)> = Vec::new();
        for (index, call) in pipeline.calls.into_iter().enumerate() {
            // A mapping step joins the previous one when that maps too; other steps stand alone.
            match groups.last_mut() {
                Some((true, range)) if call.maps => range.end = index + 1,
                _ => groups.push((call.maps, index..index + 1)),
            }
            let filter = match call.builtin {
                Some(def) => FilterRef::Builtin(def),
                None => FilterRef::Custom(call.name),
            };
            let args = call
                .args
                .into_iter()
                .map(|arg| match arg {
                    Arg::Literal(value) => ArgProg::Value(value),
                    Arg::RootRef(root) => ArgProg::Root(Box::new(self.root_ref(&root.text))),
                })
                .collect();
            calls.push(CallProg { filter, args });
        }
        Pipe {
            text: pipeline.text,
            calls,
            groups,
        }
    }

    fn root_ref(&self, text: &str) -> Result<Program, Error> {
        compile_nested(text, Mode::Read, self.custom, self.depth + 1)
    }
}

fn creation_key(path: &syntax::Path) -> Name {
    match path.tokens.as_slice() {
        [syntax::Token {
            kind: TokenKind::Get { key },
            ..
        }] => Name::new(key),
        _ => Name::new(&format!(".{}", path.text)),
    }
}

/// A bounded map of compiled programs, shared by the calls of one engine (thread-safe).
///
/// Only successful compilations are kept, as Python's `lru_cache` does; so registering a
/// custom filter never needs to invalidate anything (built-ins cannot be replaced, and a
/// program that names a custom filter only exists once that filter does). A hit allocates
/// nothing: each mode has its own map, looked up by the path text.
#[derive(Debug)]
pub struct ProgramCache {
    capacity: usize,
    inner: Mutex<CacheInner>,
}

type Entries = HashMap<Box<str>, (Arc<Program>, u64)>;

#[derive(Debug, Default)]
struct CacheInner {
    read: Entries,
    write: Entries,
    clock: u64,
}

impl ProgramCache {
    /// The capacity of [`ProgramCache::default`], as the reference parser's cache.
    pub const DEFAULT_CAPACITY: usize = 2048;

    /// A cache holding at most `capacity` programs (at least one).
    pub fn new(capacity: usize) -> ProgramCache {
        ProgramCache {
            capacity: capacity.max(1),
            inner: Mutex::new(CacheInner::default()),
        }
    }

    /// The compiled `text`, from the cache or compiled now.
    pub fn get_or_compile(
        &self,
        text: &str,
        mode: Mode,
        custom: &dyn Fn(&str) -> bool,
    ) -> Result<Arc<Program>, Error> {
        {
            let mut inner = self.lock();
            inner.clock += 1;
            let now = inner.clock;
            if let Some((program, used)) = inner.entries_mut(mode).get_mut(text) {
                *used = now;
                return Ok(Arc::clone(program));
            }
        }
        // Compiled without the lock: a custom-filter lookup may call back into the host.
        let program = Arc::new(compile(text, mode, custom)?);
        let mut inner = self.lock();
        if inner.read.len() + inner.write.len() >= self.capacity {
            inner.evict_oldest_half();
        }
        let now = inner.clock;
        inner
            .entries_mut(mode)
            .insert(text.into(), (Arc::clone(&program), now));
        Ok(program)
    }

    /// How many programs are cached.
    pub fn len(&self) -> usize {
        let inner = self.lock();
        inner.read.len() + inner.write.len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets every program.
    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.read.clear();
        inner.write.clear();
    }

    fn lock(&self) -> MutexGuard<'_, CacheInner> {
        // A panic elsewhere cannot leave the map inconsistent, so a poisoned lock is still usable.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Default for ProgramCache {
    fn default() -> Self {
        ProgramCache::new(ProgramCache::DEFAULT_CAPACITY)
    }
}

impl CacheInner {
    fn entries_mut(&mut self, mode: Mode) -> &mut Entries {
        match mode {
            Mode::Read => &mut self.read,
            Mode::Write => &mut self.write,
        }
    }

    /// Drops the least recently used half; amortized, eviction costs O(log n) per insert.
    fn evict_oldest_half(&mut self) {
        let mut stamps: Vec<u64> = self
            .read
            .values()
            .chain(self.write.values())
            .map(|(_, used)| *used)
            .collect();
        let middle = stamps.len() / 2;
        stamps.select_nth_unstable(middle);
        let Some(&cutoff) = stamps.get(middle) else {
            return;
        };
        self.read.retain(|_, (_, used)| *used > cutoff);
        self.write.retain(|_, (_, used)| *used > cutoff);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_stays_bounded_and_keeps_recent_programs() {
        let cache = ProgramCache::new(8);
        for round in 0..3 {
            for n in 0..20 {
                let path = format!("a.k{n}");
                assert!(
                    cache.get_or_compile(&path, Mode::Read, &|_| false).is_ok(),
                    "round {round}"
                );
                assert!(cache.get_or_compile("hot", Mode::Read, &|_| false).is_ok());
                assert!(cache.len() <= 8);
            }
        }
        let before = cache.len();
        assert!(cache.get_or_compile("hot", Mode::Read, &|_| false).is_ok());
        assert_eq!(cache.len(), before, "the hot path stayed cached");
        assert!(cache
            .get_or_compile("a|$nope", Mode::Read, &|_| false)
            .is_err());
    }

    #[test]
    fn pipelines_group_consecutive_mapping_steps() {
        let program = compile("a|$double[]|$inc[]|$sum|$len[]", Mode::Read, &|_| false);
        let groups = program.ok().and_then(|p| p.transform).map(|t| t.groups);
        assert_eq!(
            groups,
            Some(vec![(true, 0..2), (false, 2..3), (true, 3..4)])
        );
    }
}
