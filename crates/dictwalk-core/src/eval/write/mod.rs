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
//! One reference behaviour is deliberately not copied, out of reach of ordinary paths: a
//! change that repeats an identical removal of a dict key (`**.**.k`) is not a raw `KeyError`
//! halfway through applying (the reference then leaves the document half changed). An index
//! write that would pad a list by more than [`MAX_PADDING`] items is a resolution error on
//! both backends (the reference's `writer.MAX_PADDING`), raised while planning, so the
//! document is left as it was.
//!
//! The module's parts follow the two phases: `plan` is the record of a write and the
//! planner's view of values, `direct` plans writes through plain keys, `set` and `unset`
//! are the general planners, and `apply` performs a plan.

mod apply;
mod direct;
mod plan;
mod set;
mod unset;

pub(super) use set::plan_set;
pub(super) use unset::plan_unset;

use crate::doc::Document;
use crate::eval::Fail;

type Failed<D> = Fail<<D as Document>::Foreign>;
type Key<D> = <D as Document>::Key;

/// The most items an index write may append to reach its index (`a[1000000000]`).
pub const MAX_PADDING: usize = 1 << 20;
