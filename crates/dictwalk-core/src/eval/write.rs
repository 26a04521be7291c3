//! Writes (writer.py): `set` and `unset` in two phases, a plan that reads the untouched document, then its application.
//!
//! The plan phase walks the document, computes every value, creates the containers the path
//! needs (fresh, not yet attached) and records each change to an existing container with the
//! place it sits at. Every check and every error happens here, so a failing write leaves the
//! document as it was (spec 9.7). The apply phase cannot fail: it opens the containers that
//! have changes, deepest first, and applies each container's changes in the order they were
//! recorded. As in writer.py, whose deferred operations act on objects, a change to a
//! container always acts on the container that was planned against, even when another
//! change of the same write replaces it: in a tree such a change can only be invisible,
//! so it is skipped; in a shared model ([`Document::SHARED`]) it is applied.
//!
//! In a shared model the plan keeps each container's handle, and a plan that refills no
//! list is applied as writer.py applies its own: change by change, in the order recorded,
//! each through its container's handle (see `Plan::apply_in_order` for why this is the
//! same). And a write whose path is plain keys (`a.b.c`; for `set` also `key[]` fan-outs)
//! through dicts and lists that are all there comes down to one change per dict it reaches:
//! it is planned directly, without the general planner (`Planned::Direct`); any other case,
//! found by reading alone, takes the general route.
//!
//! Two reference behaviours are deliberately not copied, both out of reach of ordinary paths:
//! a change that repeats an identical removal of a dict key (`**.**.k`) is not a raw
//! `KeyError` halfway through applying (the reference then leaves the document half
//! changed), and an index write that would pad a list by more than [`MAX_PADDING`] items is
//! a resolution error where the reference would try to allocate them.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use super::{pipeline, predicate, read, too_deep, Env, Fail, IdentitySet, SetOptions};
use crate::compile::{self, Pipe, Program, Sel, Step, StepKind};
use crate::doc::{Document, Kind, Name, Seg};
use crate::error::Error;
use crate::syntax::{Mode, ROOT};

type Failed<D> = Fail<<D as Document>::Foreign>;
type Key<D> = <D as Document>::Key;
type Entries<'x, D> = Vec<(Seg<Key<D>>, Node<'x, D>)>;

/// The most items an index write may append to reach its index (`a[1000000000]`).
pub const MAX_PADDING: usize = 1 << 20;

// ---------------------------------------------------------------------------------------------
// The plan
// ---------------------------------------------------------------------------------------------

/// The recorded changes of one write, and the values they need.
pub(crate) struct Plan<'r, D: Document> {
    registry: &'r D::Registry,
    /// Where existing containers sit: place 0 is the root, every other place is a child of
    /// an earlier one. Places may repeat; they are merged when the plan is applied.
    places: Vec<(usize, Seg<Key<D>>)>,
    /// In a shared model, the handle of each place (`handles[place - 1]`): what the plan is
    /// applied through when it can be applied in the order it was recorded.
    handles: Vec<Option<D>>,
    /// Containers the write creates, changed in place while planning (as writer.py does).
    fresh: Vec<Option<Fresh<D>>>,
    /// Changes to existing containers, in the order they were planned.
    changes: Vec<(usize, Change<D>)>,
    /// The value given to `set`, moved into its first target.
    given: Option<D>,
}

enum Fresh<D: Document> {
    Map(Vec<(Key<D>, Slot<D>)>),
    List(Vec<Slot<D>>),
}

/// A value a change puts somewhere.
enum Slot<D> {
    Value(D),
    Fresh(usize),
    /// The value given to `set` itself (its first use; later uses hold copies).
    Given,
}

enum Change<D: Document> {
    Set(Seg<Key<D>>, Slot<D>),
    Remove(Seg<Key<D>>),
    Append(Slot<D>),
    Clear,
    /// `list[:] = [the list's original items at these positions]` (a root list).
    Refill(Vec<usize>),
    /// `container[seg] = [the original items of container[seg] at these positions]`.
    SetFiltered(Seg<Key<D>>, Vec<usize>),
}

/// What a planned change acts on.
#[derive(Clone, Copy)]
enum Target {
    Place(usize),
    Fresh(usize),
    /// A value held by a fresh container that the write did not create: never written
    /// into by the paths the grammar allows.
    Nowhere,
}

/// A value as the planner sees it: part of the document (with its place), fresh, or loose.
enum Node<'x, D: Document> {
    Doc(Cow<'x, D>, usize),
    Fresh(usize),
    Loose(Cow<'x, D>),
}

impl<D: Document> Node<'_, D> {
    fn target(&self) -> Target {
        match self {
            Node::Doc(_, place) => Target::Place(*place),
            Node::Fresh(id) => Target::Fresh(*id),
            Node::Loose(_) => Target::Nowhere,
        }
    }
}

/// Where the current value lives: `container[seg]`, or nowhere to write back (the root,
/// and every start of a `**` level), as writer.py's `_Holder(None, None)`.
struct Holder<K> {
    target: Target,
    seg: Seg<K>,
    present: bool,
}

impl<'r, D: Document> Plan<'r, D> {
    fn new(registry: &'r D::Registry, given: Option<D>) -> Self {
        Plan {
            registry,
            places: Vec::new(),
            handles: Vec::new(),
            fresh: Vec::new(),
            changes: Vec::new(),
            given,
        }
    }

    fn place(&mut self, parent: usize, seg: Seg<Key<D>>, value: &D) -> usize {
        if D::SHARED {
            self.handles.push(value.copy_value());
        }
        self.places.push((parent, seg));
        self.places.len()
    }

    fn create(&mut self, fresh: Fresh<D>) -> usize {
        self.fresh.push(Some(fresh));
        self.fresh.len() - 1
    }

    fn fresh_mut(&mut self, id: usize) -> Option<&mut Fresh<D>> {
        self.fresh.get_mut(id).and_then(Option::as_mut)
    }

    fn fresh_ref(&self, id: usize) -> Option<&Fresh<D>> {
        self.fresh.get(id).and_then(Option::as_ref)
    }

    // --- Recording changes (writer.py's _Plan: fresh containers change at once) ------------

    fn set(&mut self, target: Target, seg: Seg<Key<D>>, slot: Slot<D>) {
        match target {
            Target::Place(place) => self.changes.push((place, Change::Set(seg, slot))),
            Target::Fresh(id) => match (self.fresh_mut(id), seg) {
                (Some(Fresh::Map(entries)), Seg::Key(key)) => {
                    match entries.iter_mut().find(|(existing, _)| *existing == key) {
                        Some(entry) => entry.1 = slot,
                        None => entries.push((key, slot)),
                    }
                }
                (Some(Fresh::List(items)), Seg::Index(index)) => {
                    if let Some(item) = items.get_mut(index) {
                        *item = slot;
                    }
                }
                _ => {}
            },
            Target::Nowhere => {}
        }
    }

    fn append(&mut self, target: Target, slot: Slot<D>) {
        match target {
            Target::Place(place) => self.changes.push((place, Change::Append(slot))),
            Target::Fresh(id) => {
                if let Some(Fresh::List(items)) = self.fresh_mut(id) {
                    items.push(slot);
                }
            }
            Target::Nowhere => {}
        }
    }

    fn record(&mut self, target: Target, change: Change<D>) {
        // unset creates no containers, so its changes always act on the document.
        if let Target::Place(place) = target {
            self.changes.push((place, change));
        }
    }

    // --- Reading nodes ------------------------------------------------------------------

    fn kind(&self, node: &Node<'_, D>) -> Kind {
        match node {
            Node::Doc(value, _) | Node::Loose(value) => value.kind(),
            Node::Fresh(id) => match self.fresh_ref(*id) {
                Some(Fresh::Map(_)) => Kind::Map,
                Some(Fresh::List(_)) => Kind::List,
                None => Kind::Other,
            },
        }
    }

    fn is_container(&self, node: &Node<'_, D>) -> bool {
        self.kind(node) != Kind::Other
    }

    fn len(&self, node: &Node<'_, D>) -> usize {
        match node {
            Node::Doc(value, _) | Node::Loose(value) => value.len(),
            Node::Fresh(id) => match self.fresh_ref(*id) {
                Some(Fresh::Map(entries)) => entries.len(),
                Some(Fresh::List(items)) => items.len(),
                None => 0,
            },
        }
    }

    /// `container[seg]`, None when missing.
    fn child<'x>(
        &mut self,
        node: &Node<'x, D>,
        seg: &Seg<Key<D>>,
    ) -> Result<Option<Node<'x, D>>, Failed<D>> {
        Ok(match node {
            Node::Doc(value, place) => match doc_child(value, seg)? {
                Some(child) => {
                    let place = self.place(*place, seg.clone(), &child);
                    Some(Node::Doc(child, place))
                }
                None => None,
            },
            Node::Loose(value) => doc_child(value, seg)?.map(Node::Loose),
            Node::Fresh(id) => {
                let slot = match (self.fresh_ref(*id), seg) {
                    (Some(Fresh::Map(entries)), Seg::Key(key)) => entries
                        .iter()
                        .find(|(existing, _)| existing == key)
                        .map(|(_, slot)| slot),
                    (Some(Fresh::List(items)), Seg::Index(index)) => items.get(*index),
                    _ => None,
                };
                match slot {
                    Some(slot) => Some(self.slot_node(slot)?),
                    None => None,
                }
            }
        })
    }

    fn slot_node<'x>(&self, slot: &Slot<D>) -> Result<Node<'x, D>, Failed<D>> {
        Ok(match slot {
            Slot::Fresh(id) => Node::Fresh(*id),
            Slot::Value(value) => Node::Loose(Cow::Owned(value.copy_value().ok_or_else(too_deep)?)),
            Slot::Given => Node::Loose(Cow::Owned(self.given_copy()?)),
        })
    }

    fn given_copy(&self) -> Result<D, Failed<D>> {
        match &self.given {
            Some(given) => given.copy_value().ok_or_else(too_deep),
            None => Ok(D::null(self.registry)),
        }
    }

    /// The keys of a dict or the indexes of a list, with the children.
    fn entries<'x>(&mut self, node: &Node<'x, D>) -> Result<Entries<'x, D>, Failed<D>> {
        let segs: Vec<Seg<Key<D>>> = match node {
            Node::Doc(value, _) | Node::Loose(value) => {
                value.entries().into_iter().map(|(seg, _)| seg).collect()
            }
            Node::Fresh(id) => match self.fresh_ref(*id) {
                Some(Fresh::Map(entries)) => entries
                    .iter()
                    .map(|(key, _)| Seg::Key(key.clone()))
                    .collect(),
                Some(Fresh::List(items)) => (0..items.len()).map(Seg::Index).collect(),
                None => Vec::new(),
            },
        };
        let mut out = Vec::with_capacity(segs.len());
        for seg in segs {
            if let Some(child) = self.child(node, &seg)? {
                out.push((seg, child));
            }
        }
        Ok(out)
    }

    /// The value of a node, for a value pipeline or a predicate.
    fn value<'n>(&self, node: &'n Node<'_, D>) -> Result<Cow<'n, D>, Failed<D>> {
        match node {
            Node::Doc(value, _) | Node::Loose(value) => Ok(Cow::Borrowed(&**value)),
            Node::Fresh(id) => Ok(Cow::Owned(self.snapshot(*id)?)),
        }
    }

    /// A copy of a fresh container as it is now.
    fn snapshot(&self, id: usize) -> Result<D, Failed<D>> {
        let slot_value = |slot: &Slot<D>| -> Result<D, Failed<D>> {
            match slot {
                Slot::Value(value) => value.copy_value().ok_or_else(too_deep),
                Slot::Fresh(child) => self.snapshot(*child),
                Slot::Given => self.given_copy(),
            }
        };
        match self.fresh_ref(id) {
            Some(Fresh::Map(entries)) => {
                let mut map = D::empty_map(self.registry);
                for (key, slot) in entries {
                    map.set_child(&Seg::Key(key.clone()), slot_value(slot)?);
                }
                Ok(map)
            }
            Some(Fresh::List(items)) => Ok(D::list(
                self.registry,
                items.iter().map(slot_value).collect::<Result<_, _>>()?,
            )),
            None => Ok(D::null(self.registry)),
        }
    }

    /// Every node below `node`, depth-first pre-order, each container once (reader.descendants).
    fn descendants<'x>(&mut self, node: &Node<'x, D>) -> Result<Vec<Node<'x, D>>, Failed<D>> {
        let mut seen = IdentitySet::new();
        if let Node::Doc(value, _) | Node::Loose(value) = node {
            if let Some(id) = read::identity_of(value) {
                seen.insert(id);
            }
        }
        let mut out = Vec::new();
        let mut stack = vec![self.entries(node)?.into_iter()];
        while let Some(top) = stack.last_mut() {
            let Some((_, child)) = top.next() else {
                stack.pop();
                continue;
            };
            if !self.is_container(&child) {
                out.push(child);
                continue;
            }
            if let Node::Doc(value, _) | Node::Loose(value) = &child {
                if let Some(id) = read::identity_of(value) {
                    if !seen.insert(id) {
                        continue;
                    }
                }
            }
            let grandchildren = self.entries(&child)?;
            out.push(child);
            stack.push(grandchildren.into_iter());
        }
        Ok(out)
    }
}

impl<D: Document> Drop for Plan<'_, D> {
    fn drop(&mut self) {
        // The caller's value may be nested any depth; it goes without recursion.
        if let Some(given) = self.given.take() {
            given.discard();
        }
    }
}

fn doc_child<'x, D: Document>(
    value: &Cow<'x, D>,
    seg: &Seg<Key<D>>,
) -> Result<Option<Cow<'x, D>>, Failed<D>> {
    match value {
        Cow::Borrowed(borrowed) => Ok(borrowed.child_at(seg)),
        Cow::Owned(owned) => match owned.child_at(seg) {
            Some(Cow::Owned(child)) => Ok(Some(Cow::Owned(child))),
            Some(Cow::Borrowed(child)) => {
                Ok(Some(Cow::Owned(child.copy_value().ok_or_else(too_deep)?)))
            }
            None => Ok(None),
        },
    }
}

/// Strict mode: `steps` must resolve with read semantics.
fn require<D: Document>(env: &Env<'_, D>, steps: &[Step]) -> Result<(), Failed<D>> {
    match read::walk(env, read::Cur::One(Cow::Borrowed(env.root)), steps) {
        Ok(_) => Ok(()),
        Err(Fail::Soft(soft)) => Err(Fail::Error(Error::resolution(
            env.path,
            soft.token.as_deref(),
            soft.message,
        ))),
        Err(other) => Err(other),
    }
}

// ---------------------------------------------------------------------------------------------
// Writes through plain keys, made directly
// ---------------------------------------------------------------------------------------------

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
        match read::child_of(&current, key)? {
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
            let Some(child) = read::child_of(value, key)? else {
                return Ok(None);
            };
            if !each {
                next.push(child);
                continue;
            }
            if child.kind() != Kind::List || child.is_empty() {
                return Ok(None);
            }
            next.extend(read::children_of(&child)?);
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
fn direct_set<D: Document>(
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
        return Ok(Some(Direct::SetOne(read::own(container)?, seg, value)));
    }
    let Some((containers, key)) = fanned_keys(env, steps)? else {
        return Ok(None);
    };
    let mut changes: Vec<(D, Seg<Key<D>>, D)> = Vec::with_capacity(containers.len());
    for container in containers {
        let first = changes.first().map(|(_, _, value)| value);
        if let Some(value) = direct_value(env, plan, &container, key, pipe, options, first)? {
            let seg = Seg::Key(D::key(plan.registry, key));
            changes.push((read::own(container)?, seg, value));
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
    let existing = read::child_of(container, key)?;
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
        Ok(value) => Ok(Some(read::own(value)?)),
        Err(Fail::Soft(soft)) => Err(Fail::Error(Error::resolution(
            env.path,
            soft.token.as_deref(),
            soft.message,
        ))),
        Err(other) => Err(other),
    }
}

/// `unset` through plain keys: `del container[key]` when the key is there.
fn direct_unset<D: Document>(
    env: &Env<'_, D>,
    registry: &D::Registry,
    steps: &[Step],
) -> Result<Option<Direct<D>>, Failed<D>> {
    let Some((container, key)) = plain_keys(env, steps)? else {
        return Ok(None);
    };
    if read::child_of(&container, key)?.is_none() {
        return Ok(Some(Direct::Nothing));
    }
    let seg = Seg::Key(D::key(registry, key));
    Ok(Some(Direct::Remove(read::own(container)?, seg)))
}

// ---------------------------------------------------------------------------------------------
// set
// ---------------------------------------------------------------------------------------------

/// A step of planning still to do. writer.py recurses; the planner keeps a stack of these
/// instead, in the same order, so a path of any length costs no recursion.
enum Task<'x, 'p, D: Document> {
    /// `write(holder, value, steps)` (or `remove(value, steps)` for unset).
    Walk {
        holder: Option<Holder<Key<D>>>,
        value: Node<'x, D>,
        steps: &'p [Step],
        create: bool,
    },
    /// `write_child(container, seg, rest)`, where `container[seg]` is `child`.
    Child {
        container: Target,
        seg: Seg<Key<D>>,
        child: Node<'x, D>,
        rest: &'p [Step],
        create: bool,
    },
}

/// Runs tasks depth-first: the tasks a task adds run before the ones that were waiting.
fn run_tasks<'x, 'p, D: Document>(
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
        } => setter.write_child(container, seg, child, rest, create, next),
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

type Tasks<'x, 'p, D> = Vec<Task<'x, 'p, D>>;

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
            Ok(value) => Ok(Slot::Value(read::own(value)?)),
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
            Some(child) => self.write_child(mapping.target(), seg, child, rest, create, next),
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
    fn write_child<'x, 'p>(
        &mut self,
        container: Target,
        seg: Seg<Key<D>>,
        child: Node<'x, D>,
        rest: &'p [Step],
        create: bool,
        next: &mut Tasks<'x, 'p, D>,
    ) -> Result<(), Failed<D>> {
        if rest.is_empty() {
            let slot = self.compute(Some(&child))?;
            self.plan.set(container, seg, slot);
            return Ok(());
        }
        // A non-container in the way is replaced with {} when overwrite_incompatible.
        let child = if !self.plan.is_container(&child) && self.options.overwrite_incompatible {
            let id = self.plan.create(Fresh::Map(Vec::new()));
            self.plan.set(container, seg.clone(), Slot::Fresh(id));
            Node::Fresh(id)
        } else {
            child
        };
        if self.plan.is_container(&child) {
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
        }
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
                self.write_each(&items, (0..len).collect(), rest, create, next)
            }
            Sel::Index { value, .. } => self.write_index(&items, *value, raw, rest, create, next),
            Sel::Slice { start, stop } => self.write_each(
                &items,
                read::slice_range(len, *start, *stop).collect(),
                rest,
                create,
                next,
            ),
            Sel::Filter(pred) => self.write_filter(&items, pred, raw, rest, create, next),
        }
    }

    fn write_each<'x, 'p>(
        &mut self,
        items: &Node<'x, D>,
        indexes: Vec<usize>,
        rest: &'p [Step],
        create: bool,
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
            match read::normalize_index(index, len) {
                Some(position) => position,
                None => return Ok(()),
            }
        } else if !create {
            return Ok(());
        } else {
            usize::try_from(index).unwrap_or(usize::MAX)
        };
        if position < len {
            return self.write_each(items, vec![position], rest, create, next);
        }
        let padding = position - len;
        if padding > MAX_PADDING {
            let message = format!(
                "MemoryError: writing index {index} would pad the list with more than {MAX_PADDING} items."
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
            return self.write_each(items, hits, rest, create, next);
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

/// The positions of the items that match; None when matching failed softly.
fn matching<D: Document>(
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

// ---------------------------------------------------------------------------------------------
// unset
// ---------------------------------------------------------------------------------------------

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
        Sel::Index { value, .. } => read::normalize_index(*value, len).into_iter().collect(),
        Sel::Slice { start, stop } => read::slice_range(len, *start, *stop).collect(),
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

// ---------------------------------------------------------------------------------------------
// Applying a plan
// ---------------------------------------------------------------------------------------------

/// A container with changes, or with changes below it, in the tree of places.
struct TreeNode<D: Document> {
    seg: Option<Seg<Key<D>>>,
    children: Vec<usize>,
    changes: Vec<Change<D>>,
    /// The parent replaces this list with a selection of its original items.
    filtered_by_parent: bool,
}

struct Frame<D: Document> {
    node: usize,
    value: D,
    next_child: usize,
    /// Original items of child lists, captured before the children's own changes (shared models).
    handed_up: HashMap<Seg<Key<D>>, Vec<D>>,
}

impl<D: Document> Plan<'_, D> {
    /// Applies the plan to `root`. Cannot fail: everything was checked while planning.
    pub(crate) fn apply(mut self, root: &mut D) {
        let in_order = D::SHARED
            && self.handles.len() == self.places.len()
            && !self
                .changes
                .iter()
                .any(|(_, change)| matches!(change, Change::Refill(_) | Change::SetFiltered(..)));
        if in_order {
            self.apply_in_order(root);
        } else {
            self.apply_by_tree(root);
        }
    }

    /// A shared model's plan, applied as writer.py applies its plan: each change, in the
    /// order it was recorded, through the handle of the container it was planned against.
    ///
    /// This gives what the tree order gives: a change acts on one container only, so changes
    /// to different containers commute, and those to one container keep their order; each
    /// fresh container is held by one slot, so the order of building them does not matter.
    /// Plans that refill lists (`unset` with `[]` or `[?pred]`) read the lists' original
    /// items as they apply, and take the tree order, which reads them before any change.
    fn apply_in_order(&mut self, root: &mut D) {
        let mut handles = std::mem::take(&mut self.handles);
        for (place, change) in std::mem::take(&mut self.changes) {
            let target = match place.checked_sub(1) {
                None => Some(&mut *root),
                Some(index) => handles.get_mut(index).and_then(Option::as_mut),
            };
            let Some(target) = target else {
                self.drop_change(change);
                continue;
            };
            match change {
                Change::Set(seg, slot) => {
                    let built = self.build(slot);
                    target.set_child(&seg, built);
                }
                Change::Remove(seg) => target.remove_child(&seg),
                Change::Append(slot) => {
                    let built = self.build(slot);
                    target.push(built);
                }
                Change::Clear => target.clear(),
                Change::Refill(_) | Change::SetFiltered(..) => {}
            }
        }
    }

    /// Applies the plan container by container, deepest first, through the tree of places.
    fn apply_by_tree(&mut self, root: &mut D) {
        let mut tree = self.build_tree();
        let mut stack = vec![Frame {
            node: 0,
            value: std::mem::replace(root, D::null(self.registry)),
            next_child: 0,
            handed_up: HashMap::new(),
        }];
        while let Some(top) = stack.last_mut() {
            let children = tree
                .get(top.node)
                .map(|node| node.children.as_slice())
                .unwrap_or(&[]);
            if let Some(&child) = children.get(top.next_child) {
                top.next_child += 1;
                let Some(seg) = tree.get(child).and_then(|node| node.seg.clone()) else {
                    continue;
                };
                if let Some(value) = top.value.take_child(&seg) {
                    stack.push(Frame {
                        node: child,
                        value,
                        next_child: 0,
                        handed_up: HashMap::new(),
                    });
                }
                continue;
            }
            let Some(mut frame) = stack.pop() else {
                break;
            };
            let (changes, filtered, seg) = match tree.get_mut(frame.node) {
                Some(node) => (
                    std::mem::take(&mut node.changes),
                    node.filtered_by_parent,
                    node.seg.clone(),
                ),
                None => (Vec::new(), false, None),
            };
            let mut originals = None;
            if filtered && D::SHARED && !changes.is_empty() {
                originals = Some(frame.value.take_items());
            }
            if filtered && !D::SHARED {
                // The parent replaces this list: its own changes could never be seen.
                for change in changes {
                    self.drop_change(change);
                }
            } else {
                self.apply_changes(&mut frame.value, changes, &mut frame.handed_up);
            }
            match (stack.last_mut(), seg) {
                (Some(parent), Some(seg)) => {
                    if let Some(originals) = originals {
                        parent.handed_up.insert(seg.clone(), originals);
                    }
                    parent.value.restore_child(&seg, frame.value);
                }
                _ => *root = frame.value,
            }
        }
    }

    /// Merges the recorded places into a tree rooted at node 0, each change at its node.
    fn build_tree(&mut self) -> Vec<TreeNode<D>> {
        let mut tree = vec![TreeNode {
            seg: None,
            children: Vec::new(),
            changes: Vec::new(),
            filtered_by_parent: false,
        }];
        let mut merged: Vec<Option<usize>> = vec![None; self.places.len() + 1];
        if let Some(first) = merged.first_mut() {
            *first = Some(0);
        }
        let mut by_seg: HashMap<(usize, Seg<Key<D>>), usize> = HashMap::new();
        for (place, change) in std::mem::take(&mut self.changes) {
            // The chain of places up to one already in the tree, then down again.
            let mut chain = Vec::new();
            let mut cursor = place;
            let mut known = None;
            while known.is_none() {
                match merged.get(cursor).copied().flatten() {
                    Some(node) => known = Some(node),
                    None => {
                        chain.push(cursor);
                        cursor = self
                            .places
                            .get(cursor.wrapping_sub(1))
                            .map_or(0, |(parent, _)| *parent);
                    }
                }
            }
            let mut node = known.unwrap_or(0);
            for &place in chain.iter().rev() {
                let Some((_, seg)) = self.places.get(place.wrapping_sub(1)) else {
                    continue;
                };
                node = match by_seg.get(&(node, seg.clone())) {
                    Some(&existing) => existing,
                    None => {
                        let created = tree.len();
                        tree.push(TreeNode {
                            seg: Some(seg.clone()),
                            children: Vec::new(),
                            changes: Vec::new(),
                            filtered_by_parent: false,
                        });
                        if let Some(parent) = tree.get_mut(node) {
                            parent.children.push(created);
                        }
                        by_seg.insert((node, seg.clone()), created);
                        created
                    }
                };
                if let Some(slot) = merged.get_mut(place) {
                    *slot = Some(node);
                }
            }
            if let Change::SetFiltered(seg, _) = &change {
                if let Some(&child) = by_seg.get(&(node, seg.clone())) {
                    if let Some(child) = tree.get_mut(child) {
                        child.filtered_by_parent = true;
                    }
                }
            }
            if let Some(target) = tree.get_mut(node) {
                target.changes.push(change);
            }
        }
        // A list that gets its own place after its parent's SetFiltered was recorded.
        for index in 0..tree.len() {
            let filtered: Vec<Seg<Key<D>>> = tree
                .get(index)
                .map(|node| {
                    node.changes
                        .iter()
                        .filter_map(|change| match change {
                            Change::SetFiltered(seg, _) => Some(seg.clone()),
                            _ => None,
                        })
                        .collect()
                })
                .unwrap_or_default();
            for seg in filtered {
                if let Some(&child) = by_seg.get(&(index, seg)) {
                    if let Some(child) = tree.get_mut(child) {
                        child.filtered_by_parent = true;
                    }
                }
            }
        }
        tree
    }

    fn apply_changes(
        &mut self,
        value: &mut D,
        changes: Vec<Change<D>>,
        handed_up: &mut HashMap<Seg<Key<D>>, Vec<D>>,
    ) {
        let mut own_originals: Option<Vec<Option<D>>> = None;
        let mut child_originals: HashMap<Seg<Key<D>>, Vec<Option<D>>> = HashMap::new();
        let mut last_refill: Option<Vec<usize>> = None;
        let mut last_filtered: HashMap<Seg<Key<D>>, Vec<usize>> = HashMap::new();
        for change in changes {
            match change {
                Change::Set(seg, slot) => {
                    let built = self.build(slot);
                    value.set_child(&seg, built);
                }
                Change::Remove(seg) => value.remove_child(&seg),
                Change::Append(slot) => {
                    let built = self.build(slot);
                    value.push(built);
                }
                Change::Clear => value.clear(),
                Change::Refill(keep) => {
                    // A repeated identical refill gives what the first one gave.
                    if last_refill.as_ref() == Some(&keep) {
                        continue;
                    }
                    let originals = own_originals
                        .get_or_insert_with(|| value.take_items().into_iter().map(Some).collect());
                    let kept = pick(originals, &keep);
                    value.replace_items(kept);
                    last_refill = Some(keep);
                }
                Change::SetFiltered(seg, keep) => {
                    if last_filtered.get(&seg) == Some(&keep) {
                        continue;
                    }
                    let originals = child_originals.entry(seg.clone()).or_insert_with(|| {
                        let items = match handed_up.remove(&seg) {
                            Some(items) => items,
                            None => match value.take_child(&seg) {
                                Some(mut list) => {
                                    let items = list.take_items();
                                    value.restore_child(&seg, list);
                                    items
                                }
                                None => Vec::new(),
                            },
                        };
                        items.into_iter().map(Some).collect()
                    });
                    let kept = pick(originals, &keep);
                    value.set_child(&seg, D::list(self.registry, kept));
                    last_filtered.insert(seg, keep);
                }
            }
        }
        for item in own_originals
            .into_iter()
            .chain(child_originals.into_values())
            .flatten()
            .flatten()
        {
            item.discard();
        }
    }

    /// The value a slot stands for, fresh containers built with everything planned into them.
    fn build(&mut self, slot: Slot<D>) -> D {
        match slot {
            Slot::Value(value) => value,
            Slot::Given => self.given.take().unwrap_or_else(|| D::null(self.registry)),
            Slot::Fresh(id) => match self.fresh.get_mut(id).and_then(Option::take) {
                Some(Fresh::Map(entries)) => {
                    let mut map = D::empty_map(self.registry);
                    for (key, slot) in entries {
                        let built = self.build(slot);
                        map.set_child(&Seg::Key(key), built);
                    }
                    map
                }
                Some(Fresh::List(items)) => {
                    let built = items.into_iter().map(|slot| self.build(slot)).collect();
                    D::list(self.registry, built)
                }
                None => D::null(self.registry),
            },
        }
    }

    fn drop_change(&mut self, change: Change<D>) {
        match change {
            Change::Set(_, slot) | Change::Append(slot) => self.build(slot).discard(),
            Change::Remove(_) | Change::Clear | Change::Refill(_) | Change::SetFiltered(..) => {}
        }
    }
}

/// The originals at `keep`: moved out of a tree, copied as handles in a shared model.
fn pick<D: Document>(originals: &mut [Option<D>], keep: &[usize]) -> Vec<D> {
    keep.iter()
        .filter_map(|&index| {
            let slot = originals.get_mut(index)?;
            if D::SHARED {
                slot.clone()
            } else {
                slot.take()
            }
        })
        .collect()
}
