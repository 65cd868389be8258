"""Walking into and out of buildings (``functions.engine.entry``): the rules on small
synthetic sessions, and the figures on the real walks of ../shared/data/entry and the
simulator pinned so that they cannot silently drop (docs/engine.md, "Entry")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from doorproof.accuracy.entry import (
    evaluate_learning,
    evaluate_simulator,
    evaluate_walks,
    flags,
    match,
)
from doorproof.scenarios import build
from functions.engine.building import Entrance
from functions.engine.entry import CONFIDENCE, passages
from functions.engine.gps import fixes
from functions.engine.insights import SessionContext, compute, compute_insights
from functions.engine.signal import relative_height
from functions.engine.telemetry import Telemetry, from_samples

DATA = Path(__file__).resolve().parents[3] / ".." / "shared" / "data"
T0 = 1_790_000_000.0
NO_WALKING = np.zeros(0)
ENTRIES_FLOOR_PCT = 90.0
"""Issue 9's target: entries within 20 s of the truth."""
ENTRIES_FOUND_PCT = 100.0
"""What entry/ measures: 12 of 12 (11 from the sky's loss, the glass lobby from its lift ride)."""
JUDGED_WALKS = 24
"""entry/ walks given reason codes other than INSUFFICIENT_DATA (engine 2026.12.5; before: 0)."""
FLOORS_INSIDE_PCT = 94.1
"""entry/: floorsClimbed equals the floors the flags put indoors in 32 of 34 walks (was 29:
streets climbed outdoors counted as floors)."""
GATE_RIGHT_PCT = 97.1
"""entry/: 33 of 34 GATEs right (the miss: a walk that began inside and flickered at its exit)."""


def walk(
    accuracy: list[float],
    speed: list[float] | None = None,
    height: list[float] | None = None,
    *,
    moving_fix: bool = True,
) -> Telemetry:
    """One sample a second: a fix of that accuracy (a new position each second while
    ``moving_fix``), that speed (-1 unknown), and pressure for that height."""
    samples: list[dict[str, Any]] = []
    for i, acc in enumerate(accuracy):
        step = i if moving_fix else 0
        sample: dict[str, Any] = {
            "ts": T0 + i,
            "position": {
                "lat": 52.5 + step * 1e-5,
                "lng": 13.4,
                "accuracyM": acc,
                "speedMps": 1.2 if speed is None else speed[i],
            },
        }
        if height is not None:
            sample["barometer"] = {"pressureHpa": 1013.25 - 0.12 * height[i]}
        samples.append(sample)
    return from_samples(samples)


def found(tel: Telemetry) -> list[tuple[str, float, bool]]:
    f = fixes(tel)
    got = passages(f, relative_height(tel), NO_WALKING, float(tel.t[-1]))
    return [(p.direction, round(p.t - T0, 1), p.strong) for p in got.items]


def test_the_fix_in_force_and_its_own_distance() -> None:
    f = fixes(walk([10.0] * 5))  # a fix a second, 1e-5° (1.11 m) further north each
    assert [f.fix_at(T0 + s) for s in (-3.0, 0.0, 2.5, 99.0)] == [0, 0, 2, 4]
    assert f.distance_from(2, 52.5, 13.4) == pytest.approx(2.224, abs=0.01)
    assert f.distance_from(2, 52.5, 13.4) == f.distance_to(52.5, 13.4)[2]
    unknown = fixes(walk([10.0, float("nan"), 30.0]))
    assert [unknown.acc_at(i) for i in range(3)] == unknown.acc().tolist() == [10.0, 20.0, 30.0]


def test_the_door_is_where_the_accuracy_starts_to_climb() -> None:
    """iPhone dead-reckoning: 30, 50, 100, 200 m after the door; the first sign is the jump."""
    tel = walk([10.0] * 20 + [30.0, 30.0, 50.0, 50.0, 100.0] + [200.0] * 20)
    assert found(tel) == [("in", 19.0, True)]


def test_a_street_canyon_is_no_building() -> None:
    """entry/: ≤ 9 s of 42-52 m on a street, then good fixes again."""
    tel = walk([25.0] * 20 + [42.0, 43.0, 51.0, 52.0, 50.0, 45.0, 52.0] + [25.0] * 20)
    assert found(tel) == []


def test_wifi_fixes_without_speed_are_indoors_however_accurate() -> None:
    speed = [1.3] * 20 + [-1.0] * 30 + [1.3] * 20
    tel = walk([8.0] * 20 + [20.0] * 30 + [8.0] * 20, speed)
    assert found(tel) == [("in", 19.0, True), ("out", 50.0, True)]


def test_silence_is_a_loss_only_for_a_moving_phone() -> None:
    """A still phone is sent no new fix (entry/: one fix held 24 s outdoors)."""
    held = [10.0] * 40
    still = walk(held, [0.0] * 40, moving_fix=False)
    assert found(still) == []
    moving = walk(held, [1.3] * 40, moving_fix=False)
    assert found(moving) == [("in", 0.0, True)]


def test_a_session_that_begins_lost_began_inside_but_a_cold_start_did_not() -> None:
    inside = walk([1414.0] * 15 + [10.0] * 20, [-1.0] * 15 + [1.2] * 20)
    f = fixes(inside)
    got = passages(f, relative_height(inside), NO_WALKING, float(inside.t[-1]))
    assert got.began_inside and [(p.direction, p.t - T0) for p in got.items] == [("out", 15.0)]
    cold = walk([1414.0] * 2 + [10.0] * 30, [-1.0] * 2 + [1.2] * 30)
    assert not passages(fixes(cold), relative_height(cold), NO_WALKING, T0 + 31).began_inside


def test_a_sky_fix_through_a_window_upstairs_is_no_exit() -> None:
    """entry/: a lift ride 45 m up, then fixes at 25-54 m by a window."""
    n_in, n_up = 30, 30
    accuracy = [10.0] * 20 + [200.0] * n_in + [25.0] * n_up
    speed = [1.2] * 20 + [-1.0] * n_in + [1.0] * n_up
    height = [0.0] * 20 + list(np.linspace(0.0, 45.0, n_in)) + [45.0] * n_up
    assert found(walk(accuracy, speed, height)) == [("in", 19.0, True)]
    ground = [0.0] * 20 + [0.0] * n_in + [0.0] * n_up
    assert [d for d, _, _ in found(walk(accuracy, speed, ground))] == ["in", "out"]


def test_a_weak_loss_states_a_low_confidence() -> None:
    """50-99 m while the phone keeps reporting a speed: a street can do that."""
    tel = walk([25.0] * 20 + [55.0, 68.0, 70.0, 60.0, 55.0, 50.0, 50.0, 50.0, 50.0, 50.0])
    assert found(tel) == [("in", 19.0, False)]
    assert CONFIDENCE[("in", False)] < 0.5 < CONFIDENCE[("in", True)]


def test_gps_and_barometer_only_sessions_get_their_gate_and_exits() -> None:
    """1 Hz, no IMU (entry/'s recordings): the case file still names the doors."""
    accuracy = [10.0] * 30 + [30.0, 50.0, 100.0] + [200.0] * 30 + [10.0] * 20
    speed = [1.2] * 33 + [-1.0] * 30 + [1.2] * 20
    doc = compute_insights(walk(accuracy, speed), SessionContext())
    gates = [
        (e["metadata"]["direction"], e["tStart"]) for e in doc["events"] if e["type"] == "GATE"
    ]
    assert gates == [("in", 29.0), ("out", 63.0)]


def _two_entries() -> Telemetry:
    """Walking north at ~1.1 m/s: GPS lost at t=29 (a shop on the way, 15 s), back under the
    sky, lost again at t=67 (the delivery's building), 42 m further on."""
    accuracy = [10.0] * 30 + [30.0, 50.0, 100.0] + [200.0] * 15 + [10.0] * 20
    accuracy += [30.0, 50.0, 100.0] + [200.0] * 20
    speed = [-1.0 if a >= 100.0 else 1.2 for a in accuracy]
    return walk(accuracy, speed)


def _gates(doc: dict[str, Any]) -> list[tuple[float, Any]]:
    return [
        (e["tStart"], e["metadata"].get("entrance"))
        for e in doc["events"]
        if e["type"] == "GATE" and e["metadata"]["direction"] == "in"
    ]


def test_the_gate_is_the_entry_at_the_learned_entrance() -> None:
    """A sure learned entrance (2 sessions, tight) picks the entry made there over an earlier
    one elsewhere; a lone fix (1 session) is no prior, and an entrance elsewhere is flagged."""
    tel, ctx = _two_entries(), SessionContext()
    door = (52.5 + 67e-5, 13.4)
    assert _gates(compute(tel, ctx).document)[0] == (29.0, None)
    learned = compute(tel, ctx, entrances=(Entrance(*door, sessions=2, spread_m=4.0),)).document
    gate, check = _gates(learned)[0]
    assert gate == 67.0 and check["agrees"] and check["distanceM"] < 2.0 and check["sessions"] == 2
    lone = compute(tel, ctx, entrances=(Entrance(*door, sessions=1, spread_m=0.0),)).document
    assert _gates(lone)[0] == (29.0, None)
    away = (Entrance(52.51, 13.4, sessions=5, spread_m=6.0),)
    gate, check = _gates(compute(tel, ctx, entrances=away).document)[0]
    assert gate == 29.0 and not check["agrees"] and check["distanceM"] > 900.0


def _lift_in_a_glass_lobby(accuracy: float) -> Telemetry:
    """entry/ 2016-12-07T190346: 25-m fixes with a speed all along, a walk, a slowing at the
    door, then a 2.8-m rise at 0.55 m/s (a lift) while the fixes stay as they were."""
    n_walk, n_door, n_lift, n_after = 40, 6, 5, 20
    speed = [1.2] * n_walk + [0.2] * (n_door + n_lift + n_after)
    height = (
        [0.0] * (n_walk + n_door)
        + [0.55 * (i + 1) for i in range(n_lift)]
        + [0.55 * n_lift] * n_after
    )
    return walk([accuracy] * len(speed), speed, height)


def test_a_lift_ride_under_sky_level_fixes_is_the_entry() -> None:
    """No street is climbed at a lift's speed: the ride is the first sign GPS never gave."""
    doc = compute_insights(_lift_in_a_glass_lobby(25.0), SessionContext())
    gates = [(e["tStart"], e["metadata"]["basis"]) for e in doc["events"] if e["type"] == "GATE"]
    lift = next(e for e in doc["events"] if e["type"] == "ELEVATOR")
    assert gates == [(lift["tStart"], "vertical-move")]
    assert 40.0 <= lift["tStart"] <= 47.0


def test_a_lift_ride_before_the_loss_of_the_sky_is_the_earlier_sign() -> None:
    """GPS lost only upstairs (after the ride): the GATE is the ride's start, not the loss."""
    samples = [
        {
            "ts": T0 + i,
            "position": {"lat": 52.5 + i * 1e-5, "lng": 13.4, "accuracyM": acc, "speedMps": v},
            "barometer": {"pressureHpa": 1013.25 - 0.12 * h},
        }
        for i, (acc, v, h) in enumerate(
            zip(
                [25.0] * 60 + [200.0] * 20,
                [1.2] * 40 + [0.2] * 20 + [-1.0] * 20,
                [0.0] * 46 + [0.55 * (i + 1) for i in range(5)] + [2.75] * 29,
                strict=True,
            )
        )
    ]
    doc = compute_insights(from_samples(samples), SessionContext())
    gate = next(e for e in doc["events"] if e["type"] == "GATE")
    lift = next(e for e in doc["events"] if e["type"] == "ELEVATOR")
    assert (gate["tStart"], gate["metadata"]["basis"]) == (lift["tStart"], "vertical-move")


def test_a_handover_under_the_sky_enters_no_building() -> None:
    """The simulator's curbside hand-off: the door stop keeps 6-11 m fixes, so there is a door
    stop and a full attempt but no GATE (it used to report one at the stop's start)."""
    sc = build("curbside_handoff", seed=0)
    doc = compute_insights(from_samples(sc.samples), sc.context())
    assert "GATE" not in {e["type"] for e in doc["events"]}
    assert "FULL_ATTEMPT" in doc["reasonCodes"]
    assert doc["classification"]["category"] == "curbside_handoff"


def test_a_street_climbed_outdoors_is_no_floor() -> None:
    """Up a 4.5-m slope (a 12 % grade) under the sky at a walking pace, in through the door
    (the sky lost), up two storeys of stairs: floorsClimbed counts the stairs only."""
    n_street, n_flat, n_stairs, n_after = 30, 20, 30, 20
    accuracy = [10.0] * (n_street + n_flat) + [200.0] * (n_stairs + n_after)
    speed = [1.2] * (n_street + n_flat) + [-1.0] * (n_stairs + n_after)
    height = (
        [0.15 * i for i in range(n_street)]
        + [4.5] * n_flat
        + [4.5 + 0.2 * i for i in range(n_stairs)]
        + [10.5] * n_after
    )
    doc = compute_insights(walk(accuracy, speed, height), SessionContext())
    ups = [e for e in doc["events"] if e["type"] == "STAIRS" and e["tStart"] < n_street]
    assert ups and ups[0]["metadata"]["floors"] >= 1  # the street is seen as a move
    assert doc["summary"]["floorsClimbed"] == 2


def test_flags_and_matching() -> None:
    assert flags("out@0 in@34 out@63") == [("in", 34.0), ("out", 63.0)]
    errors, used = match([("in", 34.0)], [("out", 35.0, 0.9), ("in", 60.0, 0.9), ("in", 40.0, 0.9)])
    assert errors == [6.0] and used == [False, False, True]


@pytest.fixture(scope="module")
def walks() -> dict[str, Any]:
    if not (DATA / "entry" / "labels.csv").is_file():
        pytest.skip(f"real recordings not found at {DATA.resolve()}/entry")
    return evaluate_walks(DATA / "entry")


def test_entries_on_real_walks_are_found_within_twenty_seconds(walks: dict[str, Any]) -> None:
    engine, base = walks["summary"]["engine"], walks["summary"]["baseline"]
    assert engine["entries"] == 12 and engine["exits"] == 11
    assert engine["entries_found"] >= ENTRIES_FOUND_PCT
    assert engine["exits_found"] >= ENTRIES_FLOOR_PCT
    assert engine["gate_ok"] >= GATE_RIGHT_PCT
    # beside the baseline: as many found, found sooner, far fewer doors that were not there
    assert engine["entries_found"] >= base["entries_found"]
    assert engine["median_entry_error_s"] < base["median_entry_error_s"]
    assert engine["false_doors"] <= 2 < base["false_doors"]
    # GPS + barometer without an IMU is judged: 24 of 34 (the rest saw nothing to judge)
    assert walks["summary"]["judged"] >= JUDGED_WALKS
    # floorsClimbed counts the moves made indoors: 32 of 34 walks agree with the flags (the
    # two others: a lift 5 s before its entry flag, a move across a late exit flag)
    assert walks["summary"]["floors_inside"] >= FLOORS_INSIDE_PCT


def test_stated_confidence_is_the_share_found(walks: dict[str, Any]) -> None:
    """A 0.95 door is right ~19 times in 20: every bin with 10 or more doors is within 10
    points of its stated confidence."""
    for part in (walks["summary"]["engine"],):
        for row in part["reliability"]:
            if row["n"] >= 10:
                assert abs(row["found"] / 100.0 - row["stated"]) <= 0.1, row


@pytest.fixture(scope="module")
def simulator() -> dict[str, Any]:
    """Seed 0 of every scenario, once for the module (~12 s)."""
    return evaluate_simulator((0,))


def test_simulated_doors_and_door_stops(simulator: dict[str, Any]) -> None:
    """Seed 0 of every scenario, with realistic indoor fixes (Wi-Fi, 10-65 m, no speed)."""
    report = simulator
    engine = report["simulator"]["summary"]["engine"]
    assert engine["entries_found"] >= ENTRIES_FLOOR_PCT
    assert engine["exits_found"] >= ENTRIES_FLOOR_PCT
    assert engine["entries_found"] > report["simulator"]["summary"]["baseline"]["entries_found"]
    # seed 0: only the two spoofers whose GPS is the lie have a wrong GATE (curbside: none)
    gates = {r["file"]: r["engine"]["gate_ok"] for r in report["simulator"]["records"]}
    assert [name for name, ok in gates.items() if not ok] == [
        "spoofed_gps_frozen/0",
        "spoofed_gps_moving_still/0",
    ]
    door = report["door_stop"]["summary"]
    assert door["found"] == 100.0 and door["false"] == 0


def test_learned_entrances_on_real_walks() -> None:
    """entry/ in file order, each walk's building learning from those before it: one GATE
    (2016-11-30T095340) meets a sure entrance (two earlier walks through the same door) and
    agrees, 3.5 m from it; every figure stays what it was without learning. The 2 false doors
    (2016-12-02T164135, a street canyon after the exit) stay: no other walk was in that
    building, so nothing was learned there."""
    if not (DATA / "entry" / "labels.csv").is_file():
        pytest.skip(f"real recordings not found at {DATA.resolve()}/entry")
    s = evaluate_learning(DATA / "entry")["summary"]
    assert s["checked"] >= 1 and s["agrees"] == s["checked"] and s["agrees_ok"] == 100.0
    assert s["engine"]["entries_found"] >= ENTRIES_FOUND_PCT
    assert s["engine"]["gate_ok"] >= GATE_RIGHT_PCT
    assert s["engine"]["false_doors"] <= 2


def test_learned_entrances_on_the_simulator(simulator: dict[str, Any]) -> None:
    """Every scenario (seed 0) delivers to one address: after the first GATEs its entrance is
    sure, the real entries agree with it and are right, and the walk into a building 300 m
    away is flagged (the two GPS spoofers' GATEs too)."""
    s = simulator["simulator_learning"]["summary"]
    assert s["agrees"] >= 12 and s["agrees_ok"] == 100.0
    assert "wrong_building/0" in s["differs_sessions"]
    assert s["engine"]["entries_found"] >= ENTRIES_FLOOR_PCT


def test_door_stops_on_real_walks_lie_inside(walks: dict[str, Any]) -> None:
    """No real recording marks a handover; a door stop is at least inside. Measured: 7 of the
    9 door stops lie inside the recorder's indoor flags (the 2 others after the walk came out)."""
    rows = walks["summary"]["door_stops_inside"]
    stops = sum(r["n"] for r in rows)
    inside = sum(round(r["n"] * r["found"] / 100.0) for r in rows)
    assert stops >= 9
    assert inside >= 7
