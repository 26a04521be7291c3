"""Writer: ``set`` and ``unset`` (spec sections 6 and 7).

A write runs in two phases. The plan phase walks the document, creates the containers the
path needs (new objects, not yet attached), computes every value and records each change
to an existing object as an operation; nothing the caller can see changes. The apply phase
then performs the recorded operations. Any error (a parse error, a strict resolution
error, a value pipeline that fails) is raised during planning, so a failing write leaves
the document as it was (spec 9.7).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dictwalk.backends.python import parser, reader, storage
from dictwalk.backends.python.parser import (
    DeepWildcard,
    Filter,
    Get,
    Index,
    Literal,
    Map,
    Pipeline,
    RootRef,
    RootSelector,
    Slice,
    Token,
    Wildcard,
)
from dictwalk.backends.python.reader import Soft
from dictwalk.errors import DictWalkParseError, DictWalkResolutionError

__all__ = ["MAX_PADDING", "set_value", "unset_value"]

# The most items an index write may append to reach its index: ``a[1000000000]`` is a
# resolution error, not an attempt to allocate a billion items (dictwalk-core's MAX_PADDING).
MAX_PADDING = 1 << 20


class _Plan:
    """Changes to existing objects, recorded during planning and applied at the end.

    Every change goes through the containers' own storage (``storage.py``, spec section 3).
    """

    def __init__(self) -> None:
        self._ops: list[Callable[[], object]] = []
        self._fresh: dict[int, object] = {}  # id -> object, kept alive so ids stay unique

    def new(self, obj: Any) -> Any:
        self._fresh[id(obj)] = obj
        return obj

    def _run(self, target: object, op: Callable[[], object]) -> None:
        if id(target) in self._fresh:
            op()
        else:
            self._ops.append(op)

    def setitem(self, container: Any, key: Any, value: Any) -> None:
        self._run(container, lambda: storage.put(container, key, value))

    def delitem(self, container: Any, key: Any) -> None:
        self._run(container, lambda: storage.remove(container, key))

    def append(self, items: list[Any], value: Any) -> None:
        self._run(items, lambda: storage.append(items, value))

    def replace_all(self, items: list[Any], values: list[Any]) -> None:
        self._run(items, lambda: storage.replace_all(items, values))

    def clear(self, container: Any) -> None:
        self._run(container, lambda: storage.clear(container))

    def apply(self) -> None:
        for op in self._ops:
            op()


@dataclass
class _Holder:
    """Where the current value lives: ``container[key]``, or the root when container is None."""

    container: Any
    key: Any


@dataclass(frozen=True)
class _SetOptions:
    create_missing: bool
    create_filter_match: bool
    overwrite_incompatible: bool


_is_container = storage.is_container

# The steps that name a key, before which a scalar reached by `*` or a predicate is replaced.
_KEYED = (Get, Map, Index, Slice)


def _keys(container: Any) -> list[Any]:
    """A dict's keys or a list's indexes, taken before any change."""
    if isinstance(container, dict):
        return storage.keys(container)
    return list(range(storage.length(container)))


def _child(container: Any, key: Any) -> Any:
    """``container[key]`` through the storage; ``MISSING`` when a custom filter run during
    planning has removed it."""
    if isinstance(container, dict):
        return storage.lookup(container, key)
    try:
        return storage.item(container, key)
    except IndexError:
        return storage.MISSING


# ---------------------------------------------------------------------------------------------
# set
# ---------------------------------------------------------------------------------------------


class _Setter:
    def __init__(self, root: Any, path: str, value: Any, options: _SetOptions) -> None:
        self.root = root
        self.path = path
        self.options = options
        self.plan = _Plan()
        self.pipeline: Pipeline | None = None
        self.value = value
        if isinstance(value, str) and value.startswith(parser.ROOT):
            self.value = _root_value(root, value)
        elif isinstance(value, str):
            try:
                self.pipeline = parser.parse_pipeline(value)
            except DictWalkParseError:
                self.pipeline = None  # not a pipeline: stored as the literal string (spec 9.1)

    def compute(self, old: Any) -> Any:
        if self.pipeline is None:
            return self.value
        try:
            return reader.apply_pipeline(self.pipeline, old, self.root)
        except Soft as soft:
            failure = soft
        # Outside the handler: the error carries no internal exception (spec 1.1).
        raise DictWalkResolutionError(self.path, failure.token, failure.message)

    def replace(self, holder: _Holder, new: Any) -> Any:
        """Put ``new`` where the current value was; at the root the replacement is lost."""
        self.plan.new(new)
        if holder.container is not None:
            self.plan.setitem(holder.container, holder.key, new)
        return new

    def write(self, holder: _Holder, value: Any, tokens: tuple[Token, ...], create: bool) -> None:
        token, rest = tokens[0], tokens[1:]
        opts = self.options
        if isinstance(token, RootSelector):
            self.write_selector(token.selector, holder, value, rest, create)
        elif isinstance(token, Get):
            if not isinstance(value, dict):
                if not (opts.overwrite_incompatible and create):
                    return
                value = self.replace(holder, {})
            self.write_key(value, token.key, rest, create)
        elif isinstance(token, Wildcard):
            if not _is_container(value):
                if not (opts.overwrite_incompatible and create):
                    return
                value = self.replace(holder, {})
            # The children as they are now: a custom filter run while planning may change them.
            children = list(dict.items(value)) if isinstance(value, dict) else enumerate(storage.items(value))
            for key, old in children:
                self.write_child(value, key, rest, create, old, loose=True)
        elif isinstance(token, DeepWildcard):
            if rest:
                # The rest of the path applies below every descendant, changing existing keys only.
                for node in list(reader.descendants(value)):
                    if _is_container(node):
                        self.write(_Holder(None, None), node, rest, False)
        else:
            assert isinstance(token, (Map, Index, Slice, Filter))
            if not isinstance(value, dict):
                if isinstance(token, Filter) and isinstance(value, list):
                    return  # as in 2.6.0, a predicate's key is never looked for in a list
                if not (opts.overwrite_incompatible and create):
                    return
                value = self.replace(holder, {})
            items = storage.lookup(value, token.key)
            items = None if items is storage.MISSING else items
            self.write_selector(token, _Holder(value, token.key), items, rest, create)

    def write_key(self, mapping: dict[Any, Any], key: str, rest: tuple[Token, ...], create: bool) -> None:
        old = storage.lookup(mapping, key)
        if not rest:
            if old is not storage.MISSING or create:
                self.plan.setitem(mapping, key, self.compute(None if old is storage.MISSING else old))
            return
        if old is storage.MISSING:
            if not create:
                return
            new = self.plan.new({})
            self.plan.setitem(mapping, key, new)
            self.write(_Holder(mapping, key), new, rest, create)
            return
        self.write_child(mapping, key, rest, create)

    def write_child(
        self,
        container: Any,
        key: Any,
        rest: tuple[Token, ...],
        create: bool,
        old: Any = storage.MISSING,
        *,
        loose: bool = False,
    ) -> None:
        """Writes the rest of the path at ``container[key]``.

        A non-container there is replaced with ``{}`` when overwrite_incompatible. A child
        that ``*`` or a predicate's match reached (``loose``) is replaced only when the write
        may also create, and only for a next step that names a key: as in 2.6.0, ``*``,
        ``**`` and a predicate step leave a scalar they meet alone.
        """
        if old is storage.MISSING:
            old = _child(container, key)
        if old is storage.MISSING:
            return  # a custom filter run during planning removed it: nothing to write into
        if not rest:
            self.plan.setitem(container, key, self.compute(old))
            return
        if not _is_container(old):
            if not self.options.overwrite_incompatible:
                return
            if loose and not (create and isinstance(rest[0], _KEYED)):
                return
            old = self.plan.new({})
            self.plan.setitem(container, key, old)
        self.write(_Holder(container, key), old, rest, create)

    def write_selector(
        self,
        selector: Map | Index | Slice | Filter,
        holder: _Holder,
        items: Any,
        rest: tuple[Token, ...],
        create: bool,
    ) -> None:
        """Selectors on the list found at ``holder`` (a dict key, or the root for ``.[..]``)."""
        at_root = holder.container is None
        if not isinstance(items, list):
            # A missing list is created when create_missing; a present non-list is replaced
            # when overwrite_incompatible (and, before a `k[]` that leads on, create_missing).
            if at_root:
                return
            if not storage.contains(holder.container, holder.key):
                allowed = create
            else:
                allowed = self.options.overwrite_incompatible and (
                    create or not isinstance(selector, Map) or not rest
                )
            if not allowed:
                return
            items = self.replace(holder, [])
        if isinstance(selector, Map):
            if rest and storage.length(items) == 0 and create and not at_root:
                # An empty list gets one new item for the rest of the path to write into.
                new = self.plan.new({})
                self.plan.append(items, new)
                self.write(_Holder(None, None), new, rest, create)
                return
            self.write_each(items, range(storage.length(items)), rest, create)
        elif isinstance(selector, Index):
            self.write_index(items, selector, rest, create)
        elif isinstance(selector, Slice):
            positions = range(storage.length(items))[selector.start : selector.stop]
            self.write_each(items, positions, rest, create)
        else:
            self.write_filter(items, selector, rest, create)

    def write_each(
        self,
        items: list[Any],
        indexes: range | list[int],
        rest: tuple[Token, ...],
        create: bool,
        *,
        loose: bool = False,
    ) -> None:
        for i in indexes:
            self.write_child(items, i, rest, create, loose=loose)

    def write_index(self, items: list[Any], selector: Index, rest: tuple[Token, ...], create: bool) -> None:
        size, index = storage.length(items), selector.index
        if index < 0:
            if -index > size:
                return
            index += size
        elif not create:
            return
        if index - size > MAX_PADDING:
            message = f"Writing index {index} would pad the list with more than {MAX_PADDING} items."
            raise DictWalkResolutionError(self.path, selector.raw, message)
        if index >= size:
            for _ in range(size, index):
                self.plan.append(items, self.plan.new({}) if rest else None)
            if rest:
                new = self.plan.new({})
                self.plan.append(items, new)
                self.write(_Holder(None, None), new, rest, create)
            else:
                self.plan.append(items, self.compute(None))
            return
        self.write_each(items, [index], rest, create)

    def write_filter(self, items: list[Any], selector: Filter, rest: tuple[Token, ...], create: bool) -> None:
        predicate = selector.predicate
        try:
            hits = [
                i
                for i, item in enumerate(storage.items(items))
                if reader.matches(self.root, item, predicate, selector.raw)
            ]
        except Soft:
            return
        if hits:
            self.write_each(items, hits, rest, create, loose=True)
            return
        lhs, rhs = predicate.lhs, predicate.rhs
        if lhs.path is None or lhs.pipeline is not None or predicate.op != "==":
            return
        if not isinstance(rhs, (Literal, RootRef)) or not (create and self.options.create_filter_match):
            return
        # The new item holds the right-hand side's text under the left-hand side's key; as in
        # 2.6.0, a relative path keeps its leading dot as the key and $$root stays unresolved.
        tokens = lhs.path.tokens
        key = tokens[0].key if len(tokens) == 1 and isinstance(tokens[0], Get) else "." + lhs.path.text
        new = self.plan.new({key: rhs.raw if isinstance(rhs, Literal) else rhs.path})
        if rest:
            self.plan.append(items, new)
            self.write(_Holder(None, None), new, rest, create)
        else:
            self.plan.append(items, self.compute(new))


def _root_value(root: Any, value: str) -> Any:
    """A set value ``$$root``, ``$$root.<path>`` or ``$$root|$f``, read strictly from the root."""
    if value == parser.ROOT + "." or not (
        value == parser.ROOT or value.startswith((parser.ROOT + ".", parser.ROOT + "|"))
    ):
        raise DictWalkParseError(
            value,
            value,
            "Invalid '$$root' value expression. Expected '$$root', '$$root.<path>', or '$$root|$filter'.",
        )
    return reader.get(root, value, strict=True)


def set_value(
    data: Any,
    path: str,
    value: Any,
    *,
    strict: bool = False,
    create_missing: bool = True,
    create_filter_match: bool = True,
    overwrite_incompatible: bool = True,
) -> Any:
    parsed = parser.parse_path(path, write=True)
    if strict:
        _require(data, path, parsed.tokens[:-1])
    setter = _Setter(
        data, path, value, _SetOptions(create_missing, create_filter_match, overwrite_incompatible)
    )
    if parsed.tokens:
        setter.write(_Holder(None, None), data, parsed.tokens, create_missing)
    setter.plan.apply()
    return data


def _require(data: Any, path: str, tokens: tuple[Token, ...]) -> None:
    """Strict mode: ``tokens`` must resolve with read semantics."""
    try:
        reader.walk(data, data, tokens)
    except Soft as soft:
        failure = soft
    else:
        return
    # Outside the handler: the error carries no internal exception (spec 1.1).
    raise DictWalkResolutionError(path, failure.token, failure.message)


# ---------------------------------------------------------------------------------------------
# unset
# ---------------------------------------------------------------------------------------------


class _Unsetter:
    def __init__(self, root: Any) -> None:
        self.root = root
        self.plan = _Plan()

    def remove(self, holder: _Holder, value: Any, tokens: tuple[Token, ...]) -> None:
        token, rest = tokens[0], tokens[1:]
        if isinstance(token, RootSelector):
            if isinstance(value, list):
                self.remove_selected(_Holder(None, None), value, token.selector, rest)
        elif isinstance(token, Get):
            if not isinstance(value, dict):
                return
            child = storage.lookup(value, token.key)
            if child is storage.MISSING:
                return
            if rest:
                self.remove(_Holder(value, token.key), child, rest)
            else:
                self.plan.delitem(value, token.key)
        elif isinstance(token, Wildcard):
            if not _is_container(value):
                return
            if not rest:
                self.plan.clear(value)
                return
            for key in _keys(value):
                child = _child(value, key)
                if child is not storage.MISSING:
                    self.remove(_Holder(value, key), child, rest)
        elif isinstance(token, DeepWildcard):
            if rest:
                for node in list(reader.descendants(value)):
                    if _is_container(node):
                        self.remove(_Holder(None, None), node, rest)
        else:
            assert isinstance(token, (Map, Index, Slice, Filter))
            if not isinstance(value, dict):
                return
            items = storage.lookup(value, token.key)
            if isinstance(items, list):
                self.remove_selected(_Holder(value, token.key), items, token, rest)

    def remove_selected(
        self, holder: _Holder, items: list[Any], selector: Token, rest: tuple[Token, ...]
    ) -> None:
        # A snapshot: a custom filter in a predicate may change the list while it is matched.
        snapshot = storage.items(items)
        size = len(snapshot)
        if isinstance(selector, Map):
            indexes = list(range(size))
        elif isinstance(selector, Index):
            index = selector.index + size if selector.index < 0 else selector.index
            indexes = [index] if 0 <= index < size else []
        elif isinstance(selector, Slice):
            indexes = list(range(size)[selector.start : selector.stop])
        else:
            assert isinstance(selector, Filter)
            try:
                indexes = [
                    i
                    for i, item in enumerate(snapshot)
                    if reader.matches(self.root, item, selector.predicate, selector.raw)
                ]
            except Soft:
                return
        if rest:
            for i in indexes:
                self.remove(_Holder(items, i), snapshot[i], rest)
            return
        if isinstance(selector, Map):
            self._replace_list(holder, items, [])
        elif isinstance(selector, Filter):
            doomed = set(indexes)
            self._replace_list(holder, items, [item for i, item in enumerate(snapshot) if i not in doomed])
        else:
            for i in sorted(indexes, reverse=True):
                self.plan.delitem(items, i)

    def _replace_list(self, holder: _Holder, items: list[Any], keep: list[Any]) -> None:
        """``d[k]`` becomes a new list; a root list is cleared and refilled in place."""
        if holder.container is None:
            self.plan.replace_all(items, keep)
        else:
            self.plan.setitem(holder.container, holder.key, keep)


def unset_value(data: Any, path: str, *, strict: bool = False) -> Any:
    parsed = parser.parse_path(path, write=True)
    if strict:
        _require(data, path, parsed.tokens)
    unsetter = _Unsetter(data)
    if parsed.tokens:
        unsetter.remove(_Holder(None, None), data, parsed.tokens)
    unsetter.plan.apply()
    return data
