"""In-memory fakes of the ports (``functions.core.ports``): the use cases' tests run on these,
with no moto and no boto3, in milliseconds.

Each fake keeps the state the real adapter would and honours the same conditions where the
use case depends on them (a stop only ends a recording session, a commit only lands on the
version it read, a claimed batch is a duplicate once accepted), so a use case that relied on
a condition it does not state would fail here as it would on DynamoDB. What the adapters do
with DynamoDB itself (expressions, transactions, indexes) is the adapter tests' business
(``tests/unit/core/adapters``, on moto).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from functions.core.adapters.events_bus import EventKind, SessionEventKind
from functions.core.adapters.processing_queue import FinalizeReason
from functions.core.domain import errors
from functions.core.domain.principal import Principal
from functions.core.domain.session import EndReason
from functions.core.domain.timestamps import epoch_of, iso
from functions.core.wire.models.sessions import StartSessionRequest
from functions.core.wire.models.telemetry import Rejection
from functions.engine.building import Profile
from functions.engine.telemetry import Telemetry

Item = dict[str, Any]
_ids = itertools.count(1)


@dataclass
class FakeSessions:
    """``ports.sessions.Sessions``: session items in a dict, keyed by id."""

    items: dict[str, Item] = field(default_factory=dict)
    filter_items_deleted: list[str] = field(default_factory=list)

    def create(
        self, principal: Principal, request: StartSessionRequest, now: float, inactivity_s: float
    ) -> Item:
        session_id = f"sess_fake{next(_ids):06d}"
        item: Item = {
            **request.model_dump(exclude_none=True),
            "sessionId": session_id,
            "tenant": principal.tenant,
            "organizationId": principal.organization_id,
            "status": "recording",
            "createdAt": iso(now),
            "createdEpoch": now,
            "acceptedSamplesTotal": 0,
            "acceptedBatchesTotal": 0,
            "acceptedPartsTotal": 0,
            "rejectedSamplesTotal": 0,
            "storedSamplesTotal": 0,
            "storedPartsTotal": 0,
            "insightsStatus": "processing",
            "insightsVersion": 0,
            "sweepShard": "open#0",
            "sweepAt": iso(now + inactivity_s),
            "startRequest": request,
        }
        self.items[session_id] = item
        return dict(item)

    def retried_start(self, tenant: str, request: StartSessionRequest, since: float) -> Item | None:
        for item in self.items.values():
            if (
                item["tenant"] == tenant
                and item["startRequest"] == request
                and item["createdEpoch"] >= since
                and item["status"] == "recording"
                and item["acceptedBatchesTotal"] == 0
            ):
                return dict(item)
        return None

    def stop(
        self, tenant: str, session_id: str, now: float, deadline_s: float
    ) -> tuple[Item, bool]:
        item = self._mine(tenant, session_id)
        if item["status"] != "recording":
            return dict(item), False
        item.update(
            status="completed",
            endedAt=iso(now),
            endedEpoch=now,
            endReason="stopped",
            sweepAt=iso(now + deadline_s),
        )
        return dict(item), True

    def get(self, tenant: str, session_id: str) -> Item:
        return dict(self._mine(tenant, session_id))

    def find(self, session_id: str) -> Item | None:
        item = self.items.get(session_id)
        return dict(item) if item is not None else None

    def due(self, now: float) -> Iterator[Item]:
        for item in list(self.items.values()):
            if "sweepShard" in item and epoch_of(item["sweepAt"]) <= now:
                yield dict(item)

    def end_silent(self, session_id: str, ended: float, lease_until: float, now: float) -> bool:
        item = self.items.get(session_id)
        if item is None or item["status"] != "recording" or epoch_of(item["sweepAt"]) > now:
            return False
        item.update(
            status="completed",
            endedAt=iso(ended),
            endedEpoch=ended,
            endReason="timeout",
            sweepAt=iso(lease_until),
        )
        return True

    def lease_sweep(self, session_id: str, seen: str, lease_until: float) -> bool:
        item = self.items.get(session_id)
        if item is None or item.get("sweepAt") != seen:
            return False
        item["sweepAt"] = iso(lease_until)
        return True

    def commit_insights(
        self, session: Item, document: Item, document_entry: Any, event: str, outcome: Item
    ) -> bool:
        item = self.items.get(session["sessionId"])
        if (
            item is None
            or "erasing" in item
            or item["insightsVersion"] != session.get("insightsVersion", 0)
            or item["storedPartsTotal"] != session.get("storedPartsTotal", 0)
        ):
            return False
        document_entry()
        item.update(
            insightsStatus=document["status"],
            insightsVersion=document["version"],
            finalizedParts=item["storedPartsTotal"],
            pendingEvent=event,
        )
        if document["status"] == "ready":
            item["readyVersion"] = document["version"]
        for name, value in outcome.items():
            if value is None:
                item.pop(name, None)
            else:
                item[name] = value
        item.pop("sweepShard", None)
        item.pop("sweepAt", None)
        return True

    def clear_pending_event(self, session_id: str, version: int) -> None:
        item = self.items.get(session_id)
        if item is not None and item["insightsVersion"] == version:
            item.pop("pendingEvent", None)

    def mark_reprocess(self, session_id: str, from_version: int) -> None:
        self.items[session_id]["reprocessFrom"] = from_version

    def begin_erasing(self, tenant: str, session_id: str, now: float) -> None:
        item = self._mine(tenant, session_id)
        item["erasing"] = iso(now)
        item.setdefault("endReason", "deleted")
        item.pop("sweepShard", None)
        item.pop("sweepAt", None)

    def delete_filter_items(self, session: Item) -> None:
        self.filter_items_deleted.append(session["sessionId"])

    def delete(self, session_id: str) -> None:
        self.items.pop(session_id, None)

    def _mine(self, tenant: str, session_id: str) -> Item:
        item = self.items.get(session_id)
        if item is None or item["tenant"] != tenant:
            raise errors.session_not_found(session_id)
        return item


@dataclass
class FakeErased:
    """``ports.sessions.ErasedSessions``."""

    marked: dict[str, str] = field(default_factory=dict)

    def mark(self, tenant: str, session_id: str, now: float) -> None:
        self.marked[session_id] = tenant

    def erased(self, tenant: str, session_id: str) -> bool:
        return self.marked.get(session_id) == tenant


@dataclass
class FakeFiles:
    """``ports.sessions.SessionFiles``: which sessions' objects were deleted."""

    deleted: list[str] = field(default_factory=list)

    def delete_session(self, session_id: str) -> int:
        self.deleted.append(session_id)
        return 1


@dataclass
class FakeBatches:
    """``ports.telemetry.Batches``: batch states; a commit adds the counts to ``sessions``
    (as the real ledger's transaction does)."""

    sessions: FakeSessions
    states: dict[tuple[str, str], Item] = field(default_factory=dict)

    def claim(self, session_id: str, batch_id: str, now: float) -> bool:
        state = self.states.setdefault((session_id, batch_id), {"state": "pending"})
        return bool(state["state"] == "pending")

    def commit(
        self,
        session_id: str,
        batch_id: str,
        *,
        accepted: int,
        rejected: int,
        parts: int,
        now: float,
        sweep_at: float | None,
        late: bool = False,
        rejections: list[Rejection] | None = None,
    ) -> bool:
        state = self.states[(session_id, batch_id)]
        if state["state"] != "pending":
            return False
        state.update(state="accepted", samples=accepted, rejected=rejected, late=late)
        item = self.sessions.items[session_id]
        item["acceptedSamplesTotal"] += accepted
        item["acceptedBatchesTotal"] += 1
        item["acceptedPartsTotal"] += parts
        item["rejectedSamplesTotal"] += rejected
        item["lastTelemetryAt"] = iso(now)
        if sweep_at is not None:
            item["sweepAt"] = iso(sweep_at)
        return True

    def note_duplicate(self, session_id: str, batch_id: str, now: float) -> None:
        state = self.states[(session_id, batch_id)]
        state["duplicates"] = state.get("duplicates", 0) + 1

    def note_rejected(
        self, session_id: str, batch_id: str, rejections: list[Rejection], now: float
    ) -> None:
        self.states[(session_id, batch_id)]["rejected"] = len(rejections)

    def delete_session(self, session_id: str) -> None:
        for key in [k for k in self.states if k[0] == session_id]:
            del self.states[key]


@dataclass
class FakeSink:
    """``ports.telemetry.RecordSink``: the records put, or ``error`` raised."""

    records: list[bytes] = field(default_factory=list)
    error: Exception | None = None

    def put(self, records: Sequence[bytes]) -> None:
        if self.error is not None:
            raise self.error
        self.records.extend(records)


@dataclass
class FakeChunks:
    """``ports.telemetry.Chunks``: every session's telemetry is ``telemetry``."""

    telemetry: Telemetry = field(default_factory=Telemetry.empty)
    images: dict[str, bytes] = field(default_factory=dict)

    def load(self, session_id: str) -> Telemetry:
        return self.telemetry

    def put_path_image(self, session_id: str, png: bytes) -> str:
        self.images[session_id] = png
        return f"sessions/{session_id}/path.png"


@dataclass
class FakeInsights:
    """``ports.insights.InsightsDocuments``: ``put_entry`` hands the fake sessions a write
    to run on commit, so a document lands only with its session change."""

    documents: dict[str, Item] = field(default_factory=dict)

    def get(self, session_id: str) -> Item | None:
        return self.documents.get(session_id)

    def put_entry(self, document: Item) -> Callable[[], None]:
        return lambda: self.documents.__setitem__(document["sessionId"], dict(document))

    def delete(self, session_id: str) -> None:
        self.documents.pop(session_id, None)


@dataclass
class FakeBuildings:
    """``ports.insights.Buildings``: what was learnt and forgotten."""

    learnt: list[tuple[str, str]] = field(default_factory=list)
    forgotten: list[tuple[str, str, str]] = field(default_factory=list)

    def profile(self, tenant: str, building_id: str) -> Profile:
        return Profile()

    def learn_json(self, tenant: str, building_id: str, observation: Item, now: float) -> Profile:
        self.learnt.append((tenant, building_id))
        return Profile()

    def forget(self, tenant: str, building_id: str, session_id: str, now: float) -> None:
        self.forgotten.append((tenant, building_id, session_id))


@dataclass
class FakeEvents:
    """``ports.messages.Events``: what was published (or, with ``fail``, a bus that is down)."""

    published: list[tuple[str, Item]] = field(default_factory=list)
    fail: bool = False

    def publish(self, kind: EventKind | SessionEventKind, detail: Item) -> None:
        if self.fail:
            raise RuntimeError("bus down")
        self.published.append((kind, detail))

    def kinds(self) -> list[str]:
        return [kind for kind, _ in self.published]


@dataclass
class FakeQueue:
    """``ports.messages.FinalizeRequests``: the finalize requests sent."""

    requests: list[tuple[str, str, int | None]] = field(default_factory=list)

    def request_finalize(
        self,
        session_id: str,
        reason: FinalizeReason = "stopped",
        *,
        from_version: int | None = None,
    ) -> None:
        self.requests.append((session_id, reason, from_version))


@dataclass
class FakeEngine:
    """Records what it was asked; answers a minimal document with ``events`` (or raises
    ``error``)."""

    calls: list[tuple[int, EndReason]] = field(default_factory=list)
    error: Exception | None = None
    events: list[dict[str, Any]] = field(default_factory=list)

    def __call__(
        self,
        telemetry: Telemetry,
        session: dict[str, Any],
        end_reason: EndReason,
        storeys: object = None,
    ) -> dict[str, Any]:
        self.calls.append((len(telemetry), end_reason))
        if self.error is not None:
            raise self.error
        codes = {
            "stopped": ["FULL_ATTEMPT"],
            "timeout": ["SESSION_TIMEOUT"],
            "interrupted": ["TELEMETRY_STREAM_INTERRUPTED"],
        }[end_reason]
        path = [
            [float(t - telemetry.t[0]), 52.529, 13.401 + i * 1e-5]
            for i, t in enumerate(telemetry.t[::50])
        ]
        return {
            "summary": {"fraudScore": 0.1, "frictionScore": 0.2, "visibilityScore": 0.9},
            "reasonCodes": codes,
            "events": list(self.events),
            "metrics": {"timeFromEntranceToDoorSec": None, "timeAtDoorSec": None},
            "evidence": {},
            "dataQuality": {"samples": len(telemetry), "gapSec": float("nan")},
            "engineVersion": "test-1",
            "classification": {"category": "door_delivery", "confidence": 0.9},
            "path": path,
        }


@dataclass
class FakeUploads:
    """``ports.storage.Uploads``: a presigned POST naming the key it was asked for."""

    ttl_s: int = 900

    def upload(self, key: str) -> dict[str, Any]:
        return {"url": "https://bucket.example/", "fields": {"key": key}}


@dataclass
class Clock:
    now: float

    def __call__(self) -> float:
        return self.now


class FakeObjectLinks:
    """``ports.storage.ObjectLinks``: a link naming the key and version; ``photos`` maps a
    photo key to the version of its first upload."""

    def __init__(self) -> None:
        self.photos: dict[str, str] = {}

    def url(self, key: str, version_id: str | None = None) -> str:
        return f"https://bucket.example/{key}" + (f"?versionId={version_id}" if version_id else "")

    def first_photo(self, key: str) -> str | None:
        return self.photos.get(key)
