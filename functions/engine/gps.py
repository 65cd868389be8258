"""GPS as the engine sees it: distinct fixes, distances, ground speed.

The SDK repeats the latest fix on every IMU sample, so the position columns of a 50 Hz
session hold ~50 copies of each 1 Hz fix. A *fix* is a sample whose (lat, lng, accuracy)
differs from the previous one, timestamped by its first appearance; ``until`` keeps the last
sample that still carried it (how long the phone went without a new one).

Ground speed is the phone's own ``speedMps`` when it gives one (Android reports it with most
fixes; iOS sends -1 for "unknown", read as absent); otherwise it is derived from the
displacement over ``SPEED_BASELINE_S`` between fixes good to ``SPEED_MAX_ACCURACY_M``: over
10 s, 5-15 m fix errors make ~1 m/s of speed noise, far below a vehicle's; a derived speed
beyond ``MAX_SPEED_MPS`` is a jump of the fixes, not a speed (unknown).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from functions.engine.telemetry import Telemetry

EARTH_RADIUS_M = 6_371_008.8
DEFAULT_ACCURACY_M = 20.0
"""Accuracy assumed for a fix that does not state one: a typical urban fix."""
SPEED_BASELINE_S = 10.0
SPEED_MAX_GAP_S = 30.0
SPEED_MAX_ACCURACY_M = 25.0
MAX_SPEED_MPS = 70.0
"""250 km/h: no delivery vehicle in a city, a generous bound for motorways. A derived speed
above it is a jump of the fixes (a spoofer, a Wi-Fi position), not a vehicle."""


def haversine_m(
    lat1: np.ndarray | float,
    lng1: np.ndarray | float,
    lat2: np.ndarray | float,
    lng2: np.ndarray | float,
) -> np.ndarray:
    """Great-circle distance in metres."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lng2) - np.asarray(lng1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))))


@dataclass(frozen=True)
class Fixes:
    """Distinct GPS fixes, in time order."""

    t: np.ndarray
    lat: np.ndarray
    lng: np.ndarray
    accuracy: np.ndarray
    """Metres; NaN when the phone did not say (treated as ``DEFAULT_ACCURACY_M``)."""
    speed: np.ndarray
    """Reported ground speed in m/s; NaN when absent or negative."""
    source: np.ndarray
    until: np.ndarray
    """Last time a sample still carried this fix (the SDK repeats it until the next one)."""

    def __len__(self) -> int:
        return int(self.t.shape[0])

    def distance_to(self, lat: float, lng: float) -> np.ndarray:
        return haversine_m(self.lat, self.lng, lat, lng)

    def fix_at(self, t: float) -> int:
        """Index of the fix in force at ``t`` (the first one before any)."""
        return int(np.clip(np.searchsorted(self.t, t, side="right") - 1, 0, len(self) - 1))

    def distance_from(self, i: int, lat: float, lng: float) -> float:
        """Metres from fix ``i`` to (lat, lng): one fix's distance, not every fix's."""
        return float(haversine_m(self.lat[i], self.lng[i], lat, lng))

    def acc(self) -> np.ndarray:
        return np.where(np.isfinite(self.accuracy), self.accuracy, DEFAULT_ACCURACY_M)

    def acc_at(self, i: int) -> float:
        """Fix ``i``'s accuracy as ``acc`` gives it: one fix's, not every fix's."""
        a = float(self.accuracy[i])
        return a if np.isfinite(a) else DEFAULT_ACCURACY_M

    def ground_speed(self) -> np.ndarray:
        """m/s at each fix: reported, else derived (module docstring); NaN when unknown."""
        n = len(self)
        derived = np.full(n, np.nan)
        if n > 1:
            earlier = np.searchsorted(self.t, self.t - SPEED_BASELINE_S, side="right") - 1
            ok = earlier >= 0
            j = np.where(ok, earlier, 0)
            dt = self.t - self.t[j]
            acc = self.acc()
            ok &= (dt > 0) & (dt <= SPEED_MAX_GAP_S)
            ok &= (acc <= SPEED_MAX_ACCURACY_M) & (acc[j] <= SPEED_MAX_ACCURACY_M)
            dist = haversine_m(self.lat[j], self.lng[j], self.lat, self.lng)
            derived[ok] = dist[ok] / dt[ok]
            derived[derived > MAX_SPEED_MPS] = np.nan
        return np.where(np.isfinite(self.speed), self.speed, derived)


def fixes(tel: Telemetry) -> Fixes:
    """The distinct fixes of a session (module docstring)."""
    ok = np.isfinite(tel.lat) & np.isfinite(tel.lng) & (np.abs(tel.lat) <= 90)
    ok &= np.abs(tel.lng) <= 180
    rows = np.flatnonzero(ok)
    lat, lng, acc = tel.lat[rows], tel.lng[rows], tel.accuracy_m[rows]
    new = np.ones(rows.shape[0], dtype=bool)
    same_acc = (acc[1:] == acc[:-1]) | (np.isnan(acc[1:]) & np.isnan(acc[:-1]))
    new[1:] = (lat[1:] != lat[:-1]) | (lng[1:] != lng[:-1]) | ~same_acc
    run = np.cumsum(new) - 1
    until = np.full(int(new.sum()), -np.inf)
    np.maximum.at(until, run, tel.t[rows])
    rows = rows[new]
    speed = tel.speed_mps[rows]
    return Fixes(
        t=tel.t[rows],
        lat=tel.lat[rows],
        lng=tel.lng[rows],
        accuracy=tel.accuracy_m[rows],
        speed=np.where(speed >= 0, speed, np.nan),
        source=tel.position_source[rows],
        until=until,
    )
