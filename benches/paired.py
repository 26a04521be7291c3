"""Paired wall time: the candidate and the baseline timed in two worker processes, interleaved.

``cargo xtask bench`` runs this file once per backend::

    .venv/bin/python -s benches/paired.py --backend native \\
        --candidate target/bench/venv/cand/bin/python --baseline target/bench/venv/base/bin/python \\
        --pairs 30 --out pairs.json

Each side is a worker (``--serve``: ``harness.worker_main`` on the backend of the dictwalk
installed in that interpreter's environment, never the checkout's), started ``LIFETIMES``
times with the pairs shared among them. Only one of them runs at a time: for each scenario
both check their result, ``n`` is calibrated once on the baseline (a batch of about
``BATCH_NS``, ``harness.calibrate``) and used by both, then each pair times one batch on each
side, in an order drawn afresh for each pair from a seeded generator, so that neither side
always goes first (the machine's drift from one batch to the next falls on both alike). The
xtask takes the ratio candidate/baseline of each pair and judges it
(``xtask/src/bench/stats.rs``).

Writes ``--out`` (JSON): ``{"schema_version": 1, "backend": ..., "pairs": N, "scenarios": {id:
{"n": n, "candidate": [ns per call, ...], "baseline": [...]}}, "missing": {id: reason}}``.
Exit codes: 0 every scenario paired; 1 a wrong result on either side; 2 could not run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
# The sibling modules: under ``python -s`` the script's folder is first on sys.path already,
# but the xtask may run this file from elsewhere.
sys.path.insert(0, str(HERE))

import harness  # noqa: E402 - needs the sys.path entry above
import instructions  # noqa: E402
import workload  # noqa: E402

SCHEMA_VERSION = 1
# The shortest batch: long enough that the timer's resolution and one scheduler tick are small
# against it, short enough that 30 pairs of every scenario take seconds.
BATCH_NS = 5_000_000
# How many pairs of worker processes share the pairs of every scenario.
LIFETIMES = 5


def log(message: str) -> None:
    print(f"paired: {message}", file=sys.stderr, flush=True)


def worker(python: str, backend: str) -> harness.WorkerRunner:
    argv = [python, "-s", str(Path(__file__).resolve()), "--serve", "--backend", backend]
    # The worker's environment is the caller's, without anything that would put the checkout's
    # dictwalk on the path or choose its backend; both sides hash with one fixed seed, so that a
    # seed drawn at start-up cannot make one side's dicts slower than the other's.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DICTWALK_BACKEND")}
    env["PYTHONHASHSEED"] = "0"
    return harness.WorkerRunner(argv, env)


def pair(candidate: str, baseline: str, backend: str, pairs: int, seed: int) -> dict[str, Any]:
    # max_batch per scenario, from the same table the workers use (no dictwalk needed for it).
    limits = {s.id: s for s in workload.build({})}
    rng = random.Random(seed)
    scenarios: dict[str, Any] = {}
    missing: dict[str, str] = {}
    sizes: dict[str, int] = {}
    # A worker's process-level state (its memory layout, what its caches hold) is shared by every
    # batch it times; the pairs are spread over LIFETIMES pairs of fresh workers, so that such a
    # state is drawn again and again rather than once for the whole comparison.
    lifetimes = min(LIFETIMES, pairs)
    for lifetime in range(lifetimes):
        share = pairs // lifetimes + (1 if lifetime < pairs % lifetimes else 0)
        cand, base = worker(candidate, backend), worker(baseline, backend)
        try:
            for scenario_id in cand.scenarios:
                scenario = limits.get(scenario_id)
                if scenario_id not in base.scenarios or scenario is None:
                    missing[scenario_id] = "not a scenario of both sides and benches/workload.py"
                    continue
                cand.check(scenario_id)
                base.check(scenario_id)
                if scenario_id not in sizes:
                    sizes[scenario_id] = harness.calibrate(base, scenario, BATCH_NS)
                n = sizes[scenario_id]
                times = scenarios.setdefault(scenario_id, {"n": n, "candidate": [], "baseline": []})
                for _ in range(share):
                    order = [("candidate", cand), ("baseline", base)]
                    rng.shuffle(order)
                    for side, runner in order:
                        times[side].append(runner.batch(scenario_id, n) / n)
            for scenario_id in base.scenarios:
                if scenario_id not in cand.scenarios:
                    missing[scenario_id] = "the candidate has no such scenario"
        finally:
            cand.close()
            base.close()
        log(f"{backend}: workers {lifetime + 1} of {lifetimes} done")
    return {
        "schema_version": SCHEMA_VERSION,
        "backend": backend,
        "pairs": pairs,
        "scenarios": scenarios,
        "missing": missing,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benches/paired.py", description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=sorted(instructions.BACKEND_MODULES), required=True)
    parser.add_argument("--candidate", help="the candidate's interpreter")
    parser.add_argument("--baseline", help="the baseline's interpreter")
    parser.add_argument("--pairs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        return harness.worker_main(args.backend, lambda: instructions.load_backend(args.backend))
    if not (args.candidate and args.baseline and args.out) or args.pairs < 1:
        parser.error("--candidate, --baseline, --out and --pairs >= 1 are required")
    try:
        result = pair(args.candidate, args.baseline, args.backend, args.pairs, args.seed)
    except harness.WorkerError as exc:
        log(f"could not run: {exc}")
        return 2
    except workload.Mismatch as exc:
        log(f"a wrong result: {exc}")
        return 1
    tmp = args.out.with_name(args.out.name + ".tmp")
    tmp.write_text(json.dumps(result) + "\n")
    tmp.replace(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
