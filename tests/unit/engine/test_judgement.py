"""The engine's verdict on the scenario suite: reason codes, events, floors, doorstep,
score directions, the document's shape, and poor input that must not break it."""

from __future__ import annotations

import json
from collections import OrderedDict
from functools import cache
from typing import Any, get_args

import numpy as np
import pytest

from doorproof.scenarios import names
from doorproof.scenarios.catalog import SPECS
from doorproof.scenarios.scenario import Platform
from functions.core.wire.models.insights import Event, EventType, Metrics, ReasonCode, Summary
from functions.engine import integrity
from functions.engine.activity import Activity, Segment, on_foot_moves
from functions.engine.document import EVENT_ORDER
from functions.engine.gps import Fixes
from functions.engine.insights import ENGINE_VERSION, EndReason, SessionContext, compute_insights
from functions.engine.judgement import REASON_CODES, rule_text
from functions.engine.place import _on_foot_stops, parse_floor
from functions.engine.telemetry import Telemetry, from_samples
from functions.engine.types import VerticalMove
from tests.unit.engine.test_scenarios import scenario

DOCUMENT_KEYS = {
    "summary",
    "reasonCodes",
    "events",
    "metrics",
    "building",
    "evidence",
    "dataQuality",
    "engineVersion",
    "classification",
    "path",
    "elevation",
}
VERTICAL = ("STAIRS", "ELEVATOR", "ESCALATOR")


@cache
def insights(name: str, platform: Platform = "android") -> dict[str, Any]:
    sc = scenario(name, platform)
    return compute_insights(from_samples(sc.samples), sc.context())


def _types(doc: dict[str, Any]) -> set[str]:
    return {e["type"] for e in doc["events"]}


def _vertical(doc: dict[str, Any]) -> tuple[tuple[str, str, int], ...]:
    return tuple(
        (e["type"], e["metadata"]["direction"], e["metadata"]["floors"])
        for e in doc["events"]
        if e["type"] in VERTICAL
    )


@pytest.mark.parametrize("name", names())
def test_scenario_verdict_matches_truth(name: str) -> None:
    truth = SPECS[name].truth
    doc = insights(name)
    codes = set(doc["reasonCodes"])
    if truth.exact:
        assert codes == truth.reason_codes
        assert _types(doc) == truth.event_types
        assert _vertical(doc) == truth.vertical
        assert doc["summary"]["floorsClimbed"] == truth.floors_climbed
        assert doc["summary"]["rightDoorstep"] == truth.right_doorstep
    else:
        assert truth.reason_codes <= codes
        assert truth.event_types <= _types(doc)
    assert doc["summary"]["suspiciousBehavior"] == truth.suspicious
    assert doc["summary"]["elevatorUsed"] == ("ELEVATOR" in truth.event_types)


def test_engine_and_server_models_share_the_vocabulary() -> None:
    assert get_args(ReasonCode) == REASON_CODES
    assert set(get_args(EventType)) == set(EVENT_ORDER)


@pytest.mark.parametrize("name", names())
def test_document_shape_and_json(name: str) -> None:
    doc = insights(name)
    assert set(doc) == DOCUMENT_KEYS
    json.dumps(doc, allow_nan=False)  # JSON-ready: no NaN, no numpy types
    Summary.model_validate(doc["summary"])
    Metrics.model_validate(doc["metrics"])
    for event in doc["events"]:
        Event.model_validate(event)
    assert doc["engineVersion"] == ENGINE_VERSION
    assert list(doc["reasonCodes"]) == [c for c in REASON_CODES if c in doc["reasonCodes"]]
    for code in doc["reasonCodes"]:
        assert doc["evidence"][code]["rule"] == rule_text(code)
    duration = doc["summary"]["totalDurationSec"]
    for event in doc["events"]:
        assert -0.01 <= event["tStart"] <= duration + 0.01
        assert (event["tEnd"] is None) == (event["type"] == "GATE")
        if event["tEnd"] is not None:
            assert event["tEnd"] >= event["tStart"]
    doors = [e for e in doc["events"] if e["type"] == "STOPPED" and e["metadata"]["atDoor"]]
    assert len(doors) == int("FULL_ATTEMPT" in doc["reasonCodes"])
    assert len(doc["path"]) <= 500
    assert len(doc["elevation"]) <= 500
    assert 0.0 <= doc["dataQuality"]["gpsCoverage"] <= 1.0
    assert doc["dataQuality"]["coveredSec"] <= doc["dataQuality"]["durationSec"]


def test_vertical_moves_carry_direction_floors_and_signed_height() -> None:
    up, down = (e for e in insights("elevator_floor4")["events"] if e["type"] == "ELEVATOR")
    assert up["metadata"]["heightM"] == pytest.approx(12.8, abs=1.6)
    assert down["metadata"]["heightM"] == pytest.approx(-12.8, abs=1.6)
    assert up["tEnd"] < down["tStart"]


def test_door_stop_metrics_are_measured_from_the_gate() -> None:
    doc = insights("elevator_floor4")
    gate = next(e for e in doc["events"] if e["type"] == "GATE")
    door = next(e for e in doc["events"] if e["type"] == "STOPPED" and e["metadata"]["atDoor"])
    lift = next(e for e in doc["events"] if e["type"] == "ELEVATOR")
    assert gate["tStart"] < lift["tStart"] < door["tStart"]
    assert doc["metrics"]["timeFromEntranceToDoorSec"] == pytest.approx(
        door["tStart"] - gate["tStart"], abs=0.01
    )
    # simulated: 6 s lobby, 12 s wait, ~16 s ride, ~5 s corridor; 40-s handover
    assert 25 < doc["metrics"]["timeFromEntranceToDoorSec"] < 55
    assert 35 < doc["metrics"]["timeAtDoorSec"] < 60


def test_confidence_of_a_stop_grows_with_its_length() -> None:
    stops = [e for e in insights("elevator_floor4")["events"] if e["type"] == "STOPPED"]
    door = next(e for e in stops if e["metadata"]["atDoor"])
    wait = next(e for e in stops if e["tEnd"] <= door["tStart"] and e["tStart"] > 60)
    assert door["tEnd"] - door["tStart"] > 3 * (wait["tEnd"] - wait["tStart"])
    assert door["confidence"] > wait["confidence"] + 0.1
    assert 0.8 < door["confidence"] < 1.0


def test_fraud_score_is_higher_for_every_fraud_scenario_than_for_honest_ones() -> None:
    honest = max(insights(n)["summary"]["fraudScore"] for n in ("ground_floor", "stairs_floor3"))
    assert honest < 0.1
    for name in (
        "spoofed_gps_jumps",
        "spoofed_gps_frozen",
        "spoofed_gps_moving_still",
        "spoofed_gps_replay",
        "no_attempt",
        "wrong_building",
        "lobby_handoff",
    ):
        assert insights(name)["summary"]["fraudScore"] >= 0.5, name
    for name, signal in (
        ("spoofed_gps_moving_still", "gpsMovesWhilePhoneStill"),
        ("spoofed_gps_jumps", "impossibleGpsJumps"),
        ("spoofed_gps_frozen", "frozenOrMockGps"),
        ("spoofed_gps_replay", "replayedGpsTrack"),
    ):
        assert signal in insights(name)["evidence"]["fraudScore"]["signals"], name
    for name in ("ground_floor", "stairs_floor3", "no_gps_indoors", "elevator_floor4"):
        assert "fraudScore" not in insights(name)["evidence"], name


@pytest.mark.parametrize("name", ["spoofed_gps_jumps", "spoofed_gps_frozen"])
def test_spoofed_gps_voids_the_doorstep_verdict(name: str) -> None:
    doc = insights(name)
    assert doc["summary"]["rightDoorstep"] is None
    assert "DELIVERED_TO_RIGHT_DOORSTEP" not in doc["reasonCodes"]


def test_friction_grows_with_stairs_and_floors() -> None:
    friction = {
        n: insights(n)["summary"]["frictionScore"]
        for n in ("ground_floor", "elevator_floor4", "stairs_floor3")
    }
    assert friction["ground_floor"] < friction["elevator_floor4"] < friction["stairs_floor3"]


def test_visibility_drops_with_missing_data_and_sensors() -> None:
    full = insights("ground_floor")["summary"]["visibilityScore"]
    assert full > 0.9
    for name in ("stream_interrupted", "no_barometer", "ground_floor_1hz"):
        assert insights(name)["summary"]["visibilityScore"] < full - 0.1, name


def test_attempt_cycles_count_trips_toward_the_door() -> None:
    trips = ("ground_floor", "partial_attempt", "no_attempt", "walked_away", "second_attempt")
    cycles = {n: insights(n)["summary"]["attemptCycles"] for n in trips}
    assert cycles == {
        "ground_floor": 1,
        "partial_attempt": 1,
        "no_attempt": 0,
        "walked_away": 0,
        "second_attempt": 2,
    }
    friction = insights("second_attempt")["summary"]["frictionScore"]
    assert friction > insights("ground_floor")["summary"]["frictionScore"] + 0.2


def test_ios_convention_gives_the_same_verdict() -> None:
    android, ios = insights("stairs_floor3"), insights("stairs_floor3", "ios")
    assert ios["reasonCodes"] == android["reasonCodes"]
    assert _vertical(ios) == _vertical(android)
    assert ios["dataQuality"]["convention"] == "ios"


def test_interrupted_end_reason_and_transit_sessions() -> None:
    sc = scenario("ground_floor")
    tel = from_samples(sc.samples)
    interrupted = SessionContext.from_start_request(sc.start_request, end_reason="interrupted")
    assert "TELEMETRY_STREAM_INTERRUPTED" in compute_insights(tel, interrupted)["reasonCodes"]
    transit = compute_insights(tel, SessionContext(session_type="transit"))
    assert transit["reasonCodes"] == []
    assert transit["summary"]["rightDoorstep"] is None  # no address


def test_batches_retried_and_out_of_order_change_nothing() -> None:
    batches = scenario("stairs_floor3").batches()
    shuffled = batches[::-1] + batches[10:40]  # late, reordered and duplicated uploads
    samples = [s for batch in shuffled for s in batch]
    doc = compute_insights(from_samples(samples), scenario("stairs_floor3").context())
    assert doc == insights("stairs_floor3")


def test_malformed_samples_are_tolerated() -> None:
    clean = scenario("elevator_floor4").samples
    broken = [dict(s) for s in clean[:6000]]
    for i in range(0, len(broken), 7):
        broken[i] = {**broken[i], "imu": {"accel": [float("nan"), 1.0, None]}}
    for i in range(3, len(broken), 11):
        broken[i] = {**broken[i], "position": {"lat": 1000.0, "lng": "x"}}
    doc = compute_insights(from_samples(broken), scenario("elevator_floor4").context())
    json.dumps(doc, allow_nan=False)
    assert doc["dataQuality"]["imuSamples"] < doc["dataQuality"]["samples"]


def test_each_wire_value_the_engine_cannot_read_is_absent_not_an_error() -> None:
    """Text, booleans, lists of the wrong length, numbers too large for a float, mappings
    that are not dicts and samples without a numeric ``ts``: one column at a time."""
    wire: list[Any] = [  # as JSON may carry them: not every item is an object
        {"ts": 2.0, "imu": {"accel": [1, "2", None], "gyro": [1, 2]}},
        {"ts": "x"},
        7,
        OrderedDict(ts=1.0, barometer=OrderedDict(pressureHpa=1001.5)),
        {"ts": 3.0, "imu": None, "context": {"network": 5, "screenOn": True}},
        {"ts": 4.0, "barometer": {"pressureHpa": 10**400}, "context": {"network": "wifi"}},
    ]
    tel = from_samples(wire)
    assert tel.t.tolist() == [1.0, 2.0, 3.0, 4.0]
    assert tel.pressure_hpa[0] == 1001.5 and np.isnan(tel.pressure_hpa[1:]).all()
    assert tel.accel[1, 0] == 1.0 and np.isnan(tel.accel[1, 1:]).all()
    assert np.isnan(tel.gyro).all() and np.isnan(tel.accel[[0, 2, 3]]).all()
    assert tel.screen_on.tolist()[2] == 1.0
    assert tel.network.tolist() == ["", "", "", "wifi"]


def _activity(*spans: tuple[str, float, float]) -> Activity:
    segments = tuple(Segment(kind, t0, t1, 0.9) for kind, t0, t1 in spans)  # type: ignore[arg-type]
    grid = np.arange(0.0, spans[-1][2])
    empty = np.zeros(grid.shape[0])
    return Activity(grid, empty.astype(int), empty, empty, empty.astype(bool), segments)


def test_door_stop_candidates_are_walked_to_and_not_in_the_vehicle() -> None:
    trip = _activity(
        ("STOPPED", 0, 30),  # sitting in the parked vehicle: not walked to
        ("WALKING", 30, 60),
        ("STOPPED", 60, 100),  # the door
        ("WALKING", 100, 130),
        ("STOPPED", 130, 140),  # back in the vehicle
        ("DRIVING", 140, 200),
    )
    assert [(s.t_start, s.t_end) for s in _on_foot_stops(trip)] == [(60, 100)]
    # a lift ride or a gap in the data between a stop and its neighbour: benefit of the doubt
    across = _activity(("WALKING", 0, 20), ("STOPPED", 30, 60), ("DRIVING", 90, 120))
    assert [(s.t_start, s.t_end) for s in _on_foot_stops(across)] == [(30, 60)]
    ended = _activity(("WALKING", 0, 20), ("STOPPED", 20, 60))
    assert len(_on_foot_stops(ended)) == 1


def _without_gps(name: str) -> Telemetry:
    """The scenario on foot only (parked to back at the vehicle), its positions removed:
    without GPS nothing tells a climbing street from an escalator."""
    sc = scenario(name)
    on_foot = [s for s in sc.samples if sc.started_at + 46 < s["ts"] < sc.ended_at - 40]
    return from_samples([{k: v for k, v in s.items() if k != "position"} for s in on_foot])


def test_without_gps_a_vertical_move_marks_the_entry() -> None:
    doc = compute_insights(_without_gps("elevator_floor4"), SessionContext())
    gate = next(e for e in doc["events"] if e["type"] == "GATE")
    lift = next(e for e in doc["events"] if e["type"] == "ELEVATOR")
    assert gate["metadata"]["basis"] == "vertical-move"
    assert gate["tStart"] == lift["tStart"]
    assert doc["reasonCodes"] == ["FULL_ATTEMPT"]
    assert doc["path"] == [] and doc["summary"]["rightDoorstep"] is None


def test_without_gps_or_a_move_a_pause_is_not_a_door() -> None:
    doc = compute_insights(_without_gps("ground_floor"), SessionContext())
    assert "GATE" not in _types(doc)
    assert doc["reasonCodes"] == ["PARTIAL_ATTEMPT"]
    assert doc["evidence"]["PARTIAL_ATTEMPT"]["gps"] is False


def test_timed_out_session_ends_at_its_last_sample() -> None:
    sc = scenario("session_timeout")
    ctx = SessionContext.from_start_request(
        sc.start_request,
        started_at=sc.started_at,
        ended_at=sc.ended_at + 7200.0,
        end_reason="timeout",
    )
    doc = compute_insights(from_samples(sc.samples), ctx)
    assert "SESSION_TIMEOUT" in doc["reasonCodes"]
    assert "TELEMETRY_STREAM_INTERRUPTED" not in doc["reasonCodes"]
    assert doc["summary"]["totalDurationSec"] == pytest.approx(
        sc.ended_at - sc.started_at, abs=0.01
    )


def test_session_spans_server_and_phone_clocks() -> None:
    sc = scenario("ground_floor")
    # an accelerated replay: the server saw the trip start and stop within a minute
    ctx = SessionContext(started_at=sc.started_at + 20.0, ended_at=sc.started_at + 60.0)
    doc = compute_insights(from_samples(sc.samples), ctx)
    assert doc["summary"]["totalDurationSec"] == pytest.approx(
        sc.ended_at - sc.started_at, abs=0.01
    )
    assert min(e["tStart"] for e in doc["events"]) >= 0.0
    assert "TELEMETRY_STREAM_INTERRUPTED" not in doc["reasonCodes"]


@pytest.mark.parametrize(
    ("late_start", "late_stop", "lost"),
    [(45, 0, False), (0, 60, False), (0, 150, True), (150, 0, True)],
)
def test_silence_at_the_edges_is_lost_data_beyond_clock_skew(
    late_start: float, late_stop: float, lost: bool
) -> None:
    sc = scenario("ground_floor")
    ctx = SessionContext(started_at=sc.started_at - late_start, ended_at=sc.ended_at + late_stop)
    doc = compute_insights(from_samples(sc.samples), ctx)
    assert ("TELEMETRY_STREAM_INTERRUPTED" in doc["reasonCodes"]) == lost
    assert doc["dataQuality"]["longestGapSec"] == pytest.approx(max(late_start, late_stop), abs=1)


@pytest.mark.parametrize(
    "tel",
    [
        Telemetry.empty(0),
        from_samples([{"ts": 1_790_000_000.0}]),
        from_samples(
            [
                {"ts": 1_790_000_000.0 + i, "position": {"lat": 52.5, "lng": 13.4}}
                for i in range(100)
            ]
        ),
        from_samples(
            [
                {"ts": 1_790_000_000.0 + i / 50, "imu": {"accel": [0.0, 0.0, 9.81]}}
                for i in range(30)
            ]
        ),
    ],
    ids=["empty", "one-sample", "gps-only", "half-a-second"],
)
def test_poor_input_gives_insufficient_data_without_raising(tel: Telemetry) -> None:
    ctx = SessionContext(address_lat=52.5, address_lng=13.4, address_floor=3)
    doc = compute_insights(tel, ctx)
    assert "INSUFFICIENT_DATA" in doc["reasonCodes"]
    assert not {"FULL_ATTEMPT", "NO_ATTEMPT"} & set(doc["reasonCodes"])
    json.dumps(doc, allow_nan=False)


@pytest.mark.parametrize(
    ("address", "floor"),
    [
        ({"line2": "Floor 4"}, 4),
        ({"line2": "4th floor"}, 4),
        ({"line1": "Main St 5, 3. OG"}, 3),
        ({"rawAddress": "Torstraße 1, Etage 2, Berlin"}, 2),
        ({"line2": "Apt 4B"}, 4),
        ({"line2": "Apt 402"}, 4),
        ({"line2": "Unit 1203"}, 12),
        ({"line2": "Apt 12"}, None),
        ({"line2": "Ground floor"}, 0),
        ({"line2": "Basement"}, -1),
        ({"line2": "Ground floor", "country": "US"}, 1),
        ({"line2": "Basement", "country": "US"}, 0),
        ({"line2": "piso 3"}, 3),
        ({"line2": "3º andar"}, 3),
        ({"line2": "Planta 2"}, 2),
        ({"line2": "3층"}, 3),
        ({"line2": "5階"}, 5),
        ({"line2": "12F"}, 12),
        ({"line2": "этаж 3"}, 3),
        ({"line1": "221B Baker Street"}, None),
        ({}, None),
    ],
)
def test_parse_floor(address: dict[str, str], floor: int | None) -> None:
    assert parse_floor(address) == floor


def test_context_from_start_request_is_tolerant() -> None:
    ctx = SessionContext.from_start_request(
        {"sessionType": "weird", "address": {"lat": 0, "lng": 0, "line2": "Floor 7"}}
    )
    assert (ctx.session_type, ctx.address_lat, ctx.address_floor) == ("drop", None, 7)
    ctx = SessionContext.from_start_request({"address": {"lat": "52", "lng": 13.4}})
    assert ctx.address_lat is None and ctx.address_lng is None
    ctx = SessionContext.from_start_request(
        {"sessionType": "pickup", "address": {"lat": 52.5, "lng": 13.4}}, end_reason="timeout"
    )
    assert (ctx.session_type, ctx.address_lat, ctx.end_reason) == ("pickup", 52.5, "timeout")


def _fixes(t: list[float], lat: list[float], acc: float = 5.0, speed: float = np.nan) -> Fixes:
    n = len(t)
    return Fixes(
        t=np.array(t, dtype=float),
        lat=np.array(lat),
        lng=np.full(n, 13.4),
        accuracy=np.full(n, acc),
        speed=np.full(n, speed),
        source=np.full(n, "gps"),
        until=np.array(t, dtype=float),
    )


METRE = 1 / 111_195  # degrees of latitude


def test_ground_speed_is_reported_or_derived_over_ten_seconds() -> None:
    t = [float(k) for k in range(30)]
    driving = _fixes(t, [52.5 + 12.0 * k * METRE for k in range(30)])
    assert driving.ground_speed()[15:] == pytest.approx(12.0, rel=0.02)
    assert np.isnan(driving.ground_speed()[:10]).all()  # no fix 10 s earlier yet
    reported = _fixes(t, [52.5] * 30, speed=3.0)
    assert reported.ground_speed() == pytest.approx(3.0)
    poor = _fixes(t, [52.5 + 12.0 * k * METRE for k in range(30)], acc=60.0)
    assert np.isnan(poor.ground_speed()).all()


def test_driving_is_seen_without_reported_speed() -> None:
    samples = [
        {**s, "position": {k: v for k, v in s["position"].items() if k != "speedMps"}}
        for s in scenario("no_attempt").samples
    ]
    doc = compute_insights(from_samples(samples), scenario("no_attempt").context())
    assert doc["reasonCodes"] == ["NO_ATTEMPT"]
    assert _types(doc) == {"DRIVING", "STOPPED"}


def test_a_climbing_street_is_no_floor() -> None:
    t = [float(k) for k in range(60)]
    drive = _fixes(t[:30], [52.5] * 30, speed=12.0)
    lift = VerticalMove("ESCALATOR", 5.0, 25.0, "up", 6.0, 2, 0.8)
    assert on_foot_moves([lift], drive) == []
    assert on_foot_moves([lift], _fixes(t, [52.5] * 60, speed=0.3)) == [lift]
    assert on_foot_moves([lift], _fixes([], [])) == [lift]  # no GPS: nothing to go on


def test_gps_jump_check_grants_the_fixes_their_accuracy() -> None:
    metre = METRE
    walking = _fixes([0, 1, 2, 3], [52.5 + k * 1.5 * metre for k in range(4)])
    assert integrity.jumps(walking).strength == 0.0
    # 60 m in one second is fine with 40 m accuracy on both fixes, not with 5 m
    assert integrity.jumps(_fixes([0, 1], [52.5, 52.5 + 60 * metre], acc=40.0)).strength == 0
    teleport = integrity.jumps(_fixes([0, 1], [52.5, 52.5 + 2000 * metre]))
    assert teleport.strength > 0 and teleport.figures["maxJumpM"] == pytest.approx(2000, rel=0.01)


@pytest.mark.parametrize(
    ("ended_at", "end_reason", "duration"),
    [(1_790_000_090.0, "stopped", 90.0), (None, "stopped", 0.0), (1_790_007_200.0, "timeout", 0.0)],
)
def test_a_session_without_samples_lasts_its_server_span(
    ended_at: float | None, end_reason: EndReason, duration: float
) -> None:
    """No sample is not a sample at t = 0 (that made ~56 years of duration)."""
    ctx = SessionContext(started_at=1_790_000_000.0, ended_at=ended_at, end_reason=end_reason)
    doc = compute_insights(Telemetry.empty(0), ctx)
    assert doc["summary"]["totalDurationSec"] == duration
    assert doc["dataQuality"]["durationSec"] == duration
    assert "INSUFFICIENT_DATA" in doc["reasonCodes"]
    assert all(0.0 <= g["tStart"] <= duration for g in doc["dataQuality"]["gaps"])


def test_elevation_profile_climbs_with_the_lift() -> None:
    doc = insights("elevator_floor4")
    lift = next(e for e in doc["events"] if e["type"] == "ELEVATOR")

    def height_at(t: float) -> float:
        return min(doc["elevation"], key=lambda p: abs(p[0] - t))[1]

    climbed = height_at(lift["tEnd"]) - height_at(lift["tStart"])
    sign = 1 if lift["metadata"]["direction"] == "up" else -1
    assert sign * climbed > 2.5 * lift["metadata"]["floors"]
