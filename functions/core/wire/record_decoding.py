"""Firehose records (``functions.core.wire.records``) back into ``Telemetry`` columns, with numpy:
what the processor does with each record of a Firehose object.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from functions.core.wire.records import SPARSE, VECTORS, RecordError, header_of
from functions.engine.columns import SCALAR_COLUMNS, TEXT_COLUMNS, VECTOR_COLUMNS
from functions.engine.telemetry import Telemetry

MAGNETOMETER = ("mag_x", "mag_y", "mag_z")


def _runs(changes: list[list[Any]], n: int) -> tuple[list[Any], np.ndarray]:
    """The values of a change list and how many samples each holds, in order (absent, None,
    before the first change): ``np.repeat`` spreads them over the samples in one pass."""
    starts = [int(start) for start, _ in changes]
    values = [value for _, value in changes]
    if not starts or starts[0] > 0:
        starts.insert(0, 0)
        values.insert(0, None)
    lengths = np.diff(np.asarray([*starts, n], dtype=np.int64))
    if lengths.min(initial=0) < 0:
        raise RecordError("record's readings are not in sample order")
    return values, lengths


def decode_record(record: dict[str, Any]) -> Telemetry:
    """The samples of one record as columns (not yet merged with other records)."""
    n = header_of(record).samples
    try:
        micros = np.cumsum(np.asarray([record["t0"], *record["dt"]], dtype=np.int64))
    except (KeyError, TypeError, ValueError) as exc:
        raise RecordError(f"record timestamps unreadable: {exc}") from exc
    if micros.shape[0] != n:
        raise RecordError(f"record says {n} samples but has {micros.shape[0]} timestamps")
    try:
        return Telemetry(t=micros / 1_000_000.0, **_vectors(record, n), **_sparse(record, n))
    except (TypeError, ValueError) as exc:
        raise RecordError(f"record readings unreadable: {exc}") from exc


def _vectors(record: dict[str, Any], n: int) -> dict[str, np.ndarray]:
    columns = {}
    for short, column in VECTORS.items():
        width = VECTOR_COLUMNS[column][2]
        if short in record:
            columns[column] = np.asarray(record[short], dtype=float).reshape(n, width)
        else:
            columns[column] = np.full((n, width), np.nan)
    return columns


def _sparse(record: dict[str, Any], n: int) -> dict[str, np.ndarray]:
    """Barometer, magnetometer, position and context columns from their change lists (a
    None value, or a missing field, is an absent reading: NaN, or "" for text)."""
    columns: dict[str, np.ndarray] = {}
    for short, names in (("bar", ("pressure_hpa", "rel_alt_m")), ("mag", MAGNETOMETER)):
        values, lengths = _runs(record.get(short, []), n)
        rows = np.asarray([v or [None] * len(names) for v in values], dtype=float)
        for i, name in enumerate(names):
            columns[name] = np.repeat(rows[:, i], lengths)
    for short in ("pos", "ctx"):
        obj = SPARSE[short]
        values, lengths = _runs(record.get(short, []), n)
        parts = [v or {} for v in values]
        for name, (source, key) in SCALAR_COLUMNS.items():
            if source == obj:
                read = np.asarray([p.get(key) for p in parts], dtype=float)
                columns[name] = np.repeat(read, lengths)
        for name, (source, key) in TEXT_COLUMNS.items():
            if source == obj:
                texts = [p.get(key) if isinstance(p.get(key), str) else "" for p in parts]
                columns[name] = np.repeat(np.asarray(texts, dtype=str), lengths)
    return columns
