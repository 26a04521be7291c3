//! Running paths over any [`Document`]: `get`, `exists`, `set`, `unset` and `run_filter` as the reference backend runs them.
//!
//! `read` walks tokens over one current value (reader.py), `predicate` matches `[?...]`
//! items, `pipeline` applies filter pipelines, and `write` plans and applies `set` and
//! `unset` (writer.py); `access` holds what reads and writes share, a value's children for
//! the lifetime of the walk and Python's index and slice positions. Failures inside an
//! evaluation are [`Fail`]s: a soft failure becomes the default, `false` or a strict
//! resolution error at the entry points below.

mod access;
mod pipeline;
mod predicate;
mod read;
mod write;

pub use write::MAX_PADDING;

use std::cell::Cell;
use std::sync::Arc;

use crate::compile::{self, ArgProg, Program, ProgramCache};
use crate::doc::Document;
use crate::error::{Error, EvalError};
use crate::stack;
use crate::syntax::{Mode, MAX_NESTING};

/// What one engine lends to every evaluation: its custom filters and its program cache.
pub struct Ctx<'a, D: Document> {
    /// The custom filters `$name` may call.
    pub registry: &'a D::Registry,
    /// Where compiled paths are kept.
    pub cache: &'a ProgramCache,
}

impl<D: Document> Ctx<'_, D> {
    /// The compiled `text`, from the cache or compiled now.
    pub fn program(&self, text: &str, mode: Mode) -> Result<Arc<Program>, Error> {
        self.cache
            .get_or_compile(text, mode, &|name| D::has_custom(self.registry, name))
    }
}

/// The keyword arguments of `set`, with Python's defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SetOptions {
    /// The path up to the parent must resolve with read semantics (default false).
    pub strict: bool,
    /// Create missing keys, list items and containers (default true).
    pub create_missing: bool,
    /// Append an item for an unmatched `[?.key==value]` (default true).
    pub create_filter_match: bool,
    /// Replace values that are in the way with containers (default true).
    pub overwrite_incompatible: bool,
}

impl Default for SetOptions {
    fn default() -> Self {
        SetOptions {
            strict: false,
            create_missing: true,
            create_filter_match: true,
            overwrite_incompatible: true,
        }
    }
}

/// The compiled `path` for `get`, `exists` (`Mode::Read`), `set` and `unset` (`Mode::Write`),
/// from `ctx`'s cache: what the `*_compiled` entry points take, for a host that keeps
/// compiled paths of its own in front of the cache.
pub fn program<D: Document>(
    ctx: &Ctx<'_, D>,
    path: &str,
    mode: Mode,
) -> Result<Arc<Program>, Error> {
    ctx.program(path, mode)
        .map_err(|error| restamp(error, path))
}

/// `get(data, path, default, strict=...)`: the value `path` selects, or `default` when it
/// does not resolve (a resolution error when `strict`).
pub fn get<D: Document>(
    ctx: &Ctx<'_, D>,
    doc: &D,
    path: &str,
    default: D,
    strict: bool,
) -> Result<D, EvalError<D::Foreign>> {
    match program(ctx, path, Mode::Read) {
        Ok(program) => get_compiled(ctx, doc, &program, default, strict),
        Err(error) => {
            default.discard();
            Err(EvalError::Path(error))
        }
    }
}

/// [`get`] with the path compiled by [`program`] (in `Mode::Read`).
pub fn get_compiled<D: Document>(
    ctx: &Ctx<'_, D>,
    doc: &D,
    program: &Program,
    default: D,
    strict: bool,
) -> Result<D, EvalError<D::Foreign>> {
    let path = program.text();
    let env = Env::new(ctx, doc, path, true);
    let result = read::resolve(&env, program);
    match result {
        Ok(value) => {
            // The caller's default may be any depth; it is let go without recursion.
            default.discard();
            Ok(value)
        }
        Err(Fail::Soft(_)) if !strict => Ok(default),
        Err(fail) => {
            default.discard();
            Err(fail.into_eval_error(path))
        }
    }
}

/// `exists(data, path, strict=...)`: whether `get(data, path, strict=True)` would succeed.
pub fn exists<D: Document>(
    ctx: &Ctx<'_, D>,
    doc: &D,
    path: &str,
    strict: bool,
) -> Result<bool, EvalError<D::Foreign>> {
    let program = program(ctx, path, Mode::Read)?;
    exists_compiled(ctx, doc, &program, strict)
}

/// [`exists`] with the path compiled by [`program`] (in `Mode::Read`).
pub fn exists_compiled<D: Document>(
    ctx: &Ctx<'_, D>,
    doc: &D,
    program: &Program,
    strict: bool,
) -> Result<bool, EvalError<D::Foreign>> {
    let path = program.text();
    let env = Env::new(ctx, doc, path, true);
    match read::check(&env, program) {
        Ok(()) => Ok(true),
        Err(Fail::Soft(_)) if !strict => Ok(false),
        Err(fail) => Err(fail.into_eval_error(path)),
    }
}

/// `set(data, path, value, ...)`: writes `value` at `path`, in place. A failing `set`
/// leaves `doc` unchanged: everything that can fail happens before the first change.
pub fn set<D: Document>(
    ctx: &Ctx<'_, D>,
    doc: &mut D,
    path: &str,
    value: D,
    options: &SetOptions,
) -> Result<(), EvalError<D::Foreign>> {
    match program(ctx, path, Mode::Write) {
        Ok(program) => set_compiled(ctx, doc, &program, value, options),
        Err(error) => {
            value.discard();
            Err(EvalError::Path(error))
        }
    }
}

/// [`set`] with the path compiled by [`program`] (in `Mode::Write`).
pub fn set_compiled<D: Document>(
    ctx: &Ctx<'_, D>,
    doc: &mut D,
    program: &Program,
    value: D,
    options: &SetOptions,
) -> Result<(), EvalError<D::Foreign>> {
    let path = program.text();
    let plan = {
        let env = Env::new(ctx, &*doc, path, true);
        write::plan_set(&env, ctx.registry, program, value, options)
            .map_err(|fail| fail.into_eval_error(path))?
    };
    plan.apply(doc);
    Ok(())
}

/// `unset(data, path, strict=...)`: removes what `path` selects, in place; a failing
/// `unset` leaves `doc` unchanged.
pub fn unset<D: Document>(
    ctx: &Ctx<'_, D>,
    doc: &mut D,
    path: &str,
    strict: bool,
) -> Result<(), EvalError<D::Foreign>> {
    let program = program(ctx, path, Mode::Write)?;
    unset_compiled(ctx, doc, &program, strict)
}

/// [`unset`] with the path compiled by [`program`] (in `Mode::Write`).
pub fn unset_compiled<D: Document>(
    ctx: &Ctx<'_, D>,
    doc: &mut D,
    program: &Program,
    strict: bool,
) -> Result<(), EvalError<D::Foreign>> {
    let path = program.text();
    let plan = {
        let env = Env::new(ctx, &*doc, path, true);
        write::plan_unset(&env, ctx.registry, program, strict)
            .map_err(|fail| fail.into_eval_error(path))?
    };
    plan.apply(doc);
    Ok(())
}

/// `run_filter_function(pipeline, value)`: applies a pipeline such as `"$add(2)|$string"`
/// to one value. Filter errors are not soft here: they reach the caller as the model's own.
pub fn run_filter<D: Document>(
    ctx: &Ctx<'_, D>,
    pipeline: &str,
    value: &D,
) -> Result<D, EvalError<D::Foreign>> {
    let custom = |name: &str| D::has_custom(ctx.registry, name);
    let pipe = compile::compile_pipeline(pipeline, None, &custom)?;
    if pipe
        .calls
        .iter()
        .any(|call| call.args.iter().any(|arg| matches!(arg, ArgProg::Root(_))))
    {
        let repr = crate::pyfmt::str_repr(pipeline);
        let message = "'$$root' arguments need a document; use get().";
        return Err(EvalError::Path(Error::parse(&repr, None, message)));
    }
    let env = Env::new(ctx, value, pipeline, false);
    pipeline::apply(&env, &pipe, std::borrow::Cow::Borrowed(value))
        .and_then(|out| access::own(out))
        .map_err(|fail| fail.into_eval_error(pipeline))
}

/// The depth-limit error names the path of the call, as the reference backend's guard does.
fn restamp(mut error: Error, path: &str) -> Error {
    if error.is_too_deep() {
        path.clone_into(&mut error.path);
    }
    error
}

/// One evaluation: the engine, the document root, the path of the call, and whether
/// built-in filter failures are soft (they are in paths, not in `run_filter`).
pub(crate) struct Env<'a, D: Document> {
    pub(crate) ctx: &'a Ctx<'a, D>,
    pub(crate) root: &'a D,
    pub(crate) path: &'a str,
    pub(crate) soft: bool,
    /// How many predicates (and selector paths of filters) are being evaluated, one inside
    /// the other: evaluation recurses once per level.
    nesting: Cell<usize>,
}

impl<'a, D: Document> Env<'a, D> {
    fn new(ctx: &'a Ctx<'a, D>, root: &'a D, path: &'a str, soft: bool) -> Self {
        Env {
            ctx,
            root,
            path,
            soft,
            nesting: Cell::new(0),
        }
    }

    /// The same evaluation with another root, one level deeper: what `$sort_by('a.b')`
    /// reads items with (its selector path may hold predicates of its own).
    pub(crate) fn with_root<'b>(&'b self, root: &'b D) -> Env<'b, D> {
        let nesting = Cell::new(self.nesting.get() + 1);
        Env {
            ctx: self.ctx,
            root,
            path: self.path,
            soft: true,
            nesting,
        }
    }

    /// Runs `f` one nesting level deeper; past [`MAX_NESTING`] levels, the depth-limit error.
    pub(crate) fn nested<R>(
        &self,
        f: impl FnOnce() -> Result<R, Fail<D::Foreign>>,
    ) -> Result<R, Fail<D::Foreign>> {
        let level = self.nesting.get() + 1;
        if level > MAX_NESTING {
            return Err(too_deep());
        }
        self.nesting.set(level);
        let result = stack::deeper(f);
        self.nesting.set(level - 1);
        result
    }
}

/// A set of [`Document::identity`] values: `**` enters each container once.
///
/// Open addressing with linear probing over a power-of-two table of addresses, hashed with
/// one multiplication: the set only ever holds the addresses of one document's containers
/// (not keys an attacker chooses), and it is only added to. With SipHash and the standard
/// table it made up a third of the time of a `**` walk.
pub(crate) struct IdentitySet {
    /// 0 marks a free slot; identity 0 itself is kept in `zero`.
    slots: Vec<usize>,
    len: usize,
    zero: bool,
}

impl IdentitySet {
    pub(crate) fn new() -> IdentitySet {
        IdentitySet {
            slots: vec![0; 256],
            len: 0,
            zero: false,
        }
    }

    /// Empties the set, keeping its table.
    pub(crate) fn clear(&mut self) {
        if self.len > 0 {
            self.slots.fill(0);
            self.len = 0;
        }
        self.zero = false;
    }

    /// Adds `id`; false when it was already there.
    pub(crate) fn insert(&mut self, id: usize) -> bool {
        if id == 0 {
            return !std::mem::replace(&mut self.zero, true);
        }
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        if place(&mut self.slots, id) {
            self.len += 1;
            true
        } else {
            false
        }
    }

    fn grow(&mut self) {
        let doubled = vec![0; self.slots.len() * 2];
        let old = std::mem::replace(&mut self.slots, doubled);
        for id in old.into_iter().filter(|&id| id != 0) {
            place(&mut self.slots, id);
        }
    }
}

/// Puts `id` (not 0) into a table with a free slot; false when it is there already.
fn place(slots: &mut [usize], id: usize) -> bool {
    let mask = slots.len() - 1;
    // Fibonacci hashing; the high half is folded in, so the slot depends on every bit.
    let product = (id as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let mut index = ((product ^ (product >> 29)) as usize) & mask;
    loop {
        match slots.get_mut(index) {
            Some(slot) if *slot == 0 => {
                *slot = id;
                return true;
            }
            Some(slot) if *slot == id => return false,
            Some(_) => index = (index + 1) & mask,
            // Unreachable: the index is masked to the table.
            None => return false,
        }
    }
}

/// Why an evaluation step failed.
pub(crate) enum Fail<F> {
    /// A soft failure (spec 3): `default`, `false`, or a resolution error when strict.
    Soft(Soft),
    /// A dictwalk error that is never soft.
    Error(Error),
    /// The document model's own error, passed through.
    Foreign(F),
}

/// A soft failure at `token`, with a message such as `KeyError: 'a'`.
pub(crate) struct Soft {
    pub(crate) token: Option<String>,
    pub(crate) message: String,
}

pub(crate) fn soft<F>(token: &str, message: String) -> Fail<F> {
    Fail::Soft(Soft {
        token: Some(token.to_owned()),
        message,
    })
}

/// The depth-limit failure; its path is filled in at the entry point.
pub(crate) fn too_deep<F>() -> Fail<F> {
    Fail::Error(Error::too_deep(""))
}

impl<F> Fail<F> {
    fn into_eval_error(self, path: &str) -> EvalError<F> {
        match self {
            Fail::Soft(soft) => {
                EvalError::Path(Error::resolution(path, soft.token.as_deref(), soft.message))
            }
            Fail::Error(error) => EvalError::Path(restamp(error, path)),
            Fail::Foreign(foreign) => EvalError::Foreign(foreign),
        }
    }
}
