"""The ``steps/`` set (Oxford Step Counter validation walks, CC BY 4.0).

Step count error and walking time against the ground-truth counter, beside a plain
threshold-crossing step counter as the baseline.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np

from doorproof.accuracy.common import AccuracySet, pct, progress
from functions.engine.signal import Motion, motion
from functions.engine.steps import MAX_STEP_GAP_S, detect_steps
from functions.engine.telemetry import Telemetry

BASELINE_STEP_MS2 = 1.5
"""Baseline steps: upward crossings of |linear acceleration| through this level…"""
BASELINE_REFRACTORY_S = 0.25
"""…at most one per this interval."""


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


def baseline_steps(m: Motion) -> np.ndarray:
    """Step times of a plain threshold-crossing counter on |linear acceleration|."""
    above = m.magnitude > BASELINE_STEP_MS2
    ups = np.flatnonzero(above[1:] & ~above[:-1]) + 1
    kept: list[float] = []
    for t in m.t[ups]:
        if not kept or t - kept[-1] >= BASELINE_REFRACTORY_S:
            kept.append(float(t))
    return np.asarray(kept)


def evaluate(root: Path) -> dict[str, Any]:
    """Per-walk step counts and walking time: ground truth, engine, baseline."""
    files = sorted(root.glob("*.csv"))
    records: list[dict[str, Any]] = []
    for path in progress("steps", files):
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


def table(report: dict[str, Any]) -> list[str]:
    """Per-walk counts, errors and walking time (engine | baseline)."""
    lines = [
        "STEPS: count and walking time against ground truth (engine | baseline)",
        f"{'walk':<38}{'truth':>6}{'engine':>8}{'err':>8}{'base':>7}{'err':>8}"
        f"{'walk s':>8}{'engine':>8}{'base':>8}",
    ]
    for r in report["records"]:
        lines.append(
            f"{r['file']:<38}{r['truth']:>6}{r['engine']:>8}{pct(r['engine_error_pct']):>8}"
            f"{r['baseline']:>7}{pct(r['baseline_error_pct']):>8}"
            f"{r['truth_walking_s']:>8}{r['engine_walking_s']:>8}{r['baseline_walking_s']:>8}"
        )
    s = report["summary"]
    lines.append(
        f"{'overall (sum of |error| / truth)':<38}{s['truth']:>6}{'':>8}"
        f"{pct(s['engine_abs_error_pct']):>8}{'':>7}{pct(s['baseline_abs_error_pct']):>8}"
        f"{s['truth_walking_s']:>8}{s['engine_walking_s']:>8}{s['baseline_walking_s']:>8}"
    )
    return lines


SET = AccuracySet(name="steps", folder="steps", evaluate=evaluate, table=table)
