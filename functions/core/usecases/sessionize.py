"""Sessionizing a Firehose object: split its records by session, store each session's part as
a chunk, count what was stored.

Firehose objects mix every session that sent telemetry in the buffer interval (see
docs/decisions.md for why there is no dynamic partitioning). The three steps are separate
calls so the benchmark can time reading, decoding and writing apart: ``FirehoseObjects.read``
(GET + gunzip, ``adapters/raw_objects.py``), ``split_by_session`` (parse + decode + merge per
session) and ``SessionizedWriter.store`` (chunk PUT + the object's ledger transaction).

Order matters for crash safety: the chunk is written *before* its parts are counted, so a
counted part is always in storage. A crash after the chunk and before the count is repaired by
SQS's redelivery (same chunk key, overwritten; parts counted then).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from functions.core.config.observability import logger
from functions.core.domain.session import Session
from functions.core.ports.sessions import Sessions
from functions.core.ports.telemetry import Chunks, StoredRecords
from functions.core.wire.record_decoding import decode_record
from functions.core.wire.records import RecordHeader, header_of, iter_records
from functions.engine.telemetry import Telemetry


@dataclass
class SessionSlice:
    """One session's records in one Firehose object."""

    tenant: str
    headers: list[RecordHeader] = field(default_factory=list)
    parts: list[Telemetry] = field(default_factory=list)

    def telemetry(self) -> Telemetry:
        return Telemetry.merge(self.parts)


def split_by_session(blob: bytes) -> dict[str, SessionSlice]:
    """Records grouped by session, decoded. Raises ``RecordError`` on corrupt data: the whole
    object is retried and, if it stays corrupt, lands in the DLQ for inspection."""
    slices: dict[str, SessionSlice] = {}
    seen: set[tuple[str, str, int]] = set()
    for record in iter_records(blob):
        header = header_of(record)
        slot = slices.setdefault(header.session_id, SessionSlice(tenant=header.tenant))
        identity = (header.session_id, header.batch_id, header.part)
        if identity in seen:
            continue  # the same record twice in one object: Telemetry.merge would drop it too
        seen.add(identity)
        slot.headers.append(header)
        slot.parts.append(decode_record(record))
    return slices


@dataclass(frozen=True)
class Stored:
    """What storing one session's slice did."""

    session_id: str
    new_parts: int
    new_samples: int


class SessionizedWriter:
    """Writes slices of existing sessions; data of an unknown (erased) session is dropped."""

    def __init__(
        self,
        sessions: Sessions,
        chunks: Chunks,
        parts: StoredRecords,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._sessions = sessions
        self._chunks = chunks
        self._parts = parts
        self._clock = clock

    def store(self, source_key: str, session_id: str, piece: SessionSlice) -> Stored | None:
        item = self._sessions.find(session_id)
        session = None if item is None else Session.of(item)
        if session is None or session.tenant != piece.tenant or session.erasing:
            logger.warning(
                "dropping records of an unknown or erased session",
                extra={"sessionId": session_id, "source": source_key},
            )
            return None
        self._chunks.put(session_id, source_key, piece.telemetry())
        now = self._clock()
        new = self._parts.record(
            session_id,
            source_key,
            piece.headers,
            now,
            stored_objects=session.stored_objects,
        )
        return Stored(session_id, len(new), sum(h.samples for h in new))
