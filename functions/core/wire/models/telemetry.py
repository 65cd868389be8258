"""POST /v1/telemetry: the body, one sample, and the answer.

The body is validated loosely (an object with a session id and a non-empty list) and each
sample strictly on its own, so one bad sample costs only itself: the SDK discards a batch that
got a 4xx, and we must not throw away good samples with it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from pydantic import ConfigDict, Field, TypeAdapter

from functions.core.config import names
from functions.core.wire.models.common import Reading, Request, Response, truncated

Label = Annotated[str, truncated(32)]
"""A short text reading (position source, network, motion activity): truncated, because a
refused field would cost the whole sample."""

Vec3 = Annotated[list[float], Field(min_length=3, max_length=3)]
Empty = Annotated[list[float], Field(max_length=0)]


class Imu(Reading):
    accel: Vec3 | Empty = Field(default_factory=list)
    gyro: Vec3 | Empty = Field(default_factory=list)
    gravity: Vec3 | Empty = Field(default_factory=list)
    attitude: Annotated[list[float], Field(min_length=4, max_length=4)] | Empty = Field(
        default_factory=list
    )


class Barometer(Reading):
    pressureHpa: float = Field(gt=100, lt=1200)
    relativeAltitudeM: float | None = None


class Position(Reading):
    lat: float = Field(ge=-90, le=90)
    lng: float = Field(ge=-180, le=180)
    accuracyM: float | None = Field(default=None, ge=0)
    altitudeM: float | None = None
    speedMps: float | None = None
    bearingDeg: float | None = None
    source: Label | None = None


class Context(Reading):
    screenOn: bool | None = None
    appForeground: bool | None = None
    batteryLevel: float | None = None
    charging: bool | None = None
    network: Label | None = None
    motionActivity: Label | None = None


class Magnetometer(Reading):
    x: float
    y: float
    z: float


class Sample(Reading):
    """One SDK sample; ``ts`` is unix seconds."""

    ts: float
    imu: Imu | None = None
    barometer: Barometer | None = None
    position: Position | None = None
    context: Context | None = None
    magnetometer: Magnetometer | None = None


SAMPLES = TypeAdapter(list[Sample], config=ConfigDict(defer_build=True))
"""Built on first use, like the models (``common``): the read handlers import this module for
the batch ledger and never validate a sample."""


class TelemetryBatch(Request):
    """The body: samples stay raw here and are checked one by one (see module docstring)."""

    sessionId: str = Field(min_length=1, max_length=64)
    events: list[Any] = Field(min_length=1, max_length=names.MAX_SAMPLES_PER_BATCH)

    def __repr_args__(self) -> Iterator[tuple[str, Any]]:
        """A summary, not 250 samples: Powertools formats route arguments into a debug
        f-string on every request (eagerly), and a full repr cost ~15 ms a batch."""
        yield "sessionId", self.sessionId
        yield "events", f"<{len(self.events)} samples>"


class Rejection(Response):
    index: int
    reason: str


MAX_REPORTED_REJECTIONS = 20
"""How many rejections an answer, an error's details and the ledger keep (the first ones)."""


def reported(rejections: list[Rejection] | None) -> list[dict[str, Any]]:
    """The first ``MAX_REPORTED_REJECTIONS`` rejections as JSON objects."""
    return [r.model_dump() for r in (rejections or [])[:MAX_REPORTED_REJECTIONS]]


class TelemetryAccepted(Response):
    """The answer to a batch: what was kept, what was dropped and why (first 20 reasons)."""

    sessionId: str
    accepted: int
    rejected: int
    duplicate: bool = False
    late: bool = False
    rejections: list[Rejection] = Field(default_factory=list)
