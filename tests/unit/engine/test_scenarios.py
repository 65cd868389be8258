"""The scenario simulator: coverage of the API vocabulary, the SDK's wire shape, physics
the engine relies on, determinism."""

from __future__ import annotations

import itertools
import math
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from doorproof.scenarios import SCENARIOS, Scenario, build, build_shift, names
from doorproof.scenarios.catalog import SPECS
from doorproof.scenarios.scenario import Platform
from functions.engine.document import EVENT_ORDER
from functions.engine.judgement import REASON_CODES
from functions.engine.signal import relative_height
from functions.engine.telemetry import from_samples


@cache
def scenario(name: str, platform: Platform = "android") -> Scenario:
    """Each scenario is built once per test run (the engine tests share this cache)."""
    return build(name, platform=platform)


def test_every_reason_code_and_event_type_has_a_named_scenario() -> None:
    codes = set().union(*(SPECS[n].truth.reason_codes for n in names()))
    types = set().union(*(SPECS[n].truth.event_types for n in names()))
    assert codes == set(REASON_CODES)
    assert types == set(EVENT_ORDER)


def test_docs_list_every_scenario_and_reason_code() -> None:
    doc = (Path(__file__).resolve().parents[3] / "docs" / "engine.md").read_text()
    assert all(f"`{name}`" in doc for name in names())
    assert all(f"| {code} |" in doc for code in REASON_CODES)


def test_catalogue_lists_names_with_descriptions() -> None:
    assert list(SCENARIOS) == names()
    assert all(SCENARIOS[n] for n in names())
    with pytest.raises(KeyError, match="elevator_floor4"):
        build("no_such_scenario")


def test_same_seed_same_samples_other_seed_other_samples() -> None:
    a, b, c = build("ground_floor"), build("ground_floor"), build("ground_floor", seed=1)
    assert a.samples == b.samples
    assert a.samples != c.samples


@pytest.mark.parametrize("name", ["elevator_floor4", "no_gps_indoors", "stream_interrupted"])
def test_samples_are_sdk_shaped_and_time_ordered(name: str) -> None:
    sc = scenario(name)
    ts = np.array([s["ts"] for s in sc.samples])
    assert np.all(np.diff(ts) > 0)
    first = sc.samples[0]
    assert set(first["imu"]) == {"accel", "gyro", "gravity", "attitude"}
    assert all(len(first["imu"][k]) == n for k, n in (("accel", 3), ("gravity", 3)))
    assert "pressureHpa" in first["barometer"]
    assert {"lat", "lng", "accuracyM"} <= set(sc.samples[-1]["position"])
    assert sc.started_at == ts[0] and sc.ended_at == ts[-1]


def test_start_request_is_a_sessions_start_body() -> None:
    start = scenario("elevator_floor4").start_request
    assert start["sessionType"] == "drop"
    assert start["deliveryId"].startswith("dlv_elevator_floor4")
    assert start["address"]["line2"] == "Floor 4"
    assert math.isfinite(start["address"]["lat"]) and math.isfinite(start["address"]["lng"])
    assert start["device"] == {"platform": "android", "sdkVersion": "1.0.2", "model": "Pixel 8"}
    assert scenario("elevator_floor4").context().address_floor == 4


def test_batches_cover_all_samples_in_five_second_uploads() -> None:
    sc = scenario("ground_floor")
    batches = sc.batches(5.0)
    assert [s for b in batches for s in b] == sc.samples
    assert all(b[-1]["ts"] - b[0]["ts"] < 5.0 for b in batches)
    assert len(batches) == pytest.approx((sc.ended_at - sc.started_at) / 5.0, abs=2)


def test_held_readings_are_repeated_on_every_imu_sample() -> None:
    samples = scenario("ground_floor").samples
    with_fix = sum("position" in s for s in samples)
    distinct = len({(s["position"]["lat"], s["position"]["lng"]) for s in samples})
    assert with_fix == len(samples)
    assert distinct < len(samples) / 20  # ~1 Hz fixes on a 50 Hz stream


def test_rates_and_platform_variants() -> None:
    slow, fast = scenario("ground_floor_1hz"), scenario("elevator_floor4_100hz")
    assert np.median(np.diff([s["ts"] for s in slow.samples])) == pytest.approx(1.0, abs=0.01)
    assert np.median(np.diff([s["ts"] for s in fast.samples])) == pytest.approx(0.01, abs=1e-3)
    ios = scenario("ios_stairs_floor3")
    gravity = np.array([s["imu"]["gravity"] for s in ios.samples[:100]])
    user = np.array([s["imu"]["accel"] for s in ios.samples[:100]])
    assert np.linalg.norm(gravity, axis=1) == pytest.approx(1.0, abs=0.02)  # in g
    assert np.abs(user).max() < 1.0  # gravity removed
    assert ios.start_request["device"]["platform"] == "ios"


def test_missing_sensors_are_missing() -> None:
    assert all("barometer" not in s for s in scenario("no_barometer").samples)
    # no fix indoors: the SDK keeps repeating the last one, which stops changing
    no_gps = scenario("no_gps_indoors").samples
    changes = [s["ts"] for a, s in itertools.pairwise(no_gps) if a["position"] != s["position"]]
    assert np.diff(changes).max() > 60.0
    # a few seconds of dead-reckoning (accuracy growing to at most 3 x 15 m), no Wi-Fi fix
    assert max(s["position"]["accuracyM"] for s in no_gps) < 50.0
    assert min(s["position"]["speedMps"] for s in no_gps) >= 0.0


def test_stream_interrupted_has_a_sixty_second_hole() -> None:
    ts = np.array([s["ts"] for s in scenario("stream_interrupted").samples])
    assert np.diff(ts).max() == pytest.approx(60.0, abs=0.1)


@pytest.mark.parametrize(("name", "metres"), [("elevator_floor4", 12.8), ("stairs_floor3", 9.6)])
def test_pressure_follows_the_climb(name: str, metres: float) -> None:
    sc = scenario(name)
    t, h = relative_height(from_samples(sc.samples))
    parked = (t > sc.started_at + 46) & (t < sc.started_at + 52)  # streets climb too
    assert h.max() - np.median(h[parked]) == pytest.approx(metres, abs=1.0)


def test_walking_oscillates_near_two_hertz_and_driving_is_fast() -> None:
    sc = scenario("ground_floor")
    tel = from_samples(sc.samples)
    t0 = sc.started_at
    walk = (tel.t > t0 + 60) & (tel.t < t0 + 80)
    g = tel.gravity[walk] / np.linalg.norm(tel.gravity[walk], axis=1, keepdims=True)
    vertical = np.einsum("ij,ij->i", tel.accel[walk], g) - 9.80665
    spectrum = np.abs(np.fft.rfft(vertical - vertical.mean()))
    freqs = np.fft.rfftfreq(vertical.shape[0], 1 / 50)
    assert 1.6 < freqs[np.argmax(spectrum)] < 2.2
    assert np.nanmax(tel.speed_mps[tel.t < t0 + 40]) > 8.0


def test_spoofed_gps_is_what_each_spoofer_does() -> None:
    frozen = scenario("spoofed_gps_frozen").samples
    assert len({(s["position"]["lat"], s["position"]["accuracyM"]) for s in frozen}) == 1
    jumps = scenario("spoofed_gps_jumps").samples
    lat = np.array([s["position"]["lat"] for s in jumps])
    assert np.abs(np.diff(lat)).max() > 0.015  # ~2 km in one fix
    still = from_samples(scenario("spoofed_gps_moving_still").samples)
    assert np.nanmax(still.speed_mps) > 8.0
    assert np.std(np.linalg.norm(still.accel, axis=1)) < 0.05


def test_shift_has_the_requested_length() -> None:
    sc = build_shift(2, rate_hz=10)
    assert sc.ended_at - sc.started_at == pytest.approx(120.0, abs=0.5)
