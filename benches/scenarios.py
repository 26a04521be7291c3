"""The cross-backend scenario suite: dictwalk's backends against 2.6.0, plain Python and peers.

Every scenario runs on the same seeded data for every contestant, interleaved in one run: for
each round, each contestant times one batch (the order rotates between rounds), and a
contestant's figure is its median time per call over the rounds. Every timed call's outcome is
checked against the expected value before timing and on the last call of each batch.

Contestants: ``reference`` (dictwalk.backends.python), ``native`` (dictwalk.backends.rust),
``legacy`` (dictwalk 2.6.0, timed in a worker process of its own virtual environment, since it
has the same import name), ``plain`` (hand-written Python) and the peers ``jmespath``, ``glom``
and ``dpath`` when they are installed (``cargo xtask bench`` installs the pinned versions).

Run ``cargo xtask bench`` (or ``.venv/bin/python benches/scenarios.py``); the table goes to
stdout, progress to stderr. Exit codes: 0 every target MET, 1 a target NOT MET, 2 the suite
could not run, 3 INCONCLUSIVE (a contestant is missing, so a target cannot be judged).
With ``--self-check``: 0 every available contestant gives the expected results, 1 one does not.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import json
import os
import platform
import statistics
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Sibling modules: running this file puts benches/ first on sys.path.
import harness
import memory
import report
import workload

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_LEGACY_PYTHON = ROOT / ".venvs" / "legacy" / "bin" / "python"
LEGACY_VERSION = "2.6.0"
PEERS = ("jmespath", "glom", "dpath")

DESCRIPTIONS = {
    "reference": "dictwalk.backends.python, this checkout",
    "native": "dictwalk.backends.rust (dictwalk._native), this checkout",
    "legacy": "dictwalk 2.6.0 from .venvs/legacy, in a worker process",
    "plain": "hand-written Python: dict access, comprehensions",
    "jmespath": "jmespath.search",
    "glom": "glom.glom / assign / delete",
    "dpath": "dpath.get / values / set / delete",
}


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="benches/scenarios.py",
        description="Time dictwalk's backends against dictwalk 2.6.0, plain Python and peer libraries.",
        epilog="exit codes: 0 every target MET; 1 a target NOT MET (or, with --self-check, a wrong "
        "result); 2 could not run; 3 INCONCLUSIVE: a contestant is missing, so a target cannot be judged",
    )
    parser.add_argument("--quick", action="store_true", help="a short smoke run: 3 rounds of ~2 ms batches")
    parser.add_argument("--self-check", action="store_true", help="check every expected result, time nothing")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results as JSON to PATH")
    parser.add_argument(
        "--legacy-python",
        type=Path,
        default=DEFAULT_LEGACY_PYTHON,
        metavar="PYTHON",
        help="the interpreter of dictwalk 2.6.0's virtual environment (default: .venvs/legacy)",
    )
    parser.add_argument("--no-memory", action="store_true", help="skip the memory check")
    parser.add_argument(
        "--no-native",
        metavar="REASON",
        help="leave the native backend out, reported missing for REASON (e.g. its build failed)",
    )
    # Internal: the legacy worker, and the fresh interpreter of one peak-RSS measurement.
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--memory-probe", choices=("reference", "native"), help=argparse.SUPPRESS)
    parser.add_argument("--memory-scale", type=int, default=1, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def use_checkout() -> None:
    """Import dictwalk from this checkout's ``python/`` (where ``maturin develop`` puts the extension)."""
    package_root = str(ROOT / "python")
    if package_root not in sys.path:
        sys.path.insert(0, package_root)


def load_legacy() -> tuple[Any, str]:
    """In the worker: dictwalk 2.6.0, refusing any other dictwalk that might be on the path."""
    version = importlib.metadata.version("dictwalk")
    dictwalk = importlib.import_module("dictwalk")
    origin = Path(dictwalk.__file__ or "").resolve()
    if version != LEGACY_VERSION or ROOT / "python" in origin.parents:
        raise RuntimeError(f"expected dictwalk {LEGACY_VERSION} from its venv, found {version} at {origin}")
    return dictwalk.dictwalk, version


def load_backend(contestant: str) -> Any:
    """This checkout's backend module of contestant ``reference`` or ``native``."""
    module = {"reference": "python", "native": "rust"}[contestant]
    return importlib.import_module(f"dictwalk.backends.{module}")


class Contestants:
    """Who takes part, how each is run, and why the missing ones are missing."""

    def __init__(self, legacy_python: Path, *, no_native: str | None = None) -> None:
        self.info: dict[str, dict[str, Any]] = {}
        self.apis: dict[str, Any] = {}
        self.worker: harness.WorkerRunner | None = None

        reference = load_backend("reference")  # without the reference there is nothing to compare
        self._add("reference", reference, _checkout_version())
        if no_native is not None:
            self._missing("native", f"left out: {no_native}")
        else:
            try:
                self._add("native", load_backend("native"), _checkout_version())
            except ImportError as exc:
                self._missing("native", str(exc))
        self._start_legacy(legacy_python)
        self._add("plain", object(), platform.python_version())
        for peer in PEERS:
            try:
                self._add(peer, importlib.import_module(peer), importlib.metadata.version(peer))
            except ImportError as exc:
                self._missing(peer, f"{exc}; `cargo xtask bench` installs benches/requirements.txt")

    def _add(self, name: str, api: Any, version: str) -> None:
        self.apis[name] = api
        self.info[name] = {"available": True, "version": version, "description": DESCRIPTIONS[name]}

    def _missing(self, name: str, reason: str) -> None:
        self.info[name] = {"available": False, "reason": reason, "description": DESCRIPTIONS[name]}

    def _start_legacy(self, python: Path) -> None:
        if not python.exists():
            self._missing(
                "legacy",
                f"{python} does not exist (`cargo xtask bench` makes it)",
            )
            return
        # 2.6.0 has the same import name as this project: the worker must not see python/ at all.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        argv = [str(python), "-E", "-s", str(Path(__file__).resolve()), "--worker"]
        try:
            self.worker = harness.WorkerRunner(argv, env)
        except harness.WorkerError as exc:
            self._missing("legacy", f"the worker did not start: {exc}")
            return
        self.info["legacy"] = {
            "available": True,
            "version": self.worker.version,
            "description": DESCRIPTIONS["legacy"],
        }

    def close(self) -> None:
        if self.worker is not None:
            self.worker.close()


def _checkout_version() -> str:
    from dictwalk import __version__  # noqa: PLC0415 - imported once the checkout is on sys.path

    return str(__version__)


def cell_states(
    scenario: workload.Scenario, contestants: Contestants
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """The cells that need no run (n/a, missing), and the contestants that do run, in order."""
    cells: dict[str, dict[str, Any]] = {}
    runnable = []
    for name in workload.CONTESTANTS:
        info = contestants.info[name]
        if not info["available"]:
            cells[name] = {"status": "missing", "reason": info["reason"]}
            continue
        if name == "legacy":
            assert contestants.worker is not None
            impl: Any = (
                None if scenario.id in contestants.worker.scenarios else workload.NotApplicable("no impl")
            )
        else:
            impl = scenario.impls.get(name)
        if isinstance(impl, workload.NotApplicable):
            cells[name] = {"status": "n/a", "reason": impl.reason}
        else:
            runnable.append(name)
            cells[name] = {"status": "ok"}
            note = getattr(scenario.impls.get(name), "note", "")
            if note:
                cells[name]["note"] = note
    return cells, runnable


def run_suite(args: argparse.Namespace) -> int:
    self_check = bool(args.self_check)
    quick = bool(args.quick)
    contestants = Contestants(args.legacy_python, no_native=args.no_native)
    try:
        return _run(args, contestants, self_check=self_check, quick=quick)
    finally:
        contestants.close()


def _run(args: argparse.Namespace, contestants: Contestants, *, self_check: bool, quick: bool) -> int:
    rounds = 3 if quick else 15
    batch_target_ms = 2.0 if quick else 10.0
    target_ns = int(batch_target_ms * 1e6)
    scenarios = workload.build(contestants.apis)

    runners: dict[str, harness.Runner] = {
        name: harness.LocalRunner(harness.entries_for(name, scenarios))
        for name in contestants.apis
        if contestants.info[name]["available"]
    }
    if contestants.worker is not None:
        runners["legacy"] = contestants.worker

    available = [name for name in workload.CONTESTANTS if contestants.info[name]["available"]]
    log(f"contestants: {', '.join(available)}")
    results: dict[str, dict[str, dict[str, Any]]] = {}
    for scenario in scenarios:
        cells, runnable = cell_states(scenario, contestants)
        results[scenario.id] = cells
        active = []
        for name in runnable:
            if _guard(cells, name, contestants, runners[name].check, scenario.id):
                active.append(name)
        if self_check:
            log(f"{scenario.id}: checked {', '.join(runnable)}")
            continue
        sizes: dict[str, int] = {}
        for name in list(active):
            result = _guard(cells, name, contestants, harness.calibrate, runners[name], scenario, target_ns)
            if result is None:
                active.remove(name)
            else:
                sizes[name] = result
        log(f"{scenario.id}: {rounds} rounds of {', '.join(f'{n} x{sizes[n]}' for n in active)}")
        per_call: dict[str, list[float]] = {name: [] for name in active}
        for round_index in range(rounds):
            shift = round_index % max(1, len(active))
            for name in active[shift:] + active[:shift]:
                if name not in per_call:
                    continue
                elapsed = _guard(cells, name, contestants, runners[name].batch, scenario.id, sizes[name])
                if elapsed is None:
                    del per_call[name]
                else:
                    per_call[name].append(elapsed / sizes[name])
        for name, times in per_call.items():
            cells[name].update(
                median_ns=round(statistics.median(times), 2),
                min_ns=round(min(times), 2),
                max_ns=round(max(times), 2),
                per_call_ns=[round(t, 2) for t in times],
                batch=sizes[name],
            )

    memory_result = None
    if not args.no_memory and not self_check:
        getters: dict[str, Callable[..., Any]] = {
            name: contestants.apis[name].get for name in ("reference", "native") if name in contestants.apis
        }
        log("memory check")
        memory_result = memory.check(getters, Path(__file__).resolve())
    elif self_check:
        for name in ("reference", "native"):
            if name in contestants.apis:
                got = contestants.apis[name].get(workload.memory_doc(1), workload.MEMORY_PATH)
                if got != workload.MEMORY_EXPECTED:
                    raise workload.Mismatch(f"{name}: memory document gives {got!r}")

    run: dict[str, Any] = {
        "mode": "self-check" if self_check else "quick" if quick else "full",
        "settings": {
            "rounds": rounds,
            "batch_target_ms": batch_target_ms,
            "loop_overhead_ns": round(harness.loop_overhead_ns(), 2) if not self_check else None,
            "gc_paused_in_batches": True,
        },
        "contestants": {name: contestants.info[name] for name in workload.CONTESTANTS},
        "scenarios": {
            s.id: {"group": s.group, "path": s.path, "title": s.title, "measures": s.measures}
            for s in scenarios
        },
        "results": results,
        "memory": memory_result,
        "environment": {
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "platform": platform.platform(),
            "machine": platform.machine(),
            "cpu_count": os.cpu_count(),
        },
    }
    if self_check:
        all_targets = None
        failed = [(sid, n) for sid, row in results.items() for n, c in row.items() if c["status"] == "failed"]
        run["verdict"] = "FAIL" if failed else "PASS"
        _self_test_judges()
        code = 1 if failed else 0
    else:
        all_targets = report.targets(results, memory_result)
        run["verdict"] = report.overall(all_targets)
        code = report.EXIT_CODES[run["verdict"]]
    sys.stdout.write(report.render_terminal(run, all_targets))
    if args.json is not None:
        report.write_atomically(args.json, report.to_json(run, all_targets))
        log(f"wrote {args.json}")
    return code


def _guard(
    cells: dict[str, dict[str, Any]],
    name: str,
    contestants: Contestants,
    action: Callable[..., Any],
    *args: Any,
) -> Any:
    """Runs ``action(*args)`` for contestant ``name``; a wrong result or a dead worker ends its scenario.

    Returns None when it did, else the action's result (True for an action that returns nothing).
    """
    try:
        result = action(*args)
    except workload.Mismatch as exc:
        cells[name] = {"status": "failed", "reason": str(exc)}
        log(f"{name}: FAILED: {exc}")
        return None
    except harness.WorkerError as exc:
        cells[name] = {"status": "missing", "reason": f"the worker failed: {exc}"}
        contestants.info[name] = {**contestants.info[name], "available": False, "reason": str(exc)}
        log(f"{name}: the worker failed: {exc}")
        return None
    return True if result is None else result


def _self_test_judges() -> None:
    """The target logic on made-up cells: a missing contestant is never MET, a wrong native is NOT MET."""
    ok: dict[str, Any] = {"status": "ok"}
    table: report.Results = {
        "s": {
            "native": {**ok, "median_ns": 10.0},
            "reference": {**ok, "median_ns": 200.0},
            "plain": {**ok, "median_ns": 5.0},
        }
    }
    assert report.judge_speedup(table, "s", "native", "reference", 10).verdict == report.MET
    assert report.judge_speedup(table, "s", "native", "reference", 30).verdict == report.NOT_MET
    assert report.judge_speedup(table, "s", "native", "legacy", 3).verdict == report.CANNOT_JUDGE
    assert report.judge_within(table, "s", "native", "plain", 1.5).verdict == report.NOT_MET
    assert report.judge_within(table, "s", "native", "plain", 2).verdict == report.MET
    missing: report.Results = {
        "s": {"native": {"status": "missing", "reason": "x"}, "reference": table["s"]["reference"]}
    }
    assert report.judge_speedup(missing, "s", "native", "reference", 1).verdict == report.CANNOT_JUDGE
    wrong: report.Results = {
        "s": {"native": {"status": "failed", "reason": "x"}, "reference": table["s"]["reference"]}
    }
    assert report.judge_speedup(wrong, "s", "native", "reference", 1).verdict == report.NOT_MET
    assert report.Target("t", "t").verdict == report.CANNOT_JUDGE
    assert report.overall([report.Target("t", "t", [report.Check("s", report.MET, "")])]) == "PASS"


def memory_probe(args: argparse.Namespace) -> int:
    backend = load_backend(args.memory_probe)
    sys.stdout.write(json.dumps(memory.rss_probe(backend.get, args.memory_scale)) + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        return harness.worker_main("legacy", load_legacy)
    use_checkout()
    try:
        if args.memory_probe:
            return memory_probe(args)
        return run_suite(args)
    except Exception:
        traceback.print_exc()
        log("the suite could not run (exit 2)")
        return 2


if __name__ == "__main__":
    sys.exit(main())
