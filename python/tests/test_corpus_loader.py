"""The Python loader on the fixtures shared with the Rust loader (crates/dictwalk-corpus).

``crates/dictwalk-corpus/tests/malformed/expected.json`` states, for each malformed corpus,
the one-line error both loaders must give; the Rust crate's tests hold the Rust side to it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from corpus import CorpusError, load_corpus

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
