//! Writes through plain keys (`a.b.c`, and for `set` also `key[]` fan-outs), planned directly as the changes they come to.

use std::borrow::Cow;

use super::plan::Plan;
use super::{Failed, Key};
use crate::compile::{Pipe, Sel, Step, StepKind};
use crate::doc::{Document, Kind, Name, Seg};
use crate::error::Error;
use crate::eval::{access, pipeline, too_deep, Env, Fail, SetOptions};

/// A planned write: the general plan, or the changes a plain write comes to.
pub(crate) enum Planned<'r, D: Document> {
    /// Any write.
    General(Plan<'r, D>),
    /// A write whose path is plain keys (`a.b.c`, and for `set` also `key[]` fan-outs)
    /// through dicts and lists that are all there, in a shared model: changes to the dicts
    /// it reaches, made through their own handles in the order they were planned.
    Direct(Direct<D>),
}

/// The changes of a plain write, in order.
pub(crate) enum Direct<D: Document> {
    /// `container[seg] = value`.
    SetOne(D, Seg<Key<D>>, D),
    /// `container[seg] = value`, for each.
    Set(Vec<(D, Seg<Key<D>>, D)>),
    /// `del container[seg]`.
    Remove(D, Seg<Key<D>>),
    /// The write changes nothing.
    Nothing,
}

impl<D: Document> Planned<'_, D> {
    /// Applies the write to `root`. Cannot fail: everything was checked while planning.
    pub(crate) fn apply(self, root: &mut D) {
        match self {
            Planned::General(plan) => plan.apply(root),
            Planned::Direct(Direct::SetOne(mut container, seg, value)) => {
                container.set_child(&seg, value)
            }
            Planned::Direct(Direct::Set(changes)) => {
                for (mut container, seg, value) in changes {
                    container.set_child(&seg, value);
                }
            }
            Planned::Direct(Direct::Remove(mut container, seg)) => container.remove_child(&seg),
            Planned::Direct(Direct::Nothing) => {}
        }
    }
}

/// The dict that the keys `steps` lead to from the root when each of them is there and
/// holds a dict, with the last step's key; None when the path is more than plain keys,
/// or the model is a tree (whose containers cannot be changed through a handle).
fn plain_keys<'a, D: Document>(
    env: &Env<'a, D>,
    steps: &'a [Step],
) -> Result<Option<(Cow<'a, D>, &'a Name)>, Failed<D>> {
    let Some((last, parents)) = steps.split_last() else {
        return Ok(None);
    };
    let StepKind::Get(last_key) = &last.kind else {
        return Ok(None);
    };
    if !D::SHARED {
        return Ok(None);
    }
    let mut current = Cow::Borrowed(env.root);
    for step in parents {
        let StepKind::Get(key) = &step.kind else {
            return Ok(None);
        };
        if current.kind() != Kind::Map {
            return Ok(None);
        }
        match access::child_of(&current, key)? {
            Some(child) => current = child,
            None => return Ok(None),
        }
    }
    Ok((current.kind() == Kind::Map).then_some((current, last_key)))
}

/// The dicts a plain write changes, and the key it writes in each.
type Targets<'a, D> = (Vec<Cow<'a, D>>, &'a Name);

/// The dicts that `steps` (but the last) lead to from the root through plain keys and
/// `key[]` fan-outs, in the order the planner reaches them, with the last step's key; None
/// unless every key on the way is there and holds a dict, every `key[]` list is there, is
/// not empty and holds only dicts, and the last step is a plain key, or when the model is
/// a tree. Nothing but reads happens here, so the general planner can take over after a None.
fn fanned_keys<'a, D: Document>(
    env: &Env<'a, D>,
    steps: &'a [Step],
) -> Result<Option<Targets<'a, D>>, Failed<D>> {
    let Some((last, parents)) = steps.split_last() else {
        return Ok(None);
    };
    let StepKind::Get(last_key) = &last.kind else {
        return Ok(None);
    };
    if !D::SHARED {
        return Ok(None);
    }
    let mut frontier = vec![Cow::Borrowed(env.root)];
    for step in parents {
        let mut next = Vec::with_capacity(frontier.len());
        for value in &frontier {
            if value.kind() != Kind::Map {
                return Ok(None);
            }
            let (key, each) = match &step.kind {
                StepKind::Get(key) => (key, false),
                StepKind::Select {
                    key,
                    selector: Sel::Each,
                } => (key, true),
                _ => return Ok(None),
            };
            let Some(child) = access::child_of(value, key)? else {
                return Ok(None);
            };
            if !each {
                next.push(child);
                continue;
            }
            if child.kind() != Kind::List || child.is_empty() {
                return Ok(None);
            }
            next.extend(access::children_of(&child)?);
        }
        frontier = next;
    }
    if frontier.iter().any(|value| value.kind() != Kind::Map) {
        return Ok(None);
    }
    Ok(Some((frontier, last_key)))
}

/// `set` through plain keys and `key[]` fan-outs, as the planner would record it:
/// `write_key` on each dict it reaches, the values computed from the old ones in that
/// order, and one `container[key] = value` each.
pub(super) fn direct_set<D: Document>(
    env: &Env<'_, D>,
    plan: &mut Plan<'_, D>,
    steps: &[Step],
    pipe: Option<&Pipe>,
    options: &SetOptions,
) -> Result<Option<Direct<D>>, Failed<D>> {
    let fans_out = steps
        .iter()
        .any(|step| matches!(step.kind, StepKind::Select { .. }));
    if !fans_out {
        // One dict: found, and changed, without the lists a fan-out needs.
        let Some((container, key)) = plain_keys(env, steps)? else {
            return Ok(None);
        };
        let Some(value) = direct_value(env, plan, &container, key, pipe, options, None)? else {
            return Ok(Some(Direct::Nothing));
        };
        let seg = Seg::Key(D::key(plan.registry, key));
        return Ok(Some(Direct::SetOne(access::own(container)?, seg, value)));
    }
    let Some((containers, key)) = fanned_keys(env, steps)? else {
        return Ok(None);
    };
    let mut changes: Vec<(D, Seg<Key<D>>, D)> = Vec::with_capacity(containers.len());
    for container in containers {
        let first = changes.first().map(|(_, _, value)| value);
        if let Some(value) = direct_value(env, plan, &container, key, pipe, options, first)? {
            let seg = Seg::Key(D::key(plan.registry, key));
            changes.push((access::own(container)?, seg, value));
        }
    }
    Ok(Some(Direct::Set(changes)))
}

/// `write_key` at the end of a plain write: the value for `container[key]`, computed from
/// the old one; None when the key is missing and may not be created. The value given to
/// `set` goes to the first change, and the same object again to the later ones (`first`).
#[allow(clippy::ptr_arg)] // reason: an owned container's child is lifted to the walk's lifetime
fn direct_value<D: Document>(
    env: &Env<'_, D>,
    plan: &mut Plan<'_, D>,
    container: &Cow<'_, D>,
    key: &Name,
    pipe: Option<&Pipe>,
    options: &SetOptions,
    first: Option<&D>,
) -> Result<Option<D>, Failed<D>> {
    let existing = access::child_of(container, key)?;
    if existing.is_none() && !options.create_missing {
        return Ok(None);
    }
    let Some(pipe) = pipe else {
        let value = match (plan.given.take(), first) {
            (Some(given), _) => given,
            (None, Some(first)) => first.copy_value().ok_or_else(too_deep)?,
            (None, None) => D::null(plan.registry),
        };
        return Ok(Some(value));
    };
    let old = existing.unwrap_or_else(|| Cow::Owned(D::null(plan.registry)));
    match pipeline::apply(env, pipe, old) {
        Ok(value) => Ok(Some(access::own(value)?)),
        Err(Fail::Soft(soft)) => Err(Fail::Error(Error::resolution(
            env.path,
            soft.token.as_deref(),
            soft.message,
        ))),
        Err(other) => Err(other),
    }
}

/// `unset` through plain keys: `del container[key]` when the key is there.
pub(super) fn direct_unset<D: Document>(
    env: &Env<'_, D>,
    registry: &D::Registry,
    steps: &[Step],
) -> Result<Option<Direct<D>>, Failed<D>> {
    let Some((container, key)) = plain_keys(env, steps)? else {
        return Ok(None);
    };
    if access::child_of(&container, key)?.is_none() {
        return Ok(Some(Direct::Nothing));
    }
    let seg = Seg::Key(D::key(registry, key));
    Ok(Some(Direct::Remove(access::own(container)?, seg)))
}
