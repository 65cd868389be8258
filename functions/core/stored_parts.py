"""The storage side of the batch ledger: which Firehose records reached a session's chunks.

Ingest counts what it accepted (``acceptedPartsTotal``, one per Firehose record); this module
counts what was stored. Each stored record writes ``part#<batchId>#<part>`` in the batches
table *and* adds to the session's ``storedPartsTotal``/``storedSamplesTotal`` in one
transaction, conditional on the part being new. So a redelivered SQS message, a Firehose
object written twice, or a record duplicated into two objects is counted once, and a crash
between the two writes cannot happen. The session update also requires the session to exist
and not to be being erased, so late data cannot resurrect an erased session's item.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from functions.core import names
from functions.core.ingest import _key as wire
from functions.core.records import RecordHeader
from functions.core.session_store import iso

PART_PREFIX = "part#"


def part_item_id(header: RecordHeader) -> str:
    return f"{PART_PREFIX}{header.batch_id}#{header.part}"


class StoredParts:
    """``table`` is a boto3 Table for ``names.BATCHES_TABLE``."""

    def __init__(self, table: Any, sessions_table_name: str) -> None:
        self._table = table
        self._sessions_table = sessions_table_name

    def record(self, header: RecordHeader, now: float) -> bool:
        """Count one stored record. True if it was new (its samples were added)."""
        items = [
            {
                "Put": {
                    "TableName": self._table.name,
                    "Item": wire(
                        {
                            "sessionId": header.session_id,
                            "itemId": part_item_id(header),
                            "samples": header.samples,
                            "storedAt": iso(now),
                            "expiresAt": int(now + names.BATCH_DEDUPE_TTL_S),
                        }
                    ),
                    "ConditionExpression": "attribute_not_exists(itemId)",
                }
            },
            {
                "Update": {
                    "TableName": self._sessions_table,
                    "Key": wire({"sessionId": header.session_id}),
                    "UpdateExpression": "ADD storedSamplesTotal :samples, storedPartsTotal :one",
                    "ConditionExpression": "attribute_exists(sessionId) "
                    "AND attribute_not_exists(erasing)",
                    "ExpressionAttributeValues": wire({":samples": header.samples, ":one": 1}),
                }
            },
        ]
        try:
            self._table.meta.client.transact_write_items(TransactItems=items)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "TransactionCanceledException":
                return False
            raise
        return True
