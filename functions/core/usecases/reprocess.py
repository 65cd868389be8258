"""POST /v1/sessions/{id}/reprocess: recompute a stopped session's insights.

The request is recorded on the session (``reprocessFrom``: ``statusDetail`` says computing
until a newer version is committed) and sent to the processor as a ``reprocess`` finalize
message naming the version it replaces, so two requests for the same version recompute
once (``Session.is_due``). A session still recording has nothing final to recompute.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from functions.core.domain import errors
from functions.core.domain.session import Session
from functions.core.ports.messages import FinalizeRequests
from functions.core.ports.sessions import Sessions


@dataclass(frozen=True)
class ReprocessRequested:
    session: dict[str, Any]
    """The session as it was when the recomputation was asked for."""
    from_version: int


class Reprocess:
    def __init__(self, sessions: Sessions, queue: FinalizeRequests) -> None:
        self._sessions = sessions
        self._queue = queue

    def request(self, tenant: str, session_id: str) -> ReprocessRequested:
        session = self._sessions.get(tenant, session_id)
        state = Session.of(session)
        if state.recording:
            raise errors.Conflict(
                f"session {session_id!r} is still recording; stop it first",
                code="SESSION_RECORDING",
            )
        self._sessions.mark_reprocess(session_id, state.insights_version)
        self._queue.request_finalize(session_id, "reprocess", from_version=state.insights_version)
        return ReprocessRequested(session, state.insights_version)
