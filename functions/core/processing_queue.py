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
FinalizeReason = Literal["stopped", "reprocess"]


def finalize_body(session_id: str, reason: str) -> str:
    """The JSON body of a finalize message (also what tests put on the queue)."""
    return json.dumps({"type": FINALIZE, "sessionId": session_id, "reason": reason})


class ProcessingQueue:
    """``sqs`` is a boto3 SQS client; ``queue_url`` the processing queue's URL."""

    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs = sqs
        self._queue_url = queue_url

    def request_finalize(self, session_id: str, reason: FinalizeReason = "stopped") -> None:
        """Ask the processor to finalize ``session_id`` if it is complete (``stopped``), or
        to recompute its insights from stored chunks regardless (``reprocess``).

        Safe to call twice: the processor's finalization is guarded by a conditional update.
        """
        self._sqs.send_message(
            QueueUrl=self._queue_url, MessageBody=finalize_body(session_id, reason)
        )
