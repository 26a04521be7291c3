"""The parity corpus: loading, the tagged value codec, running one case, judging the outcome.

This module is the one loader of ``parity/cases/*.json``. It is stdlib-only and imports no
dictwalk code, so that the same file serves pytest (in process, on each backend) and the
worker processes that run a case on another installation, such as dictwalk 2.6.0 in its own
virtual environment. The file format is described in ARCHITECTURE.md under ``parity/``.
"""

from __future__ import annotations

import base64
import copy
import datetime as _dt
import decimal
import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1
CORPUS_DIR = Path(__file__).resolve().parents[2] / "parity" / "cases"

OPERATIONS = ("get", "exists", "set", "unset", "run_filter")
BACKENDS = ("python", "rust", "core", "legacy")
ERROR_CLASSES = (
    "DictWalkError",
    "DictWalkParseError",
    "DictWalkResolutionError",
    "DictWalkOperatorError",
    "TypeError",
    "ValueError",
    "KeyError",
    "ZeroDivisionError",
)
_CASE_FIELDS = {"id", "op", "path", "doc", "doc_ref", "args", "expect", "diverges", "note"}
_ARGS_BY_OP = {
    "get": {"default", "strict"},
    "exists": {"strict"},
    "set": {"value", "strict", "create_missing", "create_filter_match", "overwrite_incompatible"},
    "unset": {"strict"},
    "run_filter": {"value"},
}
_EXPECT_FIELDS = {"value", "doc", "error", "message", "same"}


class CorpusError(Exception):
    """The corpus is malformed; the message names the file and the case."""


# ---------------------------------------------------------------------------------------------
# The tagged codec: JSON for everything JSON can say, a one-key object for the rest.
# ---------------------------------------------------------------------------------------------

_TAGS = ("$tuple", "$set", "$frozenset", "$bytes", "$int", "$float", "$datetime", "$decimal", "$dict")


def decode(raw: Any) -> Any:
    """Turn corpus JSON into the Python value it stands for."""
    if isinstance(raw, list):
        return [decode(item) for item in raw]
    if isinstance(raw, dict):
        if len(raw) == 1:
            ((tag, body),) = raw.items()
            if tag in _TAGS:
                return _decode_tagged(tag, body)
        return {key: decode(value) for key, value in raw.items()}
    return raw


def _decode_tagged(tag: str, body: Any) -> Any:
    if tag == "$tuple":
        return tuple(decode(item) for item in body)
    if tag == "$set":
        return {decode(item) for item in body}
    if tag == "$frozenset":
        return frozenset(decode(item) for item in body)
    if tag == "$bytes":
        return base64.b64decode(body)
    if tag == "$int":
        return int(body)
    if tag == "$float":
        return float(body)
    if tag == "$datetime":
        return _dt.datetime.fromisoformat(body)
    if tag == "$decimal":
        return decimal.Decimal(body)
    # "$dict": a list of [key, value] pairs, for dicts whose keys are not all strings
    # or whose only key would read as a tag.
    return {decode(key): decode(value) for key, value in body}


def encode(value: Any) -> Any:
    """Turn a Python value into corpus JSON; ``decode(encode(v)) == v`` for supported values."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value if -(2**53) <= value <= 2**53 else {"$int": str(value)}
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$float": repr(value)}
    if isinstance(value, list):
        return [encode(item) for item in value]
    if isinstance(value, tuple):
        return {"$tuple": [encode(item) for item in value]}
    if isinstance(value, dict):
        if all(isinstance(key, str) for key in value) and not (
            len(value) == 1 and next(iter(value)) in _TAGS
        ):
            return {key: encode(item) for key, item in value.items()}
        return {"$dict": [[encode(key), encode(item)] for key, item in value.items()]}
    if isinstance(value, (set, frozenset)):
        tag = "$set" if isinstance(value, set) else "$frozenset"
        return {tag: sorted((encode(item) for item in value), key=_sort_key)}
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode("ascii")}
    if isinstance(value, _dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, decimal.Decimal):
        return {"$decimal": str(value)}
    return {"$repr": repr(value)}


def _sort_key(item: Any) -> str:
    return json.dumps(item, sort_keys=True)


def same(expected: Any, actual: Any) -> bool:
    """Compare two encoded values strictly: types count (1 is not 1.0 nor True), order counts."""
    if type(expected) is not type(actual):
        return False
    if isinstance(expected, dict):
        return list(expected) == list(actual) and all(same(expected[k], actual[k]) for k in expected)
    if isinstance(expected, list):
        return len(expected) == len(actual) and all(same(e, a) for e, a in zip(expected, actual, strict=True))
    if isinstance(expected, float):
        return expected == actual or (math.isnan(expected) and math.isnan(actual))
    return bool(expected == actual)


# ---------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One corpus case: an operation on a document and what it must give."""

    id: str
    file: str
    op: str
    path: str
    doc: Any  # encoded JSON; decode a fresh copy per run since writes mutate
    args: Mapping[str, Any]  # encoded JSON
    expect: Mapping[str, Any]
    diverges: Mapping[str, str] = field(default_factory=dict)

    def expects_error(self) -> bool:
        return "error" in self.expect

    def to_json(self) -> dict[str, Any]:
        """The self-contained form sent to worker processes."""
        return {"id": self.id, "op": self.op, "path": self.path, "doc": self.doc, "args": dict(self.args)}


def load_corpus(directory: Path = CORPUS_DIR) -> list[Case]:
    """Read and validate every corpus file; raise CorpusError naming the file and case."""
    files = sorted(directory.glob("*.json"))
    if not files:
        raise CorpusError(f"{directory}: no corpus files (*.json) found")
    cases: list[Case] = []
    seen: dict[str, str] = {}
    for path in files:
        for case in _load_file(path):
            if case.id in seen:
                raise CorpusError(f"{path.name}: case {case.id!r}: duplicate id (also in {seen[case.id]})")
            seen[case.id] = path.name
            cases.append(case)
    return cases


def _load_file(path: Path) -> Iterator[Case]:
    name = path.name
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorpusError(f"{name}: not valid JSON: {exc}") from None
    if not isinstance(raw, dict) or set(raw) - {"schema_version", "description", "docs", "cases"}:
        raise CorpusError(
            f"{name}: top level must be an object with schema_version, description, docs, cases"
        )
    if raw.get("schema_version") != SCHEMA_VERSION:
        raise CorpusError(f"{name}: schema_version must be {SCHEMA_VERSION}")
    docs = raw.get("docs", {})
    if not isinstance(docs, dict):
        raise CorpusError(f"{name}: docs must be an object of named documents")
    if not isinstance(raw.get("cases"), list):
        raise CorpusError(f"{name}: cases must be a list")
    for index, entry in enumerate(raw["cases"]):
        yield _load_case(name, index, entry, docs)


def _load_case(name: str, index: int, entry: Any, docs: Mapping[str, Any]) -> Case:
    where = f"{name}: case #{index}"
    if not isinstance(entry, dict):
        raise CorpusError(f"{where}: a case must be an object")
    case_id = entry.get("id")
    if not isinstance(case_id, str) or not case_id:
        raise CorpusError(f"{where}: missing id")
    where = f"{name}: case {case_id!r}"
    unknown = set(entry) - _CASE_FIELDS
    if unknown:
        raise CorpusError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    op = entry.get("op")
    if op not in OPERATIONS:
        raise CorpusError(f"{where}: op must be one of {', '.join(OPERATIONS)}, not {op!r}")
    path = entry.get("path")
    if not isinstance(path, str):
        raise CorpusError(f"{where}: path must be a string")
    if "doc" in entry and "doc_ref" in entry:
        raise CorpusError(f"{where}: give doc or doc_ref, not both")
    if "doc_ref" in entry:
        if entry["doc_ref"] not in docs:
            raise CorpusError(f"{where}: doc_ref {entry['doc_ref']!r} names no document in docs")
        doc = docs[entry["doc_ref"]]
    else:
        doc = entry.get("doc")
    args = entry.get("args", {})
    if not isinstance(args, dict) or set(args) - _ARGS_BY_OP[op]:
        raise CorpusError(f"{where}: args for {op} may only be {', '.join(sorted(_ARGS_BY_OP[op]))}")
    if op in ("set", "run_filter") and "value" not in args:
        raise CorpusError(f"{where}: {op} needs args.value")
    expect = entry.get("expect")
    if not isinstance(expect, dict) or not expect:
        raise CorpusError(f"{where}: missing expectation (expect)")
    if set(expect) - _EXPECT_FIELDS:
        raise CorpusError(f"{where}: expect may only hold {', '.join(sorted(_EXPECT_FIELDS))}")
    if "error" in expect:
        if expect["error"] not in ERROR_CLASSES:
            raise CorpusError(f"{where}: unknown error class {expect['error']!r}")
        if "value" in expect:
            raise CorpusError(f"{where}: expect holds both an error and a value")
    elif op in ("set", "unset"):
        if "doc" not in expect:
            raise CorpusError(f"{where}: a {op} case expects the document after it (expect.doc)")
    elif "value" not in expect:
        raise CorpusError(f"{where}: missing expectation (expect.value or expect.error)")
    diverges = entry.get("diverges", {})
    if not isinstance(diverges, dict):
        raise CorpusError(f"{where}: diverges must map a backend name to a reason")
    for backend, reason in diverges.items():
        if backend not in BACKENDS:
            raise CorpusError(f"{where}: diverges names unknown backend {backend!r}")
        if not isinstance(reason, str) or not reason.strip():
            raise CorpusError(f"{where}: divergence for {backend} needs a reason")
    return Case(case_id, name, op, path, doc, args, expect, diverges)


# ---------------------------------------------------------------------------------------------
# Running and judging
# ---------------------------------------------------------------------------------------------


def run_case(api: Any, case: Mapping[str, Any]) -> dict[str, Any]:
    """Run one case (its ``to_json`` form) on ``api`` and return the encoded outcome.

    The outcome is ``{"value": ...}``, ``{"doc": ..., "same": bool}`` for writes, or
    ``{"error": class name, "message": str}``; for writes that fail, ``doc`` holds the
    document as the failure left it.
    """
    doc = decode(copy.deepcopy(case["doc"]))
    args = {key: decode(value) for key, value in case["args"].items()}
    op, path = case["op"], case["path"]
    try:
        if op == "get":
            return {
                "value": encode(api.get(doc, path, args.get("default"), strict=args.get("strict", False)))
            }
        if op == "exists":
            return {"value": encode(api.exists(doc, path, strict=args.get("strict", False)))}
        if op == "run_filter":
            return {"value": encode(api.run_filter_function(path, args["value"]))}
        if op == "set":
            value = args.pop("value")
            result = api.set(doc, path, value, **args)
        else:
            result = api.unset(doc, path, **args)
        return {"doc": encode(doc), "same": result is doc}
    except Exception as exc:  # the outcome records any exception, that is its purpose
        outcome = {"error": type(exc).__name__, "message": str(exc)}
        if op in ("set", "unset"):
            outcome["doc"] = encode(doc)
        return outcome


def judge(case: Case, outcome: Mapping[str, Any]) -> str | None:
    """Return None when ``outcome`` meets the case's expectation, else what differs."""
    expect = case.expect
    if "error" in expect:
        if outcome.get("error") != expect["error"]:
            return f"expected {expect['error']}, got {_describe(outcome)}"
        fragment = expect.get("message")
        if fragment is not None and fragment not in outcome.get("message", ""):
            return f"expected message containing {fragment!r}, got {outcome.get('message')!r}"
        # A failed write leaves the document as it was (spec 9.7).
        if case.op in ("set", "unset") and not same(expect.get("doc", case.doc), outcome.get("doc")):
            return f"failed {case.op} changed the document to {json.dumps(outcome.get('doc'))}"
        return None
    if "error" in outcome:
        return f"expected success, got {_describe(outcome)}"
    if case.op in ("set", "unset"):
        if not same(expect["doc"], outcome.get("doc")):
            wanted, got = json.dumps(expect["doc"]), json.dumps(outcome.get("doc"))
            return f"document after {case.op}: expected {wanted}, got {got}"
        if outcome.get("same") is not expect.get("same", True):
            return f"{case.op} returned {'the same' if outcome.get('same') else 'another'} object"
        return None
    if not same(expect["value"], outcome.get("value")):
        return f"expected {json.dumps(expect['value'])}, got {json.dumps(outcome.get('value'))}"
    return None


def _describe(outcome: Mapping[str, Any]) -> str:
    if "error" in outcome:
        return f"{outcome['error']}: {outcome.get('message', '')}"
    if "value" in outcome:
        return f"value {json.dumps(outcome['value'])}"
    return f"document {json.dumps(outcome.get('doc'))}"
