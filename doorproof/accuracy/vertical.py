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
import re
from collections.abc import Sequence
from datetime import UTC, datetime
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

TARGET_PCT = 97.0
"""Issue 9's target for mode and direction against the labels (its "~97 % is the ceiling")."""
HPA_PER_M = 0.12
"""Pressure change per metre near the ground, to show evidence in the sensor's own unit."""
BASELINE_MIN_HEIGHT_M = 1.0
"""Baseline: a net height change (last vs first 2 s of pressure) this large is a move."""
BASELINE_END_S = 2.0
BASELINE_SPREAD_MS2 = 1.0
"""Baseline: std of |linear acceleration| above this over the recording means stairs."""

CONTRADICTED: dict[str, tuple[str, str, str]] = {
    "climb/2022-08-19_165340.347_50Hz_20.3s.ndjson.gz": (
        "NONE", "none",
        "+0.42 m in 20 s (0.02 m/s, 0.02 m a step: a riser is 0.15-0.19 m); the phone recording"
        " beside it, labelled stay, moved +0.03 m: a walk on the flat"),
    "climb/2022-08-19_165407.113_50Hz_26.6s.ndjson.gz": (
        "NONE", "none",
        "-0.16 m net in 27 s with 32 steps; the phone beside it, labelled stay, moved 0.00 m"),
    "climb/2022-08-19_165450.228_50Hz_49.0s.ndjson.gz": (
        "STAIRS", "down",
        "pressure rises 0.91 hPa (-7.6 m) steadily at stair speed, walking; the phone beside it"
        " (also labelled climb) descended 7.4 m: a descent"),
    "climb/2022-08-19_165450.435_50Hz_49.5s.ndjson.gz": (
        "STAIRS", "down",
        "-7.4 m over 45 s, walking throughout; the phone beside it descended 7.6 m: a descent"),
    "descend/2022-08-21_140754.906_50Hz_14.9s.ndjson.gz": (
        "STAIRS", "up",
        "pressure falls 0.25 hPa (+2.1 m) while walking; the phone beside it, labelled climb,"
        " rose 2.0 m: up"),
    "descend/2022-08-21_140814.607_50Hz_15.1s.ndjson.gz": (
        "STAIRS", "up",
        "pressure falls (+2.0 m) while walking; the phone beside it, labelled climb, rose 1.8 m:"
        " up"),
    "elevator_down/2022-09-12_115614.811_50Hz_17.0s.ndjson.gz": (
        "ELEVATOR", "up",
        "pressure falls 0.73 hPa (+6.1 m) and the lift's start/stop push is along up: two"
        " independent sensors"),
    "elevator_up/2022-09-12_115458.688_50Hz_17.9s.ndjson.gz": (
        "ELEVATOR", "down",
        "pressure rises 0.79 hPa (-6.6 m) and the lift's start/stop push is along down"),
    "stay/2022-08-19_151301.482_50Hz_60.0s.ndjson.gz": (
        "STAIRS", "up",
        "a steady 0.17 m/s rise of 10 m with steps: three floors of stairs; the phone beside it,"
        " labelled climb, rose 9.4 m"),
    "stay/2022-08-19_151501.534_50Hz_38.4s.ndjson.gz": (
        "STAIRS", "down",
        "-6.9 m over 38 s, a steady descent with steps; the phone beside it, labelled descend,"
        " descended 7.1 m"),
}  # fmt: skip
"""Recordings whose label the sensors contradict: (mode, direction the sensors show, why).
Each is contradicted by the pressure beyond any sensor error (metres, or a climb without a
riser's height per step), and all but the two lift rides also by a second phone recording at
the same time (printed by ``make accuracy`` under "beside it"); the two rides by their own
accelerometer. They are scored against their labels like every other recording, and a second
time against these (``overall, labels corrected``), never silently relabelled; the sequences
set leaves them out of its clips (a clip must be what its label says)."""

AMBIGUOUS: dict[str, str] = {
    "stay/2022-08-20_144906.902_50Hz_60.0s.ndjson.gz": (
        "+1.0 m in 13 s at 0.08-0.12 m/s with 12 steps (0.085 m a step): within the slowest"
        " stairs of this set (0.07 m a step, 0.13 m/s kept) and a ramp's (1:12 at a walk) alike;"
        " no floor changed either way, and no second phone recorded it"
    ),
}
"""Recordings where the engine disagrees with a label that the sensors do not contradict
(they fit the label and the engine's reading alike). Counted against the engine in both rows,
corrected or not, and left out of the sequences' clips like ``CONTRADICTED``."""

STARTED = re.compile(r"(\d{4}-\d{2}-\d{2}_\d{6}\.\d+)_")
"""A recording's start time, in its file name (``2022-08-19_165340.347_…``)."""
BESIDE_MIN_OVERLAP_S = 5.0
"""Recordings overlapping by this long were made side by side: the recorder often carried two
phones, each labelled on its own, so one is a witness for the other's label."""


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


def _started(file: str) -> float | None:
    found = STARTED.search(file)
    if found is None:
        return None
    when = datetime.strptime(found.group(1), "%Y-%m-%d_%H%M%S.%f").replace(tzinfo=UTC)
    return when.timestamp()


def _beside(
    records: Sequence[dict[str, Any]], heights: dict[str, tuple[np.ndarray, np.ndarray]]
) -> None:
    """Adds ``beside`` to each record: every recording made at the same time (overlapping by
    ``BESIDE_MIN_OVERLAP_S``), its label, and the height change of both over the overlap.
    ``heights`` holds each recording's (epoch times, smoothed heights)."""
    for r in records:
        t, h = heights[r["file"]]
        r["beside"] = []
        for other in records:
            u, g = heights[other["file"]]
            if other is r or not (t.size and u.size):
                continue
            lo, hi = max(t[0], u[0]), min(t[-1], u[-1])
            if hi - lo < BESIDE_MIN_OVERLAP_S:
                continue
            r["beside"].append(
                {
                    "file": other["file"],
                    "label": other["label"],
                    "overlap_s": round(float(hi - lo), 1),
                    "height_m": round(float(np.interp(hi, t, h) - np.interp(lo, t, h)), 2),
                    "beside_height_m": round(float(np.interp(hi, u, g) - np.interp(lo, u, g)), 2),
                }
            )


def evaluate(root: Path) -> dict[str, Any]:
    """Per-recording verdicts of engine and baseline, in both conventions."""
    rows = labels(root)
    records: list[dict[str, Any]] = []
    heights: dict[str, tuple[np.ndarray, np.ndarray]] = {}
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
        ios = to_ios_convention(samples)
        for convention in CONVENTIONS:
            tel = from_samples(samples if convention == "android" else ios)
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
                        "basis": mv.basis,
                        "score": mv.score,
                    }
                    for mv in moves
                ],
            }
            if convention == "android":
                record["evidence"] = _evidence(tel, m, steps, moves)
                t, h = relative_height(tel)
                started = _started(row["file"])
                heights[row["file"]] = (
                    (t - tel.t[0] + started, h) if started is not None else (t[:0], h[:0])
                )
        records.append(record)
    _beside(records, heights)
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
    headline = summary["overall"]["android.engine"]["both"]
    lines.append(
        f"headline, overall against the labels (android): {pct(headline)}"
        f" (target {pct(TARGET_PCT)})"
    )
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
    lines.append("")
    lines += disagreement_lines(report["records"])
    return lines


def audit(record: dict[str, Any]) -> str:
    """How a disagreement with the label is counted: ``label contradicted`` (the sensors show
    otherwise, ``CONTRADICTED``), ``ambiguous`` (they fit the label and the engine alike,
    ``AMBIGUOUS``: counted against the engine) or ``engine miss``."""
    if record["file"] in CONTRADICTED:
        return "label contradicted"
    return "ambiguous" if record["file"] in AMBIGUOUS else "engine miss"


def disagreement_lines(records: Sequence[dict[str, Any]]) -> list[str]:
    """Every recording whose engine verdict (android) differs from its label, how it is
    counted and the evidence: the pressure, the steps, the largest move, a ride's push along
    and against the pressure's direction, and the phones recorded beside it."""
    disagree = [r for r in records if r["android"]["engine"] != r["expected"]]
    counts = {kind: sum(audit(r) == kind for r in disagree) for kind in
              ("label contradicted", "ambiguous", "engine miss")}  # fmt: skip
    lines = [
        f"Disagreements with the label (android): {len(disagree)} of {len(records)}: "
        + ", ".join(f"{n} {kind}" for kind, n in counts.items())
        + f". The best score against these labels that an engine reporting the sensors can"
        f" reach: {pct(ceiling(records))}. Each, with the evidence:"
    ]
    for r in disagree:
        ev = r["evidence"]
        why = CONTRADICTED[r["file"]][2] if r["file"] in CONTRADICTED else AMBIGUOUS.get(r["file"])
        line = (
            f"  [{audit(r)}] {r['file']}: label {r['label']} {'/'.join(r['expected'])},"
            f" engine {'/'.join(r['android']['engine'])}"
            + (f" ({why})" if why else "")
            + f"; net height {ev['net_height_m']:+.2f} m ({ev['pressure_change_hpa']:+.3f} hPa),"
            f" {ev['steps']} steps in {ev['duration_s']} s"
        )
        if "move_height_m" in ev:
            line += f"; largest move {ev['move_height_m']:+.2f} m in {ev['move_s']} s"
        if "impulse_along_ms2" in ev:
            line += (
                f"; lift push {ev['impulse_along_ms2']} m/s² along the pressure's direction,"
                f" {ev['impulse_against_ms2']} against"
            )
        for b in r.get("beside", []):
            line += (
                f"; beside it {b['file']} (label {b['label']}) over the same {b['overlap_s']} s:"
                f" this {b['height_m']:+.2f} m, that {b['beside_height_m']:+.2f} m"
            )
        lines.append(line)
    return lines


SET = AccuracySet(name="vertical", folder="vertical", evaluate=evaluate, table=table)
