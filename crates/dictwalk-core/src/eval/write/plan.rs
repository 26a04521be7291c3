//! The plan of a write: the changes it records, the containers it creates, and the planner's view of values.

use std::borrow::Cow;

use super::{Failed, Key};
use crate::compile::Step;
use crate::doc::{Document, Kind, Seg};
use crate::error::Error;
use crate::eval::{access, read, too_deep, Env, Fail, IdentitySet};

type Entries<'x, D> = Vec<(Seg<Key<D>>, Node<'x, D>)>;

/// The recorded changes of one write, and the values they need.
pub(crate) struct Plan<'r, D: Document> {
    pub(super) registry: &'r D::Registry,
    /// Where existing containers sit: place 0 is the root, every other place is a child of
    /// an earlier one. Places may repeat; they are merged when the plan is applied.
    pub(super) places: Vec<(usize, Seg<Key<D>>)>,
    /// In a shared model, the handle of each place (`handles[place - 1]`): what the plan is
    /// applied through when it can be applied in the order it was recorded.
    pub(super) handles: Vec<Option<D>>,
    /// Containers the write creates, changed in place while planning (as writer.py does).
    pub(super) fresh: Vec<Option<Fresh<D>>>,
    /// Changes to existing containers, in the order they were planned.
    pub(super) changes: Vec<(usize, Change<D>)>,
    /// The value given to `set`, moved into its first target.
    pub(super) given: Option<D>,
}

pub(super) enum Fresh<D: Document> {
    Map(Vec<(Key<D>, Slot<D>)>),
    List(Vec<Slot<D>>),
}

/// A value a change puts somewhere.
pub(super) enum Slot<D> {
    Value(D),
    Fresh(usize),
    /// The value given to `set` itself (its first use; later uses hold copies).
    Given,
}

pub(super) enum Change<D: Document> {
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
pub(super) enum Target {
    Place(usize),
    Fresh(usize),
    /// A value held by a fresh container that the write did not create: never written
    /// into by the paths the grammar allows.
    Nowhere,
}

/// A value as the planner sees it: part of the document (with its place), fresh, or loose.
pub(super) enum Node<'x, D: Document> {
    Doc(Cow<'x, D>, usize),
    Fresh(usize),
    Loose(Cow<'x, D>),
}

impl<D: Document> Node<'_, D> {
    pub(super) fn target(&self) -> Target {
        match self {
            Node::Doc(_, place) => Target::Place(*place),
            Node::Fresh(id) => Target::Fresh(*id),
            Node::Loose(_) => Target::Nowhere,
        }
    }
}

/// Where the current value lives: `container[seg]`, or nowhere to write back (the root,
/// and every start of a `**` level), as writer.py's `_Holder(None, None)`.
pub(super) struct Holder<K> {
    pub(super) target: Target,
    pub(super) seg: Seg<K>,
    pub(super) present: bool,
}

impl<'r, D: Document> Plan<'r, D> {
    pub(super) fn new(registry: &'r D::Registry, given: Option<D>) -> Self {
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

    pub(super) fn create(&mut self, fresh: Fresh<D>) -> usize {
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

    pub(super) fn set(&mut self, target: Target, seg: Seg<Key<D>>, slot: Slot<D>) {
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

    pub(super) fn append(&mut self, target: Target, slot: Slot<D>) {
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

    pub(super) fn record(&mut self, target: Target, change: Change<D>) {
        // unset creates no containers, so its changes always act on the document.
        if let Target::Place(place) = target {
            self.changes.push((place, change));
        }
    }

    // --- Reading nodes ------------------------------------------------------------------

    pub(super) fn kind(&self, node: &Node<'_, D>) -> Kind {
        match node {
            Node::Doc(value, _) | Node::Loose(value) => value.kind(),
            Node::Fresh(id) => match self.fresh_ref(*id) {
                Some(Fresh::Map(_)) => Kind::Map,
                Some(Fresh::List(_)) => Kind::List,
                None => Kind::Other,
            },
        }
    }

    pub(super) fn is_container(&self, node: &Node<'_, D>) -> bool {
        self.kind(node) != Kind::Other
    }

    pub(super) fn len(&self, node: &Node<'_, D>) -> usize {
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
    pub(super) fn child<'x>(
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

    pub(super) fn given_copy(&self) -> Result<D, Failed<D>> {
        match &self.given {
            Some(given) => given.copy_value().ok_or_else(too_deep),
            None => Ok(D::null(self.registry)),
        }
    }

    /// The keys of a dict or the indexes of a list, with the children.
    pub(super) fn entries<'x>(&mut self, node: &Node<'x, D>) -> Result<Entries<'x, D>, Failed<D>> {
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
    pub(super) fn value<'n>(&self, node: &'n Node<'_, D>) -> Result<Cow<'n, D>, Failed<D>> {
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
    pub(super) fn descendants<'x>(
        &mut self,
        node: &Node<'x, D>,
    ) -> Result<Vec<Node<'x, D>>, Failed<D>> {
        let mut seen = IdentitySet::new();
        if let Node::Doc(value, _) | Node::Loose(value) = node {
            if let Some(id) = access::identity_of(value) {
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
                if let Some(id) = access::identity_of(value) {
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
pub(super) fn require<D: Document>(env: &Env<'_, D>, steps: &[Step]) -> Result<(), Failed<D>> {
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
