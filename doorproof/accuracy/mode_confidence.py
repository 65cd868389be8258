"""The vertical moves' stated confidences against how often they are right, per basis.

A move's confidence is its raw score calibrated per basis (what told its mode) and score bin
(``vertical.MODE_CALIBRATION``). This measures that table on the moves of the real
recordings, as ``make accuracy`` scored them: the largest move of each vertical/ recording
(against the labels corrected by the sensors, the ambiguous one counted as wrong) and of each
elevators/ ride (as recorded and as an iPhone without gravity), and every move the
continuous sequences put in a real clip (10 Hz both ways, 1 Hz pressure only; a move in a
walk is wrong). The simulated escalator rides are left out: a confidence here says how often
real recordings are right. Bases no real recording can test (``UNMEASURED``) keep their raw
score, and the sequences' simulated rides are printed beside them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from doorproof.accuracy.common import pct
from functions.engine.vertical import CALIBRATION_EDGES, MODE_CALIBRATION

MIN_MOVES = 5
"""A bin with fewer moves than this is not measured: its raw score stands."""
UNMEASURED = {
    "escalator": "no real escalator ride exists in ../shared/data",
    "speed-stairs-or-escalator": "the real recordings hold its stairs but no escalator to"
    " mistake them for",
}
"""Bases the real recordings cannot calibrate, and why."""
BIN_NAMES = ("<0.5", "0.5-0.7", "0.7-0.9", ">=0.9")


def _bin(score: float) -> int:
    return sum(score >= edge for edge in CALIBRATION_EDGES)


def moves(
    vertical: dict[str, Any], elevators: dict[str, Any], sequences: dict[str, Any]
) -> list[tuple[str, float, float, bool, bool]]:
    """(basis, raw score, stated confidence, right, simulated) of every scored move."""
    out: list[tuple[str, float, float, bool, bool]] = []
    for r in vertical["records"]:
        found = r["android"]["moves"]
        if found:
            big = max(found, key=lambda mv: abs(mv["heightM"]))
            right = [big["mode"], big["direction"]] == r["sensors"]  # AMBIGUOUS: the label
            out.append((big["basis"], big["score"], big["confidence"], right, False))
    for r in elevators["records"]:
        for convention in ("android", "ios"):
            ride = r[convention]
            if ride["moves"]:
                i = max(range(len(ride["moves"])), key=lambda k: abs(ride["moves"][k][2]))
                mode, direction, _, conf, _ = ride["moves"][i]
                basis, score = ride["bases"][i]
                out.append((basis, score, conf, [mode, direction] == r["expected"], False))
    for r in sequences["records"]:
        for convention in ("ios", "android", "pressure-1hz"):
            for clip in r[convention]["engine"]:
                simulated = clip["source"].startswith("simulated")
                for mv, conf, (basis, score) in zip(
                    clip["moves"], clip["confidences"], clip["bases"], strict=True
                ):
                    out.append((basis, score, conf, mv == clip["truth"], simulated))
    return out


def measure(scored: Iterable[tuple[str, float, float, bool, bool]]) -> list[dict[str, Any]]:
    """Per basis and score bin: moves, right, mean stated, and (right + 1) / (n + 2) measured
    on the real moves (rounded down); the simulated ones counted apart."""
    cells: dict[tuple[str, int], dict[str, Any]] = {}
    for basis, score, conf, right, simulated in scored:
        cell = cells.setdefault(
            (basis, _bin(score)),
            {"basis": basis, "bin": BIN_NAMES[_bin(score)], "n": 0, "right": 0, "stated": 0.0,
             "sim_n": 0, "sim_right": 0},
        )  # fmt: skip
        if simulated:
            cell["sim_n"] += 1
            cell["sim_right"] += right
        else:
            cell["n"] += 1
            cell["right"] += right
            cell["stated"] += conf
    out = []
    order = list(MODE_CALIBRATION)
    for _, cell in sorted(cells.items(), key=lambda kv: (order.index(kv[0][0]), kv[0][1])):
        basis = cell["basis"]
        n = cell["n"]
        cell["stated"] = round(cell["stated"] / n, 2) if n else None
        cell["found"] = round(100.0 * cell["right"] / n, 1) if n else None
        measurable = n >= MIN_MOVES and basis not in UNMEASURED
        # rounded down: 1.00 would claim what no finite record shows
        cell["measured"] = (
            math.floor(100 * (cell["right"] + 1) / (n + 2)) / 100 if measurable else None
        )
        out.append(cell)
    return out


def table_from(cells: Sequence[dict[str, Any]]) -> dict[str, tuple[float | None, ...]]:
    """``vertical.MODE_CALIBRATION`` as these moves measure it."""
    out: dict[str, list[float | None]] = {basis: [None] * 4 for basis in MODE_CALIBRATION}
    for cell in cells:
        out[cell["basis"]][BIN_NAMES.index(cell["bin"])] = cell["measured"]
    return {basis: tuple(v) for basis, v in out.items()}


def lines(cells: Sequence[dict[str, Any]]) -> list[str]:
    """The reliability table ``make accuracy`` prints: stated against found, per cell."""
    out = [
        "MODE CONFIDENCE: vertical moves of the real recordings (vertical/ largest move against"
        " the corrected labels, elevators/ both ways, the sequences' real clips at 10 and 1 Hz),"
        " per basis and raw-score bin: stated (mean) against found; (right + 1) / (n + 2) is"
        " what vertical.MODE_CALIBRATION must hold",
        f"  {'basis':<27}{'score':<9}{'n':>5}  {'stated':>6}  {'found':>7}  {'(r+1)/(n+2)':>11}"
        "  simulated escalator clips",
    ]
    for c in cells:
        measured = "   -" if c["measured"] is None else f"{c['measured']:.2f}"
        stated = "   -" if c["stated"] is None else f"{c['stated']:.2f}"
        sim = f"{c['sim_right']} of {c['sim_n']} right" if c["sim_n"] else ""
        why = f"  (not calibrated: {UNMEASURED[c['basis']]})" if c["basis"] in UNMEASURED else ""
        out.append(
            f"  {c['basis']:<27}{c['bin']:<9}{c['n']:>5}  {stated:>6}  {pct(c['found']):>7}"
            f"  {measured:>11}  {sim}{why}"
        )
    table = table_from(cells)
    drift = [b for b, v in table.items() if v != MODE_CALIBRATION[b]]
    out.append(
        "  vertical.MODE_CALIBRATION is the measured table"
        if not drift
        else f"  vertical.MODE_CALIBRATION differs from the measurement for: {', '.join(drift)}"
    )
    return out
