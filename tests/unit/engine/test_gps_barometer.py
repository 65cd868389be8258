"""GPS + barometer alone (a 1-Hz iPhone stream without IMU, like entry/ and building/): the
session is judged, not INSUFFICIENT_DATA. Walking is read from GPS pace, a lift or stairs ride
puts the courier on foot, and the door stop, its floor and the doorstep verdict follow
(docs/engine.md, "Activity" and "Reason codes")."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from doorproof.accuracy.entry import evaluate_gps_barometer, gps_barometer
from doorproof.scenarios import build
from functions.engine.activity import segment_activity
from functions.engine.gps import fixes
from functions.engine.insights import SessionContext, compute_insights
from functions.engine.signal import motion
from functions.engine.steps import detect_steps
from functions.engine.telemetry import from_samples

T0 = 1_790_000_000.0


def test_the_simulator_sent_as_gps_and_barometer_is_judged_right() -> None:
    """Seed 0 of every scenario with an exact truth, one sample a second without the IMU:
    reason codes, floors climbed, doorstep verdict and category as the truth says (all 17)."""
    report = evaluate_gps_barometer((0,))
    wrong = [
        r["session"]
        for r in report["records"]
        if not (r["codes"] and r["floors"] and r["doorstep"] and r["category"])
    ]
    assert report["summary"]["sessions"] == 17 and wrong == []


def test_a_wrong_floor_claim_is_caught_without_an_imu() -> None:
    """The lift delivery to floor 4 claimed two floors higher: the barometer says otherwise."""
    sc = build("elevator_floor4", seed=0)
    ctx = sc.context()
    assert ctx.address_floor is not None
    wrong = replace(ctx, address_floor=ctx.address_floor + 2)
    doc = compute_insights(from_samples(gps_barometer(sc.samples)), wrong)
    assert "POSSIBLE_WRONG_ADDRESS" in doc["reasonCodes"]
    assert doc["summary"]["rightDoorstep"] is False
    assert doc["summary"]["floorsClimbed"] == 4


def _session(speed: list[float], accuracy: float = 8.0) -> Any:
    samples = [
        {
            "ts": T0 + i,
            "position": {
                "lat": 52.5 + float(np.sum(speed[:i])) / 111_000.0,
                "lng": 13.4,
                "accuracyM": accuracy,
                "speedMps": v,
            },
            "barometer": {"pressureHpa": 1013.25},
        }
        for i, v in enumerate(speed)
    ]
    return from_samples(samples)


def _kinds(tel: Any) -> list[str]:
    m = motion(tel)
    activity = segment_activity(tel, m, detect_steps(tel, m), [], fixes(tel))
    return [s.kind for s in activity.segments]


def test_walking_pace_under_the_sky_is_walking() -> None:
    assert _kinds(_session([0.0] * 10 + [1.2] * 30 + [0.0] * 10)) == [
        "STOPPED",
        "WALKING",
        "STOPPED",
    ]


def test_a_vehicle_pulling_away_or_in_is_no_walk() -> None:
    """0 to 15 m/s and back at ~1.5 m/s²: a few seconds at walking pace next to vehicle speed."""
    ramp = list(np.linspace(0.0, 15.0, 10))
    speed = [0.0] * 10 + ramp + [15.0] * 40 + ramp[::-1] + [0.0] * 10
    assert "WALKING" not in _kinds(_session(speed))


def test_nothing_seen_without_an_imu_is_still_insufficient() -> None:
    """A minute indoors: Wi-Fi fixes without a speed, the pressure unchanged, no move."""
    doc = compute_insights(_session([-1.0] * 60, accuracy=65.0), SessionContext())
    assert doc["reasonCodes"] == ["INSUFFICIENT_DATA"]
    assert doc["evidence"]["INSUFFICIENT_DATA"]["gpsFixes"] == 60
