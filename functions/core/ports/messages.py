"""What the use cases send: finalize requests to the processor, events to the bus.

Implementations: ``adapters.processing_queue.ProcessingQueue`` (SQS),
``adapters.events_bus.EventBus`` (EventBridge); fakes in ``tests/unit/core/usecases/fakes.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from functions.core.config.names import EventKind, SessionEventKind
    from functions.core.wire.finalize_requests import FinalizeReason


class FinalizeRequests(Protocol):
    def request_finalize(
        self,
        session_id: str,
        reason: FinalizeReason = "stopped",
        *,
        from_version: int | None = None,
    ) -> None: ...


class Events(Protocol):
    def publish(self, kind: EventKind | SessionEventKind, detail: dict[str, Any]) -> None: ...
