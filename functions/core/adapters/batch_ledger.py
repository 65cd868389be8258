"""The batch ledger (``names.BATCHES_TABLE``): each telemetry batch's state, for ingest's
exactly-once accounting (``functions.core.usecases.ingest``) and the integration debugger.

``batch#<id>`` is *pending* from the claim until one transaction marks it *accepted* together
with the session's counts (``SessionRepository.accepted_entry``); duplicates and refusals are
noted on it. The stored-part items of the same table (``obj#``) are ``stored_parts``'.
"""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from functions.core.adapters.dynamo import (
    CONDITION_FAILED,
    cancellation,
    condition_failed,
    dynamo_values,
)
from functions.core.adapters.session_repository import SessionRepository
from functions.core.config import names
from functions.core.domain.timestamps import iso
from functions.core.wire.models.telemetry import Rejection, reported


class BatchLedger:
    """Per-session batch states in ``names.BATCHES_TABLE`` (``itemId = batch#<id>``)."""

    def __init__(self, table: Any, sessions: SessionRepository) -> None:
        self._table = table
        self._sessions = sessions

    def claim(self, session_id: str, batch_id: str, now: float) -> bool:
        """True if the batch may be stored (new, or a retry of an unfinished attempt)."""
        try:
            self._table.put_item(
                Item={
                    "sessionId": session_id,
                    "itemId": f"batch#{batch_id}",
                    "state": "pending",
                    "receivedAt": iso(now),
                    "expiresAt": int(now + names.BATCH_DEDUPE_TTL_S),
                },
                ConditionExpression="attribute_not_exists(itemId) OR #state = :pending",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={":pending": "pending"},
            )
        except ClientError as exc:
            if condition_failed(exc):
                return False
            raise
        return True

    def commit(
        self,
        session_id: str,
        batch_id: str,
        *,
        accepted: int,
        rejected: int,
        parts: int,
        now: float,
        sweep_at: float | None,
        late: bool = False,
        rejections: list[Rejection] | None = None,
    ) -> bool:
        """Mark the batch accepted and add its counts to the session, atomically.

        False if a concurrent identical request committed first (then this one is the
        duplicate). ``sweep_at`` pushes the inactivity deadline of a recording session.
        """
        items = [
            {
                "Update": {
                    "TableName": self._table.name,
                    "Key": dynamo_values({"sessionId": session_id, "itemId": f"batch#{batch_id}"}),
                    "UpdateExpression": "SET #state = :accepted, samples = :samples, "
                    "parts = :parts, rejected = :rejected, late = :late, "
                    "rejections = :reasons, acceptedAt = :now",
                    "ConditionExpression": "#state = :pending",
                    "ExpressionAttributeNames": {"#state": "state"},
                    "ExpressionAttributeValues": dynamo_values(
                        {
                            ":accepted": "accepted",
                            ":pending": "pending",
                            ":samples": accepted,
                            ":parts": parts,
                            ":rejected": rejected,
                            ":late": late,
                            ":reasons": reported(rejections),
                            ":now": iso(now),
                        }
                    ),
                }
            },
            self._sessions.accepted_entry(
                session_id,
                accepted=accepted,
                rejected=rejected,
                parts=parts,
                now=now,
                sweep_at=sweep_at,
            ),
        ]
        try:
            self._table.meta.client.transact_write_items(TransactItems=items)
        except ClientError as exc:
            reasons = cancellation(exc)
            if reasons and reasons[0] == CONDITION_FAILED:
                return False  # the batch item was no longer pending: committed by a twin
            raise
        return True

    def note_duplicate(self, session_id: str, batch_id: str, now: float) -> None:
        """Count a retry of an accepted batch (the integration debugger shows retries)."""
        self._table.update_item(
            Key={"sessionId": session_id, "itemId": f"batch#{batch_id}"},
            UpdateExpression="ADD duplicates :one SET lastDuplicateAt = :now",
            ExpressionAttributeValues={":one": 1, ":now": iso(now)},
        )

    def note_rejected(
        self, session_id: str, batch_id: str, rejections: list[Rejection], now: float
    ) -> None:
        """Record why a whole batch was refused (it stays *pending*: a fixed retry of the
        same samples is still accepted)."""
        self._table.update_item(
            Key={"sessionId": session_id, "itemId": f"batch#{batch_id}"},
            UpdateExpression="SET rejectedAt = :now, rejected = :n, rejections = :reasons",
            ExpressionAttributeValues={
                ":now": iso(now),
                ":n": len(rejections),
                ":reasons": reported(rejections),
            },
        )

    def batches(self, session_id: str) -> list[dict[str, Any]]:
        """The session's batches as the server saw them, in the order they first arrived."""
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("sessionId").eq(session_id)
            & Key("itemId").begins_with("batch#")
        }
        while True:
            page = self._table.query(**kwargs)
            items.extend(page["Items"])
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        items.sort(key=lambda i: str(i.get("receivedAt", "")))
        return items

    def delete_session(self, session_id: str) -> None:
        """Every ledger item of the session (batches and stored objects): part of an erase."""
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("sessionId").eq(session_id),
            "ProjectionExpression": "sessionId, itemId",
        }
        with self._table.batch_writer() as writer:
            while True:
                page = self._table.query(**kwargs)
                for item in page["Items"]:
                    writer.delete_item(
                        Key={"sessionId": item["sessionId"], "itemId": item["itemId"]}
                    )
                if "LastEvaluatedKey" not in page:
                    return
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
