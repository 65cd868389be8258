"""Accuracy floors on the real recordings in ../shared/data (skipped when absent).

Every figure ``make accuracy`` prints for the engine is pinned here at what it measures today
(docs/engine-sensing.md), so none can drop silently: the engine is deterministic, so a lower
figure is a changed verdict somewhere, to be explained (and the pin moved) or fixed. Each
figure must also beat the simple baseline of the same run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from doorproof.accuracy import elevators as elevators_set
from doorproof.accuracy import mode_confidence, targets
from doorproof.accuracy import sequences as sequences_set
from doorproof.accuracy import steps as steps_set
from doorproof.accuracy import vertical as vertical_set
from functions.engine.types import VerticalMove
from functions.engine.vertical import MODE_CALIBRATION

DATA = Path(__file__).resolve().parents[3] / ".." / "shared" / "data"
VERTICAL_PINNED_PCT = {"overall": 95.8, vertical_set.CORRECTED: 99.6}
"""vertical/: mode and direction both right per recording, against the recorder's labels
(10 of which the sensors contradict) and against the labels corrected by the sensors (the one
ambiguous recording counted against the engine)."""
ELEVATORS_PINNED_PCT = {"android": 100.0, "ios": 100.0}
"""elevators/: ELEVATOR in the ride's direction, as recorded and as an iPhone without gravity."""
SEQUENCES_PINNED = {"ios": (30, 100.0), "android": (30, 100.0), "pressure-1hz": (20, 81.0)}
"""sequences: (sequences with every move right of 30, % of moves right), per convention."""
STEP_ERROR_CEILING_PCT = 3.0
"""Brajdic & Harle (2013): good step counters stay under 3% total error."""


@pytest.fixture(scope="module")
def vertical() -> dict[str, Any]:
    if not (DATA / "vertical" / "labels.csv").is_file():
        pytest.skip(f"real recordings not found at {DATA.resolve()}/vertical")
    return vertical_set.evaluate(DATA / "vertical")


def _data(*folders: str) -> Path:
    for folder in folders:
        if not (DATA / folder).is_dir():
            pytest.skip(f"real recordings not found at {DATA.resolve()}/{folder}")
    return DATA


@pytest.mark.parametrize("row", list(VERTICAL_PINNED_PCT))
@pytest.mark.parametrize("convention", vertical_set.CONVENTIONS)
def test_vertical_mode_and_direction_at_pin(vertical, row, convention):
    figures = vertical["summary"][row]
    assert figures[f"{convention}.engine"]["both"] >= VERTICAL_PINNED_PCT[row]
    assert figures[f"{convention}.engine"]["both"] > figures[f"{convention}.baseline"]["both"]


@pytest.fixture(scope="module")
def elevators() -> dict[str, Any]:
    return elevators_set.evaluate(_data("elevators") / "elevators")


@pytest.mark.parametrize("convention", list(ELEVATORS_PINNED_PCT))
def test_elevator_rides_mode_and_direction_at_pin(elevators, convention):
    overall = elevators["summary"]["overall"]
    assert overall[f"{convention}.engine"]["both"] >= ELEVATORS_PINNED_PCT[convention]
    assert overall[f"{convention}.engine"]["both"] > overall[f"{convention}.baseline"]["both"]


@pytest.mark.parametrize("convention", list(ELEVATORS_PINNED_PCT))
def test_height_sd_means_one_standard_deviation_on_real_rides(elevators, convention):
    """68.3% and 95.4% for a normal error; measured 69.2% and 92.9%."""
    cover = elevators["summary"]["height_sd"][convention]
    assert 60.0 <= cover["within_1sd"] <= 78.0
    assert cover["within_2sd"] >= 90.0


@pytest.fixture(scope="module")
def sequences() -> dict[str, Any]:
    return sequences_set.evaluate(_data("vertical", "elevators"))


@pytest.mark.parametrize("convention", list(SEQUENCES_PINNED))
def test_continuous_sequences_at_pin(sequences, convention):
    engine = sequences["summary"][f"{convention}.engine"]
    baseline = sequences["summary"][f"{convention}.baseline"]
    right, moves = SEQUENCES_PINNED[convention]
    assert engine["sequences_right"] >= right
    assert engine["moves"] >= moves
    assert engine["sequences_right"] > baseline["sequences_right"]
    assert engine["walks_without_move"] == 100.0


def test_ios_convention_gives_the_same_answer_for_every_recording(vertical):
    """Same steps, same moves (heights and confidences included), same verdicts."""
    differ = [r["file"] for r in vertical["records"] if r["android"] != r["ios"]]
    assert differ == []


def test_step_count_error_below_ceiling():
    if not (DATA / "steps").is_dir():
        pytest.skip(f"real recordings not found at {DATA.resolve()}/steps")
    report = steps_set.evaluate(DATA / "steps")
    assert report["summary"]["engine_abs_error_pct"] < STEP_ERROR_CEILING_PCT
    walking = report["summary"]
    assert walking["engine_walking_s"] == pytest.approx(walking["truth_walking_s"], rel=0.05)


def test_oxford_csv_reads_as_accel_only_telemetry_with_truth_steps(tmp_path):
    rows = [
        "1000000000,0.1,0.2,9.8,0,0,0",
        "1010000000,0.1,0.3,9.9,0,1,0",
        "1020000000,0.2,0.2,9.7,1,1,0",
        "1030000000,0.1,0.1,9.8,1,2,0",
    ]
    path = tmp_path / "walk.csv"
    path.write_text("\n".join(rows) + "\n")
    tel, truth = steps_set.load_oxford(path)
    assert len(tel) == 4
    assert tel.accel[1].tolist() == [0.1, 0.3, 9.9]
    assert np.isnan(tel.gravity).all() and np.isnan(tel.pressure_hpa).all()
    assert truth.tolist() == pytest.approx([1.01, 1.03])


def test_walking_time_leaves_out_pauses():
    assert steps_set.walking_time(np.array([0.0, 0.5, 1.0, 10.0, 10.6])) == pytest.approx(1.6)


def test_a_recording_is_judged_by_its_largest_move():
    small = VerticalMove("STAIRS", 0.0, 5.0, "down", -1.0, 0, 0.6)
    large = VerticalMove("ELEVATOR", 9.0, 20.0, "up", 9.0, 3, 0.9)
    assert vertical_set.verdict([small, large]) == ("ELEVATOR", "up")
    assert vertical_set.verdict([]) == ("NONE", "none")


def test_vertical_disagreements_are_contradicted_labels_but_one_ambiguous(vertical):
    """Of the 11 recordings where the engine disagrees with the label, 10 are labels the
    sensors contradict (and a second phone recorded beside 8 of them agrees with the sensors);
    one is ambiguous (a 1-m rise with steps in a "stay": a slow short flight or a ramp); no
    engine miss is left. The best any engine reporting the sensors can score: 96.2%."""
    records = vertical["records"]
    disagree = [r for r in records if r["android"]["engine"] != r["expected"]]
    audits = {r["file"]: vertical_set.audit(r) for r in disagree}
    assert sorted(audits.values()) == ["ambiguous"] + ["label contradicted"] * 10
    witnessed = [r for r in disagree if r["file"] in vertical_set.CONTRADICTED and r["beside"]]
    for r in witnessed:  # the phone beside it saw what the sensors say, not what the label says
        seen = r["beside"][0]["beside_height_m"]
        moved = "none" if abs(seen) < 1.0 else ("up" if seen > 0 else "down")
        assert moved == vertical_set.CONTRADICTED[r["file"]][1], r["file"]
    assert len(witnessed) == 8
    assert vertical_set.ceiling(records) == 96.2


def test_the_report_prints_every_disagreement_with_how_it_is_counted(vertical):
    lines = vertical_set.table(vertical)
    printed = [line for line in lines if line.startswith("  [")]
    assert len(printed) == 11
    assert sum("[label contradicted]" in line and "beside it" in line for line in printed) == 8
    assert any("headline" in line and "95.8%" in line for line in lines)


def test_mode_confidences_are_never_overstated_on_real_sets(vertical, elevators):
    """Reliability per confidence bin (``make accuracy``): every bin is right at least as
    often as it states (vertical/ against the corrected labels, elevators/ as recorded)."""
    rows = vertical["summary"]["reliability"] + elevators["summary"]["reliability"]
    assert sum(r["n"] for r in rows) >= 400
    for row in rows:
        assert row["found"] / 100.0 >= row["stated"], row


def test_mode_calibration_is_what_the_real_recordings_measure(vertical, elevators, sequences):
    """``vertical.MODE_CALIBRATION`` is the table the real recordings measure now, and every
    well-filled cell states within 5 points below what it found (a 0.97 is right 97+ in 100)."""
    cells = mode_confidence.measure(mode_confidence.moves(vertical, elevators, sequences))
    assert mode_confidence.table_from(cells) == MODE_CALIBRATION
    filled = [c for c in cells if c["measured"] is not None and c["n"] >= 20]
    assert sum(c["n"] for c in filled) >= 800
    for c in filled:
        assert 0.0 <= c["found"] / 100.0 - c["stated"] <= 0.05, c


def test_the_targets_block_reads_these_sets(vertical, elevators, sequences):
    """What ``make accuracy`` ends with, on the real vertical/, elevators/ and sequences: the
    vertical target is not met (95.8 % of 97 %: the labels' ceiling is 96.2 %), the lift rides
    and the 10-Hz sequences are, the 1-Hz sequences are not (escalators)."""
    checked = targets.check({"vertical": vertical, "elevators": elevators, "sequences": sequences})
    verdicts = {c["target"].split(":")[0] + c["unit"]: c["met"] for c in checked if c["figure"]}
    assert verdicts == {"vertical/%": False, "elevators/%": True, "sequencesof 30": False}
    assert [c["met"] for c in checked if c["set"] == "sequences"] == [True, True, False]
    assert next(c for c in checked if c["set"] == "vertical")["note"].count("96.2 %") == 1
