"""The webhook use cases' tests: on the fakes of ``ports.webhooks`` (no moto), a scripted
transport and a settable clock. The stores, the queue and the secret box themselves are tested
on moto under ``tests/unit/core/adapters/webhooks``."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field

import pytest

from functions.core.domain.principal import Principal
from functions.core.usecases.webhooks.dispatch import Dispatcher, Outcome
from functions.core.usecases.webhooks.endpoints import WebhookEndpoints
from functions.core.wire.attempt_orders import AttemptOrder
from tests.unit.core.usecases.fakes import (
    FakeAttemptQueue,
    FakeDeliveries,
    FakeEndpoints,
    FakeMessages,
    FakeSecrets,
    FakeWebhookTables,
    ScriptedTransport,
)


@dataclass
class Clock:
    """Starts at the real time: a Standard Webhooks verifier checks the signed timestamp
    against its own clock (5 minutes' tolerance)."""

    now: float = field(default_factory=time.time)

    def __call__(self) -> float:
        return self.now


@dataclass
class World:
    clock: Clock
    sender: ScriptedTransport
    endpoints: FakeEndpoints
    deliveries: FakeDeliveries
    messages: FakeMessages
    queue: FakeAttemptQueue
    box: FakeSecrets
    api: WebhookEndpoints
    dispatcher: Dispatcher

    def take(self) -> list[AttemptOrder]:
        """The attempt orders queued since the last call."""
        orders, self.queue.orders = self.queue.orders, []
        return orders

    def run(self, order: AttemptOrder) -> Outcome:
        """Make the attempt when it is due (the clock moves there), as the queue would."""
        self.clock.now = max(self.clock.now, order.dueAt)
        return self.dispatcher.attempt(order)


def make_world(*, retry_scale: float = 1.0) -> World:
    stores = FakeWebhookTables()
    clock = Clock()
    sender = ScriptedTransport()
    queue = FakeAttemptQueue()
    box = FakeSecrets()
    api = WebhookEndpoints(stores, queue, box, allow_loopback=True, clock=clock)
    dispatcher = Dispatcher(
        stores, queue, box, sender, retry_scale=retry_scale, clock=clock, rng=lambda: 0.5
    )
    return World(
        clock,
        sender,
        stores.endpoints,
        stores.deliveries,
        stores.messages,
        queue,
        box,
        api,
        dispatcher,
    )


@pytest.fixture
def caller() -> Principal:
    """A sandbox secret key of an organisation of its own."""
    return Principal(f"org_{secrets.token_hex(4)}", "prj_w", "sandbox", "secret", "key_w")


@pytest.fixture
def world() -> World:
    return make_world()
