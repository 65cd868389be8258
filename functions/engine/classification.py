"""The headline verdict of a session: one category and how often that verdict is right.

``classify`` reads the findings and the reason codes (``judgement``) and names one of
``categories.CATEGORIES``; the first rule that holds wins:

1. ``insufficient_data``: INSUFFICIENT_DATA, or a session type with no door (``transit``);
2. ``lobby_handoff``: POSSIBLE_LOBBY_HANDOFF;
3. ``wrong_address``: POSSIBLE_WRONG_ADDRESS;
4. ``no_attempt``: NO_ATTEMPT, POSSIBLE_NO_ATTEMPT or PARTIAL_ATTEMPT (no door stop: nothing
   was handed over);
5. ``curbside_handoff``: FULL_ATTEMPT without entering a building (no GATE from a GPS loss or
   a vertical move) whose door stop is within ``CURBSIDE_M`` of where the courier left the
   vehicle: the parcel changed hands at the kerb;
6. ``door_delivery``: FULL_ATTEMPT otherwise;
7. anything else (on foot, no door stop, nothing to tell the direction): ``insufficient_data``.

``confidence`` is calibrated: it is the share of sessions given that verdict *on that basis*
(``basis``: the rule and what it rested on, e.g. whether GPS was trusted) whose verdict was
right, measured on the simulator's scenarios (``doorproof.calibration``, which also prints
the real sets' figures). ``CALIBRATION`` holds the measured shares; a basis never measured
falls back to its category's share, then to ``UNMEASURED``.
tests/unit/engine/test_classification.py re-measures them and fails when the table drifts
from the engine.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from functions.engine.gps import haversine_m
from functions.engine.judgement import ATTEMPT_SESSION_TYPES, Findings, Verdict

CURBSIDE_M = 15.0
"""A door stop this close to where the vehicle was left is a handover at the kerb."""
BUILDING_ENTRY_BASES = ("gps-loss", "gps-loss-far", "vertical-move")
"""GATE bases that prove the courier went inside (``place.GATE_CONFIDENCE``)."""
UNMEASURED = 0.5
"""The confidence of a verdict on a basis the calibration never saw."""

CALIBRATION: dict[str, float] = {
    "curbside_handoff": 0.88,
    "curbside_handoff/gps-trusted": 0.88,
    "door_delivery": 0.99,
    "door_delivery/inside/gps-distrusted": 0.92,
    "door_delivery/inside/gps-trusted": 0.99,
    "insufficient_data": 0.44,
    "insufficient_data/INSUFFICIENT_DATA": 0.44,
    "lobby_handoff": 0.88,
    "lobby_handoff/gps-trusted": 0.88,
    "no_attempt": 0.98,
    "no_attempt/NO_ATTEMPT": 0.95,
    "no_attempt/PARTIAL_ATTEMPT": 0.96,
    "no_attempt/POSSIBLE_NO_ATTEMPT": 0.93,
    "wrong_address": 0.78,
    "wrong_address/gps-distrusted": 0.33,
    "wrong_address/gps-trusted": 0.88,
}
"""(right + 1) / (n + 2) per basis, and per category pooled over its bases, from
``python -m doorproof.calibration --seeds 3`` (24 scenarios x 3 seeds x Android and iOS,
and the real sets; docs/engine.md quotes the run), which prints this table to paste.
Bases no run produced are absent. INSUFFICIENT_DATA since engine 2026.12.6: entry/ and
building/ (GPS + barometer) are judged and no longer count as 75 right verdicts; left are the
six-second scenario (6 of 6) and vertical/stay's short recordings (0 of 8)."""


def _median_fix(fd: Findings, t0: float, t1: float) -> tuple[float, float] | None:
    f = fd.fixes
    inside = (f.t >= t0) & (f.t <= t1)
    if not inside.any():
        return None
    return float(np.median(f.lat[inside])), float(np.median(f.lng[inside]))


def _door_to_vehicle_m(fd: Findings) -> float | None:
    """Metres from where the vehicle was left (the median fix of the halt between the last
    DRIVING segment before the door stop and the walk that followed) to the door stop (its
    median fix); None without a drive, a door stop or fixes to place them."""
    door = fd.place.door
    if door is None or len(fd.fixes) == 0:
        return None
    segments = fd.activity.segments
    drives = [s for s in segments if s.kind == "DRIVING" and s.t_end <= door.t_start]
    if not drives:
        return None
    parked = drives[-1].t_end
    walks = [s.t_start for s in segments if s.kind == "WALKING" and s.t_start >= parked]
    vehicle = _median_fix(fd, parked, min(walks) if walks else door.t_start)
    at_door = _median_fix(fd, door.t_start, door.t_end)
    if vehicle is None or at_door is None:
        return None
    return float(haversine_m(vehicle[0], vehicle[1], at_door[0], at_door[1]))


def category_and_basis(fd: Findings, verdict: Verdict) -> tuple[str, str]:
    """The category and the basis it rests on (module docstring for the rules)."""
    codes = set(verdict.reason_codes)
    gps = "gps-trusted" if fd.gps_trusted() else "gps-distrusted"
    if "INSUFFICIENT_DATA" in codes:
        return "insufficient_data", "insufficient_data/INSUFFICIENT_DATA"
    if fd.session_type not in ATTEMPT_SESSION_TYPES:
        return "insufficient_data", "insufficient_data/no-door"
    if "POSSIBLE_LOBBY_HANDOFF" in codes:
        return "lobby_handoff", f"lobby_handoff/{gps}"
    if "POSSIBLE_WRONG_ADDRESS" in codes:
        return "wrong_address", f"wrong_address/{gps}"
    for code in ("NO_ATTEMPT", "POSSIBLE_NO_ATTEMPT", "PARTIAL_ATTEMPT"):
        if code in codes:
            return "no_attempt", f"no_attempt/{code}"
    if "FULL_ATTEMPT" in codes:
        inside = fd.place.gate_basis in BUILDING_ENTRY_BASES
        if not inside:
            to_vehicle = _door_to_vehicle_m(fd)
            if to_vehicle is not None and to_vehicle <= CURBSIDE_M:
                return "curbside_handoff", f"curbside_handoff/{gps}"
        where = "inside" if inside else "street"
        return "door_delivery", f"door_delivery/{where}/{gps}"
    return "insufficient_data", "insufficient_data/undecided"


def confidence_of(basis: str) -> float:
    """The calibrated share of right verdicts on ``basis`` (falls back to its category)."""
    category = basis.split("/", 1)[0]
    return CALIBRATION.get(basis, CALIBRATION.get(category, UNMEASURED))


def classify(fd: Findings, verdict: Verdict) -> dict[str, Any]:
    """``{category, confidence, basis}`` for the insights document."""
    category, basis = category_and_basis(fd, verdict)
    return {"category": category, "confidence": confidence_of(basis), "basis": basis}
