"""Accuracy report: the engine's sensing against real phone recordings, beside a baseline.

``python -m doorproof.accuracy`` (``make accuracy``) reads the recordings in
``<repo>/../shared/data`` (or ``$DOORPROOF_DATA``, or ``--data``):

- ``vertical/`` (iPhone, labelled climb / descend / elevator_up / elevator_down / stay):
  per recording, the engine's verdict is its largest vertical move (mode and direction) or
  NONE; it is scored against the label, once in the recordings' own Android convention and
  once converted to the iOS one (``signal.to_ios_convention``), which must agree;
- ``steps/`` (Oxford Step Counter validation walks, CC BY 4.0): step count error and
  walking time against the ground-truth counter.

Beside each figure stands the same figure for a deliberately simple baseline computed in
the same run (net pressure change over a threshold, accel spread for stairs vs lift; a
threshold-crossing step counter), so a number means something. Recordings whose label the
pressure contradicts are listed with the evidence: labels are the recorder's own.

The table goes to stdout, progress to stderr, and the whole report to
``reports/accuracy.json``.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from doorproof.recordings import load_samples
from functions.engine.signal import (
    Motion,
    motion,
    pressure_to_height,
    relative_height,
    to_ios_convention,
)
from functions.engine.steps import MAX_STEP_GAP_S, detect_steps
from functions.engine.telemetry import Telemetry, from_samples
from functions.engine.types import Steps, VerticalMove
from functions.engine.vertical import detect_vertical, lift_impulse

REPO = Path(__file__).resolve().parents[1]
CONVENTIONS = ("android", "ios")

HPA_PER_M = 0.12
"""Pressure change per metre near the ground, to show evidence in the sensor's own unit."""
BASELINE_MIN_HEIGHT_M = 1.0
"""Baseline: a net height change (last vs first 2 s of pressure) this large is a move."""
BASELINE_END_S = 2.0
BASELINE_SPREAD_MS2 = 1.0
"""Baseline: std of |linear acceleration| above this over the recording means stairs."""
BASELINE_STEP_MS2 = 1.5
"""Baseline steps: upward crossings of |linear acceleration| through this level…"""
BASELINE_REFRACTORY_S = 0.25
"""…at most one per this interval."""


def data_dir(explicit: str | None = None) -> Path:
    """Where the recordings are: ``explicit``, ``$DOORPROOF_DATA``, or ``<repo>/../shared/data``."""
    chosen = explicit or os.environ.get("DOORPROOF_DATA")
    return Path(chosen) if chosen else REPO.parent / "shared" / "data"


# --- reading ------------------------------------------------------------------------------


def load_oxford(path: Path) -> tuple[Telemetry, np.ndarray]:
    """An Oxford Step Counter CSV as accel-only telemetry, and the ground-truth step times.

    Columns: timestamp (ns), ax, ay, az (m/s², with gravity), their algorithm's cumulative
    steps, ground-truth cumulative steps, hardware counter. A ground-truth step is a row where
    the cumulative count goes up.
    """
    table = np.loadtxt(path, delimiter=",", ndmin=2)
    t = table[:, 0] / 1e9
    tel = dataclasses.replace(Telemetry.empty(t.shape[0]), t=t, accel=table[:, 1:4].copy())
    truth = table[:, 5]
    step_rows = np.flatnonzero(np.diff(truth) > 0) + 1
    return Telemetry.merge([tel]), t[step_rows]


def walking_time(step_times: np.ndarray) -> float:
    """Seconds between consecutive steps no further apart than a pause (``MAX_STEP_GAP_S``)."""
    gaps = np.diff(np.sort(step_times))
    return float(gaps[gaps <= MAX_STEP_GAP_S].sum())


# --- verdicts -----------------------------------------------------------------------------


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


def baseline_steps(m: Motion) -> np.ndarray:
    """Step times of a plain threshold-crossing counter on |linear acceleration|."""
    above = m.magnitude > BASELINE_STEP_MS2
    ups = np.flatnonzero(above[1:] & ~above[:-1]) + 1
    kept: list[float] = []
    for t in m.t[ups]:
        if not kept or t - kept[-1] >= BASELINE_REFRACTORY_S:
            kept.append(float(t))
    return np.asarray(kept)


# --- evaluation ---------------------------------------------------------------------------


def _progress(label: str, items: Sequence[Any]) -> Iterable[Any]:
    """``items``, counting them on stderr (the run reads ~300 files)."""
    for i, item in enumerate(items, 1):
        print(f"\r{label} {i}/{len(items)}", end="", file=sys.stderr, flush=True)
        yield item
    print(file=sys.stderr)


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


def evaluate_vertical(root: Path) -> dict[str, Any]:
    """Per-recording verdicts of engine and baseline, in both conventions."""
    with (root / "labels.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    records: list[dict[str, Any]] = []
    for row in _progress("vertical", rows):
        samples = load_samples(root / row["file"])
        record: dict[str, Any] = {
            "file": row["file"],
            "label": row["label"],
            "expected": [row["expected_vertical_mode"], row["expected_direction"]],
        }
        for convention in CONVENTIONS:
            tel = from_samples(samples if convention == "android" else to_ios_convention(samples))
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


def _share(hits: Sequence[bool]) -> float | None:
    return round(100.0 * sum(hits) / len(hits), 1) if hits else None


def _vertical_summary(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Accuracy (%) per label and overall: mode, direction and both, engine and baseline."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        groups.setdefault(r["label"], []).append(r)
    groups["overall"] = list(records)
    out: dict[str, Any] = {}
    for label, rs in groups.items():
        entry: dict[str, Any] = {"n": len(rs)}
        for convention in CONVENTIONS:
            for who in ("engine", "baseline"):
                got = [(r[convention][who], r["expected"]) for r in rs]
                entry[f"{convention}.{who}"] = {
                    "mode": _share([g[0] == e[0] for g, e in got]),
                    "direction": _share([g[1] == e[1] for g, e in got]),
                    "both": _share([g == e for g, e in got]),
                }
        out[label] = entry
    out["platform_agreement"] = _share(
        [r["android"]["engine"] == r["ios"]["engine"] for r in records]
    )
    return out


def evaluate_steps(root: Path) -> dict[str, Any]:
    """Per-walk step counts and walking time: ground truth, engine, baseline."""
    files = sorted(root.glob("*.csv"))
    records: list[dict[str, Any]] = []
    for path in _progress("steps", files):
        tel, truth = load_oxford(path)
        m = motion(tel)
        steps = detect_steps(tel, m)
        base = baseline_steps(m)
        n = int(truth.shape[0])
        records.append(
            {
                "file": path.name,
                "truth": n,
                "engine": steps.count,
                "baseline": int(base.shape[0]),
                "engine_error_pct": round(100.0 * (steps.count - n) / n, 1) if n else None,
                "baseline_error_pct": round(100.0 * (base.shape[0] - n) / n, 1) if n else None,
                "truth_walking_s": round(walking_time(truth), 1),
                "engine_walking_s": round(sum(b - a for a, b in steps.bouts), 1),
                "baseline_walking_s": round(walking_time(base), 1),
            }
        )
    total = sum(r["truth"] for r in records)

    def overall(key: str) -> float | None:
        if not total:
            return None
        return round(100.0 * sum(abs(r[key] - r["truth"]) for r in records) / total, 2)

    summary = {
        "truth": total,
        "engine_abs_error_pct": overall("engine"),
        "baseline_abs_error_pct": overall("baseline"),
        "truth_walking_s": round(sum(r["truth_walking_s"] for r in records), 1),
        "engine_walking_s": round(sum(r["engine_walking_s"] for r in records), 1),
        "baseline_walking_s": round(sum(r["baseline_walking_s"] for r in records), 1),
    }
    return {"records": records, "summary": summary}


# --- output -------------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "   -  " if value is None else f"{value:5.1f}%"


def vertical_table(report: dict[str, Any]) -> list[str]:
    """Accuracy lines (engine | baseline) per label, both conventions."""
    lines = [
        "VERTICAL: mode and direction per recording (engine | baseline)",
        f"{'label':<14}{'n':>4}  {'convention':<8}  {'mode':^15}  {'direction':^15}  {'both':^15}",
    ]
    summary = report["summary"]
    for label, entry in summary.items():
        if label == "platform_agreement":
            continue
        for convention in CONVENTIONS:
            eng, base = entry[f"{convention}.engine"], entry[f"{convention}.baseline"]
            cells = "  ".join(
                f"{_pct(eng[k])} | {_pct(base[k])}" for k in ("mode", "direction", "both")
            )
            lines.append(f"{label:<14}{entry['n']:>4}  {convention:<8}  {cells}")
    lines.append(
        f"engine verdicts identical in both conventions: {_pct(summary['platform_agreement'])}"
    )
    lines.append("")
    lines.append(
        "Recordings where the engine disagrees with the label (android), with the evidence:"
    )
    for r in report["records"]:
        got = r["android"]["engine"]
        if got != r["expected"]:
            ev = r["evidence"]
            expected = "/".join(r["expected"])
            lines.append(
                f"  {r['file']}: label {r['label']} {expected}, engine {'/'.join(got)};"
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


def steps_table(report: dict[str, Any]) -> list[str]:
    """Per-walk counts, errors and walking time (engine | baseline)."""
    lines = [
        "STEPS: count and walking time against ground truth (engine | baseline)",
        f"{'walk':<38}{'truth':>6}{'engine':>8}{'err':>8}{'base':>7}{'err':>8}"
        f"{'walk s':>8}{'engine':>8}{'base':>8}",
    ]
    for r in report["records"]:
        lines.append(
            f"{r['file']:<38}{r['truth']:>6}{r['engine']:>8}{_pct(r['engine_error_pct']):>8}"
            f"{r['baseline']:>7}{_pct(r['baseline_error_pct']):>8}"
            f"{r['truth_walking_s']:>8}{r['engine_walking_s']:>8}{r['baseline_walking_s']:>8}"
        )
    s = report["summary"]
    lines.append(
        f"{'overall (sum of |error| / truth)':<38}{s['truth']:>6}{'':>8}"
        f"{_pct(s['engine_abs_error_pct']):>8}{'':>7}{_pct(s['baseline_abs_error_pct']):>8}"
        f"{s['truth_walking_s']:>8}{s['engine_walking_s']:>8}{s['baseline_walking_s']:>8}"
    )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m doorproof.accuracy", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--data", help="directory holding vertical/ and steps/")
    parser.add_argument("--json", default=str(REPO / "reports" / "accuracy.json"))
    args = parser.parse_args(argv)
    root = data_dir(args.data)
    vertical_root, steps_root = root / "vertical", root / "steps"
    if not (vertical_root / "labels.csv").is_file() and not steps_root.is_dir():
        print(
            f"recordings not found in {root}: put the shared data there, set DOORPROOF_DATA"
            " or pass --data",
            file=sys.stderr,
        )
        return 2
    report: dict[str, Any] = {"data": str(root)}
    lines: list[str] = []
    if (vertical_root / "labels.csv").is_file():
        report["vertical"] = evaluate_vertical(vertical_root)
        lines += [*vertical_table(report["vertical"]), ""]
    else:
        lines.append(f"vertical/ missing in {root}: skipped")
    if steps_root.is_dir():
        report["steps"] = evaluate_steps(steps_root)
        lines += steps_table(report["steps"])
    else:
        lines.append(f"steps/ missing in {root}: skipped")
    print("\n".join(lines))
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1))
    print(f"\nwritten: {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
