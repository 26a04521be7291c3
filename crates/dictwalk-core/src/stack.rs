//! Recursion that never runs out of stack: the one helper every recursive stage calls per level.
//!
//! Parsing, compiling and evaluating a path recurse once per level of its nesting (nested
//! predicates, parentheses, `$$root` references), up to [`crate::syntax::MAX_NESTING`] levels.
//! An unoptimized build takes about 16 KiB of stack per level to parse, so the limit needs more
//! stack than a thread may have (a Python `threading.Thread`, a Rust thread's 2 MiB). Each
//! recursive step runs through [`deeper`], which continues on a new stack segment only when
//! less than [`RED_ZONE`] is left of the current one: a shallow path never switches stacks.

/// What must be left of the stack for one more level: a level's own frames and the deepest
/// work done at a leaf (a value copied or compared recurses up to [`crate::MAX_DEPTH`] levels).
pub const RED_ZONE: usize = 1024 * 1024;

/// The size of each new segment (reserved address space; pages are used as they are touched).
pub const SEGMENT: usize = 8 * 1024 * 1024;

/// Runs `f`, on a new stack segment when the current one has less than [`RED_ZONE`] left.
#[inline]
pub fn deeper<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(RED_ZONE, SEGMENT, f)
}
