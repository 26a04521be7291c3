"""The Python loader on the fixtures shared with the Rust loader (crates/dictwalk-corpus).

``crates/dictwalk-corpus/tests/malformed/expected.json`` states, for each malformed corpus,
the one-line error both loaders must give; the Rust crate's tests hold the Rust side to it.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import corpus
import pytest
from corpus import CorpusError, load_corpus

import dictwalk
from dictwalk.backends import python

FIXTURES = Path(__file__).resolve().parents[2] / "crates" / "dictwalk-corpus" / "tests"
EXPECTED = json.loads((FIXTURES / "malformed" / "expected.json").read_text(encoding="utf-8"))["errors"]


def load(name: str, tmp_path: Path) -> int:
    """Load a fixture: ``name/`` is a corpus directory, ``name.json`` a corpus of one file."""
    source = FIXTURES / "malformed" / name.rstrip("/")
    if name.endswith("/"):
        return len(load_corpus(source))
    shutil.copy(source, tmp_path / source.name)
    return len(load_corpus(tmp_path))


def test_every_fixture_is_listed() -> None:
    present = {
        f"{path.name}/" if path.is_dir() else path.name
        for path in (FIXTURES / "malformed").iterdir()
        if path.name != "expected.json"
    }
    assert present == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_malformed_fixture_gives_its_error(name: str, tmp_path: Path) -> None:
    with pytest.raises(CorpusError) as caught:
        load(name, tmp_path)
    want = EXPECTED[name]
    if isinstance(want, str):
        assert str(caught.value) == want
    else:
        assert str(caught.value).startswith(want["prefix"])


def test_the_valid_fixture_loads() -> None:
    assert len(load_corpus(FIXTURES / "valid")) > 0


def _chain(depth: int, key: str = "a") -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {key: value}
    return value


# Plain JSON, and values a step away from it that the codec's fast path must hand over.
CODEC_VALUES: list[Any] = [
    None,
    {"a": [1, 2.5, -0.0, True, None, "x"], "b": {"c": {}}, "": []},
    [[], [[1]], {"$": 1, "$x": 2}],
    {"$tuple": [1]},
    {"k": 2**53, "l": -(2**53), "m": 2**53 + 1},
    [float("nan"), float("inf")],
    {1: "int key"},
    ((1, 2), {3}, frozenset({4}), b"x"),
    _chain(40),
    _chain(70),
    [_chain(70, "b")],
    list(range(100)),
]


@pytest.mark.parametrize("value", CODEC_VALUES, ids=range(len(CODEC_VALUES)))
def test_the_codecs_fast_path_gives_the_general_answer(value: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    encoded, decoded = corpus.encode(value), corpus.decode(corpus.encode(value))
    assert corpus.encode(value) is not value or not isinstance(value, (list, dict))

    def not_plain(*_: Any) -> Any:
        raise corpus._NotPlain

    monkeypatch.setattr(corpus, "_plain_copy", not_plain)
    assert corpus.same(encoded, corpus.encode(value))
    assert corpus.same(corpus.encode(decoded), corpus.encode(corpus.decode(encoded)))


def test_the_snapshot_of_a_plain_document_sees_every_change() -> None:
    doc: dict[str, Any] = {"a": [1, {"b": 2.5}], "c": {"d": None}}
    snapshot = corpus.Snapshot(doc)
    assert snapshot.containers == corpus._containers(doc)
    assert all(x is y for x, y in zip(snapshot.containers, corpus._containers(doc), strict=True))
    assert snapshot.change() is None
    doc["a"][1] = {"b": 2.5}
    assert "container #2 (depth-first) is another object" in (snapshot.change() or "")
    doc = {"a": [1, True]}
    snapshot = corpus.Snapshot(doc)
    doc["a"][1] = 1
    assert "the document became" in (snapshot.change() or "")
    doc = {"a": [1], "b": {"x": 1}}
    snapshot = corpus.Snapshot(doc)
    doc["b"] = (1,)
    assert "lists and dicts" in (snapshot.change() or "")
    # A list held twice is listed once, as the general walk lists it.
    shared: list[Any] = [1]
    doc = {"a": shared, "b": shared}
    assert corpus._plain_snapshot(doc) is None
    assert corpus.Snapshot(doc).containers == [doc, shared]


def _base() -> dict[str, Any]:
    return {"a": [1, {"b": 2.5, "z": 0.0}], "c": {"d": None, "e": "x"}}


@pytest.mark.parametrize(
    "change",
    [
        lambda doc: doc["a"][1].__setitem__("z", -0.0),
        lambda doc: doc["a"][1].__setitem__("b", 2),
        lambda doc: doc["a"].__setitem__(0, True),
        lambda doc: doc["a"].append(None),
        lambda doc: doc["c"].pop("d") and None,
        lambda doc: doc.update({"c": {"e": "x", "d": None}}),
        lambda doc: doc["c"].update({"e": "x"}) or doc["c"].update({"d": doc["c"].pop("d")}),
        lambda doc: doc.__setitem__("f", doc["a"]),
        lambda doc: doc["a"].__setitem__(1, {"b": 2.5, "z": 0.0}),
        lambda doc: doc["a"][1].__setitem__("b", float("nan")),
    ],
)
def test_the_one_walk_check_of_a_plain_snapshot_sees_every_change(change: Callable[[Any], None]) -> None:
    doc = _base()
    snapshot = corpus.Snapshot(doc)
    assert snapshot.plain
    position = [0]
    assert corpus._plain_unchanged(doc, snapshot.content, snapshot.containers, position)
    assert position[0] == len(snapshot.containers)
    assert snapshot.change() is None
    change(doc)
    assert snapshot.change() is not None
    position = [0]
    unchanged = corpus._plain_unchanged(doc, snapshot.content, snapshot.containers, position)
    assert not (unchanged and position[0] == len(snapshot.containers))


@pytest.mark.parametrize(
    ("op", "path", "args", "names"),
    [
        ("get", "a[?.|$corpus_clear($$root.a)]", {}, ["corpus_clear"]),
        ("set", "a", {"value": "$corpus_grow(1)|$corpus_drop"}, ["corpus_drop", "corpus_grow"]),
        ("set", "a", {"value": {"x": ["$corpus_clear"]}}, ["corpus_clear"]),
        ("set", "a", {"default": None, "strict": True, "value": 7}, []),
        ("get", "a|$corpus_unknown", {}, []),
        # get_path_filter names a filter without its '$'; a get of that text reads a key.
        ("get_path_filter", "corpus_rebind", {"value": 1}, ["corpus_rebind"]),
        ("get_path_filter", "upper", {"value": 1}, []),
        ("get_path_filter", None, {"value": 1}, []),
        ("get", "corpus_rebind", {}, []),
    ],
)
def test_the_custom_filters_of_a_case_are_found_in_its_path_and_arguments(
    op: str, path: Any, args: dict[str, Any], names: list[str]
) -> None:
    assert corpus.custom_filters_of({"op": op, "path": path, "args": args}) == names


def test_a_dictwalk_case_fails_on_another_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    request = {"id": "w", "op": "DictWalk", "path": "a", "doc": {"a": 1}, "args": {}}
    assert corpus.run_case(python, request) == {"value": 1}

    class Elsewhere(dictwalk.DictWalk):
        """An API object whose backend is not the default one."""

        def __init__(self) -> None:
            super().__init__(type("Backend", (), {"NAME": "elsewhere", "get": staticmethod(python.get)}))

    monkeypatch.setattr(dictwalk, "DictWalk", Elsewhere)
    outcome = corpus.run_case(python, request)
    assert outcome == {
        "error": "WrongBackend",
        "message": f"DictWalk() runs on 'elsewhere', the default dictwalk on {dictwalk.backend_name()!r}",
    }
