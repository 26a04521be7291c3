"""Hostile inputs that the corpus cannot describe.

The hostile documents (big ints, NaN and infinities, bytes, tuples, sets, non-str keys,
objects whose comparisons, hash, str() or repr() raise, self-containing dicts and lists,
100,000-level nesting, a million-item list) are cases in ``parity/cases/robustness.json``,
where every backend is held to the expectation recorded for each path and operation.

What stays here is the one such input the corpus codec has no tag for: ``bytearray``, the
mutable bytes type (``$bytes`` decodes to immutable ``bytes``, and a bytearray result can only
be encoded as its ``$repr``). It gets the same paths as the corpus's hostile documents, and
since no expectation is recorded for them, two kinds of test hold them:

- every backend, the reference included, must keep the promises of the API: a call gives a
  result or a DictWalkError, never a raw exception; a read leaves the document unchanged;
  ``exists`` and a non-strict ``get`` agree with a strict ``get`` on what resolves; a write
  returns the document it was given, or fails and leaves it unchanged; a value set is read back;
- every other backend must give the reference's exact answer.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from types import ModuleType
from typing import Any

import pytest
from corpus import encode, same

from dictwalk.backends import load
from dictwalk.backends.python.writer import MAX_PADDING
from dictwalk.errors import DictWalkError, DictWalkResolutionError

READ_PATHS = (
    "a",
    "a.b",
    "*",
    "**",
    "a[0]",
    "a[-1]",
    "a[1:3]",
    "a[?.==1]",
    "a[?.>1]",
    "a[?.x=='1']",
    "a|$len",
    "a|$string",
    "a|$sorted",
    "a|$unique",
    "a|$sum",
    "a|$max",
    "**|$to_json",
    "b[0]",
    "b|$len",
    "b|$upper",
)
WRITE_PATHS = ("a.b", "a[0]", "a[?.==1].z", "**.x", "a.*", "b[0]")
# The value set in WRITES["set"]; an int, so that reading it back cannot be confused with
# anything the document holds.
SET_VALUE = 7
WRITES: dict[str, Callable[[ModuleType, Any, str], Any]] = {
    "set": lambda api, doc, path: api.set(doc, path, SET_VALUE),
    "set value string": lambda api, doc, path: api.set(doc, path, "$len"),
    "unset": lambda api, doc, path: api.unset(doc, path),
}
# The default of a non-strict get: a fresh object, so that "returned the default" is seen by
# identity and cannot be mistaken for a value found in the document.
DEFAULT = object()
REFERENCE = load("python")


def document() -> dict[str, Any]:
    """A fresh document with bytearrays among bytes (writes change it)."""
    return {"a": [b"x", bytearray(b"yz"), bytearray()], "b": bytearray(b"\x00\xff")}


def outcome(call: Callable[[], Any]) -> tuple[str, Any]:
    """("result", encoded result) or (error class, message); other exceptions propagate."""
    try:
        return "result", encode(call())
    except DictWalkError as error:
        return type(error).__name__, str(error)


class Snapshot:
    """What a caller can see of a document: its content and the objects it holds.

    ``encode`` tells bytes from bytearray (``==`` does not), and the identities catch a
    container or bytearray replaced by an equal copy, which the caller's own references to
    the old one would not follow.
    """

    def __init__(self, doc: dict[str, Any]) -> None:
        self.content = encode(doc)
        self.objects = self._objects(doc)

    @staticmethod
    def _objects(doc: dict[str, Any]) -> list[Any]:
        items = doc.get("a")
        return [items, *(items if isinstance(items, list) else ()), doc.get("b")]

    def unchanged(self, doc: dict[str, Any]) -> bool:
        objects = self._objects(doc)
        return (
            same(self.content, encode(doc))
            and len(objects) == len(self.objects)
            and all(now is before for now, before in zip(objects, self.objects, strict=True))
        )


# What every backend, the reference included, must satisfy.


@pytest.mark.parametrize("path", READ_PATHS)
@pytest.mark.parametrize("strict", [False, True])
def test_a_read_gives_a_result_or_an_error_and_leaves_the_document_alone(
    backend: ModuleType, path: str, strict: bool
) -> None:
    reads: dict[str, Callable[[Any], Any]] = {
        "get": lambda doc: backend.get(doc, path, DEFAULT, strict=strict),
        "exists": lambda doc: backend.exists(doc, path, strict=strict),
    }
    for name, read in reads.items():
        doc = document()
        before = Snapshot(doc)
        # outcome() lets any exception other than a DictWalkError fail the test.
        outcome(partial(read, doc))
        assert before.unchanged(doc), f"{name} changed the document: {encode(doc)}"


@pytest.mark.parametrize("path", READ_PATHS)
def test_exists_and_a_lenient_get_agree_with_a_strict_get(backend: ModuleType, path: str) -> None:
    try:
        found = backend.get(document(), path, strict=True)
    except DictWalkResolutionError:
        # Does not resolve: the default, False, and the strict forms raise.
        assert backend.get(document(), path, DEFAULT) is DEFAULT
        assert backend.exists(document(), path) is False
        with pytest.raises(DictWalkResolutionError):
            backend.exists(document(), path, strict=True)
    else:
        # Resolves: the same value whatever the strictness, and True.
        assert same(encode(found), encode(backend.get(document(), path, DEFAULT)))
        assert backend.exists(document(), path) is True
        assert backend.exists(document(), path, strict=True) is True


@pytest.mark.parametrize("path", WRITE_PATHS)
@pytest.mark.parametrize("name", sorted(WRITES))
def test_a_write_returns_the_document_or_fails_leaving_it_unchanged(
    backend: ModuleType, path: str, name: str
) -> None:
    doc = document()
    before = Snapshot(doc)
    try:
        returned = WRITES[name](backend, doc, path)
    except DictWalkError as error:
        assert before.unchanged(doc), f"{name} failed ({error}) yet changed the document: {encode(doc)}"
    else:
        assert returned is doc


@pytest.mark.parametrize("path", WRITE_PATHS)
def test_a_value_set_is_read_back(backend: ModuleType, path: str) -> None:
    doc = document()
    try:
        backend.set(doc, path, SET_VALUE)
    except DictWalkError:
        return  # A refused write is held by the test above.
    # A path that selects one place reads back the value; one that fans out reads back a list
    # holding the value once per place it selects (none, when it selects nothing).
    read = encode(backend.get(doc, path, strict=True))
    if isinstance(read, list):
        assert all(same(SET_VALUE, item) for item in read), encode(doc)
    else:
        assert same(SET_VALUE, read), encode(doc)


# What every other backend must satisfy: the reference's exact answer. The reference is left
# out, since on it these would compare the reference with itself.


@pytest.mark.parametrize("path", READ_PATHS)
@pytest.mark.parametrize("strict", [False, True])
def test_reads_match_the_reference(candidate: ModuleType, path: str, strict: bool) -> None:
    reads: dict[str, Callable[[ModuleType], Any]] = {
        "get": lambda api: api.get(document(), path, "<default>", strict=strict),
        "exists": lambda api: api.exists(document(), path, strict=strict),
    }
    for name, read in reads.items():
        assert outcome(partial(read, candidate)) == outcome(partial(read, REFERENCE)), name


@pytest.mark.parametrize("path", WRITE_PATHS)
@pytest.mark.parametrize("name", sorted(WRITES))
def test_writes_match_the_reference(candidate: ModuleType, path: str, name: str) -> None:
    results = []
    for api in (REFERENCE, candidate):
        doc = document()
        results.append((outcome(partial(WRITES[name], api, doc, path)), encode(doc)))
    assert results[1] == results[0]


# The padding limit's boundary, which the corpus cannot hold: a case at the limit would record
# a document of a million items. Beyond it (``write.index.pad_limit_*`` in the corpus) the
# write fails and leaves the document as it was.


def test_an_index_write_pads_up_to_the_limit_and_no_further(backend: ModuleType) -> None:
    doc: dict[str, Any] = {"a": [1, 2]}
    at_limit = 2 + MAX_PADDING
    assert backend.set(doc, f"a[{at_limit}]", 9) is doc
    assert len(doc["a"]) == at_limit + 1
    assert doc["a"][-1] == 9 and doc["a"][2] is None and doc["a"][-2] is None
    before = list(doc["a"])
    with pytest.raises(DictWalkResolutionError, match=f"more than {MAX_PADDING} items"):
        backend.set(doc, f"a[{2 * at_limit + 2}].b", 9)
    assert doc["a"] == before
