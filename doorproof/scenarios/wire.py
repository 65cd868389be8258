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


def _held_objects(
    columns: dict[str, np.ndarray],
    decimals: int,
    *,
    text: dict[str, np.ndarray] | None = None,
    constant: dict[str, Any] | None = None,
) -> list[dict[str, Any] | None]:
    """One dict per sample for a reading the SDK repeats: consecutive samples with the same
    values share one dict object (built once), None where the sensor said nothing. ``text``
    columns are taken from each reading's first sample; ``constant`` fields are added as is."""
    keys = list(columns)
    values = np.column_stack([columns[k] for k in keys]).astype(float)
    present = np.isfinite(values[:, 0])
    change = np.ones(values.shape[0], dtype=bool)
    same = (values[1:] == values[:-1]) | (np.isnan(values[1:]) & np.isnan(values[:-1]))
    change[1:] = ~same.all(axis=1)
    starts = np.flatnonzero(change)
    rows = np.round(values[starts], decimals).tolist()
    texts = {k: v[starts].tolist() for k, v in (text or {}).items()}
    built: list[dict[str, Any] | None] = []
    for j, (i, row) in enumerate(zip(starts.tolist(), rows, strict=True)):
        if not present[i]:
            built.append(None)
            continue
        reading = dict(zip(keys, row, strict=True))
        reading.update({k: v[j] for k, v in texts.items()})
        reading.update(constant or {})
        built.append(reading)
    which = np.cumsum(change) - 1
    return [built[k] for k in which.tolist()]


def samples(r: Readings, *, battery_start: float = 0.82) -> list[dict[str, Any]]:
    """One wire sample per row of ``r`` (see the module docstring).

    Held readings (barometer, position, context) are shared between the samples that repeat
    them, as the SDK repeats one reading: treat the samples as read-only.
    """
    n = r.t.shape[0]
    ts = _rows(r.t, 4)
    accel, gyro = _rows(r.accel, 5), _rows(r.gyro, 5)
    gravity, attitude = _rows(r.gravity, 5), _rows(r.attitude, 6)
    mag = _rows(r.magnetometer, 2)
    barometer = _held_objects({"pressureHpa": r.pressure}, 4)
    fix = {
        "lat": r.lat,
        "lng": r.lng,
        "accuracyM": r.accuracy,
        "altitudeM": r.altitude,
        "speedMps": r.speed,
        "bearingDeg": r.bearing,
    }
    position = _held_objects(fix, 7, text={"source": r.source})
    battery = battery_start - (r.t - r.t[0]) / 3600.0 * 0.08 if n else np.zeros(0)
    phone = {"screenOn": True, "appForeground": True, "charging": False, "network": "cellular"}
    context = _held_objects({"batteryLevel": battery}, 3, constant=phone)
    out: list[dict[str, Any]] = []
    for i in range(n):
        m = mag[i]
        sample: dict[str, Any] = {
            "ts": ts[i],
            "imu": {
                "accel": accel[i],
                "gyro": gyro[i],
                "gravity": gravity[i],
                "attitude": attitude[i],
            },
            "magnetometer": {"x": m[0], "y": m[1], "z": m[2]},
            "context": context[i],
        }
        if barometer[i] is not None:
            sample["barometer"] = barometer[i]
        if position[i] is not None:
            sample["position"] = position[i]
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
