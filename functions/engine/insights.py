"""The engine's entry point: one session's telemetry and context in, the case file out.

The processor Lambda, ``doorproof analyze`` and the tests all call ``compute_insights``; it
is pure (numpy only, no I/O) and deterministic, so the same telemetry gives the same
document on a laptop and in Lambda. The pipeline:

    Telemetry ─ signal.motion ─ steps.detect_steps ─ vertical.detect_vertical   (sensing)
              ─ gps.fixes ─ activity.on_foot_moves (a climbing street is no floor)
              ─ activity.segment_activity ─ place.locate (entry.passages) ─ integrity
              ─ quality.measure ─ judgement.judge ─ document.assemble
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np

from functions.engine import integrity
from functions.engine.activity import on_foot_moves, segment_activity
from functions.engine.address import building_id, ground_floor
from functions.engine.building import Entrance, Observation, Storeys
from functions.engine.classification import classify
from functions.engine.document import assemble, elevation
from functions.engine.gps import Fixes, fixes
from functions.engine.judgement import Findings, judge
from functions.engine.place import Place, locate, parse_floor
from functions.engine.quality import measure
from functions.engine.signal import motion, relative_height
from functions.engine.steps import detect_steps
from functions.engine.telemetry import Telemetry
from functions.engine.types import VerticalMove
from functions.engine.version import ENGINE_VERSION
from functions.engine.vertical import detect_vertical

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
    "ground floor" → the ground floor), None when it names none; ``ground_floor`` how the
    address's country numbers its ground floor (0 or 1, None unknown: ``building``);
    ``building_id`` the building the address is in (``building.building_id``).
    """

    session_type: str = "drop"
    started_at: float | None = None
    ended_at: float | None = None
    address_lat: float | None = None
    address_lng: float | None = None
    address_floor: int | None = None
    end_reason: EndReason = "stopped"
    ground_floor: int | None = None
    building_id: str | None = None
    session_id: str = ""

    def claimed_levels(self, storeys: Storeys) -> tuple[int, ...]:
        """The levels above the entrance the address's floor may be: its floor number minus
        the ground floor (both 0 and 1 when the country is unknown) minus how far above the
        ground the building is entered."""
        if self.address_floor is None:
            return ()
        grounds = (0, 1) if self.ground_floor is None else (self.ground_floor,)
        return tuple(self.address_floor - g - storeys.entrance_offset for g in grounds)

    @classmethod
    def from_start_request(
        cls,
        start: Mapping[str, Any],
        *,
        started_at: float | None = None,
        ended_at: float | None = None,
        end_reason: EndReason = "stopped",
        session_id: str = "",
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
            ground_floor=ground_floor(address.get("country")),
            building_id=building_id(address),
            session_id=session_id or str(start.get("sessionId") or ""),
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


@dataclass(frozen=True)
class Result:
    """A session's insights document and what it taught about its building (None when the
    session has no building: no address to tell which)."""

    document: dict[str, Any]
    observation: Observation | None


def compute_insights(
    tel: Telemetry,
    ctx: SessionContext,
    storeys: Storeys | None = None,
    entrances: tuple[Entrance, ...] = (),
) -> dict[str, Any]:
    """The engine's part of the insights document (API.md), JSON-ready: summary,
    reasonCodes, events, metrics, evidence, dataQuality, engineVersion, path, elevation,
    building, classification.

    ``storeys`` is the building's storey model learned from *other* sessions (default: 3.0 m
    a storey), ``entrances`` where they went through its doors (``building.Profile``: the
    GATE prefers a sure one, ``place.locate``). Never raises on valid-but-poor input: empty
    or tiny telemetry gives INSUFFICIENT_DATA.
    """
    return compute(tel, ctx, storeys, entrances).document


def compute(
    tel: Telemetry,
    ctx: SessionContext,
    storeys: Storeys | None = None,
    entrances: tuple[Entrance, ...] = (),
) -> Result:
    """``compute_insights``, with the session's building observation."""
    storeys = storeys or Storeys()
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
    claimed = ctx.claimed_levels(storeys)
    th = relative_height(tel)
    last = float(tel.t[-1]) if len(tel) else 0.0
    place = locate(th, last, activity, f, moves, address, claimed, storeys, entrances)
    spans = _spans(moves, th, place)
    counted = _count_floors(moves, spans, storeys)
    moves = tuple(mv for mv, _ in counted)
    started, ended = session_span(tel, ctx)
    quality = measure(tel, m, f, started, max(ended, started))
    findings = Findings(
        session_type=ctx.session_type,
        end_reason=ctx.end_reason,
        address=address,
        address_floor=ctx.address_floor,
        claimed_levels=claimed,
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
    verdict = judge(findings)
    document = assemble(findings, verdict, quality, ENGINE_VERSION)
    document["elevation"] = elevation(*th, quality.started_at)
    document["classification"] = classify(findings, verdict)
    for event in document["events"]:
        found = _counted_move(event, counted, quality.started_at)
        if found is not None:
            mv, confidence = found
            event["metadata"]["floorsConfidence"] = round(confidence, 3)
            # one meaning everywhere: one standard deviation of this move's measured height
            event["metadata"]["heightSdM"] = round(mv.height_sd_m, 2)
    document["building"] = _building_use(ctx, storeys, place, claimed, findings.right_doorstep())
    return Result(document, _observation(ctx, spans, place, f, started))


GPS_ENTRANCE = ("gps-loss", "gps-loss-far")


def _spans(
    moves: tuple[VerticalMove, ...], th: tuple[np.ndarray, np.ndarray], place: Place
) -> list[tuple[float, float]]:
    """(start, end) height of each move above the building's entrance level.

    With a GATE from GPS the entrance is where GPS was lost. Without one (the courier was
    already inside, or the phone has no GPS) the lowest level the session dwelt at stands for
    it: couriers come in from the street, and a ride that starts upstairs ends at the lobby.
    """
    t, h = th
    if t.shape[0] == 0:
        return [(0.0, mv.height_m) for mv in moves]
    base = place.entrance_height_m or 0.0
    starts = [float(np.interp(mv.t_start, t, h)) - base for mv in moves]
    spans = [(a, a + mv.height_m) for a, mv in zip(starts, moves, strict=True)]
    if place.gate_basis not in GPS_ENTRANCE and spans:
        lowest = min(0.0, *(min(a, b) for a, b in spans))
        spans = [(a - lowest, b - lowest) for a, b in spans]
    return spans


def _count_floors(
    moves: tuple[VerticalMove, ...], spans: list[tuple[float, float]], storeys: Storeys
) -> list[tuple[VerticalMove, float]]:
    """Each move with its floors counted on the building's levels (from the level its start
    is on to the level its end is on) and the probability that count is right."""
    out = []
    for mv, (start, end) in zip(moves, spans, strict=True):
        floors = storeys.floors_between(start, end)
        out.append((replace(mv, floors=floors), storeys.floors_confidence(start, end, floors)))
    return out


def _counted_move(
    event: dict[str, Any], counted: list[tuple[VerticalMove, float]], t0: float
) -> tuple[VerticalMove, float] | None:
    """The move (with its floor count's confidence) a vertical-move event was made from."""
    for mv, confidence in counted:
        if event["type"] == mv.mode and event["tStart"] == round(mv.t_start - t0, 3):
            return mv, confidence
    return None


def _building_use(
    ctx: SessionContext,
    storeys: Storeys,
    place: Place,
    claimed: tuple[int, ...],
    right_doorstep: bool | None,
) -> dict[str, Any]:
    """Which storey model the floors were counted with, where it came from, and the door's
    floor against the address's claim."""
    entrance = None if ctx.ground_floor is None else ctx.ground_floor + storeys.entrance_offset
    door_height = place.door_height_m
    door_confidence = None
    if door_height is not None and place.door_level is not None:
        door_confidence = round(storeys.level_confidence(door_height, place.door_level), 3)
    return {
        "buildingId": ctx.building_id,
        "storeyHeightM": round(storeys.storey_m, 2),
        "lobbyHeightM": round(storeys.lobby_m, 2),
        "entranceFloor": entrance,
        "source": storeys.source,
        "sessionsSeen": storeys.sessions_seen,
        "storeyConfidence": round(storeys.storey_confidence, 3),
        "doorLevel": place.door_level,
        "doorFloor": None
        if entrance is None or place.door_level is None
        else entrance + place.door_level,
        "doorFloorConfidence": door_confidence,
        "claimedFloor": ctx.address_floor,
        "claimedFloorMatches": place.floor_ok if claimed else None,
    }


def _observation(
    ctx: SessionContext,
    spans: list[tuple[float, float]],
    place: Place,
    f: Fixes,
    started: float,
) -> Observation | None:
    """What this session measured in its building: the heights it dwelt at above the
    entrance (where its first move started, where each move ended), the door's, the
    address's claim and where GPS was lost."""
    if ctx.building_id is None:
        return None
    gate = exit_ = None
    if place.gate is not None and place.gate_basis in GPS_ENTRANCE and len(f):
        i = f.fix_at(place.gate)
        gate = (float(f.lat[i]), float(f.lng[i]))
    # the way out of the building the GATE entered (or the session began in): its first sky fix
    since = place.gate if gate is not None else -math.inf if place.began_inside else None
    out = [
        p.t for p in place.passages if p.direction == "out" and since is not None and p.t > since
    ]
    if out and len(f):
        i = min(int(np.searchsorted(f.t, out[0], side="left")), len(f) - 1)
        exit_ = (float(f.lat[i]), float(f.lng[i]))
    return Observation(
        session_id=ctx.session_id,
        at=started,
        heights_m=tuple([spans[0][0]] + [end for _, end in spans] if spans else []),
        door_height_m=place.door_height_m,
        claimed_floor=ctx.address_floor,
        ground_floor=ctx.ground_floor,
        gate=gate,
        exit=exit_,
    )
