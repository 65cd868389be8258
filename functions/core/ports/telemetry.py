"""What ingest and finalization need of the telemetry's way through the system: the batch
ledger (exactly-once accounting), the record sink (Firehose) and the stored chunks (S3).

Implementations: ``adapters.batch_ledger.BatchLedger``, ``adapters.firehose_sink.FirehoseSink``,
``adapters.chunk_store.ChunkStore``; fakes in ``tests/unit/core/usecases/fakes.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from functions.core.wire.models.telemetry import Rejection
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


class Chunks(Protocol):
    """A session's stored telemetry, and its path image next to it."""

    def load(self, session_id: str) -> Telemetry: ...

    def put_path_image(self, session_id: str, png: bytes) -> str: ...
