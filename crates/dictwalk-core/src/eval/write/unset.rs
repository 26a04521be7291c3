//! Planning `unset`: writer.py's `remove` and `remove_selected`, on the same stack of tasks as `set`.

use std::borrow::Cow;
use std::collections::HashSet;

use super::direct::{direct_unset, Planned};
use super::plan::{require, Change, Holder, Node, Plan};
use super::set::{matching, run_tasks, Task, Tasks};
use super::{Failed, Key};
use crate::compile::{Program, Sel, Step, StepKind};
use crate::doc::{Document, Kind, Seg};
use crate::eval::{access, Env};

/// Plans `unset(root, path, strict=...)`.
pub(crate) fn plan_unset<'r, D: Document>(
    env: &Env<'_, D>,
    registry: &'r D::Registry,
    program: &Program,
    strict: bool,
) -> Result<Planned<'r, D>, Failed<D>> {
    if strict {
        require(env, &program.steps)?;
    }
    if let Some(direct) = direct_unset(env, registry, &program.steps)? {
        return Ok(Planned::Direct(direct));
    }
    let mut plan = Plan::new(registry, None);
    let root = Node::Doc(Cow::Borrowed(env.root), 0);
    let first = Task::Walk {
        holder: None,
        value: root,
        steps: &program.steps,
        create: false,
    };
    run_tasks(first, |task, next| match task {
        Task::Walk { value, steps, .. }
        | Task::Child {
            child: value,
            rest: steps,
            ..
        } => remove(env, &mut plan, value, steps, next),
    })?;
    Ok(Planned::General(plan))
}

fn remove<'x, 'p, D: Document>(
    env: &Env<'_, D>,
    plan: &mut Plan<'_, D>,
    value: Node<'x, D>,
    steps: &'p [Step],
    next: &mut Tasks<'x, 'p, D>,
) -> Result<(), Failed<D>> {
    let Some((step, rest)) = steps.split_first() else {
        return Ok(());
    };
    let walk = |value: Node<'x, D>| Task::Walk {
        holder: None,
        value,
        steps: rest,
        create: false,
    };
    match &step.kind {
        StepKind::RootSelect(selector) => {
            if plan.kind(&value) == Kind::List {
                remove_selected(env, plan, None, value, selector, step.raw(), rest, next)?;
            }
            Ok(())
        }
        StepKind::Get(key) => {
            if plan.kind(&value) != Kind::Map {
                return Ok(());
            }
            let seg = Seg::Key(D::key(env.ctx.registry, key));
            let Some(child) = plan.child(&value, &seg)? else {
                return Ok(());
            };
            if rest.is_empty() {
                plan.record(value.target(), Change::Remove(seg));
            } else {
                next.push(walk(child));
            }
            Ok(())
        }
        StepKind::Wildcard => {
            if !plan.is_container(&value) {
                return Ok(());
            }
            if rest.is_empty() {
                plan.record(value.target(), Change::Clear);
                return Ok(());
            }
            for (_, child) in plan.entries(&value)? {
                next.push(walk(child));
            }
            Ok(())
        }
        StepKind::DeepWildcard => {
            if !rest.is_empty() {
                for node in plan.descendants(&value)? {
                    if plan.is_container(&node) {
                        next.push(walk(node));
                    }
                }
            }
            Ok(())
        }
        StepKind::Select { key, selector } => {
            if plan.kind(&value) != Kind::Map {
                return Ok(());
            }
            let seg = Seg::Key(D::key(env.ctx.registry, key));
            match plan.child(&value, &seg)? {
                Some(items) if plan.kind(&items) == Kind::List => {
                    let holder = Holder {
                        target: value.target(),
                        seg,
                        present: true,
                    };
                    remove_selected(
                        env,
                        plan,
                        Some(holder),
                        items,
                        selector,
                        step.raw(),
                        rest,
                        next,
                    )
                }
                _ => Ok(()),
            }
        }
        StepKind::Root => Ok(()),
    }
}

#[allow(clippy::too_many_arguments)] // writer.py's remove_selected, plus the planning state
fn remove_selected<'x, 'p, D: Document>(
    env: &Env<'_, D>,
    plan: &mut Plan<'_, D>,
    holder: Option<Holder<Key<D>>>,
    items: Node<'x, D>,
    selector: &Sel,
    raw: &str,
    rest: &'p [Step],
    next: &mut Tasks<'x, 'p, D>,
) -> Result<(), Failed<D>> {
    let len = plan.len(&items);
    let indexes: Vec<usize> = match selector {
        Sel::Each => (0..len).collect(),
        Sel::Index { value, .. } => access::normalize_index(*value, len).into_iter().collect(),
        Sel::Slice { start, stop } => access::slice_range(len, *start, *stop).collect(),
        Sel::Filter(pred) => match matching(env, plan, &items, pred, raw)? {
            Some(hits) => hits,
            None => return Ok(()),
        },
    };
    if !rest.is_empty() {
        for index in indexes {
            if let Some(child) = plan.child(&items, &Seg::Index(index))? {
                next.push(Task::Walk {
                    holder: None,
                    value: child,
                    steps: rest,
                    create: false,
                });
            }
        }
        return Ok(());
    }
    match selector {
        Sel::Each | Sel::Filter(_) => {
            let doomed: HashSet<usize> = indexes.into_iter().collect();
            let keep: Vec<usize> = (0..len).filter(|index| !doomed.contains(index)).collect();
            // `d[k]` becomes a new list; a root list is cleared and refilled in place.
            match holder {
                None => plan.record(items.target(), Change::Refill(keep)),
                Some(holder) => plan.record(holder.target, Change::SetFiltered(holder.seg, keep)),
            }
        }
        Sel::Index { .. } | Sel::Slice { .. } => {
            for index in indexes.into_iter().rev() {
                plan.record(items.target(), Change::Remove(Seg::Index(index)));
            }
        }
    }
    Ok(())
}
