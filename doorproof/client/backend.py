"""The backend-side client: read sessions and insights, wait for a case file, manage sessions.

For a company's own servers, with a secret key (``sk_…``). Results are the server's own wire
models (``functions.core.models``), so a field the server adds shows up here unchanged
(responses keep unknown fields). Every failure is a ``DoorproofError``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from doorproof.client.transport import (
    DoorproofError,
    Transport,
    open_channel,
    quote,
)
from functions.core.models.insights import InsightsDocument
from functions.core.models.sessions import Session, SessionList, SessionStatusResponse


class InsightsTimeout(TimeoutError):
    """``wait_for_insights`` ran out of time; ``last`` is the last document seen, if any."""

    def __init__(self, session_id: str, timeout_s: float, last: InsightsDocument | None) -> None:
        status = last.status if last else "no answer"
        super().__init__(f"insights of {session_id} not final after {timeout_s:.0f}s ({status})")
        self.last = last


class BackendClient:
    """``BackendClient(url_or_transport, secret_key)``."""

    def __init__(self, target: str | Transport, key: str, *, timeout_s: float = 30.0) -> None:
        self._channel = open_channel(target, key, timeout_s=timeout_s)

    def get_session(self, session_id: str) -> Session:
        return Session.model_validate(self._get(f"/v1/sessions/{quote(session_id)}"))

    def list_sessions_page(
        self, *, limit: int | None = None, cursor: str | None = None, **filters: Any
    ) -> SessionList:
        """One page of GET /v1/sessions. ``filters``: deliveryId, externalRiderId, status,
        sessionType, createdAfter, createdBefore (API.md)."""
        query = {**filters, "limit": limit, "cursor": cursor}
        return SessionList.model_validate(self._get("/v1/sessions", query=query))

    def list_sessions(self, *, page_size: int | None = None, **filters: Any) -> Iterator[Session]:
        """Every matching session, newest first, fetching pages as the iteration needs them."""
        cursor: str | None = None
        while True:
            page = self.list_sessions_page(limit=page_size, cursor=cursor, **filters)
            yield from page.sessions
            cursor = page.nextCursor
            if not cursor:
                return

    def get_insights(self, session_id: str) -> InsightsDocument:
        """The case file; ``status`` is processing until the engine has run."""
        path = f"/v1/sessions/{quote(session_id)}/insights"
        return InsightsDocument.model_validate(self._get(path))

    def wait_for_insights(
        self,
        session_id: str,
        timeout_s: float = 120.0,
        *,
        poll_s: float = 1.0,
        min_version: int = 1,
        sleep: Callable[[float], None] = time.sleep,
    ) -> InsightsDocument:
        """Poll until the insights are final (ready or failed) and at least ``min_version``
        (pass the old version + 1 after a reprocess). Raises ``InsightsTimeout``."""
        deadline = time.monotonic() + timeout_s
        last: InsightsDocument | None = None
        while True:
            try:
                last = self.get_insights(session_id)
            except DoorproofError as exc:
                if not exc.retryable:
                    raise
            if last and last.status != "processing" and last.version >= min_version:
                return last
            left = deadline - time.monotonic()
            if left <= 0:
                raise InsightsTimeout(session_id, timeout_s, last)
            sleep(min(poll_s, left))

    def reprocess(self, session_id: str) -> dict[str, Any]:
        """Recompute the insights from stored telemetry with the current engine; the answer
        says what was scheduled. Follow with ``wait_for_insights(min_version=old + 1)``."""
        answer = self._channel.call("POST", f"/v1/sessions/{quote(session_id)}/reprocess")
        return dict(answer or {})

    def stop_session(self, session_id: str) -> SessionStatusResponse:
        """End a session on the courier's behalf (POST /v1/sessions/{id}/stop)."""
        answer = self._channel.call("POST", f"/v1/sessions/{quote(session_id)}/stop")
        return SessionStatusResponse.model_validate(answer)

    def pod_upload(self, session_id: str) -> dict[str, Any]:
        """A presigned upload for the proof-of-delivery photo (POST /v1/sessions/{id}/pod)."""
        answer = self._channel.call("POST", f"/v1/sessions/{quote(session_id)}/pod")
        return dict(answer or {})

    def delete_session(self, session_id: str) -> None:
        """Erase the session, its telemetry, insights and images."""
        self._channel.call("DELETE", f"/v1/sessions/{quote(session_id)}")

    def _get(self, path: str, *, query: dict[str, Any] | None = None) -> Any:
        return self._channel.call("GET", path, query=query)
