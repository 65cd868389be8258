"""Webhook unit tests: moto's in-process AWS (one mocked account per module: the ids are
random, so tests cannot see each other's data), a scripted sender and a settable clock."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from functions.core.adapters.webhooks.queue import AttemptOrder
from functions.core.adapters.webhooks.secrets import SecretBox
from functions.core.adapters.webhooks.sender import AttemptResult
from functions.core.adapters.webhooks.store import (
    DeliveryStore,
    EndpointStore,
    MessageStore,
    WebhookStores,
)
from functions.core.domain.principal import Principal
from functions.core.usecases.webhooks.dispatch import Dispatcher, Outcome
from functions.core.usecases.webhooks.endpoints import WebhookEndpoints
from tests.unit.conftest import MockAws, mocked_account


@dataclass
class Clock:
    """Starts at the real time: a Standard Webhooks verifier checks the signed timestamp
    against its own clock (5 minutes' tolerance)."""

    now: float = field(default_factory=time.time)

    def __call__(self) -> float:
        return self.now


@dataclass
class ScriptedSender:
    """Answers each send with the next scripted result (then 200s); records what it got."""

    script: list[AttemptResult] = field(default_factory=list)
    sent: list[tuple[str, dict[str, str], str]] = field(default_factory=list)

    def send(self, url: str, environment: str, headers: dict[str, str], body: str) -> AttemptResult:
        self.sent.append((url, headers, body))
        if self.script:
            return self.script.pop(0)
        return AttemptResult(200, 3, None, "ok")


@dataclass
class RecordingQueue:
    """Stands in for ``WebhookQueue`` (moto would hold delayed messages back in real time)."""

    orders: list[AttemptOrder] = field(default_factory=list)

    def schedule(self, orders: list[AttemptOrder]) -> None:
        self.orders.extend(orders)


@dataclass
class World:
    mock: MockAws
    clock: Clock
    sender: ScriptedSender
    endpoints: EndpointStore
    deliveries: DeliveryStore
    messages: MessageStore
    queue: RecordingQueue
    box: SecretBox
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


def make_world(mock: MockAws, *, retry_scale: float = 1.0) -> World:
    settings = mock.settings
    stores = WebhookStores.build(settings, mock.session.resource("dynamodb").Table)
    clock = Clock()
    sender = ScriptedSender()
    queue = RecordingQueue()
    box = SecretBox(mock.session.client("kms"), settings.webhook_key)
    api = WebhookEndpoints(
        stores,
        queue,  # type: ignore[arg-type]
        box,
        allow_loopback=True,
        clock=clock,
    )
    dispatcher = Dispatcher(
        stores,
        queue,  # type: ignore[arg-type]
        box,
        sender,  # type: ignore[arg-type]
        retry_scale=retry_scale,
        clock=clock,
        rng=lambda: 0.5,
    )
    return World(
        mock,
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
    """A sandbox secret key of an organisation of its own (endpoints stay per test)."""
    return Principal(f"org_{secrets.token_hex(4)}", "prj_w", "sandbox", "secret", "key_w")


@pytest.fixture(scope="module")
def account() -> Iterator[MockAws]:
    with mocked_account() as mock:
        yield mock


@pytest.fixture
def world(account: MockAws) -> World:
    return make_world(account)
