"""The memory check: does ``get(doc, "a.b.c")`` allocate in proportion to the document?

Two measurements of one call on a small and on a 100x larger document:

- ``tracemalloc``'s peak: every allocation made through Python's allocators (Python objects,
  and native code that allocates through the C API). It cannot see memory a native extension
  takes from its own allocator, such as a Rust copy of the document.
- the growth of the process's peak resident set during the call (Linux: ``VmHWM`` after
  resetting it through ``/proc/self/clear_refs``), measured in a fresh interpreter per document
  so that no freed memory of an earlier call hides a new allocation. It sees every allocator,
  at page granularity.

"Grows with the document" means the large document's figure exceeds the small one's by more
than the threshold; a copy of the large document would exceed both thresholds many times over.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import workload

SCALE = 100
TRACEMALLOC_THRESHOLD = 64 * 1024
RSS_THRESHOLD = 4 * 1024 * 1024
REPEATS = 5


def tracemalloc_peak(get: Callable[..., Any], doc: Any) -> int:
    """The largest peak, over a few calls, of memory allocated during one ``get``."""
    peaks = []
    for _ in range(REPEATS):
        tracemalloc.start()
        try:
            tracemalloc.clear_traces()
            before = tracemalloc.get_traced_memory()[0]
            result = get(doc, workload.MEMORY_PATH)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        if result != workload.MEMORY_EXPECTED:
            raise workload.Mismatch(f"get returned {result!r}, expected {workload.MEMORY_EXPECTED!r}")
        peaks.append(peak - before)
    return max(peaks)


def _status_kib(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise OSError(f"/proc/self/status has no {field}")


def rss_probe(get: Callable[..., Any], scale: int) -> dict[str, Any]:
    """Run in a fresh interpreter: the peak-RSS growth, in bytes, of the first ``get`` on a document."""
    doc = workload.memory_doc(scale)
    try:
        before = _status_kib("VmRSS")
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear_refs:
            clear_refs.write("5")  # resets VmHWM to the current RSS (Linux >= 4.0)
        if _status_kib("VmHWM") > before + 64:
            return {"error": "VmHWM did not reset"}
        result = get(doc, workload.MEMORY_PATH)
        after = _status_kib("VmHWM")
    except OSError as exc:
        return {"error": f"peak RSS cannot be measured here: {exc}"}
    if result != workload.MEMORY_EXPECTED:
        return {"error": f"get returned {result!r}, expected {workload.MEMORY_EXPECTED!r}"}
    return {"growth_bytes": max(0, after - before) * 1024}


def _run_probe(script: Path, contestant: str, scale: int) -> dict[str, Any]:
    argv = [sys.executable, str(script), "--memory-probe", contestant, "--memory-scale", str(scale)]
    proc = subprocess.run(argv, capture_output=True, text=True, env=os.environ.copy(), check=False)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return {"error": f"the probe exited {proc.returncode}: {' | '.join(tail)}"}
    try:
        reply: dict[str, Any] = json.loads(proc.stdout)
    except json.JSONDecodeError:
        return {"error": f"the probe printed {proc.stdout[:200]!r}"}
    return reply


def check(getters: dict[str, Callable[..., Any]], script: Path) -> dict[str, Any]:
    """Both measurements for each available contestant, and whether each grows with the document."""
    small, large = workload.memory_doc(1), workload.memory_doc(SCALE)
    out: dict[str, Any] = {}
    for name, get in getters.items():
        entry: dict[str, Any] = {}
        try:
            get(small, workload.MEMORY_PATH)  # parse and cache the path before measuring
            peak_small, peak_large = tracemalloc_peak(get, small), tracemalloc_peak(get, large)
            entry["tracemalloc"] = {
                "small_bytes": peak_small,
                "large_bytes": peak_large,
                "grows": peak_large - peak_small > TRACEMALLOC_THRESHOLD,
            }
        except Exception as exc:
            entry["tracemalloc"] = {"error": f"{type(exc).__name__}: {exc}"}
        rss_small = _run_probe(script, name, 1)
        rss_large = _run_probe(script, name, SCALE)
        if "error" in rss_small or "error" in rss_large:
            entry["rss"] = {"error": rss_small.get("error") or rss_large.get("error")}
        else:
            entry["rss"] = {
                "small_bytes": rss_small["growth_bytes"],
                "large_bytes": rss_large["growth_bytes"],
                "grows": rss_large["growth_bytes"] - rss_small["growth_bytes"] > RSS_THRESHOLD,
            }
        out[name] = entry
    return {
        "path": workload.MEMORY_PATH,
        "scale": SCALE,
        "small_nodes": _count_nodes(small),
        "large_nodes": _count_nodes(large),
        "thresholds": {"tracemalloc_bytes": TRACEMALLOC_THRESHOLD, "rss_bytes": RSS_THRESHOLD},
        "contestants": out,
    }


def _count_nodes(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + sum(_count_nodes(v) for v in value.values())
    if isinstance(value, list):
        return 1 + sum(_count_nodes(v) for v in value)
    return 1
