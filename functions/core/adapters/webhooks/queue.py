"""The webhook queue's scheduled attempts: one message per attempt of one delivery.

The queue carries two kinds of message: bus events (the rule's target, fanned out by the
dispatcher) and ``AttemptOrder`` s. An order is due at ``dueAt``; SQS delays a message 15
minutes at most, so an order due later is sent with the longest delay and, when it comes
back early, sent on again with what is left (a few hops for the longest step of the
schedule; each hop is one cheap message). Each order is sent with its organisation as
``MessageGroupId``: on a standard queue that makes SQS a fair queue, so one organisation's
backlog does not hold back the others' messages.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from functions.core.config import names
from functions.core.wire.attempt_orders import AttemptOrder


class QueueSendError(RuntimeError):
    """SQS accepted the batch call but not some of its messages."""


class WebhookQueue:
    """``sqs`` is a boto3 SQS client; ``url`` the webhook queue's."""

    def __init__(self, sqs: Any, url: str, clock: Callable[[], float] = time.time) -> None:
        self._sqs = sqs
        self._url = url
        self._clock = clock

    def schedule(self, orders: list[AttemptOrder]) -> None:
        now = self._clock()
        for start in range(0, len(orders), 10):
            chunk = orders[start : start + 10]
            entries = [
                {
                    "Id": str(i),
                    "MessageBody": order.to_json(),
                    "DelaySeconds": min(
                        names.SQS_MAX_DELAY_S, math.ceil(max(0.0, order.dueAt - now))
                    ),
                    "MessageGroupId": order.organization_id,
                }
                for i, order in enumerate(chunk)
            ]
            result = self._sqs.send_message_batch(QueueUrl=self._url, Entries=entries)
            if result.get("Failed"):
                failed = result["Failed"][0]
                raise QueueSendError(
                    f"{len(result['Failed'])} attempt(s) not queued: {failed.get('Code')}"
                )
