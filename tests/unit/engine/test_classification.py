"""The classification: every scenario gets its true category, with the calibrated confidence
of the basis it rests on; the vocabulary is the server model's."""

from __future__ import annotations

from typing import get_args

import pytest

from doorproof.calibration import SCENARIO_CATEGORIES, Row, ece
from doorproof.scenarios import names
from functions.core.models.insights import Category, Classification
from functions.engine.classification import CALIBRATION, CATEGORIES, confidence_of
from functions.engine.insights import SessionContext, compute_insights
from functions.engine.telemetry import from_samples
from tests.unit.engine.test_judgement import insights
from tests.unit.engine.test_scenarios import scenario


def test_engine_and_server_share_the_categories() -> None:
    assert get_args(Category) == CATEGORIES
    assert {basis.split("/")[0] for basis in CALIBRATION} == set(CATEGORIES)


def test_every_scenario_has_a_true_category() -> None:
    assert set(SCENARIO_CATEGORIES) == set(names())
    assert set(SCENARIO_CATEGORIES.values()) == set(CATEGORIES)


@pytest.mark.parametrize("name", names())
def test_scenario_is_classified_as_what_happened(name: str) -> None:
    got = Classification.model_validate(insights(name)["classification"])
    assert got.category == SCENARIO_CATEGORIES[name]
    assert got.basis in CALIBRATION  # a measured basis, not the fallback
    assert got.confidence == confidence_of(got.basis)


def test_a_session_without_a_door_is_not_judged() -> None:
    tel = from_samples(scenario("ground_floor").samples)
    transit = compute_insights(tel, SessionContext(session_type="transit"))
    assert transit["classification"]["basis"] == "insufficient_data/no-door"


def test_confidence_falls_back_to_the_category_then_to_unmeasured() -> None:
    assert confidence_of("door_delivery/never-seen") == CALIBRATION["door_delivery"]
    assert confidence_of("nonsense") == 0.5


def test_ece_weights_each_basis_by_its_count() -> None:
    rows = [Row("a", 10, 9, 0.9), Row("b", 30, 15, 0.8)]
    assert ece(rows) == pytest.approx((10 * 0.0 + 30 * 0.3) / 40)
