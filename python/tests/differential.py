"""Run the corpus on one installed dictwalk and list where it differs from the expectations.

Usage: ``python differential.py --backend legacy`` inside dictwalk 2.6.0's own virtual
environment (the ``legacy`` backend is whatever ``import dictwalk`` finds there), or
``--backend python`` / ``--backend rust`` with this project's package importable.

Every difference must be declared in the case's ``diverges`` map under the backend's name,
with its reason; a declaration that no longer differs is reported as stale. Exit status:
0 no undeclared difference and no stale declaration, 1 otherwise, 2 the corpus is malformed.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Any

from corpus import BACKENDS, CorpusError, judge, load_corpus, run_case


def load_api(backend: str) -> Any:
    if backend == "legacy":
        module = importlib.import_module("dictwalk")
        return module.dictwalk
    return importlib.import_module(f"dictwalk.backends.{backend}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", required=True, choices=BACKENDS)
    parser.add_argument("--verbose", action="store_true", help="list declared differences too")
    options = parser.parse_args(argv)
    try:
        cases = load_corpus()
    except CorpusError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    api = load_api(options.backend)
    undeclared, declared, stale = [], [], []
    for case in cases:
        problem = judge(case, run_case(api, case.to_json()))
        reason = case.diverges.get(options.backend)
        if problem and reason is None:
            undeclared.append(f"UNDECLARED {case.file}: {case.id}: {problem}")
        elif problem:
            declared.append(f"declared   {case.file}: {case.id}: {reason}")
        elif reason is not None:
            stale.append(f"STALE      {case.file}: {case.id}: declared ({reason}) but no longer differs")
    for line in undeclared + stale + (declared if options.verbose else []):
        print(line)
    print(
        f"{options.backend}: {len(cases)} cases, {len(cases) - len(undeclared) - len(declared)} agree, "
        f"{len(declared)} declared differences, {len(undeclared)} undeclared, {len(stale)} stale"
    )
    return 1 if undeclared or stale else 0


if __name__ == "__main__":
    sys.exit(main())
