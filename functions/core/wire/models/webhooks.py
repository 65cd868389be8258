"""Wire models of the webhook endpoints API (``/v1/webhooks``), see docs/webhooks.md."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from functions.core.wire.models.common import DateTimeText, Request, Response

WebhookEventType = Literal[
    "session.started",
    "session.stopped",
    "session.deleted",
    "insight.ready",
    "insight.updated",
    "insight.failed",
]
"""``names.WEBHOOK_EVENT_TYPES`` (tests pin that the two agree)."""
EndpointStatus = Literal["enabled", "disabled"]
DeliveryStatus = Literal["pending", "succeeded", "failed"]
URL_PATTERN = r"^https://[A-Za-z][A-Za-z0-9-]*(\.[A-Za-z0-9-]+)+(:[0-9]{1,4})?([/?#]\S*)?$"
"""What ``domain.webhook_urls.check_url`` surely accepts, for the document: https, a host name
with a dot (so neither an IP literal nor ``localhost``), an optional port. The API checks the
URL itself (with messages that say what is wrong) and also takes a public IP literal, and
``http://127.0.0.1`` for sandbox keys where the deployment allows loopback (the local stack)."""
URL_DESCRIPTION = (
    "https://… with a public host (see docs/webhooks.md); a public IP literal is also taken, "
    "and http://127.0.0.1 for sandbox keys where the deployment allows it"
)
Url = Field(
    min_length=8,
    max_length=2048,
    description=URL_DESCRIPTION,
    json_schema_extra={"pattern": URL_PATTERN},
)
Description = Field(default=None, max_length=500)


class CreateWebhookRequest(Request):
    """POST /v1/webhooks: ``events`` absent means every type, including future ones."""

    url: str = Url
    events: list[WebhookEventType] | None = Field(default=None, min_length=1)
    description: str | None = Description


class UpdateWebhookRequest(Request):
    """PATCH /v1/webhooks/{id}: only the fields sent change; ``status: enabled`` re-enables
    a disabled endpoint (and forgets its failures)."""

    url: str | None = Field(
        default=None,
        min_length=8,
        max_length=2048,
        description=URL_DESCRIPTION,
        json_schema_extra={"pattern": URL_PATTERN},
    )
    events: list[WebhookEventType] | None = Field(default=None, min_length=1)
    description: str | None = Description
    status: EndpointStatus | None = None


class Webhook(Response):
    """An endpoint. ``secret`` (``whsec_…``) is only in the answers to create and rotate."""

    id: str
    url: str
    events: list[WebhookEventType] | None = None
    description: str | None = None
    status: EndpointStatus
    disabledReason: str | None = None
    disabledAt: str | None = None
    failingSince: str | None = None
    createdAt: str
    updatedAt: str
    secretRotatedAt: str | None = None
    secret: str | None = None


class WebhookList(Response):
    webhooks: list[Webhook]


class Attempt(Response):
    """One HTTP attempt: ``statusCode`` is absent when no answer came (refused, timeout)."""

    attempt: int
    at: str
    statusCode: int | None = None
    latencyMs: int
    error: str | None = None
    responseBody: str | None = None
    manual: bool = False


class Delivery(Response):
    """One event to one endpoint: every attempt, and when the next one is due."""

    id: str
    messageId: str
    eventType: str
    status: DeliveryStatus
    createdAt: str
    nextAttemptAt: str | None = None
    attempts: list[Attempt] = Field(default_factory=list)


class DeliveryList(Response):
    deliveries: list[Delivery]
    nextCursor: str | None = None


class DeliveryQueued(Response):
    """202 of test and retry: the attempt is queued; the delivery log shows how it went."""

    deliveryId: str
    messageId: str


class ReplayRequest(Request):
    since: DateTimeText = Field(
        description="ISO-8601 with a time zone: every event since then is sent again",
    )


class ReplayQueued(Response):
    """202 of replay: ``replayed`` events queued; when ``complete`` is false, call again with
    ``since: nextSince`` for the rest."""

    replayed: int
    complete: bool
    nextSince: str | None = None
