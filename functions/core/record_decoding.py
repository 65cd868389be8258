"""Firehose records (``functions.core.records``) back into ``Telemetry`` columns, with numpy:
what the processor does with each record of a Firehose object.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from functions.core.records import SPARSE, VECTORS, RecordError, header_of
from functions.engine.columns import SCALAR_COLUMNS, TEXT_COLUMNS, VECTOR_COLUMNS
from functions.engine.telemetry import Telemetry


def _spans(changes: list[list[Any]], n: int) -> Iterator[tuple[int, int, Any]]:
    """(start, stop, value) runs from change lists."""
    for k, (start, value) in enumerate(changes):
        stop = changes[k + 1][0] if k + 1 < len(changes) else n
        yield int(start), int(stop), value


def _as_float(value: Any) -> float:
    if value is None:
        return math.nan
    return float(value)


def decode_record(record: dict[str, Any]) -> Telemetry:
    """The samples of one record as columns (not yet merged with other records)."""
    n = header_of(record).samples
    try:
        micros = np.cumsum(np.asarray([record["t0"], *record["dt"]], dtype=np.int64))
    except (KeyError, TypeError, ValueError) as exc:
        raise RecordError(f"record timestamps unreadable: {exc}") from exc
    if micros.shape[0] != n:
        raise RecordError(f"record says {n} samples but has {micros.shape[0]} timestamps")
    cols = Telemetry.empty(n).columns()
    cols["t"] = micros / 1_000_000.0
    for short, column in VECTORS.items():
        if short in record:
            width = VECTOR_COLUMNS[column][2]
            cols[column] = np.asarray(record[short], dtype=float).reshape(n, width)
    for start, stop, value in _spans(record.get("bar", []), n):
        values = value or [None, None]
        cols["pressure_hpa"][start:stop] = _as_float(values[0])
        cols["rel_alt_m"][start:stop] = _as_float(values[1])
    for start, stop, value in _spans(record.get("mag", []), n):
        values = value or [None, None, None]
        for axis, v in zip(("mag_x", "mag_y", "mag_z"), values, strict=True):
            cols[axis][start:stop] = _as_float(v)
    texts = {name: [""] * n for name in TEXT_COLUMNS}
    for short in ("pos", "ctx"):
        obj = SPARSE[short]
        for start, stop, value in _spans(record.get(short, []), n):
            part = value or {}
            for name, (source, key) in SCALAR_COLUMNS.items():
                if source == obj:
                    cols[name][start:stop] = _as_float(part.get(key))
            for name, (source, key) in TEXT_COLUMNS.items():
                if source == obj and isinstance(part.get(key), str):
                    texts[name][start:stop] = [part[key]] * (stop - start)
    for name, values in texts.items():
        cols[name] = np.array(values, dtype=str) if n else np.full(0, "", dtype="<U1")
    return Telemetry(**cols)
