"""Timing: the compiled batch loop, local and worker-process runners, calibration, and the worker.

Stdlib-only: the worker side (``worker_main``) runs inside dictwalk 2.6.0's virtual environment.

A batch is ``n`` calls of one contestant's statement over ``n`` inputs prepared beforehand, timed
as a whole with ``time.perf_counter_ns`` and with the garbage collector paused (as ``timeit``
does), the same for every contestant. The statement is compiled into the loop, so the only
harness cost per call is one iteration of a ``for`` loop; ``loop_overhead_ns`` measures it.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any, Protocol

import workload
from workload import Impl, Mismatch, Scenario

Batch = Callable[[list[Any], Callable[[], int]], tuple[int, Any]]


def compile_batch(stmt: str, namespace: dict[str, Any], label: str) -> Batch:
    """``timeit``'s technique: the statement inlined into a loop, its names bound as locals."""
    params = "".join(f", {name}=_ns[{name!r}]" for name in namespace)
    body = textwrap.indent(stmt, " " * 8)
    source = (
        f"def batch(_args, _timer{params}):\n"
        "    result = None\n"
        "    _t0 = _timer()\n"
        "    for arg in _args:\n"
        f"{body}\n"
        "    _t1 = _timer()\n"
        "    return _t1 - _t0, result\n"
    )
    scope: dict[str, Any] = {"_ns": namespace}
    exec(compile(source, f"<batch {label}>", "exec"), scope)
    batch: Batch = scope["batch"]
    return batch


def _timed(batch: Batch, args: list[Any], timer: Callable[[], int] = time.perf_counter_ns) -> tuple[int, Any]:
    # ``timer`` is any function the batch calls right before and right after its loop:
    # ``instructions.py`` passes ``os.getppid``, at which callgrind starts a new count.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return batch(args, timer)
    finally:
        if was_enabled:
            gc.enable()


@dataclass
class Entry:
    """One contestant's compiled way of running one scenario."""

    contestant: str
    scenario: Scenario
    impl: Impl
    batch: Batch

    def run(self, n: int) -> int:
        """Times one batch of ``n`` calls and checks the last call's outcome; returns nanoseconds."""
        args, expected = self.scenario.prepare(self.contestant, n)
        if expected is None:
            raise Mismatch("the scenario has no expected value (a benchmark must never time a None)")
        try:
            elapsed, result = _timed(self.batch, args)
        except Exception as exc:
            raise Mismatch(f"raised {type(exc).__name__}: {exc}") from exc
        workload.verify(self.impl, expected, args[-1], result)
        return elapsed


def entries_for(contestant: str, scenarios: list[Scenario]) -> dict[str, Entry]:
    """The compiled entries of one contestant, by scenario id (scenarios it cannot express omitted)."""
    out: dict[str, Entry] = {}
    for scenario in scenarios:
        impl = scenario.impls.get(contestant)
        if isinstance(impl, Impl):
            batch = compile_batch(impl.stmt, impl.namespace, f"{scenario.id} {contestant}")
            out[scenario.id] = Entry(contestant, scenario, impl, batch)
    return out


def loop_overhead_ns(rounds: int = 5, n: int = 200_000) -> float:
    """The harness's own cost per call: the loop around a statement that does nothing."""
    batch = compile_batch("result = arg", {}, "overhead")
    args = [0] * n
    return min(_timed(batch, args)[0] for _ in range(rounds)) / n


class Runner(Protocol):
    """Runs one contestant's batches, in this process or in a worker."""

    def check(self, scenario_id: str) -> None: ...

    def batch(self, scenario_id: str, n: int) -> int: ...


class LocalRunner:
    def __init__(self, entries: dict[str, Entry]) -> None:
        self.entries = entries

    def check(self, scenario_id: str) -> None:
        self.entries[scenario_id].run(1)

    def batch(self, scenario_id: str, n: int) -> int:
        return self.entries[scenario_id].run(n)


class WorkerError(Exception):
    """The worker process failed or broke the protocol: its contestant is missing."""


class WorkerRunner:
    """A contestant timed in another interpreter, driven by JSON lines over stdin/stdout.

    Requests: ``{"op": "check"|"batch", "scenario": id, "n": n}`` and ``{"op": "quit"}``; replies:
    ``{"ok": true, "elapsed_ns": t}`` or ``{"ok": false, "error": text}`` (a wrong result).
    The first line the worker sends is ``{"ready": true, "version": v, "scenarios": [ids]}``.
    """

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        try:
            self.proc = subprocess.Popen(
                argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, text=True, bufsize=1
            )
        except OSError as exc:
            raise WorkerError(f"cannot start {argv[0]}: {exc}") from exc
        hello = self._read()
        if not hello.get("ready"):
            self.close()
            raise WorkerError(str(hello.get("error", hello)))
        self.version: str = hello["version"]
        self.scenarios: list[str] = hello["scenarios"]

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            code = self.proc.wait()
            raise WorkerError(f"the worker exited (status {code}) without answering")
        try:
            reply: dict[str, Any] = json.loads(line)
        except json.JSONDecodeError as exc:
            raise WorkerError(f"the worker sent {line[:200]!r}") from exc
        return reply

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
        except OSError as exc:
            raise WorkerError(f"cannot talk to the worker: {exc}") from exc
        reply = self._read()
        if not reply.get("ok"):
            raise Mismatch(str(reply.get("error", reply)))
        return reply

    def check(self, scenario_id: str) -> None:
        self._ask({"op": "check", "scenario": scenario_id})

    def batch(self, scenario_id: str, n: int) -> int:
        elapsed: int = self._ask({"op": "batch", "scenario": scenario_id, "n": n})["elapsed_ns"]
        return elapsed

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                assert self.proc.stdin is not None
                self.proc.stdin.write(json.dumps({"op": "quit"}) + "\n")
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def calibrate(runner: Runner, scenario: Scenario, target_ns: int) -> int:
    """The batch size whose duration is about ``target_ns`` for this contestant.

    Doubles from one call until a batch takes a tenth of the target, then scales, within the
    scenario's ``max_batch``; the batches run here double as the warm-up.
    """
    n = 1
    while True:
        elapsed = max(runner.batch(scenario.id, n), 1)
        if elapsed * 10 >= target_ns or n >= scenario.max_batch:
            break
        n *= 2
    wanted = n * target_ns // elapsed
    return max(1, min(scenario.max_batch, wanted))


# ---------------------------------------------------------------------------------------------
# The worker: runs inside another virtual environment (dictwalk 2.6.0's)
# ---------------------------------------------------------------------------------------------


def worker_main(contestant: str, load_api: Callable[[], tuple[Any, str]]) -> int:
    """Serves one contestant's batches over stdin/stdout until told to quit or stdin closes."""
    # The protocol gets its own copy of stdout; anything printed by imported code goes to stderr.
    proto: IO[str] = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    def send(message: dict[str, Any]) -> None:
        proto.write(json.dumps(message) + "\n")
        proto.flush()

    try:
        api, version = load_api()
        entries = entries_for(contestant, workload.build({contestant: api}))
    except Exception as exc:
        send({"ready": False, "error": f"{type(exc).__name__}: {exc}"})
        return 2
    send({"ready": True, "version": version, "scenarios": sorted(entries)})
    runner = LocalRunner(entries)
    for line in sys.stdin:
        request = json.loads(line)
        op = request.get("op")
        if op == "quit":
            break
        try:
            if op == "check":
                runner.check(request["scenario"])
                send({"ok": True})
            elif op == "batch":
                send({"ok": True, "elapsed_ns": runner.batch(request["scenario"], int(request["n"]))})
            else:
                send({"ok": False, "error": f"unknown request {request!r}"})
        except Mismatch as exc:
            send({"ok": False, "error": str(exc)})
    return 0
