"""Finalization: when a session's insights are (re)computed, and doing it exactly once.

When: a session is *complete* when it is no longer recording and every Firehose record ingest
accepted has reached storage (``storedPartsTotal >= acceptedPartsTotal``). It needs
(re)computing when what is stored now differs from what the last computation used
(``finalizedParts``). So:
- the processor asks after storing new parts, and on a ``stopped`` finalize message: stop and
  last chunk can come in either order, whichever comes second finds the session complete;
- a late batch stored after insights existed makes ``storedPartsTotal`` move past
  ``finalizedParts``: recomputation, a new ``version``, ``insight.updated``;
- the sweeper's deadline forces it with what exists (``force``), and reprocess always
  recomputes (``reprocess``).

Exactly once: computing is pure and repeatable; only the commit is guarded. One DynamoDB
transaction stores the document and updates the session, conditional on the session's
``insightsVersion`` still being the one read and ``storedPartsTotal`` unchanged. Two
processors racing (stop message and last chunk at the same moment, or a duplicate delivery)
both compute, one commits, the other re-reads, finds nothing due, and stops. If new parts
arrived meanwhile, the loser loops and computes again with them.

Events are at least once: the commit records ``pendingEvent`` on the session, the event is
published after the commit, and ``pendingEvent`` removed. A crash or a failed publish in
between leaves it set; the retried message finds nothing to compute but publishes it.

The engine's ``end_reason`` follows from the session, not from who asked: ``timeout`` when the
sweeper ended a silent session, ``interrupted`` when accepted data is missing from storage,
``stopped`` otherwise. The session's ``endReason`` follows it on every commit, so a session
finalized as interrupted whose lost batch turns up after all is recomputed as a normal stop
and shows ``stopped`` again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from functions.core.config import names
from functions.core.config.names import EventKind
from functions.core.domain.session import EndReason, Mode, Session
from functions.core.domain.timestamps import iso
from functions.core.ports.insights import Buildings, InsightsDocuments
from functions.core.ports.messages import Events
from functions.core.ports.sessions import Sessions
from functions.core.ports.telemetry import Chunks
from functions.core.wire.events import event_detail
from functions.core.wire.models.insights import InsightsDocument
from functions.core.wire.path_image import render_path
from functions.engine.telemetry import Telemetry

if TYPE_CHECKING:
    from functions.engine.building import Profile

TRIGGERS: dict[str, str] = {
    "complete": "all-data-stored",
    "force": "deadline",
    "reprocess": "reprocess",
    "fail": "retries-exhausted",
}
"""Why a computation ran, as the session's ``insightsHistory`` names it."""
PROCESSING_FAILED = "PROCESSING_FAILED"
Engine = Callable[[Telemetry, dict[str, Any], EndReason, "Profile | None"], dict[str, Any]]
OBSERVATION_KEY = "buildingObservation"
"""Where ``run_engine`` hands over what the session taught its building (not stored)."""
COMMIT_ATTEMPTS = 3
MAX_ERROR_MESSAGE = 1000


def failure_message(session_id: str, incident: str) -> str:
    """The ``errorMessage`` of a failed document: what the caller can do, and a reference to
    the operator's log line. Never the exception's own text, which can quote internals
    (table names, stored values, stack details) to whoever holds a read key."""
    return (
        f"insights could not be computed (incident {incident}; the operator's logs hold the "
        f"details); POST /v1/sessions/{session_id}/reprocess tries again"
    )


def run_engine(
    telemetry: Telemetry,
    session: dict[str, Any],
    end_reason: EndReason,
    profile: Profile | None = None,
) -> dict[str, Any]:
    """The insight engine on a session's telemetry (imported here: it is the heavy part),
    floors counted and the GATE checked on ``profile`` (the building's, without this
    session), with the session's building observation under ``OBSERVATION_KEY``."""
    from functions.engine.insights import SessionContext, compute  # noqa: PLC0415

    state = Session.of(session)
    # A replay's samples were recorded long before the server's start and stop: its span is
    # its samples', exactly as ``doorproof analyze`` computes it.
    context = SessionContext.from_start_request(
        session,
        started_at=None if state.replay else state.created_epoch,
        ended_at=None if state.replay else state.ended_epoch,
        end_reason=end_reason,
        session_id=state.session_id,
    )
    result = (
        compute(telemetry, context)
        if profile is None
        else compute(telemetry, context, profile.storeys, profile.entrances)
    )
    document = dict(result.document)
    if result.observation is not None:
        document[OBSERVATION_KEY] = result.observation.to_json()
    return document


def session_outcome(
    session: dict[str, Any], document: dict[str, Any], trigger: str
) -> dict[str, Any]:
    """The session attributes a committed document sets (None: removed): how the session
    ended as the engine saw it (``Session.engine_end_reason``: a stopped session whose accepted data
    never reached storage shows ``interrupted``, and ``stopped`` again once it did), the
    engine version, reason codes and terminal outcome of ready insights, or the error of
    failed ones (no codes, no outcome), and the history with this computation appended."""
    ready = document["status"] == "ready"
    classification = document.get("classification") or {}
    codes = list(document.get("reasonCodes") or []) if ready else []
    entry = {
        "version": document["version"],
        "engineVersion": document.get("engineVersion"),
        "computedAt": document["updatedAt"],
        "status": document["status"],
        "trigger": trigger,
        "reasonCodes": codes,
        "errorCode": None if ready else PROCESSING_FAILED,
    }
    state = Session.of(session)
    history = [*state.insights_history, entry][-names.HISTORY_LENGTH :]
    return {
        "endReason": state.engine_end_reason(),
        "engineVersion": document.get("engineVersion") if ready else None,
        "reasonCodes": codes,
        "terminalOutcome": classification.get("category") if ready else None,
        "errorCode": None if ready else PROCESSING_FAILED,
        "errorMessage": None if ready else document.get("errorMessage"),
        "insightsHistory": history,
    }


@dataclass(frozen=True)
class Outcome:
    """What a finalization did (for logs, metrics and tests)."""

    session_id: str
    version: int | None
    event: EventKind | None


class Finalizer:
    """Computes, stores and announces insights. Adapters are passed in (tests hand in fakes)."""

    def __init__(
        self,
        sessions: Sessions,
        insights: InsightsDocuments,
        chunks: Chunks,
        bus: Events,
        *,
        engine: Engine = run_engine,
        clock: Callable[[], float] = time.time,
        buildings: Buildings | None = None,
    ) -> None:
        self._sessions = sessions
        self._buildings = buildings
        self._insights = insights
        self._chunks = chunks
        self._bus = bus
        self._engine = engine
        self._clock = clock

    def finalize(self, session_id: str, mode: Mode, from_version: int | None = None) -> Outcome:
        """Compute and commit if ``mode`` finds the session due; publish what is pending."""
        for _ in range(COMMIT_ATTEMPTS):
            session = self._sessions.find(session_id)
            if session is None:
                return Outcome(session_id, None, None)
            if not Session.of(session).is_due(mode, from_version):
                return Outcome(session_id, None, self._publish_pending(session))
            document = self._compute(session)
            event: EventKind = "insight.updated" if self._had_ready(session) else "insight.ready"
            if self._commit(session, document, event, TRIGGERS[mode]):
                committed = {**session, "insightsVersion": document["version"]}
                self._publish(committed, document, event)
                return Outcome(session_id, document["version"], event)
            if mode == "reprocess":
                from_version = None  # someone else recomputed; the request still wants one
        return Outcome(session_id, None, None)

    def fail(self, session_id: str, message: str) -> Outcome:
        """Record that computing failed for good: status failed with ``errorMessage``, the
        session leaves the sweep index (nothing stays processing), ``insight.failed``."""
        for _ in range(COMMIT_ATTEMPTS):
            session = self._sessions.find(session_id)
            if session is None:
                return Outcome(session_id, None, None)
            document = self._document(
                session,
                {"status": "failed", "errorMessage": message[:MAX_ERROR_MESSAGE]},
            )
            if self._commit(session, document, "insight.failed", TRIGGERS["fail"]):
                committed = {**session, "insightsVersion": document["version"]}
                self._publish(committed, document, "insight.failed")
                return Outcome(session_id, document["version"], "insight.failed")
        return Outcome(session_id, None, None)

    # --- steps --------------------------------------------------------------------------

    def _compute(self, session: dict[str, Any]) -> dict[str, Any]:
        state = Session.of(session)
        session_id, tenant = state.session_id, state.tenant
        telemetry = self._chunks.load(session_id)
        building = state.building_id if self._buildings is not None else None
        profile = None
        if self._buildings is not None and building is not None:
            # the session's own earlier observation (a reprocess) must not count its floors
            profile = self._buildings.profile(tenant, building).without(session_id)
        insights = dict(self._engine(telemetry, session, state.engine_end_reason(), profile))
        observation = insights.pop(OBSERVATION_KEY, None)
        path = insights.get("path") or []  # kept: the dashboard plots it too
        png = render_path(path, state.address_point, insights.get("events") or ())
        image_key = self._chunks.put_path_image(session_id, png) if png else None
        document = self._document(
            session,
            {**insights, "status": "ready", "errorMessage": None, "pathImageKey": image_key},
        )
        # The API serves this through ``InsightsDocument``: an engine output it would refuse
        # fails here, where it is retried and then recorded as failed, not on every read.
        InsightsDocument.model_validate(
            {
                **document,
                "organizationId": state.organization_id,
                "deliveryId": state.delivery_id,
            }
        )
        if self._buildings is not None and building is not None and observation is not None:
            # Before the commit, so a failure retries the whole message; learning a session
            # again replaces its observation: a retry, a redelivery or a reprocess teaches the
            # building nothing twice.
            self._buildings.learn_json(tenant, building, observation, self._clock())
        return document

    def _document(self, session: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
        now = iso(self._clock())
        state = Session.of(session)
        version = state.insights_version
        previous = self._insights.get(state.session_id) if version else None
        created = (previous or {}).get("createdAt") or now
        return {
            **fields,
            "sessionId": state.session_id,
            "version": version + 1,
            "createdAt": created,
            "updatedAt": now,
        }

    @staticmethod
    def _had_ready(session: dict[str, Any]) -> bool:
        """An ``insight.ready`` went out before iff a ready document was ever committed."""
        return Session.of(session).ready_version is not None

    def _commit(
        self, session: dict[str, Any], document: dict[str, Any], event: EventKind, trigger: str
    ) -> bool:
        """Store ``document`` and move the session on, iff nobody committed since we read.

        The session takes the document's outcome (engine version, reason codes, terminal
        outcome, or the error), a history entry, and its filter items move with it."""
        outcome = session_outcome(session, document, trigger)
        return self._sessions.commit_insights(
            session, document, self._insights.put_entry(document), event, outcome
        )

    def _publish(self, session: dict[str, Any], document: dict[str, Any], event: EventKind) -> None:
        self._bus.publish(event, event_detail(session, document))
        self._sessions.clear_pending_event(Session.of(session).session_id, document["version"])

    def _publish_pending(self, session: dict[str, Any]) -> EventKind | None:
        state = Session.of(session)
        event = next((k for k in names.INSIGHT_EVENT_TYPES if k == state.pending_event), None)
        if event is None:
            return None
        document = self._insights.get(state.session_id)
        if document is None:
            return None
        self._publish(session, document, event)
        return event
