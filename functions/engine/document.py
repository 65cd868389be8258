"""The engine's part of the insights document (API.md), JSON-ready.

Times become seconds from the session start, floats are rounded to what the sensors can
support (ms for times, 3 decimals for scores, 6 decimals for coordinates: ~0.1 m), and no
numpy type or NaN reaches the output, so ``json.dumps`` and DynamoDB accept it as is.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from functions.engine.activity import WINDOW_S, Activity
from functions.engine.gps import Fixes
from functions.engine.judgement import Findings, Verdict
from functions.engine.place import Place
from functions.engine.quality import Quality
from functions.engine.types import VerticalMove

MAX_PATH_POINTS = 500
"""The path image needs the shape of the trip, not every fix."""
EVENT_ORDER = ("DRIVING", "WALKING", "GATE", "STAIRS", "ELEVATOR", "ESCALATOR", "STOPPED")


def _t(x: float, t0: float) -> float:
    return round(float(x) - t0, 3)


def events(
    activity: Activity, moves: tuple[VerticalMove, ...], place: Place, t0: float
) -> list[dict[str, Any]]:
    """Activity segments, vertical moves, the GATE and the door stop, by start time. Every
    door GPS saw is a GATE event: the GATE itself, later entries and the exits
    (``metadata.direction`` "in" / "out")."""
    out: list[dict[str, Any]] = []
    door = place.door
    for seg in activity.segments:
        # every event carries metadata, null when it has none: the API's shape, so that
        # ``doorproof analyze`` prints what GET /v1/sessions/{id}/insights serves
        event: dict[str, Any] = {
            "type": seg.kind,
            "tStart": _t(seg.t_start, t0),
            "tEnd": _t(seg.t_end, t0),
            "confidence": seg.confidence,
            "metadata": {"atDoor": seg == door} if seg.kind == "STOPPED" else None,
        }
        out.append(event)
    for mv in moves:
        out.append(
            {
                "type": mv.mode,
                "tStart": _t(mv.t_start, t0),
                "tEnd": _t(mv.t_end, t0),
                "confidence": round(float(mv.confidence), 3),
                "metadata": {
                    "direction": mv.direction,
                    "floors": int(abs(mv.floors)),
                    "heightM": round(float(mv.height_m), 2),
                },
            }
        )
    if place.gate is not None:
        out.append(
            {
                "type": "GATE",
                "tStart": _t(place.gate, t0),
                "tEnd": None,
                "confidence": place.gate_confidence,
                "metadata": {"basis": place.gate_basis, "direction": "in"}
                | ({} if place.entrance is None else {"entrance": place.entrance.to_json()}),
            }
        )
    # the other doors GPS saw: later entries (those up to the GATE were it or were driven
    # through) and every exit
    gate = place.gate if place.gate_basis in ("gps-loss", "gps-loss-far") else None
    for p in place.passages:
        if p.direction == "in" and gate is not None and p.t <= gate + WINDOW_S:
            continue
        out.append(
            {
                "type": "GATE",
                "tStart": _t(p.t, t0),
                "tEnd": None,
                "confidence": round(p.confidence, 3),
                "metadata": {
                    "basis": "gps-loss" if p.direction == "in" else "gps-regained",
                    "direction": p.direction,
                },
            }
        )
    out.sort(key=lambda e: (e["tStart"], EVENT_ORDER.index(e["type"])))
    return out


def path(f: Fixes, t0: float) -> list[list[float]]:
    """[tSec, lat, lng] of the fixes, evenly thinned to ``MAX_PATH_POINTS`` (last kept)."""
    n = len(f)
    if n == 0:
        return []
    idx = np.unique(np.linspace(0, n - 1, min(n, MAX_PATH_POINTS)).round().astype(int))
    return [[_t(f.t[i], t0), round(float(f.lat[i]), 6), round(float(f.lng[i]), 6)] for i in idx]


def elevation(t: np.ndarray, h: np.ndarray, t0: float) -> list[list[float]]:
    """[tSec, metres above the start] of the barometer heights, thinned like ``path``: the
    case file's elevation profile (centimetres are below what a phone's barometer resolves)."""
    n = int(t.shape[0])
    if n == 0:
        return []
    idx = np.unique(np.linspace(0, n - 1, min(n, MAX_PATH_POINTS)).round().astype(int))
    return [[_t(t[i], t0), round(float(h[i]), 2)] for i in idx]


def _metric(x: float | None) -> float | None:
    return None if x is None else round(float(x), 3)


def assemble(
    fd: Findings, verdict: Verdict, quality: Quality, engine_version: str
) -> dict[str, Any]:
    """The document (keys as in API.md; see ``insights.compute_insights``)."""
    t0 = quality.started_at
    place, door = fd.place, fd.place.door
    to_door = door.t_start - place.gate if door is not None and place.gate is not None else None
    return {
        "summary": {
            "fraudScore": round(verdict.fraud, 3),
            "frictionScore": round(verdict.friction, 3),
            "visibilityScore": round(verdict.visibility, 3),
            "rightDoorstep": fd.right_doorstep(),
            "suspiciousBehavior": verdict.suspicious,
            "floorsClimbed": fd.floors_climbed(),
            "elevatorUsed": any(mv.mode == "ELEVATOR" for mv in fd.moves),
            "totalDurationSec": round(quality.duration_s, 3),
            "attemptCycles": verdict.attempt_cycles,
        },
        "reasonCodes": list(verdict.reason_codes),
        "events": events(fd.activity, fd.moves, place, t0),
        "metrics": {
            "timeFromEntranceToDoorSec": _metric(
                max(to_door, 0.0) if to_door is not None else None
            ),
            "timeAtDoorSec": _metric(door.seconds if door is not None else None),
        },
        "evidence": verdict.evidence,
        "dataQuality": quality.to_json(),
        "engineVersion": engine_version,
        "path": path(fd.fixes, t0),
    }
