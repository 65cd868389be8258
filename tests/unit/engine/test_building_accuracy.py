"""Building memory's figures on the real recordings in ../shared/data (skipped when absent).

Each floor sits a little below what `make accuracy` measures (docs/engine-sensing.md,
"Building memory") so a regression fails the build.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from doorproof.accuracy import building_hall, elevator_floors, targets

DATA = Path(__file__).resolve().parents[3] / ".." / "shared" / "data"


def _report(folder: str, evaluate: Any) -> dict[str, Any]:
    if not (DATA / folder).is_dir():
        pytest.skip(f"real recordings not found at {DATA.resolve()}/{folder}")
    report: dict[str, Any] = evaluate(DATA / folder)
    return report


@pytest.fixture(scope="module")
def elevators() -> dict[str, Any]:
    return _report("elevators", elevator_floors.evaluate)


@pytest.fixture(scope="module")
def hall() -> dict[str, Any]:
    return _report("building", building_hall.evaluate)


def test_elevator_floors_exact_once_the_building_was_seen_three_times(elevators):
    seen3 = elevators["protocol"]["3"]
    assert seen3["floorsExact"] >= 99.0  # measured 99.9
    assert seen3["floorsExactMin"] >= 95.0  # the worst of 21 orders: 98.7
    assert seen3["baseline"] <= 50.0  # 3.0 m a storey: 47.2
    assert seen3["oneWrongClaim"] >= 90.0  # one of the three claims a floor too high: 93.0
    assert elevators["protocol"]["5"]["oneWrongClaim"] >= 95.0  # one of five: 96.7


def test_elevator_floor_confidences_mean_what_they_say(elevators):
    """Counts at 0.9 or more are right at least 9 times in 10, with or without learning;
    without it, every count under 0.5 was wrong (3.9-m storeys: the default cannot know)."""
    for k in ("0", "3"):
        top = elevators["calibration"][k][-1]
        assert top["n"] > 0 and top["right"] >= 90.0
    assert elevators["calibration"]["0"][0]["right"] <= 10.0
    every = elevators["allRides"]  # heights against their floor's learned level, in sd
    assert every["heightsWithin1Sd"] >= 65.0 and every["heightsWithin2Sd"] >= 95.0  # 74, 100


def test_hall_storeys_found_without_labels(hall):
    s = hall["storeys"]
    assert 3.3 <= s["storeyHeightM"] <= 3.5  # 3.40
    assert 5.3 <= s["lobbyHeightM"] <= 5.9  # 5.50: the hall's entrance storey is taller
    assert s["storeyConfidence"] >= 0.9
    assert hall["leaveOneOutWithin2Sd"] >= 90.0  # 95.5


def test_hall_floors_and_wrong_claims_after_two_walks_with_floors(hall):
    two = hall["afterClaimed"]["2"]
    assert two["floorsAgree"] >= 90.0  # 95.1
    assert two["wrongClaimCaught"] >= 90.0  # 94.9
    assert two["rightClaimAccepted"] >= 97.0  # 100
    assert two["baseline"] <= 10.0  # 3.0 m reads the 5.7-m lobby as two floors
    assert hall["after"]["20"]["floorsAgree"] >= 95.0  # unlabelled clusters, 20 walks: 100


def test_the_targets_block_reads_these_sets(elevators, hall):
    """``make accuracy``'s closing targets for building memory: all three met here."""
    checked = targets.check({"elevator-floors": elevators, "building": hall})
    ran = [c for c in checked if c["figure"] is not None]
    assert [(c["set"], c["met"]) for c in ran] == [
        ("elevator-floors", True),
        ("building", True),
        ("building", True),
    ]
