"""/v1/webhooks: the webhook endpoints API (secret key; tenant- and environment-scoped).

Thin: Powertools validates the models, ``WebhookEndpoints`` does the work (docs/webhooks.md).
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from functions.api.common import make_app, make_handler, principal, route
from functions.core.adapters import aws
from functions.core.adapters.webhooks.queue import WebhookQueue
from functions.core.adapters.webhooks.secrets import SecretBox
from functions.core.adapters.webhooks.store import WebhookStores
from functions.core.config import names
from functions.core.config.settings import get_settings
from functions.core.domain.timestamps import iso
from functions.core.usecases.webhooks.endpoints import WebhookEndpoints
from functions.core.wire.models.webhooks import (
    CreateWebhookRequest,
    DeliveryList,
    DeliveryQueued,
    ReplayQueued,
    ReplayRequest,
    UpdateWebhookRequest,
    Webhook,
    WebhookList,
)

router = Router()
WebhookId = Annotated[str, Path(max_length=64, description="A webhook endpoint id (ep_…)")]
DeliveryId = Annotated[str, Path(max_length=64, description="A delivery id (dlv_…)")]
TAGS = ["webhooks"]


@aws.per_container
def endpoints() -> WebhookEndpoints:
    settings = get_settings()
    return WebhookEndpoints(
        WebhookStores.build(settings, aws.table),
        WebhookQueue(aws.client("sqs"), settings.required("webhook_queue_url")),
        SecretBox(aws.client("kms"), settings.webhook_key),
        allow_loopback=settings.webhook_sandbox_loopback,
    )


DISABLED = {409: ["WEBHOOK_DISABLED"]}


@route(
    router,
    "POST /v1/webhooks",
    status=201,
    description="Created; the only answer (with rotate) that holds the secret",
    errors={422: ["WEBHOOK_URL_NOT_ALLOWED"]},
    summary="Create a webhook endpoint",
    tags=TAGS,
)
def create_webhook(body: CreateWebhookRequest) -> Webhook:
    return endpoints().create(principal(app), body)


@route(router, "GET /v1/webhooks", summary="List webhook endpoints", tags=TAGS)
def list_webhooks() -> WebhookList:
    return WebhookList(webhooks=endpoints().list(principal(app)))


@route(
    router,
    "GET /v1/webhooks/{webhookId}",
    summary="Get a webhook endpoint",
    tags=TAGS,
)
def get_webhook(webhookId: WebhookId) -> Webhook:  # noqa: N803
    return endpoints().get(principal(app), webhookId)


@route(
    router,
    "PATCH /v1/webhooks/{webhookId}",
    errors={422: ["WEBHOOK_URL_NOT_ALLOWED"]},
    summary="Change a webhook endpoint's url, events, description or status",
    tags=TAGS,
)
def update_webhook(webhookId: WebhookId, body: UpdateWebhookRequest) -> Webhook:  # noqa: N803
    return endpoints().update(principal(app), webhookId, body)


@route(
    router,
    "DELETE /v1/webhooks/{webhookId}",
    status=204,
    description="Deleted",
    summary="Delete a webhook endpoint",
    tags=TAGS,
)
def delete_webhook(webhookId: WebhookId) -> None:  # noqa: N803
    endpoints().delete(principal(app), webhookId)


@route(
    router,
    "POST /v1/webhooks/{webhookId}/rotate",
    summary="Rotate the signing secret (the old one keeps signing for 24 h)",
    tags=TAGS,
)
def rotate_secret(webhookId: WebhookId) -> Webhook:  # noqa: N803
    return endpoints().rotate(principal(app), webhookId)


@route(
    router,
    "POST /v1/webhooks/{webhookId}/test",
    status=202,
    description="Queued",
    errors=DISABLED,
    summary="Send a webhook.test event to the endpoint",
    tags=TAGS,
)
def test_webhook(webhookId: WebhookId) -> DeliveryQueued:  # noqa: N803
    return endpoints().test(principal(app), webhookId)


@route(
    router,
    "POST /v1/webhooks/{webhookId}/replay",
    status=202,
    description="Queued",
    errors=DISABLED,
    summary="Send again every event since a time",
    tags=TAGS,
)
def replay(webhookId: WebhookId, body: ReplayRequest) -> ReplayQueued:  # noqa: N803
    since = iso(body.since.timestamp())
    return endpoints().replay(principal(app), webhookId, since)


@route(
    router,
    "GET /v1/webhooks/{webhookId}/deliveries",
    errors={400: ["INVALID_CURSOR"]},
    summary="The delivery log: every attempt, newest delivery first",
    tags=TAGS,
)
def list_deliveries(
    webhookId: WebhookId,  # noqa: N803
    limit: Annotated[int, Query(ge=1, le=names.LIST_MAX_LIMIT)] = names.LIST_DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> DeliveryList:
    return endpoints().deliveries(principal(app), webhookId, limit, cursor)


@route(
    router,
    "POST /v1/webhooks/{webhookId}/deliveries/{deliveryId}/retry",
    status=202,
    description="Queued",
    errors=DISABLED,
    summary="Attempt a delivery once more, now",
    tags=TAGS,
)
def retry_delivery(webhookId: WebhookId, deliveryId: DeliveryId) -> DeliveryQueued:  # noqa: N803
    return endpoints().retry(principal(app), webhookId, deliveryId)


app = make_app(router)
handler = make_handler(app, requires=("webhook_queue_url",))
