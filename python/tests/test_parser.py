"""The reference parser's handling of deep and long paths (spec 2.1): a table of where bracket
groups close (``parser._Jumps``) that keeps parsing linear in a path's length and changes no
answer, and paths nested up to ``parser.MAX_NESTING`` levels that parse on any thread.

What a path means is the corpus's business; these tests hold the parser's own machinery.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from corpus import load_corpus

from dictwalk.backends.python import filters, parser
from dictwalk.errors import DictWalkError

LIMIT = parser.MAX_NESTING


def _corpus_paths() -> list[str]:
    """Every path of the corpus, and every prefix and suffix of those with brackets in them
    (unclosed and unbalanced forms of every shape the corpus holds)."""
    paths = {case.path for case in load_corpus() if case.op != "run_filter" and isinstance(case.path, str)}
    variants = set(paths)
    for path in paths:
        if len(path) <= 120 and any(mark in path for mark in "[({"):
            variants.update(path[:end] for end in range(1, len(path)))
            variants.update(path[start:] for start in range(1, len(path)))
    return sorted(variants)


def _deep_paths() -> Iterator[str]:
    for levels in (1, 2, 7, 40):
        yield "a" + "[?.a" * levels + "==1" + "]" * levels
        yield "a" + "[?.a" * levels + "|$len>0" + "]" * levels + ".b|$len"
        yield "a" + "[?.v==$$root.a" * levels + "]" * levels
        yield "a[?.a==" + "!(" * levels + "$odd" + ")" * levels + "||$even]"
        yield "a[?.a==$const(" + "[" * levels + "'])'" + "]" * levels + ")]"
        yield "a" + "[?.a" * levels + "]" * (levels - 1)
        yield "a" + "[?.a(" * levels + "]" * levels


def _parse(text: str, write: bool, jump_after: int, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(parser, "_JUMP_AFTER", jump_after)
    parser.clear_cache()
    try:
        return parser.parse_path(text, write=write)
    except DictWalkError as error:
        return (type(error).__name__, str(error))


def test_the_table_of_bracket_groups_changes_no_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    paths = [*_corpus_paths(), *_deep_paths()]
    assert len(paths) > 1000
    for write in (False, True):
        for path in paths:
            scanned = _parse(path, write, 10**9, monkeypatch)
            jumped = _parse(path, write, -1, monkeypatch)
            assert _same(scanned, jumped), (path, write)
    parser.clear_cache()


def _same(one: Any, other: Any) -> bool:
    """``one == other`` for syntax trees, without recursion (``==`` on the dataclasses of a
    path nested 200 levels recurses past the interpreter's limit)."""
    pairs = [(one, other)]
    while pairs:
        a, b = pairs.pop()
        if type(a) is not type(b):
            return False
        if isinstance(a, (tuple, list)):
            if len(a) != len(b):
                return False
            pairs.extend(zip(a, b, strict=True))
        elif dataclasses.is_dataclass(a) and not isinstance(a, filters.FilterSpec):
            pairs.extend((getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
        elif a != b:
            return False
    return True


def _nested_predicates(levels: int) -> str:
    return "a" + "[?.a" * levels + "==1" + "]" * levels


def _parentheses(levels: int) -> str:
    return "a[?.a==" + "!(" * (levels - 1) + "$odd" + ")" * (levels - 1) + "]"


def _negations(levels: int) -> str:
    return "a[?.a==" + "!" * levels + "$odd]"


def _references(levels: int) -> str:
    return "a" + "[?.v==$$root.a" * levels + "]" * levels


def _parse_seconds(*texts: str) -> list[float]:
    """The best of seven first parses of each of ``texts``, taken in turns (so that a busy
    moment of the machine falls on all of them alike)."""
    best = [float("inf")] * len(texts)
    for _ in range(7):
        for index, text in enumerate(texts):
            parser.clear_cache()
            started = time.perf_counter()
            parser.parse_path(text)
            best[index] = min(best[index], time.perf_counter() - started)
    parser.clear_cache()
    return best


@pytest.mark.parametrize(
    "make", [_nested_predicates, _parentheses, _negations], ids=["predicates", "parentheses", "negations"]
)
def test_parsing_is_linear_in_the_path_length(make: Callable[[int], str]) -> None:
    # A ratio of two sizes, not a time: four times the length must take about four times as
    # long (a quadratic parser takes sixteen). Measured alone: 4x to 5.5x (the tree keeps each
    # level's text, which copies more the deeper it is); 9x leaves room for a busy machine.
    quarter, full = _parse_seconds(make(LIMIT // 4), make(LIMIT))
    assert full < 9 * quarter, (
        f"{make.__name__}: {quarter:.4f}s for {LIMIT // 4} levels, {full:.4f}s for {LIMIT}"
    )


def test_references_nested_to_the_limit_parse() -> None:
    parser.clear_cache()
    assert parser.parse_path(_references(LIMIT // 2)).tokens


@pytest.mark.parametrize("make", [_nested_predicates, _parentheses, _negations, _references])
def test_nesting_to_the_limit_parses_on_any_thread(make: Callable[[int], str]) -> None:
    results: list[object] = []

    def parse() -> None:
        parser.clear_cache()
        results.append(parser.parse_path(make(LIMIT)))
        parser.clear_cache()
        try:
            results.append(parser.parse_path(make(LIMIT + 1)))
        except DictWalkError as error:
            results.append(str(error))

    parse()
    thread = threading.Thread(target=parse)
    thread.start()
    thread.join()
    assert len(results) == 4 and all(isinstance(result, parser.Path) for result in results[::2])
    if make is _negations:  # a run of '!' nests nothing, and costs no recursion
        assert all(isinstance(result, parser.Path) for result in results[1::2])
    else:
        assert all(f"nests brackets deeper than {LIMIT} levels" in str(r) for r in results[1::2])
