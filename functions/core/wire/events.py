"""The details of the bus's events (``names.EventKind``, ``names.SessionEventKind``).

The detail carries identifiers, the status and the summary, never the document's events,
telemetry or coordinates: subscribers read the rest with their secret key, so an event bus
rule never widens who sees a case file.
"""

from __future__ import annotations

from typing import Any


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
    """An insight event's detail: who, and the document's status, version and summary."""
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
