"""The storage side of the batch ledger: which Firehose records reached a session's chunks.

Ingest counts what it accepted (``acceptedPartsTotal``, one per Firehose record); this module
counts what was stored, each record once. Storing a session's records from one Firehose object
writes **one** ledger item, ``obj#<digest of the object's key>`` in the batches table, holding
the ids (``<batchId>#<part>``) of the records it counted, and, in the same transaction, adds
their parts and samples to the session's ``storedPartsTotal``/``storedSamplesTotal`` and one to
its ``storedObjects``. So:

- a redelivered SQS message, or an object processed twice at once, is counted once (the item
  is conditional on being new);
- a record Firehose wrote into two *different* objects is counted once: the records already
  listed by the session's other object items (one consistent Query) are left out;
- two objects of one session counted at the same moment cannot both count a record they
  share: the session update is conditional on ``storedObjects`` still being the value read
  before the Query, so the later of the two is cancelled and counts again with the other's
  item in view;
- the session update requires the session to exist and not to be being erased, so late data
  cannot resurrect an erased session's item; no crash leaves records listed but not counted.

Why one item per object instead of one per record (``part#…``, before): DynamoDB bills a
transactional write per item and per KB, so a ledger item per record cost 2 write units for
every 5-second SDK batch, the largest DynamoDB cost of a delivery after ingest's own; now an
object costs one small item and the session update, whatever it holds. See docs/pipeline.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, Literal

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from functions.core.adapters.dynamo import CONDITION_FAILED, CONFLICT, cancellation, dynamo_values
from functions.core.adapters.session_repository import SessionRepository
from functions.core.config import names
from functions.core.config.object_keys import source_digest
from functions.core.domain.timestamps import iso
from functions.core.wire.records import RecordHeader

OBJECT_PREFIX = "obj#"
CONFLICT_RETRIES = 8
CONFLICT_BACKOFF_S = 0.05
"""Waits grow linearly: eight retries wait 1.8 s in all, then SQS redelivers the message."""

Written = Literal["written", "recorded", "moved", "conflict"]


class LedgerContended(RuntimeError):
    """Other processors kept counting objects of the session; the message is retried."""


def object_item_id(source_key: str) -> str:
    return f"{OBJECT_PREFIX}{source_digest(source_key)}"


def part_id(header: RecordHeader) -> str:
    return f"{header.batch_id}#{header.part}"


class StoredParts:
    """``table`` is a boto3 Table for ``names.BATCHES_TABLE``."""

    def __init__(
        self,
        table: Any,
        sessions: SessionRepository,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._table = table
        self._sessions = sessions
        self._sleep = sleep

    def record(
        self,
        session_id: str,
        source_key: str,
        headers: Sequence[RecordHeader],
        now: float,
        *,
        stored_objects: int | None = None,
    ) -> list[RecordHeader]:
        """Count the session's records from ``source_key``; returns those that were new.

        ``stored_objects`` is the session's ``storedObjects`` as the caller just read it
        (consistently); without it, it is read here."""
        unique = {part_id(h): h for h in headers}
        objects = stored_objects
        for attempt in range(CONFLICT_RETRIES + 1):
            if objects is None:
                objects = self._sessions.stored_objects(session_id)
                if objects is None:
                    return []  # erased, or being erased: nothing of it may be counted
            known = self._listed(session_id)
            new = [h for pid, h in unique.items() if pid not in known]
            if not new:
                return []
            outcome = self._write(session_id, source_key, new, objects, now)
            if outcome == "written":
                return new
            if outcome == "recorded":
                return []  # another delivery of this object counted it meanwhile
            objects = None  # the session moved on (another object counted, or erasing)
            self._sleep(CONFLICT_BACKOFF_S * (attempt + 1))
        raise LedgerContended(f"session {session_id}: stored-part ledger kept moving")

    def _listed(self, session_id: str) -> set[str]:
        """Every record id the session's object items list."""
        query: dict[str, Any] = {
            "KeyConditionExpression": Key("sessionId").eq(session_id)
            & Key("itemId").begins_with(OBJECT_PREFIX),
            "ProjectionExpression": "parts",
            "ConsistentRead": True,
        }
        listed: set[str] = set()
        while True:
            page = self._table.query(**query)
            for item in page.get("Items", []):
                listed.update(item.get("parts", []))
            if "LastEvaluatedKey" not in page:
                return listed
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _write(
        self,
        session_id: str,
        source_key: str,
        new: list[RecordHeader],
        objects: int,
        now: float,
    ) -> Written:
        samples = sum(h.samples for h in new)
        put = {
            "Put": {
                "TableName": self._table.name,
                "Item": dynamo_values(
                    {
                        "sessionId": session_id,
                        "itemId": object_item_id(source_key),
                        "source": source_key,
                        "parts": [part_id(h) for h in new],
                        "samples": samples,
                        "storedAt": iso(now),
                        "expiresAt": int(now + names.BATCH_DEDUPE_TTL_S),
                    }
                ),
                "ConditionExpression": "attribute_not_exists(itemId)",
            }
        }
        update = self._sessions.stored_entry(
            session_id, samples=samples, parts=len(new), objects_seen=objects
        )
        try:
            self._table.meta.client.transact_write_items(TransactItems=[put, update])
        except ClientError as exc:
            codes = cancellation(exc)
            if codes is None or len(codes) != 2:
                raise
            if CONFLICT in codes:
                return "conflict"
            if codes[0] == CONDITION_FAILED:
                return "recorded"
            if codes[1] == CONDITION_FAILED:
                return "moved"
            raise
        return "written"
