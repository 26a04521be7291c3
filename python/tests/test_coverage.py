"""The corpus covers the language: every token kind, every built-in filter at every arity,
every ``set`` flag both ways, every operation and error class, and the robustness inputs.

Coverage is read from the cases themselves: each path is parsed by the reference parser and
its syntax tree walked, so a case counts only for what its path really contains.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from typing import Any

import pytest
from corpus import ERROR_CLASSES, OPERATIONS, Case, load_corpus

from dictwalk.backends.python import filters, parser
from dictwalk.errors import DictWalkError

CASES = load_corpus()
SET_FLAGS = ("strict", "create_missing", "create_filter_match", "overwrite_incompatible")
ROBUSTNESS_TAGS = ("$nest", "$range", "$cycle", "$raising")
CONTAINER_TAGS = ("$counter", "$ordereddict", "$defaultdict", "$dict_subclass", "$list_subclass")


def _nodes(node: Any) -> Iterator[Any]:
    """Every syntax-tree node under ``node`` (dataclass instances), ``node`` included."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif dataclasses.is_dataclass(item) and not isinstance(item, (type, filters.FilterSpec)):
            yield item
            stack.extend(getattr(item, field.name) for field in dataclasses.fields(item))


def _tree(case: Case) -> Any:
    """The case's parsed path, or None when it does not parse (an error case) or is no str."""
    if not isinstance(case.path, str) or case.op == "get_path_filter":
        # A wrong argument (spec 1.1), a str JSON cannot hold, or a filter's name: no syntax to count.
        return None
    try:
        if case.op == "run_filter":
            return parser.parse_pipeline(case.path)
        return parser.parse_path(case.path, write=case.op in ("set", "unset"))
    except DictWalkError:
        return None


TREES = [(case, _tree(case)) for case in CASES]


def test_every_token_kind_appears() -> None:
    kinds = {
        name
        for name, value in vars(parser).items()
        if isinstance(value, type)
        and dataclasses.is_dataclass(value)
        and value.__module__ == parser.__name__
        and name not in ("Path",)
    }
    seen = {type(node).__name__ for _, tree in TREES if tree is not None for node in _nodes(tree)}
    assert kinds - seen == set(), "no corpus case uses these syntax-tree kinds"


def _builtins() -> dict[str, filters.FilterSpec]:
    specs: dict[str, filters.FilterSpec] = dict(vars(filters).get("_BUILTINS", {}))
    assert specs, "the reference registers no built-in filter"
    return specs


def test_every_builtin_filter_appears_at_every_arity() -> None:
    used: set[tuple[str, int]] = set()
    for _, tree in TREES:
        if tree is not None:
            used.update(
                (node.name, len(node.args)) for node in _nodes(tree) if isinstance(node, parser.FilterCall)
            )
    missing = []
    for name, spec in sorted(_builtins().items()):
        high = spec.max_args if spec.max_args is not None else spec.min_args + 2
        missing.extend(f"${name}/{n}" for n in range(spec.min_args, high + 1) if (name, n) not in used)
    assert missing == [], "filters or arities no parsed corpus path calls"


@pytest.mark.parametrize("flag", SET_FLAGS)
def test_every_set_flag_appears_both_ways(flag: str) -> None:
    # Only bools: a flag of another type is a wrong argument (spec 1.1), which api.json holds.
    values = {case.args[flag] for case in CASES if case.op == "set" and type(case.args.get(flag)) is bool}
    assert values == {True, False}


def test_every_operation_and_error_class_appears() -> None:
    """Each class a case may name is expected by some case: raised, or (KeyError,
    DictWalkOperatorError) as the cause a strict failure names at the start of its message."""
    assert {case.op for case in CASES} == set(OPERATIONS)
    raised = {case.expect["error"] for case in CASES if "error" in case.expect}
    causes = {
        case.expect["message"].split(":")[0]
        for case in CASES
        if case.expect.get("error") == "DictWalkResolutionError" and "message" in case.expect
    }
    assert set(ERROR_CLASSES) - (raised | causes) == set()


@pytest.mark.parametrize("tag", ROBUSTNESS_TAGS)
def test_every_robustness_input_appears(tag: str) -> None:
    assert any(f'"{tag}"' in json.dumps(case.doc) for case in CASES)


@pytest.mark.parametrize("tag", CONTAINER_TAGS)
def test_every_container_subclass_appears_under_every_operation(tag: str) -> None:
    ops = {case.op for case in CASES if f'"{tag}"' in json.dumps(case.doc)}
    assert ops >= {"get", "exists", "set", "unset"}, f"{tag} appears only under {sorted(ops)}"
