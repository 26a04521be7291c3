"""Hostile inputs that the corpus cannot describe.

The hostile documents (big ints, NaN and infinities, bytes, tuples, sets, non-str keys,
objects whose comparisons, hash, str() or repr() raise, self-containing dicts and lists,
100,000-level nesting, a million-item list) are cases in ``parity/cases/robustness.json``,
where every backend is held to the reference's exact answer for each path and operation.

What stays here is the one such input the corpus codec has no tag for: ``bytearray``, the
mutable bytes type (``$bytes`` decodes to immutable ``bytes``, and a bytearray result can only
be encoded as its ``$repr``). It gets the same paths as the corpus's hostile documents, and
each backend must give the reference's answer, a result or a DictWalkError, never a raw one.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from types import ModuleType
from typing import Any

import pytest
from corpus import encode

from dictwalk.backends import load
from dictwalk.errors import DictWalkError

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


def document() -> dict[str, Any]:
    """A fresh document with bytearrays among bytes (writes change it)."""
    return {"a": [b"x", bytearray(b"yz"), bytearray()], "b": bytearray(b"\x00\xff")}


def outcome(call: Callable[[], Any]) -> tuple[str, Any]:
    """("result", encoded result) or (error class, message); other exceptions propagate."""
    try:
        return "result", encode(call())
    except DictWalkError as error:
        return type(error).__name__, str(error)


REFERENCE = load("python")


@pytest.mark.parametrize("path", READ_PATHS)
@pytest.mark.parametrize("strict", [False, True])
def test_reads_of_bytearrays_match_the_reference(backend: ModuleType, path: str, strict: bool) -> None:
    def get(api: ModuleType) -> Any:
        return api.get(document(), path, "<default>", strict=strict)

    def exists(api: ModuleType) -> Any:
        return api.exists(document(), path, strict=strict)

    for read in (get, exists):
        assert outcome(partial(read, backend)) == outcome(partial(read, REFERENCE)), read.__name__


@pytest.mark.parametrize("path", WRITE_PATHS)
def test_writes_on_bytearrays_match_the_reference(backend: ModuleType, path: str) -> None:
    writes: dict[str, Callable[[ModuleType, Any], Any]] = {
        "set": lambda api, doc: api.set(doc, path, 7),
        "set value string": lambda api, doc: api.set(doc, path, "$len"),
        "unset": lambda api, doc: api.unset(doc, path),
    }
    for name, write in writes.items():
        results = []
        for api in (REFERENCE, backend):
            doc = document()
            results.append((outcome(partial(write, api, doc)), encode(doc)))
        assert results[1] == results[0], name
