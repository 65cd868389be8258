"""How much of the session the engine could see: samples, rate, gaps, sensors.

Every judgement is only as good as the data under it, so the document reports these figures
(``dataQuality``) and the judgement uses them for INSUFFICIENT_DATA,
TELEMETRY_STREAM_INTERRUPTED and the visibility score.

A *gap* is a stretch of at least ``GAP_S`` with no sample: between two samples, or between
the session's start (stop) and its first (last) sample. Uploads are batched every ~5 s and
retried, so shorter silences are normal jitter, not lost data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from functions.engine.gps import Fixes
from functions.engine.signal import Motion
from functions.engine.telemetry import Telemetry

GAP_S = 10.0
FRESH_FIX_S = 10.0
"""A fix older than this no longer says where the phone is."""
"""Shortest silence reported as a gap (two missed uploads)."""


@dataclass(frozen=True)
class Quality:
    """Data quality figures (unix seconds for gap starts)."""

    samples: int
    imu_samples: int
    started_at: float
    ended_at: float
    first_sample: float | None
    last_sample: float | None
    rate_hz: float
    gaps: tuple[tuple[float, float], ...]
    """(start, seconds) of each gap, head and tail included."""
    longest_inner_gap: float
    """The longest silence between two samples (any length)."""
    sensors: dict[str, bool]
    convention: str
    gps_fixes: int
    median_accuracy_m: float | None
    gps_seconds: float
    """Seconds during which the latest fix was no older than ``FRESH_FIX_S`` and no worse
    than 30 m."""

    @property
    def duration_s(self) -> float:
        return max(self.ended_at - self.started_at, 0.0)

    @property
    def covered_s(self) -> float:
        return max(self.duration_s - sum(s for _, s in self.gaps), 0.0)

    def longest_gap(self) -> float:
        return max((s for _, s in self.gaps), default=0.0)

    def edge_gaps(self) -> tuple[float, float]:
        """Seconds without data after the start and before the end of the session."""
        if self.first_sample is None or self.last_sample is None:
            return self.duration_s, 0.0
        return (
            max(self.first_sample - self.started_at, 0.0),
            max(self.ended_at - self.last_sample, 0.0),
        )

    def to_json(self) -> dict[str, Any]:
        t0 = self.started_at
        return {
            "samples": self.samples,
            "imuSamples": self.imu_samples,
            "durationSec": round(self.duration_s, 3),
            "coveredSec": round(self.covered_s, 3),
            "rateHz": round(self.rate_hz, 2),
            "gaps": [
                {"tStart": round(start - t0, 3), "durationSec": round(sec, 3)}
                for start, sec in self.gaps
            ],
            "longestGapSec": round(self.longest_gap(), 3),
            "sensors": dict(self.sensors),
            "convention": self.convention,
            "gpsFixes": self.gps_fixes,
            "medianAccuracyM": (
                None if self.median_accuracy_m is None else round(self.median_accuracy_m, 1)
            ),
            "gpsCoverage": round(self.gps_seconds / self.duration_s, 3) if self.duration_s else 0.0,
        }


def _present(column: np.ndarray) -> bool:
    finite = np.isfinite(column)
    return bool(finite.any())


def measure(tel: Telemetry, m: Motion, f: Fixes, started_at: float, ended_at: float) -> Quality:
    """Figures for ``dataQuality`` (module docstring)."""
    t = tel.t
    gaps: list[tuple[float, float]] = []
    if t.shape[0]:
        edges = np.concatenate([[started_at], t, [max(ended_at, float(t[-1]))]])
        holes = np.diff(edges)
        for i in np.flatnonzero(holes >= GAP_S):
            gaps.append((float(edges[i]), float(holes[i])))
    elif ended_at > started_at:
        gaps.append((started_at, ended_at - started_at))
    acc = f.acc() if len(f) else np.zeros(0)
    good = acc <= 30.0
    fresh = np.zeros(0)
    if len(f):  # a fix is fresh until the next one, while samples carry it, 10 s at most
        end = np.minimum(np.append(f.t[1:], f.until[-1]), f.until + 1.0)
        fresh = np.clip(end - f.t, 0.0, FRESH_FIX_S)
    return Quality(
        samples=len(tel),
        imu_samples=len(m),
        started_at=started_at,
        ended_at=ended_at,
        first_sample=float(t[0]) if t.shape[0] else None,
        last_sample=float(t[-1]) if t.shape[0] else None,
        rate_hz=m.rate_hz,
        gaps=tuple(gaps),
        longest_inner_gap=float(np.diff(t).max()) if t.shape[0] > 1 else 0.0,
        sensors={
            "accelerometer": _present(tel.accel),
            "gyroscope": _present(tel.gyro),
            "gravity": _present(tel.gravity),
            "barometer": _present(tel.pressure_hpa),
            "gps": len(f) > 0,
            "magnetometer": _present(tel.mag_x),
        },
        convention=m.convention,
        gps_fixes=len(f),
        median_accuracy_m=float(np.median(acc)) if acc.size else None,
        gps_seconds=float(np.sum(fresh[good])) if acc.size else 0.0,
    )
