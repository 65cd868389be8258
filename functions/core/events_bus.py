"""Insight events on the EventBridge bus: how customers' backends learn a case file is ready.

``insight.ready`` when a session's insights are computed the first time, ``insight.updated``
on every recomputation (late data, reprocess), ``insight.failed`` when computing them failed
for good. Source ``names.EVENT_SOURCE``. The detail carries identifiers and the version, not
the document: subscribers read it with their secret key, so an event bus rule never widens
who sees a case file.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from functions.core import names

EventKind = Literal["insight.ready", "insight.updated", "insight.failed"]


class PublishError(RuntimeError):
    """EventBridge accepted the call but not the entry (throttled, internal failure)."""


def event_detail(session: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    return {
        "sessionId": session["sessionId"],
        "organizationId": session.get("organizationId"),
        "projectId": session.get("projectId"),
        "environment": session.get("environment"),
        "deliveryId": session.get("deliveryId"),
        "externalRiderId": session.get("externalRiderId"),
        "status": document.get("status"),
        "version": document.get("version"),
        "engineVersion": document.get("engineVersion"),
        "reasonCodes": document.get("reasonCodes", []),
        "updatedAt": document.get("updatedAt"),
    }


class EventBus:
    """``events`` is a boto3 EventBridge client; ``bus`` the insights bus name."""

    def __init__(self, events: Any, bus: str) -> None:
        self._events = events
        self._bus = bus

    def publish(self, kind: EventKind, detail: dict[str, Any]) -> None:
        result = self._events.put_events(
            Entries=[
                {
                    "EventBusName": self._bus,
                    "Source": names.EVENT_SOURCE,
                    "DetailType": kind,
                    "Detail": json.dumps(detail, separators=(",", ":")),
                }
            ]
        )
        if result.get("FailedEntryCount"):
            entry = result["Entries"][0]
            raise PublishError(f"{kind} not published: {entry.get('ErrorCode')}")
