"""The engine's entry point: one session's telemetry and context in, the case file out.

The processor Lambda, ``doorproof analyze`` and the tests all call ``compute_insights``; it
is pure (numpy only, no I/O) and deterministic, so the same telemetry gives the same
document on a laptop and in Lambda. The pipeline:

    Telemetry ─ signal.motion ─ steps.detect_steps ─ vertical.detect_vertical   (sensing)
              ─ gps.fixes ─ activity.on_foot_moves (a climbing street is no floor)
              ─ activity.segment_activity ─ place.locate ─ integrity             (judgement)
              ─ quality.measure ─ judgement.judge ─ document.assemble
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from functions.engine import integrity
from functions.engine.activity import on_foot_moves, segment_activity
from functions.engine.document import assemble
from functions.engine.gps import fixes
from functions.engine.judgement import Findings, judge
from functions.engine.place import locate, parse_floor
from functions.engine.quality import measure
from functions.engine.signal import motion
from functions.engine.steps import detect_steps
from functions.engine.telemetry import Telemetry
from functions.engine.vertical import detect_vertical

ENGINE_VERSION = "2026.11.1"
"""Bump whenever the output for the same input can change (reprocessing compares it)."""

EndReason = Literal["stopped", "timeout", "interrupted"]
SESSION_TYPES = ("pickup", "drop", "transit")


@dataclass(frozen=True)
class SessionContext:
    """What the engine knows about a session besides its samples.

    ``started_at``/``ended_at`` (server clock) default to the first and last sample (phone
    clock). The clocks disagree (skew; the demo replays at accelerated speed), so the
    session spans both, whichever is wider: no event time is negative or beyond the end. A
    session that timed out ends at its last sample (the sweeper ends it hours later: that
    silence is the missing stop, reported as SESSION_TIMEOUT, not a gap in the data).
    ``address_floor`` is
    the floor the address names (``place.parse_floor``: "Floor 4", "4th floor", "Apt 4B" → 4,
    "ground floor" → 0, "basement" → -1), None when it names none.
    """

    session_type: str = "drop"
    started_at: float | None = None
    ended_at: float | None = None
    address_lat: float | None = None
    address_lng: float | None = None
    address_floor: int | None = None
    end_reason: EndReason = "stopped"

    @classmethod
    def from_start_request(
        cls,
        start: Mapping[str, Any],
        *,
        started_at: float | None = None,
        ended_at: float | None = None,
        end_reason: EndReason = "stopped",
    ) -> SessionContext:
        """From a POST /v1/sessions/start body. Tolerant: an unusable address (missing,
        non-numeric, out of range, or exactly 0,0, the usual "unknown" placeholder) is None;
        an unknown session type is treated as a drop."""
        address = start.get("address")
        address = address if isinstance(address, Mapping) else {}
        lat, lng = _coordinate(address.get("lat"), 90.0), _coordinate(address.get("lng"), 180.0)
        if lat is None or lng is None or (lat == 0.0 and lng == 0.0):
            lat = lng = None
        session_type = start.get("sessionType")
        return cls(
            session_type=session_type if session_type in SESSION_TYPES else "drop",
            started_at=started_at,
            ended_at=ended_at,
            address_lat=lat,
            address_lng=lng,
            address_floor=parse_floor(address),
            end_reason=end_reason,
        )


def _coordinate(value: Any, limit: float) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    x = float(value)
    return x if math.isfinite(x) and abs(x) <= limit else None


def session_span(tel: Telemetry, ctx: SessionContext) -> tuple[float, float]:
    """(start, end) of the session in unix seconds (``SessionContext``): the server's clock
    widened to the phone's samples. Without samples it is the server's span alone (0 when
    neither is known), never measured from a sample time of 0."""
    if not len(tel):
        started = ctx.started_at if ctx.started_at is not None else ctx.ended_at or 0.0
        ended = started if ctx.ended_at is None or ctx.end_reason == "timeout" else ctx.ended_at
        return started, max(ended, started)
    first, last = float(tel.t[0]), float(tel.t[-1])
    started = first if ctx.started_at is None else min(ctx.started_at, first)
    ended = last if ctx.ended_at is None else max(ctx.ended_at, last)
    if ctx.end_reason == "timeout":
        ended = last  # the sweeper's clock is not the delivery's
    # The phone's clock is not the server's: samples outside [start, stop] (clock skew,
    # a replay faster than real time) widen the session to the data, never shrink it.
    return min(started, first), max(ended, last)


def compute_insights(tel: Telemetry, ctx: SessionContext) -> dict[str, Any]:
    """The engine's part of the insights document (API.md), JSON-ready: summary,
    reasonCodes, events, metrics, evidence, dataQuality, engineVersion, path.

    Never raises on valid-but-poor input: empty or tiny telemetry gives INSUFFICIENT_DATA.
    """
    m = motion(tel)
    steps = detect_steps(tel, m)
    f = fixes(tel)
    moves = tuple(on_foot_moves(detect_vertical(tel, m, steps), f))
    activity = segment_activity(tel, m, steps, list(moves), f)
    address = (
        (ctx.address_lat, ctx.address_lng)
        if ctx.address_lat is not None and ctx.address_lng is not None
        else None
    )
    place = locate(tel, activity, f, moves, address, ctx.address_floor)
    started, ended = session_span(tel, ctx)
    quality = measure(tel, m, f, started, max(ended, started))
    findings = Findings(
        session_type=ctx.session_type,
        end_reason=ctx.end_reason,
        address=address,
        address_floor=ctx.address_floor,
        quality=quality,
        activity=activity,
        steps=steps,
        moves=moves,
        place=place,
        fixes=f,
        gps_checks={
            "impossibleGpsJumps": integrity.jumps(f),
            "gpsMovesWhilePhoneStill": integrity.moving_while_still(f, activity),
            "frozenOrMockGps": integrity.frozen(f, activity, steps),
            "replayedGpsTrack": integrity.replayed(f),
        },
    )
    return assemble(findings, judge(findings), quality, ENGINE_VERSION)
