"""Judging the targets, and the two renderings of a run: the terminal table and the JSON report.

A ``results`` table maps scenario id -> contestant -> cell, where a cell is
``{"status": "ok", "median_ns": ...}`` or ``{"status": "n/a" | "missing" | "failed", "reason": ...}``.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1

MET, NOT_MET, CANNOT_JUDGE = "MET", "NOT MET", "CANNOT JUDGE"

# The targets of the Rust engine, as (fast, slow, factor): fast must be >= factor times faster.
NATIVE_VS_REFERENCE = 10.0
NATIVE_VS_LEGACY = 3.0
LEGACY_SCENARIOS = ("read.get", "filter.predicate")
# Native on the predicate scenario must be within this factor of the list comprehension.
NATIVE_VS_PLAIN = 1.5
PLAIN_SCENARIO = "filter.predicate"

Results = dict[str, dict[str, dict[str, Any]]]


@dataclass
class Check:
    subject: str
    verdict: str
    detail: str


@dataclass
class Target:
    id: str
    title: str
    checks: list[Check] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        """NOT MET if any check is; else CANNOT JUDGE if any check is or there is none; else MET."""
        verdicts = {check.verdict for check in self.checks}
        if NOT_MET in verdicts:
            return NOT_MET
        if CANNOT_JUDGE in verdicts or not verdicts:
            return CANNOT_JUDGE
        return MET


def _unavailable(cell: dict[str, Any] | None, name: str) -> str:
    """Why a cell has no time; a missing contestant's reason is shown once, with the contestants."""
    if cell is None:
        return f"{name} did not run"
    reason = cell.get("reason", "") if cell["status"] != "missing" else ""
    return f"{name} {cell['status']}" + (f": {reason}" if reason else "")


def judge_speedup(results: Results, scenario: str, fast: str, slow: str, factor: float) -> Check:
    """``fast`` must be at least ``factor`` times faster than ``slow`` (medians per call).

    A wrong result of ``fast`` fails the check (a fast wrong answer is worth nothing); a missing
    or failed comparison contestant leaves it unjudged, never met.
    """
    row = results.get(scenario, {})
    fast_cell, slow_cell = row.get(fast), row.get(slow)
    if fast_cell is not None and fast_cell["status"] == "failed":
        return Check(scenario, NOT_MET, _unavailable(fast_cell, fast))
    if fast_cell is None or fast_cell["status"] != "ok":
        return Check(scenario, CANNOT_JUDGE, _unavailable(fast_cell, fast))
    if slow_cell is None or slow_cell["status"] != "ok":
        return Check(scenario, CANNOT_JUDGE, _unavailable(slow_cell, slow))
    ratio = slow_cell["median_ns"] / fast_cell["median_ns"]
    verdict = MET if ratio >= factor else NOT_MET
    return Check(scenario, verdict, f"{fast} is {ratio:.2f}x faster than {slow} (target >= {factor:g}x)")


def judge_within(results: Results, scenario: str, subject: str, baseline: str, factor: float) -> Check:
    """``subject`` must take at most ``factor`` times as long as ``baseline``."""
    row = results.get(scenario, {})
    cell, base = row.get(subject), row.get(baseline)
    if cell is not None and cell["status"] == "failed":
        return Check(scenario, NOT_MET, _unavailable(cell, subject))
    if cell is None or cell["status"] != "ok":
        return Check(scenario, CANNOT_JUDGE, _unavailable(cell, subject))
    if base is None or base["status"] != "ok":
        return Check(scenario, CANNOT_JUDGE, _unavailable(base, baseline))
    ratio = cell["median_ns"] / base["median_ns"]
    verdict = MET if ratio <= factor else NOT_MET
    return Check(
        scenario, verdict, f"{subject} takes {ratio:.2f}x the time of {baseline} (target <= {factor:g}x)"
    )


def judge_memory(memory: dict[str, Any] | None, subject: str) -> Check:
    """Neither measurement may grow with the document; tracemalloc alone cannot see native memory."""
    entry = (memory or {}).get("contestants", {}).get(subject)
    if entry is None:
        return Check("memory", CANNOT_JUDGE, f"{subject} missing")
    traced, rss = entry.get("tracemalloc", {}), entry.get("rss", {})
    if "error" in traced:
        return Check("memory", NOT_MET, f"get failed: {traced['error']}")
    if traced.get("grows"):
        return Check("memory", NOT_MET, "tracemalloc peak grows with the document")
    if "error" in rss:
        return Check("memory", CANNOT_JUDGE, f"no peak-RSS measurement ({rss['error']})")
    if rss.get("grows"):
        return Check("memory", NOT_MET, "peak RSS grows with the document")
    return Check("memory", MET, "neither the tracemalloc peak nor the peak RSS grows with the document")


def judge_correct(results: Results, subject: str) -> Check:
    failed = [sid for sid, row in results.items() if row.get(subject, {}).get("status") == "failed"]
    if failed:
        return Check(subject, NOT_MET, "wrong result or error in " + ", ".join(failed))
    unchecked = [row.get(subject) for row in results.values() if row.get(subject, {}).get("status") != "ok"]
    if unchecked or not results:
        first = _unavailable(unchecked[0], subject) if unchecked else "no scenario ran"
        return Check(subject, CANNOT_JUDGE, f"not checked in {len(unchecked)} scenarios ({first})")
    return Check(subject, MET, f"expected results in all {len(results)} scenarios")


def targets(results: Results, memory: dict[str, Any] | None) -> list[Target]:
    return [
        Target(
            "correct",
            "reference and native give the expected result in every scenario",
            [judge_correct(results, "reference"), judge_correct(results, "native")],
        ),
        Target(
            "native-vs-reference",
            f"native >= {NATIVE_VS_REFERENCE:g}x faster than reference in every scenario",
            [judge_speedup(results, sid, "native", "reference", NATIVE_VS_REFERENCE) for sid in results],
        ),
        Target(
            "native-vs-legacy",
            f"native >= {NATIVE_VS_LEGACY:g}x faster than dictwalk 2.6.0 on "
            + " and ".join(LEGACY_SCENARIOS),
            [judge_speedup(results, sid, "native", "legacy", NATIVE_VS_LEGACY) for sid in LEGACY_SCENARIOS],
        ),
        Target(
            "native-vs-plain",
            f"native within {NATIVE_VS_PLAIN:g}x of the list comprehension on {PLAIN_SCENARIO}",
            [judge_within(results, PLAIN_SCENARIO, "native", "plain", NATIVE_VS_PLAIN)],
        ),
        Target(
            "native-get-memory",
            "native get allocates nothing proportional to the document beyond its result",
            [judge_memory(memory, "native")],
        ),
    ]


def overall(all_targets: list[Target]) -> str:
    verdicts = {target.verdict for target in all_targets}
    if NOT_MET in verdicts:
        return "FAIL"
    if CANNOT_JUDGE in verdicts:
        return "INCONCLUSIVE"
    return "PASS"


EXIT_CODES = {"PASS": 0, "FAIL": 1, "INCONCLUSIVE": 3}


# ---------------------------------------------------------------------------------------------
# Terminal
# ---------------------------------------------------------------------------------------------


def fmt_ns(ns: float) -> str:
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def _cell_text(cell: dict[str, Any] | None) -> str:
    if cell is None:
        return "-"
    status: str = cell["status"]
    if status == "ok":
        return fmt_ns(cell["median_ns"]) if "median_ns" in cell else "ok"
    return "FAILED" if status == "failed" else status


def _ratio(row: dict[str, dict[str, Any]], numerator: str, denominator: str) -> str:
    top, bottom = row.get(numerator), row.get(denominator)
    if not top or not bottom or top["status"] != "ok" or bottom["status"] != "ok":
        return "-"
    if "median_ns" not in top or "median_ns" not in bottom:
        return "-"
    return f"{top['median_ns'] / bottom['median_ns']:.3g}x"


RATIOS = (
    ("ref/nat", "reference", "native", "native's speedup over reference"),
    ("leg/nat", "legacy", "native", "native's speedup over dictwalk 2.6.0"),
    ("nat/plain", "native", "plain", "native's time as a multiple of hand-written Python"),
)


def render_table(results: Results, contestants: list[str], timed: bool) -> list[str]:
    columns = ["scenario", *contestants, *([r[0] for r in RATIOS] if timed else [])]
    rows = []
    for sid, row in results.items():
        cells = [_cell_text(row.get(name)) for name in contestants]
        ratios = [_ratio(row, top, bottom) for _, top, bottom, _ in RATIOS] if timed else []
        rows.append([sid, *cells, *ratios])
    widths = [max(len(columns[i]), *(len(r[i]) for r in rows)) for i in range(len(columns))]

    def line(texts: list[str]) -> str:
        # The scenario column is left-aligned, the figures right-aligned.
        return "  ".join(
            text.ljust(width) if i == 0 else text.rjust(width)
            for i, (text, width) in enumerate(zip(texts, widths, strict=True))
        )

    return [line(columns), "  ".join("-" * w for w in widths), *(line(r) for r in rows)]


def render_terminal(run: dict[str, Any], all_targets: list[Target] | None) -> str:
    timed = run["mode"] != "self-check"
    contestants: dict[str, dict[str, Any]] = run["contestants"]
    out: list[str] = []
    native = contestants.get("native", {})
    if not native.get("available"):
        out.append(f"NATIVE MISSING: {native.get('reason', 'not loaded')}")
        out.append("  the targets about the native backend cannot be judged (never MET without it)")
        out.append("")
    settings = run["settings"]
    if timed:
        out.append(
            f"dictwalk scenario suite, {run['mode']} run: median time per call over {settings['rounds']} "
            f"interleaved rounds (batches of about {settings['batch_target_ms']:g} ms, GC paused)"
        )
    else:
        out.append("dictwalk scenario suite, self-check: each scenario's expected result, no timing")
    out.append("")
    out.extend(render_table(run["results"], list(contestants), timed))
    out.append("")
    if timed:
        out.extend(f"  {label}: {meaning}" for label, _, _, meaning in RATIOS)
        out.append(
            f"  every time includes the harness loop, {settings['loop_overhead_ns']:.3g} ns per call; "
            "write scenarios exclude copying the document (prepared before each batch)"
        )
    out.append("")
    out.append("contestants:")
    for name, info in contestants.items():
        state = info.get("version") or ""
        if not info.get("available"):
            state = f"missing: {info.get('reason', '')}"
        out.append(f"  {name:<10} {info['description']}" + (f" ({state})" if state else ""))
    notes = []
    for sid, row in run["results"].items():
        for name, cell in row.items():
            if cell["status"] in ("n/a", "failed") or cell.get("note"):
                text = cell.get("reason") or cell.get("note")
                notes.append(
                    f"  {sid} / {name}: {cell['status'] if cell['status'] != 'ok' else 'note'}: {text}"
                )
    if notes:
        out.append("")
        out.append("notes:")
        out.extend(notes)
    scenario_info = run.get("scenarios", {})
    if scenario_info:
        out.append("")
        out.append("scenarios:")
        out.extend(f"  {sid:<20} {info['path']}: {info['measures']}" for sid, info in scenario_info.items())
    if run.get("memory"):
        out.append("")
        out.extend(_render_memory(run["memory"]))
    if all_targets is not None:
        out.append("")
        out.append("targets:")
        for target in all_targets:
            out.append(f"  [{target.verdict}] {target.title}")
            out.extend(
                f"      {check.verdict:<12} {check.subject}: {check.detail}" for check in target.checks
            )
        out.append("")
        out.append(f"verdict: {run['verdict']}")
    return "\n".join(out) + "\n"


def _render_memory(memory: dict[str, Any]) -> list[str]:
    small, large = memory["small_nodes"], memory["large_nodes"]
    out = [
        f"memory: get(doc, {memory['path']!r}) on {small:,} vs {large:,} nodes, peak bytes during the call"
    ]
    for name, entry in memory["contestants"].items():
        parts = []
        for kind in ("tracemalloc", "rss"):
            figures = entry.get(kind, {})
            if "error" in figures:
                parts.append(f"{kind}: {figures['error']}")
            else:
                grows = "GROWS" if figures["grows"] else "flat"
                parts.append(f"{kind} {figures['small_bytes']:,} -> {figures['large_bytes']:,} ({grows})")
        out.append(f"  {name:<10} " + "; ".join(parts))
    return out


# ---------------------------------------------------------------------------------------------
# JSON
# ---------------------------------------------------------------------------------------------


def to_json(run: dict[str, Any], all_targets: list[Target] | None) -> str:
    document = dict(run)
    document["schema_version"] = SCHEMA_VERSION
    if all_targets is not None:
        document["targets"] = [
            {
                "id": target.id,
                "title": target.title,
                "verdict": target.verdict,
                "checks": [vars(check) for check in target.checks],
            }
            for target in all_targets
        ]
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_atomically(path: Path, text: str) -> None:
    """Writes through a temporary file in the same directory, so no reader sees half a report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        # mkstemp makes the file private; a report gets the permissions of any new file.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
