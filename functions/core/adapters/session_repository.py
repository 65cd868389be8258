"""Sessions in DynamoDB (``names.SESSIONS_TABLE``): the one module that writes a session item.

Every change of a session goes through ``SessionRepository``: start, stop, PATCH, a reprocess
mark, the sweeper's timeout and lease, the eraser's steps, and the entries the ledgers and the
finalizer commit in their transactions (``accepted_entry``, ``stored_entry``,
``commit_insights``), so each update expression and condition is written once, here, and a
refused condition is read in one place (``adapters.dynamo``).

The item, attribute by attribute (the processor and sweeper update the same items):
- identity: ``sessionId``, ``tenant`` (org#project#env), ``organizationId``, ``projectId``,
  ``environment``, ``deliveryId``, ``externalRiderId``, ``sessionType``, ``address``,
  ``device``, ``startLocation``, ``sensorAvailability`` (the start request, as sent);
- index keys: ``createdKey`` (createdAt#sessionId), ``tenantDelivery``, ``tenantRider``;
- ``startDigest``: a digest of the start request, to recognise the SDK's retried start;
- lifecycle: ``status`` (recording|completed|failed), ``createdAt``/``createdEpoch``,
  ``endedAt``/``endedEpoch``, ``endReason`` (stopped|timeout; the finalizer's interrupted,
  the eraser's deleted), ``lastTelemetryAt``;
- ingest counters (ADDed atomically with the batch ledger): ``acceptedSamplesTotal``,
  ``acceptedBatchesTotal``, ``acceptedPartsTotal`` (Firehose records), ``rejectedSamplesTotal``;
- storage counters (the processor's): ``storedSamplesTotal``, ``storedPartsTotal``;
- insights: ``insightsStatus`` (processing|ready|failed), ``insightsVersion``; the processor's
  bookkeeping (docs/pipeline.md): ``finalizedParts`` (storedPartsTotal the last computation
  used), ``readyVersion`` (last ready version), ``pendingEvent`` (an insight event committed
  but not yet published), ``erasing`` (DELETE in progress: the processor takes no more data);
- sweeping: ``sweepShard``/``sweepAt`` exist only while insights are not final (a sparse GSI):
  ``sweepAt`` is when the sweeper must act (inactivity timeout while recording, finalize
  deadline after a stop);
- outcome (the finalizer's): ``engineVersion``, ``reasonCodes``, ``terminalOutcome``,
  ``insightsHistory`` (last ``names.HISTORY_LENGTH`` computations), ``errorCode``/``errorMessage``;
- organising: ``mode`` (live|replay), ``tags``, ``title``, ``notes``, ``metadataJson`` (the
  customer's object as the exact JSON text it arrived in: DynamoDB would turn 1.0 into 1),
  ``archived``/``archivedAt``, ``revision`` (guards PATCH);
- ``reprocessFrom``: the insights version a pending reprocess replaces (``statusDetail``).

Filter items. Tags and reason codes are many per session and a GSI key holds one value, so
each filterable value of a session is also an item of its own in this table (fan-out):
``sessionId`` = ``<session>#<kind>#<value>``, ``filterKey`` = ``<tenant>#<kind>#<value>``,
``createdKey`` as the session's, ``filterOf`` = the session's id. Kinds: ``tag``,
``reason`` (reason code), ``outcome`` (terminalOutcome), ``archived`` (true|false, every
session has one). The ``byFilter`` GSI (filterKey, createdKey) answers a filtered list with
one query of exactly the matching sessions, newest first; such items carry no ``tenant``,
so the other indexes never see them. They are written in the same transaction as the
session change that implies them (``filter_writes``), and erased with it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from functions.core.adapters.dynamo import (
    cancellation,
    condition_failed,
    dynamo,
    dynamo_values,
    plain,
)
from functions.core.config import names
from functions.core.domain import errors
from functions.core.domain.principal import Principal
from functions.core.domain.timestamps import iso

if TYPE_CHECKING:
    from functions.core.wire.models.sessions import StartSessionRequest

FILTER_KINDS = ("tag", "reason", "outcome", "archived")
UPDATE_ATTEMPTS = 3


def new_session_id() -> str:
    """``sess_`` and 24 hex digits (96 random bits), as Desmo's ids look. Ids are opaque:
    sessions made before with ``ses_`` ids are found by the same exact-match look-ups."""
    return "sess_" + secrets.token_hex(12)


def sweep_shard(session_id: str) -> str:
    """Spread open sessions over a few partitions of the sparse sweep index."""
    return sweep_shards()[zlib.crc32(session_id.encode()) % names.SWEEP_SHARDS]


def sweep_shards() -> list[str]:
    """Every partition of the sweep index (what the sweeper queries)."""
    return [f"open#{shard}" for shard in range(names.SWEEP_SHARDS)]


def start_digest(request: StartSessionRequest) -> str:
    """The identity of a start request: its fields, canonically serialised."""
    canonical = json.dumps(
        request.model_dump(mode="json", exclude_none=True), sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class ListFilters:
    delivery_id: str | None = None
    external_rider_id: str | None = None
    status: str | None = None
    session_type: str | None = None
    created_after: str | None = None
    created_before: str | None = None
    tag: str | None = None
    reason_code: str | None = None
    terminal_outcome: str | None = None
    archived: bool | None = None
    mode: str | None = None

    def fan_out(self) -> tuple[str, str] | None:
        """The (kind, value) of the filter items that answer this list, if any."""
        for kind, value in (
            ("tag", self.tag),
            ("reason", self.reason_code),
            ("outcome", self.terminal_outcome),
            ("archived", None if self.archived is None else _flag(self.archived)),
        ):
            if value is not None:
                return kind, value
        return None

    def matches(self, item: dict[str, Any]) -> bool:
        """Whether a session passes every filter (the index served one of them already)."""
        checks = (
            (self.delivery_id, item.get("deliveryId")),
            (self.external_rider_id, item.get("externalRiderId")),
            (self.status, item.get("status")),
            (self.session_type, item.get("sessionType")),
            (self.terminal_outcome, item.get("terminalOutcome")),
            (self.mode, item.get("mode", "live")),
        )
        if any(want is not None and want != have for want, have in checks):
            return False
        if self.archived is not None and bool(item.get("archived")) != self.archived:
            return False
        if self.tag is not None and self.tag not in item.get("tags", []):
            return False
        return self.reason_code is None or self.reason_code in item.get("reasonCodes", [])


def _flag(value: bool) -> str:
    return "true" if value else "false"


def filter_values(item: dict[str, Any] | None) -> set[tuple[str, str]]:
    """Every (kind, value) a session is listed under (none for no session)."""
    if not item:
        return set()
    values = {("archived", _flag(bool(item.get("archived"))))}
    values |= {("tag", t) for t in item.get("tags") or []}
    values |= {("reason", c) for c in item.get("reasonCodes") or []}
    if item.get("terminalOutcome"):
        values.add(("outcome", str(item["terminalOutcome"])))
    return values


def filter_writes(
    table_name: str, before: dict[str, Any] | None, after: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """``TransactWriteItems`` entries moving a session's filter items from ``before`` to
    ``after`` (either may be None: created, erased)."""
    old, new = filter_values(before), filter_values(after)
    session = after or before or {}
    session_id = session.get("sessionId", "")
    writes: list[dict[str, Any]] = [
        {"Delete": {"TableName": table_name, "Key": {"sessionId": f"{session_id}#{k}#{v}"}}}
        for k, v in sorted(old - new)
    ]
    for kind, value in sorted(new - old):
        item = {
            "sessionId": f"{session_id}#{kind}#{value}",
            "filterKey": f"{session['tenant']}#{kind}#{value}",
            "createdKey": session["createdKey"],
            "filterOf": session_id,
        }
        writes.append({"Put": {"TableName": table_name, "Item": dynamo_values(item)}})
    return writes


def patched_attributes(
    before: dict[str, Any], changes: dict[str, Any], now: float
) -> dict[str, Any]:
    """Stored attribute → new value (None: remove it) for the PATCH fields sent."""
    out: dict[str, Any] = {}
    for name, value in changes.items():
        if name == "metadata":
            out["metadataJson"] = (
                None if value is None else json.dumps(value, separators=(",", ":"))
            )
        elif name == "archived":
            out["archived"] = bool(value)
            if not value:
                out["archivedAt"] = None
            elif not before.get("archived"):
                out["archivedAt"] = iso(now)
        else:
            out[name] = value
    return out


class ConflictingWrite(Exception):
    """A transaction was cancelled: a condition failed or a concurrent write intervened."""


class SessionRepository:
    """``table`` is a boto3 Table resource for ``names.SESSIONS_TABLE``."""

    def __init__(self, table: Any) -> None:
        self._table = table

    # --- writes -------------------------------------------------------------------------

    def create(
        self, principal: Principal, request: StartSessionRequest, now: float, inactivity_s: float
    ) -> dict[str, Any]:
        session_id = new_session_id()
        created = iso(now)
        body = request.model_dump(exclude_none=True, exclude={"metadata"})
        item: dict[str, Any] = {
            **body,
            "sessionId": session_id,
            "tenant": principal.tenant,
            "organizationId": principal.organization_id,
            "projectId": principal.project_id,
            "environment": principal.environment,
            "status": "recording",
            "createdAt": created,
            "createdEpoch": now,
            "createdKey": f"{created}#{session_id}",
            "tenantDelivery": f"{principal.tenant}#{request.deliveryId}",
            "startDigest": start_digest(request),
            "acceptedSamplesTotal": 0,
            "acceptedBatchesTotal": 0,
            "acceptedPartsTotal": 0,
            "rejectedSamplesTotal": 0,
            "storedSamplesTotal": 0,
            "storedPartsTotal": 0,
            "insightsStatus": "processing",
            "insightsVersion": 0,
            "sweepShard": sweep_shard(session_id),
            "sweepAt": iso(now + inactivity_s),
        }
        if request.externalRiderId:
            item["tenantRider"] = f"{principal.tenant}#{request.externalRiderId}"
        if request.metadata is not None:
            item["metadataJson"] = json.dumps(request.metadata, separators=(",", ":"))
        put = {
            "Put": {
                "TableName": self._table.name,
                "Item": dynamo(item),
                "ConditionExpression": "attribute_not_exists(sessionId)",
            }
        }
        self._transact([put, *filter_writes(self._table.name, None, item)])
        return item

    def update(
        self, tenant: str, session_id: str, changes: dict[str, Any], now: float
    ) -> dict[str, Any]:
        """Apply a PATCH (``UpdateSessionRequest`` fields that were sent) and move the
        session's filter items in the same transaction; retried if a concurrent PATCH or
        finalization changed the session meanwhile. Returns the updated item."""
        for _ in range(UPDATE_ATTEMPTS):
            before = self.get(tenant, session_id)
            attributes = patched_attributes(before, changes, now)
            sets = {k: v for k, v in attributes.items() if v is not None}
            removes = [k for k, v in attributes.items() if v is None]
            after = {k: v for k, v in {**before, **sets}.items() if k not in removes}
            if not attributes:
                return before
            revision = int(before.get("revision", 0))
            sets["revision"] = revision + 1
            names_ = {f"#a{i}": a for i, a in enumerate([*sets, *removes])}
            alias = {a: n for n, a in names_.items()}
            expression = "SET " + ", ".join(f"{alias[a]} = :v{i}" for i, a in enumerate(sets))
            if removes:
                expression += " REMOVE " + ", ".join(alias[a] for a in removes)
            values = {f":v{i}": v for i, v in enumerate(sets.values())}
            values[":tenant"] = tenant
            condition = "tenant = :tenant AND attribute_not_exists(erasing)"
            if revision:
                values[":seen"] = revision
                condition += " AND revision = :seen"
            else:
                condition += " AND attribute_not_exists(revision)"
            update = {
                "Update": {
                    "TableName": self._table.name,
                    "Key": {"sessionId": session_id},
                    "UpdateExpression": expression,
                    "ConditionExpression": condition,
                    "ExpressionAttributeNames": names_,
                    "ExpressionAttributeValues": dynamo_values(values),
                }
            }
            try:
                self._transact([update, *filter_writes(self._table.name, before, after)])
            except ConflictingWrite:
                continue
            return self.get(tenant, session_id)
        raise errors.ServiceUnavailable(
            f"session {session_id!r} kept changing while it was updated; retry the request"
        )

    def mark_reprocess(self, session_id: str, from_version: int) -> None:
        """Record that a recomputation of ``from_version`` was asked for (``statusDetail``
        says computing until a newer version is committed)."""
        self._table.update_item(
            Key={"sessionId": session_id},
            UpdateExpression="SET reprocessFrom = :version",
            ExpressionAttributeValues={":version": from_version},
        )

    def accepted_entry(
        self,
        session_id: str,
        *,
        accepted: int,
        rejected: int,
        parts: int,
        now: float,
        sweep_at: float | None,
    ) -> dict[str, Any]:
        """The ``TransactWriteItems`` entry adding an accepted batch's counts to the session
        (ingest's ledger commits it with the batch item). ``sweep_at`` pushes the inactivity
        deadline of a recording session."""
        session_set = "lastTelemetryAt = :now"
        values: dict[str, Any] = {
            ":now": iso(now),
            ":samples": accepted,
            ":one": 1,
            ":parts": parts,
            ":rejected": rejected,
        }
        if sweep_at is not None:
            session_set += ", sweepAt = :sweep"
            values[":sweep"] = iso(sweep_at)
        return {
            "Update": {
                "TableName": self._table.name,
                "Key": dynamo_values({"sessionId": session_id}),
                "UpdateExpression": f"SET {session_set} ADD acceptedSamplesTotal :samples, "
                "acceptedBatchesTotal :one, acceptedPartsTotal :parts, "
                "rejectedSamplesTotal :rejected",
                "ExpressionAttributeValues": dynamo_values(values),
            }
        }

    def stored_objects(self, session_id: str) -> int | None:
        """How many Firehose objects the session's stored counts include (``storedObjects``,
        read consistently); None for a session erased or being erased."""
        item = self._table.meta.client.get_item(
            TableName=self._table.name,
            Key=dynamo_values({"sessionId": session_id}),
            ConsistentRead=True,
            ProjectionExpression="sessionId, storedObjects, erasing",
        ).get("Item")
        if not item or "erasing" in item:
            return None
        return int(item.get("storedObjects", 0))

    def stored_entry(
        self, session_id: str, *, samples: int, parts: int, objects_seen: int
    ) -> dict[str, Any]:
        """The ``TransactWriteItems`` entry adding one object's stored parts to the session
        (the stored-part ledger commits it with the object's item), on condition that no
        other object was counted since ``objects_seen`` was read and no erase began."""
        unchanged = (
            "attribute_not_exists(storedObjects)" if objects_seen == 0 else "storedObjects = :seen"
        )
        values: dict[str, Any] = {":samples": samples, ":parts": parts, ":one": 1}
        if objects_seen:
            values[":seen"] = objects_seen
        return {
            "Update": {
                "TableName": self._table.name,
                "Key": dynamo_values({"sessionId": session_id}),
                "UpdateExpression": "ADD storedSamplesTotal :samples, storedPartsTotal :parts, "
                "storedObjects :one",
                "ConditionExpression": "attribute_exists(sessionId) "
                f"AND attribute_not_exists(erasing) AND {unchanged}",
                "ExpressionAttributeValues": dynamo_values(values),
            }
        }

    def commit_insights(
        self,
        session: dict[str, Any],
        document: dict[str, Any],
        document_entry: dict[str, Any],
        event: str,
        outcome: dict[str, Any],
    ) -> bool:
        """Store an insights document (``document_entry``, the insights table's Put) and move
        the session on with it, in one transaction, iff nobody committed since ``session``
        was read and no erase began: the version, status, the parts it used, the event to
        publish, the outcome (``None`` values are removed) and the filter items. False when
        the transaction was cancelled."""
        sets = [
            "insightsStatus = :status",
            "insightsVersion = :version",
            "finalizedParts = :stored",
            "pendingEvent = :event",
            *(f"{name} = :{name}" for name in outcome if outcome[name] is not None),
        ]
        removes = ["sweepShard", "sweepAt", *(n for n in outcome if outcome[n] is None)]
        if document["status"] == "ready":
            sets.append("readyVersion = :version")
        values = {
            ":status": document["status"],
            ":version": document["version"],
            ":previous": int(session.get("insightsVersion", 0)),
            ":stored": int(session.get("storedPartsTotal", 0)),
            ":event": event,
            **{f":{name}": value for name, value in outcome.items() if value is not None},
        }
        update = {
            "Update": {
                "TableName": self._table.name,
                "Key": dynamo_values({"sessionId": session["sessionId"]}),
                "UpdateExpression": f"SET {', '.join(sets)} REMOVE {', '.join(removes)}",
                "ConditionExpression": "insightsVersion = :previous AND "
                "(storedPartsTotal = :stored OR attribute_not_exists(storedPartsTotal)) AND "
                "attribute_not_exists(erasing)",
                "ExpressionAttributeValues": dynamo_values(values),
            }
        }
        moves = filter_writes(self._table.name, session, {**session, **outcome})
        try:
            self._transact([document_entry, update, *moves])
        except ConflictingWrite:
            return False
        return True

    def clear_pending_event(self, session_id: str, version: int) -> None:
        """The event of ``version`` was published; a newer version's marker is left alone
        (its own publish clears it)."""
        self._conditional(
            Key={"sessionId": session_id},
            UpdateExpression="REMOVE pendingEvent",
            ConditionExpression="insightsVersion = :version",
            ExpressionAttributeValues={":version": version},
        )

    def end_silent(self, session_id: str, ended: float, lease_until: float, now: float) -> bool:
        """End a recording session whose phone went silent (``endReason: timeout``, ended at
        ``ended``) and lease its sweep until ``lease_until``; False if it is no longer
        recording or telemetry pushed its deadline past ``now`` meanwhile."""
        ended_values = self._end(session_id, "timeout", ended, lease_until)
        ended_values["ConditionExpression"] += " AND sweepAt <= :now"
        ended_values["ExpressionAttributeValues"][":now"] = iso(now)
        return self._conditional(**ended_values) is not None

    def lease_sweep(self, session_id: str, seen: str, lease_until: float) -> bool:
        """Move the session's sweep deadline to ``lease_until`` iff it is still ``seen`` (so
        one sweep of several acts on it); False if another took it."""
        return (
            self._conditional(
                Key={"sessionId": session_id},
                UpdateExpression="SET sweepAt = :lease",
                ConditionExpression="sweepAt = :seen",
                ExpressionAttributeValues={":lease": iso(lease_until), ":seen": seen},
            )
            is not None
        )

    def begin_erasing(self, tenant: str, session_id: str, now: float) -> None:
        """Mark the session ``erasing`` (the processor then takes none of its data), end a
        session still recording with ``endReason: deleted``, take it out of the sweep index."""
        self._table.update_item(
            Key={"sessionId": session_id},
            UpdateExpression="SET erasing = :now, endReason = if_not_exists(endReason, :deleted) "
            "REMOVE sweepShard, sweepAt",
            ConditionExpression="tenant = :tenant",
            ExpressionAttributeValues={":now": iso(now), ":tenant": tenant, ":deleted": "deleted"},
        )

    def delete_filter_items(self, session: dict[str, Any]) -> None:
        """The session's filter items, so no list shows it any more."""
        with self._table.batch_writer() as writer:
            for entry in filter_writes(self._table.name, session, None):
                writer.delete_item(Key=entry["Delete"]["Key"])

    def delete(self, session_id: str) -> None:
        """The session item itself: the last step of an erase."""
        self._table.delete_item(Key={"sessionId": session_id})

    @staticmethod
    def _end(session_id: str, reason: str, ended: float, sweep_at: float) -> dict[str, Any]:
        """The ``UpdateItem`` arguments that end a recording session: status ``completed``,
        when and why it ended, and its next sweep deadline."""
        return {
            "Key": {"sessionId": session_id},
            "UpdateExpression": "SET #status = :completed, endedAt = :ended, "
            "endedEpoch = :epoch, endReason = :reason, sweepAt = :sweep",
            "ConditionExpression": "#status = :recording",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {
                ":completed": "completed",
                ":recording": "recording",
                ":ended": iso(ended),
                ":epoch": dynamo(ended),
                ":reason": reason,
                ":sweep": iso(sweep_at),
            },
        }

    def _conditional(self, **update: Any) -> dict[str, Any] | None:
        """``UpdateItem``: the attributes it returned (``ReturnValues``; empty without), or
        None when its condition was false."""
        try:
            result = self._table.update_item(**update)
        except ClientError as exc:
            if condition_failed(exc):
                return None
            raise
        return plain(result.get("Attributes", {}))

    def _transact(self, items: list[dict[str, Any]]) -> None:
        try:
            self._table.meta.client.transact_write_items(TransactItems=items)
        except ClientError as exc:
            if cancellation(exc) is not None:
                raise ConflictingWrite(str(exc)) from exc
            raise

    def stop(
        self, tenant: str, session_id: str, now: float, deadline_s: float
    ) -> tuple[dict[str, Any], bool]:
        """End a recording session. Idempotent: a second stop returns the session unchanged.

        Returns the item and whether this call stopped it.
        """
        stop = self._end(session_id, "stopped", now, now + deadline_s)
        stop["ConditionExpression"] += " AND tenant = :tenant"
        stop["ExpressionAttributeValues"][":tenant"] = tenant
        stopped = self._conditional(**stop, ReturnValues="ALL_NEW")
        if stopped is None:
            return self.get(tenant, session_id), False
        return stopped, True

    # --- reads --------------------------------------------------------------------------

    def retried_start(
        self, tenant: str, request: StartSessionRequest, since: float
    ) -> dict[str, Any] | None:
        """The session a repeat of ``request`` would be a retry of: same tenant and body,
        created at or after ``since``, still recording, no telemetry yet (the phone never
        learnt its id, so it cannot have sent any). None if there is none."""
        page = self._table.query(
            IndexName="byDelivery",
            KeyConditionExpression=Key("tenantDelivery").eq(f"{tenant}#{request.deliveryId}")
            & Key("createdKey").gte(iso(since)),
            FilterExpression=Attr("startDigest").eq(start_digest(request))
            & Attr("status").eq("recording")
            & Attr("acceptedBatchesTotal").eq(0),
            ScanIndexForward=False,
        )
        return plain(page["Items"][0]) if page["Items"] else None

    def due(self, now: float) -> Iterator[dict[str, Any]]:
        """Sessions whose ``sweepAt`` has passed (the sparse ``bySweep`` index, every shard)."""
        for shard in sweep_shards():
            kwargs: dict[str, Any] = {
                "IndexName": "bySweep",
                "KeyConditionExpression": Key("sweepShard").eq(shard)
                & Key("sweepAt").lte(iso(now)),
            }
            while True:
                page = self._table.query(**kwargs)
                yield from (plain(item) for item in page["Items"])
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def find(self, session_id: str) -> dict[str, Any] | None:
        """Any tenant's session by id (for the processor and sweeper), or None."""
        item = self._table.get_item(Key={"sessionId": session_id}, ConsistentRead=True).get("Item")
        return plain(item) if item else None

    def get(self, tenant: str, session_id: str) -> dict[str, Any]:
        """The tenant's session; another tenant's session does not exist (404)."""
        item = self.find(session_id)
        if item is None or item.get("tenant") != tenant:
            raise errors.session_not_found(session_id)
        return item

    def _sessions_of(self, session_ids: list[str]) -> list[dict[str, Any]]:
        """The sessions, in the order given (one BatchGetItem; erased ones are skipped)."""
        if not session_ids:
            return []
        client = self._table.meta.client
        keys = [{"sessionId": sid} for sid in dict.fromkeys(session_ids)]
        found: dict[str, dict[str, Any]] = {}
        request: dict[str, Any] = {self._table.name: {"Keys": keys, "ConsistentRead": True}}
        while request:
            answer = client.batch_get_item(RequestItems=request)
            for item in answer["Responses"].get(self._table.name, []):
                found[item["sessionId"]] = plain(item)
            request = answer.get("UnprocessedKeys") or {}
        return [found[sid] for sid in session_ids if sid in found]

    def list(
        self, tenant: str, filters: ListFilters, limit: int, cursor: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """A page of the tenant's sessions, newest first, and the cursor of the next page.

        One index serves the most selective filter (deliveryId, externalRiderId, then the
        filter items of tag, reasonCode, terminalOutcome, archived, else the tenant's
        timeline); the page's sessions are then checked against the other filters.
        """
        fan_out = filters.fan_out()
        if filters.delivery_id is not None:
            index, pk_name, pk = "byDelivery", "tenantDelivery", f"{tenant}#{filters.delivery_id}"
        elif filters.external_rider_id is not None:
            index, pk_name, pk = "byRider", "tenantRider", f"{tenant}#{filters.external_rider_id}"
        elif fan_out is not None:
            index, pk_name, pk = "byFilter", "filterKey", f"{tenant}#{fan_out[0]}#{fan_out[1]}"
        else:
            index, pk_name, pk = "byTenantCreated", "tenant", tenant
        condition = Key(pk_name).eq(pk)
        low, high = filters.created_after, filters.created_before
        if low and high:
            condition &= Key("createdKey").between(low, high + "\uffff")
        elif low:
            condition &= Key("createdKey").gt(low + "\uffff")
        elif high:
            condition &= Key("createdKey").lt(high)
        kwargs: dict[str, Any] = {
            "IndexName": index,
            "KeyConditionExpression": condition,
            "ScanIndexForward": False,
        }
        start = None
        if cursor:
            # Only the sort position comes from the caller; the partition is always theirs.
            position = decode_cursor(cursor)
            start = {"sessionId": position["sessionId"], "createdKey": position["createdKey"]}
            start[pk_name] = pk
        items: list[dict[str, Any]] = []
        while len(items) < limit:
            if start:
                kwargs["ExclusiveStartKey"] = start
            kwargs["Limit"] = limit - len(items)
            page = self._table.query(**kwargs)
            rows = [plain(i) for i in page["Items"]]
            if index == "byFilter":
                rows = self._sessions_of([r["filterOf"] for r in rows])
            items.extend(r for r in rows if r.get("tenant") == tenant and filters.matches(r))
            start = page.get("LastEvaluatedKey")
            if not start:
                break
        next_cursor = None
        if start:
            next_cursor = encode_cursor(
                {"sessionId": start["sessionId"], "createdKey": start["createdKey"]}
            )
        return items, next_cursor


def encode_cursor(key: dict[str, Any]) -> str:
    raw = json.dumps(plain(key), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw)
    except (binascii.Error, ValueError) as exc:
        raise errors.BadRequest(
            "cursor is not one this API returned", code="INVALID_CURSOR"
        ) from exc
    if not isinstance(key, dict) or not {"sessionId", "createdKey"} <= key.keys():
        raise errors.BadRequest("cursor is not one this API returned", code="INVALID_CURSOR")
    return key
