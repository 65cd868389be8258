"""Session and insight events on the EventBridge bus: how customers' backends learn of
results (the webhook dispatcher turns each into a webhook, see docs/webhooks.md).

``insight.ready`` when a session's insights are computed the first time, ``insight.updated``
on every recomputation (late data, reprocess), ``insight.failed`` when computing them failed
for good: source ``names.EVENT_SOURCE``. ``session.started``, ``session.stopped`` (an
explicit stop) and ``session.deleted``: source ``names.SESSION_EVENT_SOURCE``. What each
event's detail carries: ``wire/events.py``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from functions.core.config import names
from functions.core.config.names import EventKind, SessionEventKind
from functions.core.wire.events import session_detail


class PublishError(RuntimeError):
    """EventBridge accepted the call but not the entry (throttled, internal failure)."""


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
