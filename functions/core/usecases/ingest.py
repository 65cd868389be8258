"""POST /v1/telemetry: screen samples, de-duplicate batches, forward to Firehose, count.

Exactly-once accounting with a retrying phone:
1. the batch's id is a digest of its samples; ``claim`` writes ``batch#<id>`` as *pending*
   unless it is already *accepted* (then the batch is a duplicate: 200, nothing stored);
2. the valid samples go to Firehose as compact records (``functions.core.wire.records``);
3. one transaction marks the batch *accepted* and adds the counts to the session.
A crash between 1 and 3 leaves the batch pending, so the phone's retry goes through again; a
record that reached Firehose twice is harmless because the processor counts stored parts by
batch id and the engine de-duplicates samples by timestamp.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from functions.core.adapters.firehose_sink import FirehoseSink
from functions.core.adapters.keys import Principal
from functions.core.adapters.session_store import SessionStore, dynamo_values
from functions.core.config import names
from functions.core.domain import errors
from functions.core.domain.timestamps import iso
from functions.core.wire.models.telemetry import (
    SAMPLES,
    Rejection,
    Sample,
    TelemetryAccepted,
    TelemetryBatch,
)
from functions.core.wire.records import encode_batch

MAX_REPORTED_REJECTIONS = 20


def batch_digest(session_id: str, events: list[Any]) -> str:
    """Identity of a batch: the session and the timestamps of its samples, in order.

    A sample's identity is its timestamp (the engine keeps one sample per timestamp), so two
    batches with the same timestamps carry the same samples, however the phone serialised
    or compressed them. Hashing timestamps only is ~20x cheaper than canonical JSON.
    """
    stamps = ",".join(repr(e.get("ts")) if isinstance(e, dict) else "?" for e in events)
    return hashlib.sha256(f"{session_id}\n{stamps}".encode()).hexdigest()[:32]


def _reason(error: ErrorDetails) -> str:
    where = ".".join(str(p) for p in error["loc"][1:]) or "sample"
    return f"{where}: {error['msg']}"


def screen_samples(
    events: list[Any], *, earliest: float, latest: float
) -> tuple[list[dict[str, Any]], list[Rejection]]:
    """Valid samples (as clean dicts) and why the others were rejected.

    One validation pass over the whole list; pydantic reports every bad sample's index, so
    only those are dropped (NaN/Infinity, wrong vector arity, out-of-range values, a ``ts``
    outside [earliest, latest]).
    """
    bad: dict[int, str] = {}
    try:
        models = SAMPLES.validate_python(events)
    except ValidationError as exc:
        for error in exc.errors():
            bad.setdefault(int(error["loc"][0]), _reason(error))
        models = [Sample.model_validate(e) for i, e in enumerate(events) if i not in bad]
    kept_indices = [i for i in range(len(events)) if i not in bad]
    valid: list[Sample] = []
    for index, model in zip(kept_indices, models, strict=True):
        if earliest <= model.ts <= latest:
            valid.append(model)
        else:
            bad[index] = f"ts: {model.ts} is outside this session's time range"
    rejections = [Rejection(index=i, reason=bad[i]) for i in sorted(bad)]
    return SAMPLES.dump_python(valid, exclude_none=True), rejections


def sample_time_range(session: dict[str, Any], now: float) -> dict[str, float]:
    """The ``ts`` a sample of ``session`` may carry: within a day of the session's start and
    of now for a live session; any time for a replay (a recording made days or years ago
    keeps its own clock)."""
    if session.get("mode") == "replay":
        return {"earliest": 0.0, "latest": math.inf}
    return {
        "earliest": float(session["createdEpoch"]) - names.SAMPLE_TS_SLACK_S,
        "latest": now + names.SAMPLE_TS_SLACK_S,
    }


class BatchLedger:
    """Per-session batch states in ``names.BATCHES_TABLE`` (``itemId = batch#<id>``)."""

    def __init__(self, table: Any, sessions_table_name: str) -> None:
        self._table = table
        self._sessions_table = sessions_table_name

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
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
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
        session_set = "lastTelemetryAt = :now"
        values: dict[str, Any] = {
            ":now": iso(now),
            ":samples": accepted,
            ":one": 1,
            ":parts": parts,
            ":rejected": rejected,
        }
        if sweep_at is not None:
            session_set += ", sweepAt = :sweep"
            values[":sweep"] = iso(sweep_at)
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
                            ":reasons": _reasons(rejections),
                            ":now": iso(now),
                        }
                    ),
                }
            },
            {
                "Update": {
                    "TableName": self._sessions_table,
                    "Key": dynamo_values({"sessionId": session_id}),
                    "UpdateExpression": f"SET {session_set} ADD acceptedSamplesTotal :samples, "
                    "acceptedBatchesTotal :one, acceptedPartsTotal :parts, "
                    "rejectedSamplesTotal :rejected",
                    "ExpressionAttributeValues": dynamo_values(values),
                }
            },
        ]
        try:
            self._table.meta.client.transact_write_items(TransactItems=items)
        except ClientError as exc:
            reasons = exc.response.get("CancellationReasons") or [{}]
            if reasons[0].get("Code") == "ConditionalCheckFailed":
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
                ":reasons": _reasons(rejections),
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


def _reasons(rejections: list[Rejection] | None) -> list[dict[str, Any]]:
    """The first rejections, as stored for the integration debugger."""
    return [r.model_dump() for r in (rejections or [])[:MAX_REPORTED_REJECTIONS]]


class TelemetryIngest:
    """The ingest use case; its adapters are passed in so tests can hand in fakes."""

    def __init__(
        self,
        sessions: SessionStore,
        ledger: BatchLedger,
        sink: FirehoseSink,
        *,
        late_grace_s: float = names.LATE_DATA_GRACE_S,
        inactivity_s: float = names.SESSION_INACTIVITY_TIMEOUT_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._sessions = sessions
        self._ledger = ledger
        self._sink = sink
        self._late_grace_s = late_grace_s
        self._inactivity_s = inactivity_s
        self._clock = clock

    def ingest(self, principal: Principal, batch: TelemetryBatch) -> TelemetryAccepted:
        session = self._sessions.get(principal.tenant, batch.sessionId)
        now = self._clock()
        late = session["status"] != "recording"
        if late and now - float(session.get("endedEpoch", now)) > self._late_grace_s:
            raise errors.Conflict(
                f"session {batch.sessionId!r} ended more than {self._late_grace_s:.0f} s ago; "
                "late telemetry is no longer accepted",
                code="SESSION_CLOSED",
            )
        batch_id = batch_digest(batch.sessionId, batch.events)
        if not self._ledger.claim(batch.sessionId, batch_id, now):
            self._ledger.note_duplicate(batch.sessionId, batch_id, now)
            return TelemetryAccepted(
                sessionId=batch.sessionId, accepted=0, rejected=0, duplicate=True, late=late
            )
        valid, rejections = screen_samples(batch.events, **sample_time_range(session, now))
        if not valid:
            self._ledger.note_rejected(batch.sessionId, batch_id, rejections, now)
            raise errors.Unprocessable(
                "no valid sample in this batch",
                code="NO_VALID_SAMPLES",
                details=[r.model_dump() for r in rejections[:MAX_REPORTED_REJECTIONS]],
            )
        records = encode_batch(
            valid, session_id=batch.sessionId, tenant=principal.tenant, batch_id=batch_id
        )
        self._sink.put(records)
        committed = self._ledger.commit(
            batch.sessionId,
            batch_id,
            accepted=len(valid),
            rejected=len(rejections),
            parts=len(records),
            now=now,
            sweep_at=None if late else now + self._inactivity_s,
            late=late,
            rejections=rejections,
        )
        if not committed:
            return TelemetryAccepted(
                sessionId=batch.sessionId, accepted=0, rejected=0, duplicate=True, late=late
            )
        return TelemetryAccepted(
            sessionId=batch.sessionId,
            accepted=len(valid),
            rejected=len(rejections),
            late=late,
            rejections=rejections[:MAX_REPORTED_REJECTIONS],
        )
