"""Every case of the parity corpus, on every available backend; and the corpus codec itself."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from types import ModuleType
from typing import Any

import corpus
import pytest
from corpus import CUSTOM_FILTERS, Case, CorpusError, decode, encode, judge, load_corpus, run_case, same

CASES = load_corpus()


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_case(backend: ModuleType, case: Case) -> None:
    problem = judge(case, run_case(backend, case.to_json()))
    assert problem is None, f"{case.file}: {case.id}: {problem}"


# The codec: what encode writes, decode reads back to the same thing.
CANONICAL = [
    -0.0,
    {"$tuple": [1, {"$tuple": []}]},
    {"$set": [1, 2]},
    {"$frozenset": ["a"]},
    {"$bytes": "eA=="},
    {"$int": "9007199254740993"},
    {"$float": "nan"},
    {"$float": "-inf"},
    {"$datetime": "2024-01-02T03:04:05"},
    {"$decimal": "1.50"},
    {"$dict": [[1, "a"], [None, "b"], [{"$tuple": [2, 3]}, "c"]]},
    {"$dict": [["$int", 1]]},
    {"$nest": {"depth": 100_000, "key": "a", "leaf": {"leaf": 1}}},
    {"$nest": {"depth": corpus.NEST_MIN, "key": None, "leaf": 5}},
    {"x": 1, "self": {"$cycle": 1}},
    [1, {"$cycle": 1}],
    {"a": {"b": [{"$cycle": 3}, {"$cycle": 1}]}},
    {"$raising": ["eq", "hash"]},
    {"$counter": {"a": 1, "$tuple": 2}},
    {"$counter": [[1, "a"], ["b", 2]]},
    {"$ordereddict": {"b": 1, "a": {"$ordereddict": {}}}},
    {"$defaultdict": {"factory": "list", "items": {"a": [1]}}},
    {"$defaultdict": {"factory": None, "items": {}}},
    {"$dict_subclass": {"overrides": list(corpus.DICT_OVERRIDES), "items": {"a": {"self": {"$cycle": 2}}}}},
    {"$list_subclass": {"overrides": list(corpus.LIST_OVERRIDES), "items": [1, {"$cycle": 1}]}},
    {"$list_subclass": {"overrides": [], "items": []}},
]


@pytest.mark.parametrize("raw", CANONICAL, ids=[str(index) for index in range(len(CANONICAL))])
def test_encode_gives_back_what_decode_read(raw: Any) -> None:
    assert same(encode(decode(raw)), raw)


def test_decode_builds_the_tagged_values() -> None:
    deep = decode({"$nest": {"depth": 100_000, "key": None, "leaf": "end"}})
    for _ in range(100_000):
        assert isinstance(deep, list) and len(deep) == 1
        deep = deep[0]
    assert deep == "end"
    assert decode({"$range": [3, 7]}) == [3, 4, 5, 6]
    cyclic = decode({"x": 1, "items": [{"$cycle": 2}, {"$cycle": 1}]})
    assert cyclic["items"][0] is cyclic and cyclic["items"][1] is cyclic["items"]
    raising = decode({"$raising": ["eq", "str"]})
    with pytest.raises(RuntimeError, match="__eq__"):
        _ = raising == 1
    with pytest.raises(RuntimeError, match="__str__"):
        str(raising)
    assert repr(raising) == "Raising(eq, str)" and {raising: 1}[raising] == 1


def test_raising_methods_raise_only_when_named() -> None:
    raising = decode({"$raising": ["hash", "repr", "lt"]})
    with pytest.raises(RuntimeError):
        hash(raising)
    with pytest.raises(RuntimeError):
        repr(raising)
    with pytest.raises(RuntimeError):
        _ = raising < 1
    assert (raising == 0) is False and bool(raising)


def test_short_chains_stay_plain_and_long_ones_become_nests() -> None:
    short = decode({"$nest": {"depth": corpus.NEST_MIN - 1, "key": "a", "leaf": 1}})
    encoded = encode(short)
    for _ in range(corpus.NEST_MIN - 1):
        assert list(encoded) == ["a"]
        encoded = encoded["a"]
    assert encoded == 1
    # The longest run wins: a leaf that continues the chain joins it.
    assert encode(decode({"$nest": {"depth": corpus.NEST_MIN, "key": None, "leaf": [[5]]}})) == {
        "$nest": {"depth": corpus.NEST_MIN + 2, "key": None, "leaf": 5}
    }


def test_encode_ends_on_any_cycle_and_names_what_it_cannot_write() -> None:
    inner: list[Any] = []
    wrapper = (inner,)
    inner.append(wrapper)
    assert encode({"t": wrapper}) == {"t": {"$tuple": [[{"$cycle": 2}]]}}
    ring: dict[str, Any] = {}
    node = ring
    for _ in range(99):
        node["k"] = {}
        node = node["k"]
    node["k"] = ring
    assert encode(ring) == {"$nest": {"depth": 100, "key": "k", "leaf": {"$cycle": 100}}}

    class Opaque:
        def __repr__(self) -> str:
            return "Opaque()"

    class Unprintable:
        def __repr__(self) -> str:
            raise RuntimeError("no repr")

    assert encode([Opaque(), Unprintable()]) == [{"$repr": "Opaque()"}, {"$repr": "Unprintable"}]


def test_an_outcome_too_large_to_encode_is_an_error_outcome(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(corpus, "ENCODE_BUDGET", 10)

    class Big:
        def get(self, *args: Any, **kwargs: Any) -> Any:
            return list(range(100))

    outcome = run_case(Big(), {"id": "x", "op": "get", "path": "a", "doc": {}, "args": {}})
    assert outcome["error"] == "EncodeError" and "cannot be encoded" in outcome["message"]


def test_an_exception_whose_str_raises_still_gives_an_outcome() -> None:
    class Failing:
        def get(self, *args: Any, **kwargs: Any) -> Any:
            raise KeyError(decode({"$raising": ["repr"]}))

    outcome = run_case(Failing(), {"id": "x", "op": "get", "path": "a", "doc": {}, "args": {}})
    assert outcome == {
        "error": "KeyError",
        "message": "<KeyError whose str() raises>",
        "context": None,
        "cause": None,
        "pickles": False,
    }


def test_subclasses_are_built_and_read_through_their_storage() -> None:
    counter = decode({"$counter": {"a": 1}})
    assert type(counter) is Counter and counter["b"] == 0 and dict(counter) == {"a": 1}
    factory = decode({"$defaultdict": {"factory": "list", "items": {}}})
    assert type(factory) is defaultdict and factory.default_factory is list
    overriding = decode({"$dict_subclass": {"overrides": ["getitem", "iter", "len"], "items": {"a": 1}}})
    assert overriding["a"] == "__getitem__ override" and list(overriding) == ["__iter__ override"]
    assert len(overriding) == 0 and dict.get(overriding, "a") == 1
    assert encode(overriding) == {
        "$dict_subclass": {"overrides": ["getitem", "iter", "len"], "items": {"a": 1}}
    }
    items = decode({"$list_subclass": {"overrides": ["getitem", "setitem", "append"], "items": [1]}})
    items[0] = 5
    items.append(6)
    assert list.copy(items) == ["__setitem__ override", "append override"]
    assert items[0] == "__getitem__ override"


def test_an_ordereddict_whose_order_and_storage_disagree_cannot_be_encoded() -> None:
    ordered = decode({"$ordereddict": {"a": 1}})
    dict.__setitem__(ordered, "b", 2)  # what a write into the dict's storage alone leaves
    with pytest.raises(corpus.EncodeError, match="lists 1 keys but which holds 2"):
        encode(ordered)


def test_a_read_that_changes_the_document_is_reported() -> None:
    class Inserting:
        def get(self, doc: Any, path: str, default: Any = None, *, strict: bool = False) -> Any:
            doc["b"] = []  # what a defaultdict's __missing__ does
            return default

        def exists(self, doc: Any, path: str, *, strict: bool = False) -> bool:
            doc["a"] = list(doc["a"])  # an equal copy in place of the caller's list
            return True

    doc = {"a": [1]}
    got = run_case(Inserting(), {"id": "x", "op": "get", "path": "b", "doc": doc, "args": {}})
    assert got["value"] is None and "3 lists and dicts, not 2" in got["mutated"]
    replaced = run_case(Inserting(), {"id": "x", "op": "exists", "path": "a", "doc": doc, "args": {}})
    assert "another object" in replaced["mutated"]
    case = Case("x", "t.json", "get", "b", doc, {}, {"value": None})
    assert judge(case, got) is not None and judge(case, {"value": None}) is None


def test_the_reads_of_a_group_share_a_copy_only_while_no_read_changes_it() -> None:
    seen: list[Any] = []

    class ChangingOnTheSecondRead:
        def get(self, doc: Any, path: str, default: Any = None, *, strict: bool = False) -> Any:
            seen.append(doc)
            if len(seen) == 2:
                doc["a"].append(2)
            return default

        def exists(self, doc: Any, path: str, *, strict: bool = False) -> bool:
            seen.append(doc)
            return bool(doc == {"a": [1]})

    group = corpus.Group()
    api = ChangingOnTheSecondRead()
    read = {"id": "x", "path": "a", "doc": {"a": [1]}, "args": {}}
    first = run_case(api, {**read, "op": "get"}, group)
    second = run_case(api, {**read, "op": "get"}, group)
    third = run_case(api, {**read, "op": "exists"}, group)
    assert "mutated" not in first and "became" in second["mutated"] and third == {"value": True}
    # The second read had the first's unchanged copy; the third, after a change, a new one.
    assert seen[0] is seen[1] and seen[2] is not seen[1] and seen[2] == {"a": [1]}


def test_custom_filters_are_named_for_the_core_to_skip() -> None:
    # crates/dictwalk-corpus's codec::CUSTOM_FILTER_CALL is "$corpus_": the core skips such cases.
    assert CUSTOM_FILTERS and all(name.startswith("corpus_") for name in CUSTOM_FILTERS)
    case = {"op": "set", "path": "a[?.|$corpus_clear($$root.a)]", "args": {"value": "$corpus_grow($$root)"}}
    assert corpus.custom_filters_of(case) == ["corpus_clear", "corpus_grow"]


@pytest.mark.parametrize(
    "raw",
    [
        {"$counter": 1},
        {"$counter": [[1]]},
        {"$defaultdict": {"factory": "tuple", "items": {}}},
        {"$defaultdict": {"items": {}}},
        {"$dict_subclass": {"overrides": ["append"], "items": {}}},
        {"$list_subclass": {"overrides": ["getitem", "getitem"], "items": []}},
        {"$list_subclass": {"overrides": [], "items": {}}},
        {"$repr": "x"},
        {"$cycle": 1},
        [{"$cycle": 2}],
        {"$tuple": [{"$cycle": 1}]},
        {"a": {"$nest": {"depth": 2, "key": "k", "leaf": {"$cycle": 3}}}},
        {"$range": [1]},
        {"$range": [0, 1.5]},
        {"$raising": ["add"]},
        {"$raising": []},
        {"$nest": {"depth": 0, "key": None, "leaf": 1}},
        {"$nest": {"depth": 2, "key": 1, "leaf": 1}},
        {"$bytes": "!!"},
        {"$dict": [[1]]},
        {"$set": [{"$raising": ["hash"]}]},
    ],
)
def test_malformed_tagged_values_are_corpus_errors(raw: Any) -> None:
    with pytest.raises(CorpusError):
        decode(raw)


def test_same_is_strict_about_types_order_and_the_sign_of_zero() -> None:
    assert same(0.0, 0.0) and same(-0.0, -0.0) and same(math.nan, math.nan)
    assert not same(-0.0, 0.0) and not same(0.0, -0.0)
    assert not same(1, 1.0) and not same(True, 1) and not same(math.nan, 1.0)
    assert not same({"a": 1, "b": 2}, {"b": 2, "a": 1}) and not same([1, 2], [2, 1])
    deep: list[Any] = [0.0]
    for _ in range(100_000):
        deep = [deep]
    assert same(deep, deep)
