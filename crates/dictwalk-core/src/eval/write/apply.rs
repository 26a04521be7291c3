//! Applying a plan: the recorded changes performed in order through handles, or container by container through the tree of places.

use std::collections::HashMap;

use super::plan::{Change, Fresh, Plan, Slot};
use super::Key;
use crate::doc::{Document, Seg};

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
