"""Session start/stop requests and the session resource."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field

from functions.core.wire.models.common import Request, Response, truncated
from functions.core.wire.models.insights import Category, ReasonCode

ADDRESS_TEXT_CHARS = 512
RAW_ADDRESS_CHARS = 2048

SessionStatus = Literal["recording", "completed", "failed"]
"""Exactly the SDK's enum: any other value breaks the app's strict parser."""
SessionType = Literal["pickup", "drop", "transit"]
InsightsStatus = Literal["processing", "ready", "failed"]
EndReason = Literal["stopped", "timeout", "interrupted", "deleted"]
"""Stopped; ended by the sweeper (``timeout``); stopped with accepted data missing from
storage when insights were computed (``interrupted``, the finalizer's); erased while
recording (``deleted``, visible while the DELETE runs or after it failed half way)."""
SessionMode = Literal["live", "replay"]
"""``replay``: a recording made earlier, uploaded with a secret key; its samples keep their
own timestamps and are never refused for being far from the server's clock."""
StatusDetail = Literal["recording", "waiting_for_data", "computing"]
"""While insights are not final: still recording; stopped but accepted data is still on its
way to storage; everything stored and the engine's turn. None once insights are final."""

MAX_TAGS = 20
MAX_TITLE = 200
MAX_NOTES = 4000
MAX_METADATA_BYTES = 4096
MAX_METADATA_DEPTH = 5
Tag = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:/@+-]+$")]
"""Letters, digits and ``_ . : / @ + -`` (no ``#``: tags are part of index keys)."""


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def _check_metadata(value: dict[str, Any]) -> dict[str, Any]:
    size = len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())
    if size > MAX_METADATA_BYTES:
        raise ValueError(
            f"metadata is {size} bytes as compact JSON; at most {MAX_METADATA_BYTES} are kept"
        )
    if _depth(value) > MAX_METADATA_DEPTH:
        raise ValueError(f"metadata nests deeper than {MAX_METADATA_DEPTH} levels")
    return value


def _unique(tags: list[str]) -> list[str]:
    return list(dict.fromkeys(tags))


Metadata = Annotated[dict[str, Any], AfterValidator(_check_metadata)]
"""The customer's own JSON object, returned exactly as sent (at most 4 KB, 5 levels)."""
Tags = Annotated[list[Tag], Field(max_length=MAX_TAGS), AfterValidator(_unique)]


AddressText = Annotated[str, truncated(ADDRESS_TEXT_CHARS)]


class Address(Request):
    """Text fields are truncated (``truncated``), never refused."""

    line1: AddressText | None = None
    line2: AddressText | None = None
    city: AddressText | None = None
    state: AddressText | None = None
    postalCode: AddressText | None = None
    country: AddressText | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lng: float | None = Field(default=None, ge=-180, le=180)
    rawAddress: Annotated[str, truncated(RAW_ADDRESS_CHARS)] | None = None


class Device(Request):
    """What the SDK reports about the phone; over-long values are truncated, not refused."""

    platform: Annotated[str, truncated(32)]
    sdkVersion: Annotated[str, truncated(64)]
    model: Annotated[str, truncated(128)] | None = None
    osVersion: Annotated[str, truncated(64)] | None = None
    appVersion: Annotated[str, truncated(64)] | None = None


class Location(Request):
    lat: float = Field(ge=-90, le=90)
    lng: float = Field(ge=-180, le=180)


class SensorAvailability(Request):
    hasAccelerometer: bool | None = None
    hasGyroscope: bool | None = None
    hasGravity: bool | None = None
    hasRotationVector: bool | None = None
    hasBarometer: bool | None = None
    hasGps: bool | None = None
    hasMagnetometer: bool | None = None


class StartSessionRequest(Request):
    """POST /v1/sessions/start."""

    deliveryId: Annotated[str, truncated(256)]
    """Empty is accepted (docs/decisions.md, issue 12): refusing it would stop the app from
    recording the delivery at all; the session is still found by rider and time."""
    sessionType: SessionType
    externalRiderId: Annotated[str, truncated(256)] | None = None
    address: Address | None = None
    device: Device | None = None
    startLocation: Location | None = None
    sensorAvailability: SensorAvailability | None = None
    mode: SessionMode = "live"
    tags: Tags | None = None
    title: Annotated[str, truncated(MAX_TITLE)] | None = None
    notes: Annotated[str, truncated(MAX_NOTES)] | None = None
    metadata: Metadata | None = None


class UpdateSessionRequest(Request):
    """PATCH /v1/sessions/{id}: only the fields sent change; ``null`` clears title, notes or
    metadata; ``tags`` replaces the whole set."""

    tags: Tags | None = None
    title: str | None = Field(default=None, max_length=MAX_TITLE)
    notes: str | None = Field(default=None, max_length=MAX_NOTES)
    metadata: Metadata | None = None
    archived: bool | None = None


class HistoryEntry(Response):
    """One (re)computation of the insights, newest last (the session keeps the last 10)."""

    version: int
    engineVersion: str | None = None
    computedAt: str
    status: InsightsStatus
    trigger: str
    reasonCodes: list[ReasonCode] = Field(default_factory=list)
    errorCode: str | None = None


class StopSessionRequest(Request):
    """POST /v1/sessions/stop (the path form takes the id from the path, body optional)."""

    sessionId: str = Field(min_length=1, max_length=64)


class SessionStatusResponse(Response):
    """What start and stop answer: all the SDK reads."""

    sessionId: str
    status: SessionStatus


class Session(Response):
    """GET /v1/sessions/{id}: the session resource."""

    sessionId: str
    organizationId: str
    projectId: str
    environment: str
    deliveryId: str
    sessionType: SessionType
    status: SessionStatus
    externalRiderId: str | None = None
    address: Address | None = None
    device: Device | None = None
    startLocation: Location | None = None
    sensorAvailability: SensorAvailability | None = None
    mode: SessionMode = "live"
    createdAt: str
    endedAt: str | None = None
    endReason: EndReason | None = None
    statusDetail: StatusDetail | None = None
    lastTelemetryAt: str | None = None
    acceptedSamplesTotal: int = 0
    acceptedBatchesTotal: int = 0
    rejectedSamplesTotal: int = 0
    storedSamplesTotal: int = 0
    insightsStatus: InsightsStatus = "processing"
    insightsVersion: int = 0
    engineVersion: str | None = None
    """The engine version of the current insights."""
    terminalOutcome: Category | None = None
    """The headline verdict (the insights' classification category) once insights are ready."""
    reasonCodes: list[ReasonCode] = Field(default_factory=list)
    errorCode: str | None = None
    errorMessage: str | None = None
    insightsHistory: list[HistoryEntry] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    title: str | None = None
    notes: str | None = None
    metadata: dict[str, Any] | None = None
    archived: bool = False
    archivedAt: str | None = None


class SessionList(Response):
    """GET /v1/sessions: one page, newest first; ``nextCursor`` fetches the next page."""

    sessions: list[Session]
    nextCursor: str | None = None
