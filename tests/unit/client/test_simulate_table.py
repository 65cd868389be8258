import pytest

from doorproof.courier import Delivery, scenario_for
from doorproof.scenarios import names
from doorproof.simulate import MIX_EXCLUDED, scenario_names, succeeded, table
from functions.core.wire.models.insights import InsightsDocument


def test_mix_cycles_through_every_scenario_but_the_never_stopped_one() -> None:
    chosen = scenario_names(["mix"], 100)
    assert set(chosen) == set(names()) - MIX_EXCLUDED
    assert scenario_names(["no_attempt", "ground_floor"], 3) == [
        "no_attempt", "ground_floor", "no_attempt",
    ]  # fmt: skip
    with pytest.raises(SystemExit):
        scenario_names(["nope"], 1)


def test_table_shows_expected_against_reported_and_failures() -> None:
    good = Delivery(0, scenario_for("insufficient_data", 0, "t", start_ts=1.8e9))
    good.insights = InsightsDocument(
        sessionId="s1", organizationId="o", deliveryId="d", status="ready",
        reasonCodes=["INSUFFICIENT_DATA"], version=1,
    )  # fmt: skip
    good.seconds_to_insights = 1.25
    wrong = Delivery(1, scenario_for("insufficient_data", 1, "t", start_ts=1.8e9))
    wrong.insights = good.insights.model_copy(update={"reasonCodes": ["NO_ATTEMPT"]})
    wrong.seconds_to_insights = 2.0
    failed = Delivery(2, scenario_for("insufficient_data", 2, "t", start_ts=1.8e9))
    failed.error = "InsightsTimeout: not final"
    text = table([good, wrong, failed])
    lines = text.splitlines()
    assert "INSUFFICIENT" in lines[2] and " yes " in lines[2] and "ready 1.2s" in lines[2]
    assert " NO " in lines[3]
    assert "InsightsTimeout" in lines[4]
    assert "INSUFFICIENT=INSUFFICIENT_DATA" in text
    assert succeeded([good, wrong], insights_expected=True)
    assert not succeeded([good, failed], insights_expected=True)
