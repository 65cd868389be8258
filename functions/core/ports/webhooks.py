"""What the webhook use cases (``usecases/webhooks``) need of the outside: the three webhook
tables, the attempt queue, the secret box and the HTTP sender.

Implementations: ``adapters.webhooks.store`` (``EndpointStore``, ``DeliveryStore``,
``MessageStore``, bundled as ``WebhookStores``), ``adapters.webhooks.queue.WebhookQueue`` (SQS),
``adapters.webhooks.secrets.SecretBox`` (KMS), ``adapters.webhooks.sender.Sender`` (HTTP);
fakes in ``tests/unit/core/usecases/fakes.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from functions.core.domain.webhooks import AttemptResult
    from functions.core.wire.attempt_orders import AttemptOrder

Item = dict[str, Any]


class Endpoints(Protocol):
    """The tenant's endpoints (``get``, ``update`` and ``delete`` raise ``NotFound``
    (``WEBHOOK_NOT_FOUND``) for an endpoint the tenant does not have)."""

    def create(self, item: Item) -> None: ...

    def find(self, tenant: str, endpoint_id: str) -> Item | None: ...

    def get(self, tenant: str, endpoint_id: str) -> Item: ...

    def of_tenant(self, tenant: str) -> list[Item]: ...

    def subscribed(self, tenant: str, event_type: str) -> list[Item]:
        """The tenant's enabled endpoints that want ``event_type``."""
        ...

    def update(
        self, tenant: str, endpoint_id: str, values: Item, remove: tuple[str, ...] = ()
    ) -> Item:
        """Set ``values`` and remove ``remove``; the endpoint as it is now."""
        ...

    def mark_failing(self, tenant: str, endpoint_id: str, now_iso: str) -> str | None:
        """When the endpoint's failing streak began (now, if it just did); None if it is gone."""
        ...

    def mark_healthy(self, tenant: str, endpoint_id: str) -> None: ...

    def delete(self, tenant: str, endpoint_id: str) -> None: ...


class Deliveries(Protocol):
    """One event to one endpoint: the body that is signed, its state and its attempt log."""

    def create(self, item: Item) -> bool:
        """False if the delivery already exists (a repeated fan-out)."""
        ...

    def find(self, endpoint_id: str, delivery: str) -> Item | None: ...

    def record(
        self,
        endpoint_id: str,
        delivery: str,
        attempt: Item,
        status: str,
        next_attempt_at: str | None,
    ) -> None:
        """Append ``attempt`` to the log and set the delivery's state."""
        ...

    def schedule(self, endpoint_id: str, delivery: str, next_attempt_at: str) -> None: ...

    def page(
        self, endpoint_id: str, limit: int, cursor: str | None
    ) -> tuple[list[Item], str | None]:
        """Newest first; raises ``BadRequest`` (``INVALID_CURSOR``) for a cursor it never gave."""
        ...


class Messages(Protocol):
    """Every event of a tenant, kept for replay."""

    def put(self, item: Item) -> None:
        """Idempotent: a repeated fan-out puts the same message again."""
        ...

    def since(self, tenant: str, since_iso: str, limit: int) -> tuple[list[Item], bool]:
        """The tenant's messages (not the test events) from ``since_iso`` on, oldest first, at
        most ``limit``; and whether that was all."""
        ...


class WebhookTables(Protocol):
    """The three stores, handed in together because both use cases need all three."""

    @property
    def endpoints(self) -> Endpoints: ...

    @property
    def deliveries(self) -> Deliveries: ...

    @property
    def messages(self) -> Messages: ...


class AttemptQueue(Protocol):
    def schedule(self, orders: list[AttemptOrder]) -> None:
        """Queue each order to arrive at its ``dueAt`` (or as close as the queue allows)."""
        ...


class Secrets(Protocol):
    """Signing secrets sealed at rest, bound to their tenant and endpoint."""

    def seal(self, secret: str, tenant: str, endpoint_id: str) -> str: ...

    def open(self, sealed: str, tenant: str, endpoint_id: str) -> str: ...


class Transport(Protocol):
    """One signed POST to an endpoint's URL, checked against the environment's URL rules."""

    def send(
        self, url: str, environment: str, headers: dict[str, str], body: str
    ) -> AttemptResult: ...
