//! Reaching into values during a walk, for reads and writes alike: children that live as long as the walk, and Python's index and slice positions.

use std::borrow::Cow;
use std::ops::Range;

use super::{too_deep, Fail};
use crate::doc::{Document, Name};

type Failed<D> = Fail<<D as Document>::Foreign>;

// ---------------------------------------------------------------------------------------------
// Values with the lifetime of the walk: a borrowed value lends its children; an owned one
// (a handle) gives owned children.
// ---------------------------------------------------------------------------------------------

/// The identity of a value: a tree's owned copies have none that lasts (and need none, as
/// they are never reached twice).
#[allow(clippy::ptr_arg)] // whether the value is borrowed is the point
pub(crate) fn identity_of<D: Document>(value: &Cow<'_, D>) -> Option<usize> {
    match value {
        Cow::Borrowed(borrowed) => borrowed.identity(),
        Cow::Owned(owned) if D::SHARED => owned.identity(),
        Cow::Owned(_) => None,
    }
}

/// A child reached through a short borrow, made to live as long as the walk.
fn lift<'x, D: Document>(value: Cow<'_, D>) -> Result<Cow<'x, D>, Failed<D>> {
    match value {
        Cow::Owned(owned) => Ok(Cow::Owned(owned)),
        Cow::Borrowed(borrowed) => borrowed.copy_value().map(Cow::Owned).ok_or_else(too_deep),
    }
}

pub(crate) fn child_of<'x, D: Document>(
    value: &Cow<'x, D>,
    key: &Name,
) -> Result<Option<Cow<'x, D>>, Failed<D>> {
    match value {
        Cow::Borrowed(borrowed) => Ok(borrowed.child(key)),
        Cow::Owned(owned) => owned.child(key).map(lift).transpose(),
    }
}

pub(super) fn item_of<'x, D: Document>(
    value: &Cow<'x, D>,
    index: usize,
) -> Result<Option<Cow<'x, D>>, Failed<D>> {
    match value {
        Cow::Borrowed(borrowed) => Ok(borrowed.item(index)),
        Cow::Owned(owned) => owned.item(index).map(lift).transpose(),
    }
}

pub(crate) fn children_of<'x, D: Document>(
    value: &Cow<'x, D>,
) -> Result<Vec<Cow<'x, D>>, Failed<D>> {
    match value {
        Cow::Borrowed(borrowed) => Ok(borrowed.children()),
        Cow::Owned(owned) => owned.children().into_iter().map(lift).collect(),
    }
}

/// An owned value to hand out: borrowed values are copied (a tree deeper than
/// [`crate::MAX_DEPTH`] cannot be, which is the depth-limit error).
pub(crate) fn own<D: Document>(value: Cow<'_, D>) -> Result<D, Failed<D>> {
    match value {
        Cow::Owned(owned) => Ok(owned),
        Cow::Borrowed(borrowed) => borrowed.copy_value().ok_or_else(too_deep),
    }
}

// ---------------------------------------------------------------------------------------------
// Python indexing and slicing
// ---------------------------------------------------------------------------------------------

/// `items[index]`'s position: negative indexes count from the end; None when out of range.
pub(crate) fn normalize_index(index: i64, len: usize) -> Option<usize> {
    let len = i128::try_from(len).ok()?;
    let index = i128::from(index);
    let position = if index < 0 { index + len } else { index };
    if (0..len).contains(&position) {
        usize::try_from(position).ok()
    } else {
        None
    }
}

/// The positions of `items[start:stop]` (step 1), clamped as Python clamps them.
pub(crate) fn slice_range(len: usize, start: Option<i64>, stop: Option<i64>) -> Range<usize> {
    let clamp = |bound: i64| -> usize {
        let bound = i128::from(bound);
        let len = i128::try_from(len).unwrap_or(i128::MAX);
        let position = if bound < 0 {
            (bound + len).max(0)
        } else {
            bound.min(len)
        };
        usize::try_from(position).unwrap_or(0)
    };
    let start = start.map_or(0, clamp);
    let stop = stop.map_or(len, clamp);
    start..stop.max(start)
}

pub(super) fn take_range<T>(items: Vec<T>, range: Range<usize>) -> Vec<T> {
    items
        .into_iter()
        .skip(range.start)
        .take(range.end - range.start)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_and_slices_follow_python() {
        assert_eq!(normalize_index(-1, 3), Some(2));
        assert_eq!(normalize_index(-4, 3), None);
        assert_eq!(normalize_index(3, 3), None);
        assert_eq!(normalize_index(i64::MIN, 3), None);
        assert_eq!(slice_range(5, Some(1), Some(3)), 1..3);
        assert_eq!(slice_range(5, Some(-2), None), 3..5);
        assert_eq!(slice_range(5, Some(4), Some(1)), 4..4);
        assert_eq!(slice_range(5, Some(i64::MIN), Some(i64::MAX)), 0..5);
    }
}
