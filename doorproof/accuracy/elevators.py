"""The ``elevators/`` set (one building, 240 lift rides, 1-3 floors, four phone holds, no
gyroscope): mode and direction.

Per ride, the engine's verdict is its largest vertical move; it must be ELEVATOR in the ride's
direction. Each ride is scored as recorded (Android: accel with gravity, no gravity column)
and as an iPhone without a gravity column would send it (Core Motion user acceleration in g,
``ios``): the harder case, where the vertical axis is not known. The floors ridden are the
``building`` engineer's set; this one checks the kind of move. Baseline: as for ``vertical/``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from doorproof.accuracy.common import (
    AccuracySet,
    grouped,
    labels,
    pct,
    progress,
    reliability,
    reliability_lines,
    share,
    verdict_shares,
)
from doorproof.accuracy.vertical import baseline_vertical, verdict
from doorproof.recordings import load_samples
from functions.engine.signal import motion, to_ios_convention
from functions.engine.steps import detect_steps
from functions.engine.telemetry import Telemetry, from_samples
from functions.engine.vertical import detect_vertical

CONVENTIONS = ("android", "ios")


def _without_gravity(tel: Telemetry) -> Telemetry:
    return dataclasses.replace(tel, gravity=np.full_like(tel.gravity, np.nan))


def evaluate(root: Path) -> dict[str, Any]:
    """Per-ride verdicts of engine and baseline, in both conventions."""
    rows = labels(root)
    records: list[dict[str, Any]] = []
    for row in progress("elevators", rows):
        samples = load_samples(root / row["file"])
        record: dict[str, Any] = {
            "file": row["file"],
            "style": row["style"],
            "floors": int(row["floors"]),
            "ride": _ride(row["file"]),
            "expected": ["ELEVATOR", row["direction"]],
        }
        for convention in CONVENTIONS:
            tel = from_samples(samples)
            if convention == "ios":
                tel = _without_gravity(from_samples(to_ios_convention(samples)))
            m = motion(tel)
            moves = detect_vertical(tel, m, detect_steps(tel, m))
            record[convention] = {
                "engine": list(verdict(moves)),
                "baseline": list(baseline_vertical(tel, m)),
                "moves": [
                    [mv.mode, mv.direction, mv.height_m, mv.confidence, mv.height_sd_m]
                    for mv in moves
                ],
                "bases": [[mv.basis, mv.score] for mv in moves],
            }
        records.append(record)
    return {"records": records, "summary": _summary(records)}


def _ride(file: str) -> str:
    """The floors a ride went from and to (``ofCampus_Calling_1_2_Calling_3`` → ``1-2``)."""
    parts = file.split("_")
    return f"{parts[2]}-{parts[3]}"


def _summary(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {
        style: verdict_shares(rs, CONVENTIONS) for style, rs in grouped(records, "style").items()
    }
    out["height_sd"] = {c: _height_coverage(records, c) for c in CONVENTIONS}
    out["reliability"] = reliability(
        [
            (
                max(r[CONVENTIONS[0]]["moves"], key=lambda mv: abs(mv[2]))[3],
                r[CONVENTIONS[0]]["engine"] == r["expected"],
            )
            for r in records
            if r[CONVENTIONS[0]]["moves"]
        ]
    )
    return out


def _height_coverage(records: Sequence[dict[str, Any]], convention: str) -> dict[str, Any]:
    """How honest ``height_sd_m`` is: the share of rides whose largest move's height lies
    within one and two of its standard deviations of the median height of the rides between
    the same two floors (40 each: the truth is unknown, their median stands in for it)."""
    heights: dict[str, list[tuple[float, float]]] = {}
    for r in records:
        moves = r[convention]["moves"]
        if moves:
            big = max(moves, key=lambda mv: abs(mv[2]))
            heights.setdefault(r["ride"], []).append((big[2], big[4]))
    within: list[float] = []
    for rides in heights.values():
        median = float(np.median([h for h, _ in rides]))
        within += [abs(h - median) / max(sd, 1e-6) for h, sd in rides]
    x = np.asarray(within)
    return {
        "n": int(x.shape[0]),
        "within_1sd": share(list(x <= 1.0)),
        "within_2sd": share(list(x <= 2.0)),
    }


def table(report: dict[str, Any]) -> list[str]:
    """Mode and mode+direction per phone hold (engine | baseline), then every miss."""
    lines = [
        "ELEVATORS: lift rides, mode and direction (engine | baseline)",
        f"{'hold':<14}{'n':>4}  {'convention':<10}  {'mode':^15}  {'mode and direction':^18}",
    ]
    for style, entry in report["summary"].items():
        if style in ("height_sd", "reliability"):
            continue
        for convention in CONVENTIONS:
            eng, base = entry[f"{convention}.engine"], entry[f"{convention}.baseline"]
            lines.append(
                f"{style:<14}{entry['n']:>4}  {convention:<10}  {pct(eng['mode'])} |"
                f" {pct(base['mode'])}  {pct(eng['both'])} | {pct(base['both'])}"
            )
    for convention, cover in report["summary"]["height_sd"].items():
        lines.append(
            f"height within 1 | 2 height_sd_m of its floor pair's median ({convention}):"
            f" {pct(cover['within_1sd'])} | {pct(cover['within_2sd'])} of {cover['n']}"
            " (a normal error: 68.3% | 95.4%)"
        )
    lines.append(
        f"reliability ({CONVENTIONS[0]}): the largest move's stated confidence → share whose"
        " mode and direction are right"
    )
    lines += reliability_lines(report["summary"]["reliability"], "right")
    lines.append("")
    lines.append("Rides the engine gets wrong, with every move it found:")
    for r in report["records"]:
        for convention in CONVENTIONS:
            if r[convention]["engine"] != r["expected"]:
                moves = ", ".join(
                    f"{mode}/{direction} {height:+.1f} m ({conf})"
                    for mode, direction, height, conf, _ in r[convention]["moves"]
                )
                lines.append(
                    f"  {r['file']} ({convention}): {r['floors']} floor(s)"
                    f" {r['expected'][1]}, engine {moves or 'nothing'}"
                )
    return lines


SET = AccuracySet(name="elevators", folder="elevators", evaluate=evaluate, table=table)
