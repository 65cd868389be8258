"""Stored insights documents (``names.INSIGHTS_TABLE``, one item per session).

The item keeps the fields the pipeline branches on as attributes (``status``, ``version``,
``engineVersion``, ``createdAt``, ``updatedAt``, ``errorMessage``, ``pathImageKey``) and the
engine's output (summary, reasonCodes, events, metrics, evidence, dataQuality) as one JSON
string, ``body``. Why a string: the engine's nested floats would otherwise each become a
DynamoDB Decimal on the way in and need converting back on every read, and the document is
only ever read whole. ``get`` returns the flat document: body fields plus the attributes.

Writes happen in ``functions.core.usecases.finalize`` inside a transaction with the session item
(the session's ``insightsVersion`` is the guard), so this module builds the transaction
entry rather than writing on its own.
"""

from __future__ import annotations

import json
import math
from typing import Any

from functions.core.adapters.dynamo import dynamo_values

ATTRIBUTES = (
    "status",
    "version",
    "engineVersion",
    "createdAt",
    "updatedAt",
    "errorMessage",
    "pathImageKey",
)


def _finite(value: Any) -> Any:
    """NaN/Infinity (not JSON) become null, recursively."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


class InsightsStore:
    """``table`` is a boto3 Table for ``names.INSIGHTS_TABLE``."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def get(self, session_id: str) -> dict[str, Any] | None:
        """The stored document (flat), or None while none was computed."""
        item = self._table.get_item(Key={"sessionId": session_id}, ConsistentRead=True).get("Item")
        if item is None:
            return None
        document: dict[str, Any] = json.loads(item.get("body") or "{}")
        document["sessionId"] = session_id
        for name in ATTRIBUTES:
            if name in item:
                value = item[name]
                document[name] = int(value) if name == "version" else value
        return document

    def put_entry(self, document: dict[str, Any]) -> dict[str, Any]:
        """A ``TransactWriteItems`` Put entry storing ``document`` (flat, as ``get`` returns)."""
        attributes = {k: document[k] for k in ATTRIBUTES if document.get(k) is not None}
        body = {k: v for k, v in document.items() if k not in ATTRIBUTES and k != "sessionId"}
        item = {
            "sessionId": document["sessionId"],
            **attributes,
            "body": json.dumps(_finite(body), separators=(",", ":"), allow_nan=False),
        }
        return {"Put": {"TableName": self._table.name, "Item": dynamo_values(item)}}

    def delete(self, session_id: str) -> None:
        self._table.delete_item(Key={"sessionId": session_id})
