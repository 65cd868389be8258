"""What ingest, sessionizing and finalization need of the telemetry's way through the
system: the batch ledger (exactly-once accounting on the way in), the record sink (Firehose),
Firehose's objects, the stored chunks (S3) and the stored-part ledger (exactly-once accounting
on the way out).

Implementations: ``adapters.batch_ledger.BatchLedger``, ``adapters.firehose_sink.FirehoseSink``,
``adapters.raw_objects.RawObjects``, ``adapters.chunk_store.ChunkStore``,
``adapters.stored_parts.StoredParts``; fakes in ``tests/unit/core/usecases/fakes.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from functions.core.wire.models.telemetry import Rejection
    from functions.core.wire.records import RecordHeader
    from functions.engine.telemetry import Telemetry


class Batches(Protocol):
    """Each telemetry batch's state: claimed (*pending*), then *accepted* together with the
    session's counts; a retry of an accepted batch is a duplicate."""

    def claim(self, session_id: str, batch_id: str, now: float) -> bool:
        """True if the batch may be stored (new, or a retry of an unfinished attempt)."""
        ...

    def commit(
        self,
        session_id: str,
        batch_id: str,
        *,
        accepted: int,
        rejected: int,
        parts: int,
        now: float,
        sweep_at: float | None,
        late: bool = False,
        rejections: list[Rejection] | None = None,
    ) -> bool:
        """Mark the batch accepted and add its counts to the session, atomically; False if a
        concurrent identical request committed first."""
        ...

    def note_duplicate(self, session_id: str, batch_id: str, now: float) -> None: ...

    def note_rejected(
        self, session_id: str, batch_id: str, rejections: list[Rejection], now: float
    ) -> None: ...

    def delete_session(self, session_id: str) -> None: ...


class RecordSink(Protocol):
    """Where accepted records go (Firehose); raises ``ServiceUnavailable`` if some did not."""

    def put(self, records: Sequence[bytes]) -> None: ...


class FirehoseObjects(Protocol):
    """The objects Firehose writes under ``raw/``, each holding many sessions' records."""

    def read(self, bucket: str, key: str) -> bytes:
        """The object's records, uncompressed."""
        ...


class Chunks(Protocol):
    """A session's stored telemetry, and its path image next to it."""

    def put(self, session_id: str, source_key: str, telemetry: Telemetry) -> str:
        """Store the session's samples from one Firehose object (again: overwritten);
        returns the chunk's key."""
        ...

    def load(self, session_id: str) -> Telemetry: ...

    def put_path_image(self, session_id: str, png: bytes) -> str: ...


class StoredRecords(Protocol):
    """Which records reached a session's chunks, each counted once into the session's
    ``storedPartsTotal``/``storedSamplesTotal``."""

    def record(
        self,
        session_id: str,
        source_key: str,
        headers: Sequence[RecordHeader],
        now: float,
        *,
        stored_objects: int | None = None,
    ) -> list[RecordHeader]:
        """Count the session's records from ``source_key``; returns those that were new
        (none for a session that is gone or being erased). ``stored_objects``: the
        session's ``storedObjects`` as the caller just read it."""
        ...
