"""Webhook messages: what a receiver gets for an event on the bus.

The body follows Standard Webhooks' recommended shape, ``{"type", "timestamp", "data"}``.
``data`` is thin: identifiers, the status and the summary, copied field by field from the
bus event's detail (``DATA_FIELDS``), so nothing the bus may carry later (telemetry, a
location) reaches a receiver unless it is added here on purpose. The message id (the
``webhook-id`` header) is derived from the EventBridge event id: a repeated delivery of one
bus event is one message, with one id, which receivers use to de-duplicate.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from functions.core.config import names
from functions.core.domain.principal import tenant_of

DATA_FIELDS = (
    "sessionId",
    "organizationId",
    "projectId",
    "environment",
    "deliveryId",
    "externalRiderId",
    "status",
    "insightsStatus",
    "endReason",
    "createdAt",
    "endedAt",
    "version",
    "engineVersion",
    "reasonCodes",
    "summary",
    "updatedAt",
)


@dataclass(frozen=True)
class Message:
    """One webhook event of one tenant; ``body`` is exactly what is signed and sent."""

    message_id: str
    tenant: str
    event_type: str
    created_at: str
    body: str

    def item(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "messageId": self.message_id,
            "eventType": self.event_type,
            "createdAt": self.created_at,
            "body": self.body,
        }

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Message:
        return cls(
            message_id=item["messageId"],
            tenant=item["tenant"],
            event_type=item["eventType"],
            created_at=item["createdAt"],
            body=item["body"],
        )


def _body(event_type: str, timestamp: str, data: dict[str, Any]) -> str:
    return json.dumps(
        {"type": event_type, "timestamp": timestamp, "data": data}, separators=(",", ":")
    )


def is_bus_event(record: dict[str, Any]) -> bool:
    """Whether a queue message is an EventBridge event (rather than a scheduled attempt)."""
    return "detail-type" in record and "detail" in record


def message_from_event(event: dict[str, Any], created_at: str) -> Message | None:
    """The message for a bus event, or None for one that is not a webhook event (or names no
    tenant). ``created_at`` is the event's time in the tables' ISO form."""
    event_type = str(event.get("detail-type", ""))
    detail = event.get("detail") or {}
    if event_type not in names.WEBHOOK_EVENT_TYPES:
        return None
    owner = [detail.get(k) for k in ("organizationId", "projectId", "environment")]
    if not all(isinstance(v, str) and v for v in owner):
        return None
    organization_id, project_id, environment = (str(v) for v in owner)
    data = {k: detail[k] for k in DATA_FIELDS if detail.get(k) is not None}
    digest = hashlib.sha256(str(event["id"]).encode()).hexdigest()[:26]
    return Message(
        message_id=f"msg_{digest}",
        tenant=tenant_of(organization_id, project_id, environment),
        event_type=event_type,
        created_at=created_at,
        body=_body(event_type, created_at, data),
    )


def probe_message(endpoint: dict[str, Any], message_id: str, created_at: str) -> Message:
    """What ``POST /v1/webhooks/{id}/test`` sends."""
    data = {
        "webhookId": endpoint["endpointId"],
        "organizationId": endpoint["organizationId"],
        "projectId": endpoint["projectId"],
        "environment": endpoint["environment"],
        "message": "A test event from Doorproof: your endpoint receives and verifies webhooks.",
    }
    return Message(
        message_id=message_id,
        tenant=endpoint["tenant"],
        event_type=names.WEBHOOK_TEST_EVENT,
        created_at=created_at,
        body=_body(names.WEBHOOK_TEST_EVENT, created_at, data),
    )
