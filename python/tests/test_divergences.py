"""The generated divergences document matches the corpus."""

from __future__ import annotations

from corpus import load_corpus
from divergences import DOCUMENT, REGENERATE, render


def test_divergences_document_is_current() -> None:
    expected = render(load_corpus())
    current = DOCUMENT.read_text(encoding="utf-8") if DOCUMENT.exists() else ""
    assert current == expected, f"{DOCUMENT.name} is out of date; regenerate it with `{REGENERATE}`"
