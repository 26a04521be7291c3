"""Hostile inputs: each gives a result or a clear DictWalkError on every backend, never a crash,
a hang or a raw Python exception. What JSON can express of these lives in the corpus; these
are the inputs it cannot hold (objects with failing methods, million-item lists, cycles)."""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any

import pytest

from dictwalk.errors import DictWalkError

PATHS = (
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
)


class RaisingEq:
    """An object whose comparisons and str() raise."""

    def __eq__(self, other: object) -> bool:
        raise RuntimeError("eq exploded")

    def __lt__(self, other: object) -> bool:
        raise RuntimeError("lt exploded")

    def __gt__(self, other: object) -> bool:
        raise RuntimeError("gt exploded")

    def __str__(self) -> str:
        raise RuntimeError("str exploded")

    __hash__ = object.__hash__


def hostile_documents() -> list[tuple[str, Any]]:
    cyclic: dict[str, Any] = {"x": 1}
    cyclic["a"] = cyclic
    cyclic_list: list[Any] = [1]
    cyclic_list.append(cyclic_list)
    return [
        ("big_ints", {"a": [2**100, -(2**80), 1]}),
        ("nan_and_inf", {"a": [math.nan, math.inf, -math.inf, 1.0]}),
        ("bytes", {"a": [b"x", b"", bytearray(b"yz")]}),
        ("tuples", {"a": (1, 2, (3, 4))}),
        ("sets", {"a": {1, 2, 3}, "b": frozenset({"x"})}),
        ("non_str_keys", {"a": {1: "one", (2, 3): "pair", None: "none"}}),
        ("raising_eq", {"a": [RaisingEq(), RaisingEq()], "x": RaisingEq()}),
        ("cyclic_dict", cyclic),
        ("cyclic_list", {"a": cyclic_list}),
    ]


DOCUMENTS = hostile_documents()


def outcome(function: Any, *args: Any, **kwargs: Any) -> str:
    """ "result" or "dictwalk error"; any other exception fails the test that asked."""
    try:
        function(*args, **kwargs)
    except DictWalkError:
        return "dictwalk error"
    return "result"


SURVIVES = ("result", "dictwalk error")
NAMED = pytest.mark.parametrize(("name", "document"), DOCUMENTS, ids=[name for name, _ in DOCUMENTS])


@NAMED
@pytest.mark.parametrize("path", PATHS)
def test_reads_give_a_result_or_a_dictwalk_error(
    backend: ModuleType, name: str, document: Any, path: str
) -> None:
    for strict in (False, True):
        assert outcome(backend.get, document, path, strict=strict) in SURVIVES
        assert outcome(backend.exists, document, path, strict=strict) in SURVIVES


@NAMED
@pytest.mark.parametrize("path", ["a.b", "a[0]", "a[?.==1].z", "**.x", "a.*"])
def test_writes_give_a_result_or_a_dictwalk_error(
    backend: ModuleType, name: str, document: Any, path: str
) -> None:
    assert outcome(backend.set, document, path, 7) in SURVIVES
    assert outcome(backend.unset, document, path) in SURVIVES


def test_backends_agree_on_hostile_documents() -> None:
    from dictwalk.backends import load  # noqa: PLC0415

    try:
        native = load("rust")
    except ImportError:
        pytest.skip("needs both backends")
    reference = load("python")
    for name, document in hostile_documents():
        if name == "raising_eq":
            continue  # describing the results would call the exploding __str__ itself
        for path in PATHS:
            expected = _describe(reference, document, path)
            assert _describe(native, document, path) == expected, (name, path)


def _describe(backend: ModuleType, document: Any, path: str) -> str:
    try:
        return repr(backend.get(document, path, "<default>"))
    except DictWalkError as error:
        return f"{type(error).__name__}: {error}"


def test_million_item_list(backend: ModuleType) -> None:
    items = [{"id": i, "v": i % 7} for i in range(1_000_000)]
    data = {"items": items}
    assert backend.get(data, "items[-1].id") == 999_999
    assert len(backend.get(data, "items[?.v==3]")) == sum(1 for item in items if item["v"] == 3)
    assert backend.get(data, "items.id[]|$max") == 999_999
    backend.set(data, "items[?.id==5].v", 100)
    assert items[5]["v"] == 100
