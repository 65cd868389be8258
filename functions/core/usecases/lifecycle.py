"""Starting and stopping delivery sessions.

A stop records the end, then asks the processor to finalize. The finalize request is sent on
every stop of a session whose insights are still pending (not only the first): if the first
send failed after the stop was stored, the phone's retry repairs it, and the processor's
finalization is idempotent. The sweeper's deadline is the last resort.

Two answers exist for the SDK's sake (it cannot be changed, docs/decisions.md, issue 12):
- a start whose body equals a session started moments ago that is still recording and has no
  telemetry returns that session: the SDK sends no ``Idempotency-Key`` and retries a start
  whose answer it never read (a 30 s read timeout), which would otherwise leave the first
  session open until the sweeper ends it as SESSION_TIMEOUT;
- a stop of a session the backend erased answers ``completed``: on a 404 the SDK goes back
  to recording and retries the stop for ever.

Each start, and the stop that ends a session, publishes ``session.started`` /
``session.stopped`` (``events_bus.SessionEvents``: never failing the request).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from functions.core.config import names
from functions.core.config.names import SessionEventKind
from functions.core.config.settings import Settings
from functions.core.domain import errors
from functions.core.domain.principal import Principal
from functions.core.domain.session import Session
from functions.core.ports.sessions import ErasedSessions, Sessions
from functions.core.wire.models.sessions import SessionStatusResponse, StartSessionRequest


def status_of(session: Session) -> SessionStatusResponse:
    """What start and stop answer: the session's id and status."""
    return SessionStatusResponse.model_validate(
        {"sessionId": session.session_id, "status": session.status}
    )


class SessionLifecycle:
    """Start/stop use cases; ``request_finalize`` is the processing queue's sender,
    ``erased`` the markers erased sessions leave behind,
    ``publish`` the sender of session events (``SessionEvents.publish``)."""

    def __init__(
        self,
        sessions: Sessions,
        request_finalize: Callable[[str], None],
        settings: Settings,
        clock: Callable[[], float] = time.time,
        *,
        erased: ErasedSessions,
        publish: Callable[[SessionEventKind, dict[str, Any]], None],
    ) -> None:
        self._sessions = sessions
        self._request_finalize = request_finalize
        self._settings = settings
        self._clock = clock
        self._erased = erased
        self._publish = publish

    def start(self, caller: Principal, request: StartSessionRequest) -> SessionStatusResponse:
        """A ``replay`` session needs a secret key: its samples skip the clock checks that
        keep a phone's live data honest, so only the company's backend may open one."""
        if request.mode == "replay" and caller.scope != "secret":
            raise errors.Forbidden(
                'a "mode": "replay" session uploads an earlier recording and needs a secret '
                "key (sk_…); phones start live sessions",
                code="INSUFFICIENT_SCOPE",
            )
        now = self._clock()
        item = self._sessions.retried_start(
            caller.tenant, request, now - names.START_RETRY_WINDOW_S
        )
        if item is None:
            item = self._sessions.create(caller, request, now, self._settings.inactivity_timeout_s)
            self._publish("session.started", item)
        return status_of(Session.of(item))

    def stop(self, caller: Principal, session_id: str) -> SessionStatusResponse:
        """Idempotent: stopping a stopped (or erased) session answers its current status."""
        try:
            item, stopped = self._sessions.stop(
                caller.tenant, session_id, self._clock(), self._settings.finalize_deadline_s
            )
        except errors.NotFound:
            if self._erased.erased(caller.tenant, session_id):
                return SessionStatusResponse(sessionId=session_id, status="completed")
            raise
        if stopped:
            self._publish("session.stopped", item)
        session = Session.of(item)
        if session.finalize_after_stop():
            self._request_finalize(session_id)
        return status_of(session)
