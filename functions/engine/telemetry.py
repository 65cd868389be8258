"""One session's telemetry as columns: the engine's only input type.

The SDK sends samples as JSON objects and repeats the latest barometer, position and context
reading on every IMU sample. The engine wants columns: one float64 array per quantity, NaN
where a sensor said nothing. ``Telemetry`` is that shape; ``from_samples`` builds it from wire
samples (dicts), and ``Telemetry.merge`` joins chunks and removes duplicate samples, so
the processor, the offline ``doorproof analyze`` and the tests all feed the engine the same way.
Pure numpy: no I/O, no AWS.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from functions.engine.columns import SCALAR_COLUMNS, TEXT_COLUMNS, VECTOR_COLUMNS


@dataclass(frozen=True)
class Telemetry:
    """Samples of one session sorted by time with unique timestamps.

    ``t`` is unix seconds (float64). Vector columns are ``(n, k)``; scalar columns ``(n,)``;
    booleans (screen_on, charging, …) are stored as 0.0/1.0; text columns are ``<U`` arrays
    with "" for absent. Every absent reading is NaN.
    """

    t: np.ndarray
    accel: np.ndarray
    gyro: np.ndarray
    gravity: np.ndarray
    attitude: np.ndarray
    pressure_hpa: np.ndarray
    rel_alt_m: np.ndarray
    lat: np.ndarray
    lng: np.ndarray
    accuracy_m: np.ndarray
    altitude_m: np.ndarray
    speed_mps: np.ndarray
    bearing_deg: np.ndarray
    mag_x: np.ndarray
    mag_y: np.ndarray
    mag_z: np.ndarray
    screen_on: np.ndarray
    app_foreground: np.ndarray
    battery_level: np.ndarray
    charging: np.ndarray
    network: np.ndarray
    motion_activity: np.ndarray
    position_source: np.ndarray

    def __len__(self) -> int:
        return int(self.t.shape[0])

    def columns(self) -> dict[str, np.ndarray]:
        """All columns by name (the chunk file layout)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_columns(cls, columns: Mapping[str, np.ndarray]) -> Telemetry:
        """Rebuild from ``columns()`` output; a missing column becomes all-absent."""
        n = int(np.asarray(columns["t"]).shape[0])
        empty = cls.empty(n)
        values = {
            f.name: np.asarray(columns[f.name]) if f.name in columns else getattr(empty, f.name)
            for f in fields(cls)
        }
        return cls(**values)

    @classmethod
    def empty(cls, n: int = 0) -> Telemetry:
        """``n`` samples at t=0 with every sensor absent (t must be filled by the caller)."""
        values: dict[str, np.ndarray] = {"t": np.zeros(n)}
        for name, (_, _, width) in VECTOR_COLUMNS.items():
            values[name] = np.full((n, width), np.nan)
        for name in SCALAR_COLUMNS:
            values[name] = np.full(n, np.nan)
        for name in TEXT_COLUMNS:
            values[name] = np.full(n, "", dtype="<U1")
        return cls(**values)

    def take(self, index: np.ndarray) -> Telemetry:
        """The samples at ``index`` (an integer or boolean index array)."""
        return Telemetry(**{name: col[index] for name, col in self.columns().items()})

    @classmethod
    def merge(cls, parts: Sequence[Telemetry]) -> Telemetry:
        """Concatenate chunks, sort by time and keep the first sample of each timestamp.

        Chunks may overlap (a batch retried into two Firehose objects) and arrive in any
        order; the result is what the device recorded, once.
        """
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls.empty(0)
        joined = {f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)}
        merged = cls(**joined)
        order = np.argsort(merged.t, kind="stable")
        t_sorted = merged.t[order]
        keep = np.ones(t_sorted.shape[0], dtype=bool)
        keep[1:] = np.diff(t_sorted) > 0
        return merged.take(order[keep])


def _number(value: Any) -> float:
    """A wire value as a float: NaN for absent, text, or anything ``float`` refuses."""
    if value is None or isinstance(value, str):
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return math.nan


def _is_object(value: Any) -> bool:
    """Whether a wire value is a JSON object (the exact-type test first: ``isinstance``
    against the ``Mapping`` ABC costs several times more, once per sample and object)."""
    return type(value) is dict or (value is not None and isinstance(value, Mapping))


def _part(sample: Mapping[str, Any], obj: str) -> Mapping[str, Any] | None:
    """The sensor object ``obj`` of a sample, or None when it is missing or not an object."""
    part = sample.get(obj)
    return part if _is_object(part) else None


def _field(parts: Sequence[Mapping[str, Any] | None], key: str) -> list[Any]:
    """``key`` of each sensor object, None where the object is absent."""
    return [None if p is None else p.get(key) for p in parts]


_PLAIN = frozenset({float, int, bool, type(None)})
"""Wire value types numpy converts exactly as ``_number`` does (None to NaN)."""


def _floats(values: list[Any]) -> np.ndarray:
    """``_number`` of each value: in one numpy conversion when every value is a plain
    number or None (the wire's normal case), else value by value."""
    if _PLAIN.issuperset(map(type, values)):
        try:
            return np.array(values, dtype=float)
        except OverflowError:  # an int beyond float's range: let _number make it NaN
            pass
    return np.fromiter(map(_number, values), float, len(values))


def _scalars(parts: Sequence[Mapping[str, Any] | None], key: str) -> np.ndarray:
    return _floats(_field(parts, key))


def _vectors(parts: Sequence[Mapping[str, Any] | None], key: str, width: int) -> np.ndarray:
    """(n, width) of the lists of exactly ``width`` values; NaN rows elsewhere."""
    out = np.full((len(parts), width), np.nan)
    vectors = _field(parts, key)
    picked = [(i, v) for i, v in enumerate(vectors) if isinstance(v, list) and len(v) == width]
    if picked:
        values = _floats([x for _, v in picked for x in v])
        out[[i for i, _ in picked]] = values.reshape(len(picked), width)
    return out


def _texts(parts: Sequence[Mapping[str, Any] | None], key: str) -> np.ndarray:
    texts = _field(parts, key)
    if not texts:
        return np.full(0, "", dtype="<U1")
    return np.array([v if isinstance(v, str) else "" for v in texts], dtype=str)


def from_samples(samples: Iterable[Mapping[str, Any]]) -> Telemetry:
    """Columns from SDK wire samples (dicts as in API.md). Tolerant: a missing or malformed
    sub-object is treated as absent; samples without a numeric ``ts`` are skipped.

    Column by column rather than sample by sample: each sensor object is looked up once per
    sample and each column is built in one pass (``doorproof analyze`` and the accuracy sets
    read hundreds of thousands of samples; about twice as fast as a loop over samples)."""
    rows = [s for s in samples if _is_object(s) and math.isfinite(_number(s.get("ts")))]
    objects = {obj for obj, _, _ in VECTOR_COLUMNS.values()}
    objects |= {obj for obj, _ in (*SCALAR_COLUMNS.values(), *TEXT_COLUMNS.values())}
    parts = {obj: [_part(s, obj) for s in rows] for obj in objects}
    cols: dict[str, np.ndarray] = {"t": np.array([float(s["ts"]) for s in rows], dtype=float)}
    for name, (obj, key, width) in VECTOR_COLUMNS.items():
        cols[name] = _vectors(parts[obj], key, width)
    for name, (obj, key) in SCALAR_COLUMNS.items():
        cols[name] = _scalars(parts[obj], key)
    for name, (obj, key) in TEXT_COLUMNS.items():
        cols[name] = _texts(parts[obj], key)
    return Telemetry.merge([Telemetry(**cols)])
