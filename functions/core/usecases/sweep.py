"""The sweeper's logic: nothing stays ``processing`` forever.

Only sessions whose insights are not final carry ``sweepShard``/``sweepAt`` (the sparse
``bySweep`` index), so a sweep reads exactly the sessions that need attention, and only those
whose ``sweepAt`` has passed:
- still ``recording`` (``sweepAt`` = last telemetry + inactivity timeout): the phone never
  stopped. End the session (status completed, endReason ``timeout``, ended at its last
  activity) and request finalization: the engine reports SESSION_TIMEOUT;
- stopped (``sweepAt`` = stop + finalize deadline) and still not finalized: some accepted data
  never reached storage. Request finalization with what exists: the engine reports
  TELEMETRY_STREAM_INTERRUPTED.
The sweeper computes nothing itself: it sends ``deadline`` finalize messages, so finalization
keeps one home (the processor) with its retries and DLQ. Each request also moves ``sweepAt``
one deadline ahead (a lease), so a session is requested again only if that finalization never
committed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from functions.core.adapters.processing_queue import ProcessingQueue
from functions.core.adapters.session_store import dynamo, plain, sweep_shards
from functions.core.domain.timestamps import epoch_of, iso


@dataclass(frozen=True)
class SweepReport:
    timed_out: list[str]
    finalize_requested: list[str]


def last_activity(session: dict[str, Any]) -> float:
    """When the session last showed life: its last telemetry, else its start."""
    last = session.get("lastTelemetryAt")
    return epoch_of(last) if last else float(session["createdEpoch"])


class Sweeper:
    """``sessions_table`` is a boto3 Table for ``names.SESSIONS_TABLE``."""

    def __init__(
        self,
        sessions_table: Any,
        queue: ProcessingQueue,
        *,
        lease_s: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._table = sessions_table
        self._queue = queue
        self._lease_s = lease_s
        self._clock = clock

    def sweep(self) -> SweepReport:
        now = self._clock()
        timed_out, requested = [], []
        for session in self._due(now):
            session_id = session["sessionId"]
            if session.get("status") == "recording":
                if not self._end(session, now):
                    continue  # telemetry arrived since the query: still alive
                timed_out.append(session_id)
            elif not self._lease(session, now):
                continue  # another sweep took it
            self._queue.request_finalize(session_id, "deadline")
            requested.append(session_id)
        return SweepReport(timed_out, requested)

    def _due(self, now: float) -> Iterator[dict[str, Any]]:
        for shard in sweep_shards():
            kwargs: dict[str, Any] = {
                "IndexName": "bySweep",
                "KeyConditionExpression": Key("sweepShard").eq(shard)
                & Key("sweepAt").lte(iso(now)),
            }
            while True:
                page = self._table.query(**kwargs)
                yield from (plain(item) for item in page["Items"])
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _end(self, session: dict[str, Any], now: float) -> bool:
        ended = last_activity(session)
        return self._update(
            session["sessionId"],
            "SET #status = :completed, endedAt = :ended, endedEpoch = :epoch, "
            "endReason = :timeout, sweepAt = :lease",
            "#status = :recording AND sweepAt <= :now",
            {
                ":completed": "completed",
                ":recording": "recording",
                ":ended": iso(ended),
                ":epoch": dynamo(ended),
                ":timeout": "timeout",
                ":lease": iso(now + self._lease_s),
                ":now": iso(now),
            },
        )

    def _lease(self, session: dict[str, Any], now: float) -> bool:
        return self._update(
            session["sessionId"],
            "SET sweepAt = :lease",
            "sweepAt = :seen",
            {":lease": iso(now + self._lease_s), ":seen": session["sweepAt"]},
        )

    def _update(
        self, session_id: str, expression: str, condition: str, values: dict[str, Any]
    ) -> bool:
        kwargs: dict[str, Any] = {
            "Key": {"sessionId": session_id},
            "UpdateExpression": expression,
            "ConditionExpression": condition,
            "ExpressionAttributeValues": values,
        }
        if "#status" in expression:
            kwargs["ExpressionAttributeNames"] = {"#status": "status"}
        try:
            self._table.update_item(**kwargs)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True
