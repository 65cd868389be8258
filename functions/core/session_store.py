"""Sessions in DynamoDB (``names.SESSIONS_TABLE``): create, read, stop, count, list.

The item, attribute by attribute (the processor and sweeper update the same items):
- identity: ``sessionId``, ``tenant`` (org#project#env), ``organizationId``, ``projectId``,
  ``environment``, ``deliveryId``, ``externalRiderId``, ``sessionType``, ``address``,
  ``device``, ``startLocation``, ``sensorAvailability`` (the start request, as sent);
- index keys: ``createdKey`` (createdAt#sessionId), ``tenantDelivery``, ``tenantRider``;
- ``startDigest``: a digest of the start request, to recognise the SDK's retried start;
- lifecycle: ``status`` (recording|completed|failed), ``createdAt``/``createdEpoch``,
  ``endedAt``/``endedEpoch``, ``endReason`` (stopped|timeout|interrupted), ``lastTelemetryAt``;
- ingest counters (ADDed atomically with the batch ledger): ``acceptedSamplesTotal``,
  ``acceptedBatchesTotal``, ``acceptedPartsTotal`` (Firehose records), ``rejectedSamplesTotal``;
- storage counters (the processor's): ``storedSamplesTotal``, ``storedPartsTotal``;
- insights: ``insightsStatus`` (processing|ready|failed), ``insightsVersion``; the processor's
  bookkeeping (docs/pipeline.md): ``finalizedParts`` (storedPartsTotal the last computation
  used), ``readyVersion`` (last ready version), ``pendingEvent`` (an insight event committed
  but not yet published), ``erasing`` (DELETE in progress: the processor takes no more data);
- sweeping: ``sweepShard``/``sweepAt`` exist only while insights are not final (a sparse GSI):
  ``sweepAt`` is when the sweeper must act (inactivity timeout while recording, finalize
  deadline after a stop).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
import string
import zlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from functions.core import errors, names
from functions.core.keys import Principal
from functions.core.models.sessions import Session, StartSessionRequest
from functions.core.timestamps import iso

_ID_ALPHABET = string.ascii_lowercase + string.digits


def new_session_id() -> str:
    return "ses_" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(24))


def sweep_shard(session_id: str) -> str:
    """Spread open sessions over a few partitions of the sparse sweep index."""
    return sweep_shards()[zlib.crc32(session_id.encode()) % names.SWEEP_SHARDS]


def sweep_shards() -> list[str]:
    """Every partition of the sweep index (what the sweeper queries)."""
    return [f"open#{shard}" for shard in range(names.SWEEP_SHARDS)]


def plain(value: Any) -> Any:
    """DynamoDB's Decimals back to ints/floats, recursively (for JSON and models)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def dynamo(value: Any) -> Any:
    """JSON-ish values to what DynamoDB stores (floats as Decimal), recursively."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: dynamo(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [dynamo(v) for v in value]
    return value


def dynamo_values(values: dict[str, Any]) -> dict[str, Any]:
    """Top-level values for a Table resource's client (which serialises Python types
    itself), converted by ``dynamo`` but keeping top-level ``None`` (a NULL an expression
    may name)."""
    return {k: dynamo(v) for k, v in values.items()}


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


class SessionStore:
    """``table`` is a boto3 Table resource for ``names.SESSIONS_TABLE``."""

    def __init__(self, table: Any) -> None:
        self._table = table

    # --- writes -------------------------------------------------------------------------

    def create(
        self, principal: Principal, request: StartSessionRequest, now: float, inactivity_s: float
    ) -> dict[str, Any]:
        session_id = new_session_id()
        created = iso(now)
        body = request.model_dump(exclude_none=True)
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
        self._table.put_item(
            Item=dynamo(item), ConditionExpression="attribute_not_exists(sessionId)"
        )
        return item

    def stop(
        self, tenant: str, session_id: str, now: float, deadline_s: float
    ) -> tuple[dict[str, Any], bool]:
        """End a recording session. Idempotent: a second stop returns the session unchanged.

        Returns the item and whether this call stopped it.
        """
        try:
            result = self._table.update_item(
                Key={"sessionId": session_id},
                UpdateExpression=(
                    "SET #status = :completed, endedAt = :ended, endedEpoch = :epoch, "
                    "endReason = :stopped, sweepAt = :deadline"
                ),
                ConditionExpression="tenant = :tenant AND #status = :recording",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":completed": "completed",
                    ":recording": "recording",
                    ":ended": iso(now),
                    ":epoch": dynamo(now),
                    ":stopped": "stopped",
                    ":deadline": iso(now + deadline_s),
                    ":tenant": tenant,
                },
                ReturnValues="ALL_NEW",
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            return self.get(tenant, session_id), False
        return plain(result["Attributes"]), True

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

    def list(
        self, tenant: str, filters: ListFilters, limit: int, cursor: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """A page of the tenant's sessions, newest first, and the cursor of the next page."""
        if filters.delivery_id is not None:
            index, pk_name, pk = "byDelivery", "tenantDelivery", f"{tenant}#{filters.delivery_id}"
        elif filters.external_rider_id is not None:
            index, pk_name, pk = "byRider", "tenantRider", f"{tenant}#{filters.external_rider_id}"
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
        predicates = [
            Attr(attr).eq(value)
            for attr, value in (
                ("status", filters.status),
                ("sessionType", filters.session_type),
                ("externalRiderId", filters.external_rider_id if index != "byRider" else None),
            )
            if value is not None
        ]
        kwargs: dict[str, Any] = {
            "IndexName": index,
            "KeyConditionExpression": condition,
            "ScanIndexForward": False,
        }
        if predicates:
            expression = predicates[0]
            for predicate in predicates[1:]:
                expression &= predicate
            kwargs["FilterExpression"] = expression
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
            items.extend(plain(i) for i in page["Items"])
            start = page.get("LastEvaluatedKey")
            if not start:
                break
        next_cursor = None
        if start and items:
            last = items[-1]
            next_cursor = encode_cursor(
                {"sessionId": last["sessionId"], pk_name: pk, "createdKey": last["createdKey"]}
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


def to_resource(item: dict[str, Any]) -> Session:
    """The wire resource for a stored item (internal attributes dropped)."""
    fields = Session.model_fields
    return Session.model_validate({k: v for k, v in plain(item).items() if k in fields})
