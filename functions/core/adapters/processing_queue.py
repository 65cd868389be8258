"""Messages the API and the sweeper put on the processing queue.

The processing queue carries two kinds of message: S3 notifications for new Firehose objects
(sent by S3 itself) and ``finalize`` requests, sent here. A stop goes through the queue rather
than finalizing inline because the stop route must answer the phone fast and must not fail
when the engine does; the queue gives finalization the processor's retries, DLQ and bounded
concurrency for free. Body: ``{"type": "finalize", "sessionId": "...", "reason": "..."}``.
"""

from __future__ import annotations

import json
from typing import Any, Literal

FINALIZE = "finalize"
FinalizeReason = Literal["stopped", "deadline", "reprocess"]
"""``stopped``: finalize if complete; ``deadline`` (sweeper): finalize with what exists;
``reprocess``: recompute even if nothing changed."""


def finalize_body(session_id: str, reason: str, from_version: int | None = None) -> str:
    """The JSON body of a finalize message (also what tests put on the queue)."""
    body: dict[str, Any] = {"type": FINALIZE, "sessionId": session_id, "reason": reason}
    if from_version is not None:
        body["fromVersion"] = from_version
    return json.dumps(body)


class ProcessingQueue:
    """``sqs`` is a boto3 SQS client; ``queue_url`` the processing queue's URL."""

    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs = sqs
        self._queue_url = queue_url

    def request_finalize(
        self,
        session_id: str,
        reason: FinalizeReason = "stopped",
        *,
        from_version: int | None = None,
    ) -> None:
        """Ask the processor to finalize ``session_id`` (see ``FinalizeReason``).

        Safe to send twice: the processor's commit is guarded by a conditional update, and a
        reprocess request names the version it replaces (``from_version``), so a duplicate
        delivery does not recompute twice.
        """
        self._sqs.send_message(
            QueueUrl=self._queue_url,
            MessageBody=finalize_body(session_id, reason, from_version),
        )
