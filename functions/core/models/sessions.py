"""Session start/stop requests and the session resource."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from functions.core.models.common import Request, Response, truncated

ADDRESS_TEXT_CHARS = 512
RAW_ADDRESS_CHARS = 2048

SessionStatus = Literal["recording", "completed", "failed"]
"""Exactly the SDK's enum: any other value breaks the app's strict parser."""
SessionType = Literal["pickup", "drop", "transit"]
InsightsStatus = Literal["processing", "ready", "failed"]
EndReason = Literal["stopped", "timeout", "interrupted"]


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
    createdAt: str
    endedAt: str | None = None
    endReason: EndReason | None = None
    lastTelemetryAt: str | None = None
    acceptedSamplesTotal: int = 0
    acceptedBatchesTotal: int = 0
    rejectedSamplesTotal: int = 0
    storedSamplesTotal: int = 0
    insightsStatus: InsightsStatus = "processing"
    insightsVersion: int = 0


class SessionList(Response):
    """GET /v1/sessions: one page, newest first; ``nextCursor`` fetches the next page."""

    sessions: list[Session]
    nextCursor: str | None = None
