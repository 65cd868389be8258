"""The dispatcher's use case: fan a bus event out to endpoints, then make each attempt.

Fan-out stores the message (for replay), opens one delivery per enabled endpoint that wants
the event type, and queues attempt 1 of each for now. Ids are derived from the bus event, so
a repeated fan-out (SQS is at least once) opens nothing new.

An attempt signs the stored body with the endpoint's current secrets and sends it
(``ports.webhooks.Transport``). Then:
- 2xx: the delivery succeeded; the endpoint's failing streak ends;
- 410: the delivery failed and the endpoint is disabled (the receiver said it is gone);
- anything else (no answer, refused, 3xx, 4xx, 5xx): attempt n+1 is queued after
  ``names.WEBHOOK_RETRY_SCHEDULE_S[n]`` seconds (times ``retry_scale``, with jitter), and not
  before a 429's ``Retry-After``; after the last attempt the delivery failed. An endpoint
  whose failing streak reaches ``names.WEBHOOK_DISABLE_AFTER_S`` is disabled, saying so.
The next attempt is queued before this one is logged: a crash between the two repeats the
HTTP call (same ``webhook-id``, receivers de-duplicate) rather than losing the retry. An
order for an attempt already in the log is a duplicate and is dropped.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any, Literal

from functions.core.config import names
from functions.core.domain.timestamps import epoch_of, iso
from functions.core.domain.webhooks import AttemptResult, delivery_id
from functions.core.ports.webhooks import (
    AttemptQueue,
    Deliveries,
    Secrets,
    Transport,
    WebhookTables,
)
from functions.core.wire.attempt_orders import AttemptOrder
from functions.core.wire.webhook_payloads import Message, is_bus_event, message_from_event
from functions.core.wire.webhook_signatures import signature_headers

Outcome = Literal[
    "fanned-out",
    "ignored",
    "waiting",
    "duplicate",
    "skipped",
    "succeeded",
    "retrying",
    "failed",
    "disabled",
]
"""What became of a queue message (the dispatcher counts them as metrics); ``disabled``: an
attempt failed and the endpoint was disabled because of it."""
EARLY_TOLERANCE_S = 0.5
"""An order this close to its due time is attempted rather than sent on another hop."""


def expires_at(now: float) -> int:
    return int(now + names.WEBHOOK_LOG_RETENTION_S)


def open_delivery(
    deliveries: Deliveries,
    message: Message,
    endpoint: dict[str, Any],
    now: float,
    *,
    deterministic: bool = False,
) -> AttemptOrder:
    """Store a new delivery of ``message`` to ``endpoint``; the order for its first attempt.

    ``deterministic``: the id follows from message and endpoint (fan-out), so opening it
    twice opens one delivery; otherwise (test, replay) every call opens a new one.
    """
    if deterministic:
        created = epoch_of(message.created_at)
        identifier = delivery_id(created, f"{message.message_id}#{endpoint['endpointId']}")
    else:
        identifier = delivery_id(now)
    deliveries.create(
        {
            "endpointId": endpoint["endpointId"],
            "deliveryId": identifier,
            "tenant": message.tenant,
            "messageId": message.message_id,
            "eventType": message.event_type,
            "body": message.body,
            "status": "pending",
            "attempts": [],
            "createdAt": iso(now),
            "nextAttemptAt": iso(now),
            "expiresAt": expires_at(now),
        }
    )
    return AttemptOrder(message.tenant, endpoint["endpointId"], identifier, 1, now)


def signing_secrets(box: Secrets, endpoint: dict[str, Any], now: float) -> list[str]:
    """The endpoint's secrets that sign now: the newest, and a rotated-out one until its
    ``expiresAt``."""
    return [
        box.open(entry["sealed"], endpoint["tenant"], endpoint["endpointId"])
        for entry in endpoint.get("secrets", [])
        if "expiresAt" not in entry or epoch_of(entry["expiresAt"]) > now
    ]


class OverWebhookStores:
    """What both webhook use cases stand on: the three stores, the attempt queue, the secret
    box and a clock (the dispatcher adds a sender, the endpoints API a URL policy)."""

    def __init__(
        self,
        stores: WebhookTables,
        queue: AttemptQueue,
        box: Secrets,
        clock: Callable[[], float],
    ) -> None:
        self._endpoints = stores.endpoints
        self._deliveries = stores.deliveries
        self._messages = stores.messages
        self._queue = queue
        self._box = box
        self._clock = clock


class Dispatcher(OverWebhookStores):
    """``retry_scale`` multiplies every delay of the schedule (1.0 in production; tests
    compress it, see ``settings.Settings.webhook_retry_scale``)."""

    def __init__(
        self,
        stores: WebhookTables,
        queue: AttemptQueue,
        box: Secrets,
        sender: Transport,
        *,
        retry_scale: float = 1.0,
        clock: Callable[[], float] = time.time,
        rng: Callable[[], float] = random.random,
    ) -> None:
        super().__init__(stores, queue, box, clock)
        self._sender = sender
        self._scale = retry_scale
        self._rng = rng

    def handle(self, body: dict[str, Any]) -> Outcome:
        """One queue message: a bus event or an attempt order."""
        if is_bus_event(body):
            return self.fan_out(body)
        return self.attempt(AttemptOrder.from_dict(body))

    def fan_out(self, event: dict[str, Any]) -> Outcome:
        created = iso(epoch_of(str(event["time"])))
        message = message_from_event(event, created)
        if message is None:
            return "ignored"
        now = self._clock()
        self._messages.put({**message.item(), "expiresAt": expires_at(now)})
        orders = [
            open_delivery(self._deliveries, message, endpoint, now, deterministic=True)
            for endpoint in self._endpoints.subscribed(message.tenant, message.event_type)
        ]
        self._queue.schedule(orders)
        return "fanned-out"

    def retry_delay(self, attempt: int, result: AttemptResult) -> float:
        """Seconds before attempt ``attempt + 1``, jittered, and not before Retry-After."""
        base = names.WEBHOOK_RETRY_SCHEDULE_S[attempt] * self._scale
        delay = base * (1.0 + names.WEBHOOK_RETRY_JITTER * (2.0 * self._rng() - 1.0))
        if result.status_code == 429 and result.retry_after_s is not None:
            delay = max(delay, min(result.retry_after_s, max(names.WEBHOOK_RETRY_SCHEDULE_S)))
        return delay

    def attempt(self, order: AttemptOrder) -> Outcome:
        now = self._clock()
        if order.dueAt - now > EARLY_TOLERANCE_S:
            self._queue.schedule([order])
            return "waiting"
        delivery = self._deliveries.find(order.endpointId, order.deliveryId)
        if delivery is None:
            return "skipped"
        done = {(a["attempt"], bool(a.get("manual"))) for a in delivery.get("attempts", [])}
        if (order.attempt, order.manual) in done or (
            delivery["status"] == "succeeded" and not order.manual
        ):
            return "duplicate"
        endpoint = self._endpoints.find(order.tenant, order.endpointId)
        if endpoint is None or endpoint.get("status") != "enabled":
            state = "deleted" if endpoint is None else "disabled"
            note = self._entry(order, now, AttemptResult(None, 0, f"not sent: endpoint {state}"))
            self._deliveries.record(order.endpointId, order.deliveryId, note, "failed", None)
            return "skipped"

        headers = signature_headers(
            delivery["messageId"],
            int(now),
            delivery["body"],
            signing_secrets(self._box, endpoint, now),
        )
        result = self._sender.send(
            endpoint["url"], endpoint["environment"], headers, delivery["body"]
        )
        entry = self._entry(order, now, result)
        if result.succeeded:
            self._deliveries.record(order.endpointId, order.deliveryId, entry, "succeeded", None)
            if endpoint.get("failingSince"):
                self._endpoints.mark_healthy(order.tenant, order.endpointId)
            return "succeeded"
        if result.status_code == 410:
            self._deliveries.record(order.endpointId, order.deliveryId, entry, "failed", None)
            self._disable(endpoint, "the endpoint answered 410 Gone", now)
            return "disabled"
        return self._failed(order, delivery, endpoint, entry, result, now)

    def _failed(
        self,
        order: AttemptOrder,
        delivery: dict[str, Any],
        endpoint: dict[str, Any],
        entry: dict[str, Any],
        result: AttemptResult,
        now: float,
    ) -> Outcome:
        since = self._endpoints.mark_failing(order.tenant, order.endpointId, iso(now))
        if since and now - epoch_of(since) >= names.WEBHOOK_DISABLE_AFTER_S:
            self._deliveries.record(order.endpointId, order.deliveryId, entry, "failed", None)
            days = names.WEBHOOK_DISABLE_AFTER_S / 86400
            self._disable(endpoint, f"every delivery failed for {days:g} days (since {since})", now)
            return "disabled"
        if order.manual:
            status = str(delivery["status"])
            upcoming = delivery.get("nextAttemptAt") if status == "pending" else None
            self._deliveries.record(order.endpointId, order.deliveryId, entry, status, upcoming)
            return "failed"
        if order.attempt >= len(names.WEBHOOK_RETRY_SCHEDULE_S):
            self._deliveries.record(order.endpointId, order.deliveryId, entry, "failed", None)
            return "failed"
        due = now + self.retry_delay(order.attempt, result)
        self._queue.schedule(
            [AttemptOrder(order.tenant, order.endpointId, order.deliveryId, order.attempt + 1, due)]
        )
        self._deliveries.record(order.endpointId, order.deliveryId, entry, "pending", iso(due))
        return "retrying"

    def _disable(self, endpoint: dict[str, Any], reason: str, now: float) -> None:
        self._endpoints.update(
            endpoint["tenant"],
            endpoint["endpointId"],
            {"status": "disabled", "disabledReason": reason, "disabledAt": iso(now)},
        )

    @staticmethod
    def _entry(order: AttemptOrder, now: float, result: AttemptResult) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "attempt": order.attempt,
            "at": iso(now),
            "latencyMs": result.latency_ms,
            "manual": order.manual,
        }
        optional = {
            "statusCode": result.status_code,
            "error": result.error,
            "responseBody": result.response_body,
        }
        entry.update({k: v for k, v in optional.items() if v is not None})
        return entry
