"""The finalize request: the processing queue's message that asks the processor to finalize a
session (the queue's other messages are S3's notifications of Firehose objects).

Body: ``{"type": "finalize", "sessionId": "...", "reason": "...", "fromVersion": n}``
(``fromVersion`` only for a reprocess).
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
