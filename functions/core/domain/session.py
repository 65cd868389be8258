"""A delivery session as the rules see it: its state, and what that state allows.

The stored item (``adapters.session_repository`` lists every attribute) carries much more;
``Session.of`` reads the part the rules and the use cases decide on into typed fields, so a
use case reads ``session.stored_parts < session.accepted_parts`` or ``session.tenant`` instead
of ``int(item.get(...))`` wherever it is needed: the attribute names live here and in the
adapters, which keep the item itself (a commit is conditional on it; an event quotes it).
The transitions themselves are conditional writes (the repository's ``stop``,
``end_silent``, ``begin_erasing``, ``commit_insights``): a rule here says what a state means,
the write's condition makes a concurrent change lose cleanly.

Lifecycle: ``recording`` → ``completed`` by a stop (``endReason: stopped``), by the sweeper
when the phone went silent (``timeout``) or by an erase (``deleted``); insights go from
``processing`` to ``ready`` or ``failed``, again on every recomputation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from functions.core.domain.timestamps import epoch_of

Mode = Literal["complete", "force", "reprocess"]
"""Why a finalization is asked for: all data stored, the deadline passed, a reprocess."""
EndReason = Literal["stopped", "timeout", "interrupted"]
"""How the session ended, as the engine is told (``interrupted``: accepted data missing)."""
StatusDetail = Literal["recording", "waiting_for_data", "computing"]


@dataclass(frozen=True)
class Session:
    """The fields of a stored session the rules decide on."""

    session_id: str
    status: str
    insights_status: str
    insights_version: int
    accepted_parts: int
    stored_parts: int
    finalized_parts: int | None
    end_reason: str | None
    erasing: bool
    created_epoch: float
    ended_epoch: float | None
    last_telemetry_at: str | None
    reprocess_from: int | None
    tenant: str
    organization_id: str
    delivery_id: str
    replay: bool
    """Recorded earlier and sent afterwards (``mode: replay``): its span is its samples'."""
    address: dict[str, Any]
    """The start request's delivery address, as sent ({} when none)."""
    insights_history: tuple[dict[str, Any], ...]
    ready_version: int | None
    """The last version committed as ready (an ``insight.ready`` went out iff set)."""
    pending_event: str | None
    """An insight event committed but not yet published."""
    sweep_at: str | None
    stored_objects: int

    @classmethod
    def of(cls, item: dict[str, Any]) -> Session:
        """The entity of a stored item (as ``SessionRepository`` returns it)."""
        finalized = item.get("finalizedParts")
        ended = item.get("endedEpoch")
        reprocess = item.get("reprocessFrom")
        ready = item.get("readyVersion")
        return cls(
            session_id=str(item.get("sessionId", "")),
            status=str(item.get("status", "")),
            insights_status=str(item.get("insightsStatus", "")),
            insights_version=int(item.get("insightsVersion", 0)),
            accepted_parts=int(item.get("acceptedPartsTotal", 0)),
            stored_parts=int(item.get("storedPartsTotal", 0)),
            finalized_parts=None if finalized is None else int(finalized),
            end_reason=item.get("endReason"),
            erasing="erasing" in item,
            created_epoch=float(item.get("createdEpoch", 0.0)),
            ended_epoch=None if ended is None else float(ended),
            last_telemetry_at=item.get("lastTelemetryAt"),
            reprocess_from=None if reprocess is None else int(reprocess),
            tenant=str(item.get("tenant", "")),
            organization_id=str(item.get("organizationId", "")),
            delivery_id=str(item.get("deliveryId", "")),
            replay=item.get("mode") == "replay",
            address=dict(item.get("address") or {}),
            insights_history=tuple(item.get("insightsHistory") or ()),
            ready_version=int(ready) if ready else None,
            pending_event=item.get("pendingEvent"),
            sweep_at=item.get("sweepAt"),
            stored_objects=int(item.get("storedObjects", 0)),
        )

    @property
    def address_point(self) -> tuple[float, float] | None:
        """The address's coordinates, when the start request gave them."""
        lat, lng = self.address.get("lat"), self.address.get("lng")
        return (float(lat), float(lng)) if lat is not None and lng is not None else None

    @property
    def building_id(self) -> str | None:
        """The building of the session's address (``engine.address.building_id``), or None:
        the key of what the organisation's sessions taught it about that building."""
        # imported here: the API's erase reaches this module, and no API handler may import
        # the engine on its cold start (tests/unit/api/test_cold_imports.py)
        from functions.engine.address import building_id  # noqa: PLC0415

        return building_id(self.address) if self.address else None

    @property
    def recording(self) -> bool:
        return self.status == "recording"

    @property
    def missing_data(self) -> bool:
        """Some accepted Firehose records have not reached storage (yet, or ever)."""
        return self.stored_parts < self.accepted_parts

    def engine_end_reason(self) -> EndReason:
        if self.end_reason == "timeout":
            return "timeout"
        return "interrupted" if self.missing_data else "stopped"

    def is_due(self, mode: Mode, from_version: int | None = None) -> bool:
        """Whether ``mode`` asks for a computation now: never while recording or erasing; a
        reprocess of the version it named (any, if none); otherwise when what is stored
        differs from what the last computation used, and for ``complete`` only once every
        accepted record is stored."""
        if self.recording or self.erasing:
            return False
        if mode == "reprocess":
            return from_version is None or from_version == self.insights_version
        if mode == "complete" and self.missing_data:
            return False
        return self.finalized_parts is None or self.finalized_parts != self.stored_parts

    def status_detail(self) -> StatusDetail | None:
        """What a session whose insights are not final is waiting for (``statusDetail``)."""
        if self.recording:
            return "recording"
        if self.insights_status != "processing":
            pending = self.reprocess_from
            # A reprocess asked for after version ``pending``: computing until a newer one is in.
            if pending is not None and self.insights_version <= pending:
                return "computing"
            return None
        return "waiting_for_data" if self.missing_data else "computing"

    def last_activity(self) -> float:
        """When the session last showed life: its last telemetry, else its start."""
        if self.last_telemetry_at:
            return epoch_of(self.last_telemetry_at)
        return self.created_epoch

    def closed_to(self, now: float, late_grace_s: float) -> bool:
        """Whether telemetry arriving at ``now`` comes too long after the session ended."""
        if self.recording:
            return False
        return now - (self.ended_epoch if self.ended_epoch is not None else now) > late_grace_s

    def finalize_after_stop(self) -> bool:
        """Whether a stop must (again) ask the processor to finalize: the session was stopped
        by its phone and its insights are still pending."""
        return self.insights_status == "processing" and self.end_reason == "stopped"
