"""Instruction counts: the scenarios' measured batches on one backend, run under callgrind.

``cargo xtask bench`` runs this file as::

    env -i PATH=/usr/bin:/bin PYTHONHASHSEED=0 PYTHONMALLOC=malloc setarch -R \\
        valgrind --tool=callgrind --dump-before=getppid --callgrind-out-file=OUT \\
        VENV/bin/python -s benches/instructions.py --backend native --out batches.json

``-s`` and the empty environment isolate the interpreter; ``-I`` would too, but it also ignores
PYTHONHASHSEED and PYTHONMALLOC, and the counts then change from run to run (the runner refuses
to measure with randomised hashing).

Each measured batch is the compiled loop of ``harness.compile_batch`` with ``os.getppid`` as its
``_timer``: the batch calls it right before and right after its loop, and callgrind starts a new
dump at every call. So the k-th measured batch (0-based) is dump ``OUT.<2k+2>``, whose
``summary:`` line is the instructions of that loop alone; dump 1 holds the start-up, the odd
dumps after it the preparation of inputs, the warm-ups and the checks, and ``OUT`` itself (no
suffix) the rest, up to the exit. Nothing else in this process calls ``getppid``; the run counts
its own calls and fails if they are not two per batch.

Every count is deterministic: ``calls`` is fixed per scenario and backend (``CALLS``), never calibrated by
time; a warm-up of at least as many calls runs first (timed with ``perf_counter_ns``, which
callgrind ignores) so that caches and the interpreter's specialised bytecode are in the state the
measured batches see (``MIN_WARMUP_CALLS``); the garbage collector is paused in every batch;
every batch's last result is verified, outside the measured region.

Stdlib-only. dictwalk is imported from the interpreter's environment (the installed wheel, or
for ``--backend legacy`` dictwalk 2.6.0 in its own venv), never from the checkout. ``FILE`` is
written at the very end, and only when every batch ran and was verified; it lists the batches
in the order they ran (see ``--help``).

Exit codes: 0 every batch measured and verified; 1 a result was wrong (the scenario is named);
2 the runner could not run (bad arguments, dictwalk not installed in the environment).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import json
import os
import platform
import sys
import time
import traceback
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# The sibling modules. Under ``python -I`` (or ``-P``) the script's folder is not on sys.path.
sys.path.insert(0, str(HERE))

import harness  # noqa: E402 - needs the sys.path entry above
import report  # noqa: E402
import workload  # noqa: E402

SCHEMA_VERSION = 1
REPEATS = 2
BACKEND_MODULES = {
    "reference": "dictwalk.backends.python",
    "native": "dictwalk.backends.rust",
    # dictwalk 2.6.0, the released version the rewrite replaces: its API is the object
    # ``dictwalk.dictwalk``, imported from its own venv (``.venvs/legacy``, made by the xtask).
    "legacy": "dictwalk",
}
# The position of a backend's figure in the (reference, native, legacy) rows of the tables below.
BACKEND_INDEX = {"reference": 0, "native": 1, "legacy": 2}
# The only 2.6.0 the legacy backend measures.
LEGACY_VERSION = "2.6.0"

# The calls of one batch, per scenario and backend (reference, native, legacy): fixed, so that a
# run is the same work every time. Each is chosen so that one measured batch costs roughly 10 to
# 20 million instructions on every backend (the figures below, measured with callgrind: Python
# 3.11.7, dictwalk 3.0.0a1's native wheel, PYTHONMALLOC=malloc, PYTHONHASHSEED=0): enough that
# the loop's own few hundred instructions of entry and exit vanish, and that the odd costly
# malloc call (glibc's, which the native backend shares) stays small beside the batch. With the
# reference's calls on the native side too, batches of 0.4-4 million instructions, two repeats
# differed by up to 1.5%; a run under callgrind stays short (about 25 s per backend here).
# dictwalk 2.6.0 (legacy, from its own venv) measured 21-32 s for its column; its two repeats
# agreed within 0.11% (write.unset), most within 0.03%.
CALLS: dict[str, tuple[int, int, int]] = {
    # Reference 22.8 M, native 6 M, legacy 16.2 M (at max_batch): each batch parses other
    # paths, so the repeats differ by their mix of path lengths and when the cache is tidied.
    "parse.distinct": (200, 1000, 1000),
    "read.get": (1000, 10_000, 1000),  # 9.5 M, 13 M, 12.0 M
    "read.wildcard": (100, 300, 60),  # 11.2 M, 12 M, 12.7 M
    "read.deep": (2, 20, 10),  # 14.0 M, 14 M, 13.4 M
    "filter.predicate": (4, 50, 12),  # 14.0 M, 12 M, 13.0 M
    "transform.sum": (3, 30, 7),  # 14.5 M, 14 M, 14.1 M
    # Legacy: one call is already 31.6 M, the least a batch can be.
    "transform.sort_first": (1, 30, 1),  # 13.4 M, 12 M, 31.6 M
    "write.set": (300, 6000, 1100),  # 13.1 M, 12 M, 13.6 M
    "write.unset": (500, 7000, 1200),  # 13.2 M, 12 M, 14.0 M
    "write.set_all": (10, 200, 60),  # 14.9 M, 14 M, 13.3 M
}
# The warm-up runs ``calls`` calls, and at least MIN_WARMUP_CALLS: the interpreter specialises a
# loop's bytecode only after it ran a few times, so a warm-up of one call left the first measured
# batch of transform.sort_first on the native backend 0.24% dearer than the second; with ten
# the two agree within 0.01%. parse.distinct needs more, to fill a cache:
# both backends keep 2,048 parsed paths and, once full, evict one per new path; 2,100 paths of
# warm-up (in batches within ``max_batch``) fill them, so every measured call parses, inserts
# and evicts, as in a long-running process, instead of some batches also growing the table.
MIN_WARMUP_CALLS = 10
WARMUP_CALLS: dict[str, int] = {"parse.distinct": 2_100}


def log(message: str) -> None:
    print(f"instructions: {message}", file=sys.stderr, flush=True)


class CannotRun(Exception):
    """The runner cannot measure: bad arguments or environment (exit 2)."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="benches/instructions.py",
        description="Run the scenarios' measured batches on one backend, for valgrind --tool=callgrind "
        "--dump-before=getppid: the k-th measured batch (0-based) is callgrind's dump 2k+2.",
        epilog="FILE: {schema_version, backend, python, dictwalk, batches: [{scenario, repeat, calls}] "
        "in the order they ran, skipped: {scenario: reason}}. Exit codes: 0 every batch "
        "measured and verified; 1 a wrong result; 2 could not run.",
    )
    parser.add_argument("--backend", choices=tuple(BACKEND_MODULES), help="the backend to measure")
    parser.add_argument("--out", type=Path, metavar="FILE", help="where to write the list of batches (JSON)")
    parser.add_argument(
        "--scenario",
        action="append",
        metavar="ID",
        help="measure only this scenario (repeatable; default: all)",
    )
    parser.add_argument(
        "--list", action="store_true", help="print the scenario ids, one a line, and measure nothing"
    )
    args = parser.parse_args(argv)
    if not args.list and (args.backend is None or args.out is None):
        parser.error("--backend and --out are required (unless --list)")
    return args


def scenario_ids() -> list[str]:
    """The ids, in the order they run. Building the table needs no dictwalk: stand-ins suffice."""
    stand_in = types.SimpleNamespace(get=None, set=None, unset=None)
    return [s.id for s in workload.build({"reference": stand_in})]


def load_backend(backend: str) -> tuple[Any, str]:
    """The backend's module and dictwalk's version, from the environment's installed dictwalk."""
    try:
        dictwalk = importlib.import_module("dictwalk")
        module = importlib.import_module(BACKEND_MODULES[backend])
    except ImportError as exc:
        raise CannotRun(f"cannot import {BACKEND_MODULES[backend]}: {exc}") from exc
    origin = Path(dictwalk.__file__ or "").resolve()
    prefix = Path(sys.prefix).resolve()
    # Counting the checkout's sources (or an editable install of them) would measure code that is
    # not the wheel the gate judges, and the extension beside them may be stale.
    if prefix not in origin.parents or ROOT / "python" in origin.parents:
        raise CannotRun(f"dictwalk must be installed in {prefix}, but it was imported from {origin}")
    if backend == "legacy":
        # 2.6.0 has no __version__; its distribution's metadata says which it is.
        version = importlib.metadata.version("dictwalk")
        if version != LEGACY_VERSION:
            raise CannotRun(
                f"--backend legacy measures dictwalk {LEGACY_VERSION}, but {prefix} has {version}"
            )
        return module.dictwalk, version
    return module, str(dictwalk.__version__)


class Timer:
    """The batches' timer: ``perf_counter_ns`` in the warm-up, ``os.getppid`` in measured batches.

    One object, whose bound method ``tick`` every batch calls: the interpreter specialises a call
    for the function it saw, so a warm-up with another timer function left every scenario's first
    measured batch 110 instructions dearer than the second (a new specialisation); with one
    function whose clock is switched, the call is specialised once, in the warm-up. ``getppid``
    is counted, which proves that every getppid call of the process came from here, two per
    batch: any other would shift the dump numbers.
    """

    def __init__(self) -> None:
        self.clock: Callable[[], int] = time.perf_counter_ns
        self.getppid_calls = 0

    def tick(self) -> int:
        if self.clock is os.getppid:
            self.getppid_calls += 1
        return self.clock()


def run_batch(entry: harness.Entry, calls: int, timer: Callable[[], int], entry_label: str) -> None:
    """One prepared, run and verified batch; a wrong result or a raising call is Mismatch."""
    args, expected = entry.scenario.prepare(entry.contestant, calls)
    try:
        _, result = harness._timed(entry.batch, args, timer)
    except Exception as exc:
        raise workload.Mismatch(f"{entry_label}: raised {type(exc).__name__}: {exc}") from exc
    try:
        workload.verify(entry.impl, expected, args[-1], result)
    except workload.Mismatch as exc:
        raise workload.Mismatch(f"{entry_label}: {exc}") from exc


def measure(args: argparse.Namespace) -> int:
    ids = scenario_ids()
    unknown = sorted(set(args.scenario or ()) - set(ids))
    if unknown:
        raise CannotRun(f"unknown scenario {', '.join(unknown)} (known: {', '.join(ids)})")
    missing = sorted(set(ids) - set(CALLS))
    if missing:
        raise CannotRun(f"no fixed calls count for {', '.join(missing)} (add it to CALLS)")
    backend: str = args.backend
    if sys.flags.hash_randomization:
        # Randomised str hashes change dict layouts and with them the counts, run to run (6% on
        # one scenario, measured); so do pymalloc's arenas, hence PYTHONMALLOC=malloc too.
        raise CannotRun(
            "str hashing is randomised, so counts would not repeat: set PYTHONHASHSEED=0 "
            "(and PYTHONMALLOC=malloc) and run without -I or -E, which ignore them"
        )
    module, version = load_backend(backend)
    # A file left by an earlier run must not pass for this run's if this one fails.
    args.out.unlink(missing_ok=True)

    selected = set(args.scenario or ids)
    skipped: dict[str, str] = {}
    plan: list[harness.Entry] = []
    for scenario in workload.build({backend: module}):
        impl = scenario.impls.get(backend)
        if scenario.id not in selected:
            skipped[scenario.id] = "not selected (--scenario)"
        elif not isinstance(impl, workload.Impl):
            skipped[scenario.id] = getattr(impl, "reason", f"no statement for {backend}")
        else:
            if max(CALLS[scenario.id]) > scenario.max_batch:
                raise CannotRun(
                    f"{scenario.id}: {CALLS[scenario.id]} calls exceed max_batch {scenario.max_batch}"
                )
            batch = harness.compile_batch(impl.stmt, impl.namespace, f"{scenario.id} {backend}")
            plan.append(harness.Entry(backend, scenario, impl, batch))

    timer = Timer()
    batches: list[dict[str, Any]] = []
    for entry in plan:
        sid, calls = entry.scenario.id, CALLS[entry.scenario.id][BACKEND_INDEX[backend]]
        warmup = WARMUP_CALLS.get(sid, max(calls, MIN_WARMUP_CALLS))
        timer.clock = time.perf_counter_ns
        while warmup > 0:
            chunk = min(warmup, entry.scenario.max_batch)
            run_batch(entry, chunk, timer.tick, f"{sid} (warm-up)")
            warmup -= chunk
        timer.clock = os.getppid
        for repeat in range(REPEATS):
            run_batch(entry, calls, timer.tick, f"{sid} (repeat {repeat})")
            batches.append({"scenario": sid, "repeat": repeat, "calls": calls})
        log(f"{sid}: {REPEATS} batches of {calls} calls")
    if timer.getppid_calls != 2 * len(batches):
        raise CannotRun(f"getppid was called {timer.getppid_calls} times for {len(batches)} batches")

    document = {
        "schema_version": SCHEMA_VERSION,
        "backend": backend,
        "python": platform.python_version(),
        "dictwalk": version,
        "batches": batches,
        "skipped": skipped,
    }
    report.write_atomically(args.out, json.dumps(document, indent=2) + "\n")
    log(f"wrote {args.out}: {len(batches)} batches")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        if args.list:
            sys.stdout.write("".join(f"{sid}\n" for sid in scenario_ids()))
            return 0
        return measure(args)
    except workload.Mismatch as exc:
        log(f"WRONG RESULT: {exc} (exit 1)")
        return 1
    except CannotRun as exc:
        log(f"{exc} (exit 2)")
        return 2
    except Exception:
        traceback.print_exc()
        log("could not run (exit 2)")
        return 2


if __name__ == "__main__":
    sys.exit(main())
