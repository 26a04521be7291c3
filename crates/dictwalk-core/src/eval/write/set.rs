//! Planning `set`: writer.py's `write`, `write_key`, `write_child` and the selector writes, on a stack of tasks.

use std::borrow::Cow;

use super::direct::{direct_set, Planned};
use super::plan::{require, Fresh, Holder, Node, Plan, Slot, Target};
use super::{Failed, Key, MAX_PADDING};
use crate::compile::{self, Pipe, Program, Sel, Step, StepKind};
use crate::doc::{Document, Kind, Name, Seg};
use crate::error::Error;
use crate::eval::{access, pipeline, predicate, read, Env, Fail, SetOptions};
use crate::syntax::{Mode, ROOT};

/// A step of planning still to do. writer.py recurses; the planner keeps a stack of these
/// instead, in the same order, so a path of any length costs no recursion.
pub(super) enum Task<'x, 'p, D: Document> {
    /// `write(holder, value, steps)` (or `remove(value, steps)` for unset).
    Walk {
        holder: Option<Holder<Key<D>>>,
        value: Node<'x, D>,
        steps: &'p [Step],
        create: bool,
    },
    /// `write_child(container, seg, rest)`, where `container[seg]` is `child`; `loose`
    /// when `*` or a predicate's match reached it.
    Child {
        container: Target,
        seg: Seg<Key<D>>,
        child: Node<'x, D>,
        rest: &'p [Step],
        create: bool,
        loose: bool,
    },
}

/// Runs tasks depth-first: the tasks a task adds run before the ones that were waiting.
pub(super) fn run_tasks<'x, 'p, D: Document>(
    first: Task<'x, 'p, D>,
    mut run: impl FnMut(Task<'x, 'p, D>, &mut Vec<Task<'x, 'p, D>>) -> Result<(), Failed<D>>,
) -> Result<(), Failed<D>> {
    let mut stack = vec![first];
    let mut added = Vec::new();
    while let Some(task) = stack.pop() {
        run(task, &mut added)?;
        stack.extend(added.drain(..).rev());
    }
    Ok(())
}

/// Plans `set(root, path, value, ...)`.
pub(crate) fn plan_set<'r, D: Document>(
    env: &Env<'_, D>,
    registry: &'r D::Registry,
    program: &Program,
    value: D,
    options: &SetOptions,
) -> Result<Planned<'r, D>, Failed<D>> {
    let mut plan = Plan::new(registry, Some(value));
    if options.strict {
        let parents = program.steps.len().saturating_sub(1);
        require(env, program.steps.get(..parents).unwrap_or(&[]))?;
    }
    let pipe = prepare_value(env, &mut plan)?;
    if let Some(direct) = direct_set(env, &mut plan, &program.steps, pipe.as_ref(), options)? {
        return Ok(Planned::Direct(direct));
    }
    let mut setter = Setter {
        env,
        plan,
        pipe,
        given_used: false,
        options: *options,
    };
    let root = Node::Doc(Cow::Borrowed(env.root), 0);
    let first = Task::Walk {
        holder: None,
        value: root,
        steps: &program.steps,
        create: options.create_missing,
    };
    run_tasks(first, |task, next| match task {
        Task::Walk {
            holder,
            value,
            steps,
            create,
        } => setter.write(holder, value, steps, create, next),
        Task::Child {
            container,
            seg,
            child,
            rest,
            create,
            loose,
        } => setter.write_child(container, seg, child, rest, create, loose, next),
    })?;
    Ok(Planned::General(setter.plan))
}

/// The value of `set`: a `$$root...` str is read from the root; another str that is a
/// valid pipeline is applied to the old value at each target; anything else is stored.
fn prepare_value<D: Document>(
    env: &Env<'_, D>,
    plan: &mut Plan<'_, D>,
) -> Result<Option<Pipe>, Failed<D>> {
    let Some(text) = plan
        .given
        .as_ref()
        .and_then(|value| value.as_str().map(Cow::into_owned))
    else {
        return Ok(None);
    };
    if text.starts_with(ROOT) {
        let is_root_form =
            text == ROOT || text.starts_with("$$root.") || text.starts_with("$$root|");
        if text == "$$root." || !is_root_form {
            let message =
                "Invalid '$$root' value expression. Expected '$$root', '$$root.<path>', or '$$root|$filter'.";
            return Err(Fail::Error(Error::parse(&text, Some(&text), message)));
        }
        let program = env.ctx.program(&text, Mode::Read).map_err(Fail::Error)?;
        let value = match read::resolve(env, &program) {
            Ok(value) => value,
            Err(Fail::Soft(soft)) => {
                return Err(Fail::Error(Error::resolution(
                    &text,
                    soft.token.as_deref(),
                    soft.message,
                )));
            }
            Err(other) => return Err(other),
        };
        if let Some(old) = plan.given.replace(value) {
            old.discard();
        }
        return Ok(None);
    }
    let custom = |name: &str| D::has_custom(env.ctx.registry, name);
    // Not a pipeline: stored as the literal str (spec 9.1).
    Ok(compile::compile_pipeline(&text, None, &custom).ok())
}

struct Setter<'e, 'a, 'r, D: Document> {
    env: &'e Env<'a, D>,
    plan: Plan<'r, D>,
    pipe: Option<Pipe>,
    given_used: bool,
    options: SetOptions,
}

pub(super) type Tasks<'x, 'p, D> = Vec<Task<'x, 'p, D>>;

impl<D: Document> Setter<'_, '_, '_, D> {
    /// The value written where `old` was (None when there was nothing).
    fn compute(&mut self, old: Option<&Node<'_, D>>) -> Result<Slot<D>, Failed<D>> {
        let Some(pipe) = &self.pipe else {
            if !self.given_used {
                self.given_used = true;
                return Ok(Slot::Given);
            }
            return Ok(Slot::Value(self.plan.given_copy()?));
        };
        let input = match old {
            Some(node) => self.plan.value(node)?,
            None => Cow::Owned(D::null(self.plan.registry)),
        };
        match pipeline::apply(self.env, pipe, input) {
            Ok(value) => Ok(Slot::Value(access::own(value)?)),
            Err(Fail::Soft(soft)) => Err(Fail::Error(Error::resolution(
                self.env.path,
                soft.token.as_deref(),
                soft.message,
            ))),
            Err(other) => Err(other),
        }
    }

    /// Puts a new container where the current value was; at the root the replacement is lost.
    fn replace<'x>(&mut self, holder: &Option<Holder<Key<D>>>, fresh: Fresh<D>) -> Node<'x, D> {
        let id = self.plan.create(fresh);
        if let Some(holder) = holder {
            self.plan
                .set(holder.target, holder.seg.clone(), Slot::Fresh(id));
        }
        Node::Fresh(id)
    }

    /// The current value when it is a dict; else the `{}` that replaces it, if allowed.
    fn as_map<'x>(
        &mut self,
        holder: &Option<Holder<Key<D>>>,
        value: Node<'x, D>,
        create: bool,
    ) -> Option<Node<'x, D>> {
        if self.plan.kind(&value) == Kind::Map {
            Some(value)
        } else if self.options.overwrite_incompatible && create {
            Some(self.replace(holder, Fresh::Map(Vec::new())))
        } else {
            None
        }
    }

    fn write<'x, 'p>(
        &mut self,
        holder: Option<Holder<Key<D>>>,
        value: Node<'x, D>,
        steps: &'p [Step],
        create: bool,
        next: &mut Tasks<'x, 'p, D>,
    ) -> Result<(), Failed<D>> {
        let Some((step, rest)) = steps.split_first() else {
            return Ok(());
        };
        match &step.kind {
            StepKind::RootSelect(selector) => self.write_selector(
                selector,
                step.raw(),
                holder,
                Some(value),
                rest,
                create,
                next,
            ),
            StepKind::Get(key) => match self.as_map(&holder, value, create) {
                Some(mapping) => self.write_key(&mapping, key, rest, create, next),
                None => Ok(()),
            },
            StepKind::Wildcard => {
                let value = if self.plan.is_container(&value) {
                    value
                } else if self.options.overwrite_incompatible && create {
                    self.replace(&holder, Fresh::Map(Vec::new()))
                } else {
                    return Ok(());
                };
                let container = value.target();
                for (seg, child) in self.plan.entries(&value)? {
                    next.push(Task::Child {
                        container,
                        seg,
                        child,
                        rest,
                        create,
                        loose: true,
                    });
                }
                Ok(())
            }
            StepKind::DeepWildcard => {
                // The rest of the path applies below every descendant, changing existing keys only.
                if !rest.is_empty() {
                    for node in self.plan.descendants(&value)? {
                        if self.plan.is_container(&node) {
                            next.push(Task::Walk {
                                holder: None,
                                value: node,
                                steps: rest,
                                create: false,
                            });
                        }
                    }
                }
                Ok(())
            }
            // As in 2.6.0, a predicate's key is never looked for in a list.
            StepKind::Select {
                selector: Sel::Filter(_),
                ..
            } if self.plan.kind(&value) == Kind::List => Ok(()),
            StepKind::Select { key, selector } => {
                let Some(mapping) = self.as_map(&holder, value, create) else {
                    return Ok(());
                };
                let seg = Seg::Key(D::key(self.env.ctx.registry, key));
                let items = self.plan.child(&mapping, &seg)?;
                let holder = Holder {
                    target: mapping.target(),
                    seg,
                    present: items.is_some(),
                };
                self.write_selector(
                    selector,
                    step.raw(),
                    Some(holder),
                    items,
                    rest,
                    create,
                    next,
                )
            }
            // The parser keeps `$$root` out of write paths.
            StepKind::Root => Ok(()),
        }
    }

    fn write_key<'x, 'p>(
        &mut self,
        mapping: &Node<'x, D>,
        key: &Name,
        rest: &'p [Step],
        create: bool,
        next: &mut Tasks<'x, 'p, D>,
    ) -> Result<(), Failed<D>> {
        let seg = Seg::Key(D::key(self.env.ctx.registry, key));
        let existing = self.plan.child(mapping, &seg)?;
        if rest.is_empty() {
            if existing.is_some() || create {
                let slot = self.compute(existing.as_ref())?;
                self.plan.set(mapping.target(), seg, slot);
            }
            return Ok(());
        }
        match existing {
            Some(child) => {
                self.write_child(mapping.target(), seg, child, rest, create, false, next)
            }
            None if create => {
                let id = self.plan.create(Fresh::Map(Vec::new()));
                self.plan
                    .set(mapping.target(), seg.clone(), Slot::Fresh(id));
                let holder = Holder {
                    target: mapping.target(),
                    seg,
                    present: true,
                };
                next.push(Task::Walk {
                    holder: Some(holder),
                    value: Node::Fresh(id),
                    steps: rest,
                    create,
                });
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// Writes the rest of the path at `container[seg]`, which holds `child`.
    ///
    /// A non-container there is replaced with `{}` when overwrite_incompatible. A child that
    /// `*` or a predicate's match reached (`loose`) is replaced only when the write may also
    /// create, and only for a next step that names a key: as in 2.6.0, `*`, `**` and a
    /// predicate step leave a scalar they meet alone.
    #[allow(clippy::too_many_arguments)] // writer.py's write_child, plus the task list
    fn write_child<'x, 'p>(
        &mut self,
        container: Target,
        seg: Seg<Key<D>>,
        child: Node<'x, D>,
        rest: &'p [Step],
        create: bool,
        loose: bool,
        next: &mut Tasks<'x, 'p, D>,
    ) -> Result<(), Failed<D>> {
        let Some(step) = rest.first() else {
            let slot = self.compute(Some(&child))?;
            self.plan.set(container, seg, slot);
            return Ok(());
        };
        let child = if self.plan.is_container(&child) {
            child
        } else if self.options.overwrite_incompatible && (!loose || (create && keyed(step))) {
            let id = self.plan.create(Fresh::Map(Vec::new()));
            self.plan.set(container, seg.clone(), Slot::Fresh(id));
            Node::Fresh(id)
        } else {
            return Ok(());
        };
        let holder = Holder {
            target: container,
            seg,
            present: true,
        };
        next.push(Task::Walk {
            holder: Some(holder),
            value: child,
            steps: rest,
            create,
        });
        Ok(())
    }

    /// Selectors on the list found at `holder` (a dict key, or the root for `.[..]`).
    #[allow(clippy::too_many_arguments)] // writer.py's write_selector, plus the task list
    fn write_selector<'x, 'p>(
        &mut self,
        selector: &Sel,
        raw: &str,
        holder: Option<Holder<Key<D>>>,
        items: Option<Node<'x, D>>,
        rest: &'p [Step],
        create: bool,
        next: &mut Tasks<'x, 'p, D>,
    ) -> Result<(), Failed<D>> {
        let at_root = holder.is_none();
        let items = match items {
            Some(items) if self.plan.kind(&items) == Kind::List => items,
            _ => {
                // A missing list is created when create_missing; a present non-list is replaced
                // when overwrite_incompatible (and, before a `k[]` that leads on, create_missing).
                let Some(present) = holder.as_ref().map(|h| h.present) else {
                    return Ok(());
                };
                let allowed = if present {
                    self.options.overwrite_incompatible
                        && (create || !matches!(selector, Sel::Each) || rest.is_empty())
                } else {
                    create
                };
                if !allowed {
                    return Ok(());
                }
                self.replace(&holder, Fresh::List(Vec::new()))
            }
        };
        let len = self.plan.len(&items);
        match selector {
            Sel::Each => {
                if !rest.is_empty() && len == 0 && create && !at_root {
                    // An empty list gets one new item for the rest of the path to write into.
                    let id = self.plan.create(Fresh::Map(Vec::new()));
                    self.plan.append(items.target(), Slot::Fresh(id));
                    next.push(Task::Walk {
                        holder: None,
                        value: Node::Fresh(id),
                        steps: rest,
                        create,
                    });
                    return Ok(());
                }
                self.write_each(&items, (0..len).collect(), rest, create, false, next)
            }
            Sel::Index { value, .. } => self.write_index(&items, *value, raw, rest, create, next),
            Sel::Slice { start, stop } => self.write_each(
                &items,
                access::slice_range(len, *start, *stop).collect(),
                rest,
                create,
                false,
                next,
            ),
            Sel::Filter(pred) => self.write_filter(&items, pred, raw, rest, create, next),
        }
    }

    #[allow(clippy::too_many_arguments)] // writer.py's write_each, plus the task list
    fn write_each<'x, 'p>(
        &mut self,
        items: &Node<'x, D>,
        indexes: Vec<usize>,
        rest: &'p [Step],
        create: bool,
        loose: bool,
        next: &mut Tasks<'x, 'p, D>,
    ) -> Result<(), Failed<D>> {
        if rest.is_empty() {
            // Every value is computed before any is written, as in writer.py.
            let mut slots = Vec::with_capacity(indexes.len());
            for &index in &indexes {
                let child = self.plan.child(items, &Seg::Index(index))?;
                slots.push((index, self.compute(child.as_ref())?));
            }
            for (index, slot) in slots {
                self.plan.set(items.target(), Seg::Index(index), slot);
            }
            return Ok(());
        }
        for index in indexes {
            let seg = Seg::Index(index);
            if let Some(child) = self.plan.child(items, &seg)? {
                next.push(Task::Child {
                    container: items.target(),
                    seg,
                    child,
                    rest,
                    create,
                    loose,
                });
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)] // writer.py's write_index, plus the token and the task list
    fn write_index<'x, 'p>(
        &mut self,
        items: &Node<'x, D>,
        index: i64,
        raw: &str,
        rest: &'p [Step],
        create: bool,
        next: &mut Tasks<'x, 'p, D>,
    ) -> Result<(), Failed<D>> {
        let len = self.plan.len(items);
        let position = if index < 0 {
            // An out-of-range negative index is a no-op.
            match access::normalize_index(index, len) {
                Some(position) => position,
                None => return Ok(()),
            }
        } else if !create {
            return Ok(());
        } else {
            usize::try_from(index).unwrap_or(usize::MAX)
        };
        if position < len {
            return self.write_each(items, vec![position], rest, create, false, next);
        }
        let padding = position - len;
        if padding > MAX_PADDING {
            let message = format!(
                "Writing index {index} would pad the list with more than {MAX_PADDING} items."
            );
            return Err(Fail::Error(Error::resolution(
                self.env.path,
                Some(raw),
                message,
            )));
        }
        for _ in 0..padding {
            let slot = if rest.is_empty() {
                Slot::Value(D::null(self.plan.registry))
            } else {
                Slot::Fresh(self.plan.create(Fresh::Map(Vec::new())))
            };
            self.plan.append(items.target(), slot);
        }
        if rest.is_empty() {
            let slot = self.compute(None)?;
            self.plan.append(items.target(), slot);
            return Ok(());
        }
        let id = self.plan.create(Fresh::Map(Vec::new()));
        self.plan.append(items.target(), Slot::Fresh(id));
        next.push(Task::Walk {
            holder: None,
            value: Node::Fresh(id),
            steps: rest,
            create,
        });
        Ok(())
    }

    #[allow(clippy::too_many_arguments)] // writer.py's write_filter, plus the token and the task list
    fn write_filter<'x, 'p>(
        &mut self,
        items: &Node<'x, D>,
        pred: &compile::Pred,
        raw: &str,
        rest: &'p [Step],
        create: bool,
        next: &mut Tasks<'x, 'p, D>,
    ) -> Result<(), Failed<D>> {
        let Some(hits) = matching(self.env, &mut self.plan, items, pred, raw)? else {
            // A soft failure while matching makes the write a no-op, as in writer.py.
            return Ok(());
        };
        if !hits.is_empty() {
            return self.write_each(items, hits, rest, create, true, next);
        }
        let Some(creation) = &pred.creates else {
            return Ok(());
        };
        if !(create && self.options.create_filter_match) {
            return Ok(());
        }
        // The new item holds the right-hand side's text under the left-hand side's key.
        let entry = (
            D::key(self.plan.registry, &creation.key),
            Slot::Value(D::string(self.plan.registry, &creation.raw)),
        );
        let id = self.plan.create(Fresh::Map(vec![entry]));
        if rest.is_empty() {
            let slot = self.compute(Some(&Node::Fresh(id)))?;
            self.plan.append(items.target(), slot);
            return Ok(());
        }
        self.plan.append(items.target(), Slot::Fresh(id));
        next.push(Task::Walk {
            holder: None,
            value: Node::Fresh(id),
            steps: rest,
            create,
        });
        Ok(())
    }
}

/// Whether a step names a key: before one, a scalar that `*` or a predicate reached is replaced.
fn keyed(step: &Step) -> bool {
    matches!(
        step.kind,
        StepKind::Get(_)
            | StepKind::Select {
                selector: Sel::Each | Sel::Index { .. } | Sel::Slice { .. },
                ..
            }
    )
}

/// The positions of the items that match; None when matching failed softly.
pub(super) fn matching<D: Document>(
    env: &Env<'_, D>,
    plan: &mut Plan<'_, D>,
    items: &Node<'_, D>,
    pred: &compile::Pred,
    raw: &str,
) -> Result<Option<Vec<usize>>, Failed<D>> {
    let entries = plan.entries(items)?;
    env.nested(|| {
        let mut hits = Vec::new();
        let mut prepared = predicate::Prepared::default();
        for (index, (_, child)) in entries.into_iter().enumerate() {
            let value = plan.value(&child)?;
            match predicate::matches(env, &value, pred, raw, &mut prepared) {
                Ok(true) => hits.push(index),
                Ok(false) => {}
                Err(Fail::Soft(_)) => return Ok(None),
                Err(other) => return Err(other),
            }
        }
        Ok(Some(hits))
    })
}
