"""Messages the API and the sweeper put on the processing queue.

The processing queue carries two kinds of message: S3 notifications for new Firehose objects
(sent by S3 itself) and ``finalize`` requests, sent here. A stop goes through the queue rather
than finalizing inline because the stop route must answer the phone fast and must not fail
when the engine does; the queue gives finalization the processor's retries, DLQ and bounded
concurrency for free. The message's format: ``wire/finalize_requests.py``.
"""

from __future__ import annotations

from typing import Any

from functions.core.wire.finalize_requests import FinalizeReason, finalize_body


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
