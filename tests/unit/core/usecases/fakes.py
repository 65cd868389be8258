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

import base64
import copy
import itertools
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from functions.core.config import names
from functions.core.config.names import EventKind, SessionEventKind
from functions.core.domain import errors
from functions.core.domain.principal import Principal
from functions.core.domain.session import EndReason
from functions.core.domain.timestamps import epoch_of, iso
from functions.core.domain.webhooks import DELIVERY_ID, AttemptResult
from functions.core.wire.attempt_orders import AttemptOrder
from functions.core.wire.finalize_requests import FinalizeReason
from functions.core.wire.models.sessions import StartSessionRequest
from functions.core.wire.models.telemetry import Rejection
from functions.core.wire.records import RecordHeader
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
class FakeFirehoseObjects:
    """``ports.telemetry.FirehoseObjects``: the objects' records by (bucket, key)."""

    objects: dict[tuple[str, str], bytes] = field(default_factory=dict)

    def read(self, bucket: str, key: str) -> bytes:
        return self.objects[(bucket, key)]


@dataclass
class FakeChunks:
    """``ports.telemetry.Chunks``: a session's telemetry is what was put for it (one chunk per
    source object, a repeated put overwrites), or ``telemetry`` if nothing was."""

    telemetry: Telemetry = field(default_factory=Telemetry.empty)
    images: dict[str, bytes] = field(default_factory=dict)
    chunks: dict[tuple[str, str], Telemetry] = field(default_factory=dict)

    def put(self, session_id: str, source_key: str, telemetry: Telemetry) -> str:
        self.chunks[(session_id, source_key)] = telemetry
        return f"sessions/{session_id}/chunks/{source_key}"

    def load(self, session_id: str) -> Telemetry:
        mine = [t for (sid, _), t in self.chunks.items() if sid == session_id]
        return Telemetry.merge(mine) if mine else self.telemetry

    def put_path_image(self, session_id: str, png: bytes) -> str:
        self.images[session_id] = png
        return f"sessions/{session_id}/path.png"


@dataclass
class FakeStoredRecords:
    """``ports.telemetry.StoredRecords``: each record (batch and part) is counted once into
    ``sessions`` (as the real ledger's transaction does), and nothing of a session that is
    gone or being erased."""

    sessions: FakeSessions
    counted: dict[str, set[str]] = field(default_factory=dict)
    objects: set[tuple[str, str]] = field(default_factory=set)

    def record(
        self,
        session_id: str,
        source_key: str,
        headers: Sequence[RecordHeader],
        now: float,
        *,
        stored_objects: int | None = None,
    ) -> list[RecordHeader]:
        item = self.sessions.items.get(session_id)
        if item is None or "erasing" in item or (session_id, source_key) in self.objects:
            return []
        known = self.counted.setdefault(session_id, set())
        new = list({f"{h.batch_id}#{h.part}": h for h in headers}.items())
        new = [(pid, h) for pid, h in new if pid not in known]
        if not new:
            return []
        known.update(pid for pid, _ in new)
        self.objects.add((session_id, source_key))
        item["storedPartsTotal"] += len(new)
        item["storedSamplesTotal"] += sum(h.samples for _, h in new)
        item["storedObjects"] = item.get("storedObjects", 0) + 1
        return [h for _, h in new]


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


# --- webhooks (``ports.webhooks``) ------------------------------------------------------------


def _stored(item: Item) -> Item:
    """What a store hands back: a copy of its own, without the None values DynamoDB does not
    keep (``adapters.dynamo.dynamo``)."""
    return copy.deepcopy({k: v for k, v in item.items() if v is not None})


@dataclass
class FakeEndpoints:
    """``ports.webhooks.Endpoints``: endpoints by (tenant, endpoint id)."""

    items: dict[tuple[str, str], Item] = field(default_factory=dict)

    def create(self, item: Item) -> None:
        key = (item["tenant"], item["endpointId"])
        assert key not in self.items, "endpoint ids are new"
        self.items[key] = _stored(item)

    def find(self, tenant: str, endpoint_id: str) -> Item | None:
        item = self.items.get((tenant, endpoint_id))
        return _stored(item) if item is not None else None

    def get(self, tenant: str, endpoint_id: str) -> Item:
        return _stored(self._mine(tenant, endpoint_id))

    def of_tenant(self, tenant: str) -> list[Item]:
        return [_stored(i) for (t, _), i in sorted(self.items.items()) if t == tenant]

    def subscribed(self, tenant: str, event_type: str) -> list[Item]:
        return [
            e
            for e in self.of_tenant(tenant)
            if e.get("status") == "enabled" and event_type in e.get("events", [event_type])
        ]

    def update(
        self, tenant: str, endpoint_id: str, values: Item, remove: tuple[str, ...] = ()
    ) -> Item:
        item = self._mine(tenant, endpoint_id)
        item.update(_stored(values))
        for name in remove:
            item.pop(name, None)
        return _stored(item)

    def mark_failing(self, tenant: str, endpoint_id: str, now_iso: str) -> str | None:
        item = self.items.get((tenant, endpoint_id))
        if item is None:
            return None
        return str(item.setdefault("failingSince", now_iso))

    def mark_healthy(self, tenant: str, endpoint_id: str) -> None:
        item = self.items.get((tenant, endpoint_id))
        if item is not None:
            item.pop("failingSince", None)

    def delete(self, tenant: str, endpoint_id: str) -> None:
        self._mine(tenant, endpoint_id)
        del self.items[(tenant, endpoint_id)]

    def _mine(self, tenant: str, endpoint_id: str) -> Item:
        item = self.items.get((tenant, endpoint_id))
        if item is None:
            raise errors.webhook_not_found(endpoint_id)
        return item


@dataclass
class FakeDeliveries:
    """``ports.webhooks.Deliveries``: deliveries by (endpoint id, delivery id)."""

    items: dict[tuple[str, str], Item] = field(default_factory=dict)

    def create(self, item: Item) -> bool:
        key = (item["endpointId"], item["deliveryId"])
        if key in self.items:
            return False
        self.items[key] = _stored(item)
        return True

    def find(self, endpoint_id: str, delivery: str) -> Item | None:
        item = self.items.get((endpoint_id, delivery))
        return _stored(item) if item is not None else None

    def record(
        self,
        endpoint_id: str,
        delivery: str,
        attempt: Item,
        status: str,
        next_attempt_at: str | None,
    ) -> None:
        item = self.items.setdefault(
            (endpoint_id, delivery), {"endpointId": endpoint_id, "deliveryId": delivery}
        )
        item.setdefault("attempts", []).append(_stored(attempt))
        item["status"] = status
        if next_attempt_at:
            item["nextAttemptAt"] = next_attempt_at
        else:
            item.pop("nextAttemptAt", None)

    def schedule(self, endpoint_id: str, delivery: str, next_attempt_at: str) -> None:
        self.items[(endpoint_id, delivery)]["nextAttemptAt"] = next_attempt_at

    def page(
        self, endpoint_id: str, limit: int, cursor: str | None
    ) -> tuple[list[Item], str | None]:
        if cursor is not None and not DELIVERY_ID.match(cursor):
            raise errors.BadRequest("cursor is not one this API returned", code="INVALID_CURSOR")
        newest_first = sorted(
            (d for (e, d) in self.items if e == endpoint_id and (cursor is None or d < cursor)),
            reverse=True,
        )
        page = [_stored(self.items[(endpoint_id, d)]) for d in newest_first[:limit]]
        return page, (page[-1]["deliveryId"] if len(newest_first) > limit else None)


@dataclass
class FakeMessages:
    """``ports.webhooks.Messages``: a tenant's messages in ``createdAt#messageId`` order."""

    items: dict[tuple[str, str], Item] = field(default_factory=dict)

    def put(self, item: Item) -> None:
        key = f"{item['createdAt']}#{item['messageId']}"
        self.items[(item["tenant"], key)] = _stored({**item, "messageKey": key})

    def since(self, tenant: str, since_iso: str, limit: int) -> tuple[list[Item], bool]:
        mine = [
            _stored(item)
            for (t, key), item in sorted(self.items.items())
            if t == tenant and key >= since_iso and item["eventType"] != names.WEBHOOK_TEST_EVENT
        ]
        return mine[:limit], len(mine) <= limit


@dataclass
class FakeWebhookTables:
    """``ports.webhooks.WebhookTables``."""

    endpoints: FakeEndpoints = field(default_factory=FakeEndpoints)
    deliveries: FakeDeliveries = field(default_factory=FakeDeliveries)
    messages: FakeMessages = field(default_factory=FakeMessages)


class FakeSecrets:
    """``ports.webhooks.Secrets``: a sealed secret opens only for the tenant and endpoint it
    was sealed for (as KMS's encryption context binds it); ``ValueError`` otherwise."""

    def seal(self, secret: str, tenant: str, endpoint_id: str) -> str:
        return base64.b64encode(json.dumps([tenant, endpoint_id, secret]).encode()).decode()

    def open(self, sealed: str, tenant: str, endpoint_id: str) -> str:
        bound_tenant, bound_endpoint, secret = json.loads(base64.b64decode(sealed))
        if (bound_tenant, bound_endpoint) != (tenant, endpoint_id):
            raise ValueError("sealed for another endpoint")
        return str(secret)


@dataclass
class FakeAttemptQueue:
    """``ports.webhooks.AttemptQueue``: the orders queued, in order."""

    orders: list[AttemptOrder] = field(default_factory=list)

    def schedule(self, orders: list[AttemptOrder]) -> None:
        self.orders.extend(orders)


@dataclass
class ScriptedTransport:
    """``ports.webhooks.Transport``: answers each send with the next scripted result (then
    200s); records what it got."""

    script: list[AttemptResult] = field(default_factory=list)
    sent: list[tuple[str, dict[str, str], str]] = field(default_factory=list)

    def send(self, url: str, environment: str, headers: dict[str, str], body: str) -> AttemptResult:
        self.sent.append((url, headers, body))
        if self.script:
            return self.script.pop(0)
        return AttemptResult(200, 3, None, "ok")
