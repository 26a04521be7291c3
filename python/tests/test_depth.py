"""Paths nested to the limit (spec 2.1) on every backend, from the main thread and from
threads whose stack is far smaller than the default: the native backend's recursion continues
on a new stack segment when a thread's runs low, the reference's within a raised recursion
limit. The answers themselves are the corpus's (paths-depth.json); these are the threads it
cannot describe.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from dictwalk.backends.python import parser

LIMIT = parser.MAX_NESTING


def _document() -> dict[str, Any]:
    """A list whose item holds the list: nested predicates walk it as deep as they nest."""
    item: dict[str, Any] = {"k": 1}
    item["a"] = [item]
    return {"a": item["a"]}


def _calls(backend: ModuleType) -> list[tuple[Callable[[], Any], Any]]:
    predicates = "a" + "[?.a" * LIMIT + "]" * LIMIT + ".k"
    parentheses = "a[?.a==" + "!(" * (LIMIT - 1) + "$odd" + ")" * (LIMIT - 1) + "]"
    numbers = {"a": [{"a": 1}, {"a": 2}]}
    return [
        (lambda: backend.get(_document(), predicates, strict=True), [1]),
        (lambda: backend.exists(_document(), predicates), True),
        (lambda: backend.set(_document(), predicates, 2)["a"][0]["k"], 2),
        (lambda: "k" in backend.unset(_document(), predicates)["a"][0], False),
        (lambda: backend.get(numbers, parentheses), [{"a": 2}]),
    ]


def _run_all(backend: ModuleType) -> list[Any]:
    return [call() for call, _ in _calls(backend)]


@pytest.mark.parametrize("stack_size", [None, 256 * 1024], ids=["default stack", "256 KiB stack"])
def test_nesting_to_the_limit_on_any_thread(backend: ModuleType, stack_size: int | None) -> None:
    wanted = [answer for _, answer in _calls(backend)]
    assert _run_all(backend) == wanted
    results: list[Any] = []
    old = threading.stack_size()
    if stack_size is not None:
        threading.stack_size(stack_size)
    try:
        thread = threading.Thread(target=lambda: results.append(_run_all(backend)))
        thread.start()
    finally:
        threading.stack_size(old)
    thread.join()
    assert results == [wanted]
