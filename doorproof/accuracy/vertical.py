"""The ``vertical/`` set (iPhone, labelled climb / descend / elevator_up / elevator_down / stay).

Per recording, the engine's verdict is its largest vertical move (mode and direction) or NONE;
it is scored against the label in the recordings' own Android convention, converted to the
iOS one (``signal.to_ios_convention``), which must agree exactly, and in the iOS one without
its gravity column (user acceleration alone, as some iPhone streams send). Recordings whose
label the pressure contradicts are listed with the evidence: labels are the recorder's own.
The baseline: net pressure change over a threshold, accel spread for stairs vs lift.
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
from doorproof.recordings import load_samples
from functions.engine.signal import (
    Motion,
    motion,
    pressure_to_height,
    relative_height,
    to_ios_convention,
)
from functions.engine.steps import detect_steps
from functions.engine.telemetry import Telemetry, from_samples
from functions.engine.types import Steps, VerticalMove
from functions.engine.vertical import detect_vertical, lift_impulse

CONVENTIONS = ("android", "ios", "ios-no-gravity")
"""As recorded; converted to Core Motion's (must agree exactly); and that without its gravity
column (user acceleration alone: the vertical axis must be found from the walking bounce)."""
CORRECTED = "overall, labels corrected"
"""Summary row scored against ``CONTRADICTED``'s sensor reading instead of those labels."""

HPA_PER_M = 0.12
"""Pressure change per metre near the ground, to show evidence in the sensor's own unit."""
BASELINE_MIN_HEIGHT_M = 1.0
"""Baseline: a net height change (last vs first 2 s of pressure) this large is a move."""
BASELINE_END_S = 2.0
BASELINE_SPREAD_MS2 = 1.0
"""Baseline: std of |linear acceleration| above this over the recording means stairs."""

CONTRADICTED: dict[str, tuple[str, str, str]] = {
    "climb/2022-08-19_165340.347_50Hz_20.3s.ndjson.gz": (
        "NONE", "none", "+0.42 m net in 20 s with 23 steps: under three risers, a walk"),
    "climb/2022-08-19_165407.113_50Hz_26.6s.ndjson.gz": (
        "NONE", "none", "-0.16 m net in 27 s with 32 steps: no height change"),
    "climb/2022-08-19_165450.228_50Hz_49.0s.ndjson.gz": (
        "STAIRS", "down", "pressure rises 0.91 hPa steadily at stair speed, walking: a descent"),
    "climb/2022-08-19_165450.435_50Hz_49.5s.ndjson.gz": (
        "STAIRS", "down", "-7.4 m over 45 s, walking throughout: a descent"),
    "descend/2022-08-21_140754.906_50Hz_14.9s.ndjson.gz": (
        "STAIRS", "up", "pressure falls 0.25 hPa (+2.1 m) while walking: up"),
    "descend/2022-08-21_140814.607_50Hz_15.1s.ndjson.gz": (
        "STAIRS", "up", "pressure falls (+2.0 m) while walking: up"),
    "elevator_down/2022-09-12_115614.811_50Hz_17.0s.ndjson.gz": (
        "ELEVATOR", "up", "pressure falls 0.73 hPa and the lift impulse is along up: two sensors"),
    "elevator_up/2022-09-12_115458.688_50Hz_17.9s.ndjson.gz": (
        "ELEVATOR", "down", "pressure rises 0.79 hPa and the lift impulse is along down"),
    "stay/2022-08-19_151301.482_50Hz_60.0s.ndjson.gz": (
        "STAIRS", "up", "a steady 0.17 m/s rise of 10 m with steps: three floors of stairs"),
    "stay/2022-08-19_151501.534_50Hz_38.4s.ndjson.gz": (
        "STAIRS", "down", "-6.9 m over 38 s, a steady descent with steps"),
    "stay/2022-08-20_144906.902_50Hz_60.0s.ndjson.gz": (
        "STAIRS", "up", "+1.0 m at 0.08-0.12 m/s with steps, staying there: a short flight"),
}  # fmt: skip
"""Recordings whose label the sensors contradict: (mode, direction the sensors show, why).
They are scored against their labels like every other recording, and a second time against
these (``overall, labels corrected``), never silently relabelled; the sequences set leaves
them out of its clips (a clip must be what its label says)."""


def verdict(moves: Sequence[VerticalMove]) -> tuple[str, str]:
    """A whole recording's answer: the largest move's (mode, direction), or NONE."""
    if not moves:
        return "NONE", "none"
    largest = max(moves, key=lambda mv: abs(mv.height_m))
    return largest.mode, largest.direction


def baseline_vertical(tel: Telemetry, m: Motion) -> tuple[str, str]:
    """Net pressure change over a threshold; accel spread tells stairs from a lift."""
    ok = np.isfinite(tel.pressure_hpa)
    if ok.sum() < 2:
        return "NONE", "none"
    t, p = tel.t[ok], tel.pressure_hpa[ok]
    first = float(np.median(p[t <= t[0] + BASELINE_END_S]))
    last = float(np.median(p[t >= t[-1] - BASELINE_END_S]))
    height = float(pressure_to_height(np.array([last]), first)[0])
    if abs(height) < BASELINE_MIN_HEIGHT_M:
        return "NONE", "none"
    mode = "STAIRS" if float(np.std(m.magnitude)) > BASELINE_SPREAD_MS2 else "ELEVATOR"
    return mode, "up" if height > 0 else "down"


def _evidence(
    tel: Telemetry, m: Motion, steps: Steps, moves: Sequence[VerticalMove]
) -> dict[str, float]:
    """What the sensors say, for listing recordings whose label they contradict: net height
    from pressure; the largest move's height and duration; and for a ride, the lift impulse
    (m/s²) along the direction the pressure says and against it: the accelerometer's own
    opinion on direction."""
    _, h = relative_height(tel)
    extra: dict[str, float] = {}
    big = max(moves, key=lambda mv: abs(mv.height_m)) if moves else None
    if big is not None:
        extra["move_height_m"] = big.height_m
        extra["move_s"] = round(big.t_end - big.t_start, 1)
    if big is not None and big.mode != "STAIRS":
        sign = 1 if big.direction == "up" else -1
        extra |= {
            "impulse_along_ms2": round(lift_impulse(m, steps, big.t_start, big.t_end, sign), 2),
            "impulse_against_ms2": round(lift_impulse(m, steps, big.t_start, big.t_end, -sign), 2),
        }
    return {
        **extra,
        "net_height_m": round(float(h[-1] - h[0]), 2) if h.size else 0.0,
        "pressure_change_hpa": round(float(-(h[-1] - h[0]) * HPA_PER_M), 3) if h.size else 0.0,
        "steps": steps.count,
        "duration_s": round(float(tel.t[-1] - tel.t[0]), 1) if len(tel) else 0.0,
    }


def evaluate(root: Path) -> dict[str, Any]:
    """Per-recording verdicts of engine and baseline, in both conventions."""
    rows = labels(root)
    records: list[dict[str, Any]] = []
    for row in progress("vertical", rows):
        samples = load_samples(root / row["file"])
        expected = [row["expected_vertical_mode"], row["expected_direction"]]
        record: dict[str, Any] = {
            "file": row["file"],
            "label": row["label"],
            "expected": expected,
            "sensors": list(CONTRADICTED[row["file"]][:2])
            if row["file"] in CONTRADICTED
            else expected,
        }
        for convention in CONVENTIONS:
            tel = from_samples(samples if convention == "android" else to_ios_convention(samples))
            if convention == "ios-no-gravity":
                tel = dataclasses.replace(tel, gravity=np.full_like(tel.gravity, np.nan))
            m = motion(tel)
            steps = detect_steps(tel, m)
            moves = detect_vertical(tel, m, steps)
            record[convention] = {
                "engine": list(verdict(moves)),
                "steps": steps.count,
                "baseline": list(baseline_vertical(tel, m)),
                "moves": [
                    {
                        "mode": mv.mode,
                        "direction": mv.direction,
                        "heightM": mv.height_m,
                        "floors": mv.floors,
                        "confidence": mv.confidence,
                    }
                    for mv in moves
                ],
            }
            if convention == "android":
                record["evidence"] = _evidence(tel, m, steps, moves)
        records.append(record)
    return {"records": records, "summary": _vertical_summary(records)}


def _vertical_summary(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Accuracy (%) per label and overall: mode, direction and both, engine and baseline."""
    groups = grouped(records, "label")
    groups[CORRECTED] = list(records)
    out: dict[str, Any] = {
        label: verdict_shares(rs, CONVENTIONS, "sensors" if label == CORRECTED else "expected")
        for label, rs in groups.items()
    }
    out["platform_agreement"] = share(
        [r["android"]["engine"] == r["ios"]["engine"] for r in records]
    )
    out["reliability"] = reliability(
        [
            (_largest(r["android"]["moves"])["confidence"], r["android"]["engine"] == r["sensors"])
            for r in records
            if r["android"]["moves"]
        ]
    )
    return out


def _largest(moves: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return max(moves, key=lambda mv: abs(mv["heightM"]))


def ceiling(records: Sequence[dict[str, Any]]) -> float | None:
    """The best score against the labels that an engine reporting what the sensors show can
    reach: every recording whose label the sensors contradict is lost to it."""
    return share([r["sensors"] == r["expected"] for r in records])


def table(report: dict[str, Any]) -> list[str]:
    """Accuracy lines (engine | baseline) per label and convention."""
    lines = [
        "VERTICAL: mode and direction per recording (engine | baseline)",
        f"{'label':<14}{'n':>4}  {'convention':<14}  {'mode':^15}  {'direction':^15}  {'both':^15}",
    ]
    summary = report["summary"]
    for label, entry in summary.items():
        if label in ("platform_agreement", "reliability"):
            continue
        for convention in CONVENTIONS:
            eng, base = entry[f"{convention}.engine"], entry[f"{convention}.baseline"]
            cells = "  ".join(
                f"{pct(eng[k])} | {pct(base[k])}" for k in ("mode", "direction", "both")
            )
            lines.append(f"{label[:14]:<14}{entry['n']:>4}  {convention:<14}  {cells}")
    lines.append(
        f"engine verdicts identical, android and ios: {pct(summary['platform_agreement'])}"
    )
    lines.append(
        f"'{CORRECTED}': the {len(CONTRADICTED)} recordings whose label the sensors contradict"
        " scored against what the sensors show (listed below)"
    )
    lines.append(
        "reliability (android, labels corrected): the largest move's stated confidence →"
        " share whose mode and direction are right"
    )
    lines += reliability_lines(summary["reliability"], "right")
    records = report["records"]
    disagree = [r for r in records if r["android"]["engine"] != r["expected"]]
    noise = [r for r in disagree if r["file"] in CONTRADICTED]
    misses = [r for r in disagree if r["file"] not in CONTRADICTED]
    lines.append("")
    lines.append(
        f"Disagreements with the label (android): {len(disagree)} of {len(records)}:"
        f" {len(noise)} label noise (the sensors contradict the label: an engine that reports"
        f" them cannot agree; the best score against these labels is {pct(ceiling(records))}),"
        f" {len(misses)} engine miss(es). Each, with the evidence:"
    )
    for r in disagree:
        got = r["android"]["engine"]
        if got != r["expected"]:
            ev = r["evidence"]
            expected = "/".join(r["expected"])
            sensors = CONTRADICTED.get(r["file"])
            lines.append(
                f"  [{'label noise' if sensors else 'engine miss'}] {r['file']}: label"
                f" {r['label']} {expected}, engine {'/'.join(got)}"
                + (f" (label contradicted: {sensors[2]})" if sensors else "")
                + ";"
                f" net height {ev['net_height_m']:+.2f} m ({ev['pressure_change_hpa']:+.3f} hPa),"
                f" {ev['steps']} steps in {ev['duration_s']} s"
                + (
                    f"; largest move {ev['move_height_m']:+.2f} m in {ev['move_s']} s"
                    if "move_height_m" in ev
                    else ""
                )
                + (
                    f"; lift impulse {ev['impulse_along_ms2']} m/s² along the pressure's"
                    f" direction, {ev['impulse_against_ms2']} against"
                    if "impulse_along_ms2" in ev
                    else ""
                )
            )
    return lines


SET = AccuracySet(name="vertical", folder="vertical", evaluate=evaluate, table=table)
