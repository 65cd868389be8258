"""The webhook queue's attempt orders: attempt ``attempt`` of one delivery, as JSON.

The queue also carries the bus's events (``wire.webhook_payloads.is_bus_event`` tells them
apart); ``adapters.webhooks.queue`` sends the orders, the dispatcher reads them back.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class AttemptOrder:
    """Attempt number ``attempt`` of a delivery, not before ``dueAt`` (epoch seconds).
    ``manual``: a retry asked for through the API (one attempt, no rescheduling)."""

    tenant: str
    endpointId: str
    deliveryId: str
    attempt: int
    dueAt: float
    manual: bool = False
    kind: str = "attempt"

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_dict(cls, body: dict[str, Any]) -> AttemptOrder:
        return cls(
            tenant=str(body["tenant"]),
            endpointId=str(body["endpointId"]),
            deliveryId=str(body["deliveryId"]),
            attempt=int(body["attempt"]),
            dueAt=float(body["dueAt"]),
            manual=bool(body.get("manual", False)),
        )

    @property
    def organization_id(self) -> str:
        return self.tenant.split("#", 1)[0]
