"""The dispatcher on fakes with a scripted transport: fan-out, the retry schedule,
410, 429, five days of failure, duplicates, and signatures a Standard Webhooks verifier
accepts (across a rotation too)."""

from __future__ import annotations

import itertools
import json
import uuid
from typing import Any

import pytest
from standardwebhooks import Webhook as Verifier
from standardwebhooks import WebhookVerificationError

from functions.core.config import names
from functions.core.domain.principal import Principal
from functions.core.domain.timestamps import iso
from functions.core.domain.webhooks import AttemptResult
from functions.core.wire.attempt_orders import AttemptOrder
from functions.core.wire.models.webhooks import CreateWebhookRequest
from tests.unit.core.usecases.webhooks.conftest import World

URL = "http://127.0.0.1:9/hook"


def bus_event(caller: Principal, kind: str, when: float, **detail: Any) -> dict[str, Any]:
    """An EventBridge event as the rule delivers it to the queue."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": kind,
        "source": names.SESSION_EVENT_SOURCE if kind.startswith("session.") else names.EVENT_SOURCE,
        "time": iso(when).replace(".000Z", "Z"),
        "detail": {
            "sessionId": "ses_1",
            "organizationId": caller.organization_id,
            "projectId": caller.project_id,
            "environment": caller.environment,
            "deliveryId": "d-1",
            "status": "ready",
            **detail,
        },
    }


def endpoint(world: World, caller: Principal, events: list[str] | None = None) -> tuple[str, str]:
    created = world.api.create(
        caller, CreateWebhookRequest.model_validate({"url": URL, "events": events})
    )
    assert created.secret
    return created.id, created.secret


def deliver(world: World, caller: Principal, kind: str = "insight.ready") -> AttemptOrder:
    assert world.dispatcher.fan_out(bus_event(caller, kind, world.clock.now)) == "fanned-out"
    (order,) = world.take()
    return order


def log(world: World, order: AttemptOrder) -> dict[str, Any]:
    delivery = world.deliveries.find(order.endpointId, order.deliveryId)
    assert delivery is not None
    return delivery


def test_fan_out_reaches_subscribed_enabled_endpoints_only(world, caller) -> None:
    wanted, _ = endpoint(world, caller, ["insight.ready"])
    every, _ = endpoint(world, caller)
    endpoint(world, caller, ["session.started"])
    disabled, _ = endpoint(world, caller)
    world.endpoints.update(caller.tenant, disabled, {"status": "disabled"})
    world.dispatcher.fan_out(bus_event(caller, "insight.ready", world.clock.now))
    assert {o.endpointId for o in world.take()} == {wanted, every}


def test_a_repeated_bus_event_is_one_message_and_one_delivery(world, caller) -> None:
    endpoint(world, caller)
    event = bus_event(caller, "session.started", world.clock.now)
    world.dispatcher.fan_out(event)
    world.dispatcher.fan_out(event)
    first, second = world.take()
    assert first.deliveryId == second.deliveryId
    assert world.run(first) == "succeeded"
    assert world.run(second) == "duplicate"
    assert len(world.sender.sent) == 1


def test_events_of_other_tenants_and_types_are_not_sent(world, caller) -> None:
    endpoint(world, caller)
    other = Principal("org_else", "prj", "sandbox", "secret", "k")
    assert world.dispatcher.fan_out(bus_event(other, "insight.ready", world.clock.now))
    assert world.take() == []
    assert world.dispatcher.fan_out(bus_event(caller, "insight.unknown", 0.0)) == "ignored"


def test_signatures_verify_with_standardwebhooks_and_payload_is_thin(world, caller) -> None:
    _, secret = endpoint(world, caller)
    order = deliver(world, caller)
    world.run(order)
    (_, headers, body) = world.sender.sent[0]
    verified = Verifier(secret).verify(body, headers)
    assert verified["type"] == "insight.ready"
    assert set(verified["data"]) <= {
        "sessionId",
        "organizationId",
        "projectId",
        "environment",
        "deliveryId",
        "status",
    }
    assert headers["webhook-id"].startswith("msg_")


def test_after_a_rotation_both_secrets_sign_for_a_day_then_only_the_new(world, caller) -> None:
    endpoint_id, old = endpoint(world, caller)
    rotated = world.api.rotate(caller, endpoint_id)
    assert rotated.secret and rotated.secret != old
    world.run(deliver(world, caller))
    (_, headers, body) = world.sender.sent[-1]
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (old, rotated.secret):
        Verifier(secret).verify(body, headers)

    stored = world.endpoints.get(caller.tenant, endpoint_id)
    assert all(plain not in json.dumps(stored) for plain in (old, rotated.secret))
    later = world.clock.now + names.WEBHOOK_SECRET_OVERLAP_S + 1
    world.clock.now = later
    world.run(deliver(world, caller))
    (_, headers, _) = world.sender.sent[-1]
    assert len(headers["webhook-signature"].split(" ")) == 1


def test_a_second_rotation_retires_the_oldest_secret_at_once(world, caller) -> None:
    endpoint_id, _ = endpoint(world, caller)
    world.api.rotate(caller, endpoint_id)
    world.api.rotate(caller, endpoint_id)
    secrets = world.endpoints.get(caller.tenant, endpoint_id)["secrets"]
    assert len(secrets) == 2
    assert "expiresAt" not in secrets[0] and "expiresAt" in secrets[1]


def test_failures_follow_the_schedule_with_the_same_message_id(world, caller) -> None:
    endpoint(world, caller)
    world.sender.script = [AttemptResult(500, 5, "HTTP 500", "boom")] * 3
    order = deliver(world, caller)
    times: list[float] = []
    for _ in range(4):
        times.append(world.clock.now if not times else order.dueAt)
        outcome = world.run(order)
        if outcome == "succeeded":
            break
        assert outcome == "retrying"
        (order,) = world.take()
    attempts = log(world, order)["attempts"]
    assert [a.get("statusCode") for a in attempts] == [500, 500, 500, 200]
    assert [a["attempt"] for a in attempts] == [1, 2, 3, 4]
    assert len({headers["webhook-id"] for _, headers, _ in world.sender.sent}) == 1
    gaps = [round(b - a, 6) for a, b in itertools.pairwise(times)]
    assert gaps == [5.0, 300.0, 1800.0]  # rng 0.5: no jitter
    assert log(world, order)["status"] == "succeeded"


def test_jitter_stays_within_a_tenth(world) -> None:
    result = AttemptResult(500, 1)
    for draw, expected in ((0.0, 270.0), (1.0, 330.0)):
        world.dispatcher._rng = lambda draw=draw: draw
        assert world.dispatcher.retry_delay(2, result) == pytest.approx(expected)


def test_a_compressed_schedule_scales_every_delay(world) -> None:
    world.dispatcher._scale = 0.001
    assert world.dispatcher.retry_delay(3, AttemptResult(500, 1)) == pytest.approx(1.8)


def test_retry_after_of_a_429_is_honoured(world, caller) -> None:
    endpoint(world, caller)
    world.sender.script = [AttemptResult(429, 2, "HTTP 429", "", retry_after_s=120.0)]
    order = deliver(world, caller)
    start = world.clock.now
    assert world.run(order) == "retrying"
    (retry,) = world.take()
    assert retry.dueAt - start == pytest.approx(120.0)  # not the schedule's 5 s


def test_after_the_last_attempt_the_delivery_failed(world, caller) -> None:
    endpoint(world, caller)
    world.sender.script = [AttemptResult(503, 1, "HTTP 503")]
    order = deliver(world, caller)
    last = AttemptOrder(
        order.tenant,
        order.endpointId,
        order.deliveryId,
        len(names.WEBHOOK_RETRY_SCHEDULE_S),
        order.dueAt,
    )
    assert world.run(last) == "failed"
    assert world.take() == []
    assert log(world, order)["status"] == "failed"


def test_a_410_disables_the_endpoint(world, caller) -> None:
    endpoint_id, _ = endpoint(world, caller)
    world.sender.script = [AttemptResult(410, 1, "HTTP 410")]
    order = deliver(world, caller)
    assert world.run(order) == "disabled"
    assert world.take() == []
    stored = world.endpoints.get(caller.tenant, endpoint_id)
    assert stored["status"] == "disabled" and "410" in stored["disabledReason"]
    assert log(world, order)["status"] == "failed"
    world.dispatcher.fan_out(bus_event(caller, "insight.ready", world.clock.now))
    assert world.take() == []


def test_five_days_of_failure_disable_the_endpoint_and_a_success_resets(world, caller) -> None:
    endpoint_id, _ = endpoint(world, caller)
    world.sender.script = [AttemptResult(None, 15000, "no answer within 15 s")]
    world.run(deliver(world, caller))
    assert world.endpoints.get(caller.tenant, endpoint_id)["failingSince"] == iso(world.clock.now)
    world.take()
    world.run(deliver(world, caller))  # a success ends the streak
    assert "failingSince" not in world.endpoints.get(caller.tenant, endpoint_id)

    world.sender.script = [AttemptResult(500, 1, "HTTP 500")] * 2
    world.run(deliver(world, caller))
    world.take()
    world.clock.now += names.WEBHOOK_DISABLE_AFTER_S
    assert world.run(deliver(world, caller)) == "disabled"
    stored = world.endpoints.get(caller.tenant, endpoint_id)
    assert stored["status"] == "disabled" and "5 days" in stored["disabledReason"]


def test_an_order_not_yet_due_goes_back_on_the_queue(world, caller) -> None:
    endpoint(world, caller)
    order = deliver(world, caller)
    later = AttemptOrder(
        order.tenant, order.endpointId, order.deliveryId, 2, world.clock.now + 7200
    )
    assert world.dispatcher.attempt(later) == "waiting"
    assert world.take() == [later]
    assert world.sender.sent == []


def test_a_deleted_endpoint_fails_its_pending_deliveries_without_sending(world, caller) -> None:
    endpoint_id, _ = endpoint(world, caller)
    order = deliver(world, caller)
    world.api.delete(caller, endpoint_id)
    assert world.run(order) == "skipped"
    assert world.sender.sent == []
    assert log(world, order)["attempts"][0]["error"] == "not sent: endpoint deleted"


def test_a_manual_retry_adds_one_attempt_and_keeps_the_schedule(world, caller) -> None:
    endpoint_id, _ = endpoint(world, caller)
    world.sender.script = [AttemptResult(500, 1, "HTTP 500"), AttemptResult(500, 1, "HTTP 500")]
    order = deliver(world, caller)
    world.run(order)
    (scheduled,) = world.take()
    world.api.retry(caller, endpoint_id, order.deliveryId)
    (manual,) = world.take()
    assert manual.manual and manual.attempt == 2
    assert world.run(manual) == "failed"
    delivery = log(world, order)
    assert delivery["status"] == "pending" and delivery["attempts"][-1]["manual"] is True
    assert world.take() == []  # the scheduled attempt 2 is still the next one
    assert world.run(scheduled) == "succeeded"


def test_the_response_is_logged(world, caller) -> None:
    endpoint(world, caller)
    world.sender.script = [AttemptResult(500, 42, "HTTP 500", "x" * 10)]
    order = deliver(world, caller)
    world.run(order)
    (attempt,) = log(world, order)["attempts"]
    assert attempt == {
        "attempt": 1,
        "at": iso(world.clock.now),
        "statusCode": 500,
        "latencyMs": 42,
        "error": "HTTP 500",
        "responseBody": "x" * 10,
        "manual": False,
    }
    assert log(world, order)["nextAttemptAt"] == iso(world.clock.now + 5)


def test_a_signature_with_another_secret_does_not_verify(world, caller) -> None:
    endpoint(world, caller)
    world.run(deliver(world, caller))
    (_, headers, body) = world.sender.sent[-1]
    _, other = endpoint(world, Principal("org_o", "p", "sandbox", "secret", "k"))
    with pytest.raises(WebhookVerificationError):
        Verifier(other).verify(body, headers)
