"""/v1/webhooks: the webhook endpoints API (secret key; tenant- and environment-scoped).

Thin: Powertools validates the models, ``WebhookEndpoints`` does the work (docs/webhooks.md).
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from functions.api.common import make_app, make_handler, principal
from functions.core import aws, names
from functions.core.models.webhooks import (
    CreateWebhookRequest,
    DeliveryList,
    DeliveryQueued,
    ReplayQueued,
    ReplayRequest,
    UpdateWebhookRequest,
    Webhook,
    WebhookList,
)
from functions.core.settings import get_settings
from functions.core.timestamps import iso
from functions.core.webhooks.endpoints import WebhookEndpoints
from functions.core.webhooks.queue import WebhookQueue
from functions.core.webhooks.secrets import SecretBox
from functions.core.webhooks.store import WebhookStores

router = Router()
WebhookId = Annotated[str, Path(max_length=64, description="A webhook endpoint id (ep_…)")]
DeliveryId = Annotated[str, Path(max_length=64, description="A delivery id (dlv_…)")]
TAGS = ["webhooks"]


@aws.per_container
def endpoints() -> WebhookEndpoints:
    settings = get_settings()
    return WebhookEndpoints(
        WebhookStores.build(settings, aws.table),
        WebhookQueue(aws.client("sqs"), settings.webhook_queue_url),
        SecretBox(aws.client("kms"), settings.webhook_key),
        allow_loopback=settings.webhook_sandbox_loopback,
    )


@router.post(
    "/v1/webhooks",
    summary="Create a webhook endpoint (the answer holds its secret, once)",
    responses={201: {"description": "Created"}},
    tags=TAGS,
)
def create_webhook(body: CreateWebhookRequest) -> tuple[Webhook, int]:
    return endpoints().create(principal(app), body), 201


@router.get("/v1/webhooks", summary="List webhook endpoints", tags=TAGS)
def list_webhooks() -> WebhookList:
    return WebhookList(webhooks=endpoints().list(principal(app)))


@router.get("/v1/webhooks/<webhookId>", summary="Get a webhook endpoint", tags=TAGS)
def get_webhook(webhookId: WebhookId) -> Webhook:  # noqa: N803
    return endpoints().get(principal(app), webhookId)


@router.patch(
    "/v1/webhooks/<webhookId>",
    summary="Change a webhook endpoint's url, events, description or status",
    tags=TAGS,
)
def update_webhook(webhookId: WebhookId, body: UpdateWebhookRequest) -> Webhook:  # noqa: N803
    return endpoints().update(principal(app), webhookId, body)


@router.delete(
    "/v1/webhooks/<webhookId>",
    summary="Delete a webhook endpoint",
    responses={204: {"description": "Deleted"}},
    tags=TAGS,
)
def delete_webhook(webhookId: WebhookId) -> Response[None]:  # noqa: N803
    endpoints().delete(principal(app), webhookId)
    return Response(status_code=204)


@router.post(
    "/v1/webhooks/<webhookId>/rotate",
    summary="Rotate the signing secret (the old one keeps signing for 24 h)",
    tags=TAGS,
)
def rotate_secret(webhookId: WebhookId) -> Webhook:  # noqa: N803
    return endpoints().rotate(principal(app), webhookId)


@router.post(
    "/v1/webhooks/<webhookId>/test",
    summary="Send a webhook.test event to the endpoint",
    responses={202: {"description": "Queued"}},
    tags=TAGS,
)
def test_webhook(webhookId: WebhookId) -> tuple[DeliveryQueued, int]:  # noqa: N803
    return endpoints().test(principal(app), webhookId), 202


@router.post(
    "/v1/webhooks/<webhookId>/replay",
    summary="Send again every event since a time",
    responses={202: {"description": "Queued"}},
    tags=TAGS,
)
def replay(webhookId: WebhookId, body: ReplayRequest) -> tuple[ReplayQueued, int]:  # noqa: N803
    since = iso(body.since.timestamp())
    return endpoints().replay(principal(app), webhookId, since), 202


@router.get(
    "/v1/webhooks/<webhookId>/deliveries",
    summary="The delivery log: every attempt, newest delivery first",
    tags=TAGS,
)
def list_deliveries(
    webhookId: WebhookId,  # noqa: N803
    limit: Annotated[int, Query(ge=1, le=names.LIST_MAX_LIMIT)] = names.LIST_DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> DeliveryList:
    return endpoints().deliveries(principal(app), webhookId, limit, cursor)


@router.post(
    "/v1/webhooks/<webhookId>/deliveries/<deliveryId>/retry",
    summary="Attempt a delivery once more, now",
    responses={202: {"description": "Queued"}},
    tags=TAGS,
)
def retry_delivery(webhookId: WebhookId, deliveryId: DeliveryId) -> tuple[DeliveryQueued, int]:  # noqa: N803
    return endpoints().retry(principal(app), webhookId, deliveryId), 202


app = make_app(router)
handler = make_handler(app)
