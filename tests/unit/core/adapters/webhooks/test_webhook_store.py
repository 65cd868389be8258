"""The webhook tables and the secret box on moto: what the use cases' fakes
(``tests/unit/core/usecases/fakes.py``) stand in for, checked against DynamoDB and KMS."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from functions.core.adapters.webhooks.secrets import SecretBox
from functions.core.adapters.webhooks.store import WebhookStores
from functions.core.config import names
from functions.core.domain import errors
from functions.core.domain.webhooks import delivery_id, new_endpoint_id, new_secret
from tests.unit.conftest import MockAws, mocked_account

T0 = 1_790_000_000.0


@pytest.fixture(scope="module")
def account() -> Iterator[MockAws]:
    with mocked_account() as mock:
        yield mock


@pytest.fixture
def stores(account: MockAws) -> WebhookStores:
    return WebhookStores.build(account.settings, account.session.resource("dynamodb").Table)


def endpoint(tenant: str, **fields: Any) -> dict[str, Any]:
    return {
        "tenant": tenant,
        "endpointId": new_endpoint_id(),
        "url": "https://hooks.example/",
        "status": "enabled",
        "events": None,
        **fields,
    }


def test_endpoints_update_remove_and_subscribe(stores: WebhookStores) -> None:
    tenant = f"org_{new_endpoint_id()}#p#sandbox"
    every, ready, off = (
        endpoint(tenant),
        endpoint(tenant, events=["insight.ready"]),
        endpoint(tenant, status="disabled"),
    )
    for item in (every, ready, off):
        stores.endpoints.create(item)
    assert "events" not in stores.endpoints.get(tenant, every["endpointId"])
    subscribed = {e["endpointId"] for e in stores.endpoints.subscribed(tenant, "insight.ready")}
    assert subscribed == {every["endpointId"], ready["endpointId"]}
    assert [e["endpointId"] for e in stores.endpoints.subscribed(tenant, "session.started")] == [
        every["endpointId"]
    ]

    changed = stores.endpoints.update(
        tenant, off["endpointId"], {"status": "enabled", "description": "x"}, ("url",)
    )
    assert changed["status"] == "enabled" and changed["description"] == "x"
    assert "url" not in changed
    with pytest.raises(errors.NotFound):
        stores.endpoints.update("another#p#sandbox", off["endpointId"], {"status": "enabled"})


def test_a_failing_streak_starts_once_and_ends_on_success(stores: WebhookStores) -> None:
    item = endpoint(f"org_{new_endpoint_id()}#p#live")
    tenant, endpoint_id = item["tenant"], item["endpointId"]
    stores.endpoints.create(item)
    assert stores.endpoints.mark_failing(tenant, endpoint_id, "2026-12-01T10:00:00.000Z") == (
        "2026-12-01T10:00:00.000Z"
    )
    assert stores.endpoints.mark_failing(tenant, endpoint_id, "2026-12-02T10:00:00.000Z") == (
        "2026-12-01T10:00:00.000Z"
    )
    stores.endpoints.mark_healthy(tenant, endpoint_id)
    stores.endpoints.mark_healthy(tenant, endpoint_id)  # no streak: a no-op
    assert "failingSince" not in stores.endpoints.get(tenant, endpoint_id)
    stores.endpoints.delete(tenant, endpoint_id)
    assert stores.endpoints.mark_failing(tenant, endpoint_id, "2026-12-03T10:00:00.000Z") is None
    with pytest.raises(errors.NotFound):
        stores.endpoints.delete(tenant, endpoint_id)


def test_deliveries_are_created_once_logged_and_paged_newest_first(stores: WebhookStores) -> None:
    endpoint_id = new_endpoint_id()
    ids = [delivery_id(T0 + i) for i in range(3)]
    for identifier in ids:
        assert stores.deliveries.create(
            {"endpointId": endpoint_id, "deliveryId": identifier, "status": "pending"}
        )
    assert not stores.deliveries.create(
        {"endpointId": endpoint_id, "deliveryId": ids[0], "status": "pending"}
    )
    stores.deliveries.record(endpoint_id, ids[0], {"attempt": 1}, "pending", "2026-12-01T10Z")
    stores.deliveries.record(endpoint_id, ids[0], {"attempt": 2}, "failed", None)
    logged = stores.deliveries.find(endpoint_id, ids[0])
    assert logged is not None and [a["attempt"] for a in logged["attempts"]] == [1, 2]
    assert logged["status"] == "failed" and "nextAttemptAt" not in logged

    first, cursor = stores.deliveries.page(endpoint_id, 2, None)
    assert [d["deliveryId"] for d in first] == ids[::-1][:2] and cursor == ids[1]
    rest, end = stores.deliveries.page(endpoint_id, 2, cursor)
    assert [d["deliveryId"] for d in rest] == ids[:1] and end is None
    with pytest.raises(errors.BadRequest):
        stores.deliveries.page(endpoint_id, 2, "not-a-cursor")


def test_messages_since_skip_test_events_and_say_whether_that_was_all(
    stores: WebhookStores,
) -> None:
    tenant = f"org_{new_endpoint_id()}#p#sandbox"
    for minute, kind in enumerate(("insight.ready", names.WEBHOOK_TEST_EVENT, "session.started")):
        stores.messages.put(
            {
                "tenant": tenant,
                "messageId": f"msg_{minute}",
                "createdAt": f"2026-12-01T10:0{minute}:00.000Z",
                "eventType": kind,
            }
        )
    items, complete = stores.messages.since(tenant, "2026-12-01T10:00:00.000Z", 5)
    assert [i["messageId"] for i in items] == ["msg_0", "msg_2"] and complete
    items, complete = stores.messages.since(tenant, "2026-12-01T10:00:00.000Z", 1)
    assert [i["messageId"] for i in items] == ["msg_0"] and not complete
    later, _ = stores.messages.since(tenant, "2026-12-01T10:01:00.000Z", 5)
    assert [i["messageId"] for i in later] == ["msg_2"]


def test_a_sealed_secret_opens_only_for_its_endpoint(account: MockAws) -> None:
    box = SecretBox(account.session.client("kms"), account.settings.webhook_key)
    secret = new_secret()
    sealed = box.seal(secret, "o#p#sandbox", "ep_1")
    assert secret not in sealed
    assert box.open(sealed, "o#p#sandbox", "ep_1") == secret
    with pytest.raises(ClientError, match="InvalidCiphertext"):
        SecretBox(account.session.client("kms"), account.settings.webhook_key).open(
            sealed, "o#p#sandbox", "ep_someone_else"
        )
