"""GET /v1/buildings/{buildingId}: what the organisation's fleet learned about a building."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from functions.core.wire.models.common import Response

Score = Field(ge=0.0, le=1.0)


class Entrance(Response):
    """Where couriers lose GPS at this building: the median of one cluster of GATE fixes."""

    lat: float
    lng: float
    sessions: int
    spreadM: float


class BuildingProfile(Response):
    """A building's profile: its storey model, how sure each figure is, and its entrances.

    ``buildingId`` is the one in each session's ``insights.building.buildingId`` (derived from
    the session's address: docs/decisions.md). Floors are counted with ``storeyHeightM``
    (``lobbyHeightM`` for the entrance storey); the entrance is on floor ground +
    ``entranceOffset`` (the ground floor follows the address's country)."""

    buildingId: str
    sessionsSeen: int
    source: Literal["default", "address", "learned"]
    storeyHeightM: float
    lobbyHeightM: float
    entranceOffset: int
    storeyConfidence: float = Score
    lobbyConfidence: float = Score
    entranceConfidence: float = Score
    claimedSessions: int
    """Sessions whose address named a floor (the rest taught through their heights alone)."""
    entrances: list[Entrance] = Field(default_factory=list)
    updatedAt: str
