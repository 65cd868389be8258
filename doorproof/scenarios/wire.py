"""Sensor columns to SDK wire samples, and samples to upload batches.

The SDK sends one sample per IMU reading and repeats the latest barometer, position,
magnetometer and context readings on every one of them; a sensor that has said nothing yet
(no fix indoors, no barometer on the phone) is left out of the sample. Values are rounded the
way a JSON encoder on a phone would print them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from doorproof.scenarios.sensors import Readings


def _rows(values: np.ndarray, decimals: int) -> list[Any]:
    return np.round(values, decimals).tolist()


def samples(r: Readings, *, battery_start: float = 0.82) -> list[dict[str, Any]]:
    """One wire sample per row of ``r`` (see the module docstring)."""
    n = r.t.shape[0]
    ts = _rows(r.t, 4)
    accel, gyro = _rows(r.accel, 5), _rows(r.gyro, 5)
    gravity, attitude = _rows(r.gravity, 5), _rows(r.attitude, 6)
    mag = _rows(r.magnetometer, 2)
    pressure = r.pressure.tolist()
    has_p = np.isfinite(r.pressure).tolist()
    has_fix = np.isfinite(r.lat).tolist()
    lat, lng, acc = r.lat.tolist(), r.lng.tolist(), r.accuracy.tolist()
    alt, speed, bearing = r.altitude.tolist(), r.speed.tolist(), r.bearing.tolist()
    source = r.source.tolist()
    battery = np.round(battery_start - (r.t - r.t[0]) / 3600.0 * 0.08, 3).tolist() if n else []
    out: list[dict[str, Any]] = []
    for i in range(n):
        sample: dict[str, Any] = {
            "ts": ts[i],
            "imu": {
                "accel": accel[i],
                "gyro": gyro[i],
                "gravity": gravity[i],
                "attitude": attitude[i],
            },
            "magnetometer": {"x": mag[i][0], "y": mag[i][1], "z": mag[i][2]},
            "context": {
                "screenOn": True,
                "appForeground": True,
                "batteryLevel": battery[i],
                "charging": False,
                "network": "cellular",
            },
        }
        if has_p[i]:
            sample["barometer"] = {"pressureHpa": pressure[i]}
        if has_fix[i]:
            sample["position"] = {
                "lat": lat[i],
                "lng": lng[i],
                "accuracyM": acc[i],
                "altitudeM": alt[i],
                "speedMps": speed[i],
                "bearingDeg": bearing[i],
                "source": source[i],
            }
        out.append(sample)
    return out


def batches(items: list[dict[str, Any]], seconds: float) -> list[list[dict[str, Any]]]:
    """Consecutive samples grouped into uploads of ``seconds`` of recording each, as the SDK
    flushes its buffer on a timer (a gap yields no empty batch)."""
    if not items:
        return []
    groups: list[list[dict[str, Any]]] = [[]]
    window_end = float(items[0]["ts"]) + seconds
    for sample in items:
        if float(sample["ts"]) >= window_end:
            groups.append([])
            window_end = float(sample["ts"]) + seconds
        groups[-1].append(sample)
    return groups
