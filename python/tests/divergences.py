"""Render ``parity/DIVERGENCES.md``: every declared divergence of the corpus, with its reason.

The corpus is the source; this document is generated from it so that a reviewer can read
every known difference in one place. ``python python/tests/divergences.py`` rewrites it
(atomically); ``--check`` exits 1 when it is out of date. test_divergences.py runs the check.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from corpus import CORPUS_DIR, Case, CorpusError, load_corpus

DOCUMENT = CORPUS_DIR.parent / "DIVERGENCES.md"
REGENERATE = "python python/tests/divergences.py"


def render(cases: list[Case]) -> str:
    by_backend: dict[str, dict[str, list[Case]]] = defaultdict(lambda: defaultdict(list))
    for case in cases:
        for backend, reason in case.diverges.items():
            by_backend[backend][reason].append(case)
    lines = [
        "# Declared divergences",
        "",
        f"Generated from `parity/cases/*.json` by `{REGENERATE}`; do not edit by hand.",
        "Each backend's differences from the corpus's expectations, grouped by reason.",
        "A difference that is not listed here fails `cargo xtask parity`.",
    ]
    for backend in sorted(by_backend):
        reasons = by_backend[backend]
        total = sum(len(group) for group in reasons.values())
        lines += ["", f"## {backend} ({total} cases)"]
        for reason in sorted(reasons):
            lines += ["", f"### {reason}", ""]
            lines += [f"- `{case.id}` ({case.file}): `{case.op}` `{case.path}`" for case in reasons[reason]]
    return "\n".join(lines) + "\n"


def write_atomically(path: Path, text: str) -> None:
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temp, path)
    except BaseException:
        os.unlink(temp)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the document is out of date")
    options = parser.parse_args(argv)
    try:
        text = render(load_corpus())
    except CorpusError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    current = DOCUMENT.read_text(encoding="utf-8") if DOCUMENT.exists() else None
    if options.check:
        if current != text:
            print(f"{DOCUMENT.name} is out of date; regenerate it with `{REGENERATE}`", file=sys.stderr)
            return 1
        return 0
    if current != text:
        write_atomically(DOCUMENT, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
