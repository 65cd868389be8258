"""A simulated delivery: what the phone sends (start request, samples, batches) and what
really happened (``Truth``), built from a ``Spec`` of the catalogue."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from doorproof.scenarios import sensors, wire
from doorproof.scenarios.physics import Leg, World, render
from functions.engine.insights import SessionContext
from functions.engine.signal import to_ios_convention

Platform = Literal["android", "ios"]
EndReason = Literal["stopped", "timeout", "interrupted"]
ADDRESS = (52.520008, 13.404954)
"""The delivery address every scenario drives to (lat, lng); trips are laid out in metres
east/north of it."""
DEFAULT_START_TS = 1_790_000_000.0
"""A fixed start (September 2026) so a seed always gives the same samples."""


@dataclass(frozen=True)
class Truth:
    """What the engine should find.

    ``reason_codes`` must all be emitted; with ``exact`` nothing else may be. ``vertical``
    lists (mode, direction, floors) of each vertical move in order.
    """

    reason_codes: frozenset[str]
    event_types: frozenset[str]
    exact: bool = True
    vertical: tuple[tuple[str, str, int], ...] = ()
    floors_climbed: int = 0
    right_doorstep: bool | None = None
    suspicious: bool = False


GpsTamper = Callable[[dict[str, np.ndarray], World, np.random.Generator], dict[str, np.ndarray]]


@dataclass(frozen=True)
class Spec:
    """A catalogue entry: the trip, the address and what the phone lacks or fakes."""

    description: str
    legs: tuple[Leg, ...]
    truth: Truth
    start: tuple[float, float] = (-560.0, -25.0)
    address_line2: str | None = None
    rate_hz: float | None = None
    """Forces the sampling rate (the 1 Hz and 100 Hz variants)."""
    platform: Platform | None = None
    barometer: bool = True
    gps_indoors: bool = True
    gap: tuple[float, float] | None = None
    """Seconds from the start during which no sample reaches the server."""
    end_reason: EndReason = "stopped"
    gps_legs: tuple[Leg, ...] | None = None
    """A different trip for the GPS than for the phone's body (a spoofed track)."""
    gps_tamper: GpsTamper | None = None
    max_seconds: float | None = None
    """Cut the trip after this long (sessions of an exact length for benchmarks)."""


@dataclass(frozen=True)
class Scenario:
    """A built scenario (see ``build``)."""

    name: str
    description: str
    start_request: dict[str, Any]
    samples: list[dict[str, Any]]
    truth: Truth
    rate_hz: float
    platform: Platform
    started_at: float
    ended_at: float
    end_reason: EndReason
    doors: tuple[tuple[str, float], ...] = ()
    """(direction "in"/"out", unix time) of every walk through a building's door: the truth
    for the GATE and the exits."""
    handovers: tuple[tuple[float, float], ...] = ()
    """(start, end) unix times of each handover at a door: the truth for the door stop."""

    def batches(self, seconds: float = 5.0) -> list[list[dict[str, Any]]]:
        """The samples as the SDK uploads them: one list per ~``seconds`` of recording."""
        return wire.batches(self.samples, seconds)

    def context(self) -> SessionContext:
        """The engine's session context, as the server builds it from the start request."""
        return SessionContext.from_start_request(
            self.start_request,
            started_at=self.started_at,
            ended_at=self.ended_at,
            end_reason=self.end_reason,
        )


def _start_request(
    name: str, seed: int, spec: Spec, platform: Platform, first_fix: tuple[float, float] | None
) -> dict[str, Any]:
    address: dict[str, Any] = {
        "line1": "Torstraße 1",
        "city": "Berlin",
        "postalCode": "10119",
        "country": "DE",
        "lat": ADDRESS[0],
        "lng": ADDRESS[1],
    }
    if spec.address_line2:
        address["line2"] = spec.address_line2
    request: dict[str, Any] = {
        "deliveryId": f"dlv_{name}_{seed}",
        "sessionType": "drop",
        "externalRiderId": "rider_sim_1",
        "address": address,
        "device": {
            "platform": platform,
            "sdkVersion": "1.0.2",
            "model": "iPhone15,2" if platform == "ios" else "Pixel 8",
        },
        "sensorAvailability": {
            "hasAccelerometer": True,
            "hasGyroscope": True,
            "hasGravity": True,
            "hasRotationVector": True,
            "hasBarometer": spec.barometer,
            "hasGps": True,
            "hasMagnetometer": True,
        },
    }
    if first_fix is not None:
        request["startLocation"] = {"lat": first_fix[0], "lng": first_fix[1]}
    return request


def build_spec(
    name: str,
    spec: Spec,
    *,
    rate_hz: float = 50.0,
    platform: Platform = "android",
    seed: int = 0,
    start_ts: float | None = None,
) -> Scenario:
    """Render ``spec`` into samples (vectorised; the per-sample work is building dicts)."""
    rate = spec.rate_hz or rate_hz
    platform = spec.platform or platform
    rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
    world = render(list(spec.legs), spec.start, rate, rng)
    t0 = DEFAULT_START_TS if start_ts is None else start_ts
    jitter = rng.uniform(-0.2, 0.2, world.t.shape[0]) / rate
    ts = np.round(t0 + world.t + jitter, 4)  # as the wire prints them
    motion = sensors.imu(world, rng)
    pressure = (
        sensors.barometer(world, rng, update_hz=1.0 if platform == "ios" else 10.0)
        if spec.barometer
        else np.full(ts.shape[0], np.nan)
    )
    gps_world = world
    if spec.gps_legs is not None:
        gps_world = render(list(spec.gps_legs), spec.start, rate, rng)
        gps_world = _resampled(gps_world, world.t)
    fixes = sensors.gps(gps_world, rng, ADDRESS, indoors=spec.gps_indoors)
    if spec.gps_tamper is not None:
        fixes = spec.gps_tamper(fixes, gps_world, rng)
    readings = sensors.Readings(t=ts, pressure=pressure, **motion, **fixes)
    keep = np.ones(ts.shape[0], dtype=bool)
    if spec.gap is not None:
        keep = (world.t < spec.gap[0]) | (world.t >= spec.gap[1])
    if spec.max_seconds is not None:
        keep &= world.t < spec.max_seconds
    items = wire.samples(_take(readings, keep))
    if platform == "ios":
        items = to_ios_convention(items)
    fixed = np.flatnonzero(np.isfinite(fixes["lat"]))
    first_fix = (
        (float(fixes["lat"][fixed[0]]), float(fixes["lng"][fixed[0]])) if fixed.size else None
    )
    return Scenario(
        name=name,
        description=spec.description,
        start_request=_start_request(name, seed, spec, platform, first_fix),
        samples=items,
        truth=spec.truth,
        rate_hz=rate,
        platform=platform,
        started_at=float(ts[keep][0]),
        ended_at=float(ts[keep][-1]),
        end_reason=spec.end_reason,
        doors=_doors(world, t0),
        handovers=_spans(world.door, world.t, t0),
    )


def _doors(world: World, t0: float) -> tuple[tuple[str, float], ...]:
    changes = np.flatnonzero(np.diff(world.indoor.astype(int))) + 1
    return tuple(
        ("in" if world.indoor[i] else "out", round(t0 + float(world.t[i]), 3)) for i in changes
    )


def _spans(flag: np.ndarray, t: np.ndarray, t0: float) -> tuple[tuple[float, float], ...]:
    edges = np.diff(np.concatenate([[0], flag.astype(int), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    return tuple(
        (round(t0 + float(t[a]), 3), round(t0 + float(t[b]), 3))
        for a, b in zip(starts, ends, strict=True)
    )


def _take(r: sensors.Readings, keep: np.ndarray) -> sensors.Readings:
    return sensors.Readings(**{k: v[keep] for k, v in vars(r).items()})


def _resampled(world: World, t: np.ndarray) -> World:
    """``world`` on another time grid (nearest earlier row; the GPS trip may be shorter)."""
    idx = np.clip(np.searchsorted(world.t, t, side="right") - 1, 0, world.t.shape[0] - 1)
    return World(**{k: (t if k == "t" else v[idx]) for k, v in vars(world).items()})
