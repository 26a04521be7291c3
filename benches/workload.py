"""The scenario table: seeded data, the expected results, and each contestant's timed statement.

Stdlib-only and free of any dictwalk import, because the same file is loaded by the worker that
runs inside dictwalk 2.6.0's virtual environment: the dictwalk-like objects are passed in.

A contestant's way of doing a scenario is an ``Impl``: one Python statement that is compiled into
the timed loop (``harness.compile_batch``) with ``arg`` bound to one prepared input, plus how its
outcome is checked. A contestant that cannot express a scenario gets ``NotApplicable`` with the
reason, never an imitation written in plain Python.
"""

from __future__ import annotations

import functools
import itertools
import json
import operator
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

SEED = 20_260_611

# The dictwalk-like contestants share one statement per scenario; the others have their own.
DICTWALK_FAMILY = ("reference", "native", "legacy")
CONTESTANTS = ("reference", "native", "legacy", "plain", "jmespath", "glom", "dpath")

# parse.distinct: 40 keys on each of three levels give 64,000 distinct paths, more than any
# contestant's parse cache holds (the reference keeps 2,048, jmespath 512) and more than one run
# consumes, so every timed call parses a path its contestant has never seen.
PARSE_FANOUT = 40


class Mismatch(Exception):
    """A contestant's result differs from the expected one, or its call raised."""


@dataclass(frozen=True)
class NotApplicable:
    """The contestant has no way to express the scenario; the text says why."""

    reason: str


@dataclass
class Impl:
    """How one contestant runs one scenario.

    ``stmt`` runs once per prepared input ``arg``, with the names of ``namespace`` bound as
    locals; it leaves its return value in ``result``. ``checks`` is ``"value"`` (``result`` must
    equal the expected value) or ``"doc"`` (the mutated input must equal the expected document,
    and with ``returns_doc`` the call must return that same object).
    """

    stmt: str
    namespace: dict[str, Any] = field(default_factory=dict)
    checks: str = "value"
    returns_doc: bool = False
    # A declared, untimed normalisation before the comparison (for a peer that returns the same
    # items in another order); it is reported next to the result.
    normalize: Callable[[Any], Any] | None = None
    note: str = ""


@dataclass
class Scenario:
    """One workload, the same data for every contestant."""

    id: str
    group: str
    path: str  # the dictwalk path (or operation), for the report
    title: str
    measures: str  # what the timed region contains, in a sentence
    impls: dict[str, Impl | NotApplicable]
    # (contestant, n) -> the n prepared inputs of one batch and the expected result of the last.
    prepare: Callable[[str, int], tuple[list[Any], Any]]
    # The largest batch calibration may choose: it bounds the inputs prepared at once (write
    # copies) or consumed (the distinct paths of parse.distinct).
    max_batch: int = 1_000_000


# ---------------------------------------------------------------------------------------------
# Seeded data, built once per process
# ---------------------------------------------------------------------------------------------


@functools.cache
def parse_doc() -> dict[str, Any]:
    keys = [f"k{i}" for i in range(PARSE_FANOUT)]
    return {
        "a": {
            ki: {kj: {kk: _leaf(i, j, k) for k, kk in enumerate(keys)} for j, kj in enumerate(keys)}
            for i, ki in enumerate(keys)
        }
    }


def _leaf(i: int, j: int, k: int) -> int:
    return i * 10_000 + j * 100 + k


@functools.cache
def parse_order() -> tuple[tuple[int, int, int], ...]:
    """Every (i, j, k) once, shuffled so that consecutive paths share no prefix pattern."""
    span = range(PARSE_FANOUT)
    triples = list(itertools.product(span, span, span))
    random.Random(SEED).shuffle(triples)
    return tuple(triples)


@functools.cache
def get_doc() -> dict[str, Any]:
    return {
        "a": {"b": {"c": 42, "d": "dee", "e": [1, 2, 3]}, "f": {"g": None}},
        "h": {"i": True, "j": 3.5},
    }


@functools.cache
def users_doc(count: int = 100) -> dict[str, Any]:
    rng = random.Random(SEED + 1)
    return {
        "users": {
            f"u{i:03d}": {"name": f"user{i}", "age": rng.randint(18, 90), "tags": ["x", "y"]}
            for i in range(count)
        }
    }


@functools.cache
def tree_doc(fanout: int = 3, depth: int = 5) -> dict[str, Any]:
    """A tree whose nodes are numbered in pre-order from 1; the root itself has no ``id``."""
    counter = itertools.count(1)

    def node(level: int) -> dict[str, Any]:
        number = next(counter)
        children = [node(level + 1) for _ in range(fanout)] if level < depth else []
        return {"id": number, "label": f"node{number}", "children": children}

    return {"tree": {"children": [node(1) for _ in range(fanout)]}}


@functools.cache
def items_doc(count: int = 500) -> dict[str, Any]:
    rng = random.Random(SEED + 2)
    return {
        "items": [
            {"id": i, "score": rng.randint(0, 100), "name": f"item{i}", "active": rng.random() < 0.5}
            for i in range(count)
        ]
    }


WRITE_DOC_JSON = json.dumps({"a": {"b": {"c": 1, "d": 2}, "x": [1, 2, 3]}, "meta": {"version": 1}})


@functools.cache
def write_items_json() -> str:
    return json.dumps({"items": items_doc()["items"][:100]})


def memory_doc(scale: int) -> dict[str, Any]:
    """``a.b.c`` with ``300 * scale`` padding entries on each of the three levels it crosses."""

    def pad(level: str) -> dict[str, Any]:
        return {f"{level}{i}": {"x": i, "y": f"s{i}", "z": [i, i]} for i in range(300 * scale)}

    return {"a": {"b": {"c": 7, **pad("pb")}, **pad("pa")}, **pad("p")}


MEMORY_PATH = "a.b.c"
MEMORY_EXPECTED = 7


# ---------------------------------------------------------------------------------------------
# The hand-written equivalents used for the expected values and by the ``plain`` contestant
# ---------------------------------------------------------------------------------------------


def deep_ids(value: Any) -> list[Any]:
    """``**.id`` by hand: the ``id`` of every dict below ``value``, in pre-order."""
    out: list[Any] = []
    _collect_ids(value, out)
    return out


def _collect_ids(value: Any, out: list[Any]) -> None:
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    for child in children:
        if isinstance(child, dict):
            if "id" in child:
                out.append(child["id"])
            _collect_ids(child, out)
        elif isinstance(child, list):
            _collect_ids(child, out)


def strict_equal(left: Any, right: Any) -> bool:
    """Equality that also compares types, so that ``1``, ``1.0`` and ``True`` differ."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return list(left) == list(right) and all(strict_equal(left[k], right[k]) for k in left)
    if isinstance(left, (list, tuple)):
        return len(left) == len(right) and all(strict_equal(a, b) for a, b in zip(left, right, strict=True))
    return bool(left == right)


def verify(impl: Impl, expected: Any, last_arg: Any, result: Any) -> None:
    """Raises Mismatch unless the outcome of the last call of a batch is the expected one."""
    if impl.checks == "doc":
        if impl.returns_doc and result is not last_arg:
            raise Mismatch(f"returned {_short(result)} instead of the document it was given")
        got = last_arg
    else:
        got = impl.normalize(result) if impl.normalize is not None else result
    if not strict_equal(got, expected):
        raise Mismatch(_difference(expected, got, "result"))


def _difference(expected: Any, got: Any, where: str) -> str:
    """Where two values first differ, for a message that stays short on large results."""
    if type(expected) is type(got):
        if isinstance(expected, dict) and list(expected) == list(got):
            key = next(k for k in expected if not strict_equal(expected[k], got[k]))
            return _difference(expected[key], got[key], f"{where}[{key!r}]")
        if isinstance(expected, (list, tuple)) and len(expected) == len(got):
            pairs = enumerate(zip(expected, got, strict=True))
            index = next(i for i, (left, right) in pairs if not strict_equal(left, right))
            return _difference(expected[index], got[index], f"{where}[{index}]")
    return f"{where}: expected {_short(expected)}, got {_short(got)}"


def _short(value: Any, limit: int = 100) -> str:
    text = repr(value)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text + (f" (length {len(value)})" if isinstance(value, (list, tuple, dict)) else "")


# ---------------------------------------------------------------------------------------------
# The scenarios
# ---------------------------------------------------------------------------------------------


def _reads(doc: dict[str, Any], expected: Any) -> Callable[[str, int], tuple[list[Any], Any]]:
    def prepare(_contestant: str, n: int) -> tuple[list[Any], Any]:
        return [doc] * n, expected

    return prepare


def _writes(blob: str, expected: Any) -> Callable[[str, int], tuple[list[Any], Any]]:
    # Every call gets its own fresh document, decoded from the same JSON text before the batch
    # starts: the copying is outside the timed region, and identical for every contestant.
    def prepare(_contestant: str, n: int) -> tuple[list[Any], Any]:
        return [json.loads(blob) for _ in range(n)], expected

    return prepare


class _PathCursor:
    """Hands out the distinct paths of parse.distinct, each once per contestant and process."""

    def __init__(self) -> None:
        self.used: dict[str, int] = {}

    def prepare(self, contestant: str, n: int) -> tuple[list[Any], Any]:
        order = parse_order()
        start = self.used.get(contestant, 0)
        if start + n > len(order):
            raise RuntimeError(
                f"parse.distinct ran out of distinct paths for {contestant} "
                f"({start} used, {n} more asked, {len(order)} exist)"
            )
        self.used[contestant] = start + n
        sep = "/" if contestant == "dpath" else "."
        triples = order[start : start + n]
        paths = [sep.join(("a", f"k{i}", f"k{j}", f"k{k}")) for i, j, k in triples]
        return paths, _leaf(*triples[-1])


def _family(
    apis: dict[str, Any], stmt: str, namespace: dict[str, Any] | None = None, **impl_args: Any
) -> dict[str, Impl | NotApplicable]:
    """The same statement for every dictwalk-like contestant, each with its own functions."""
    return {
        name: Impl(
            stmt, {"get": api.get, "set_": api.set, "unset": api.unset, **(namespace or {})}, **impl_args
        )
        for name, api in apis.items()
        if name in DICTWALK_FAMILY
    }


def _modules(apis: dict[str, Any]) -> dict[str, Any]:
    return {name: api for name, api in apis.items() if name not in DICTWALK_FAMILY}


def build(apis: dict[str, Any]) -> list[Scenario]:
    """The scenarios, with an Impl for every contestant in ``apis`` (name to module or object).

    ``apis`` may hold the dictwalk-like contestants (``get``/``set``/``unset``), ``plain``
    (any value: it needs no module) and the peer modules ``jmespath``, ``glom`` and ``dpath``.
    """
    peers = _modules(apis)

    def pick(table: dict[str, Impl | NotApplicable]) -> dict[str, Impl | NotApplicable]:
        return {name: impl for name, impl in table.items() if name in peers}

    jp, gl, dp = peers.get("jmespath"), peers.get("glom"), peers.get("dpath")
    # The peers' functions, bound as locals of the timed loop (None for a peer not installed,
    # whose impls ``pick`` then drops).
    jp_ns = {"search": getattr(jp, "search", None)}
    glom_ns = {"glom": getattr(gl, "glom", None)}
    assign_ns = {"assign": getattr(gl, "assign", None)}
    delete_ns = {"delete": getattr(gl, "delete", None)}
    dget_ns = {"dget": getattr(dp, "get", None)}
    dvalues_ns = {"values": getattr(dp, "values", None)}
    dset_ns = {"dset": getattr(dp, "set", None)}
    ddelete_ns = {"ddelete": getattr(dp, "delete", None)}
    no_writes = NotApplicable("jmespath only reads")
    no_predicates = NotApplicable("glom specs have no comparison: it would be a Python callable")
    no_arithmetic = NotApplicable("no arithmetic or sorting in its paths: it would be a Python callable")
    no_dpath_filter = NotApplicable("dpath globs select by key, not by a value's content")

    parse_cursor = _PathCursor()
    parse_ns = {"doc": parse_doc()}
    reduce_ns = {"doc": parse_doc(), "reduce": functools.reduce, "getitem": operator.getitem}
    parse = Scenario(
        id="parse.distinct",
        group="parse-heavy",
        path="a.k{i}.k{j}.k{k}",
        title="a path never seen before, each call",
        measures=(
            f"parse + walk of a 4-token path: {PARSE_FANOUT**3:,} distinct paths, each used at most "
            "once per contestant and run, so no parse cache can answer"
        ),
        impls={
            **_family(apis, "result = get(doc, arg)", parse_ns),
            **pick(
                {
                    "plain": Impl('result = reduce(getitem, arg.split("."), doc)', reduce_ns),
                    "jmespath": Impl("result = search(arg, doc)", {**parse_ns, **jp_ns}),
                    "glom": Impl("result = glom(doc, arg)", {**parse_ns, **glom_ns}),
                    "dpath": Impl("result = dget(doc, arg)", {**parse_ns, **dget_ns}),
                }
            ),
        },
        prepare=parse_cursor.prepare,
        # Calibration and 15 rounds then use at most ~17,000 of the 64,000 paths.
        max_batch=1000,
    )

    get_expected = get_doc()["a"]["b"]["c"]
    read_get = Scenario(
        id="read.get",
        group="read-heavy",
        path="a.b.c",
        title="simple get",
        measures="one call on a small document; the path is parsed once and cached",
        impls={
            **_family(apis, 'result = get(arg, "a.b.c")'),
            **pick(
                {
                    "plain": Impl('result = arg["a"]["b"]["c"]'),
                    "jmespath": Impl('result = search("a.b.c", arg)', jp_ns),
                    "glom": Impl('result = glom(arg, "a.b.c")', glom_ns),
                    "dpath": Impl('result = dget(arg, "a/b/c")', dget_ns),
                }
            ),
        },
        prepare=_reads(get_doc(), get_expected),
    )

    users = users_doc()
    read_wildcard = Scenario(
        id="read.wildcard",
        group="read-heavy",
        path="users.*.name",
        title="`*` over 100 dict values",
        measures="one call collecting a field from 100 dict values",
        impls={
            **_family(apis, 'result = get(arg, "users.*.name")'),
            **pick(
                {
                    "plain": Impl('result = [u["name"] for u in arg["users"].values()]'),
                    "jmespath": Impl('result = search("users.*.name", arg)', jp_ns),
                    "glom": Impl('result = glom(arg, "users.*.name")', glom_ns),
                    "dpath": Impl('result = values(arg, "users/*/name")', dvalues_ns),
                }
            ),
        },
        prepare=_reads(users, [u["name"] for u in users["users"].values()]),
    )

    tree = tree_doc()
    deep_expected = deep_ids(tree["tree"])
    read_deep = Scenario(
        id="read.deep",
        group="read-heavy",
        path="tree.**.id",
        title=f"`**` over a {len(deep_expected)}-node tree",
        measures=f"one call walking every descendant of a {len(deep_expected)}-node tree",
        impls={
            **_family(apis, 'result = get(arg, "tree.**.id")'),
            **pick(
                {
                    "plain": Impl('result = deep_ids(arg["tree"])', {"deep_ids": deep_ids}),
                    "jmespath": NotApplicable("jmespath has no recursive descent"),
                    "glom": Impl(
                        'result = glom(arg, "tree.**.id")',
                        glom_ns,
                        normalize=sorted,
                        note="glom walks breadth-first: its ids are compared sorted",
                    ),
                    "dpath": Impl('result = values(arg, "tree/**/id")', dvalues_ns),
                }
            ),
        },
        prepare=_reads(tree, deep_expected),
    )

    items = items_doc()
    filter_expected = [x["id"] for x in items["items"] if x["score"] > 50]
    filter_predicate = Scenario(
        id="filter.predicate",
        group="filter-heavy",
        path="items[?.score>50].id[]",
        title=f"predicate over {len(items['items'])} items",
        measures=f"one call filtering {len(items['items'])} dicts by a comparison and plucking a field",
        impls={
            **_family(apis, 'result = get(arg, "items[?.score>50].id[]")'),
            **pick(
                {
                    "plain": Impl('result = [x["id"] for x in arg["items"] if x["score"] > 50]'),
                    "jmespath": Impl('result = search("items[?score > `50`].id", arg)', jp_ns),
                    "glom": no_predicates,
                    "dpath": no_dpath_filter,
                }
            ),
        },
        prepare=_reads(items, filter_expected),
    )

    transform_sum = Scenario(
        id="transform.sum",
        group="transform-heavy",
        path="items.score[]|$double[]|$sum",
        title="pluck, map a filter, reduce",
        measures=f"one call plucking {len(items['items'])} numbers, doubling each and summing them",
        impls={
            **_family(apis, 'result = get(arg, "items.score[]|$double[]|$sum")'),
            **pick(
                {
                    "plain": Impl('result = sum(x["score"] * 2 for x in arg["items"])'),
                    "jmespath": NotApplicable("jmespath has sum() but no arithmetic to double with"),
                    "glom": no_arithmetic,
                    "dpath": no_arithmetic,
                }
            ),
        },
        prepare=_reads(items, sum(x["score"] * 2 for x in items["items"])),
    )

    by_score = operator.itemgetter("score")
    transform_sort = Scenario(
        id="transform.sort_first",
        group="transform-heavy",
        path="items|$sort_by('score')|$first",
        title=f"stable sort of {len(items['items'])} items, first",
        measures=f"one call sorting {len(items['items'])} dicts by a field and taking the first",
        impls={
            **_family(apis, "result = get(arg, \"items|$sort_by('score')|$first\")"),
            **pick(
                {
                    "plain": Impl('result = sorted(arg["items"], key=by_score)[0]', {"by_score": by_score}),
                    "jmespath": Impl('result = search("sort_by(items, &score)[0]", arg)', jp_ns),
                    "glom": no_arithmetic,
                    "dpath": no_arithmetic,
                }
            ),
        },
        prepare=_reads(items, sorted(items["items"], key=by_score)[0]),
    )

    write_cap = 20_000
    set_expected = json.loads(WRITE_DOC_JSON)
    set_expected["a"]["b"]["c"] = 7
    write_set = Scenario(
        id="write.set",
        group="write-heavy",
        path="set a.b.c = 7",
        title="set on a fresh copy",
        measures="one set on a fresh copy of a small document; the copies are made before the batch",
        impls={
            **_family(apis, 'result = set_(arg, "a.b.c", 7)', checks="doc", returns_doc=True),
            **pick(
                {
                    "plain": Impl('arg["a"]["b"]["c"] = 7', checks="doc"),
                    "jmespath": no_writes,
                    "glom": Impl(
                        'result = assign(arg, "a.b.c", 7)',
                        assign_ns,
                        checks="doc",
                        returns_doc=True,
                    ),
                    "dpath": Impl('dset(arg, "a/b/c", 7)', dset_ns, checks="doc"),
                }
            ),
        },
        prepare=_writes(WRITE_DOC_JSON, set_expected),
        max_batch=write_cap,
    )

    unset_expected = json.loads(WRITE_DOC_JSON)
    del unset_expected["a"]["b"]["d"]
    write_unset = Scenario(
        id="write.unset",
        group="write-heavy",
        path="unset a.b.d",
        title="unset on a fresh copy",
        measures="one unset on a fresh copy of a small document; the copies are made before the batch",
        impls={
            **_family(apis, 'result = unset(arg, "a.b.d")', checks="doc", returns_doc=True),
            **pick(
                {
                    "plain": Impl('del arg["a"]["b"]["d"]', checks="doc"),
                    "jmespath": no_writes,
                    "glom": Impl(
                        'result = delete(arg, "a.b.d")',
                        delete_ns,
                        checks="doc",
                        returns_doc=True,
                    ),
                    "dpath": Impl('ddelete(arg, "a/b/d")', ddelete_ns, checks="doc"),
                }
            ),
        },
        prepare=_writes(WRITE_DOC_JSON, unset_expected),
        max_batch=write_cap,
    )

    set_all_expected = json.loads(write_items_json())
    for item in set_all_expected["items"]:
        item["seen"] = True
    write_set_all = Scenario(
        id="write.set_all",
        group="write-heavy",
        path="set items[].seen = True",
        title="set a field on 100 items",
        measures="one set fanning out over 100 dicts of a fresh copy; the copies are made before the batch",
        impls={
            **_family(apis, 'result = set_(arg, "items[].seen", True)', checks="doc", returns_doc=True),
            **pick(
                {
                    "plain": Impl('for x in arg["items"]:\n    x["seen"] = True', checks="doc"),
                    "jmespath": no_writes,
                    "glom": Impl(
                        'result = assign(arg, "items.*.seen", True)',
                        assign_ns,
                        checks="doc",
                        returns_doc=True,
                    ),
                    "dpath": NotApplicable("dpath.set changes only existing keys; dpath.new does not glob"),
                }
            ),
        },
        prepare=_writes(write_items_json(), set_all_expected),
        max_batch=write_cap // 10,
    )

    return [
        parse,
        read_get,
        read_wildcard,
        read_deep,
        filter_predicate,
        transform_sum,
        transform_sort,
        write_set,
        write_unset,
        write_set_all,
    ]
