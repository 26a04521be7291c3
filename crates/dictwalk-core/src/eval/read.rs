//! Reads (reader.py): walk the tokens over one current value; fan-out tokens leave a list.
//!
//! The current value is either one value or the items of a list that a fan-out token made
//! (`*`, `k[]`, plucks, slices, predicates, `**`). Those items are kept as borrowed children
//! and only copied into a real list when a caller needs the value, so a walk through a tree
//! copies nothing but its result.

use std::borrow::Cow;

use super::access::{
    child_of, children_of, identity_of, item_of, normalize_index, own, slice_range, take_range,
};
use super::{predicate, soft, Env, Fail, IdentitySet};
use crate::compile::{Pred, Program, Sel, Step, StepKind};
use crate::doc::{Document, Kind, Name};
use crate::pyfmt;

type Failed<D> = Fail<<D as Document>::Foreign>;

/// The current value of a walk.
pub(crate) enum Cur<'x, D: Document> {
    /// One value.
    One(Cow<'x, D>),
    /// A list made by a fan-out token, as its items.
    Many(Vec<Cow<'x, D>>),
}

/// The value `program` selects in the root, output transform applied (reader.resolve).
pub(crate) fn resolve<D: Document>(env: &Env<'_, D>, program: &Program) -> Result<D, Failed<D>> {
    resolve_then(env, program, |failed| failed)
}

/// [`resolve`], with a failure of the path's steps (not of its transform) passed through
/// `walk_failed`: a `$$root` right-hand side that does not resolve is an error, one whose
/// transform fails is soft.
pub(crate) fn resolve_then<D: Document>(
    env: &Env<'_, D>,
    program: &Program,
    walk_failed: impl FnOnce(Failed<D>) -> Failed<D>,
) -> Result<D, Failed<D>> {
    let cur = walk(env, Cur::One(Cow::Borrowed(env.root)), &program.steps).map_err(walk_failed)?;
    match &program.transform {
        None => into_value(env.ctx.registry, cur),
        Some(pipe) => own(super::pipeline::apply(
            env,
            pipe,
            into_cow(env.ctx.registry, cur)?,
        )?),
    }
}

/// Whether `program` resolves, without copying what it selects unless a transform needs it.
pub(crate) fn check<D: Document>(env: &Env<'_, D>, program: &Program) -> Result<(), Failed<D>> {
    let cur = walk(env, Cur::One(Cow::Borrowed(env.root)), &program.steps)?;
    if let Some(pipe) = &program.transform {
        super::pipeline::apply(env, pipe, into_cow(env.ctx.registry, cur)?)?;
    }
    Ok(())
}

/// Applies read tokens one after the other, starting from `cur`.
pub(crate) fn walk<'a: 'x, 'x, D: Document>(
    env: &Env<'a, D>,
    mut cur: Cur<'x, D>,
    steps: &[Step],
) -> Result<Cur<'x, D>, Failed<D>> {
    let mut rest = steps;
    // The commonest steps, keys into dicts, first, without the general step's dispatch.
    while let (Some((step, tail)), Cur::One(value)) = (rest.split_first(), &cur) {
        let StepKind::Get(key) = &step.kind else {
            break;
        };
        if value.kind() != Kind::Map {
            break;
        }
        match child_of(value, key)? {
            Some(child) => cur = Cur::One(child),
            None => return Err(key_error(step.raw(), key)),
        }
        rest = tail;
    }
    while let Some((step, tail)) = rest.split_first() {
        rest = tail;
        // `**.key` picks the key from each dict while the walk visits it, rather than
        // collecting every descendant first: the same values, in the same order.
        if let (StepKind::DeepWildcard, Some((next, after))) = (&step.kind, tail.split_first()) {
            if let StepKind::Get(key) = &next.kind {
                cur = deep_pluck(cur, key, step.raw())?;
                rest = after;
                continue;
            }
        }
        cur = apply_step(env, cur, step)?;
    }
    Ok(cur)
}

fn key_error<F>(raw: &str, key: &str) -> Fail<F> {
    soft(raw, format!("KeyError: {}", pyfmt::str_repr(key)))
}

// Each token kind has its own function: nested predicates recurse through `apply_step`, so
// it stays small (debug builds give a function one stack slot per temporary of every arm).
fn apply_step<'a: 'x, 'x, D: Document>(
    env: &Env<'a, D>,
    cur: Cur<'x, D>,
    step: &Step,
) -> Result<Cur<'x, D>, Failed<D>> {
    let raw = step.raw();
    match &step.kind {
        StepKind::Get(key) => get_step(cur, key, raw),
        StepKind::Select { key, selector } => match selector {
            Sel::Each => each_step(cur, key, raw),
            Sel::Index { value, text } => index_step(cur, key, *value, text, raw),
            Sel::Slice { start, stop } => slice_step(cur, key, *start, *stop, raw),
            Sel::Filter(pred) => filter_step(env, cur, key, pred, raw),
        },
        StepKind::Wildcard => wildcard_step(cur, raw),
        StepKind::DeepWildcard => deep_step(cur, raw),
        StepKind::Root => Ok(Cur::One(Cow::Borrowed(env.root))),
        StepKind::RootSelect(selector) => root_select(env, selector, raw),
    }
}

/// `key`: a dict key, or a pluck from every dict of a list.
fn get_step<'x, D: Document>(
    cur: Cur<'x, D>,
    key: &Name,
    raw: &str,
) -> Result<Cur<'x, D>, Failed<D>> {
    match cur {
        Cur::One(value) => match value.kind() {
            Kind::Map => match child_of(&value, key)? {
                Some(child) => Ok(Cur::One(child)),
                None => Err(key_error(raw, key)),
            },
            Kind::List => Ok(Cur::Many(pluck(children_of(&value)?, key)?)),
            Kind::Other => Err(soft(
                raw,
                format!("TypeError: Key '{key}' not found in current context."),
            )),
        },
        Cur::Many(items) => Ok(Cur::Many(pluck(items, key)?)),
    }
}

/// `key[]` (in reads it sits on the collected field): a pluck from a list.
fn each_step<'x, D: Document>(
    cur: Cur<'x, D>,
    key: &Name,
    raw: &str,
) -> Result<Cur<'x, D>, Failed<D>> {
    match list_items(cur)? {
        Ok(items) => Ok(Cur::Many(pluck(items, key)?)),
        Err(found) => Err(soft(
            raw,
            format!("TypeError: Expected a list for key '{key}', got {found}."),
        )),
    }
}

/// `key[i]`: Python indexing of the list under `key`; out of range is soft (spec 9.2).
fn index_step<'x, D: Document>(
    cur: Cur<'x, D>,
    key: &Name,
    index: i64,
    text: &str,
    raw: &str,
) -> Result<Cur<'x, D>, Failed<D>> {
    let list = keyed_list(cur, key, raw)?;
    match normalize_index(index, list.len()) {
        Some(index) => match item_of(&list, index)? {
            Some(item) => Ok(Cur::One(item)),
            None => Err(index_error(raw, text)),
        },
        None => Err(index_error(raw, text)),
    }
}

/// `key[a:b]`: Python slicing of the list under `key`.
fn slice_step<'x, D: Document>(
    cur: Cur<'x, D>,
    key: &Name,
    start: Option<i64>,
    stop: Option<i64>,
    raw: &str,
) -> Result<Cur<'x, D>, Failed<D>> {
    let list = keyed_list(cur, key, raw)?;
    let range = slice_range(list.len(), start, stop);
    Ok(Cur::Many(take_range(children_of(&list)?, range)))
}

/// `key[?pred]`: on a dict, the matching items of `d.get(key, [])`; otherwise of the
/// current value itself.
fn filter_step<'a: 'x, 'x, D: Document>(
    env: &Env<'a, D>,
    cur: Cur<'x, D>,
    key: &Name,
    pred: &Pred,
    raw: &str,
) -> Result<Cur<'x, D>, Failed<D>> {
    let items = match cur {
        Cur::One(value) if value.kind() == Kind::Map => match child_of(&value, key)? {
            Some(child) => list_items(Cur::One(child))?,
            None => Ok(Vec::new()),
        },
        other => list_items(other)?,
    };
    match items {
        Ok(items) => Ok(Cur::Many(predicate::select(env, items, pred, raw)?)),
        Err(found) => Err(soft(
            raw,
            format!("TypeError: Expected a list for predicate '{raw}', got {found}."),
        )),
    }
}

/// `*`: a dict's values or a list's items.
fn wildcard_step<'x, D: Document>(cur: Cur<'x, D>, raw: &str) -> Result<Cur<'x, D>, Failed<D>> {
    match cur {
        Cur::One(value) if value.kind() != Kind::Other => {
            let children = children_of(&value)?;
            #[cfg(feature = "inject-slowdown")]
            injected_work(children.len());
            Ok(Cur::Many(children))
        }
        Cur::One(value) => Err(soft(
            raw,
            format!(
                "TypeError: Expected dict or list for wildcard '*', got {}.",
                value.type_name()
            ),
        )),
        many @ Cur::Many(_) => Ok(many),
    }
}

/// The `inject-slowdown` feature's extra work: `DICTWALK_INJECT_SPIN` (fixed when the crate is
/// compiled) iterations per item of a `*` step. Test builds only.
#[cfg(feature = "inject-slowdown")]
fn injected_work(items: usize) {
    let spin: u64 = option_env!("DICTWALK_INJECT_SPIN")
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let mut x = 0u64;
    for i in 0..spin.saturating_mul(items as u64) {
        x = std::hint::black_box(x.wrapping_add(i));
    }
}

/// `**`: every descendant.
fn deep_step<'x, D: Document>(cur: Cur<'x, D>, raw: &str) -> Result<Cur<'x, D>, Failed<D>> {
    let (children, start) = deep_start(cur, raw)?;
    Ok(Cur::Many(descendants(children, start)?))
}

/// `**.key`: the `**` step and the pluck of `key` from the descendants, in one walk.
fn deep_pluck<'x, D: Document>(
    cur: Cur<'x, D>,
    key: &Name,
    raw: &str,
) -> Result<Cur<'x, D>, Failed<D>> {
    let (children, start) = deep_start(cur, raw)?;
    let mut out = Vec::new();
    visit_descendants(children, start, |value| {
        if value.kind() == Kind::Map {
            if let Some(child) = child_of(&value, key)? {
                out.push(child);
            }
        }
        Ok(())
    })?;
    Ok(Cur::Many(out))
}

/// Where `**` starts: the children of the current value (or the items of a fan-out) and
/// the identity of the value it starts from.
#[allow(clippy::type_complexity)] // reason: the two halves of one answer
fn deep_start<'x, D: Document>(
    cur: Cur<'x, D>,
    raw: &str,
) -> Result<(Vec<Cow<'x, D>>, Option<usize>), Failed<D>> {
    match cur {
        Cur::One(value) if value.kind() != Kind::Other => {
            let start = identity_of(&value);
            Ok((children_of(&value)?, start))
        }
        Cur::One(value) => Err(soft(
            raw,
            format!(
                "TypeError: Expected dict or list for wildcard '**', got {}.",
                value.type_name()
            ),
        )),
        Cur::Many(items) => Ok((items, None)),
    }
}

fn root_select<'a: 'x, 'x, D: Document>(
    env: &Env<'a, D>,
    selector: &Sel,
    raw: &str,
) -> Result<Cur<'x, D>, Failed<D>> {
    let root: &'x D = env.root;
    if root.kind() != Kind::List {
        let found = root.type_name();
        return Err(soft(
            raw,
            format!("TypeError: Expected a list at the root, got {found}."),
        ));
    }
    match selector {
        // The root list itself, as in 2.6.0 (spec 1.1): every later step reads its items as
        // it would read those of a fan-out, and a bare `.[]` gives the list, not a copy.
        Sel::Each => Ok(Cur::One(Cow::Borrowed(root))),
        Sel::Index { value, text } => {
            match normalize_index(*value, root.len()).and_then(|index| root.item(index)) {
                Some(item) => Ok(Cur::One(item)),
                None => Err(index_error(raw, text)),
            }
        }
        Sel::Slice { start, stop } => Ok(Cur::Many(take_range(
            root.children(),
            slice_range(root.len(), *start, *stop),
        ))),
        Sel::Filter(pred) => Ok(Cur::Many(predicate::select(
            env,
            root.children(),
            pred,
            raw,
        )?)),
    }
}

fn index_error<F>(raw: &str, text: &str) -> Fail<F> {
    soft(raw, format!("IndexError: list index {text} out of range."))
}

/// `value[key]` for Index and Slice tokens, which need a dict holding a list.
fn keyed_list<'x, D: Document>(
    cur: Cur<'x, D>,
    key: &Name,
    raw: &str,
) -> Result<Cow<'x, D>, Failed<D>> {
    let value = match cur {
        Cur::One(value) if value.kind() == Kind::Map => value,
        Cur::One(value) => {
            let found = value.type_name();
            return Err(soft(
                raw,
                format!("TypeError: Expected a dict for key '{key}', got {found}."),
            ));
        }
        Cur::Many(_) => {
            return Err(soft(
                raw,
                format!("TypeError: Expected a dict for key '{key}', got list."),
            ));
        }
    };
    let Some(list) = child_of(&value, key)? else {
        return Err(key_error(raw, key));
    };
    if list.kind() != Kind::List {
        let found = list.type_name();
        return Err(soft(
            raw,
            format!("TypeError: Expected a list for key '{key}', got {found}."),
        ));
    }
    Ok(list)
}

/// The items of a list value; otherwise the type name of what was found.
fn list_items<'x, D: Document>(
    cur: Cur<'x, D>,
) -> Result<Result<Vec<Cow<'x, D>>, String>, Failed<D>> {
    match cur {
        Cur::Many(items) => Ok(Ok(items)),
        Cur::One(value) if value.kind() == Kind::List => Ok(Ok(children_of(&value)?)),
        Cur::One(value) => Ok(Err(value.type_name().into_owned())),
    }
}

/// `[item[key] for item in items if isinstance(item, dict) and key in item]`.
fn pluck<'x, D: Document>(
    items: Vec<Cow<'x, D>>,
    key: &Name,
) -> Result<Vec<Cow<'x, D>>, Failed<D>> {
    let mut out = Vec::with_capacity(items.len());
    for item in &items {
        if item.kind() == Kind::Map {
            if let Some(child) = child_of(item, key)? {
                out.push(child);
            }
        }
    }
    Ok(out)
}

/// Every value below the start, depth-first pre-order, containers included (spec 3).
///
/// Iterative, so depth costs no recursion, and each container is entered once below each
/// child of the start, so a document that contains itself ends (spec 9.6). `children` are the start's children and
/// `start` its identity.
pub(crate) fn descendants<'x, D: Document>(
    children: Vec<Cow<'x, D>>,
    start: Option<usize>,
) -> Result<Vec<Cow<'x, D>>, Failed<D>> {
    let mut out = Vec::new();
    visit_descendants(children, start, |value| {
        out.push(value);
        Ok(())
    })?;
    Ok(out)
}

/// [`descendants`], handed to `visit` one by one in order (a container before its children
/// are read).
fn visit_descendants<'x, D: Document>(
    children: Vec<Cow<'x, D>>,
    start: Option<usize>,
    mut visit: impl FnMut(Cow<'x, D>) -> Result<(), Failed<D>>,
) -> Result<(), Failed<D>> {
    let mut seen = IdentitySet::new();
    if let Some(start) = start {
        seen.insert(start);
    }
    // Values still to visit, the next one last: a container's children go on top of it in
    // reverse order, so the walk is the same pre-order as nested loops would give.
    let mut stack = children;
    stack.reverse();
    // The start's children still to visit are `stack[..top]`, under everything pushed later.
    let mut top = stack.len();
    let mut owned = Vec::new();
    while let Some(child) = stack.pop() {
        if stack.len() < top {
            // Each child of the start is walked afresh: `**.**` repeats what the first `**`
            // found, as consecutive steps compose in 2.6.0 (spec 9, as reader.descendants).
            top = stack.len();
            seen.clear();
            if let Some(start) = start {
                seen.insert(start);
            }
        }
        if child.kind() == Kind::Other {
            visit(child)?;
            continue;
        }
        if let Some(id) = identity_of(&child) {
            if !seen.insert(id) {
                continue;
            }
        }
        let mark = stack.len();
        match &child {
            Cow::Owned(value) if value.push_children(&mut owned) => {
                stack.extend(owned.drain(..).map(Cow::Owned));
            }
            _ => stack.extend(children_of(&child)?),
        }
        if let Some(added) = stack.get_mut(mark..) {
            added.reverse();
        }
        visit(child)?;
    }
    Ok(())
}

/// The current value as one value: a fan-out becomes a new list of its items.
pub(crate) fn into_cow<'x, D: Document>(
    registry: &D::Registry,
    cur: Cur<'x, D>,
) -> Result<Cow<'x, D>, Failed<D>> {
    match cur {
        Cur::One(value) => Ok(value),
        Cur::Many(items) => {
            let items = items.into_iter().map(own).collect::<Result<Vec<D>, _>>()?;
            Ok(Cow::Owned(D::list(registry, items)))
        }
    }
}

pub(crate) fn into_value<D: Document>(
    registry: &D::Registry,
    cur: Cur<'_, D>,
) -> Result<D, Failed<D>> {
    own(into_cow(registry, cur)?)
}
