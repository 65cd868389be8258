"""Engine time (``compute_insights``, sensing and judgement) for 1, 10 and 60 minutes of
50 Hz telemetry, and the simulator's time for 10 minutes.

Run with ``make bench``. Each session is a courier's round of back-to-back deliveries from
the scenario simulator (driving, walking, stairs, elevator, door stops, GPS indoors and out),
so every stage of the engine has work to do. ``extra_info["us_per_minute"]`` shows whether
time grows linearly with length.
"""

from __future__ import annotations

from functools import cache

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from doorproof.scenarios import build_shift
from functions.engine.insights import SessionContext, compute_insights
from functions.engine.telemetry import Telemetry, from_samples


@cache
def session(minutes: int) -> tuple[Telemetry, SessionContext]:
    sc = build_shift(minutes, rate_hz=50.0)
    return from_samples(sc.samples), sc.context()


@pytest.mark.parametrize("minutes", [1, 10, 60])
def test_compute_insights(benchmark: BenchmarkFixture, minutes: int) -> None:
    tel, ctx = session(minutes)
    rounds = 3 if minutes == 60 else 10
    doc = benchmark.pedantic(compute_insights, args=(tel, ctx), rounds=rounds, iterations=1)
    assert doc["summary"]["totalDurationSec"] == pytest.approx(minutes * 60, abs=1)
    assert minutes == 1 or "FULL_ATTEMPT" in doc["reasonCodes"]
    benchmark.extra_info["samples"] = len(tel)
    assert benchmark.stats is not None
    benchmark.extra_info["us_per_minute"] = benchmark.stats.stats.median / minutes * 1e6


def test_simulate_ten_minutes(benchmark: BenchmarkFixture) -> None:
    sc = benchmark.pedantic(build_shift, args=(10,), rounds=5, iterations=1)
    assert len(sc.samples) == pytest.approx(30_000, abs=10)
