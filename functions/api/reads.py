"""GET /v1/sessions, GET /v1/sessions/{sessionId}, GET /v1/sessions/{sessionId}/insights,
GET /v1/buildings/{buildingId}.

Backend (secret key) reads. Another tenant's session is a 404, exactly like an unknown one;
a building is the caller's own profile of it (one organisation never sees another's).
Every list filter is served by an index (``SessionRepository.list``): none reads a tenant's whole
history to find a few sessions.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from functions.api.common import SessionId, make_app, make_handler, principal, route
from functions.api.services import buildings, insights, presigner, sessions
from functions.core.adapters import aws
from functions.core.adapters.batch_ledger import BatchLedger
from functions.core.adapters.session_repository import ListFilters
from functions.core.config import names
from functions.core.config.settings import get_settings
from functions.core.domain import errors
from functions.core.domain.timestamps import iso
from functions.core.usecases.insights_view import public_document
from functions.core.wire.models.batches import BatchList, batch_view
from functions.core.wire.models.buildings import BuildingProfile
from functions.core.wire.models.insights import Category, InsightsDocument, ReasonCode
from functions.core.wire.models.sessions import (
    Session,
    SessionList,
    SessionMode,
    SessionStatus,
    SessionType,
    Tag,
)
from functions.core.wire.session_resource import to_resource

router = Router()


@aws.per_container
def ledger() -> BatchLedger:
    """The batch ledger, read-only here (the integration debugger's batches)."""
    settings = get_settings()
    return BatchLedger(aws.table(settings.batches_table), sessions())


Timestamp = Query(
    description="RFC 3339 (ISO-8601 with a time zone), e.g. 2026-11-23T10:00:00Z",
    json_schema_extra={"format": "date-time"},
)
"""A time filter: declared ``date-time``, so an empty value is no valid one and is refused
like any other non-timestamp (422), not read as no filter (docs/decisions.md, issue 12)."""


def _timestamp(name: str, value: str | None) -> str | None:
    """An ISO-8601 query value normalised to the stored form (UTC, milliseconds, Z)."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise errors.Unprocessable(
            f"{name} must be an ISO-8601 timestamp, e.g. 2026-11-23T10:00:00Z",
            details=[{"field": name, "in": "query", "message": "not ISO-8601"}],
        ) from None
    if parsed.tzinfo is None:
        raise errors.Unprocessable(
            f"{name} needs a time zone (e.g. a trailing Z)",
            details=[{"field": name, "in": "query", "message": "no time zone"}],
        )
    return iso(parsed.timestamp())


@route(
    router,
    "GET /v1/sessions",
    errors={400: ["INVALID_CURSOR"]},
    summary="List sessions, newest first",
    tags=["sessions"],
)
def list_sessions(
    deliveryId: Annotated[str | None, Query(max_length=256)] = None,  # noqa: N803
    externalRiderId: Annotated[str | None, Query(max_length=256)] = None,  # noqa: N803
    status: Annotated[SessionStatus | None, Query()] = None,
    sessionType: Annotated[SessionType | None, Query()] = None,  # noqa: N803
    createdAfter: Annotated[str | None, Timestamp] = None,  # noqa: N803
    createdBefore: Annotated[str | None, Timestamp] = None,  # noqa: N803
    tag: Annotated[Tag | None, Query(description="sessions carrying this tag")] = None,
    reasonCode: Annotated[ReasonCode | None, Query()] = None,  # noqa: N803
    terminalOutcome: Annotated[Category | None, Query()] = None,  # noqa: N803
    archived: Annotated[bool | None, Query(description="true: only archived")] = None,
    mode: Annotated[SessionMode | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=names.LIST_MAX_LIMIT)] = names.LIST_DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> SessionList:
    filters = ListFilters(
        delivery_id=deliveryId,
        external_rider_id=externalRiderId,
        status=status,
        session_type=sessionType,
        created_after=_timestamp("createdAfter", createdAfter),
        created_before=_timestamp("createdBefore", createdBefore),
        tag=tag,
        reason_code=reasonCode,
        terminal_outcome=terminalOutcome,
        archived=archived,
        mode=mode,
    )
    items, next_cursor = sessions().list(principal(app).tenant, filters, limit, cursor)
    return SessionList(sessions=[to_resource(i) for i in items], nextCursor=next_cursor)


@route(
    router,
    "GET /v1/sessions/{sessionId}",
    summary="Get a session",
    tags=["sessions"],
)
def get_session(sessionId: SessionId) -> Session:  # noqa: N803
    return to_resource(sessions().get(principal(app).tenant, sessionId))


@route(
    router,
    "GET /v1/sessions/{sessionId}/insights",
    summary="Get the PoD case file (status processing until computed)",
    tags=["insights"],
)
def get_insights(sessionId: SessionId) -> InsightsDocument:  # noqa: N803
    session = sessions().get(principal(app).tenant, sessionId)
    return public_document(session, insights().get(sessionId), presigner())


@route(
    router,
    "GET /v1/sessions/{sessionId}/batches",
    summary="The session's telemetry batches as the server saw them (integration debugging)",
    tags=["sessions"],
)
def list_batches(sessionId: SessionId) -> BatchList:  # noqa: N803
    sessions().get(principal(app).tenant, sessionId)
    return BatchList(
        sessionId=sessionId, batches=[batch_view(i) for i in ledger().batches(sessionId)]
    )


BuildingId = Annotated[
    str, Path(max_length=64, description="A building id (bld_…), as in insights.building")
]


@route(
    router,
    "GET /v1/buildings/{buildingId}",
    summary="What your fleet learned about a building (storey height, entrances)",
    tags=["buildings"],
)
def get_building(buildingId: BuildingId) -> BuildingProfile:  # noqa: N803
    return buildings().get(principal(app).tenant, buildingId)


app = make_app(router)
handler = make_handler(app)
