"""Markers of erased sessions: the stop of a phone still recording an erased session succeeds.

``DELETE /v1/sessions/{id}`` may erase a session its phone is still recording. The phone will
send its stop; a 404 would send the SDK back to recording and into a loop of stops answered
404 until the app restarts. Before the session item goes, the eraser writes a marker (kept
``names.ERASED_MARKER_TTL_S`` by DynamoDB TTL) recording that the id was erased, and for
which tenant; the stop finds it and answers ``completed``. Telemetry for the erased session
is still a 404: its data was erased on purpose. No numpy here: the sessions function uses it.
"""

from __future__ import annotations

from typing import Any

from functions.core.config import names
from functions.core.domain.timestamps import iso

ERASED_ITEM_ID = "erased"
"""The marker's sort key in the batches table (ledger items are ``batch#…``/``obj#…``)."""


class ErasedMarkers:
    """Which session ids were erased, per tenant; ``table`` is the batches Table resource
    (it has the TTL attribute ``expiresAt``, so markers expire without a sweep)."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def mark(self, tenant: str, session_id: str, now: float) -> None:
        self._table.put_item(
            Item={
                "sessionId": session_id,
                "itemId": ERASED_ITEM_ID,
                "tenant": tenant,
                "erasedAt": iso(now),
                "expiresAt": int(now + names.ERASED_MARKER_TTL_S),
            }
        )

    def erased(self, tenant: str, session_id: str) -> bool:
        item = self._table.get_item(
            Key={"sessionId": session_id, "itemId": ERASED_ITEM_ID}, ConsistentRead=True
        ).get("Item")
        return bool(item) and item.get("tenant") == tenant
