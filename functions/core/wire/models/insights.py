"""GET /v1/sessions/{id}/insights: the PoD case file."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from functions.core.wire.models.common import Response
from functions.engine.categories import Category

ReasonCode = Literal[
    "FULL_ATTEMPT",
    "DELIVERED_TO_RIGHT_DOORSTEP",
    "NO_ATTEMPT",
    "PARTIAL_ATTEMPT",
    "POSSIBLE_LOBBY_HANDOFF",
    "POSSIBLE_WRONG_ADDRESS",
    "POSSIBLE_NO_ATTEMPT",
    "SESSION_TIMEOUT",
    "INSUFFICIENT_DATA",
    "TELEMETRY_STREAM_INTERRUPTED",
]
EventType = Literal["DRIVING", "WALKING", "GATE", "STAIRS", "ELEVATOR", "ESCALATOR", "STOPPED"]
Score = Field(ge=0.0, le=1.0)


class Summary(Response):
    fraudScore: float = Score
    frictionScore: float = Score
    visibilityScore: float = Score
    rightDoorstep: bool | None = None
    suspiciousBehavior: bool = False
    floorsClimbed: int = 0
    elevatorUsed: bool = False
    totalDurationSec: float = 0.0
    attemptCycles: int = 0


class Event(Response):
    type: EventType
    tStart: float
    tEnd: float | None = None
    confidence: float = Score
    metadata: dict[str, Any] | None = None


class Metrics(Response):
    timeFromEntranceToDoorSec: float | None = None
    timeAtDoorSec: float | None = None


class BuildingUse(Response):
    """Which storey model counted the floors, where it came from, and the door's floor
    against the address's claim (docs/engine.md). ``source``: ``default`` (3.0 m, nothing
    learned), ``address`` (learned from earlier sessions' address floors), ``learned`` (from
    their heights alone); ``sessionsSeen`` never includes this session."""

    buildingId: str | None = None
    storeyHeightM: float
    lobbyHeightM: float
    entranceFloor: int | None = None
    source: Literal["default", "address", "learned"]
    sessionsSeen: int = 0
    storeyConfidence: float = Score
    doorLevel: int | None = None
    doorFloor: int | None = None
    doorFloorConfidence: float | None = Field(default=None, ge=0.0, le=1.0)
    claimedFloor: int | None = None
    claimedFloorMatches: bool | None = None


class Pod(Response):
    type: Literal["photo"] = "photo"
    url: str


class Classification(Response):
    """What kind of delivery this was, and the measured share of such verdicts that are right
    (calibrated on the simulator's scenarios; ``basis`` names the rule it rests on)."""

    category: Category
    confidence: float = Score
    basis: str | None = None


class InsightsDocument(Response):
    """The case file. While ``status`` is processing only the identity fields are set."""

    sessionId: str
    organizationId: str
    deliveryId: str
    status: Literal["processing", "ready", "failed"]
    summary: Summary | None = None
    reasonCodes: list[ReasonCode] = Field(default_factory=list)
    classification: Classification | None = None
    events: list[Event] = Field(default_factory=list)
    metrics: Metrics | None = None
    building: BuildingUse | None = None
    pod: Pod | None = None
    pathImageUrl: str | None = None
    createdAt: str | None = None
    updatedAt: str | None = None
    errorMessage: str | None = None
    engineVersion: str | None = None
    version: int = 0
    evidence: dict[str, Any] = Field(default_factory=dict)
    dataQuality: dict[str, Any] = Field(default_factory=dict)
    path: list[list[float]] = Field(
        default_factory=list, description="The GPS track, [[tSec, lat, lng], …], ≤ 500 points"
    )
    elevation: list[list[float]] = Field(
        default_factory=list,
        description="Barometer height above the start, [[tSec, metres], …], ≤ 500 points",
    )
