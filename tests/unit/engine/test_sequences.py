"""The continuous-sequence harness: clips joined into one session the way a phone would
have recorded them (10 Hz, no gravity column, height continuous across joins)."""

from __future__ import annotations

import numpy as np
import pytest

from doorproof.accuracy import sequences
from functions.engine.signal import relative_height
from functions.engine.types import VerticalMove


def _clip(kind: sequences.Kind, pressure_hpa: float, seconds: float = 20.0) -> sequences.Clip:
    t = np.arange(0.0, seconds, 1.0 / sequences.RATE_HZ)
    user = np.zeros((t.shape[0], 3))
    force = np.tile([0.0, 0.0, 9.81], (t.shape[0], 1))
    return sequences.Clip(f"{kind} clip", kind, t, user, force, np.full(t.shape[0], pressure_hpa))


def test_joined_clips_keep_height_continuous_and_the_clock_running():
    built = sequences.join("x", [_clip("walk", 1002.0), _clip("walk", 987.5), _clip("walk", 1010)])
    for convention, tel in built.telemetry.items():
        _, h = relative_height(tel)
        assert np.ptp(h) == pytest.approx(0.0, abs=1e-6)  # three absolute levels, one height
        rate = sequences.PRESSURE_ONLY_HZ if convention == "pressure-1hz" else sequences.RATE_HZ
        assert np.diff(tel.t).max() == pytest.approx(1.0 / rate, rel=1e-4)
        assert np.isnan(tel.gravity).all()
    assert np.isnan(built.telemetry["pressure-1hz"].accel).all()
    ios, android = built.telemetry["ios"], built.telemetry["android"]
    assert np.abs(ios.accel).max() == 0.0  # user acceleration in g
    assert np.linalg.norm(android.accel, axis=1) == pytest.approx(9.81)  # with gravity
    assert [s[1] for s in built.spans] == ["walk", "walk", "walk"]
    assert built.spans[1][2] == pytest.approx(built.spans[0][3] + 0.1)


def test_a_simulated_escalator_rises_its_storey_at_escalator_speed():
    clip = sequences.escalator_clip(True, np.random.default_rng(3))
    rise = float(clip.source.split()[3])
    built = sequences.join("x", [clip])
    _, h = relative_height(built.telemetry["ios"])
    assert h[-1] - h[0] == pytest.approx(rise, abs=0.5)
    assert np.median(np.diff(clip.t)) == pytest.approx(1.0 / sequences.RATE_HZ)
    assert clip.kind == "esc_up"


def test_a_clip_is_right_only_when_every_move_in_it_matches():
    built = sequences.join("x", [_clip("walk", 1000.0), _clip("lift_up", 1000.0)])
    _, _, a, b = built.spans[1]
    ride = VerticalMove("ELEVATOR", a + 2, b - 2, "up", 4.0, 1, 0.9)
    stairs = VerticalMove("STAIRS", a + 1, a + 3, "up", 1.0, 0, 0.6)
    assert [c["right"] for c in sequences.score(built, [ride])] == [True, True]
    assert [c["right"] for c in sequences.score(built, [ride, stairs])] == [True, False]
    assert [c["right"] for c in sequences.score(built, [])] == [True, False]
    walk_move = VerticalMove("STAIRS", built.spans[0][2], built.spans[0][3], "up", 1.0, 0, 0.6)
    assert sequences.score(built, [walk_move, ride])[0]["right"] is False
