"""What the use cases need of the stored sessions, and of what an erase leaves behind.

``adapters.session_repository.SessionRepository`` (DynamoDB) is the one implementation in
Lambda; the use-case tests hand in ``tests/unit/core/usecases/fakes.py``. A session is the
stored item as a dict (``domain.session.Session.of`` reads the fields the rules decide on).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from functions.core.domain.principal import Principal
    from functions.core.wire.models.sessions import StartSessionRequest

Item = dict[str, Any]
TransactionEntry = Any
"""A write another store prepared (``InsightsDocuments.put_entry``) for the session's store
to commit in the same transaction as the session's own change."""


class Sessions(Protocol):
    # --- start and stop ---------------------------------------------------------------
    def create(
        self, principal: Principal, request: StartSessionRequest, now: float, inactivity_s: float
    ) -> Item: ...

    def retried_start(
        self, tenant: str, request: StartSessionRequest, since: float
    ) -> Item | None: ...

    def stop(
        self, tenant: str, session_id: str, now: float, deadline_s: float
    ) -> tuple[Item, bool]: ...

    # --- reads --------------------------------------------------------------------------
    def get(self, tenant: str, session_id: str) -> Item:
        """The tenant's session; raises ``NotFound`` (``SESSION_NOT_FOUND``) otherwise."""
        ...

    def find(self, session_id: str) -> Item | None: ...

    def due(self, now: float) -> Iterable[Item]:
        """Sessions whose sweep deadline has passed."""
        ...

    # --- the sweeper --------------------------------------------------------------------
    def end_silent(self, session_id: str, ended: float, lease_until: float, now: float) -> bool: ...

    def lease_sweep(self, session_id: str, seen: str, lease_until: float) -> bool: ...

    # --- finalization -------------------------------------------------------------------
    def commit_insights(
        self,
        session: Item,
        document: Item,
        document_entry: TransactionEntry,
        event: str,
        outcome: Item,
    ) -> bool: ...

    def clear_pending_event(self, session_id: str, version: int) -> None: ...

    def mark_reprocess(self, session_id: str, from_version: int) -> None: ...

    # --- erasing ------------------------------------------------------------------------
    def begin_erasing(self, tenant: str, session_id: str, now: float) -> None: ...

    def delete_filter_items(self, session: Item) -> None: ...

    def delete(self, session_id: str) -> None: ...


class ErasedSessions(Protocol):
    """The markers an erase leaves, so a late stop of the erased session still succeeds."""

    def mark(self, tenant: str, session_id: str, now: float) -> None: ...

    def erased(self, tenant: str, session_id: str) -> bool: ...


class SessionFiles(Protocol):
    """A session's objects in S3 (chunks, path image, photo)."""

    def delete_session(self, session_id: str) -> int: ...
