"""Motion normalisation, the iOS conversion and relative height."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import numpy as np
import pytest
from sensing_synth import HPA_PER_M, Segment, session

from functions.engine.signal import (
    STANDARD_GRAVITY,
    motion,
    reading_noise_m,
    relative_height,
    to_ios_convention,
)
from functions.engine.telemetry import Telemetry, from_samples


@pytest.fixture(scope="module")
def walk() -> tuple[list[dict], Telemetry]:
    samples, _ = session([Segment("stand", 5), Segment("walk", 20), Segment("stand", 5)])
    return samples, from_samples(samples)


def _true_vertical(samples: list[dict]) -> np.ndarray:
    accel = np.array([s["imu"]["accel"] for s in samples])
    gravity = np.array([s["imu"]["gravity"] for s in samples])
    up = gravity / np.linalg.norm(gravity, axis=1, keepdims=True)
    return np.einsum("ij,ij->i", accel - gravity, up)


def test_android_samples_are_read_with_gravity_removed(walk):
    samples, tel = walk
    m = motion(tel)
    assert m.convention == "android"
    assert m.rate_hz == pytest.approx(50.0, rel=0.01)
    assert np.allclose(np.linalg.norm(m.gravity, axis=1), STANDARD_GRAVITY, atol=0.01)
    assert np.allclose(m.vertical, _true_vertical(samples), atol=1e-3)
    assert np.allclose(m.magnitude, np.linalg.norm(m.linear, axis=1))


def test_ios_conversion_uses_core_motion_units_and_axes():
    face_up: dict[str, Any] = {
        "ts": 1.0,
        "imu": {"accel": [0, 0, 9.80665], "gravity": [0, 0, 9.80665]},
    }
    moving_up: dict[str, Any] = {
        "ts": 2.0,
        "imu": {"accel": [0, 0, 10.80665], "gravity": [0, 0, 9.80665]},
    }
    rest, up = to_ios_convention([face_up, moving_up])
    assert rest["imu"]["accel"] == pytest.approx([0.0, 0.0, 0.0])
    assert rest["imu"]["gravity"] == pytest.approx([0.0, 0.0, -1.0])
    # Core Motion reads an upward push as negative z on a face-up phone
    assert up["imu"]["accel"][2] == pytest.approx(-1.0 / STANDARD_GRAVITY, abs=1e-6)
    assert face_up["imu"]["accel"] == [0, 0, 9.80665], "input must not be modified"


def test_ios_converted_session_gives_the_same_motion(walk):
    samples, tel = walk
    before = copy.deepcopy(samples[:3])
    ios = motion(from_samples(to_ios_convention(samples)))
    android = motion(tel)
    assert ios.convention == "ios"
    assert samples[:3] == before
    assert np.allclose(ios.vertical, android.vertical, atol=1e-3)
    assert np.allclose(ios.gravity, android.gravity, atol=1e-3)


def test_without_gravity_column_the_direction_is_estimated(walk):
    samples, tel = walk
    m = motion(dataclasses.replace(tel, gravity=np.full_like(tel.gravity, np.nan)))
    assert m.convention == "accel-only"
    assert np.corrcoef(m.vertical, _true_vertical(samples))[0, 1] > 0.98


def test_raw_core_motion_accelerometer_in_g_without_gravity(walk):
    samples, tel = walk
    in_g = dataclasses.replace(
        tel, accel=-tel.accel / STANDARD_GRAVITY, gravity=np.full_like(tel.gravity, np.nan)
    )
    m = motion(in_g)
    assert m.convention == "accel-only-g"
    assert np.corrcoef(m.vertical, _true_vertical(samples))[0, 1] > 0.98


def test_a_runner_on_ios_is_still_read_as_user_acceleration():
    # running: user acceleration with a median above half a g
    samples, _ = session([Segment("walk", 20, cadence_hz=2.8)])
    for s in samples:
        a, g = np.array(s["imu"]["accel"]), np.array(s["imu"]["gravity"])
        s["imu"]["accel"] = list(g + 3.5 * (a - g))
    android = motion(from_samples(samples))
    ios = motion(from_samples(to_ios_convention(samples)))
    assert np.median(np.linalg.norm(ios.linear, axis=1)) > 0.55 * STANDARD_GRAVITY
    assert ios.convention == "ios"
    assert np.allclose(ios.vertical, android.vertical, atol=1e-3)


def test_user_acceleration_without_gravity_finds_the_walking_bounce_axis(walk):
    _, tel = walk
    ios = from_samples(to_ios_convention(walk[0]))
    m = motion(dataclasses.replace(ios, gravity=np.full_like(ios.gravity, np.nan)))
    assert m.convention == "user-only"
    assert np.isnan(m.gravity).all()
    assert np.allclose(m.magnitude, motion(tel).magnitude, atol=1e-3)
    # the bounce axis is gravity's; its sign comes from real gaits' heel-strike spikes, which
    # this synthetic gait lacks (on vertical/ the correlation is +0.9..1.0, test_accuracy_floor)
    assert abs(np.corrcoef(m.vertical, motion(tel).vertical)[0, 1]) > 0.95


def test_nan_rows_and_duplicate_unsorted_timestamps_are_tolerated(walk):
    _, tel = walk
    n = len(tel)
    order = np.random.default_rng(1).permutation(n)
    messy = tel.take(np.concatenate([order, order[:100]]))  # shuffled, 100 duplicates
    accel = messy.accel.copy()
    accel[::7] = np.nan
    m = motion(dataclasses.replace(messy, accel=accel))
    assert np.all(np.diff(m.t) > 0)
    assert len(m) < n and len(m) > 0.8 * n
    assert np.isfinite(m.vertical).all()


@pytest.mark.parametrize("rate", [1.0, 10.0, 100.0])
def test_rate_is_measured(rate):
    samples, _ = session([Segment("stand", 10)], rate_hz=rate)
    assert motion(from_samples(samples)).rate_hz == pytest.approx(rate, rel=0.02)


def test_empty_telemetry_gives_empty_motion():
    m = motion(Telemetry.empty(0))
    assert len(m) == 0 and m.convention == "none"


def test_relative_height_follows_a_pressure_ramp_from_repeated_readings():
    samples, _ = session([Segment("stand", 10), Segment("stairs", 30, 6.0), Segment("stand", 10)])
    t, h = relative_height(from_samples(samples))
    assert t.shape[0] < 60, "one reading per second, not one per IMU sample"
    assert h[0] == pytest.approx(0.0, abs=0.1)
    assert h[-1] == pytest.approx(6.0, abs=0.15)
    assert np.all(np.diff(t) > 0)


def test_stale_first_reading_is_not_a_height_change():
    samples, _ = session([Segment("stand", 20)])
    first_second = [s for s in samples if s["ts"] < samples[0]["ts"] + 1.0]
    for s in first_second:
        s["barometer"]["pressureHpa"] += 1.5 * HPA_PER_M  # reported from 1.5 m lower
    t, h = relative_height(from_samples(samples))
    assert np.abs(h).max() < 0.2
    assert t[0] >= samples[0]["ts"] + 1.0, "the stale reading is dropped, not shifted"


def test_no_barometer_gives_empty_height(walk):
    _, tel = walk
    t, h = relative_height(dataclasses.replace(tel, pressure_hpa=np.full(len(tel), np.nan)))
    assert t.shape == (0,) and h.shape == (0,)


@pytest.mark.parametrize("sd_m", [0.02, 0.1, 0.3])
def test_reading_noise_is_measured_through_a_lifts_motion(sd_m: float) -> None:
    # 10 minutes at ~1 reading a second, irregularly spaced: standing, then a lift's
    # accelerate-cruise-brake, then a slow climb; the motion must not count as noise
    rng = np.random.default_rng(3)
    t = np.cumsum(rng.uniform(0.8, 1.2, 600))
    ride = np.clip(t - 200.0, 0.0, 20.0)
    lift = np.where(ride < 2.0, 0.5 * ride**2, 2.0 + 2.0 * (ride - 2.0))
    h = lift + 0.2 * np.clip(t - 400.0, 0.0, None) + rng.normal(0.0, sd_m, t.shape[0])
    assert reading_noise_m(t, h) == pytest.approx(sd_m, rel=0.15)


def test_too_few_readings_have_no_measured_noise() -> None:
    assert reading_noise_m(np.arange(5.0), np.array([0.0, 1.0, -1.0, 1.0, 0.0])) == 0.0
