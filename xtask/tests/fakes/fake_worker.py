"""A stand-in for python/tests/worker.py in the xtask's own tests (`xtask/src/parity/tests.rs`).

It speaks the worker protocol: a ready line, then one reply line per request line (a group's
replies written out together at its end), until the input ends. It answers the tiny test
corpora with just enough of dictwalk (get, exists and set of a top-level key; a group of
requests on one document as the requests it stands for), and misbehaves on purpose on the case
ids it is given: ``--crash-on`` exits 3 with a line on stderr (writing out the replies it
holds, as Python does when an exception ends it), ``--signal-on`` dies by SIGKILL (losing them,
as a segfault does), ``--hang-on`` sleeps, ``--lie-on`` answers a wrong value, ``--garbage-on``
prints a line that is not JSON, ``--wrong-id-on`` answers for another id,
``--protocol-error-on`` reports a protocol error, ``--mutate-on`` gives the right answer but
reports that the read changed the document. ``*`` stands for every case. With ``--no-ready`` it
exits 2 at once, as the real worker does when dictwalk cannot be imported; ``--started FILE``
appends a line to FILE each time it starts.

Standard library only; run by the host's python3.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from collections.abc import Callable
from typing import Any


def reply(message: dict[str, Any], *, flush: bool = True) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    if flush:
        sys.stdout.flush()


def answer(request: dict[str, Any]) -> dict[str, Any]:
    op, doc, key, args = request["op"], request["doc"], request["path"], request["args"]
    if op == "get":
        return {"value": doc[key] if key in doc else args.get("default")}
    if op == "exists":
        return {"value": key in doc}
    if op == "set":
        doc[key] = args["value"]
        return {"doc": doc, "same": True}
    return {"error": "DictWalkParseError", "message": f"the fake worker has no {op}"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="python", help="the backend the ready line names")
    for kind in ("crash", "signal", "hang", "lie", "garbage", "wrong-id", "protocol-error", "mutate"):
        parser.add_argument(f"--{kind}-on", action="append", default=[], metavar="ID")
    parser.add_argument("--no-ready", action="store_true")
    parser.add_argument("--started", metavar="FILE")
    options = parser.parse_args()

    if options.started:
        with open(options.started, "a", encoding="utf-8") as started:
            started.write("started\n")
    if options.no_ready:
        sys.stderr.write("fake worker: cannot load the python api: ModuleNotFoundError\n")
        return 2
    module = os.path.abspath(__file__)
    reply({"ready": {"api": "fake", "version": "0.0.0", "backend": options.backend, "module": module}})

    def on(ids: list[str], case_id: str) -> bool:
        return case_id in ids or "*" in ids

    for line in sys.stdin:
        if not line.strip():
            return 0
        message = json.loads(line)
        # A group of requests on one document is answered as the requests it stands for.
        group = message.get("group")
        requests = [{**request, "doc": message["doc"]} for request in group] if group else [message]
        for request in requests:
            serve(request, options, on, flush=not group)
        sys.stdout.flush()
    return 0


def serve(
    request: dict[str, Any], options: argparse.Namespace, on: Callable[[list[str], str], bool], *, flush: bool
) -> None:
    """Answer one request, or misbehave on it as the options say."""
    case_id = request["id"]
    if on(options.crash_on, case_id):
        sys.stdout.flush()
        sys.stderr.write(f"fake worker: crashing on {case_id}\n")
        sys.stderr.flush()
        os._exit(3)
    if on(options.signal_on, case_id):
        os.kill(os.getpid(), signal.SIGKILL)
    if on(options.hang_on, case_id):
        time.sleep(3600)
    if on(options.garbage_on, case_id):
        sys.stdout.write("this is not JSON\n")
        sys.stdout.flush()
        return
    if on(options.wrong_id_on, case_id):
        reply({"id": "someone.else", "outcome": {"value": 1}})
        return
    if on(options.protocol_error_on, case_id):
        reply({"id": case_id, "protocol_error": "cannot decode the document"})
        return
    outcome = answer(request)
    if on(options.lie_on, case_id):
        outcome = {"value": "a lie"}
    if on(options.mutate_on, case_id):
        outcome["mutated"] = "the document became {}"
    reply({"id": case_id, "outcome": outcome}, flush=flush)


if __name__ == "__main__":
    sys.exit(main())
