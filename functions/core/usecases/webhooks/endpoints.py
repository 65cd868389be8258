"""The endpoints API's use cases: create, read, change, delete, rotate, test, retry, replay.

Every call is scoped to the caller's tenant (organisation, project, environment): the
endpoints table is partitioned by it, so another tenant's endpoint is a 404. URLs are checked
against ``urls.check_url`` on create and change (and again at every delivery). Test, retry
and replay only queue attempts; the dispatcher makes them and the delivery log shows them.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Any

from functions.core.config import names
from functions.core.domain import errors
from functions.core.domain.principal import Principal
from functions.core.domain.timestamps import iso
from functions.core.domain.webhook_urls import UrlRefused, check_url
from functions.core.domain.webhooks import new_endpoint_id, new_secret
from functions.core.ports.webhooks import AttemptQueue, Secrets, WebhookTables
from functions.core.usecases.webhooks.dispatch import (
    OverWebhookStores,
    expires_at,
    open_delivery,
)
from functions.core.wire.attempt_orders import AttemptOrder
from functions.core.wire.models.webhooks import (
    Attempt,
    CreateWebhookRequest,
    Delivery,
    DeliveryList,
    DeliveryQueued,
    ReplayQueued,
    UpdateWebhookRequest,
    Webhook,
)
from functions.core.wire.webhook_payloads import Message, probe_message


def to_webhook(item: dict[str, Any], secret: str | None = None) -> Webhook:
    return Webhook(
        id=item["endpointId"],
        url=item["url"],
        events=item.get("events"),
        description=item.get("description"),
        status=item["status"],
        disabledReason=item.get("disabledReason"),
        disabledAt=item.get("disabledAt"),
        failingSince=item.get("failingSince"),
        createdAt=item["createdAt"],
        updatedAt=item["updatedAt"],
        secretRotatedAt=item.get("secretRotatedAt"),
        secret=secret,
    )


def to_delivery(item: dict[str, Any]) -> Delivery:
    return Delivery(
        id=item["deliveryId"],
        messageId=item["messageId"],
        eventType=item["eventType"],
        status=item["status"],
        createdAt=item["createdAt"],
        nextAttemptAt=item.get("nextAttemptAt"),
        attempts=[Attempt.model_validate(a) for a in item.get("attempts", [])],
    )


class WebhookEndpoints(OverWebhookStores):
    """``allow_loopback``: whether sandbox endpoints may be ``http://127.0.0.1`` here."""

    def __init__(
        self,
        stores: WebhookTables,
        queue: AttemptQueue,
        box: Secrets,
        *,
        allow_loopback: bool,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(stores, queue, box, clock)
        self._allow_loopback = allow_loopback

    def _check(self, url: str, environment: str) -> None:
        try:
            check_url(url, environment, allow_loopback=self._allow_loopback)
        except UrlRefused as exc:
            raise errors.Unprocessable(
                f"url not allowed: {exc}",
                code="WEBHOOK_URL_NOT_ALLOWED",
                details=[{"field": "url", "in": "body", "message": str(exc)}],
            ) from exc

    def create(self, caller: Principal, request: CreateWebhookRequest) -> Webhook:
        self._check(request.url, caller.environment)
        now = iso(self._clock())
        endpoint_id = new_endpoint_id()
        secret = new_secret()
        item: dict[str, Any] = {
            "tenant": caller.tenant,
            "endpointId": endpoint_id,
            "organizationId": caller.organization_id,
            "projectId": caller.project_id,
            "environment": caller.environment,
            "url": request.url,
            "events": request.events,
            "description": request.description,
            "status": "enabled",
            "createdAt": now,
            "updatedAt": now,
            "secrets": [
                {"sealed": self._box.seal(secret, caller.tenant, endpoint_id), "createdAt": now}
            ],
        }
        self._endpoints.create(item)
        return to_webhook(item, secret)

    def list(self, caller: Principal) -> list[Webhook]:
        return [to_webhook(i) for i in self._endpoints.of_tenant(caller.tenant)]

    def get(self, caller: Principal, endpoint_id: str) -> Webhook:
        return to_webhook(self._endpoints.get(caller.tenant, endpoint_id))

    def update(self, caller: Principal, endpoint_id: str, request: UpdateWebhookRequest) -> Webhook:
        changes = request.model_dump(exclude_unset=True, exclude_none=True)
        if "url" in changes:
            self._check(changes["url"], caller.environment)
        remove: tuple[str, ...] = ()
        if changes.get("status") == "enabled":
            remove = ("disabledReason", "disabledAt", "failingSince")
        elif changes.get("status") == "disabled":
            changes["disabledReason"] = "disabled through the API"
            changes["disabledAt"] = iso(self._clock())
        changes["updatedAt"] = iso(self._clock())
        return to_webhook(self._endpoints.update(caller.tenant, endpoint_id, changes, remove))

    def delete(self, caller: Principal, endpoint_id: str) -> None:
        self._endpoints.delete(caller.tenant, endpoint_id)

    def rotate(self, caller: Principal, endpoint_id: str) -> Webhook:
        """A new secret signs from now on; the current one also signs for
        ``names.WEBHOOK_SECRET_OVERLAP_S`` (an older rotated-out one stops now)."""
        endpoint = self._endpoints.get(caller.tenant, endpoint_id)
        now = self._clock()
        secret = new_secret()
        current = [e for e in endpoint.get("secrets", []) if "expiresAt" not in e][:1]
        kept = [{**e, "expiresAt": iso(now + names.WEBHOOK_SECRET_OVERLAP_S)} for e in current]
        sealed = {
            "sealed": self._box.seal(secret, caller.tenant, endpoint_id),
            "createdAt": iso(now),
        }
        item = self._endpoints.update(
            caller.tenant,
            endpoint_id,
            {"secrets": [sealed, *kept], "secretRotatedAt": iso(now), "updatedAt": iso(now)},
        )
        return to_webhook(item, secret)

    def _enabled(self, caller: Principal, endpoint_id: str) -> dict[str, Any]:
        endpoint = self._endpoints.get(caller.tenant, endpoint_id)
        if endpoint["status"] != "enabled":
            raise errors.Conflict(
                f"webhook {endpoint_id!r} is disabled ({endpoint.get('disabledReason')}); "
                'enable it first with PATCH {"status": "enabled"}',
                code="WEBHOOK_DISABLED",
            )
        return endpoint

    def test(self, caller: Principal, endpoint_id: str) -> DeliveryQueued:
        endpoint = self._enabled(caller, endpoint_id)
        now = self._clock()
        message = probe_message(endpoint, "msg_" + secrets.token_hex(13), iso(now))
        self._messages.put({**message.item(), "expiresAt": expires_at(now)})
        order = open_delivery(self._deliveries, message, endpoint, now)
        self._queue.schedule([order])
        return DeliveryQueued(deliveryId=order.deliveryId, messageId=message.message_id)

    def deliveries(
        self, caller: Principal, endpoint_id: str, limit: int, cursor: str | None
    ) -> DeliveryList:
        self._endpoints.get(caller.tenant, endpoint_id)
        items, next_cursor = self._deliveries.page(endpoint_id, limit, cursor)
        return DeliveryList(deliveries=[to_delivery(i) for i in items], nextCursor=next_cursor)

    def retry(self, caller: Principal, endpoint_id: str, delivery_id: str) -> DeliveryQueued:
        """One more attempt now, whatever the delivery's state (the schedule is unchanged)."""
        self._enabled(caller, endpoint_id)
        delivery = self._deliveries.find(endpoint_id, delivery_id)
        if delivery is None:
            raise errors.NotFound(
                f"delivery {delivery_id!r} of webhook {endpoint_id!r} does not exist",
                code="DELIVERY_NOT_FOUND",
            )
        now = self._clock()
        attempt = len(delivery.get("attempts", [])) + 1
        order = AttemptOrder(caller.tenant, endpoint_id, delivery_id, attempt, now, manual=True)
        self._queue.schedule([order])
        if delivery["status"] != "pending":
            self._deliveries.schedule(endpoint_id, delivery_id, iso(now))
        return DeliveryQueued(deliveryId=delivery_id, messageId=delivery["messageId"])

    def replay(self, caller: Principal, endpoint_id: str, since: str) -> ReplayQueued:
        """Every event of the tenant since ``since`` that the endpoint subscribes to, sent
        again as new deliveries with the original ``webhook-id`` (receivers that already
        have one drop it)."""
        endpoint = self._enabled(caller, endpoint_id)
        items, complete = self._messages.since(caller.tenant, since, names.WEBHOOK_REPLAY_MAX)
        wanted = endpoint.get("events")
        now = self._clock()
        orders = [
            open_delivery(self._deliveries, Message.from_item(item), endpoint, now)
            for item in items
            if wanted is None or item["eventType"] in wanted
        ]
        self._queue.schedule(orders)
        next_since = None if complete or not items else str(items[-1]["createdAt"])
        return ReplayQueued(replayed=len(orders), complete=complete, nextSince=next_since)
