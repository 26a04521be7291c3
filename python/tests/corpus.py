"""The parity corpus: loading, the tagged value codec, running one case, judging the outcome.

This module is the Python loader of ``parity/cases/*.json`` (``crates/dictwalk-corpus`` is the
Rust one; both give the same errors on the shared fixtures). It is stdlib-only and imports no
dictwalk code, so that the same file serves pytest (in process, on each backend) and the
worker processes that run a case on another installation, such as dictwalk 2.6.0 in its own
virtual environment (``worker.py``). The file format is described in ARCHITECTURE.md under
``parity/``.

The codec. Corpus JSON stands for Python values: JSON says what it can, and a one-key object
whose key is a tag says the rest. ``decode`` builds the value, ``encode`` turns a result back
into corpus JSON, and expectations are written in the form ``encode`` gives, so ``judge``
compares JSON with JSON. A dict whose only key reads as a tag is encoded as ``$dict``.

- ``{"$tuple": [...]}``, ``{"$set": [...]}``, ``{"$frozenset": [...]}``: the items (set items
  sorted by their JSON text when encoded).
- ``{"$bytes": "<base64>"}``, ``{"$int": "<digits>"}`` (ints beyond 2**53),
  ``{"$float": "nan" | "inf" | "-inf"}``, ``{"$datetime": "<iso>"}``, ``{"$decimal": "1.5"}``.
- ``{"$dict": [[key, value], ...]}``: a dict whose keys are not all strs.
- ``{"$nest": {"depth": n, "key": "a", "leaf": v}}``: n nested single-key dicts,
  ``{"a": {"a": ... v}}``; with ``"key": null``, n nested single-item lists, ``[[... v]]``.
  Built without recursion, so 100,000 levels cost no stack. ``encode`` writes every run of at
  least ``NEST_MIN`` such containers (same key) this way, with the longest run it can.
- ``{"$range": [start, stop]}``: ``list(range(start, stop))``; decode only (a million-item
  list stays one short line).
- ``{"$cycle": n}``: a reference back to the list or dict n levels up: 1 is the container
  holding the marker, 2 its parent, and so on; every Python container counts as a level
  (a ``$nest`` as ``depth`` levels). So ``{"x": 1, "self": {"$cycle": 1}}`` is a dict that
  contains itself and ``[1, {"$cycle": 1}]`` a list that contains itself. ``encode`` writes
  this marker whenever a container is met again inside itself, so encoding ends on any
  cyclic value; decode accepts references to the lists and dicts it is building (not to
  tuples or sets, which exist only once complete, nor past the leaf of a ``$nest``).
- ``{"$raising": ["eq", "lt", ...]}``: an instance of a class whose named special methods
  raise RuntimeError: ``eq``, ``ne``, ``lt``, ``le``, ``gt``, ``ge``, ``hash``, ``str``,
  ``repr``, ``bool``. Its ``repr()``, unless listed, is ``Raising(eq, lt)``. Encoded back to
  the same tag without calling any of those methods.
- ``{"$str": ["text", 55296, ...]}``: a str that UTF-8 cannot hold (a lone surrogate, spec
  1.1): its runs of text and, as ints, the code points of its surrogates. ``encode`` writes
  every such str this way.
- ``{"$repr": "<text>"}``: output only, any other object, as its ``repr()`` (the class name
  when ``repr()`` raises).

Dict and list subclasses, whose own methods a path must never call (spec section 3). A
mapping body is a JSON object (its keys are the keys, never read as tags) or, when a key is
not a str, a list of ``[key, value]`` pairs as in ``$dict``. Each is built, filled and encoded
through the built-in type's own methods, so that no override runs; every one counts as a
level for ``$cycle``.

- ``{"$counter": <mapping>}``: a ``collections.Counter``.
- ``{"$ordereddict": <mapping>}``: a ``collections.OrderedDict``, encoded in its own order (an
  OrderedDict whose order and storage disagree, which a write into the dict's storage alone
  leaves, cannot be encoded: EncodeError).
- ``{"$defaultdict": {"factory": name, "items": <mapping>}}``: a ``collections.defaultdict``
  whose ``default_factory`` is one of ``FACTORIES`` (``null`` for none).
- ``{"$dict_subclass": {"overrides": [...], "items": <mapping>}}`` and
  ``{"$list_subclass": {"overrides": [...], "items": [...]}}``: an instance of a dict or list
  subclass whose named methods (``DICT_OVERRIDES``, ``LIST_OVERRIDES``) are overridden to
  give a visibly wrong answer: ``__getitem__``, ``__missing__`` and ``get`` return the text
  ``"<name> override"``, ``__iter__`` (and ``keys``, ``values``, ``items``) yields only that
  text, ``__contains__`` says the opposite, ``__len__`` says 0, ``__setitem__`` stores the
  text instead of the value, ``append`` appends it, and ``__delitem__``, ``pop`` and
  ``clear`` change nothing. Any other dict subclass is encoded with no overrides.

Custom filters. A case may call the filters of ``CUSTOM_FILTERS`` by name (``$corpus_clear``);
``run_case`` registers the ones a case names before running it. Each mutates the document it
is applied to, through its argument (``a[?.|$corpus_clear($$root.a)]`` empties the list being
matched): spec section 3 leaves the result unspecified, but requires a result or a
DictWalkError, never a crash, a hang or a raw exception.

The read-mutation check. ``run_case`` takes a ``Snapshot`` of the document before every
``get`` and ``exists`` (its encoding and every container in it, by identity) and, when the
read changed either, adds ``"mutated": "<what changed>"`` to the outcome, which ``judge``
and ``cargo xtask parity`` report as a read that mutated the document, whatever the value.
A case that calls one of ``CUSTOM_FILTERS`` is exempt: its own filter changes the document.

``encode`` is iterative, so no value is too deep for it; it gives up only on outcomes larger
than ``ENCODE_BUDGET`` nodes (``EncodeError``), which ``run_case`` records as an error outcome.
"""

from __future__ import annotations

import base64
import copy
import datetime as _dt
import decimal
import importlib
import itertools
import json
import marshal
import math
import pickle
import re
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1
CORPUS_DIR = Path(__file__).resolve().parents[2] / "parity" / "cases"

# The path operations, then the calls of the API around them: ``get_path_filter`` (the filter
# named by ``path``, applied to ``args.value``), ``register_path_filter`` (``_add_hundred``
# registered as ``path``, then ``$path`` applied to ``args.value``) and ``DictWalk`` (the API
# object made with no argument, which must run on the default backend, and a ``get`` of
# ``path`` through it).
OPERATIONS = (
    "get",
    "exists",
    "set",
    "unset",
    "run_filter",
    "get_path_filter",
    "register_path_filter",
    "DictWalk",
)
# The operations whose case must give ``args.value``.
NEEDS_VALUE = ("set", "run_filter", "get_path_filter", "register_path_filter")
BACKENDS = ("python", "rust", "core", "legacy")
ERROR_CLASSES = (
    "DictWalkParseError",
    "DictWalkResolutionError",
    "DictWalkOperatorError",
    # The base class, as such: get_path_filter of a name no filter has.
    "DictWalkError",
    "TypeError",
    "ValueError",
    "KeyError",
    "ZeroDivisionError",
    "AttributeError",
    # run_filter_function lets these through from the value itself: an object whose method
    # raises, a value nested past the interpreter's recursion limit.
    "RuntimeError",
    "RecursionError",
)
_CASE_FIELDS = {"id", "op", "path", "doc", "doc_ref", "args", "expect", "diverges", "note"}
_ARGS_BY_OP = {
    "get": {"default", "strict"},
    "exists": {"strict"},
    "set": {"value", "strict", "create_missing", "create_filter_match", "overwrite_incompatible"},
    "unset": {"strict"},
    "run_filter": {"value"},
    "get_path_filter": {"value"},
    "register_path_filter": {"value"},
    "DictWalk": set(),
}
_EXPECT_FIELDS = {"value", "doc", "error", "message", "same", "context", "cause", "pickles"}
# What an error outcome tells of the exception beyond its class and message: the class names
# of its __context__ and __cause__ (None when unset), and whether it survives pickle and copy.
_DETAIL_FIELDS = ("context", "cause", "pickles")
# The keys of expect that state an outcome; message and same only refine one.
_OUTCOME_FIELDS = {"value", "doc", "error"}


class CorpusError(Exception):
    """The corpus is malformed; the message names the file and the case."""


class EncodeError(Exception):
    """A result too large to write as corpus JSON."""


# ---------------------------------------------------------------------------------------------
# The tagged codec: JSON for everything JSON can say, a one-key object for the rest.
# ---------------------------------------------------------------------------------------------

TAGS = (
    "$tuple",
    "$set",
    "$frozenset",
    "$bytes",
    "$int",
    "$float",
    "$datetime",
    "$decimal",
    "$dict",
    "$nest",
    "$range",
    "$cycle",
    "$raising",
    "$repr",
    "$counter",
    "$ordereddict",
    "$defaultdict",
    "$dict_subclass",
    "$list_subclass",
    "$str",
)
NEST_MIN = 64
ENCODE_BUDGET = 2_000_000
RAISING_METHODS = ("eq", "ne", "lt", "le", "gt", "ge", "hash", "str", "repr", "bool")


class Raising:
    """The base of the objects ``$raising`` builds; ``raises`` names the methods that raise."""

    __slots__ = ()
    raises: tuple[str, ...] = ()


_RAISING_CLASSES: dict[tuple[str, ...], type[Raising]] = {}


def _raising_class(names: tuple[str, ...]) -> type[Raising]:
    cls = _RAISING_CLASSES.get(names)
    if cls is None:
        label = f"Raising({', '.join(names)})"
        namespace: dict[str, Any] = {
            "__slots__": (),
            "raises": names,
            # Defining __eq__ would otherwise clear __hash__; hashing works unless "hash" is named.
            "__hash__": object.__hash__,
            "__repr__": lambda self: label,
        }
        for name in names:
            namespace[f"__{name}__"] = _raiser(name)
        cls = type("Raising", (Raising,), namespace)
        _RAISING_CLASSES[names] = cls
    return cls


def _raiser(name: str) -> Callable[..., Any]:
    def method(self: Any, *args: Any) -> Any:
        raise RuntimeError(f"__{name}__ raises on purpose")

    return method


# Dict and list subclasses. The classes of $dict_subclass and $list_subclass are made once per
# set of overrides; every override gives a visibly wrong answer, so that a backend that calls
# one is seen to.

FACTORY_NAMES = ("list", "dict", "int", "str", "set")
FACTORIES: dict[str, Callable[[], Any]] = dict(zip(FACTORY_NAMES, (list, dict, int, str, set), strict=True))
DICT_OVERRIDES = (
    "getitem",
    "missing",
    "iter",
    "contains",
    "get",
    "keys",
    "values",
    "items",
    "len",
    "setitem",
    "delitem",
    "pop",
    "clear",
)
LIST_OVERRIDES = ("getitem", "iter", "contains", "len", "setitem", "delitem", "append", "pop", "clear")
_DUNDERS = {"getitem", "missing", "iter", "contains", "len", "setitem", "delitem"}


class Overriding:
    """The base of the classes ``$dict_subclass`` and ``$list_subclass`` build."""

    __slots__ = ()
    overrides: tuple[str, ...] = ()


_SUBCLASSES: dict[tuple[type, tuple[str, ...]], type] = {}


def _subclass(base: type, names: tuple[str, ...]) -> type:
    cls = _SUBCLASSES.get((base, names))
    if cls is None:
        namespace: dict[str, Any] = {"__slots__": (), "overrides": names}
        for name in names:
            namespace[f"__{name}__" if name in _DUNDERS else name] = _override(base, name)
        label = "DictSubclass" if base is dict else "ListSubclass"
        cls = type(label, (Overriding, base), namespace)
        _SUBCLASSES[(base, names)] = cls
    return cls


def _override(base: Any, name: str) -> Callable[..., Any]:
    text = f"__{name}__ override" if name in _DUNDERS else f"{name} override"
    if name in ("getitem", "missing"):
        return lambda self, key: text
    if name == "get":
        return lambda self, key, default=None: text
    if name == "iter":
        return lambda self: iter((text,))
    if name in ("keys", "values", "items"):
        return lambda self: [text]
    if name == "contains":
        return lambda self, key: not base.__contains__(self, key)
    if name == "len":
        return lambda self: 0
    if name == "setitem":
        return lambda self, key, value: base.__setitem__(self, key, text)
    if name == "append":
        return lambda self, value: list.append(self, text)
    if name == "pop":
        return lambda self, *args: text
    return lambda self, *args: None  # delitem, clear: change nothing


def _store(mapping: dict[Any, Any], key: Any, value: Any) -> None:
    """``mapping[key] = value`` through the built-in type's own method (no override runs)."""
    if isinstance(mapping, OrderedDict):
        OrderedDict.__setitem__(mapping, key, value)
    else:
        dict.__setitem__(mapping, key, value)


# Custom filters a case may call; each changes the document through its argument and gives
# back the value it was applied to (so a predicate `[?.|$corpus_clear(...)]` keeps truthy items).


def _corpus_clear(value: Any, target: Any) -> Any:
    """Empties the list or dict ``target``."""
    target.clear()
    return value


def _corpus_drop(value: Any, target: Any) -> Any:
    """Removes the last item of the list, or the last key of the dict, ``target``."""
    if target:
        if isinstance(target, dict):
            target.popitem()
        else:
            target.pop()
    return value


def _corpus_grow(value: Any, target: Any) -> Any:
    """Appends a new dict to the list ``target``, or adds a key holding one to the dict."""
    grown = {"grown": len(target)}
    if isinstance(target, dict):
        target[f"grown{len(target)}"] = grown
    else:
        target.append(grown)
    return value


# The API a case runs on, for ``_corpus_rebind``, which registers a filter itself.
_running: list[Any] = []


def _corpus_rebind(value: Any) -> Any:
    """Adds 1, and registers ``$corpus_rebind`` again as a filter that adds 100: custom
    filters are looked up when applied (spec 1.1), so a later step of the same pipeline adds 100."""
    _running[-1].register_path_filter("corpus_rebind", _add_hundred)
    return value + 1


def _add_hundred(value: Any) -> Any:
    return value + 100


CUSTOM_FILTERS: dict[str, Callable[..., Any]] = {
    "corpus_clear": _corpus_clear,
    "corpus_drop": _corpus_drop,
    "corpus_grow": _corpus_grow,
    "corpus_rebind": _corpus_rebind,
}
_CUSTOM_CALL = re.compile(r"\$(corpus_[A-Za-z0-9_]*)")
_NO_TEXT = frozenset({bool, int, float, type(None)})


def custom_filters_of(case: Mapping[str, Any]) -> list[str]:
    """The names of ``CUSTOM_FILTERS`` that a case's path or arguments call (or, for
    ``get_path_filter``, that its path names)."""
    path = case["path"]
    if case["op"] == "get_path_filter" and isinstance(path, str) and path in CUSTOM_FILTERS:
        return [path]
    text = path if isinstance(path, str) else json.dumps(path)
    # Only a str, list or dict argument can hold a call; most cases have none, nor a call at all.
    if not all(type(value) in _NO_TEXT for value in case["args"].values()):
        text += json.dumps(case["args"])
    if "$corpus_" not in text:
        return []
    return sorted({name for name in _CUSTOM_CALL.findall(text) if name in CUSTOM_FILTERS})


class _Opening:
    """A list or dict that ``decode`` is filling, or (``None``) a tuple or set level."""

    __slots__ = ("container",)

    def __init__(self, container: list[Any] | dict[Any, Any] | None) -> None:
        self.container = container


def decode(raw: Any) -> Any:
    """Turn corpus JSON into the Python value it stands for; CorpusError when it is malformed."""
    try:
        return _plain_copy(raw, 0, [ENCODE_BUDGET])
    except _NotPlain:
        pass
    try:
        return _decode(raw, [])
    except CorpusError:
        raise
    except RecursionError:
        raise CorpusError("a value is nested too deeply to decode; write it with $nest") from None
    except Exception as exc:  # anything a malformed body makes the constructors raise
        raise CorpusError(f"malformed tagged value: {type(exc).__name__}: {exc}") from None


def _decode(raw: Any, levels: list[_Opening]) -> Any:
    if isinstance(raw, list):
        items: list[Any] = []
        levels.append(_Opening(items))
        for item in raw:
            items.append(_decode(item, levels))
        levels.pop()
        return items
    if isinstance(raw, dict):
        if len(raw) == 1:
            ((tag, body),) = raw.items()
            if tag in TAGS:
                return _decode_tagged(tag, body, levels)
        mapping: dict[str, Any] = {}
        levels.append(_Opening(mapping))
        for key, value in raw.items():
            mapping[key] = _decode(value, levels)
        levels.pop()
        return mapping
    return raw


def _decode_tagged(tag: str, body: Any, levels: list[_Opening]) -> Any:
    if tag in ("$tuple", "$set", "$frozenset"):
        if not isinstance(body, list):
            raise CorpusError(f"{tag} takes a list")
        levels.append(_Opening(None))
        items = [_decode(item, levels) for item in body]
        levels.pop()
        return tuple(items) if tag == "$tuple" else set(items) if tag == "$set" else frozenset(items)
    if tag == "$bytes":
        return base64.b64decode(body, validate=True)
    if tag == "$int":
        return int(body)
    if tag == "$float":
        return float(body)
    if tag == "$datetime":
        return _dt.datetime.fromisoformat(body)
    if tag == "$decimal":
        return decimal.Decimal(body)
    if tag == "$dict":
        if not isinstance(body, list) or not all(isinstance(pair, list) and len(pair) == 2 for pair in body):
            raise CorpusError("$dict takes a list of [key, value] pairs")
        mapping: dict[Any, Any] = {}
        levels.append(_Opening(mapping))
        for key, value in body:
            mapping[_decode(key, levels)] = _decode(value, levels)
        levels.pop()
        return mapping
    if tag == "$str":
        if not isinstance(body, list) or not all(
            isinstance(piece, str) or (type(piece) is int and 0 <= piece <= 0x10FFFF) for piece in body
        ):
            raise CorpusError("$str takes a list of strs and code points")
        return "".join(piece if isinstance(piece, str) else chr(piece) for piece in body)
    if tag == "$nest":
        return _decode_nest(body)
    if tag == "$range":
        if not (isinstance(body, list) and len(body) == 2 and all(type(end) is int for end in body)):
            raise CorpusError("$range takes [start, stop], two ints")
        return list(range(body[0], body[1]))
    if tag == "$cycle":
        if type(body) is not int or not 1 <= body <= len(levels):
            raise CorpusError(f"$cycle {body!r} does not name an enclosing container")
        target = levels[-body].container
        if target is None:
            raise CorpusError("$cycle can refer only to a list or a dict")
        return target
    if tag == "$raising":
        if not isinstance(body, list) or not body or not set(body) <= set(RAISING_METHODS):
            raise CorpusError(f"$raising takes a list of method names from {', '.join(RAISING_METHODS)}")
        return _raising_class(tuple(body))()
    if tag == "$counter":
        return _fill(Counter(), tag, body, levels)
    if tag == "$ordereddict":
        return _fill(OrderedDict(), tag, body, levels)
    if tag == "$defaultdict":
        if not (isinstance(body, dict) and set(body) == {"factory", "items"}):
            raise CorpusError('$defaultdict takes {"factory": name or null, "items": mapping}')
        factory = body["factory"]
        if factory is not None and factory not in FACTORIES:
            raise CorpusError(f"$defaultdict's factory must be null or one of {', '.join(FACTORIES)}")
        return _fill(defaultdict(FACTORIES[factory] if factory else None), tag, body["items"], levels)
    if tag in ("$dict_subclass", "$list_subclass"):
        base, allowed = (dict, DICT_OVERRIDES) if tag == "$dict_subclass" else (list, LIST_OVERRIDES)
        if not (isinstance(body, dict) and set(body) == {"overrides", "items"}):
            raise CorpusError(f'{tag} takes {{"overrides": [names], "items": ...}}')
        names = body["overrides"]
        if not isinstance(names, list) or not set(names) <= set(allowed) or len(set(names)) != len(names):
            raise CorpusError(f"{tag}'s overrides are distinct names from {', '.join(allowed)}")
        container = _subclass(base, tuple(names))()
        if base is dict:
            return _fill(container, tag, body["items"], levels)
        if not isinstance(body["items"], list):
            raise CorpusError("$list_subclass's items must be a list")
        levels.append(_Opening(container))
        for item in body["items"]:
            list.append(container, _decode(item, levels))
        levels.pop()
        return container
    raise CorpusError(f"{tag} is written by encode only; a document or argument cannot hold it")


def _fill(mapping: Any, tag: str, body: Any, levels: list[_Opening]) -> Any:
    """``mapping`` filled from a mapping body: an object, or a list of ``[key, value]`` pairs."""
    levels.append(_Opening(mapping))
    if isinstance(body, dict):
        for key, value in body.items():
            _store(mapping, key, _decode(value, levels))
    elif isinstance(body, list) and all(isinstance(pair, list) and len(pair) == 2 for pair in body):
        for key, value in body:
            _store(mapping, _decode(key, levels), _decode(value, levels))
    else:
        raise CorpusError(f"{tag} takes an object or a list of [key, value] pairs")
    levels.pop()
    return mapping


def _decode_nest(body: Any) -> Any:
    if not (isinstance(body, dict) and set(body) == {"depth", "key", "leaf"}):
        raise CorpusError('$nest takes {"depth": n, "key": str or null, "leaf": value}')
    depth, key = body["depth"], body["key"]
    if type(depth) is not int or depth < 1 or not (key is None or isinstance(key, str)):
        raise CorpusError("$nest needs a depth of at least 1 and a str or null key")
    value = _decode(body["leaf"], [])
    for _ in range(depth):
        value = [value] if key is None else {key: value}
    return value


class _NotPlain(Exception):
    """The value is not plain JSON: ``encode`` and ``decode`` take their general path."""


# Deeper values take the general path, so that a plain copy never holds a ``$nest`` run (of
# ``NEST_MIN`` levels), a cycle or more than a few frames of recursion.
_PLAIN_DEPTH = NEST_MIN // 2
_TAG_SET = frozenset(TAGS)
_BIG = 2**53


def _plain_copy(value: Any, depth: int, budget: list[int], found: list[Any] | None = None) -> Any:
    """A copy of a value made of exact dicts (str keys, not a one-key tag), lists, strs that
    UTF-8 can hold, bools, None, ints within 2**53 and finite floats, no deeper than
    ``_PLAIN_DEPTH``, with at most ``budget[0]`` nodes: such a value is its own encoding and
    its own decoding, so both functions copy it here, several times faster than their general
    walks (which a mutation fuzz run calls for every case). Raises _NotPlain for any other
    value. With ``found``, it also lists every list and dict in depth-first pre-order, as
    ``_containers`` does."""
    kind = type(value)
    if kind is not list and kind is not dict:
        if _plain_scalar(value):
            return value
        raise _NotPlain
    if depth >= _PLAIN_DEPTH:
        raise _NotPlain
    budget[0] -= len(value)
    if budget[0] < 0:
        raise _NotPlain
    if found is not None:
        found.append(value)
    # Scalars are checked inline: most nodes are scalars, and a call each would double the cost.
    if kind is list:
        items = []
        for item in value:
            of = type(item)
            if (
                (of is str and item.isascii())
                or item is None
                or of is bool
                or (of is int and -_BIG <= item <= _BIG)
            ):
                items.append(item)
            else:
                items.append(_plain_copy(item, depth + 1, budget, found))
        return items
    if len(value) == 1 and next(iter(value)) in _TAG_SET:
        raise _NotPlain
    mapping = {}
    for key, item in value.items():
        if type(key) is not str or not (key.isascii() or _utf8(key)):
            raise _NotPlain
        of = type(item)
        if (
            (of is str and item.isascii())
            or item is None
            or of is bool
            or (of is int and -_BIG <= item <= _BIG)
        ):
            mapping[key] = item
        else:
            mapping[key] = _plain_copy(item, depth + 1, budget, found)
    return mapping


def _plain_scalar(value: Any) -> bool:
    kind = type(value)
    if kind is int:
        return bool(-_BIG <= value <= _BIG)
    if kind is float:
        return math.isfinite(value)
    if kind is str:
        return bool(value.isascii() or _utf8(value))  # a lone surrogate is a $str
    return kind is bool or value is None


# Encoding walks an explicit stack of frames, one per container being written (or one per run
# of containers written as a ``$nest``).
_CONTAINER = object()
_DONE = object()


class _Frame:
    __slots__ = ("chain", "finish", "ident", "items", "out", "size")

    def __init__(
        self,
        items: Iterator[Any],
        finish: Callable[[list[Any]], Any],
        ident: int | None,
        chain: dict[int, int] | None = None,
    ) -> None:
        self.items = items
        self.finish = finish
        self.ident = ident  # id() of the container, None for the root holder
        self.chain = chain  # for a $nest: id() of each level -> its offset from the first
        self.size = len(chain) if chain is not None else 0 if ident is None else 1
        self.out: list[Any] = []


# The open $nest runs of an encoding: the level of each run's first container, and the run.
_Nests = list[tuple[int, dict[int, int]]]


def encode(value: Any) -> Any:
    """Turn a Python value into corpus JSON; ``decode(encode(v)) == v`` for supported values.

    Raises EncodeError when the value has more than ``ENCODE_BUDGET`` nodes.
    """
    try:
        return _plain_copy(value, 0, [ENCODE_BUDGET])
    except _NotPlain:
        pass
    scalar = _encode_scalar(value)
    if scalar is not _CONTAINER:
        return scalar
    on_path: dict[int, int] = {}  # id() of each open container outside a $nest -> its level
    nests: _Nests = []
    stack = [_Frame(iter((value,)), _first, None)]
    depth = 0
    budget = ENCODE_BUDGET
    while True:
        frame = stack[-1]
        item = next(frame.items, _DONE)
        if item is _DONE:
            stack.pop()
            if frame.chain is not None:
                nests.pop()
            elif frame.ident is not None:
                del on_path[frame.ident]
            depth -= frame.size
            encoded = frame.finish(frame.out)
            if not stack:
                return encoded
            stack[-1].out.append(encoded)
            continue
        budget -= 1
        if budget < 0:
            raise EncodeError(f"the value has more than {ENCODE_BUDGET} nodes")
        encoded = _encode_scalar(item)
        if encoded is not _CONTAINER:
            frame.out.append(encoded)
            continue
        ident = id(item)
        level = on_path.get(ident)
        if level is None and nests:
            level = _nest_level(ident, nests)
        if level is not None:
            frame.out.append({"$cycle": depth - level})
            continue
        child = _open(item, ident, on_path, nests, budget)
        budget -= child.size - 1
        if child.chain is not None:
            nests.append((depth, child.chain))
        else:
            on_path[ident] = depth
        depth += child.size
        stack.append(child)


def _nest_level(ident: int, nests: _Nests) -> int | None:
    for first, chain in nests:
        offset = chain.get(ident)
        if offset is not None:
            return first + offset
    return None


def _first(out: list[Any]) -> Any:
    return out[0]


def _encode_scalar(value: Any) -> Any:
    """The encoding of a value that holds no other values, or ``_CONTAINER``."""
    if isinstance(value, str):
        return value if value.isascii() or _utf8(value) else {"$str": _str_pieces(value)}
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if -(2**53) <= value <= 2**53 else {"$int": str(value)}
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$float": repr(value)}
    if isinstance(value, (list, dict, tuple, set, frozenset)):
        return _CONTAINER
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode("ascii")}
    if isinstance(value, _dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, decimal.Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, Raising):
        return {"$raising": list(value.raises)}
    try:
        text = repr(value)
    except Exception:  # an object whose repr() raises is named by its class
        text = type(value).__name__
    return {"$repr": text}


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _str_pieces(text: str) -> list[Any]:
    """A str with surrogates as ``$str`` pieces: runs of text, and each surrogate's code point."""
    pieces: list[Any] = []
    for piece in re.split("([\ud800-\udfff])", text):
        if len(piece) == 1 and "\ud800" <= piece <= "\udfff":
            pieces.append(ord(piece))
        elif piece:
            pieces.append(piece)
    return pieces


def _open(container: Any, ident: int, on_path: Mapping[int, int], nests: _Nests, budget: int) -> _Frame:
    nest = _nest(container, ident, on_path, nests, budget)
    if nest is not None:
        key, chain, leaf = nest
        depth = len(chain)
        return _Frame(
            iter((leaf,)), lambda out: {"$nest": {"depth": depth, "key": key, "leaf": out[0]}}, None, chain
        )
    if type(container) is not list and type(container) is not dict and isinstance(container, (list, dict)):
        return _subclass_frame(container, ident)
    if isinstance(container, list):
        return _Frame(iter(container), _same_list, ident)
    if isinstance(container, dict):
        # A key JSON cannot hold (a str with a surrogate) makes the dict a $dict of pairs.
        if all(isinstance(key, str) and (key.isascii() or _utf8(key)) for key in container) and not (
            len(container) == 1 and next(iter(container)) in TAGS
        ):
            keys = list(container)
            return _Frame(iter(container.values()), lambda out: dict(zip(keys, out, strict=True)), ident)
        return _Frame(itertools.chain.from_iterable(container.items()), _dict_pairs, ident)
    if isinstance(container, tuple):
        return _Frame(iter(container), _tuple, ident)
    tag = "$set" if isinstance(container, set) else "$frozenset"
    return _Frame(iter(container), lambda out: {tag: sorted(out, key=_sort_key)}, ident)


def _subclass_frame(container: Any, ident: int) -> _Frame:
    """A dict or list subclass, read through the built-in type's own methods."""
    overrides = list(container.overrides) if isinstance(container, Overriding) else []
    if isinstance(container, list):
        return _Frame(
            iter(list.copy(container)),
            lambda out: {"$list_subclass": {"overrides": overrides, "items": out}},
            ident,
        )
    wrap: Callable[[Any], Any]
    if isinstance(container, OrderedDict):
        # Its own order: a write into the dict's storage alone leaves an OrderedDict that
        # lists fewer keys than it holds, or keys it no longer holds.
        try:
            pairs = list(OrderedDict.items(container))
        except Exception as exc:
            raise EncodeError(f"an OrderedDict whose order and storage disagree: {exc!r}") from None
        held = dict.__len__(container)
        if len(pairs) != held:
            raise EncodeError(f"an OrderedDict whose order lists {len(pairs)} keys but which holds {held}")

        def wrap(body: Any) -> Any:
            return {"$ordereddict": body}

    else:
        pairs = list(dict.items(container))
        if type(container) is Counter:

            def wrap(body: Any) -> Any:
                return {"$counter": body}

        elif type(container) is defaultdict:
            factory = container.default_factory
            name = next((key for key, value in FACTORIES.items() if value is factory), None)
            label = name if name is not None or factory is None else repr(factory)

            def wrap(body: Any) -> Any:
                return {"$defaultdict": {"factory": label, "items": body}}

        else:

            def wrap(body: Any) -> Any:
                return {"$dict_subclass": {"overrides": overrides, "items": body}}

    keys = [key for key, _ in pairs]
    if all(isinstance(key, str) for key in keys):
        return _Frame(
            iter([value for _, value in pairs]), lambda out: wrap(dict(zip(keys, out, strict=True))), ident
        )
    return _Frame(
        itertools.chain.from_iterable(pairs),
        lambda out: wrap([[out[i], out[i + 1]] for i in range(0, len(out), 2)]),
        ident,
    )


def _same_list(out: list[Any]) -> list[Any]:
    return out


def _tuple(out: list[Any]) -> dict[str, Any]:
    return {"$tuple": out}


def _dict_pairs(out: list[Any]) -> dict[str, Any]:
    return {"$dict": [[out[i], out[i + 1]] for i in range(0, len(out), 2)]}


def _nest(
    container: Any, ident: int, on_path: Mapping[int, int], nests: _Nests, budget: int
) -> tuple[str | None, dict[int, int], Any] | None:
    """The ``$nest`` that starts at ``container``: key, levels and leaf, if it is long enough.

    The levels map the id() of each container of the run to its offset from the first. The
    run stops at a container already open (a cycle); past ``budget`` levels it stops with
    EncodeError, so that a result holding many overlapping deep runs (every descendant of a
    deep document) fails soon rather than late.
    """
    # Exact lists and dicts only: a subclass is written with its own tag.
    key: str | None = None
    if type(container) is list:
        if len(container) != 1:
            return None
    elif type(container) is dict and len(container) == 1:
        key = next(iter(container))
        if not isinstance(key, str) or key in TAGS:
            return None
    else:
        return None
    # One loop per kind, since this walks every level of a 100,000-level document.
    chain = {ident: 0}
    if key is None:
        node = container[0]
        while type(node) is list and len(node) == 1:
            level = id(node)
            if level in chain or level in on_path or (nests and _nest_level(level, nests) is not None):
                break
            chain[level] = len(chain)
            node = node[0]
            if len(chain) > budget:
                raise EncodeError(f"the value has more than {ENCODE_BUDGET} nodes")
    else:
        node = container[key]
        while type(node) is dict and len(node) == 1 and key in node:
            level = id(node)
            if level in chain or level in on_path or (nests and _nest_level(level, nests) is not None):
                break
            chain[level] = len(chain)
            node = node[key]
            if len(chain) > budget:
                raise EncodeError(f"the value has more than {ENCODE_BUDGET} nodes")
    if len(chain) < NEST_MIN:
        return None
    return key, chain, node


def _sort_key(item: Any) -> str:
    return json.dumps(item, sort_keys=True)


def same(expected: Any, actual: Any) -> bool:
    """Compare two encoded values strictly: types count (1 is not 1.0 nor True), order counts,
    and so does the sign of a zero (-0.0 is not 0.0)."""
    pending = [(expected, actual)]
    while pending:
        want, got = pending.pop()
        if type(want) is not type(got):
            return False
        if isinstance(want, dict):
            if list(want) != list(got):
                return False
            if not _same_items(zip(want.values(), got.values(), strict=True), pending):
                return False
        elif isinstance(want, list):
            if len(want) != len(got):
                return False
            if not _same_items(zip(want, got, strict=True), pending):
                return False
        elif isinstance(want, float):
            if math.isnan(want) or math.isnan(got):
                if not (math.isnan(want) and math.isnan(got)):
                    return False
            elif want != got or math.copysign(1.0, want) != math.copysign(1.0, got):
                return False
        elif want != got:
            return False
    return True


def _same_items(pairs: Iterator[tuple[Any, Any]], pending: list[tuple[Any, Any]]) -> bool:
    """``same`` on the items of two containers: False when a pair of strs, ints, bools or
    Nones differs; the other pairs (containers, floats, anything else) go to ``pending``. A
    large list of scalars is compared here without a trip through ``pending`` per item."""
    for want, got in pairs:
        kind = type(want)
        if kind is str or kind is int or kind is bool or want is None:
            if kind is not type(got) or want != got:
                return False
        else:
            pending.append((want, got))
    return True


# ---------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One corpus case: an operation on a document and what it must give."""

    id: str
    file: str
    op: str
    path: Any  # a str, or a tagged value (a path that is not a str, spec 1.1)
    doc: Any  # encoded JSON; decode a fresh copy per run since writes mutate
    args: Mapping[str, Any]  # encoded JSON
    expect: Mapping[str, Any]
    diverges: Mapping[str, str] = field(default_factory=dict)

    def expects_error(self) -> bool:
        return "error" in self.expect

    def to_json(self) -> dict[str, Any]:
        """The self-contained form sent to worker processes."""
        return {"id": self.id, "op": self.op, "path": self.path, "doc": self.doc, "args": dict(self.args)}


def load_corpus(directory: Path = CORPUS_DIR) -> list[Case]:
    """Read and validate every corpus file; raise CorpusError naming the file and case."""
    files = sorted(directory.glob("*.json"))
    if not files:
        raise CorpusError(f"{directory}: no corpus files (*.json) found")
    cases: list[Case] = []
    seen: dict[str, str] = {}
    for path in files:
        for case in _load_file(path):
            if case.id in seen:
                raise CorpusError(f"{path.name}: case {case.id!r}: duplicate id (also in {seen[case.id]})")
            seen[case.id] = path.name
            cases.append(case)
    return cases


def _load_file(path: Path) -> Iterator[Case]:
    name = path.name
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorpusError(f"{name}: not valid JSON: {exc}") from None
    if not isinstance(raw, dict) or set(raw) - {"schema_version", "description", "docs", "cases"}:
        raise CorpusError(
            f"{name}: top level must be an object with schema_version, description, docs, cases"
        )
    version = raw.get("schema_version")
    if type(version) is not int or version != SCHEMA_VERSION:
        raise CorpusError(f"{name}: schema_version must be {SCHEMA_VERSION}")
    docs = raw.get("docs", {})
    if not isinstance(docs, dict):
        raise CorpusError(f"{name}: docs must be an object of named documents")
    if not isinstance(raw.get("cases"), list):
        raise CorpusError(f"{name}: cases must be a list")
    for index, entry in enumerate(raw["cases"]):
        yield _load_case(name, index, entry, docs)


def _load_case(name: str, index: int, entry: Any, docs: Mapping[str, Any]) -> Case:
    where = f"{name}: case #{index}"
    if not isinstance(entry, dict):
        raise CorpusError(f"{where}: a case must be an object")
    case_id = entry.get("id")
    if not isinstance(case_id, str) or not case_id:
        raise CorpusError(f"{where}: missing id")
    where = f"{name}: case {case_id!r}"
    unknown = set(entry) - _CASE_FIELDS
    if unknown:
        raise CorpusError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    op = entry.get("op")
    if op not in OPERATIONS:
        raise CorpusError(f"{where}: op must be one of {', '.join(OPERATIONS)}, not {op!r}")
    if "path" not in entry:
        raise CorpusError(f"{where}: missing path")
    # A path is any value (spec 1.1: what is not a str is a TypeError): a str, or JSON or a
    # tagged value that the codec decodes (a str JSON cannot hold is ``$str``).
    path = entry["path"]
    if "doc" in entry and "doc_ref" in entry:
        raise CorpusError(f"{where}: give doc or doc_ref, not both")
    if "doc_ref" in entry:
        if entry["doc_ref"] not in docs:
            raise CorpusError(f"{where}: doc_ref {entry['doc_ref']!r} names no document in docs")
        doc = docs[entry["doc_ref"]]
    else:
        doc = entry.get("doc")
    args = entry.get("args", {})
    if not isinstance(args, dict) or set(args) - _ARGS_BY_OP[op]:
        if not _ARGS_BY_OP[op]:
            raise CorpusError(f"{where}: {op} takes no args")
        raise CorpusError(f"{where}: args for {op} may only be {', '.join(sorted(_ARGS_BY_OP[op]))}")
    if op in NEEDS_VALUE and "value" not in args:
        raise CorpusError(f"{where}: {op} needs args.value")
    if "expect" not in entry:
        raise CorpusError(f"{where}: missing expectation (expect)")
    expect = entry["expect"]
    if not isinstance(expect, dict):
        raise CorpusError(f"{where}: expect must be an object")
    if set(expect) - _EXPECT_FIELDS:
        raise CorpusError(f"{where}: expect may only hold {', '.join(sorted(_EXPECT_FIELDS))}")
    # Checked before the refinements, so that {"same": "yes"} is reported for what it lacks
    # rather than for a detail of what it has.
    if not set(expect) & _OUTCOME_FIELDS:
        raise CorpusError(f"{where}: empty expectation: expect needs one of value, doc, error")
    if "message" in expect and not isinstance(expect["message"], str):
        raise CorpusError(f"{where}: expect.message must be a string")
    if "same" in expect and not isinstance(expect["same"], bool):
        raise CorpusError(f"{where}: expect.same must be true or false")
    details = [name for name in _DETAIL_FIELDS if name in expect]
    if details and "error" not in expect:
        raise CorpusError(f"{where}: expect.{details[0]} needs an error")
    for detail in ("context", "cause"):
        if detail in expect and expect[detail] is not None and not isinstance(expect[detail], str):
            raise CorpusError(f"{where}: expect.{detail} must be a class name or null")
    if "pickles" in expect and not isinstance(expect["pickles"], bool):
        raise CorpusError(f"{where}: expect.pickles must be true or false")
    if "error" in expect:
        if expect["error"] not in ERROR_CLASSES:
            raise CorpusError(f"{where}: unknown error class {expect['error']!r}")
        if "value" in expect:
            raise CorpusError(f"{where}: expect holds both an error and a value")
    elif op in ("set", "unset"):
        if "doc" not in expect:
            raise CorpusError(f"{where}: a {op} case expects the document after it (expect.doc)")
    elif "value" not in expect:
        raise CorpusError(f"{where}: a {op} case expects a value or an error (expect.value or expect.error)")
    diverges = entry.get("diverges", {})
    if not isinstance(diverges, dict):
        raise CorpusError(f"{where}: diverges must map a backend name to a reason")
    for backend, reason in diverges.items():
        if backend not in BACKENDS:
            raise CorpusError(f"{where}: diverges names unknown backend {backend!r}")
        if not isinstance(reason, str) or not reason.strip():
            raise CorpusError(f"{where}: divergence for {backend} needs a reason")
    return Case(case_id, name, op, path, doc, args, expect, diverges)


# ---------------------------------------------------------------------------------------------
# Running and judging
# ---------------------------------------------------------------------------------------------


class Group:
    """The state that the cases of one group (requests on one document, as the worker gets a
    fuzzed path's five operations) share.

    - A read that left its plain JSON copy of the document as it found it hands the copy and
      its ``Snapshot`` on to the next read, which thus skips a decode and a snapshot and still
      gets the document unchanged.
    - A plain JSON document is checked and copied in Python once (``_plain_copy``); each
      further case gets its own copy from ``marshal``, which copies dicts (in order), lists,
      strs, ints, floats, bools and None exactly, in C. The copies share no container with
      each other nor with the document the group was sent with, which stays as sent: it is the
      content a plain snapshot compares with.
    """

    __slots__ = ("_frozen", "_raw", "details", "spare")

    def __init__(self, *, details: bool = True) -> None:
        # Whether an error's outcome holds ``_details``: a fuzzer that compares outcomes by
        # class and document alone asks for none, and saves their pickle round trips.
        self.details = details
        self.spare: tuple[Any, Snapshot] | None = None
        self._raw: Any = None  # the document as sent, once it is known to be plain
        self._frozen: bytes | None = None

    def fresh(self, raw: Any) -> Any:
        """``decode(raw)``: a new copy of the group's document, ``raw``, for one case."""
        if self._frozen is not None and raw is self._raw:
            return marshal.loads(self._frozen)
        try:
            copy = _plain_copy(raw, 0, [ENCODE_BUDGET])
        except _NotPlain:
            return decode(raw)
        self._raw, self._frozen = raw, marshal.dumps(copy)
        return copy

    def snapshot(self, doc: Any) -> Snapshot:
        """``Snapshot(doc)`` of a copy that ``fresh`` just gave: for a plain document, its
        containers are listed and its content is the document as sent, not copied again."""
        if self._frozen is None:
            return Snapshot(doc)
        return Snapshot(doc, plain=(_plain_containers(doc), self._raw))


def run_case(api: Any, case: Mapping[str, Any], group: Group | None = None) -> dict[str, Any]:
    """Run one case (its ``to_json`` form) on ``api`` and return the encoded outcome.

    The outcome is ``{"value": ...}``, ``{"doc": ..., "same": bool}`` for writes, or
    ``{"error": class name, "message": str}``; for writes that fail, ``doc`` holds the
    document as the failure left it. An outcome that cannot be encoded becomes an error
    outcome whose message says so. A read that changed the document also holds
    ``"mutated": "<what changed>"`` (see ``Snapshot``). Raises CorpusError only when the case
    itself is malformed (a tagged value that does not decode). ``group``: the ``Group`` of the
    cases on ``case["doc"]`` that this one belongs to.
    """
    args = {key: decode(value) for key, value in case["args"].items()}
    op, path = case["op"], decode(case["path"])
    customs = custom_filters_of(case)
    # Its own filters change the document on purpose: no read-mutation check then.
    reading = op in ("get", "exists", "DictWalk") and not customs
    snapshot: Snapshot | None
    if reading and group is not None and group.spare is not None:
        (doc, snapshot), group.spare = group.spare, None
    elif group is not None:
        doc = group.fresh(case["doc"])
        snapshot = group.snapshot(doc) if reading else None
    else:
        doc = decode(case["doc"])
        snapshot = Snapshot(doc) if reading else None
    details = group is None or group.details
    outcome = _run(api, op, path, doc, args, customs=customs, details=details)
    if snapshot is not None:
        change = snapshot.change()
        if change is not None:
            outcome["mutated"] = change
        elif group is not None and snapshot.plain:
            # Unchanged: the same containers, holding the same plain JSON, as when it was taken.
            group.spare = doc, snapshot
    return outcome


def _run(
    api: Any, op: str, path: str, doc: Any, args: dict[str, Any], *, customs: list[str], details: bool = True
) -> dict[str, Any]:
    _running.append(api)
    try:
        for name in customs:
            api.register_path_filter(name, CUSTOM_FILTERS[name])
        if op == "get":
            result = api.get(doc, path, args.get("default"), strict=args.get("strict", False))
        elif op == "exists":
            result = api.exists(doc, path, strict=args.get("strict", False))
        elif op == "run_filter":
            result = api.run_filter_function(path, args["value"])
        elif op == "get_path_filter":
            result = api.get_path_filter(path)(args["value"])
        elif op == "register_path_filter":
            api.register_path_filter(path, _add_hundred)
            result = api.run_filter_function(f"${path}", args["value"])
        elif op == "DictWalk":
            made = importlib.import_module("dictwalk").DictWalk()
            wrong = _not_default(made)
            if wrong is not None:
                return {"error": "WrongBackend", "message": wrong}
            result = made.get(doc, path)
        elif op == "set":
            value = args.pop("value")
            result = api.set(doc, path, value, **args)
        else:
            result = api.unset(doc, path, **args)
    except Exception as exc:  # the outcome records any exception, that is its purpose
        error = {"error": type(exc).__name__, "message": _message(exc)}
        if details:
            error.update(_details(exc))
        return _encoded(error, doc) if op in ("set", "unset") else error
    finally:
        _running.pop()
    if op in ("set", "unset"):
        return _encoded({"same": result is doc}, doc)
    try:
        return {"value": encode(result)}
    except Exception as exc:  # EncodeError, MemoryError: still an answer, never a crash
        return _unencodable(exc)


def _not_default(made: Any) -> str | None:
    """None when the API object ``made`` runs on the default backend, that of the package's
    ``dictwalk`` object (the same ``backend_name()``; in 2.6.0, whose API objects have none,
    the same class), else what differs."""
    default = importlib.import_module("dictwalk").dictwalk
    if callable(getattr(default, "backend_name", None)):
        ours, theirs = made.backend_name(), default.backend_name()
    else:
        ours, theirs = type(made).__qualname__, type(default).__qualname__
    if ours == theirs:
        return None
    return f"DictWalk() runs on {ours!r}, the default dictwalk on {theirs!r}"


def _details(exc: BaseException) -> dict[str, Any]:
    """The class names of ``exc``'s __context__ and __cause__, and whether a pickle round trip
    and a copy keep its class, its str() and its .path, .token and .message (spec 1.1)."""
    return {
        "context": None if exc.__context__ is None else type(exc.__context__).__name__,
        "cause": None if exc.__cause__ is None else type(exc.__cause__).__name__,
        "pickles": _survives(exc, lambda e: pickle.loads(pickle.dumps(e))) and _survives(exc, copy.copy),
    }


def _survives(exc: BaseException, through: Callable[[BaseException], BaseException]) -> bool:
    try:
        again = through(exc)
        fields = ("path", "token", "message")
        return (
            type(again) is type(exc)
            and _message(again) == _message(exc)
            and all(getattr(again, name, None) == getattr(exc, name, None) for name in fields)
        )
    except Exception:  # what cannot be pickled or copied does not survive
        return False


class Snapshot:
    """What a caller can see of a document: its encoding and every list and dict in it.

    ``change`` tells whether the document is still the same: the same encoding (so the same
    types, values and order) and the very same container objects, each where it was, so that
    a container replaced by an equal copy, which the caller's own references would not follow,
    counts as a change.
    """

    def __init__(self, doc: Any, *, plain: tuple[list[Any], Any] | None = None) -> None:
        """``plain``: what ``_plain_snapshot(doc)`` would give, when the caller knows it."""
        self.doc = doc
        if plain is None:
            plain = _plain_snapshot(doc)
        # Only a plain document's check sees everything: a general one's content may be too
        # large to encode, and then only its containers are compared.
        self.plain = plain is not None
        if plain is None:
            self.containers = _containers(doc)
            self.content = _encoding_or_none(doc)
        else:
            self.containers, self.content = plain

    def change(self) -> str | None:
        """None when the document is unchanged, else what changed, in one line."""
        if self.plain:
            position = [0]
            if _plain_unchanged(self.doc, self.content, self.containers, position) and position[0] == len(
                self.containers
            ):
                return None
        plain = _plain_snapshot(self.doc)
        now = _containers(self.doc) if plain is None else plain[0]
        for position, (before, after) in enumerate(zip(self.containers, now, strict=False)):
            if before is not after:
                now_shown = _show(_encoding_or_none(after))
                return f"container #{position} (depth-first) is another object: {now_shown}"
        if len(now) != len(self.containers):
            return f"the document holds {len(now)} lists and dicts, not {len(self.containers)}"
        content = _encoding_or_none(self.doc) if plain is None else plain[1]
        if not same(self.content, content):
            return f"the document became {_show(content)}"
        return None


def _plain_unchanged(value: Any, content: Any, containers: list[Any], position: list[int]) -> bool:
    """Whether ``value`` is still what a plain snapshot recorded: ``content`` (its plain copy,
    compared as ``same`` does) with the very list and dict objects ``containers`` lists, in the
    same depth-first pre-order; ``position[0]`` counts the containers walked, which the caller
    checks against their number. One walk without a copy: ``Snapshot.change`` asks it after
    every read, and only when it says no builds the general answer (which names the change)."""
    kind = type(value)
    if kind is not type(content):
        return False
    if kind is not list and kind is not dict:
        if kind is float:
            return bool(value == content and math.copysign(1.0, value) == math.copysign(1.0, content))
        return bool(value == content)
    at = position[0]
    if at >= len(containers) or containers[at] is not value or len(value) != len(content):
        return False
    position[0] = at + 1
    if kind is dict:
        if list(value) != list(content):
            return False
        pairs: Iterator[tuple[Any, Any]] = zip(value.values(), content.values(), strict=True)
    else:
        pairs = zip(value, content, strict=True)
    for item, want in pairs:
        of = type(item)
        if of is str or of is int or of is bool or item is None:
            if of is not type(want) or item != want:
                return False
        elif not _plain_unchanged(item, want, containers, position):
            return False
    return True


def _plain_snapshot(doc: Any) -> tuple[list[Any], Any] | None:
    """``(_containers(doc), encode(doc))`` in one walk, for a plain JSON document in which no
    list or dict appears twice (see ``_plain_copy``); None for any other."""
    found: list[Any] = []
    try:
        content = _plain_copy(doc, 0, [ENCODE_BUDGET], found)
    except _NotPlain:
        return None
    if len({id(container) for container in found}) != len(found):
        return None
    return found, content


def _plain_containers(value: Any, found: list[Any] | None = None) -> list[Any]:
    """Every list and dict in a plain JSON ``value`` that holds none twice (a copy made by
    ``_plain_copy`` or ``marshal``), in depth-first pre-order, as ``_plain_snapshot`` lists
    them; no deeper than ``_PLAIN_DEPTH``, as such a copy is."""
    found = [] if found is None else found
    kind = type(value)
    if kind is list or kind is dict:
        found.append(value)
        for item in value if kind is list else value.values():
            of = type(item)
            if of is list or of is dict:
                _plain_containers(item, found)
    return found


def _containers(doc: Any) -> list[Any]:
    """Every list and dict in ``doc``, depth-first pre-order, each once, read through the
    built-in types' own methods."""
    found: list[Any] = []
    seen: set[int] = set()
    # Only containers go on the stack: a list of a million numbers is one comprehension.
    stack = [doc] if isinstance(doc, (list, dict)) else []
    while stack:
        value = stack.pop()
        if id(value) in seen:
            continue
        seen.add(id(value))
        found.append(value)
        children = list.copy(value) if isinstance(value, list) else list(dict.values(value))
        stack.extend(reversed([child for child in children if isinstance(child, (list, dict))]))
    return found


def _encoding_or_none(value: Any) -> Any:
    """``encode(value)``, or None for a document too large to encode (then its containers
    alone are compared)."""
    try:
        return encode(value)
    except Exception:  # EncodeError, MemoryError: compare what can be compared
        return None


def _encoded(outcome: dict[str, Any], doc: Any) -> dict[str, Any]:
    """``outcome`` with the document after a write, encoded, in front."""
    try:
        return {"doc": encode(doc), **outcome}
    except Exception as exc:
        return _unencodable(exc)


def _unencodable(exc: Exception) -> dict[str, Any]:
    return {"error": type(exc).__name__, "message": f"the outcome cannot be encoded: {_message(exc)}"}


def _message(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:  # str() of the exception formats a value whose repr() raises
        return f"<{type(exc).__name__} whose str() raises>"


def judge(case: Case, outcome: Mapping[str, Any]) -> str | None:
    """Return None when ``outcome`` meets the case's expectation, else what differs."""
    expect = case.expect
    if "mutated" in outcome:
        return f"the {case.op} changed the document: {outcome['mutated']}"
    if "error" in expect:
        if outcome.get("error") != expect["error"]:
            return f"expected {expect['error']}, got {_describe(outcome)}"
        fragment = expect.get("message")
        if fragment is not None and fragment not in outcome.get("message", ""):
            return f"expected message containing {fragment!r}, got {outcome.get('message')!r}"
        for name in _DETAIL_FIELDS:
            if name in expect and outcome.get(name) != expect[name]:
                return f"expected the error's {name} {expect[name]!r}, got {outcome.get(name)!r}"
        # A failed write leaves the document as it was (spec 9.7).
        if case.op in ("set", "unset"):
            before = expect["doc"] if "doc" in expect else encode(decode(case.doc))
            if not same(before, outcome.get("doc")):
                return f"failed {case.op} changed the document to {_show(outcome.get('doc'))}"
        return None
    if "error" in outcome:
        return f"expected success, got {_describe(outcome)}"
    if case.op in ("set", "unset"):
        if not same(expect["doc"], outcome.get("doc")):
            wanted, got = _show(expect["doc"]), _show(outcome.get("doc"))
            return f"document after {case.op}: expected {wanted}, got {got}"
        if outcome.get("same") is not expect.get("same", True):
            return f"{case.op} returned {'the same' if outcome.get('same') else 'another'} object"
        return None
    if not same(expect["value"], outcome.get("value")):
        return f"expected {_show(expect['value'])}, got {_show(outcome.get('value'))}"
    return None


def _describe(outcome: Mapping[str, Any]) -> str:
    if "error" in outcome:
        return f"{outcome['error']}: {outcome.get('message', '')}"
    if "value" in outcome:
        return f"value {_show(outcome['value'])}"
    return f"document {_show(outcome.get('doc'))}"


_SHOW_LIMIT = 2000


def _show(value: Any) -> str:
    """JSON text for a message, cut short past a limit (a million-item list stays readable)."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (RecursionError, ValueError, TypeError) as exc:
        return f"<cannot show: {type(exc).__name__}>"
    return text if len(text) <= _SHOW_LIMIT else text[:_SHOW_LIMIT] + f"... ({len(text)} characters)"
