"""The courier's body in the world: where it is, how high, and how it accelerates.

A scenario is a list of ``Leg``s (drive, walk, stand, stairs, elevator, escalator). Each leg
is rendered on the sample grid, vectorised, into world-frame quantities (east/north metres,
height, linear acceleration east/north/up, horizontal speed, carrying posture); ``sensors``
then turns those into what a phone reports. The physics is the part the engine relies on,
so it follows measured human and machine motion rather than anything the engine assumes:

- walking: ~1.9 steps/s, a vertical oscillation of ~2.5 m/s² at the step frequency with a
  sharp heel-strike impulse, a forward sway at the step frequency and a lateral one at half;
- stairs: the same gait a little slower (~1.7 steps/s climbing, ~2 descending) while height
  changes by ~0.25 m/s (a 16-18 cm riser per step);
- elevator: standing; a jerk-limited trapezoid of vertical speed (~1 m/s², up to 1.5 m/s), so
  the accelerometer sees one impulse at the start and the opposite one at the stop;
- escalator: standing; 0.3 m/s vertical, reached over ~5 s as the step leaves the landing;
- driving: GPS speed 8-15 m/s with road vibration (broadband, ~0.3 m/s²), the vehicle's
  longitudinal acceleration (≤ ~2 m/s²) and the street's grade (up to 2 %).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

LegKind = Literal["drive", "walk", "stand", "stairs", "elevator", "escalator"]
Posture = Literal["hand", "cradle", "table"]

FLOOR_M = 3.2
"""Storey height of the simulated residential buildings."""
ESCALATOR_FLOOR_M = 4.0
"""Storey height where escalators run (malls, stations)."""
ROAD_GRADE = 0.02
"""Steepest street grade driven (metres up per metre along): 10 m over 500 m."""
WALK_SPEED = 1.3
WALK_CADENCE = 1.9
STAIRS_UP_CADENCE = 1.7
STAIRS_DOWN_CADENCE = 2.0
STAIRS_VERTICAL_SPEED = 0.27
ELEVATOR_SPEED = 1.5
ELEVATOR_ACCEL = 1.0
ESCALATOR_VERTICAL_SPEED = 0.3
ESCALATOR_RAMP_S = 5.0
"""The step leaves the flat landing along a curve of a few metres: the vertical speed builds
up over seconds, so an escalator shows no lift-like impulse (< 0.1 m/s²)."""


@dataclass(frozen=True)
class Leg:
    """One piece of the courier's trip.

    ``to`` is the horizontal target (east, north metres from the address); ``floors`` the
    signed storeys a vertical leg moves; ``seconds`` the duration (derived from distance or
    height when omitted). ``indoor`` degrades GPS; ``posture`` says how the phone is held.
    """

    kind: LegKind
    seconds: float | None = None
    to: tuple[float, float] | None = None
    floors: int = 0
    indoor: bool = False
    posture: Posture | None = None
    vertical_speed: float | None = None
    """Cruise speed of a lift or escalator leg (m/s); the module's default when omitted."""
    storey_m: float | None = None
    """Height of one of ``floors`` for a vertical leg; the module's default when omitted."""
    door: bool = False
    """The handover at the door: the truth for the engine's door stop."""


@dataclass
class World:
    """World-frame truth on the sample grid (one row per sample)."""

    t: np.ndarray  # seconds from the start
    east: np.ndarray
    north: np.ndarray
    height: np.ndarray
    accel: np.ndarray  # (n, 3) east, north, up; linear (no gravity)
    speed: np.ndarray  # horizontal m/s
    heading: np.ndarray  # radians, from north clockwise
    indoor: np.ndarray  # bool
    posture: np.ndarray  # int codes into POSTURES
    walking: np.ndarray  # bool: feet moving
    driving: np.ndarray  # bool: in a moving or idling vehicle
    door: np.ndarray  # bool: handing over at the door


POSTURES: tuple[Posture, ...] = ("hand", "cradle", "table")


def _ramp(x: np.ndarray) -> np.ndarray:
    """Raised-cosine step from 0 (x <= 0) to 1 (x >= 1): a jerk-limited transition."""
    return 0.5 * (1.0 - np.cos(np.pi * np.clip(x, 0.0, 1.0)))


def _trapezoid(
    tau: np.ndarray, distance: float, vmax: float, ramp_s: float, t0: float
) -> tuple[np.ndarray, float]:
    """Speed and position of a jerk-limited move of ``distance`` starting at ``t0``."""
    cruise = abs(distance) / vmax
    v = vmax * (_ramp((tau - t0) / ramp_s) - _ramp((tau - t0 - cruise) / ramp_s))
    return np.sign(distance) * v, cruise + ramp_s


def _gait(
    tau: np.ndarray, cadence: float, strength: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vertical, forward and lateral body acceleration of a gait (m/s²)."""
    jitter = np.cumsum(rng.normal(0.0, 0.002, tau.shape[0]))  # cadence wanders a little
    phase = 2 * np.pi * cadence * tau + jitter + rng.uniform(0, 2 * np.pi)
    impact = np.exp((np.cos(phase) - 1.0) / 0.02)  # narrow pulse at each heel strike
    vertical = strength * (2.2 * np.cos(phase) + 2.8 * impact - 2.8 * impact.mean())
    forward = strength * 1.1 * np.sin(phase)
    lateral = strength * 0.5 * np.sin(phase / 2)
    return vertical, forward, lateral


def render(
    legs: list[Leg], start: tuple[float, float], rate_hz: float, rng: np.random.Generator
) -> World:
    """World truth for ``legs`` starting at ``start`` (east, north) at ground level."""
    parts: list[dict[str, np.ndarray]] = []
    pos = np.array(start, dtype=float)
    height = 0.0
    clock = 0.0
    for leg in legs:
        part = _leg(leg, pos=pos, height=height, rate_hz=rate_hz, clock=clock, rng=rng)
        parts.append(part)
        pos = np.array([part["east"][-1], part["north"][-1]])
        height = float(part["height"][-1])
        clock = float(part["t"][-1]) + 1.0 / rate_hz
    cat = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    return World(
        t=cat["t"],
        east=cat["east"],
        north=cat["north"],
        height=cat["height"],
        accel=np.column_stack([cat["ae"], cat["an"], cat["au"]]),
        speed=cat["speed"],
        heading=cat["heading"],
        indoor=cat["indoor"].astype(bool),
        posture=cat["posture"].astype(int),
        walking=cat["walking"].astype(bool),
        driving=cat["driving"].astype(bool),
        door=cat["door"].astype(bool),
    )


def _duration(leg: Leg, pos: np.ndarray) -> float:
    if leg.seconds is not None:
        return leg.seconds
    if leg.kind == "walk" and leg.to is not None:
        return max(float(np.hypot(*(np.array(leg.to) - pos))) / WALK_SPEED, 2.0)
    if leg.kind == "stairs":
        return abs(leg.floors) * (leg.storey_m or FLOOR_M) / STAIRS_VERTICAL_SPEED + 2.0
    if leg.kind == "elevator":
        speed = leg.vertical_speed or ELEVATOR_SPEED
        return abs(leg.floors) * (leg.storey_m or FLOOR_M) / speed + 10.0
    if leg.kind == "escalator":
        speed = leg.vertical_speed or ESCALATOR_VERTICAL_SPEED
        return abs(leg.floors) * (leg.storey_m or ESCALATOR_FLOOR_M) / speed + 9.0
    raise ValueError(f"leg {leg.kind} needs seconds")


def _leg(
    leg: Leg,
    *,
    pos: np.ndarray,
    height: float,
    rate_hz: float,
    clock: float,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    seconds = _duration(leg, pos)
    n = max(round(seconds * rate_hz), 1)
    tau = np.arange(n) / rate_hz
    target = np.array(leg.to, dtype=float) if leg.to is not None else pos
    delta = target - pos
    dist = float(np.hypot(*delta))
    heading = float(np.arctan2(delta[0], delta[1])) if dist > 0 else rng.uniform(0, 2 * np.pi)
    unit = delta / dist if dist > 0 else np.zeros(2)
    zeros = np.zeros(n)
    vertical, forward, lateral = zeros.copy(), zeros.copy(), zeros.copy()
    speed, progress = zeros.copy(), zeros.copy()
    dh = zeros.copy()
    walking = leg.kind in ("walk", "stairs")
    posture = leg.posture or ("cradle" if leg.kind == "drive" else "hand")

    if leg.kind == "drive":
        ramp_s = min(12.0, seconds / 3)  # ~2 m/s² at most: city driving
        vmax = dist / max(seconds - ramp_s, 1e-6)
        speed = vmax * _ramp(tau / ramp_s) * _ramp((seconds - tau) / ramp_s)
        speed *= 1.0 + 0.12 * np.sin(2 * np.pi * tau / rng.uniform(15, 25))
        progress = np.cumsum(speed) / rate_hz
        forward = np.gradient(speed, 1.0 / rate_hz) if n > 1 else zeros
        road = rng.normal(0.0, 1.0, (n, 3)) * np.array([0.15, 0.2, 0.35])
        lateral, vertical = road[:, 0], road[:, 2]
        forward = forward + road[:, 1]
    elif walking:
        if leg.kind == "stairs":
            up = leg.floors > 0
            cadence = STAIRS_UP_CADENCE if up else STAIRS_DOWN_CADENCE
            strength = 1.1 if up else 1.25
            total = leg.floors * (leg.storey_m or FLOOR_M)
            vz, _ = _trapezoid(tau, total, STAIRS_VERTICAL_SPEED, 1.0, 0.5)
            dh = np.cumsum(vz) / rate_hz
            dh *= total / dh[-1] if dh[-1] != 0 else 1.0
            vertical = np.gradient(vz, 1.0 / rate_hz) if n > 1 else zeros
        else:
            cadence, strength = WALK_CADENCE * rng.uniform(0.95, 1.05), 1.0
        gv, gf, gl = _gait(tau, cadence, strength, rng)
        envelope = _ramp(tau / 1.0) * _ramp((seconds - tau) / 1.0)
        vertical = vertical + gv * envelope
        forward, lateral = gf * envelope, gl * envelope
        speed = (dist / seconds) * envelope / max(float(envelope.mean()), 1e-6)
        progress = np.cumsum(speed) / rate_hz
    elif leg.kind in ("elevator", "escalator"):
        if leg.kind == "elevator":
            total = leg.floors * (leg.storey_m or FLOOR_M)
            cruise = leg.vertical_speed or ELEVATOR_SPEED
            vz, _ = _trapezoid(tau, total, cruise, cruise / ELEVATOR_ACCEL, 4.0)
        else:
            total = leg.floors * (leg.storey_m or ESCALATOR_FLOOR_M)
            cruise = leg.vertical_speed or ESCALATOR_VERTICAL_SPEED
            vz, _ = _trapezoid(tau, total, cruise, ESCALATOR_RAMP_S, 1.5)
            speed = np.abs(vz) * 1.7  # a 30° incline moves ~1.7 m along per metre up
            progress = np.cumsum(speed) / rate_hz
        dh = np.cumsum(vz) / rate_hz
        dh *= total / dh[-1] if dh[-1] != 0 else 1.0
        vertical = np.gradient(vz, 1.0 / rate_hz) if n > 1 else zeros
        vertical = vertical + rng.normal(0.0, 0.04 if leg.kind == "elevator" else 0.05, n)
    # stand: everything stays zero; sway and sensor noise come from ``sensors``

    if dist > 0 and progress[-1] > 0:
        progress *= dist / progress[-1]
    if leg.kind == "drive":  # streets climb and fall: a grade of up to 2 %
        dh = rng.uniform(-ROAD_GRADE, ROAD_GRADE) * progress
    east = pos[0] + unit[0] * progress
    north = pos[1] + unit[1] * progress
    # a walk without a target (along a corridor) sways along a random heading
    along = unit if dist > 0 else np.array([np.sin(heading), np.cos(heading)])
    ae = along[0] * forward + along[1] * lateral
    an = along[1] * forward - along[0] * lateral
    return {
        "t": clock + tau,
        "east": east,
        "north": north,
        "height": height + dh,
        "ae": ae,
        "an": an,
        "au": vertical,
        "speed": speed,
        "heading": np.full(n, heading),
        "indoor": np.full(n, leg.indoor),
        "posture": np.full(n, POSTURES.index(posture)),
        "walking": np.full(n, walking),
        "driving": np.full(n, leg.kind == "drive"),
        "door": np.full(n, leg.door),
    }
