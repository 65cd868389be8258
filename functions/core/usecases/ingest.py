"""POST /v1/telemetry: screen samples, de-duplicate batches, forward to Firehose, count.

Exactly-once accounting with a retrying phone:
1. the batch's id is a digest of its samples; ``claim`` writes ``batch#<id>`` as *pending*
   unless it is already *accepted* (then the batch is a duplicate: 200, nothing stored);
2. the valid samples go to Firehose as compact records (``functions.core.wire.records``);
3. one transaction marks the batch *accepted* and adds the counts to the session.
A crash between 1 and 3 leaves the batch pending, so the phone's retry goes through again; a
record that reached Firehose twice is harmless because the processor counts stored parts by
batch id and the engine de-duplicates samples by timestamp.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from functions.core.config import names
from functions.core.domain import errors
from functions.core.domain.principal import Principal
from functions.core.domain.session import Session
from functions.core.ports.sessions import Sessions
from functions.core.ports.telemetry import Batches, RecordSink
from functions.core.wire.models.telemetry import (
    MAX_REPORTED_REJECTIONS,
    SAMPLES,
    Rejection,
    Sample,
    TelemetryAccepted,
    TelemetryBatch,
    reported,
)
from functions.core.wire.records import encode_batch


def batch_digest(session_id: str, events: list[Any]) -> str:
    """Identity of a batch: the session and the timestamps of its samples, in order.

    A sample's identity is its timestamp (the engine keeps one sample per timestamp), so two
    batches with the same timestamps carry the same samples, however the phone serialised
    or compressed them. Hashing timestamps only is ~20x cheaper than canonical JSON.
    """
    stamps = ",".join(repr(e.get("ts")) if isinstance(e, dict) else "?" for e in events)
    return hashlib.sha256(f"{session_id}\n{stamps}".encode()).hexdigest()[:32]


def _reason(error: ErrorDetails) -> str:
    where = ".".join(str(p) for p in error["loc"][1:]) or "sample"
    return f"{where}: {error['msg']}"


def screen_samples(
    events: list[Any], *, earliest: float, latest: float
) -> tuple[list[dict[str, Any]], list[Rejection]]:
    """Valid samples (as clean dicts) and why the others were rejected.

    One validation pass over the whole list; pydantic reports every bad sample's index, so
    only those are dropped (NaN/Infinity, wrong vector arity, out-of-range values, a ``ts``
    outside [earliest, latest]).
    """
    bad: dict[int, str] = {}
    try:
        models = SAMPLES.validate_python(events)
    except ValidationError as exc:
        for error in exc.errors():
            bad.setdefault(int(error["loc"][0]), _reason(error))
        models = [Sample.model_validate(e) for i, e in enumerate(events) if i not in bad]
    kept_indices = [i for i in range(len(events)) if i not in bad]
    valid: list[Sample] = []
    for index, model in zip(kept_indices, models, strict=True):
        if earliest <= model.ts <= latest:
            valid.append(model)
        else:
            bad[index] = f"ts: {model.ts} is outside this session's time range"
    rejections = [Rejection(index=i, reason=bad[i]) for i in sorted(bad)]
    return SAMPLES.dump_python(valid, exclude_none=True), rejections


def sample_time_range(session: dict[str, Any], now: float) -> dict[str, float]:
    """The ``ts`` a sample of ``session`` may carry: within a day of the session's start and
    of now for a live session; any time for a replay (a recording made days or years ago
    keeps its own clock)."""
    state = Session.of(session)
    if state.replay:
        return {"earliest": 0.0, "latest": math.inf}
    return {
        "earliest": state.created_epoch - names.SAMPLE_TS_SLACK_S,
        "latest": now + names.SAMPLE_TS_SLACK_S,
    }


class TelemetryIngest:
    """The ingest use case; its adapters are passed in so tests can hand in fakes."""

    def __init__(
        self,
        sessions: Sessions,
        ledger: Batches,
        sink: RecordSink,
        *,
        late_grace_s: float = names.LATE_DATA_GRACE_S,
        inactivity_s: float = names.SESSION_INACTIVITY_TIMEOUT_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._sessions = sessions
        self._ledger = ledger
        self._sink = sink
        self._late_grace_s = late_grace_s
        self._inactivity_s = inactivity_s
        self._clock = clock

    def ingest(self, principal: Principal, batch: TelemetryBatch) -> TelemetryAccepted:
        session = self._sessions.get(principal.tenant, batch.sessionId)
        now = self._clock()
        state = Session.of(session)
        late = not state.recording
        if state.closed_to(now, self._late_grace_s):
            raise errors.Conflict(
                f"session {batch.sessionId!r} ended more than {self._late_grace_s:.0f} s ago; "
                "late telemetry is no longer accepted",
                code="SESSION_CLOSED",
            )
        batch_id = batch_digest(batch.sessionId, batch.events)
        if not self._ledger.claim(batch.sessionId, batch_id, now):
            self._ledger.note_duplicate(batch.sessionId, batch_id, now)
            return TelemetryAccepted(
                sessionId=batch.sessionId, accepted=0, rejected=0, duplicate=True, late=late
            )
        valid, rejections = screen_samples(batch.events, **sample_time_range(session, now))
        if not valid:
            self._ledger.note_rejected(batch.sessionId, batch_id, rejections, now)
            raise errors.Unprocessable(
                "no valid sample in this batch",
                code="NO_VALID_SAMPLES",
                details=reported(rejections),
            )
        records = encode_batch(
            valid, session_id=batch.sessionId, tenant=principal.tenant, batch_id=batch_id
        )
        self._sink.put(records)
        committed = self._ledger.commit(
            batch.sessionId,
            batch_id,
            accepted=len(valid),
            rejected=len(rejections),
            parts=len(records),
            now=now,
            sweep_at=None if late else now + self._inactivity_s,
            late=late,
            rejections=rejections,
        )
        if not committed:
            return TelemetryAccepted(
                sessionId=batch.sessionId, accepted=0, rejected=0, duplicate=True, late=late
            )
        return TelemetryAccepted(
            sessionId=batch.sessionId,
            accepted=len(valid),
            rejected=len(rejections),
            late=late,
            rejections=rejections[:MAX_REPORTED_REJECTIONS],
        )
