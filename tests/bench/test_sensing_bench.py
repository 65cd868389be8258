"""Sensing time (motion + steps + vertical) for 1, 10 and 60 minutes of 50 Hz telemetry.

Run with ``make bench``; the per-minute figures show whether time grows linearly with
length. The session repeats a delivery-like pattern (walk, stairs up, wait, lift down).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from functions.engine.signal import motion
from functions.engine.steps import detect_steps
from functions.engine.telemetry import Telemetry
from functions.engine.vertical import detect_vertical
from tests.unit.engine.sensing_synth import Segment, arrays

PATTERN = [
    Segment("walk", 60),
    Segment("stairs", 30, 6.0),
    Segment("stand", 90),
    Segment("elevator", 20, -6.0),
    Segment("walk", 100),
    Segment("stand", 100),
]
"""Ten minutes."""


def _telemetry(minutes: int) -> Telemetry:
    cols, _ = arrays(PATTERN * -(-minutes // 10), rate_hz=50.0)
    keep = cols["t"] < cols["t"][0] + minutes * 60.0
    n = int(keep.sum())
    return dataclasses.replace(
        Telemetry.empty(n),
        t=cols["t"][keep],
        accel=cols["accel"][keep],
        gravity=cols["gravity"][keep],
        pressure_hpa=cols["pressure_hpa"][keep],
    )


def _sense(tel: Telemetry) -> int:
    m = motion(tel)
    steps = detect_steps(tel, m)
    return len(detect_vertical(tel, m, steps)) + steps.count


@pytest.mark.parametrize("minutes", [1, 10, 60])
def test_sensing_time(benchmark, minutes):
    tel = _telemetry(minutes)
    benchmark.extra_info["samples"] = len(tel)
    benchmark.extra_info["minutes"] = minutes
    result = benchmark.pedantic(_sense, args=(tel,), rounds=5 if minutes < 60 else 2)
    assert result > 0
    assert np.all(np.diff(tel.t) > 0)
