"""Webhook endpoints, deliveries and messages in DynamoDB.

- Endpoints (``names.WEBHOOKS_TABLE``, key tenant + endpointId): ``url``, ``events`` (absent:
  every type), ``description``, ``status`` (enabled|disabled) with ``disabledReason`` and
  ``disabledAt``, ``failingSince`` (first failure since the last success), ``secrets`` (the
  sealed secrets that sign: the newest first, an older one with its ``expiresAt``).
- Deliveries (``names.WEBHOOK_DELIVERIES_TABLE``, key endpointId + deliveryId): one event to
  one endpoint, the exact body that is signed on every attempt, ``status``
  (pending|succeeded|failed), ``attempts`` (the log), ``nextAttemptAt``.
- Messages (``names.WEBHOOK_MESSAGES_TABLE``, key tenant + ``createdAt#messageId``): every
  event of the tenant, which replay sends again.
Deliveries and messages expire after ``names.WEBHOOK_LOG_RETENTION_S`` (TTL).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from functions.core.adapters.dynamo import condition_failed, dynamo, plain
from functions.core.config import names
from functions.core.config.settings import Settings
from functions.core.domain import errors
from functions.core.domain.webhooks import DELIVERY_ID


class EndpointStore:
    """``table`` is a boto3 Table resource for ``names.WEBHOOKS_TABLE``."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def create(self, item: dict[str, Any]) -> None:
        self._table.put_item(
            Item=dynamo(item), ConditionExpression="attribute_not_exists(endpointId)"
        )

    def find(self, tenant: str, endpoint_id: str) -> dict[str, Any] | None:
        item = self._table.get_item(
            Key={"tenant": tenant, "endpointId": endpoint_id}, ConsistentRead=True
        ).get("Item")
        return plain(item) if item else None

    def get(self, tenant: str, endpoint_id: str) -> dict[str, Any]:
        """The tenant's endpoint; another tenant's does not exist (404)."""
        item = self.find(tenant, endpoint_id)
        if item is None:
            raise errors.webhook_not_found(endpoint_id)
        return item

    def of_tenant(self, tenant: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"KeyConditionExpression": Key("tenant").eq(tenant)}
        while True:
            page = self._table.query(**kwargs)
            items.extend(plain(i) for i in page["Items"])
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def subscribed(self, tenant: str, event_type: str) -> list[dict[str, Any]]:
        """The tenant's enabled endpoints that want ``event_type``."""
        return [
            e
            for e in self.of_tenant(tenant)
            if e.get("status") == "enabled" and event_type in e.get("events", [event_type])
        ]

    def update(
        self, tenant: str, endpoint_id: str, values: dict[str, Any], remove: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """SET ``values`` and REMOVE ``remove`` on an existing endpoint; the new item."""
        names_map = {f"#{i}": k for i, k in enumerate([*values, *remove])}
        by_name = {v: k for k, v in names_map.items()}
        expression = ""
        if values:
            expression += "SET " + ", ".join(f"{by_name[k]} = :{i}" for i, k in enumerate(values))
        if remove:
            expression += " REMOVE " + ", ".join(by_name[k] for k in remove)
        kwargs: dict[str, Any] = {
            "Key": {"tenant": tenant, "endpointId": endpoint_id},
            "UpdateExpression": expression.strip(),
            "ConditionExpression": "attribute_exists(endpointId)",
            "ExpressionAttributeNames": names_map,
            "ReturnValues": "ALL_NEW",
        }
        if values:
            kwargs["ExpressionAttributeValues"] = {
                f":{i}": dynamo(v) for i, v in enumerate(values.values())
            }
        try:
            result = self._table.update_item(**kwargs)
        except ClientError as exc:
            if condition_failed(exc):
                raise errors.webhook_not_found(endpoint_id) from exc
            raise
        return plain(result["Attributes"])

    def mark_failing(self, tenant: str, endpoint_id: str, now_iso: str) -> str | None:
        """Note a failure; returns when the endpoint started failing (None if it is gone)."""
        try:
            result = self._table.update_item(
                Key={"tenant": tenant, "endpointId": endpoint_id},
                UpdateExpression="SET failingSince = if_not_exists(failingSince, :now)",
                ConditionExpression="attribute_exists(endpointId)",
                ExpressionAttributeValues={":now": now_iso},
                ReturnValues="ALL_NEW",
            )
        except ClientError as exc:
            if condition_failed(exc):
                return None
            raise
        return str(result["Attributes"]["failingSince"])

    def mark_healthy(self, tenant: str, endpoint_id: str) -> None:
        """A success: forget the failing streak (a no-op when there is none)."""
        try:
            self._table.update_item(
                Key={"tenant": tenant, "endpointId": endpoint_id},
                UpdateExpression="REMOVE failingSince",
                ConditionExpression="attribute_exists(failingSince)",
            )
        except ClientError as exc:
            if not condition_failed(exc):
                raise

    def delete(self, tenant: str, endpoint_id: str) -> None:
        try:
            self._table.delete_item(
                Key={"tenant": tenant, "endpointId": endpoint_id},
                ConditionExpression="attribute_exists(endpointId)",
            )
        except ClientError as exc:
            if condition_failed(exc):
                raise errors.webhook_not_found(endpoint_id) from exc
            raise


class DeliveryStore:
    """``table`` is a boto3 Table resource for ``names.WEBHOOK_DELIVERIES_TABLE``."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def create(self, item: dict[str, Any]) -> bool:
        """Store a new delivery; False if it already exists (a repeated fan-out)."""
        try:
            self._table.put_item(
                Item=dynamo(item), ConditionExpression="attribute_not_exists(deliveryId)"
            )
        except ClientError as exc:
            if condition_failed(exc):
                return False
            raise
        return True

    def find(self, endpoint_id: str, delivery: str) -> dict[str, Any] | None:
        item = self._table.get_item(
            Key={"endpointId": endpoint_id, "deliveryId": delivery}, ConsistentRead=True
        ).get("Item")
        return plain(item) if item else None

    def record(
        self,
        endpoint_id: str,
        delivery: str,
        attempt: dict[str, Any],
        status: str,
        next_attempt_at: str | None,
    ) -> None:
        """Append ``attempt`` to the log and set the delivery's state."""
        expression = "SET attempts = list_append(if_not_exists(attempts, :none), :attempt), "
        expression += "#status = :status"
        values: dict[str, Any] = {":attempt": [attempt], ":none": [], ":status": status}
        if next_attempt_at:
            expression += ", nextAttemptAt = :next"
            values[":next"] = next_attempt_at
        else:
            expression += " REMOVE nextAttemptAt"
        self._table.update_item(
            Key={"endpointId": endpoint_id, "deliveryId": delivery},
            UpdateExpression=expression,
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=dynamo(values),
        )

    def schedule(self, endpoint_id: str, delivery: str, next_attempt_at: str) -> None:
        """A manual retry is queued: the log shows it as the next attempt."""
        self._table.update_item(
            Key={"endpointId": endpoint_id, "deliveryId": delivery},
            UpdateExpression="SET nextAttemptAt = :next",
            ExpressionAttributeValues={":next": next_attempt_at},
        )

    def page(
        self, endpoint_id: str, limit: int, cursor: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Newest first; the cursor is the last delivery id of the page."""
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("endpointId").eq(endpoint_id),
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if cursor:
            if not DELIVERY_ID.match(cursor):
                raise errors.BadRequest(
                    "cursor is not one this API returned", code="INVALID_CURSOR"
                )
            kwargs["ExclusiveStartKey"] = {"endpointId": endpoint_id, "deliveryId": cursor}
        page = self._table.query(**kwargs)
        items = [plain(i) for i in page["Items"]]
        more = "LastEvaluatedKey" in page and items
        return items, (items[-1]["deliveryId"] if more else None)


class MessageStore:
    """``table`` is a boto3 Table resource for ``names.WEBHOOK_MESSAGES_TABLE``."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def put(self, item: dict[str, Any]) -> None:
        """Idempotent: a repeated fan-out writes the same message again."""
        self._table.put_item(
            Item=dynamo({**item, "messageKey": f"{item['createdAt']}#{item['messageId']}"})
        )

    def since(self, tenant: str, since_iso: str, limit: int) -> tuple[list[dict[str, Any]], bool]:
        """The tenant's messages from ``since_iso`` on, oldest first; and whether that was all."""
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("tenant").eq(tenant) & Key("messageKey").gte(since_iso),
            "FilterExpression": Attr("eventType").ne(names.WEBHOOK_TEST_EVENT),
        }
        while len(items) < limit:
            page = self._table.query(**kwargs)
            items.extend(plain(i) for i in page["Items"])
            if "LastEvaluatedKey" not in page:
                return items[:limit], len(items) <= limit
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return items[:limit], False


@dataclass(frozen=True)
class WebhookStores:
    """The three webhook tables' stores; ``table`` makes a boto3 Table from a name."""

    endpoints: EndpointStore
    deliveries: DeliveryStore
    messages: MessageStore

    @classmethod
    def build(cls, settings: Settings, table: Callable[[str], Any]) -> WebhookStores:
        return cls(
            EndpointStore(table(settings.webhooks_table)),
            DeliveryStore(table(settings.webhook_deliveries_table)),
            MessageStore(table(settings.webhook_messages_table)),
        )
