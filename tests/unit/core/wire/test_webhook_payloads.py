"""The thin webhook payload made from a bus event."""

from __future__ import annotations

import json

from functions.core.wire.webhook_payloads import message_from_event


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
