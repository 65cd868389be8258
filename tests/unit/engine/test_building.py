"""Building memory in the engine: identity, floor numbering, the storey model it learns and
how a session's floors are counted and judged with it."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from doorproof.scenarios import build
from functions.engine.address import building_id, ground_floor
from functions.engine.building import (
    Observation,
    Profile,
    Storeys,
    learn,
    level_sd,
    profile_of,
)
from functions.engine.insights import SessionContext, compute
from functions.engine.telemetry import Telemetry, from_samples
from functions.engine.vertical import height_sd


def test_one_building_whatever_the_unit_and_spelling() -> None:
    a = building_id({"line1": "12 Main St", "line2": "Apt 4B", "postalCode": "10001"})
    b = building_id({"line1": "12 Main Street", "line2": "Floor 7", "postalCode": "10001"})
    c = building_id({"line1": "12 main street, apt 2", "postalCode": "10001"})
    assert a == b == c and a is not None and a.startswith("bld_")
    assert building_id({"line1": "14 Main Street", "postalCode": "10001"}) != a
    assert building_id({"line1": "12 Main Street", "postalCode": "10002"}) != a


def test_without_text_the_coordinates_cell_names_the_building() -> None:
    here = building_id({"lat": 52.52001, "lng": 13.40501})
    assert here == building_id({"lat": 52.52004, "lng": 13.40504})
    assert here != building_id({"lat": 52.53, "lng": 13.40501})
    assert building_id({}) is None and building_id(None) is None
    assert building_id({"lat": 0, "lng": 0}) is None


@pytest.mark.parametrize(
    ("country", "ground"), [("US", 1), ("kr", 1), ("RU", 1), ("DE", 0), ("GB", 0), (None, None)]
)
def test_ground_floor_by_country(country: str | None, ground: int | None) -> None:
    assert ground_floor(country) == ground


def _claimed(i: int, height: float, floor: int, ground: int = 1) -> Observation:
    return Observation(
        f"s{i}", float(i), (height,), door_height_m=height, claimed_floor=floor, ground_floor=ground
    )


def test_storey_height_learned_from_address_floors() -> None:
    storeys = profile_of([_claimed(0, 3.9, 2), _claimed(1, 7.7, 3), _claimed(2, 11.8, 4)]).storeys
    assert storeys.storey_m == pytest.approx(3.9, abs=0.1)
    assert storeys.source == "address" and storeys.sessions_seen == 3
    assert storeys.storey_confidence > 0.7  # three sessions: 0.78
    assert storeys.level_of(7.8) == 2 and Storeys().level_of(7.8) == 3


def test_a_wrong_claim_does_not_move_the_storey_height() -> None:
    right = [_claimed(i, h, f) for i, (h, f) in enumerate([(3.9, 2), (7.7, 3), (11.8, 4)])]
    wrong = _claimed(9, 7.8, 5)  # says floor 5, the pressure says two floors up
    assert profile_of([*right, wrong]).storeys.storey_m == pytest.approx(3.9, abs=0.1)


def test_a_taller_lobby_and_storeys_from_unlabelled_heights() -> None:
    heights = [5.6, 9.0, 12.4, 15.8, 19.2, 5.7, 12.5, 8.9, 22.7]
    storeys = profile_of(
        [Observation(f"w{i}", float(i), (h,)) for i, h in enumerate(heights)]
    ).storeys
    assert storeys.source == "learned"
    assert storeys.storey_m == pytest.approx(3.4, abs=0.1)
    assert storeys.lobby_m == pytest.approx(5.6, abs=0.2)
    assert [storeys.level_of(h) for h in (5.6, 9.0, 22.7)] == [1, 2, 6]


def test_an_entrance_above_the_ground_floor_is_learned() -> None:
    """A hillside building entered on floor 4 (US numbering): claims of floors 6 and 8 sit
    two and four storeys above the entrance."""
    seen = [
        _claimed(i, h, f) for i, (h, f) in enumerate([(6.0, 6), (12.1, 8), (6.1, 6), (11.9, 8)])
    ]
    storeys = profile_of(seen).storeys
    assert storeys.entrance_offset == 3 and storeys.storey_m == pytest.approx(3.0, abs=0.1)


def test_learning_once_per_session_and_never_from_itself() -> None:
    profile = learn(learn(Profile(), _claimed(0, 3.9, 2)), _claimed(1, 7.8, 3))
    again = learn(profile, _claimed(1, 7.8, 3))  # reprocessed or redelivered
    assert again.sessions_seen == 2 == profile.sessions_seen
    assert profile.without("s1").sessions_seen == 1
    assert profile.without("nobody") is profile
    assert Profile.from_json(profile.to_json()) == profile


def test_gate_positions_cluster_into_entrances() -> None:
    front = [(52.52 + i * 1e-5, 13.405) for i in range(4)]
    back = [(52.5215, 13.4065)]
    profile = profile_of(
        [Observation(f"s{i}", float(i), gate=g) for i, g in enumerate(front + back)]
    )
    assert [e.sessions for e in profile.entrances] == [4, 1]
    assert profile.entrances[0].lat == pytest.approx(52.520015, abs=1e-5)


def test_a_way_out_is_the_same_door_and_a_session_counts_once() -> None:
    door = (52.52, 13.405)
    near = (52.52009, 13.405)  # 10 m on: the first sky fix after walking out
    one = profile_of([Observation("s0", 0.0, gate=door, exit=near)])
    assert [e.sessions for e in one.entrances] == [1] and not one.entrances[0].sure
    two = learn(one, Observation("s1", 1.0, exit=door))
    assert [e.sessions for e in two.entrances] == [2] and two.entrances[0].sure
    assert Profile.from_json(two.to_json()) == two


def test_floor_confidences_are_probabilities() -> None:
    storeys = Storeys()
    total = sum(storeys.level_confidence(7.6, level) for level in range(-1, 6))
    assert total == pytest.approx(1.0, abs=0.01)
    assert storeys.level_confidence(3.0, 1) > 0.6 > storeys.level_confidence(12.2, 4)


def taller(samples: list[dict[str, Any]], factor: float) -> list[dict[str, Any]]:
    """The same trip in a building whose storeys are ``factor`` times as tall: every height
    scaled (the pressure's departure from the first reading times ``factor``)."""
    p0 = next(s["barometer"]["pressureHpa"] for s in samples if "barometer" in s)
    out = []
    for sample in samples:
        if "barometer" in sample:
            pressure = p0 + (sample["barometer"]["pressureHpa"] - p0) * factor
            out.append({**sample, "barometer": {**sample["barometer"], "pressureHpa": pressure}})
        else:
            out.append(sample)
    return out


@cache
def _elevator_floor4() -> tuple[dict[str, object], Telemetry]:
    sc = build("elevator_floor4")  # four storeys of 3.2 m, "4th floor", DE (ground floor 0)
    return sc.start_request, from_samples(sc.samples)


def test_a_learned_storey_height_counts_the_floors() -> None:
    start, tel = _elevator_floor4()
    ctx = SessionContext.from_start_request(start, session_id="ses_x")
    plain = compute(tel, ctx)
    assert plain.document["summary"]["floorsClimbed"] == 4
    assert plain.document["building"]["source"] == "default"
    tall = Storeys(
        storey_m=4.3, lobby_m=4.3, source="address", sessions_seen=3, storey_confidence=0.95
    )
    taller = compute(tel, ctx, tall).document
    assert taller["summary"]["floorsClimbed"] == 3
    used = taller["building"]
    assert (used["storeyHeightM"], used["source"], used["sessionsSeen"]) == (4.3, "address", 3)


def test_the_measured_floor_is_compared_with_the_claim() -> None:
    """With 4.3-m storeys the door is on the 3rd floor: "4th floor" is another floor."""
    start, tel = _elevator_floor4()
    ctx = SessionContext.from_start_request(start, session_id="ses_x")
    tall = Storeys(
        storey_m=4.3, lobby_m=4.3, source="address", sessions_seen=3, modes=((4.3, 4.3, 1.0),)
    )
    doc = compute(tel, ctx, tall).document
    assert doc["summary"]["rightDoorstep"] is False
    assert "POSSIBLE_WRONG_ADDRESS" in doc["reasonCodes"]
    assert doc["evidence"]["POSSIBLE_WRONG_ADDRESS"]["otherFloor"] is True
    assert doc["building"]["doorFloor"] == 3 and doc["building"]["claimedFloor"] == 4
    right = compute(tel, ctx).document
    assert right["summary"]["rightDoorstep"] is True
    assert "POSSIBLE_WRONG_ADDRESS" not in right["reasonCodes"]


def test_the_observation_carries_what_the_building_learns() -> None:
    start, tel = _elevator_floor4()
    result = compute(tel, SessionContext.from_start_request(start, session_id="ses_x"))
    obs = result.observation
    assert obs is not None and obs.session_id == "ses_x"
    assert obs.claimed_floor == 4 and obs.ground_floor == 0
    assert obs.door_height_m == pytest.approx(12.8, abs=0.8)
    assert obs.gate is not None
    assert compute(tel, SessionContext()).observation is None  # no address, no building


def test_height_sd_has_one_meaning() -> None:
    """A move's ``heightSdM`` in the case file is its ``VerticalMove.height_sd_m`` (one sd of
    its measured height, ``vertical.height_sd``), not the building fit's wider tolerance
    (``building.level_sd``)."""
    sc = build("elevator_floor4", seed=0)
    doc = compute(from_samples(sc.samples), sc.context()).document
    lifts = [e for e in doc["events"] if e["type"] == "ELEVATOR"]
    assert len(lifts) == 2
    for e in lifts:
        height = e["metadata"]["heightM"]
        assert e["metadata"]["heightSdM"] == pytest.approx(height_sd(height), abs=0.011)
        assert e["metadata"]["heightSdM"] < float(level_sd(height))
