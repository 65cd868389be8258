"""Session events on the bus (from start, stop and erase) and the thin webhook payload."""

from __future__ import annotations

import json
from typing import Any

from functions.core.adapters.erased import ErasedMarkers
from functions.core.adapters.events_bus import EventBus, SessionEvents, session_detail
from functions.core.adapters.session_repository import SessionRepository
from functions.core.config import names
from functions.core.usecases.lifecycle import SessionLifecycle
from functions.core.wire.models.sessions import StartSessionRequest
from functions.core.wire.webhook_payloads import message_from_event


def test_start_and_the_stopping_stop_publish_once(account, caller) -> None:
    published: list[tuple[str, dict[str, Any]]] = []
    sessions = SessionRepository(account.table(names.SESSIONS_TABLE))
    lifecycle = SessionLifecycle(
        sessions,
        lambda _sid: None,
        account.settings,
        erased=ErasedMarkers(account.table(names.BATCHES_TABLE)),
        publish=lambda kind, session: published.append((kind, session)),
    )
    started = lifecycle.start(
        caller, StartSessionRequest.model_validate({"deliveryId": "d-1", "sessionType": "drop"})
    )
    lifecycle.stop(caller, started.sessionId)
    lifecycle.stop(caller, started.sessionId)
    assert [k for k, _ in published] == ["session.started", "session.stopped"]
    assert published[1][1]["status"] == "completed"


def test_a_bus_failure_never_fails_the_request() -> None:
    class Down:
        def put_events(self, **request: Any) -> dict[str, Any]:
            raise ConnectionError("bus unreachable")

    lost: list[str] = []
    events = SessionEvents(EventBus(Down(), "bus"), lambda kind, exc: lost.append(kind))
    events.publish("session.started", {"sessionId": "ses_1"})
    assert lost == ["session.started"]


def test_session_events_have_their_own_source_and_reach_the_webhook_queue(account) -> None:
    events = account.session.client("events")
    EventBus(events, account.resources.bus).publish(
        "session.deleted",
        session_detail(
            {
                "sessionId": "ses_q",
                "organizationId": "o",
                "projectId": "p",
                "environment": "sandbox",
                "startLocation": {"lat": 52.5, "lng": 13.4},
            }
        ),
    )
    sqs = account.session.client("sqs")
    (message,) = sqs.receive_message(QueueUrl=account.resources.webhook_queue_url)["Messages"]
    sqs.delete_message(
        QueueUrl=account.resources.webhook_queue_url, ReceiptHandle=message["ReceiptHandle"]
    )
    event = json.loads(message["Body"])
    assert event["source"] == names.SESSION_EVENT_SOURCE
    assert event["detail-type"] == "session.deleted"
    assert "startLocation" not in event["detail"]


def test_the_payload_carries_ids_status_and_summary_but_no_coordinates() -> None:
    event = {
        "id": "e-1",
        "detail-type": "insight.ready",
        "time": "2026-12-01T10:00:00Z",
        "detail": {
            "sessionId": "ses_1",
            "organizationId": "o",
            "projectId": "p",
            "environment": "live",
            "status": "ready",
            "summary": {"fraudScore": 0.1},
            "reasonCodes": ["FULL_ATTEMPT"],
            "path": [[0.0, 52.5, 13.4]],
            "startLocation": {"lat": 52.5, "lng": 13.4},
            "events": [{"type": "GATE"}],
        },
    }
    message = message_from_event(event, "2026-12-01T10:00:00.000Z")
    assert message is not None and message.tenant == "o#p#live"
    body = json.loads(message.body)
    assert body["type"] == "insight.ready" and body["timestamp"] == "2026-12-01T10:00:00.000Z"
    assert body["data"] == {
        "sessionId": "ses_1",
        "organizationId": "o",
        "projectId": "p",
        "environment": "live",
        "status": "ready",
        "summary": {"fraudScore": 0.1},
        "reasonCodes": ["FULL_ATTEMPT"],
    }
    again = message_from_event(event, "2026-12-01T10:00:00.000Z")
    assert again is not None and again.message_id == message.message_id
    nameless = {**event, "detail": {"sessionId": "ses_1"}}
    assert message_from_event(nameless, "2026-12-01T10:00:00.000Z") is None
