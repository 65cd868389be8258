"""The endpoints use cases on fakes: the secret answered once and stored sealed, URL rules per
environment, tenant scope, test, retry and replay."""

from __future__ import annotations

import base64
import json
import uuid

import pytest

from functions.core.config import names
from functions.core.domain import errors
from functions.core.domain.principal import Principal
from functions.core.domain.timestamps import iso
from functions.core.wire.models.webhooks import (
    CreateWebhookRequest,
    UpdateWebhookRequest,
    WebhookEventType,
)
from functions.core.wire.webhook_payloads import message_from_event
from tests.unit.core.usecases.webhooks.conftest import World

URL = "http://127.0.0.1:9/hook"


def create(world: World, caller: Principal, **body: object):
    return world.api.create(caller, CreateWebhookRequest.model_validate({"url": URL, **body}))


def test_the_model_lists_exactly_the_event_types() -> None:
    assert set(WebhookEventType.__args__) == set(names.WEBHOOK_EVENT_TYPES)  # type: ignore[attr-defined]


def test_create_answers_the_secret_once_and_stores_it_sealed(world, caller) -> None:
    created = create(world, caller, events=["insight.ready"], description="orders")
    assert created.secret and created.secret.startswith("whsec_")
    assert len(base64.b64decode(created.secret.removeprefix("whsec_"))) == 32
    assert created.status == "enabled" and created.events == ["insight.ready"]
    assert world.api.get(caller, created.id).secret is None
    assert all(w.secret is None for w in world.api.list(caller))
    stored = world.endpoints.get(caller.tenant, created.id)
    assert created.secret not in json.dumps(stored)
    (sealed,) = stored["secrets"]
    assert world.box.open(sealed["sealed"], caller.tenant, created.id) == created.secret


@pytest.mark.parametrize(
    "url", ["https://10.0.0.1/hook", "http://127.0.0.1:9/hook", "https://localhost/"]
)
def test_a_live_key_may_not_target_private_addresses(world, url) -> None:
    live = Principal(f"org_{uuid.uuid4().hex[:6]}", "p", "live", "secret", "k")
    with pytest.raises(errors.Unprocessable) as refused:
        world.api.create(live, CreateWebhookRequest(url=url))
    assert refused.value.code == "WEBHOOK_URL_NOT_ALLOWED"
    assert refused.value.details[0]["field"] == "url"
    assert world.api.list(live) == []


def test_another_tenant_sees_nothing(world, caller) -> None:
    created = create(world, caller)
    other = Principal(caller.organization_id, caller.project_id, "live", "secret", "k")
    for call in (
        lambda: world.api.get(other, created.id),
        lambda: world.api.rotate(other, created.id),
        lambda: world.api.delete(other, created.id),
        lambda: world.api.test(other, created.id),
        lambda: world.api.deliveries(other, created.id, 10, None),
    ):
        with pytest.raises(errors.NotFound):
            call()
    assert world.api.list(other) == []


def test_update_changes_what_is_sent_and_re_enabling_forgets_failures(world, caller) -> None:
    created = create(world, caller)
    changed = world.api.update(
        caller, created.id, UpdateWebhookRequest(events=["session.started"], status="disabled")
    )
    assert changed.events == ["session.started"] and changed.status == "disabled"
    assert changed.disabledReason == "disabled through the API"
    with pytest.raises(errors.Conflict):
        world.api.test(caller, created.id)
    world.endpoints.mark_failing(caller.tenant, created.id, iso(world.clock.now))
    enabled = world.api.update(caller, created.id, UpdateWebhookRequest(status="enabled"))
    assert enabled.status == "enabled"
    assert enabled.disabledReason is None and enabled.failingSince is None
    with pytest.raises(errors.Unprocessable):
        world.api.update(caller, created.id, UpdateWebhookRequest(url="ftp://x.example/"))


def test_test_queues_a_webhook_test_delivery(world, caller) -> None:
    created = create(world, caller, events=["insight.failed"])
    queued = world.api.test(caller, created.id)
    (order,) = world.take()
    assert order.deliveryId == queued.deliveryId and order.attempt == 1
    assert world.run(order) == "succeeded"
    (_, headers, body) = world.sender.sent[-1]
    assert headers["webhook-id"] == queued.messageId
    assert json.loads(body)["type"] == names.WEBHOOK_TEST_EVENT
    page = world.api.deliveries(caller, created.id, 10, None)
    assert [d.id for d in page.deliveries] == [queued.deliveryId]
    assert page.deliveries[0].attempts[0].statusCode == 200


def test_the_delivery_log_pages_newest_first(world, caller) -> None:
    created = create(world, caller)
    ids = []
    for _ in range(3):
        world.clock.now += 1
        ids.append(world.api.test(caller, created.id).deliveryId)
    first = world.api.deliveries(caller, created.id, 2, None)
    assert [d.id for d in first.deliveries] == ids[::-1][:2] and first.nextCursor
    rest = world.api.deliveries(caller, created.id, 2, first.nextCursor)
    assert [d.id for d in rest.deliveries] == ids[:1]
    with pytest.raises(errors.BadRequest):
        world.api.deliveries(caller, created.id, 2, "not-a-cursor")


def test_retry_of_an_unknown_delivery_is_a_404(world, caller) -> None:
    created = create(world, caller)
    with pytest.raises(errors.NotFound) as missing:
        world.api.retry(caller, created.id, "dlv_00000000000000000000000")
    assert missing.value.code == "DELIVERY_NOT_FOUND"


def test_replay_resends_every_subscribed_event_since_a_time_with_its_id(world, caller) -> None:
    created = create(world, caller, events=["insight.ready", "session.started"])
    sent = []
    for offset, kind in enumerate(("session.started", "insight.failed", "insight.ready")):
        event = {
            "id": str(uuid.uuid4()),
            "detail-type": kind,
            "time": iso(world.clock.now + offset),
            "detail": {
                "sessionId": "ses_r",
                "organizationId": caller.organization_id,
                "projectId": caller.project_id,
                "environment": caller.environment,
            },
        }
        world.dispatcher.fan_out(event)
        message = message_from_event(event, iso(world.clock.now + offset))
        assert message is not None
        sent.append((kind, message.message_id))
    world.take()
    replayed = world.api.replay(caller, created.id, iso(world.clock.now + 1))
    assert replayed.replayed == 1 and replayed.complete
    (order,) = world.take()
    world.run(order)
    (_, headers, _) = world.sender.sent[-1]
    assert headers["webhook-id"] == sent[2][1]

    everything = world.api.replay(caller, created.id, iso(world.clock.now - 60))
    assert everything.replayed == 2
    assert len(world.take()) == 2
