"""GET /v1/sessions/{id}/batches: a session's telemetry batches as the server saw them (the
integration debugger)."""

from __future__ import annotations

from typing import Any, Literal

from functions.core.wire.models.common import Response
from functions.core.wire.models.telemetry import Rejection

BatchOutcome = Literal["accepted", "rejected", "pending"]


class BatchView(Response):
    """One batch (identified by its samples' timestamps, see ``ingest.batch_digest``).

    ``outcome``: *accepted* (``samples`` kept, ``rejected`` dropped for ``rejections``);
    *rejected* (no valid sample: answered 422 ``NO_VALID_SAMPLES``); *pending* (the request
    failed half-way; a retry goes through). ``duplicates`` counts retries answered
    ``duplicate: true``; ``late`` marks a batch that arrived after the stop.
    """

    batchId: str
    outcome: BatchOutcome
    receivedAt: str
    acceptedAt: str | None = None
    samples: int = 0
    rejected: int = 0
    rejections: list[Rejection] = []
    duplicates: int = 0
    lastDuplicateAt: str | None = None
    late: bool = False


class BatchList(Response):
    sessionId: str
    batches: list[BatchView]


def batch_view(item: dict[str, Any]) -> BatchView:
    state = str(item.get("state", "pending"))
    outcome = "accepted" if state == "accepted" else "rejected" if item.get("rejectedAt") else state
    return BatchView(
        batchId=str(item["itemId"]).removeprefix("batch#"),
        outcome=outcome,  # type: ignore[arg-type]
        receivedAt=str(item.get("receivedAt", "")),
        acceptedAt=item.get("acceptedAt"),
        samples=int(item.get("samples", 0)),
        rejected=int(item.get("rejected", 0)),
        rejections=[
            Rejection(index=int(r["index"]), reason=str(r["reason"]))
            for r in item.get("rejections", [])
        ],
        duplicates=int(item.get("duplicates", 0)),
        lastDuplicateAt=item.get("lastDuplicateAt"),
        late=bool(item.get("late", False)),
    )
