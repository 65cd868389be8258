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

from functions.core.domain.session import Session
from functions.core.ports.insights import Buildings, InsightsDocuments
from functions.core.ports.sessions import ErasedSessions, SessionFiles, Sessions
from functions.core.ports.telemetry import Batches


class SessionEraser:
    """Erases a session in the order above; ``erased`` leaves the marker a late stop finds."""

    def __init__(
        self,
        sessions: Sessions,
        ledger: Batches,
        erased: ErasedSessions,
        insights: InsightsDocuments,
        objects: SessionFiles,
        clock: Callable[[], float] = time.time,
        buildings: Buildings | None = None,
    ) -> None:
        self._buildings = buildings
        self._sessions = sessions
        self._ledger = ledger
        self._erased = erased
        self._insights = insights
        self._objects = objects
        self._clock = clock

    def erase(self, tenant: str, session_id: str) -> dict[str, Any]:
        """The erased session as it was. Raises ``NotFound`` (``SESSION_NOT_FOUND``) for an
        unknown or foreign session."""
        session = self._sessions.get(tenant, session_id)
        self._sessions.begin_erasing(tenant, session_id, self._clock())
        self._ledger.delete_session(session_id)
        self._sessions.delete_filter_items(session)
        self._insights.delete(session_id)
        building = Session.of(session).building_id if self._buildings is not None else None
        if self._buildings is not None and building is not None:
            self._buildings.forget(tenant, building, session_id, self._clock())
        self._objects.delete_session(session_id)
        self._erased.mark(tenant, session_id, self._clock())
        self._sessions.delete(session_id)
        return session
