"""The storage side of the batch ledger: which Firehose records reached a session's chunks.

Ingest counts what it accepted (``acceptedPartsTotal``, one per Firehose record); this module
counts what was stored. Each stored record writes ``part#<batchId>#<part>`` in the batches
table, conditional on the part being new, and the same transaction adds the new parts'
samples to the session's ``storedPartsTotal``/``storedSamplesTotal``. So a redelivered SQS
message, a Firehose object written twice, or a record duplicated into two objects is counted
once, and no crash can leave a part recorded but not counted. The session update also requires
the session to exist and not to be being erased, so late data cannot resurrect an erased
session's item.

One transaction per (session, object), not per part: an object holds a minute of a session's
batches, and a transaction per part made writing the slowest stage of the processor. When some
parts were already recorded, DynamoDB cancels the transaction and says which items failed their
condition; those parts are dropped and the rest written again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from botocore.exceptions import ClientError

from functions.core import names
from functions.core.records import RecordHeader
from functions.core.session_store import dynamo_values
from functions.core.timestamps import iso

PART_PREFIX = "part#"
MAX_PARTS_PER_TRANSACTION = 99
"""DynamoDB allows 100 items a transaction; one is the session update."""
CONFLICT_RETRIES = 5
CONFLICT_BACKOFF_S = 0.05


class SessionGone(Exception):
    """The session was erased (or never existed): nothing of it may be counted."""


def part_item_id(header: RecordHeader) -> str:
    return f"{PART_PREFIX}{header.batch_id}#{header.part}"


class StoredParts:
    """``table`` is a boto3 Table for ``names.BATCHES_TABLE``."""

    def __init__(
        self,
        table: Any,
        sessions_table_name: str,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._table = table
        self._sessions_table = sessions_table_name
        self._sleep = sleep

    def record(
        self, session_id: str, headers: Sequence[RecordHeader], now: float
    ) -> list[RecordHeader]:
        """Count the session's stored records; returns those that were new."""
        unique = list({part_item_id(h): h for h in headers}.values())
        new: list[RecordHeader] = []
        for start in range(0, len(unique), MAX_PARTS_PER_TRANSACTION):
            try:
                new += self._record_group(
                    session_id, unique[start : start + MAX_PARTS_PER_TRANSACTION], now
                )
            except SessionGone:
                return new
        return new

    def _record_group(
        self, session_id: str, group: list[RecordHeader], now: float
    ) -> list[RecordHeader]:
        conflicts = 0
        while group:
            try:
                self._table.meta.client.transact_write_items(
                    TransactItems=self._items(session_id, group, now)
                )
            except ClientError as exc:
                if exc.response["Error"]["Code"] != "TransactionCanceledException":
                    raise
                codes = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
                if len(codes) != len(group) + 1:
                    raise
                if codes[-1] == "ConditionalCheckFailed":
                    raise SessionGone(session_id) from exc
                if "TransactionConflict" in codes and conflicts < CONFLICT_RETRIES:
                    conflicts += 1  # another processor updating the same session right now
                    self._sleep(CONFLICT_BACKOFF_S * 2**conflicts)
                    continue
                known = {i for i, code in enumerate(codes[:-1]) if code == "ConditionalCheckFailed"}
                if not known:
                    raise
                group = [h for i, h in enumerate(group) if i not in known]
                continue
            return group
        return []

    def _items(
        self, session_id: str, group: list[RecordHeader], now: float
    ) -> list[dict[str, Any]]:
        puts = [
            {
                "Put": {
                    "TableName": self._table.name,
                    "Item": dynamo_values(
                        {
                            "sessionId": session_id,
                            "itemId": part_item_id(h),
                            "samples": h.samples,
                            "storedAt": iso(now),
                            "expiresAt": int(now + names.BATCH_DEDUPE_TTL_S),
                        }
                    ),
                    "ConditionExpression": "attribute_not_exists(itemId)",
                }
            }
            for h in group
        ]
        update = {
            "Update": {
                "TableName": self._sessions_table,
                "Key": dynamo_values({"sessionId": session_id}),
                "UpdateExpression": "ADD storedSamplesTotal :samples, storedPartsTotal :parts",
                "ConditionExpression": "attribute_exists(sessionId) "
                "AND attribute_not_exists(erasing)",
                "ExpressionAttributeValues": dynamo_values(
                    {":samples": sum(h.samples for h in group), ":parts": len(group)}
                ),
            }
        }
        return [*puts, update]
