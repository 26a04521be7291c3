"""Every case of the parity corpus, on every available backend."""

from __future__ import annotations

from types import ModuleType

import pytest
from corpus import Case, judge, load_corpus, run_case

CASES = load_corpus()


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_case(backend: ModuleType, case: Case) -> None:
    problem = judge(case, run_case(backend, case.to_json()))
    assert problem is None, f"{case.file}: {case.id}: {problem}"
