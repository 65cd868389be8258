"""The Firehose record format: one telemetry batch (or part of one) as one JSON line.

Why not forward the SDK's JSON: it repeats the latest barometer, position, context and
magnetometer reading on every IMU sample and spells every key on every sample. A record here is
columnar instead:

``{"v":1, "s":session, "tn":tenant, "b":batch id, "p":part, "np":parts, "n":samples,
"t0":µs, "dt":[µs deltas], "a":[accel…], "g":[gyro…], "gr":[gravity…], "at":[attitude…],
"bar":[[i, pressureHpa, relativeAltitudeM]…], "pos":[[i, {position}]…], "ctx":[[i, {context}]…],
"mag":[[i, x, y, z]…]}``

- vectors are flat lists (3 or 4 numbers a sample, ``null`` where the sample had none), written
  with Python's shortest round-trip float repr: no precision is lost;
- barometer, position, context and magnetometer are stored only where they change (``[i, …]``
  holds from sample i on; ``[i, null]`` marks the reading disappearing);
- timestamps are integer microseconds, delta-encoded. Microseconds are finer than a double can
  resolve a 2020s unix time to (~0.24 µs) and far finer than sensor jitter.
Records end with a newline so that concatenated Firehose output is NDJSON, and a batch whose
record would pass Firehose's 1,000 KiB limit is split in parts (``p`` of ``np``).

This module writes records and reads their headers with the standard library alone (the
telemetry Lambda imports it on a cold start); ``record_decoding`` turns records into numpy
columns for the processor.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from functions.core.config import names
from functions.engine.columns import VECTOR_COLUMNS

FORMAT_VERSION = 1
VECTORS = {"a": "accel", "g": "gyro", "gr": "gravity", "at": "attitude"}
SPARSE = {"bar": "barometer", "pos": "position", "ctx": "context", "mag": "magnetometer"}
_BAROMETER_FIELDS = ("pressureHpa", "relativeAltitudeM")
_MAGNETOMETER_FIELDS = ("x", "y", "z")


class RecordError(ValueError):
    """A record that is not in this format (corrupt data, or another producer's)."""


@dataclass(frozen=True)
class RecordHeader:
    """Where a record belongs: session, tenant, batch and which part of the batch."""

    session_id: str
    tenant: str
    batch_id: str
    part: int
    parts: int
    samples: int


def _vector_value(sample: dict[str, Any], obj: str, key: str, width: int) -> list[Any]:
    part = sample.get(obj) or {}
    value = part.get(key)
    return list(value) if isinstance(value, list) and len(value) == width else [None] * width


def _sparse_value(sample: dict[str, Any], field: str) -> Any:
    part = sample.get(field)
    if part is None:
        return None
    if field == "barometer":
        return [part.get(k) for k in _BAROMETER_FIELDS]
    if field == "magnetometer":
        return [part.get(k) for k in _MAGNETOMETER_FIELDS]
    return {k: v for k, v in part.items() if v is not None}


def _encode_part(samples: Sequence[dict[str, Any]], header: dict[str, Any]) -> dict[str, Any]:
    micros = [round(float(s["ts"]) * 1_000_000) for s in samples]
    record: dict[str, Any] = {**header, "n": len(samples), "t0": micros[0]}
    record["dt"] = [b - a for a, b in itertools.pairwise(micros)]
    for short, column in VECTORS.items():
        obj, key, width = VECTOR_COLUMNS[column]
        flat: list[Any] = []
        for s in samples:
            flat.extend(_vector_value(s, obj, key, width))
        if any(v is not None for v in flat):
            record[short] = flat
    for short, field in SPARSE.items():
        changes: list[list[Any]] = []
        previous: Any = None
        for i, s in enumerate(samples):
            value = _sparse_value(s, field)
            if value != previous:
                changes.append([i, value])
                previous = value
        if changes:
            record[short] = changes
    return record


def encode_batch(
    samples: Sequence[dict[str, Any]],
    *,
    session_id: str,
    tenant: str,
    batch_id: str,
    limit_bytes: int = names.FIREHOSE_RECORD_LIMIT_BYTES,
) -> list[bytes]:
    """Records (newline-terminated) for validated wire samples, each under ``limit_bytes``.

    Samples must already be valid (see ``functions.core.wire.models.telemetry.Sample``).
    """
    if not samples:
        return []
    pieces: list[Sequence[dict[str, Any]]] = [samples]
    while True:
        parts = len(pieces)
        encoded = [
            (
                json.dumps(
                    _encode_part(
                        piece,
                        {
                            "v": FORMAT_VERSION,
                            "s": session_id,
                            "tn": tenant,
                            "b": batch_id,
                            "p": i,
                            "np": parts,
                        },
                    ),
                    separators=(",", ":"),
                    allow_nan=False,
                )
                + "\n"
            ).encode("utf-8")
            for i, piece in enumerate(pieces)
        ]
        if all(len(r) <= limit_bytes for r in encoded):
            return encoded
        if any(len(p) == 1 for p in pieces):
            raise ValueError("a single sample does not fit in a Firehose record")
        pieces = [half for p in pieces for half in (p[: len(p) // 2], p[len(p) // 2 :])]


def iter_records(blob: bytes) -> Iterator[dict[str, Any]]:
    """Records in a Firehose object: NDJSON, and also back-to-back objects with no separator
    (what moto writes). A corrupt line raises ``RecordError``."""
    text = blob.decode("utf-8")
    decoder = json.JSONDecoder()
    position, end = 0, len(text)
    while position < end:
        while position < end and text[position].isspace():
            position += 1
        if position >= end:
            return
        try:
            record, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            raise RecordError(f"corrupt record at byte {exc.pos}: {exc.msg}") from exc
        if not isinstance(record, dict) or record.get("v") != FORMAT_VERSION:
            raise RecordError("not a Doorproof telemetry record (missing or unknown 'v')")
        yield record


def header_of(record: dict[str, Any]) -> RecordHeader:
    try:
        return RecordHeader(
            session_id=str(record["s"]),
            tenant=str(record["tn"]),
            batch_id=str(record["b"]),
            part=int(record["p"]),
            parts=int(record["np"]),
            samples=int(record["n"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise RecordError(f"record header incomplete: {exc}") from exc
