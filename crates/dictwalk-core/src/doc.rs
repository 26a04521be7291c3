//! The document model: everything the evaluator may ask of a value, so that it never names a concrete type.
//!
//! Like jaq's `ValT`, [`Document`] is implemented once per value model: for `serde_json::Value`
//! in this crate (an owned tree, changed through `&mut`), and for live Python objects in the
//! binding crate (shared handles: a change made through one handle is seen through all).
//!
//! Reads hand out children as [`Cow`]: a tree lends references into itself, a handle model
//! gives owned handles. Writes never hold on to a child across a change. They are planned
//! first, reading the untouched document, and then applied container by container, deepest
//! first: the apply phase opens each container it must reach with [`Document::take_child`],
//! changes it through its own methods, and puts it back with [`Document::restore_child`].
//! So replacing a child always goes through its parent, and a tree can be edited in place
//! without aliasing while a handle model simply changes the objects its handles point to.
//!
//! Keys written in a path reach the model as [`Name`]s, which carry a slot for the model's
//! own form of the key, so that a compiled path's keys are converted once, not per lookup.

use std::any::Any;
use std::borrow::Cow;
use std::fmt;
use std::hash::Hash;
use std::ops::Deref;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use crate::filters::FilterDef;
use crate::literal::Literal;

/// What a value is, as far as paths are concerned (Python's `dict`, `list`, anything else).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A dict: tokens `key`, `key[..]`, `*`, `**` look inside.
    Map,
    /// A list: plucks, `[]`, `[i]`, `[a:b]`, `[?pred]`, `*`, `**` look inside.
    List,
    /// Anything else (tuples included, as in the reference backend).
    Other,
}

/// Where a child sits in its container: a dict key or a list index.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Seg<K> {
    /// A dict key.
    Key(K),
    /// A list index.
    Index(usize),
}

/// An ordering comparison of a predicate (`[?.n > 3]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// Why an ordering comparison gave no answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompareError {
    /// The values do not order (Python's `TypeError`): predicates fall back to `str()` forms.
    Unordered,
    /// The comparison failed otherwise (a `RecursionError`, say): the predicate is false.
    Failed,
}

/// A dict key written in a path (`a.b` has two), as a compiled program holds it: its text,
/// and a slot where a document model keeps its own form of the key, made on first use.
///
/// Programs are compiled once and run many times, so a model that would otherwise convert
/// the text at every lookup keeps the converted key here instead (the Python model keeps
/// the interned str object, whose hash Python caches, so that a lookup neither allocates
/// nor hashes), from the key's second use on.
/// It dereferences to the text.
pub struct Name {
    text: NameText,
    prepared: OnceLock<Box<dyn Any + Send + Sync>>,
    /// Whether the key was used once: it is prepared on its second use.
    used: AtomicBool,
}

impl Name {
    /// A key with nothing prepared yet.
    pub fn new(text: &str) -> Name {
        Name {
            text: NameText::new(text),
            prepared: OnceLock::new(),
            used: AtomicBool::new(false),
        }
    }

    /// The key's text.
    pub fn as_str(&self) -> &str {
        self.text.as_str()
    }

    /// The model's own form of this key: made by `make` on the key's second use, then kept
    /// with the program. None on the first use, so that a path read only once (one built
    /// for a single call) does not pay for preparing what it never reuses, and when the
    /// slot holds another type (a program run by two document models, which only happens
    /// in tests): the caller then works from the text.
    pub fn prepared<T: Any + Send + Sync>(&self, make: impl FnOnce(&str) -> T) -> Option<&T> {
        if let Some(prepared) = self.prepared.get() {
            return prepared.downcast_ref();
        }
        // A race between threads at worst prepares on the first use: harmless.
        if !self.used.load(Ordering::Relaxed) {
            self.used.store(true, Ordering::Relaxed);
            return None;
        }
        self.prepared
            .get_or_init(|| Box::new(make(self.text.as_str())))
            .downcast_ref()
    }
}

impl From<String> for Name {
    fn from(text: String) -> Name {
        Name {
            text: NameText::from(text),
            prepared: OnceLock::new(),
            used: AtomicBool::new(false),
        }
    }
}

impl Clone for Name {
    /// A copy of the text; the copy prepares its own form when it is used.
    fn clone(&self) -> Name {
        Name::new(self.as_str())
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Name) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Deref for Name {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

/// The text of a [`Name`]: a short key is kept inline, so that compiling (and dropping) a
/// path does not allocate once per key.
enum NameText {
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(Box<str>),
}

const INLINE: usize = 22;

impl NameText {
    fn new(text: &str) -> NameText {
        let mut bytes = [0; INLINE];
        match (bytes.get_mut(..text.len()), u8::try_from(text.len())) {
            (Some(prefix), Ok(len)) => {
                prefix.copy_from_slice(text.as_bytes());
                NameText::Inline { len, bytes }
            }
            _ => NameText::Heap(text.into()),
        }
    }

    fn as_str(&self) -> &str {
        match self {
            // Always valid: the bytes are a whole str's. The check is a few instructions.
            NameText::Inline { len, bytes } => {
                std::str::from_utf8(bytes.get(..usize::from(*len)).unwrap_or(&[])).unwrap_or("")
            }
            NameText::Heap(text) => text,
        }
    }
}

impl From<String> for NameText {
    fn from(text: String) -> NameText {
        if text.len() <= INLINE {
            NameText::new(&text)
        } else {
            NameText::Heap(text.into_boxed_str())
        }
    }
}

/// What a filter's `lookup` gives when reading the selector path failed in a way that is
/// not soft (the path does not parse, a custom filter raised): the filter must stop at
/// once, returning anything; the failure is raised when it returns, as the reference
/// backend's exception would have left the filter at that item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stop;

/// The `lookup(item, path)` a built-in filter gets: `path` read in `item`, None when it does
/// not resolve, [`Stop`] when the filter must stop.
pub type Lookup<'a, D> = dyn Fn(&D, &str) -> Result<Option<D>, Stop> + 'a;

/// A value model the path engine can read and write.
///
/// Each method's documentation says which syntax uses it. Methods about Python semantics
/// (`truthy`, `py_str`, `equals`, `compare`) never fail: a value whose `bool()`, `str()` or
/// `==` raises is falsy, has no str, and is unequal, as in the reference reader.
pub trait Document: Clone + Sized {
    /// A dict key, for addressing planned changes (a Python model may hold non-str keys).
    type Key: Clone + Eq + Hash;
    /// The model's own error: what a custom filter raises, and what a built-in filter
    /// raises outside a path (`run_filter`). It reaches the caller unchanged.
    type Foreign;
    /// What one engine call lends the model: its custom filters (`$name` that is not built
    /// in) and whatever the model needs to build values (a Python model: the interpreter).
    type Registry: ?Sized;

    /// Whether containers are shared handles (Python objects) rather than an owned tree.
    ///
    /// In a shared model a container that a write replaces may still be seen elsewhere, so
    /// every planned change is applied to it; in a tree such changes are invisible and skipped.
    const SHARED: bool;

    // --- What a value is -----------------------------------------------------------------

    /// Dict, list or other: decides what every token does with the current value.
    fn kind(&self) -> Kind;

    /// Python's `type(value).__name__` (`"int"`, `"NoneType"`): the "got int" of soft errors.
    fn type_name(&self) -> Cow<'_, str>;

    /// The text of a str value: the no-operator predicate flag (`[?.active]`), `set` values
    /// (`"$$root.a"`, `"$double"`), and the retry of ordered comparisons on str values.
    fn as_str(&self) -> Option<Cow<'_, str>>;

    /// Python's `id()` of a container: `**` enters each container once, so a document that
    /// contains itself ends, and a list that holds a container and its children yields each
    /// once. It must stay the same for the whole evaluation; a tree gives the address of a
    /// node borrowed from the document, and the evaluator asks it of nothing else.
    fn identity(&self) -> Option<usize>;

    // --- Reading ---------------------------------------------------------------------------

    /// `dict[key]` of a dict (None when missing or not a dict): `key`, `key[..]`, plucks,
    /// and the `.key` left-hand side of predicates.
    fn child(&self, key: &Name) -> Option<Cow<'_, Self>>;

    /// `list[index]` of a list: `key[i]`, `.[i]`, and the items of writes.
    fn item(&self, index: usize) -> Option<Cow<'_, Self>>;

    /// The child at `seg`: what writes descend into.
    fn child_at(&self, seg: &Seg<Self::Key>) -> Option<Cow<'_, Self>>;

    /// The length of a dict or list (0 otherwise): indexes, slices, `[]` in writes.
    fn len(&self) -> usize;

    /// Whether [`Document::len`] is 0.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A dict's values or a list's items, in order: `*`, `**`, plucks, `[]`, `[?pred]`.
    fn children(&self) -> Vec<Cow<'_, Self>>;

    /// Appends a dict's values or a list's items to `out` as owned values and returns true;
    /// false, appending nothing, for a model that lends its children rather than owning
    /// copies (a tree), which `**` then reads with [`Document::children`]. A handle model
    /// hands out owned handles anyway: this lets `**` (in reads) use one buffer for every
    /// container it enters instead of a new list each.
    fn push_children(&self, out: &mut Vec<Self>) -> bool {
        let _ = out;
        false
    }

    /// A dict's keys or a list's indexes with the children: `*` and `**` in writes.
    fn entries(&self) -> Vec<(Seg<Self::Key>, Cow<'_, Self>)>;

    /// The [`Document::Key`] for a key written in a path (`a.b`): the keys `set` and `unset`
    /// address, and the key of the item `set` creates for an unmatched `[?.key==raw]`.
    fn key(registry: &Self::Registry, name: &Name) -> Self::Key;

    /// An owned copy to hand out or store: the result of `get`, a `set` value written at
    /// several places, a `$$root` value. A handle model copies the handle (the same object,
    /// as Python does); a tree copies the value, and gives None past [`crate::MAX_DEPTH`].
    fn copy_value(&self) -> Option<Self>;

    // --- Building --------------------------------------------------------------------------

    /// `None`: a missing predicate field (`[?.x]`), list padding in `k[i]` writes.
    fn null(registry: &Self::Registry) -> Self;

    /// A str: the item `set` creates for an unmatched `[?.key==raw]` is `{key: raw}`.
    fn string(registry: &Self::Registry, text: &str) -> Self;

    /// A new empty dict: what `set` creates for missing or incompatible intermediate keys.
    fn empty_map(registry: &Self::Registry) -> Self;

    /// A new list: the results of fan-out tokens (`*`, `k[]`, `[?pred]`), `[]` in writes.
    fn list(registry: &Self::Registry, items: Vec<Self>) -> Self;

    /// A filter argument or predicate right-hand side (`$add(2)`, `[?.id==1]`).
    fn from_literal(registry: &Self::Registry, literal: &Literal) -> Self;

    /// Whether [`Document::from_literal`] keeps `literal`'s Python type. A predicate never
    /// finds a document value equal to, or ordered with, a literal the model cannot hold
    /// (a tuple in JSON), and compares `str()` forms instead, as Python would end up doing.
    fn represents(literal: &Literal) -> bool {
        let _ = literal;
        true
    }

    // --- Changing (the apply phase of `set` and `unset`) ----------------------------------

    /// `container[seg] = value` (a new dict key goes last): every value `set` writes.
    fn set_child(&mut self, seg: &Seg<Self::Key>, value: Self);

    /// `del container[seg]`, ignored when missing: `unset` of keys and indexes.
    fn remove_child(&mut self, seg: &Seg<Self::Key>);

    /// `list.append(value)`: list padding and created items in `k[i]`, `k[]`, `k[?pred]` writes.
    fn push(&mut self, value: Self);

    /// `container.clear()`: `unset` with a terminal `*`.
    fn clear(&mut self);

    /// Opens the child at `seg` for changes deeper down. A tree moves the child out (leaving
    /// a placeholder); a handle model returns a handle. Always followed by `restore_child`.
    fn take_child(&mut self, seg: &Seg<Self::Key>) -> Option<Self>;

    /// Puts back a child opened with [`Document::take_child`] (a no-op for handles).
    fn restore_child(&mut self, seg: &Seg<Self::Key>, child: Self);

    /// A list's items as they are before its own changes: `unset` of `k[?pred]` keeps some
    /// of them. A tree moves them out (the list is about to be replaced); a handle model
    /// copies the handles and leaves the list as it is.
    fn take_items(&mut self) -> Vec<Self>;

    /// `list[:] = items`, in place: `unset` of `.[?pred]` and `.[]` on a root list.
    fn replace_items(&mut self, items: Vec<Self>);

    /// Drops a value the write removed; a tree of any depth must be dropped without recursion.
    fn discard(self) {
        drop(self);
    }

    // --- Python semantics ------------------------------------------------------------------

    /// `bool(value)`: boolean right-hand sides (`[?.n==$odd]`) and the predicate flag.
    fn truthy(&self) -> bool;

    /// `str(value)`, None when it fails: `[?.id==1]` also matches `"1"`, ordered fallbacks.
    fn py_str(&self) -> Option<String>;

    /// Whether `str(value) == text` (false when `str()` fails): the second chance of
    /// `[?.id==1]`. A model may answer without building the str.
    fn py_str_is(&self, text: &str) -> bool {
        self.py_str().as_deref() == Some(text)
    }

    /// `value == other` (false when it fails): `[?.x==literal]`, `[?.x==$$root.y]`.
    fn equals(&self, other: &Self) -> bool;

    /// `value <op> other`: `[?.x>literal]`.
    fn compare(&self, order: Order, other: &Self) -> Result<bool, CompareError>;

    /// [`Document::equals`] with `other` made by [`Document::from_literal`] from `literal`:
    /// `[?.x==literal]`, once per item. A model may compare with the literal itself.
    fn equals_literal(&self, literal: &Literal, other: &Self) -> bool {
        let _ = literal;
        self.equals(other)
    }

    /// [`Document::compare`] with `other` made by [`Document::from_literal`] from
    /// `literal`: `[?.x>literal]`, once per item. A model may compare with the literal itself.
    fn compare_literal(
        &self,
        order: Order,
        literal: &Literal,
        other: &Self,
    ) -> Result<bool, CompareError> {
        let _ = literal;
        self.compare(order, other)
    }

    // --- Filters ---------------------------------------------------------------------------

    /// Applies a built-in filter (`|$name(args)`). `lookup(item, path)` reads `path` in
    /// `item` (None when it does not resolve), for `$sort_by('a.b')` and its kin; after
    /// a [`Stop`] the filter must return at once (its result is not used).
    fn call_builtin(
        filter: &'static FilterDef,
        value: &Self,
        args: &[Self],
        lookup: &Lookup<'_, Self>,
    ) -> Result<Self, Self::Foreign>;

    /// `"TypeError: message"` when a built-in filter's error is one that path operations
    /// turn into a soft failure: every failure of the filter itself (any Python `Exception`,
    /// as reader.py treats it), so that no raw exception escapes a path; None for what must
    /// pass through (Python's `KeyboardInterrupt`, `SystemExit`).
    fn soft_failure(error: &Self::Foreign) -> Option<String>;

    /// Whether `$name` is a registered custom filter (checked when paths are parsed).
    fn has_custom(registry: &Self::Registry, name: &str) -> bool;

    /// Calls the custom filter `$name` as `fn(value, *args)`; its errors are never soft.
    /// None when no such filter is registered (any more).
    fn call_custom(
        registry: &Self::Registry,
        name: &str,
        value: &Self,
        args: &[Self],
    ) -> Option<Result<Self, Self::Foreign>>;
}
