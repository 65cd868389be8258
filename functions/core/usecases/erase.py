"""DELETE /v1/sessions/{id}: erase a session and everything derived from it.

Order matters, because the processor may be writing while we erase and a DELETE may fail half
way: the session is first marked ``erasing`` (the processor then drops its data, counts
nothing and computes nothing, see ``sessionize`` / ``stored_parts`` / ``finalize``; a session
still recording gets ``endReason: deleted``), then the ledger items, the filter items, the
insights and the S3 objects go, and the session item goes last. A DELETE that
failed half way is repeated by the caller and finds the session still there, so it finishes
the job; only after the last step is the session a 404. What the session taught its building
(its heights, where its GPS was lost) leaves the building's profile too.

Just before the session item goes, an erased marker (``functions.core.adapters.erased``) is written,
so the stop of a phone still recording the session succeeds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from boto3.dynamodb.conditions import Key

from functions.core.adapters.building_store import BuildingStore, building_of
from functions.core.adapters.erased import ErasedMarkers
from functions.core.adapters.insights_store import InsightsStore
from functions.core.adapters.session_objects import SessionObjects
from functions.core.adapters.session_store import SessionStore, filter_writes
from functions.core.domain.timestamps import iso


class SessionEraser:
    """Tables are boto3 Table resources (sessions, batches)."""

    def __init__(
        self,
        sessions: SessionStore,
        sessions_table: Any,
        batches_table: Any,
        insights: InsightsStore,
        objects: SessionObjects,
        clock: Callable[[], float] = time.time,
        buildings: BuildingStore | None = None,
    ) -> None:
        self._buildings = buildings
        self._sessions = sessions
        self._sessions_table = sessions_table
        self._batches = batches_table
        self._insights = insights
        self._objects = objects
        self._clock = clock

    def erase(self, tenant: str, session_id: str) -> dict[str, Any]:
        """The erased session as it was. Raises 404 (``SESSION_NOT_FOUND``) for an unknown
        or foreign session."""
        session = self._sessions.get(tenant, session_id)
        self._sessions_table.update_item(
            Key={"sessionId": session_id},
            UpdateExpression="SET erasing = :now, endReason = if_not_exists(endReason, :deleted) "
            "REMOVE sweepShard, sweepAt",
            ConditionExpression="tenant = :tenant",
            ExpressionAttributeValues={
                ":now": iso(self._clock()),
                ":tenant": tenant,
                ":deleted": "deleted",
            },
        )
        self._delete_ledger(session_id)
        self._delete_filter_items(session)
        self._insights.delete(session_id)
        building = building_of(session) if self._buildings is not None else None
        if self._buildings is not None and building is not None:
            self._buildings.forget(tenant, building, session_id, self._clock())
        self._objects.delete_session(session_id)
        ErasedMarkers(self._batches).mark(tenant, session_id, self._clock())
        self._sessions_table.delete_item(Key={"sessionId": session_id})
        return session

    def _delete_filter_items(self, session: dict[str, Any]) -> None:
        """The session's filter items (``session_store``), so no list shows it any more."""
        with self._sessions_table.batch_writer() as writer:
            for entry in filter_writes(self._sessions_table.name, session, None):
                writer.delete_item(Key=entry["Delete"]["Key"])

    def _delete_ledger(self, session_id: str) -> None:
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("sessionId").eq(session_id),
            "ProjectionExpression": "sessionId, itemId",
        }
        with self._batches.batch_writer() as writer:
            while True:
                page = self._batches.query(**kwargs)
                for item in page["Items"]:
                    writer.delete_item(
                        Key={"sessionId": item["sessionId"], "itemId": item["itemId"]}
                    )
                if "LastEvaluatedKey" not in page:
                    return
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
