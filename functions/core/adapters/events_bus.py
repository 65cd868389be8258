"""Session and insight events on the EventBridge bus: how customers' backends learn of
results (the webhook dispatcher turns each into a webhook, see docs/webhooks.md).

``insight.ready`` when a session's insights are computed the first time, ``insight.updated``
on every recomputation (late data, reprocess), ``insight.failed`` when computing them failed
for good: source ``names.EVENT_SOURCE``. ``session.started``, ``session.stopped`` (an
explicit stop) and ``session.deleted``: source ``names.SESSION_EVENT_SOURCE``. The detail
carries identifiers, the status and the summary, never the document's events, telemetry or
coordinates: subscribers read the rest with their secret key, so an event bus rule never
widens who sees a case file.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Literal

from functions.core.config import names

EventKind = Literal["insight.ready", "insight.updated", "insight.failed"]
SessionEventKind = Literal["session.started", "session.stopped", "session.deleted"]


class PublishError(RuntimeError):
    """EventBridge accepted the call but not the entry (throttled, internal failure)."""


def _identity(session: dict[str, Any]) -> dict[str, Any]:
    """Whose session this is and which delivery: what every event's detail starts with."""
    return {
        "sessionId": session["sessionId"],
        "organizationId": session.get("organizationId"),
        "projectId": session.get("projectId"),
        "environment": session.get("environment"),
        "deliveryId": session.get("deliveryId"),
        "externalRiderId": session.get("externalRiderId"),
    }


def event_detail(session: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    return {
        **_identity(session),
        "status": document.get("status"),
        "version": document.get("version"),
        "engineVersion": document.get("engineVersion"),
        "reasonCodes": document.get("reasonCodes", []),
        "summary": document.get("summary"),
        "updatedAt": document.get("updatedAt"),
    }


def session_detail(session: dict[str, Any]) -> dict[str, Any]:
    """A session event's detail: who and what, its state; no start location or device."""
    return {
        **_identity(session),
        "status": session.get("status"),
        "insightsStatus": session.get("insightsStatus"),
        "endReason": session.get("endReason"),
        "createdAt": session.get("createdAt"),
        "endedAt": session.get("endedAt"),
    }


class EventBus:
    """``events`` is a boto3 EventBridge client; ``bus`` the insights bus name."""

    def __init__(self, events: Any, bus: str) -> None:
        self._events = events
        self._bus = bus

    def publish(self, kind: EventKind | SessionEventKind, detail: dict[str, Any]) -> None:
        source = names.SESSION_EVENT_SOURCE if kind.startswith("session.") else names.EVENT_SOURCE
        result = self._events.put_events(
            Entries=[
                {
                    "EventBusName": self._bus,
                    "Source": source,
                    "DetailType": kind,
                    "Detail": json.dumps(detail, separators=(",", ":")),
                }
            ]
        )
        if result.get("FailedEntryCount"):
            entry = result["Entries"][0]
            raise PublishError(f"{kind} not published: {entry.get('ErrorCode')}")


class SessionEvents:
    """Publishes ``session.*`` events from the API without ever failing the request.

    A start or stop that was stored must be answered 2xx: a 5xx would make the SDK retry a
    start (a second session) for an event nobody asked it to guarantee. So a bus failure is
    logged and counted, and that one event is lost (docs/decisions.md, issue 10); insight
    events, which carry the result, are at least once through ``pendingEvent``.
    """

    def __init__(self, bus: EventBus, on_error: Callable[[str, Exception], None]) -> None:
        self._bus = bus
        self._on_error = on_error

    def publish(self, kind: SessionEventKind, session: dict[str, Any]) -> None:
        try:
            self._bus.publish(kind, session_detail(session))
        except Exception as exc:  # any bus failure: the request still succeeds
            self._on_error(kind, exc)
