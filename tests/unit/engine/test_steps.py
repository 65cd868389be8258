"""Step detection on synthetic walks with a known number of steps."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from sensing_synth import Segment, session

from functions.engine.signal import to_ios_convention
from functions.engine.steps import detect_steps
from functions.engine.telemetry import from_samples


def _count(segments: list[Segment], **kw) -> tuple[int, int, tuple]:
    samples, truth = session(segments, **kw)
    steps = detect_steps(from_samples(samples))
    return steps.count, truth["steps"].shape[0], steps.bouts


@pytest.mark.parametrize("cadence", [1.3, 1.8, 2.6])
def test_a_steady_walk_is_counted_within_two_percent(cadence):
    got, want, bouts = _count([Segment("walk", 60, cadence_hz=cadence)])
    assert abs(got - want) <= max(2, 0.02 * want)
    assert len(bouts) == 1
    assert bouts[0][1] - bouts[0][0] == pytest.approx(60, abs=2)


def test_standing_still_has_no_steps():
    got, _, bouts = _count([Segment("stand", 60)])
    assert got == 0 and bouts == ()


def test_a_pause_splits_walking_into_two_bouts():
    got, want, bouts = _count([Segment("walk", 20), Segment("stand", 15), Segment("walk", 20)])
    assert len(bouts) == 2
    assert bouts[1][0] - bouts[0][1] == pytest.approx(15, abs=1.5)
    assert abs(got - want) <= 2


def test_a_few_bumps_are_not_walking():
    got, _, _ = _count([Segment("stand", 10), Segment("walk", 1.2), Segment("stand", 10)])
    assert got == 0


def test_same_count_in_every_convention():
    samples, _ = session([Segment("walk", 30), Segment("stand", 5), Segment("walk", 10)])
    android = from_samples(samples)
    counts = {
        "android": detect_steps(android).count,
        "ios": detect_steps(from_samples(to_ios_convention(samples))).count,
        "accel-only": detect_steps(
            dataclasses.replace(android, gravity=np.full_like(android.gravity, np.nan))
        ).count,
    }
    assert counts["ios"] == counts["android"]
    assert abs(counts["accel-only"] - counts["android"]) <= 1


def test_low_rates_still_count_and_too_low_a_rate_reports_nothing():
    got, want, _ = _count([Segment("walk", 60)], rate_hz=10.0)
    assert abs(got - want) <= 0.03 * want
    got, _, _ = _count([Segment("walk", 60)], rate_hz=2.0)
    assert got == 0
