"""What an Android phone reports about a ``World``: IMU, barometer, GPS, magnetometer.

Everything is in the Android convention (accel in m/s² including gravity, as the SDK sends
it); ``to_ios_convention`` converts afterwards. Sensor realism the engine must survive:

- IMU: white noise (~0.03 m/s², 0.01 rad/s), the phone's posture (hand, car cradle, table)
  with smooth transitions, a hand's slow sway while standing;
- barometer: ~0.02 hPa noise, a slow weather drift (±0.3 hPa/hour) and wander (a random
  walk of ~0.0015 hPa/√s: HVAC, doors), readings at ~10 Hz held
  between updates (the SDK repeats the latest value on every IMU sample);
- GPS: one fix a second outdoors with 5-15 m accuracy, a speed and a correlated error of
  that size; through a door 2-8 s of dead-reckoning (accuracy growing, speed held), then
  Wi-Fi positions every 1-2 s at 10-65 m without a speed (or none when ``gps_indoors`` is
  False), as the real phones of ../shared/data/entry do; the latest fix is repeated on every
  IMU sample.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from doorproof.scenarios.physics import POSTURES, World

GRAVITY = 9.80665
EARTH_RADIUS_M = 6_371_000.0
EARTH_FIELD_UT = np.array([0.0, 19.0, -45.0])  # east, north, up (mid-latitude Europe)
POSTURE_ANGLES = {  # yaw offset, pitch, roll (degrees): how the phone is held
    "hand": (0.0, 40.0, 8.0),
    "cradle": (90.0, 75.0, 0.0),
    "table": (30.0, 0.0, 0.0),
}
SEA_LEVEL_SCALE_M = 8434.0
"""Pressure scale height: near the ground 1 m up is ~0.12 hPa down."""


@dataclass
class Readings:
    """Sensor columns on the sample grid (NaN = the sensor said nothing)."""

    t: np.ndarray
    accel: np.ndarray
    gyro: np.ndarray
    gravity: np.ndarray
    attitude: np.ndarray
    magnetometer: np.ndarray
    pressure: np.ndarray
    lat: np.ndarray
    lng: np.ndarray
    accuracy: np.ndarray
    altitude: np.ndarray
    speed: np.ndarray
    bearing: np.ndarray
    source: np.ndarray  # str per sample


def to_latlng(
    east: np.ndarray, north: np.ndarray, origin: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray]:
    """Local metres around ``origin`` (lat, lng) to degrees (equirectangular: exact enough
    over the few kilometres of a delivery)."""
    lat0, lng0 = origin
    lat = lat0 + np.degrees(north / EARTH_RADIUS_M)
    lng = lng0 + np.degrees(east / (EARTH_RADIUS_M * math.cos(math.radians(lat0))))
    return lat, lng


def _smooth(x: np.ndarray, rate_hz: float, seconds: float) -> np.ndarray:
    width = max(int(seconds * rate_hz), 1)
    if width == 1 or x.shape[0] < width:
        return x
    kernel = np.ones(width) / width
    padded = np.pad(x, (width // 2, width - 1 - width // 2), mode="edge")
    return np.convolve(padded, kernel, mode="valid")


def _rotations(yaw: np.ndarray, pitch: np.ndarray, roll: np.ndarray) -> np.ndarray:
    """Device-to-world rotation matrices (n, 3, 3) from Z-Y-X angles (radians)."""
    cy, sy, cp, sp, cr, sr = (
        np.cos(yaw),
        np.sin(yaw),
        np.cos(pitch),
        np.sin(pitch),
        np.cos(roll),
        np.sin(roll),
    )
    r = np.empty((yaw.shape[0], 3, 3))
    r[:, 0, 0] = cy * cp
    r[:, 0, 1] = cy * sp * sr - sy * cr
    r[:, 0, 2] = cy * sp * cr + sy * sr
    r[:, 1, 0] = sy * cp
    r[:, 1, 1] = sy * sp * sr + cy * cr
    r[:, 1, 2] = sy * sp * cr - cy * sr
    r[:, 2, 0] = -sp
    r[:, 2, 1] = cp * sr
    r[:, 2, 2] = cp * cr
    return r


def _quaternions(yaw: np.ndarray, pitch: np.ndarray, roll: np.ndarray) -> np.ndarray:
    """(x, y, z, w) of the same rotations, the SDK's attitude order."""
    cy, sy = np.cos(yaw / 2), np.sin(yaw / 2)
    cp, sp = np.cos(pitch / 2), np.sin(pitch / 2)
    cr, sr = np.cos(roll / 2), np.sin(roll / 2)
    return np.column_stack(
        [
            sr * cp * cy - cr * sp * sy,
            cr * sp * cy + sr * cp * sy,
            cr * cp * sy - sr * sp * cy,
            cr * cp * cy + sr * sp * sy,
        ]
    )


def _held(t: np.ndarray, update_times: np.ndarray) -> np.ndarray:
    """Index of the latest update at or before each sample (-1 before the first)."""
    return np.searchsorted(update_times, t, side="right") - 1


def _ar1(n: int, sigma: float, corr: float, rng: np.random.Generator) -> np.ndarray:
    """A stationary AR(1)-like series (exponentially weighted white noise, unit variance
    scaled to ``sigma``): GPS errors are correlated from one fix to the next."""
    memory = np.power(corr, np.arange(int(5 / (1 - corr))))
    shocks = rng.normal(0.0, 1.0, n + memory.shape[0])
    x = np.convolve(shocks, memory, mode="valid")[:n]
    return x * sigma / math.sqrt(float(np.sum(memory**2)))


def imu(world: World, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """accel (with gravity), gyro, gravity, attitude and magnetometer in the device frame."""
    rate = 1.0 / float(np.median(np.diff(world.t))) if world.t.shape[0] > 1 else 1.0
    angles = np.array([POSTURE_ANGLES[POSTURES[p]] for p in range(len(POSTURES))])
    chosen = np.radians(angles[world.posture])
    yaw = np.unwrap(world.heading) + chosen[:, 0]
    pitch, roll = chosen[:, 1].copy(), chosen[:, 2].copy()
    hand = world.posture == POSTURES.index("hand")
    sway = _smooth(np.asarray(rng.normal(0.0, 1.0, world.t.shape[0])), rate, 1.5)
    sway *= np.radians(2.0) / max(float(np.std(sway)), 1e-9)
    pitch = pitch + np.where(hand, sway, 0.0)
    yaw, pitch, roll = (_smooth(np.asarray(a), rate, 1.0) for a in (yaw, pitch, roll))
    rot = _rotations(yaw, pitch, roll)
    up = np.array([0.0, 0.0, GRAVITY])
    gravity = np.einsum("nji,j->ni", rot, up)  # world -> device: R^T v
    specific = world.accel + up
    # a hand-held phone sways even when its holder stands still
    specific = specific + np.where(hand[:, None], 0.08, 0.0) * rng.normal(0, 1, (len(hand), 3))
    accel = np.einsum("nji,nj->ni", rot, specific) + rng.normal(0.0, 0.03, gravity.shape)
    spin = np.column_stack([np.gradient(a, world.t) for a in (roll, pitch, yaw)])
    gyro = spin + rng.normal(0.0, 0.01, spin.shape)
    field = np.einsum("nji,j->ni", rot, EARTH_FIELD_UT) + rng.normal(0.0, 0.4, spin.shape)
    return {
        "accel": accel,
        "gyro": gyro,
        "gravity": gravity,
        "attitude": _quaternions(yaw, pitch, roll),
        "magnetometer": field,
    }


def barometer(world: World, rng: np.random.Generator, update_hz: float = 10.0) -> np.ndarray:
    """Pressure (hPa) held between ~``update_hz`` readings, with noise and weather drift."""
    t = world.t
    duration = float(t[-1] - t[0]) if t.shape[0] else 0.0
    updates = np.arange(0.0, duration + 1e-9, 1.0 / update_hz) + float(t[0])
    p0 = rng.uniform(995.0, 1025.0)
    drift_rate = rng.normal(0.0, 0.3) / 3600.0
    wander = np.cumsum(rng.normal(0.0, 0.0015 / math.sqrt(update_hz), updates.shape[0]))
    h = np.interp(updates, t, world.height)
    p = p0 * np.exp(-h / SEA_LEVEL_SCALE_M) + drift_rate * (updates - t[0]) + wander
    p = np.round(p + rng.normal(0.0, 0.02, updates.shape[0]), 4)
    return p[np.clip(_held(t, updates), 0, None)]


def _seconds_since(flag: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Per time: seconds since ``flag`` last turned on (0 where it is off)."""
    began = np.where(flag, 0.0, times)
    began = np.maximum.accumulate(began)
    return np.where(flag, times - began, 0.0)


def gps(
    world: World,
    rng: np.random.Generator,
    origin: tuple[float, float],
    *,
    indoors: bool = True,
) -> dict[str, np.ndarray]:
    """Held GPS fixes per sample: lat, lng, accuracy, altitude, speed, bearing, source.

    Outdoors a fix a second with 5-15 m accuracy and a speed. Through a door the receiver
    first dead-reckons for 2-8 s (the accuracy grows, the speed is held), then the phone
    sends Wi-Fi positions every 1-2 s: 10-65 m, no speed (-1), as real phones do (entry/
    in ../shared/data); back outside satellites return 0-5 s after the door. With
    ``indoors`` False no fix at all comes inside once the dead-reckoning ends.
    """
    t = world.t
    n = t.shape[0]
    out = {
        k: np.full(n, np.nan) for k in ("lat", "lng", "accuracy", "altitude", "speed", "bearing")
    }
    if n == 0:
        return {**out, "source": np.full(0, "", dtype="<U5")}
    # the door's timings come from a child generator, so that the parent's draws (and every
    # outdoor fix) stay what they were before indoor fixes were modelled
    door = rng.spawn(1)[0]
    lag, reacquire = door.uniform(2.0, 8.0), door.uniform(0.0, 5.0)
    inside_s = _seconds_since(world.indoor, t)
    outside_s = _seconds_since(~world.indoor, t)
    wifi = (world.indoor & (inside_s >= lag)) | (~world.indoor & (outside_s < reacquire))
    wifi &= np.maximum.accumulate(world.indoor)  # no Wi-Fi before the first door
    cadence = np.where(wifi, door.uniform(1.0, 2.0), 1.0)
    fix_t = [float(t[0])]
    while fix_t[-1] < t[-1]:
        i = min(int(np.searchsorted(t, fix_t[-1])), n - 1)
        fix_t.append(fix_t[-1] + float(cadence[i]))
    times = np.array(fix_t[:-1]) + rng.uniform(0.0, 0.02, len(fix_t) - 1)
    times[0] = t[0]  # the session starts once the phone has a fix
    at = np.clip(np.searchsorted(t, times), 0, n - 1)
    on_wifi = wifi[at]
    reckoning = world.indoor[at] & ~on_wifi
    outdoor_acc = 5.0 + 10.0 * _ramp01(_smooth(rng.uniform(0, 1, len(times)), 1.0, 20.0))
    wifi_level = rng.uniform(25.0, 45.0)
    unit_e = _ar1(len(times), 1.0, 0.9, rng)
    unit_n = _ar1(len(times), 1.0, 0.9, rng)
    speed = np.clip(world.speed[at] + rng.normal(0.0, 0.3, len(times)), 0.0, None)
    wifi_acc = np.clip(wifi_level + rng.normal(0.0, 12.0, len(times)), 10.0, 65.0)
    grown = outdoor_acc * (1.0 + 2.0 * inside_s[at] / lag)
    acc = np.where(on_wifi, wifi_acc, np.where(reckoning, grown, outdoor_acc))
    lat, lng = to_latlng(
        world.east[at] + unit_e * acc / 2.0, world.north[at] + unit_n * acc / 2.0, origin
    )
    # dead-reckoning holds the last satellite speed; a Wi-Fi position has none
    last_sky = np.maximum.accumulate(np.where(~(on_wifi | reckoning), np.arange(len(times)), 0))
    speed = np.where(reckoning, speed[last_sky], np.where(on_wifi, -1.0, speed))
    bearing = np.degrees(world.heading[at]) % 360.0
    fixes = {
        "lat": np.round(lat, 7),
        "lng": np.round(lng, 7),
        "accuracy": np.round(acc, 1),
        "altitude": np.round(35.0 + world.height[at] + rng.normal(0, acc / 1.5), 1),
        "speed": np.round(speed, 2),
        "bearing": np.round(bearing, 1),
    }
    valid = np.ones(len(times), dtype=bool) if indoors else ~on_wifi
    held = _held(t, times[valid])
    has = held >= 0
    for key, values in fixes.items():
        out[key][has] = values[valid][held[has]]
    source = np.where(has, "gps", "")
    return {**out, "source": source}


def _ramp01(x: np.ndarray) -> np.ndarray:
    """Stretch ``x`` to 0..1 (a smoothed uniform series keeps its slow wander)."""
    lo, hi = float(x.min()), float(x.max())
    return (x - lo) / (hi - lo) if hi > lo else np.zeros_like(x)
