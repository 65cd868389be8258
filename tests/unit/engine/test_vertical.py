"""Vertical moves on synthetic sessions: stairs, elevator, escalator and stays."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from sensing_synth import HPA_PER_M, Segment, session

from functions.engine import vertical
from functions.engine.signal import to_ios_convention
from functions.engine.telemetry import from_samples
from functions.engine.vertical import detect_vertical


def _moves(segments: list[Segment], **kw):
    samples, truth = session(segments, **kw)
    return detect_vertical(from_samples(samples)), truth


def test_walking_on_the_flat_is_no_move():
    moves, _ = _moves([Segment("walk", 60)])
    assert moves == []


def test_stairs_up_three_floors():
    moves, truth = _moves([Segment("walk", 10), Segment("stairs", 40, 9.0), Segment("walk", 10)])
    (move,) = moves
    assert (move.mode, move.direction, move.floors) == ("STAIRS", "up", 3)
    assert move.height_m == pytest.approx(9.0, abs=0.5)
    _, start, end, _ = truth["moves"][0]
    assert move.t_start == pytest.approx(start, abs=4) and move.t_end == pytest.approx(end, abs=4)
    assert 0.5 <= move.confidence <= 1.0


def test_elevator_down_four_floors():
    moves, _ = _moves([Segment("walk", 10), Segment("elevator", 20, -12.0), Segment("walk", 10)])
    (move,) = moves
    assert (move.mode, move.direction, move.floors) == ("ELEVATOR", "down", 4)
    assert move.height_m == pytest.approx(-12.0, abs=0.6)


def test_a_noisy_fast_barometer_keeps_the_whole_ride():
    # 10 readings a second with 0.7 m of noise each: single big steps are noise, not glitches
    moves, _ = _moves(
        [Segment("walk", 10), Segment("elevator", 20, 12.0), Segment("walk", 10)],
        rate_hz=100.0,
        baro_hz=10.0,
        baro_noise_hpa=0.08,
    )
    (move,) = moves
    assert (move.mode, move.direction, move.floors) == ("ELEVATOR", "up", 4)
    assert move.height_m == pytest.approx(12.0, abs=0.6)


def test_a_slow_lift_is_told_by_its_start_and_stop_impulse():
    # 3 m in 12 s: a lift no faster than a brisk escalator
    moves, _ = _moves([Segment("stand", 10), Segment("elevator", 14, 3.0), Segment("stand", 10)])
    (move,) = moves
    assert (move.mode, move.direction) == ("ELEVATOR", "up")


def test_escalator_rider_stands_while_rising_slowly():
    moves, _ = _moves([Segment("walk", 10), Segment("escalator", 24, 6.0), Segment("walk", 10)])
    (move,) = moves
    assert (move.mode, move.direction, move.floors) == ("ESCALATOR", "up", 2)


def test_a_slow_pressure_drift_is_a_stay():
    samples, _ = session([Segment("walk", 120)])
    drift = np.linspace(0.0, 0.15, len(samples))  # weather/HVAC: 0.15 hPa in 2 minutes
    for s, d in zip(samples, drift, strict=True):
        s["barometer"]["pressureHpa"] += float(d)
    assert detect_vertical(from_samples(samples)) == []


def test_half_a_metre_is_not_a_move():
    moves, _ = _moves([Segment("walk", 10), Segment("stairs", 4, 0.5), Segment("walk", 10)])
    assert moves == []


def test_four_risers_climbed_step_by_step_are_a_move():
    # 0.7 m in 4 s at 1.8 steps/s: 0.1 m a step, a short flight the legs prove
    moves, _ = _moves([Segment("walk", 10), Segment("stairs", 4, -0.7), Segment("walk", 10)])
    (move,) = moves
    assert (move.mode, move.direction, move.floors) == ("STAIRS", "down", 0)
    assert move.height_m == pytest.approx(-0.7, abs=0.15)


def test_four_risers_without_steps_are_no_move():
    # the same 0.7 m standing still (a phone raised, a draft): only 0.85 m would count
    moves, _ = _moves([Segment("stand", 10), Segment("escalator", 4, -0.7), Segment("stand", 10)])
    assert moves == []


@pytest.mark.parametrize(
    ("seed", "baro_noise_hpa"),
    [(7, 0.004), *((seed, 0.03) for seed in range(5))],  # a quiet and a noisy barometer
)
def test_two_moves_in_one_session(seed: int, baro_noise_hpa: float) -> None:
    moves, _ = _moves(
        [
            Segment("walk", 10),
            Segment("elevator", 20, 9.0),
            Segment("walk", 30),
            Segment("stairs", 20, -3.0),
            Segment("walk", 10),
        ],
        seed=seed,
        baro_noise_hpa=baro_noise_hpa,
    )
    assert [(m.mode, m.direction, m.floors) for m in moves] == [
        ("ELEVATOR", "up", 3),
        ("STAIRS", "down", 1),
    ]
    assert moves[0].height_m == pytest.approx(9.0, abs=0.8)


def test_same_moves_in_both_conventions_and_without_gravity():
    samples, _ = session([Segment("walk", 10), Segment("stairs", 30, -6.0), Segment("stand", 5)])
    android = from_samples(samples)
    expected = detect_vertical(android)
    assert detect_vertical(from_samples(to_ios_convention(samples))) == expected
    no_gravity = dataclasses.replace(android, gravity=np.full_like(android.gravity, np.nan))
    assert [(m.mode, m.direction) for m in detect_vertical(no_gravity)] == [("STAIRS", "down")]


def test_no_barometer_means_no_moves():
    samples, _ = session([Segment("stairs", 30, 6.0)])
    tel = from_samples(samples)
    assert detect_vertical(dataclasses.replace(tel, pressure_hpa=np.full(len(tel), np.nan))) == []


def test_pressure_falls_means_up():
    samples, _ = session([Segment("stand", 30)])
    for i, s in enumerate(samples):
        s["barometer"]["pressureHpa"] -= HPA_PER_M * 3.0 * min(1.0, max(0.0, (i - 500) / 500))
    moves = detect_vertical(from_samples(samples))
    assert [m.direction for m in moves] == ["up"]


def _blind(segments: list[Segment]) -> list:
    """The moves of a session sent without any motion data (a 1-Hz barometer + GPS stream)."""
    samples, _ = session(segments)
    tel = from_samples(samples)
    nan = dataclasses.replace(
        tel, accel=np.full_like(tel.accel, np.nan), gravity=np.full_like(tel.gravity, np.nan)
    )
    return detect_vertical(nan)


def test_pressure_alone_tells_stairs_by_a_speed_no_escalator_keeps():
    # 3 m in 20 s: 0.15 m/s, slower than any escalator carries
    (move,) = _blind([Segment("walk", 10), Segment("stairs", 20, 3.0), Segment("walk", 10)])
    assert (move.mode, move.direction, move.floors, move.basis) == (
        "STAIRS",
        "up",
        1,
        "speed-stairs",
    )
    assert move.confidence == vertical.MODE_CALIBRATION["speed-stairs"][0]


def test_pressure_alone_cannot_tell_stairs_from_an_escalator():
    # 6 m in 20 s: 0.3 m/s over a storey, what an escalator does too: stairs, weakly
    (move,) = _blind([Segment("walk", 10), Segment("stairs", 20, 6.0), Segment("walk", 10)])
    assert (move.mode, move.direction, move.basis) == ("STAIRS", "up", "speed-stairs-or-escalator")
    assert move.confidence == vertical.SPEED_ONLY_SCORE < 0.5


def test_pressure_alone_tells_a_lift_by_its_speed():
    (move,) = _blind([Segment("walk", 10), Segment("elevator", 16, -9.0), Segment("walk", 10)])
    assert (move.mode, move.direction, move.basis) == ("ELEVATOR", "down", "speed-lift")
    assert move.confidence == vertical.MODE_CALIBRATION["speed-lift"][0]


def test_confidence_is_the_score_calibrated_per_basis():
    assert vertical.calibrated("steps", 0.95) == vertical.MODE_CALIBRATION["steps"][3]
    assert vertical.calibrated("steps", 0.4) == 0.4  # too few real moves there: the score stands
    assert vertical.calibrated("escalator", 0.8) == 0.8  # no real escalator to measure on


def test_a_climb_that_starts_and_ends_slowly_is_measured_whole():
    moves, _ = _moves(
        [
            Segment("walk", 10),
            Segment("stairs", 10, 0.6),  # 0.06 m/s: too slow to start a move on its own
            Segment("stairs", 10, 2.0),
            Segment("stairs", 10, 0.6),
            Segment("walk", 10),
        ]
    )
    (move,) = moves
    assert (move.mode, move.direction, move.floors) == ("STAIRS", "up", 1)
    assert move.height_m == pytest.approx(3.2, abs=0.3)


def test_a_floor_change_hidden_in_a_gap_is_still_a_move():
    samples, _ = session([Segment("walk", 20), Segment("stairs", 600, 9.0), Segment("walk", 20)])
    t0 = samples[0]["ts"]
    visible = [s for s in samples if not t0 + 22 < s["ts"] < t0 + 618]
    (move,) = detect_vertical(from_samples(visible))
    assert (move.direction, move.floors) == ("up", 3)
    assert move.confidence <= 0.3


def test_steps_into_and_out_of_a_fast_lift_are_not_stairs():
    # walk into the car, a 1-s wait, 4 m at up to 2 m/s, and out at once: the steps fall where
    # the height stands still
    moves, _ = _moves(
        [
            Segment("walk", 10),
            Segment("stand", 1),
            Segment("elevator", 8, 4.0),
            Segment("walk", 10),
        ]
    )
    assert [(m.mode, m.direction) for m in moves] == [("ELEVATOR", "up")]


def test_a_rhythm_of_steps_during_a_fast_rise_is_no_stairs():
    # 6 m in 8 s (0.75 m/s) with a step rhythm throughout (a phone jiggled in the car): no one
    # climbs stairs that fast, 0.46 m per step (this was STAIRS)
    moves, _ = _moves([Segment("stand", 10), Segment("walk", 8, 6.0), Segment("stand", 10)])
    assert [(m.mode, m.direction) for m in moves] == [("ELEVATOR", "up")]


def test_user_acceleration_alone_at_10_hz_tells_each_move_of_a_round():
    samples, _ = session(
        [
            Segment("walk", 15),
            Segment("elevator", 16, 9.0),
            Segment("walk", 20),
            Segment("stairs", 14, -3.0),
            Segment("walk", 20),
            Segment("escalator", 18, 5.0),
            Segment("walk", 15),
        ],
        rate_hz=10.0,
    )
    ios = from_samples(to_ios_convention(samples))
    ios = dataclasses.replace(ios, gravity=np.full_like(ios.gravity, np.nan))
    assert [(m.mode, m.direction) for m in detect_vertical(ios)] == [
        ("ELEVATOR", "up"),
        ("STAIRS", "down"),
        ("ESCALATOR", "up"),
    ]


def test_a_taller_move_has_a_wider_height_uncertainty():
    (short,), _ = _moves([Segment("stand", 10), Segment("elevator", 12, 3.0), Segment("stand", 10)])
    (tall,), _ = _moves([Segment("stand", 10), Segment("elevator", 20, 12.0), Segment("stand", 10)])
    assert 0.1 < short.height_sd_m < tall.height_sd_m < 0.1 * abs(tall.height_m)
    assert abs(tall.height_m - 12.0) < 2 * tall.height_sd_m


@pytest.mark.parametrize("seed", range(5))
def test_a_noisy_barometer_alone_makes_no_move(seed: int) -> None:
    # 0.03 hPa (0.25 m) a reading, 0.92 readings a second (an iPhone's rate), walking around
    # one floor for 5 minutes, so every step would prove stairs if the height moved: with
    # the physical minimum heights alone this makes 2-7 false flights (seeds 0-11)
    moves, _ = _moves([Segment("walk", 300)], seed=seed, baro_noise_hpa=0.03, baro_hz=0.92)
    assert moves == []


def test_thresholds_rise_with_the_barometer_noise_and_only_then() -> None:
    # an iPhone-quiet barometer keeps the physical minimums
    assert vertical.Thresholds.for_noise(0.05, per_mean=1.0) == vertical.Thresholds()
    # 0.03 hPa (0.25 m) a reading, one reading in each 2-s mean: a run's height is the
    # difference of two readings, sd √2 · 0.25 m
    noisy = vertical.Thresholds.for_noise(0.25, per_mean=1.0)
    expected = vertical.NOISE_Z * np.sqrt(2.0) * 0.25
    assert noisy.min_stepped_height_m == noisy.min_height_m == pytest.approx(expected)
    # the same noise averaged over 50 readings (25 Hz) is quiet again
    assert vertical.Thresholds.for_noise(0.25, per_mean=50.0) == vertical.Thresholds()
