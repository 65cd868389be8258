"""Starting and stopping delivery sessions.

A stop records the end, then asks the processor to finalize. The finalize request is sent on
every stop of a session whose insights are still pending (not only the first): if the first
send failed after the stop was stored, the phone's retry repairs it, and the processor's
finalization is idempotent. The sweeper's deadline is the last resort.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from functions.core.keys import Principal
from functions.core.models.sessions import SessionStatusResponse, StartSessionRequest
from functions.core.session_store import SessionStore
from functions.core.settings import Settings


class SessionLifecycle:
    """Start/stop use cases; ``request_finalize`` is the processing queue's sender."""

    def __init__(
        self,
        sessions: SessionStore,
        request_finalize: Callable[[str], None],
        settings: Settings,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._sessions = sessions
        self._request_finalize = request_finalize
        self._settings = settings
        self._clock = clock

    def start(self, caller: Principal, request: StartSessionRequest) -> SessionStatusResponse:
        item = self._sessions.create(
            caller, request, self._clock(), self._settings.inactivity_timeout_s
        )
        return SessionStatusResponse(sessionId=item["sessionId"], status=item["status"])

    def stop(self, caller: Principal, session_id: str) -> SessionStatusResponse:
        """Idempotent: stopping a stopped session answers its current status."""
        item, _ = self._sessions.stop(
            caller.tenant, session_id, self._clock(), self._settings.finalize_deadline_s
        )
        if item.get("insightsStatus") == "processing" and item.get("endReason") == "stopped":
            self._request_finalize(session_id)
        return SessionStatusResponse(sessionId=item["sessionId"], status=item["status"])
