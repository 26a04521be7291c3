//! Syntax tree to program, once per path: filters resolved, `$$root` references parsed, flags precomputed.
//!
//! A [`Program`] is what the evaluator runs. It is independent of the document model, so one
//! compiled path serves every document; [`ProgramCache`] keeps recently compiled ones.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, Hasher};
use std::ops::Range;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::doc::Name;
use crate::error::Error;
use crate::filters::FilterDef;
use crate::literal::Literal;
use crate::stack;
use crate::syntax::{self, Arg, BoolExpr, CmpOp, Mode, Rhs, Selector, TokenKind};

/// A compiled path.
#[derive(Clone, Debug, PartialEq)]
pub struct Program {
    pub(crate) text: Arc<str>,
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

/// A compiled token; [`Step::raw`] is its text, the token of its soft errors.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Step {
    /// The token's text when it is not just its key (a `Get` token is its key: not copied).
    /// Boxed: a step of plain keys stays as small as it was with a `String` here.
    text: Option<Box<syntax::Text>>,
    pub(crate) kind: StepKind,
}

impl Step {
    fn new(raw: syntax::Text, kind: StepKind) -> Step {
        let text = match &kind {
            StepKind::Get(key) if **key == *raw => None,
            _ => Some(Box::new(raw)),
        };
        Step { text, kind }
    }

    /// The token as written.
    pub(crate) fn raw(&self) -> &str {
        match (&self.text, &self.kind) {
            (Some(text), _) => text,
            (None, StepKind::Get(key)) => key,
            (None, _) => "",
        }
    }
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
    if let Some(program) = plain_keys(text, mode) {
        return Ok(program);
    }
    let path = syntax::parse_path_nested(text, mode, custom, depth)?;
    let cx = Compiler { custom, depth };
    Ok(Program {
        text: Arc::from(&*path.text),
        mode,
        steps: path
            .tokens
            .into_iter()
            .map(|token| cx.step(token))
            .collect(),
        transform: path.transform.map(|pipeline| cx.pipe(pipeline)),
    })
}

/// The program of a path made of plain keys only (`a.b_1.c-2`), compiled without building
/// its syntax tree: what [`syntax::parse_path`] and the compiler give for such a path (each
/// piece is a `Get` of itself), at a fraction of the cost. The pieces must be non-empty and
/// hold only ASCII letters, digits, `_` and `-`, none of which start or end another kind
/// of token; anything else (and the root path `.`) takes the general route. The test
/// `plain_paths_compile_as_the_parser_reads_them` holds the two routes equal.
fn plain_keys(text: &str, mode: Mode) -> Option<Program> {
    let bytes = text.as_bytes();
    let mut steps = Vec::with_capacity(1 + bytes.iter().filter(|&&byte| byte == b'.').count());
    let mut start = 0;
    for (index, &byte) in bytes.iter().enumerate() {
        if byte == b'.' {
            steps.push(plain_step(text, start, index)?);
            start = index + 1;
        } else if !(byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-') {
            return None;
        }
    }
    steps.push(plain_step(text, start, bytes.len())?);
    Some(Program {
        text: Arc::from(text),
        mode,
        steps,
        transform: None,
    })
}

/// The `Get` step of the piece `text[start..end]`; None when it is empty.
fn plain_step(text: &str, start: usize, end: usize) -> Option<Step> {
    let key = text.get(start..end).filter(|key| !key.is_empty())?;
    Some(Step {
        text: None,
        kind: StepKind::Get(Name::new(key)),
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
            TokenKind::Get { key } => StepKind::Get(Name::from(key)),
            TokenKind::Select { key, selector } => StepKind::Select {
                key: Name::from(key),
                selector: self.sel(selector),
            },
            TokenKind::Wildcard => StepKind::Wildcard,
            TokenKind::DeepWildcard => StepKind::DeepWildcard,
            TokenKind::Root => StepKind::Root,
            TokenKind::RootSelect { selector } => StepKind::RootSelect(self.sel(selector)),
        };
        Step::new(token.raw, kind)
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
        stack::deeper(|| self.nested().pred_parts(predicate))
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
        stack::deeper(|| self.bool_prog_here(expr))
    }

    fn bool_prog_here(&self, expr: BoolExpr) -> BoolProg {
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

type Entries = HashMap<Arc<str>, (Arc<Program>, u64), PathHashing>;

#[derive(Debug, Default)]
struct CacheInner {
    read: Entries,
    write: Entries,
    /// Every cached program once, oldest first, with the time it was queued.
    queue: VecDeque<(Mode, Arc<str>, u64)>,
    clock: u64,
}

/// The hashing of cached path texts: a seeded multiply-and-fold per 8 bytes, several times
/// cheaper than SipHash on short paths, which it was a tenth of the cost of compiling.
/// The seed is random per cache (from the standard library's random keys), so colliding
/// paths cannot be prepared in advance; and the cache is bounded, so even a crafted set of
/// colliding paths only ever makes a lookup scan the entries it holds.
#[derive(Clone, Debug)]
struct PathHashing {
    seed: u64,
}

impl Default for PathHashing {
    fn default() -> Self {
        PathHashing {
            seed: RandomState::new().hash_one(0x5eed_u64) | 1,
        }
    }
}

impl BuildHasher for PathHashing {
    type Hasher = PathHasher;

    fn build_hasher(&self) -> PathHasher {
        PathHasher { hash: self.seed }
    }
}

struct PathHasher {
    hash: u64,
}

/// The high and low halves of the 128-bit product, folded together.
fn fold_multiply(a: u64, b: u64) -> u64 {
    let product = u128::from(a) * u128::from(b);
    (product as u64) ^ ((product >> 64) as u64)
}

impl Hasher for PathHasher {
    fn write(&mut self, bytes: &[u8]) {
        const MULTIPLIER: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            self.hash = fold_multiply(self.hash ^ u64::from_le_bytes(word), MULTIPLIER);
        }
        let tail = chunks.remainder();
        if !tail.is_empty() {
            let mut word = [0; 8];
            if let Some(prefix) = word.get_mut(..tail.len()) {
                prefix.copy_from_slice(tail);
            }
            // The length keeps "a" and "a\0" apart.
            let word = u64::from_le_bytes(word) ^ ((tail.len() as u64) << 59);
            self.hash = fold_multiply(self.hash ^ word, MULTIPLIER);
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.hash = fold_multiply(self.hash ^ u64::from(byte), 0xa076_1d64_78bd_642f);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
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
            inner.evict_one();
        }
        let now = inner.clock;
        // The key shares the program's copy of the text.
        let key = Arc::clone(&program.text);
        let raced = inner
            .entries_mut(mode)
            .insert(Arc::clone(&key), (Arc::clone(&program), now));
        // Another thread may have cached the same path meanwhile: it is queued already.
        if raced.is_none() {
            inner.queue.push_back((mode, key, now));
        }
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
        inner.queue.clear();
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

    /// Drops one program, the oldest not used since it was queued ("second chance", the
    /// clock approximation of least recently used): a program used since is queued again.
    /// One eviction per insert keeps the cost of each call even, and lets the allocator
    /// reuse the memory of the program it drops for the one it adds; amortized, it is O(1).
    fn evict_one(&mut self) {
        // Each program is queued again at most once per pass, so this ends.
        while let Some((mode, key, queued)) = self.queue.pop_front() {
            let now = self.clock;
            let entries = self.entries_mut(mode);
            match entries.remove(&key) {
                Some((program, used)) if used > queued => {
                    entries.insert(Arc::clone(&key), (program, used));
                    self.queue.push_back((mode, key, now));
                }
                Some(_) => return,
                // Cleared meanwhile: nothing to drop for this one.
                None => {}
            }
        }
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
    fn plain_paths_compile_as_the_parser_reads_them() {
        let general = |text: &str, mode: Mode| -> Option<Program> {
            let path = syntax::parse_path(text, mode, &|_| false).ok()?;
            let cx = Compiler {
                custom: &|_| false,
                depth: 0,
            };
            Some(Program {
                text: Arc::from(&*path.text),
                mode,
                steps: path
                    .tokens
                    .into_iter()
                    .map(|token| cx.step(token))
                    .collect(),
                transform: path.transform.map(|pipeline| cx.pipe(pipeline)),
            })
        };
        let plain = [
            "a",
            "a.b.c",
            "k12.k3.k39",
            "a-b.c_d",
            "_",
            "-",
            "0",
            "007.-1",
            "A.Z.z",
            "a1.b2.c3.d4",
        ];
        for mode in [Mode::Read, Mode::Write] {
            for text in plain {
                let fast = plain_keys(text, mode);
                assert!(fast.is_some(), "{text} is plain");
                assert_eq!(fast, general(text, mode), "{text} in {mode:?}");
            }
        }
        let other = [
            "",
            ".",
            "a.",
            ".a",
            "a..b",
            "a[]",
            "a[0]",
            "*",
            "a.**",
            "$$root",
            "a|$len",
            "a b",
            "a\\n",
            "a\n",
            "é",
            "a.b[?.x==1]",
            "a:b",
            "a'b",
        ];
        for text in other {
            assert!(
                plain_keys(text, Mode::Read).is_none(),
                "{text:?} is not plain"
            );
        }
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
