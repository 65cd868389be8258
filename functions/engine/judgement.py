"""Reason codes, scores and the evidence behind each: the engine's verdict.

Every reason code is a rule over the findings (activity, place, vertical moves, GPS
integrity, data quality). Each rule is a function below whose docstring's first paragraph
*is* the rule: it is copied into the document's ``evidence[code]["rule"]`` together with the
figures that fired it, so a person reading a case file sees why, in the engine's own words.

Attempt codes (FULL_ATTEMPT … POSSIBLE_NO_ATTEMPT) are judged for ``drop`` and ``pickup``
sessions only (a ``transit`` session has no door), and not at all when the data is
insufficient. Codes are listed in API.md's order.

Scores (0..1, higher = more):

- ``fraudScore`` = 1 - prod(1 - w_i * s_i) over the signals in ``FRAUD_WEIGHTS`` (strength
  s_i in 0..1): independent pieces of evidence that each could be innocent but compound. A single
  signal at full strength gives its weight; ``suspiciousBehavior`` is fraudScore ≥ 0.5.
- ``frictionScore`` = 1 - exp(-x), x = max(0, entrance→door - 30 s)/240 s + 0.12 per stair
  floor + 0.04 per elevator/escalator floor + max(0, time at door - 60 s)/300 s
  + 0.35 per extra attempt cycle: what made the delivery slow or hard.
- ``visibilityScore`` = covered/duration * (0.45 imu + 0.25 barometer + 0.30 gps), imu = 1 at
  ≥ 5 Hz (0.5 below: no steps), gps = min(1, 2 * share of the session with a fresh fix of
  30 m or better; half the session indoors without GPS is normal).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from functions.engine.activity import Activity
from functions.engine.gps import Fixes
from functions.engine.integrity import Check
from functions.engine.place import ARRIVAL_RADIUS_M, FLOOR_M, Place, under_sky
from functions.engine.quality import Quality
from functions.engine.steps import MIN_RATE_HZ
from functions.engine.types import Steps, VerticalMove

MIN_IMU_SAMPLES = 20
MIN_COVERED_S = 20.0
MIN_GPS_FIXES = 20
"""Without an IMU, GPS and a barometer still place the courier (walking pace, the door, the
entry) and measure floors: a 1-Hz iPhone stream (entry/, building/) sends one fix a second."""
INTERRUPT_GAP_S = 30.0
EDGE_GAP_S = 120.0
"""Silence after the start or before the stop that counts as lost data: the server's clock
(start, stop) and the phone's (samples) can disagree by a minute, and sensors start late."""
ON_FOOT_STEPS = 20
ON_FOOT_WALK_S = 10.0
APPROACH_M = 15.0
NEAR_M = 2 * ARRIVAL_RADIUS_M
FRAUD_WEIGHTS = {
    "neverLeftVehicle": 0.7,
    "doorFarFromAddress": 0.6,
    "impossibleGpsJumps": 0.7,
    "gpsMovesWhilePhoneStill": 0.7,
    "claimedFloorWithoutPressureChange": 0.5,
    "frozenOrMockGps": 0.7,
    "replayedGpsTrack": 0.7,
    "neverApproachedAddress": 0.3,
}
SUSPICIOUS_AT = 0.5
GPS_DISTRUST_AT = 0.5
"""A GPS integrity check this strong voids every verdict that rests on the fixes' position."""
DOOR_FAR_SCALE_M = 250.0
"""Beyond the arrival radius, the door-far signal grows to full strength over this much."""
ATTEMPT_SESSION_TYPES = ("drop", "pickup")


@dataclass(frozen=True)
class Findings:
    """Everything the rules read (unix seconds)."""

    session_type: str
    end_reason: str
    address: tuple[float, float] | None
    address_floor: int | None
    quality: Quality
    activity: Activity
    steps: Steps
    moves: tuple[VerticalMove, ...]
    place: Place
    fixes: Fixes
    gps_checks: dict[str, Check]
    claimed_levels: tuple[int, ...] = ()
    """Levels above the entrance the address's floor may be (``SessionContext``)."""

    def walking_s(self) -> float:
        stairs = sum(mv.t_end - mv.t_start for mv in self.moves if mv.mode == "STAIRS")
        return self.activity.seconds("WALKING") + stairs

    def imu_blind(self) -> bool:
        """No IMU to speak of: GPS and the barometer are all there is (a 1-Hz GPS stream)."""
        return self.quality.imu_samples < MIN_IMU_SAMPLES

    def on_foot(self) -> bool:
        """Steps or walking; without an IMU also any vertical move (a vehicle takes no lift,
        and ``activity.on_foot_moves`` dropped the roads)."""
        if self.steps.count >= ON_FOOT_STEPS or self.walking_s() >= ON_FOOT_WALK_S:
            return True
        return self.imu_blind() and bool(self.moves)

    def judged(self) -> bool:
        return self.session_type in ATTEMPT_SESSION_TYPES and insufficient_data(self) is None

    def floors_climbed(self) -> int:
        """Floors of the upward moves made inside: a move whose middle GPS puts outdoors
        (before the GATE, after an exit: ``Place.inside``), or, where GPS saw no door at all,
        a move made under fresh sky fixes throughout (``place.under_sky``), is a street's
        slope or steps up to a door, not a floor of the building."""
        return sum(abs(mv.floors) for mv in self.moves if mv.direction == "up" and self._inside(mv))

    def _inside(self, mv: VerticalMove) -> bool:
        inside = self.place.inside((mv.t_start + mv.t_end) / 2)
        if inside is None:
            return not under_sky(self.fixes, mv.t_start, mv.t_end)
        return inside

    def gps_trusted(self) -> bool:
        """No GPS integrity check fired at half strength or more (``integrity``)."""
        return all(c.strength < GPS_DISTRUST_AT for c in self.gps_checks.values())

    def right_doorstep(self) -> bool | None:
        """The place's verdict, unless the GPS it rests on is not to be believed."""
        return self.place.right_doorstep if self.gps_trusted() else None

    def approached(self) -> bool | None:
        """Did the walk get nearer the address? None when GPS or the address is missing."""
        p = self.place
        if p.gate is not None:
            return True
        if p.closest_m is None or p.approach_m is None:
            return None
        return p.closest_m <= NEAR_M and p.approach_m >= APPROACH_M


Evidence = dict[str, Any]


def _round(x: float | None, digits: int = 1) -> float | None:
    return None if x is None else round(float(x), digits)


# --- the rules ----------------------------------------------------------------------------


def full_attempt(fd: Findings) -> Evidence | None:
    """The courier left the vehicle on foot and made a door stop: a STOPPED segment of at
    least 8 s walked to (and from, or ending the session) after entering the building (GATE:
    GPS lost, or a stairs/elevator/escalator move) or, without a GATE, at the address; at the
    highest or lowest floor reached."""
    door = fd.place.door
    if not (fd.judged() and fd.on_foot() and door is not None):
        return None
    return {
        "doorStopSec": _round(door.seconds),
        "doorStopStartSec": _round(door.t_start - fd.quality.started_at),
        "gateBasis": fd.place.gate_basis,
        "steps": fd.steps.count,
        "walkingSec": _round(fd.walking_s()),
    }


def delivered_to_right_doorstep(fd: Findings) -> Evidence | None:
    """FULL_ATTEMPT, and the door stop's best GPS fix is within the arrival radius (50 m +
    its accuracy) of the address and, when the address names a floor and a barometer is
    present, the door is within one floor of it; and no GPS integrity check fired."""
    if full_attempt(fd) is None or fd.right_doorstep() is not True:
        return None
    return _door_figures(fd)


def _door_figures(fd: Findings) -> Evidence:
    p = fd.place
    return {
        "distanceM": _round(p.door_distance_m),
        "accuracyM": _round(p.door_accuracy_m),
        "radiusM": _round(p.radius_m),
        "addressFloor": fd.address_floor,
        "doorFloor": p.door_level,
        "doorHeightM": _round(p.door_height_m, 2),
    }


def no_attempt(fd: Findings) -> Evidence | None:
    """The courier never left the vehicle: fewer than 20 steps and under 10 s of walking in
    the whole session."""
    if not fd.judged() or fd.on_foot():
        return None
    return {
        "steps": fd.steps.count,
        "walkingSec": _round(fd.walking_s()),
        "drivingSec": _round(fd.activity.seconds("DRIVING")),
        "stepsVisible": fd.quality.rate_hz >= MIN_RATE_HZ,
    }


def partial_attempt(fd: Findings) -> Evidence | None:
    """The courier walked toward the address but made no door stop: on foot, no door stop,
    and either entered a building (GATE), or got within 100 m of the address having closed
    in by at least 15 m, or (without GPS or address to tell) walked at least 20 s."""
    if not fd.judged() or not fd.on_foot() or fd.place.door is not None:
        return None
    approached = fd.approached()
    if approached is False or (approached is None and fd.walking_s() < 20.0):
        return None
    return {
        "closestM": _round(fd.place.closest_m),
        "approachM": _round(fd.place.approach_m),
        "walkingSec": _round(fd.walking_s()),
        "gps": approached is not None,
    }


def possible_lobby_handoff(fd: Findings) -> Evidence | None:
    """FULL_ATTEMPT at an address that names a floor at least 2 away from the entrance
    level, but the pressure at the door stop is that of the entrance (under half a floor):
    the parcel changed hands downstairs. Needs a barometer."""
    p = fd.place
    if full_attempt(fd) is None or not fd.claimed_levels:
        return None
    if min(abs(level) for level in fd.claimed_levels) < 2:
        return None
    if p.door_height_m is None or abs(p.door_height_m) >= FLOOR_M / 2:
        return None
    door = p.door
    return {
        "addressFloor": fd.address_floor,
        "doorHeightM": _round(p.door_height_m, 2),
        "insideHeightRangeM": _round(p.inside_height_range_m, 2),
        "timeFromEntranceToDoorSec": (
            _round(door.t_start - p.gate) if door is not None and p.gate is not None else None
        ),
    }


def possible_wrong_address(fd: Findings) -> Evidence | None:
    """FULL_ATTEMPT whose door stop's best GPS fix is farther from the address than the
    arrival radius (50 m + the fix's accuracy), or whose door is measured on another floor
    than the address names (the building's storey model puts it elsewhere and cannot give
    the claim even a 0.2 chance), unless that is a lobby hand-off."""
    p = fd.place
    if full_attempt(fd) is None:
        return None
    far = (
        p.door_distance_m is not None and p.radius_m is not None and p.door_distance_m > p.radius_m
    )
    other_floor = p.floor_ok is False and bool(fd.claimed_levels)
    other_floor = other_floor and possible_lobby_handoff(fd) is None
    if not (far or other_floor):
        return None
    return {**_door_figures(fd), "otherFloor": other_floor}


def possible_no_attempt(fd: Findings) -> Evidence | None:
    """The courier left the vehicle but not toward the address: on foot, no door stop, and
    GPS shows no approach (never within 100 m while closing in by 15 m, no GATE); or a walk
    under 20 s with nothing to tell the direction."""
    if not fd.judged() or not fd.on_foot() or fd.place.door is not None:
        return None
    if partial_attempt(fd) is not None:
        return None
    return {
        "closestM": _round(fd.place.closest_m),
        "approachM": _round(fd.place.approach_m),
        "walkingSec": _round(fd.walking_s()),
    }


def session_timeout(fd: Findings) -> Evidence | None:
    """The session was never stopped: the sweeper ended it after its inactivity timeout
    (``end_reason`` = timeout)."""
    if fd.end_reason != "timeout":
        return None
    return {"endReason": fd.end_reason, "durationSec": _round(fd.quality.duration_s)}


def insufficient_data(fd: Findings) -> Evidence | None:
    """Too little to judge: fewer than 20 IMU samples, unless 20 GPS fixes and a barometer
    saw the courier walk, drive or change floors; or under 20 s of the session covered by
    data. No attempt code is given then."""
    q = fd.quality
    gps_and_barometer = q.gps_fixes >= MIN_GPS_FIXES and q.sensors.get("barometer", False)
    sees = q.imu_samples >= MIN_IMU_SAMPLES or (
        gps_and_barometer and (fd.on_foot() or fd.activity.seconds("DRIVING") > 0)
    )
    if sees and q.covered_s >= MIN_COVERED_S:
        return None
    return {"imuSamples": q.imu_samples, "gpsFixes": q.gps_fixes, "coveredSec": _round(q.covered_s)}


def telemetry_stream_interrupted(fd: Findings) -> Evidence | None:
    """Data is missing: the session ended as interrupted, or at least 30 s pass between two
    samples, or at least 120 s between the session's start and its first sample or its last
    sample and the stop."""
    q = fd.quality
    longest = q.longest_gap()
    head, tail = q.edge_gaps()
    lost = q.longest_inner_gap >= INTERRUPT_GAP_S or max(head, tail) >= EDGE_GAP_S
    if fd.end_reason != "interrupted" and not lost:
        return None
    return {
        "endReason": fd.end_reason,
        "longestGapSec": _round(longest),
        "silenceAtStartSec": _round(head),
        "silenceAtEndSec": _round(tail),
        "gaps": len(q.gaps),
        "missingSec": _round(q.duration_s - q.covered_s),
    }


RULES: dict[str, Callable[[Findings], Evidence | None]] = {  # in API.md's order
    "FULL_ATTEMPT": full_attempt,
    "DELIVERED_TO_RIGHT_DOORSTEP": delivered_to_right_doorstep,
    "NO_ATTEMPT": no_attempt,
    "PARTIAL_ATTEMPT": partial_attempt,
    "POSSIBLE_LOBBY_HANDOFF": possible_lobby_handoff,
    "POSSIBLE_WRONG_ADDRESS": possible_wrong_address,
    "POSSIBLE_NO_ATTEMPT": possible_no_attempt,
    "SESSION_TIMEOUT": session_timeout,
    "INSUFFICIENT_DATA": insufficient_data,
    "TELEMETRY_STREAM_INTERRUPTED": telemetry_stream_interrupted,
}
REASON_CODES = tuple(RULES)


def rule_text(code: str) -> str:
    """The rule of ``code``: its function's docstring's first paragraph, on one line."""
    doc = RULES[code].__doc__ or ""
    return " ".join(doc.split("\n\n")[0].split())


def attempt_cycles(fd: Findings) -> int:
    """Trips on foot from the vehicle that went for the door.

    The session is split at DRIVING segments; each stretch between them with at least 10 s
    of walking is an excursion, and it is an attempt when it holds the GATE or the door stop,
    or its fixes got within 100 m of the address closing in by 15 m (without GPS or
    address: when it walked at least 20 s).
    """
    if not fd.judged():
        return 0
    bounds: list[list[float]] = [[-math.inf, math.inf]]
    for seg in fd.activity.segments:
        if seg.kind == "DRIVING":
            bounds[-1][1] = seg.t_start
            bounds.append([seg.t_end, math.inf])
    p, f = fd.place, fd.fixes
    marks = [t for t in (p.gate, p.door.t_start if p.door else None) if t is not None]
    cycles = 0
    for t0, t1 in bounds:
        walk = sum(
            min(s.t_end, t1) - max(s.t_start, t0)
            for s in fd.activity.segments
            if s.kind == "WALKING" and s.t_end > t0 and s.t_start < t1
        )
        walk += sum(mv.t_end - mv.t_start for mv in fd.moves if t0 <= mv.t_start < t1)
        if walk < ON_FOOT_WALK_S:
            continue
        if any(t0 <= t <= t1 for t in marks):
            cycles += 1
            continue
        inside = (f.t >= t0) & (f.t <= t1)
        if fd.address is None or not inside.any():
            cycles += int(walk >= 20.0)
            continue
        d = f.distance_to(*fd.address)[inside]
        cycles += int(d.min() <= NEAR_M and d[0] - d.min() >= APPROACH_M)
    return cycles


# --- scores -------------------------------------------------------------------------------


def fraud_signals(fd: Findings) -> dict[str, Check]:
    """Each fraud signal's strength and figures (module docstring for the weights)."""
    signals = dict(fd.gps_checks)
    if no_attempt(fd) is not None:
        signals["neverLeftVehicle"] = Check(1.0, {"steps": fd.steps.count})
    p = fd.place
    if p.door_distance_m is not None and p.radius_m is not None:
        excess = p.door_distance_m - p.radius_m
        if excess > 0:
            signals["doorFarFromAddress"] = Check(
                min(1.0, excess / DOOR_FAR_SCALE_M), {"distanceM": _round(p.door_distance_m)}
            )
    if possible_lobby_handoff(fd) is not None:
        signals["claimedFloorWithoutPressureChange"] = Check(
            1.0,
            {
                "addressFloor": fd.address_floor,
                "insideHeightRangeM": _round(p.inside_height_range_m, 2),
            },
        )
    if possible_no_attempt(fd) is not None:
        signals["neverApproachedAddress"] = Check(1.0, {"closestM": _round(p.closest_m)})
    return {k: v for k, v in signals.items() if v.strength > 0}


def fraud_score(signals: dict[str, Check]) -> float:
    clean = 1.0
    for name, check in signals.items():
        clean *= 1.0 - FRAUD_WEIGHTS[name] * check.strength
    return 1.0 - clean


def friction_score(fd: Findings, attempt_cycles: int) -> float:
    p = fd.place
    x = 0.0
    if p.door is not None and p.gate is not None:
        x += max(0.0, p.door.t_start - p.gate - 30.0) / 240.0
    if p.door is not None:
        x += max(0.0, p.door.seconds - 60.0) / 300.0
    for mv in fd.moves:
        x += abs(mv.floors) * (0.12 if mv.mode == "STAIRS" else 0.04)
    x += 0.35 * max(0, attempt_cycles - 1)
    return 1.0 - math.exp(-x)


def visibility_score(q: Quality) -> float:
    if q.duration_s <= 0:
        return 0.0
    coverage = q.covered_s / q.duration_s
    imu = 0.0 if q.imu_samples == 0 else (1.0 if q.rate_hz >= MIN_RATE_HZ else 0.5)
    baro = 1.0 if q.sensors.get("barometer") else 0.0
    gps = min(1.0, 2.0 * q.gps_seconds / q.duration_s)
    return max(0.0, min(1.0, coverage * (0.45 * imu + 0.25 * baro + 0.30 * gps)))


@dataclass(frozen=True)
class Verdict:
    reason_codes: tuple[str, ...]
    evidence: dict[str, Evidence]
    fraud: float
    friction: float
    visibility: float
    suspicious: bool
    attempt_cycles: int


def judge(fd: Findings) -> Verdict:
    """Apply every rule and compute the scores."""
    cycles = attempt_cycles(fd)
    evidence: dict[str, Evidence] = {}
    for code, rule in RULES.items():
        figures = rule(fd)
        if figures is not None:
            evidence[code] = {"rule": rule_text(code), **figures}
    signals = fraud_signals(fd)
    fraud = fraud_score(signals)
    if signals:
        evidence["fraudScore"] = {
            "rule": "1 - prod(1 - weight * strength) over the signals",
            "signals": {
                name: {
                    "weight": FRAUD_WEIGHTS[name],
                    "strength": round(c.strength, 3),
                    **c.figures,
                }
                for name, c in signals.items()
            },
        }
    return Verdict(
        reason_codes=tuple(c for c in REASON_CODES if c in evidence),
        evidence=evidence,
        fraud=fraud,
        friction=friction_score(fd, cycles),
        attempt_cycles=cycles,
        visibility=visibility_score(fd.quality),
        suspicious=fraud >= SUSPICIOUS_AT,
    )
