"""What finalization and erasing need of the computed results: the insights documents and
the building memory.

Implementations: ``adapters.insights_store.InsightsStore``,
``adapters.building_store.BuildingStore``; fakes in ``tests/unit/core/usecases/fakes.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from functions.engine.building import Profile


class InsightsDocuments(Protocol):
    def get(self, session_id: str) -> dict[str, Any] | None: ...

    def put_entry(self, document: dict[str, Any]) -> Any:
        """The document's write, for ``Sessions.commit_insights`` to commit with the
        session's change (never written on its own)."""
        ...

    def delete(self, session_id: str) -> None: ...


class Buildings(Protocol):
    """What each organisation's sessions taught it about a building."""

    def profile(self, tenant: str, building_id: str) -> Profile: ...

    def learn_json(
        self, tenant: str, building_id: str, observation: dict[str, Any], now: float
    ) -> Profile: ...

    def forget(self, tenant: str, building_id: str, session_id: str, now: float) -> None: ...
