"""The session's rules on plain items: what each state means (no AWS, no moto)."""

import pytest

from functions.core.domain.session import Session
from functions.core.domain.timestamps import iso

STOPPED = {
    "sessionId": "sess_1",
    "status": "completed",
    "endReason": "stopped",
    "insightsStatus": "processing",
    "insightsVersion": 0,
    "acceptedPartsTotal": 2,
    "storedPartsTotal": 2,
    "createdEpoch": 5.0,
    "endedEpoch": 100.0,
}


def of(**changes: object) -> Session:
    return Session.of({**STOPPED, **changes})


def test_status_detail_follows_the_pipeline():
    base = {"status": "completed", "insightsStatus": "processing"}
    assert Session.of({"status": "recording"}).status_detail() == "recording"
    waiting = {**base, "acceptedPartsTotal": 2, "storedPartsTotal": 1}
    assert Session.of(waiting).status_detail() == "waiting_for_data"
    stored = {**base, "acceptedPartsTotal": 2, "storedPartsTotal": 2}
    assert Session.of(stored).status_detail() == "computing"
    assert Session.of({**base, "insightsStatus": "ready"}).status_detail() is None
    ready = {**base, "insightsStatus": "ready", "insightsVersion": 2}
    assert Session.of({**ready, "reprocessFrom": 2}).status_detail() == "computing"
    assert Session.of({**ready, "reprocessFrom": 1}).status_detail() is None


def test_last_activity_falls_back_to_the_start():
    assert Session.of({"createdEpoch": 5.0}).last_activity() == 5.0
    assert Session.of({"createdEpoch": 5.0, "lastTelemetryAt": iso(9.5)}).last_activity() == 9.5


def test_the_engine_hears_timeout_interrupted_or_stopped():
    assert of(endReason="timeout", storedPartsTotal=0).engine_end_reason() == "timeout"
    assert of(storedPartsTotal=1).engine_end_reason() == "interrupted"
    assert of().engine_end_reason() == "stopped"


@pytest.mark.parametrize(
    ("changes", "mode", "due"),
    [
        ({}, "complete", True),
        ({"storedPartsTotal": 1}, "complete", False),  # accepted data still on its way
        ({"storedPartsTotal": 1}, "force", True),  # the deadline computes with what exists
        ({"finalizedParts": 2}, "complete", False),  # nothing new since the last computation
        ({"finalizedParts": 1}, "complete", True),  # late data arrived after it
        ({"status": "recording"}, "force", False),
        ({"erasing": "2026-01-01T00:00:00.000Z"}, "force", False),
    ],
)
def test_a_finalization_is_due_only_when_stored_data_changed(changes, mode, due):
    assert of(**changes).is_due(mode) is due


def test_a_reprocess_is_due_for_the_version_it_named():
    session = of(finalizedParts=2, insightsVersion=3)
    assert session.is_due("reprocess") and session.is_due("reprocess", 3)
    assert not session.is_due("reprocess", 2)  # someone recomputed since it was asked
    assert not of(status="recording").is_due("reprocess")


def test_late_telemetry_is_taken_within_the_grace_after_the_end():
    assert not of(status="recording").closed_to(10_000.0, 60.0)
    assert not of().closed_to(160.0, 60.0)
    assert of().closed_to(160.1, 60.0)


def test_a_stop_asks_for_finalization_while_insights_are_pending():
    assert of().finalize_after_stop()
    assert not of(insightsStatus="ready").finalize_after_stop()
    assert not of(endReason="timeout").finalize_after_stop()


def test_the_fields_use_cases_read_come_typed_from_the_item() -> None:
    item = {
        "sessionId": "sess_1",
        "tenant": "org#prj#live",
        "organizationId": "org",
        "deliveryId": "d-1",
        "mode": "replay",
        "address": {"lat": 52.5, "lng": 13.4, "line1": "Main St 1"},
        "insightsHistory": [{"version": 1}],
        "readyVersion": 2,
        "pendingEvent": "insight.updated",
        "sweepAt": "2026-12-02T10:00:00Z",
        "storedObjects": 3,
    }
    session = Session.of(item)
    assert (session.tenant, session.organization_id, session.delivery_id) == (
        "org#prj#live",
        "org",
        "d-1",
    )
    assert session.replay and session.address_point == (52.5, 13.4)
    assert session.insights_history == ({"version": 1},) and session.ready_version == 2
    assert session.pending_event == "insight.updated" and session.stored_objects == 3


def test_a_live_session_without_an_address_or_a_ready_version() -> None:
    session = Session.of({"sessionId": "sess_2", "mode": "live", "address": {"line1": "x"}})
    assert not session.replay and session.address_point is None
    assert session.ready_version is None and session.insights_history == ()
