"""Run corpus cases on one installed dictwalk, as a worker process speaking JSON Lines.

Usage: ``<venv>/bin/python -I python/tests/worker.py --api {python|rust|legacy|default}``.
``cargo xtask parity`` starts one worker per installation and judges the outcomes itself. The
API is whatever ``import dictwalk`` finds in that interpreter: ``python`` is
``dictwalk.backends.python``, ``rust`` is ``dictwalk.backends.rust``, ``legacy`` is the
``dictwalk.dictwalk`` object of dictwalk 2.6.0 and ``default`` is this version's
``dictwalk.dictwalk`` object, on whichever backend ``DICTWALK_BACKEND`` chose when it was
imported (the gate's rollback rehearsal runs it with the native wheel installed and
``DICTWALK_BACKEND=python``). This file puts only its own directory on
``sys.path`` (for ``corpus``), never the project's ``python/`` folder, so that the installed
package is the one tested.

The protocol, one JSON object per line in UTF-8 on stdin and stdout, stdout flushed after
every line:

- First, before reading anything: ``{"ready": {"api", "version", "backend", "module",
  "native"}}`` (``backend`` is ``dictwalk.backend_name()``, or null where it does not exist;
  ``native`` whether ``dictwalk._native`` imports, for the ``default`` api only, else null). When the API
  cannot be imported, nothing is written to stdout, one line saying why goes to stderr, and
  the exit status is 2.
- Then for each request, a case in ``Case.to_json()`` form (``{"id", "op", "path", "doc",
  "args"}``, the document already resolved from ``doc_ref``), one reply:
  ``{"id": ..., "outcome": <corpus.run_case>}``. ``op`` is one of ``corpus.OPERATIONS``: the
  path operations, ``get_path_filter`` and ``register_path_filter`` (called on the API, then
  the filter applied to ``args.value``) and ``DictWalk`` (``dictwalk.DictWalk()`` of the
  installed package, which must run on the default backend, else the outcome is the error
  ``WrongBackend``; then a ``get`` through it).
- A group of requests on one document, ``{"doc": <doc>, "group": [{"id", "op", "path",
  "args"}, ...]}``, is answered as the requests it stands for, each with its own copy of the
  document (or, for a read, the copy that the read before it left unchanged: ``corpus.Group``):
  one reply line per request, in order, flushed together once the group is answered (one
  write per group). With ``"details": false`` in the group, an error's outcome leaves out
  ``context``, ``cause`` and ``pickles`` (``corpus._details``), which the fuzzers, comparing
  outcomes by class and document, never read. A request that raises what no case catches
  (2.6.0's PanicException, a BaseException) ends the worker, and Python writes out the
  replies before it as it exits; a worker killed or dying by a signal (a segfault) loses
  them, and the caller asks the rest of the group again one request at a time. The document
  is sent and parsed once.
- A request that is not a JSON object with those fields, or whose tagged values do not
  decode, gets ``{"id": <its id or null>, "protocol_error": "<one line>"}`` and the worker
  goes on; a malformed group gets one such reply, with id null.
- End of input or an empty line ends the worker with status 0.
"""

from __future__ import annotations

import importlib
import io
import json
import sys
from pathlib import Path
from typing import Any, TextIO

# Under ``python -I`` the script's directory is not on sys.path; corpus.py lives next to it.
_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from corpus import NEEDS_VALUE, OPERATIONS, CorpusError, Group, run_case  # noqa: E402 (needs the sys.path entry above)

APIS = ("python", "rust", "legacy", "default")
# The path may be any value (a str, or what corpus.py's codec decodes into a wrong argument).
_REQUEST_FIELDS = {"id": str, "op": str, "args": dict}
# ``json.dumps`` with an argument builds a new encoder at every call; every reply shares this one.
_encode = json.JSONEncoder(ensure_ascii=False).encode


def load_api(api: str) -> tuple[Any, dict[str, Any]]:
    """The object whose get/exists/set/unset/run_filter_function the cases call, and the
    ``ready`` description of the installation it comes from."""
    package = importlib.import_module("dictwalk")
    if api in ("legacy", "default"):
        target = package.dictwalk
    elif api in APIS:
        target = importlib.import_module(f"dictwalk.backends.{api}")
    else:
        raise ValueError(f"unknown api {api!r}; expected one of {', '.join(APIS)}")
    version = getattr(package, "__version__", None) or _installed_version(package)
    backend_name = getattr(package, "backend_name", None)
    ready = {
        "api": api,
        "version": version,
        "backend": backend_name() if callable(backend_name) else None,
        "module": package.__file__,
        "native": _native_imports() if api == "default" else None,
    }
    return target, ready


def _native_imports() -> bool:
    """Whether the native module imports here: a rollback to the reference backend proves
    something only where the native one could have run instead."""
    try:
        importlib.import_module("dictwalk._native")
    except ImportError:
        return False
    return True


def _installed_version(package: Any) -> str:
    """The version the installed distribution's metadata states, as ``importlib.metadata``
    gives it. Read from the ``.dist-info`` beside the package when there is one: importing
    ``importlib.metadata`` costs more than the rest of a start, and 2.6.0's worker is started
    again after every crash."""
    for info in sorted(Path(package.__file__).parent.parent.glob("dictwalk-*.dist-info")):
        try:
            with open(info / "METADATA", encoding="utf-8") as metadata:
                for line in metadata:
                    if line.startswith("Version:"):
                        return line.partition(":")[2].strip()
                    if not line.strip():
                        break
        except OSError:
            continue
    import importlib.metadata  # noqa: PLC0415 (the slow general way, only when needed)

    return importlib.metadata.version("dictwalk")


def serve(api: str, stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    """Answer requests from ``stdin`` on ``stdout`` until the input ends; the exit status."""
    try:
        target, ready = load_api(api)
    except Exception as exc:  # any failure to import is reported, not raised
        reason = f"{type(exc).__name__}: {exc}".replace("\n", " ")
        stderr.write(f"worker: cannot load the {api} api: {reason}\n")
        stderr.flush()
        return 2
    _reply(stdout, {"ready": ready})
    while True:
        line = stdin.readline()
        if not line.strip():
            return 0
        message, problem = _parse(line)
        if problem is not None or message is None:
            reply_id = message.get("id") if message else None
            _reply(stdout, {"id": reply_id, "protocol_error": problem})
            continue
        if "group" not in message:
            _answer(target, message, stdout)
            continue
        group = Group(details=message.get("details", True))
        for request in message["group"]:
            _answer(target, {**request, "doc": message["doc"]}, stdout, group)
        stdout.flush()


def _answer(target: Any, request: dict[str, Any], stdout: TextIO, group: Group | None = None) -> None:
    """Run one request and write its reply (an outcome, or what is wrong with the request),
    flushed unless it belongs to a ``group`` (which is flushed at its end)."""
    problem = _check(request)
    if problem is not None:
        reply: dict[str, Any] = {"id": request.get("id"), "protocol_error": problem}
    else:
        try:
            reply = {"id": request["id"], "outcome": run_case(target, request, group)}
        except CorpusError as exc:
            reply = {"id": request["id"], "protocol_error": _one_line(str(exc))}
    _reply(stdout, reply, flush=group is None)


def _parse(line: str) -> tuple[dict[str, Any] | None, str | None]:
    """The message on ``line`` (a request or a group), and what is wrong with it (None when it is
    well formed); a group's requests are checked as they are answered."""
    if not line.isascii():
        try:
            line.encode("utf-8")
        except UnicodeEncodeError:  # bytes that were not UTF-8, kept by surrogateescape
            return None, "not UTF-8"
    try:
        message = json.loads(line)
    except ValueError as exc:
        return None, f"not JSON: {exc}"
    if not isinstance(message, dict):
        return None, "a request must be a JSON object"
    if "group" in message:
        group = message["group"]
        if not isinstance(group, list) or not all(isinstance(request, dict) for request in group):
            return None, "a group must be a list of JSON objects"
        if "doc" not in message:
            return None, "a group needs 'doc'"
        if not isinstance(message.get("details", True), bool):
            return None, "a group's 'details' must be true or false"
        return message, None
    return message, _check(message)


def _check(request: dict[str, Any]) -> str | None:
    """What is wrong with a request, or None when it is well formed."""
    for name, kind in _REQUEST_FIELDS.items():
        if not isinstance(request.get(name), kind):
            return f"the request needs {name!r} ({kind.__name__})"
    for name in ("path", "doc"):
        if name not in request:
            return f"the request needs {name!r}"
    if request["op"] not in OPERATIONS:
        return f"unknown op {request['op']!r}; expected one of {', '.join(OPERATIONS)}"
    if request["op"] in NEEDS_VALUE and "value" not in request["args"]:
        return f"{request['op']} needs args.value"
    return None


def _reply(stdout: TextIO, message: dict[str, Any], *, flush: bool = True) -> None:
    try:
        line = _encode(message)
    except (RecursionError, ValueError, TypeError) as exc:
        line = _replacement(message, f"the outcome cannot be written as JSON: {exc}")
    try:
        stdout.write(line + "\n")
    except UnicodeEncodeError:  # a lone surrogate in a str result; TextIOWrapper wrote nothing
        stdout.write(_replacement(message, "the outcome holds a str that UTF-8 cannot carry") + "\n")
    if flush:
        stdout.flush()


def _replacement(message: dict[str, Any], reason: str) -> str:
    outcome = {"error": "EncodeError", "message": reason}
    return json.dumps({"id": message.get("id"), "outcome": outcome}, ensure_ascii=True)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    # The usual command line is read without argparse, whose import costs as much again as a
    # start; anything else goes to argparse for its usage and errors.
    if len(args) == 2 and args[0] == "--api" and args[1] in APIS:
        api = args[1]
    else:
        import argparse  # noqa: PLC0415

        parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
        parser.add_argument("--api", required=True, choices=APIS)
        api = parser.parse_args(args).api
    # The protocol is UTF-8 whatever the locale says; a request that is not is answered, not fatal.
    if isinstance(sys.stdin, io.TextIOWrapper):
        sys.stdin.reconfigure(encoding="utf-8", errors="surrogateescape")
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(encoding="utf-8")
    return serve(api, sys.stdin, sys.stdout, sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
