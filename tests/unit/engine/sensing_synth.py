"""Synthetic phone telemetry with known truth, for the sensing tests and benchmark.

A session is a list of segments (stand, walk, stairs, elevator, escalator). The phone lies
flat-ish (a fixed tilt), walking adds a vertical sine at the cadence plus a weaker harmonic,
height follows the segment's profile and reaches the samples as pressure at 1 Hz repeated
on every IMU sample, the way the SDK sends it. Samples are Android wire dicts; tests convert
them with ``to_ios_convention`` or strip columns to probe the other shapes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

G = 9.80665
P0_HPA = 1000.0
HPA_PER_M = 0.1186
"""Pressure gradient at ~1000 hPa (P / 8434 m): what ``pressure_to_height`` inverts."""
TILT = np.array([0.15, 0.35, 0.92]) / np.linalg.norm([0.15, 0.35, 0.92])
"""Unit 'up' in phone axes: the phone is held tilted, not face-up."""


@dataclass(frozen=True)
class Segment:
    kind: str
    """stand | walk | stairs | elevator | escalator"""
    duration_s: float
    height_m: float = 0.0
    cadence_hz: float = 1.8


def _height_profile(seg: Segment, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(height, vertical acceleration of the ride) over the segment's local time ``t``."""
    if seg.kind == "elevator" and seg.height_m:
        # trapezoidal speed: 1 m/s^2 ramps, cruise at v, all within the segment
        a = 1.0
        sign = np.sign(seg.height_m)
        d, total = abs(seg.height_m), seg.duration_s - 4.0
        v = (a * total - np.sqrt((a * total) ** 2 - 4 * a * d)) / 2
        ramp = v / a
        tt = np.clip(t - 2.0, 0.0, total)
        speed = np.minimum(np.minimum(a * tt, v), np.maximum(a * (total - tt), 0.0))
        accel = np.where(tt < ramp, a, np.where(tt > total - ramp, -a, 0.0))
        accel[(t < 2.0) | (t > 2.0 + total)] = 0.0
        height = np.concatenate([[0.0], np.cumsum((speed[1:] + speed[:-1]) / 2 * np.diff(t))])
        return sign * height, sign * accel
    return seg.height_m * t / seg.duration_s, np.zeros_like(t)


def arrays(
    segments: list[Segment],
    rate_hz: float = 50.0,
    t0: float = 1_700_000_000.0,
    seed: int = 7,
    baro_hz: float = 1.0,
    baro_noise_hpa: float = 0.004,
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Columns (t, accel, gravity, pressure) and the truth: step times, and moves
    (kind, start, end, height)."""
    rng = np.random.default_rng(seed)
    times, vert, heights = [], [], []
    steps: list[float] = []
    moves: list[tuple[str, float, float, float]] = []
    start, base = 0.0, 0.0
    for seg in segments:
        t = np.arange(0.0, seg.duration_s, 1.0 / rate_hz)
        h, ride = _height_profile(seg, t)
        a = ride.copy()
        if seg.kind in ("walk", "stairs"):
            phase = 2 * np.pi * seg.cadence_hz * t
            a += 2.5 * np.sin(phase) + 0.8 * np.sin(2 * phase + 0.5)
            first = 0.25 / seg.cadence_hz
            steps += list(start + np.arange(first, seg.duration_s, 1.0 / seg.cadence_hz))
        if seg.height_m:
            moves.append((seg.kind, t0 + start, t0 + start + seg.duration_s, seg.height_m))
        times.append(start + t)
        vert.append(a)
        heights.append(base + h)
        start += seg.duration_s
        base += seg.height_m
    t = np.concatenate(times)
    v = np.concatenate(vert)
    h = np.concatenate(heights)
    noise = rng.normal(0.0, 0.05, (t.shape[0], 3))
    gravity = np.outer(np.ones_like(t), TILT * G)
    accel = gravity + np.outer(v, TILT) + noise
    baro_t = np.floor(t * baro_hz) / baro_hz
    noise_hpa = rng.normal(0, baro_noise_hpa, t.shape[0])
    pressure = P0_HPA - HPA_PER_M * np.interp(baro_t, t, h) + noise_hpa
    pressure = np.round(pressure, 4)
    # the SDK repeats the latest barometer reading on every IMU sample
    fresh = np.concatenate([[True], np.diff(baro_t) > 0])
    held = pressure[np.maximum.accumulate(np.where(fresh, np.arange(t.shape[0]), 0))]
    columns = {"t": t0 + t, "accel": accel, "gravity": gravity, "pressure_hpa": held}
    return columns, {"steps": t0 + np.asarray(steps), "moves": moves}


def session(segments: list[Segment], **kw: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Android wire samples (see ``arrays`` for the arguments) and the truth."""
    cols, truth = arrays(segments, **kw)
    t, accel, gravity, held = cols["t"], cols["accel"], cols["gravity"], cols["pressure_hpa"]
    samples = [
        {
            "ts": round(float(t[i]), 4),
            "imu": {
                "accel": [round(float(x), 5) for x in accel[i]],
                "gyro": [0.0, 0.0, 0.0],
                "gravity": [round(float(x), 5) for x in gravity[i]],
                "attitude": [],
            },
            "barometer": {"pressureHpa": float(held[i])},
        }
        for i in range(t.shape[0])
    ]
    return samples, truth
