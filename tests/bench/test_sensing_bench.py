"""Sensing time (motion + steps + vertical) for 1, 10 and 60 minutes of 50 Hz telemetry.

Run with ``make bench``. The sessions are the scenario simulator's courier rounds (driving,
walking, stairs, lifts, door stops), the same as the whole-engine benchmark's, so the two
figures can be compared; ``extra_info["us_per_minute"]`` shows whether time grows linearly.
"""

from __future__ import annotations

from functools import cache

import pytest

from doorproof.scenarios import build_shift
from functions.engine.signal import motion
from functions.engine.steps import detect_steps
from functions.engine.telemetry import Telemetry, from_samples
from functions.engine.vertical import detect_vertical


@cache
def _telemetry(minutes: int) -> Telemetry:
    return from_samples(build_shift(minutes, rate_hz=50.0).samples)


def _sense(tel: Telemetry) -> tuple[int, int]:
    m = motion(tel)
    steps = detect_steps(tel, m)
    return steps.count, len(detect_vertical(tel, m, steps))


@pytest.mark.parametrize("minutes", [1, 10, 60])
def test_sensing_time(benchmark, minutes: int) -> None:
    tel = _telemetry(minutes)
    rounds = 3 if minutes == 60 else 10
    steps, moves = benchmark.pedantic(_sense, args=(tel,), rounds=rounds, iterations=1)
    assert steps > 0
    assert minutes == 1 or moves > 0
    benchmark.extra_info["samples"] = len(tel)
    benchmark.extra_info["us_per_minute"] = benchmark.stats.stats.median / minutes * 1e6
