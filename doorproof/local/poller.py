"""Background threads that play Lambda's triggers: the SQS event source mappings of the
processor and the webhook dispatcher, and the EventBridge schedule of the sweeper.

The poller behaves like the mapping with ``ReportBatchItemFailures``: it long-polls up to
``names.PROCESSOR_BATCH_SIZE`` messages, invokes the processor once per batch, deletes what
succeeded, and leaves failures on the queue, where the visibility timeout brings them back
and the redrive policy moves them to the DLQ after ``names.QUEUE_MAX_RECEIVES`` receives.
One poller means one invocation at a time (AWS runs several): fine for the processor on a
laptop. The dispatcher gets ``names.FUNCTIONS["dispatcher"].local_instances`` pollers, so a
slow endpoint holding one batch does not hold back the webhooks of other organisations.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from typing import Any

from doorproof.local.lambdas import Lambdas
from doorproof.local.trigger_events import failed_message_ids, scheduled_event, sqs_event
from functions.core.config import names

# Not under "doorproof": that is the Powertools Logger's name (the service), whose JSON
# handler would print these lines with the last invocation's Lambda context keys.
log = logging.getLogger("local.poller")


class QueuePoller(threading.Thread):
    """Long-polls ``queue_url`` and hands batches to ``function`` (a ``names.FUNCTIONS`` key)."""

    def __init__(
        self,
        sqs: Any,
        lambdas: Lambdas,
        *,
        queue_url: str,
        queue_arn: str,
        region: str,
        wait_s: int = 1,
        function: str = "processor",
        batch_size: int = names.PROCESSOR_BATCH_SIZE,
        name: str = "doorproof-queue-poller",
    ) -> None:
        super().__init__(name=name, daemon=True)
        self._function, self._batch_size = function, batch_size
        self._sqs, self._lambdas = sqs, lambdas
        self._queue_url, self._queue_arn, self._region = queue_url, queue_arn, region
        self._wait_s = wait_s
        self._stop_event = threading.Event()

    def stop(self) -> None:
        self._stop_event.set()

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                self.poll_once()
            except Exception:
                if self._stop_event.is_set():
                    return  # moto went away during shutdown
                log.exception("polling the %s queue failed", self._function)
                self._stop_event.wait(1.0)

    def poll_once(self) -> None:
        """One receive → invoke → delete cycle (no-op when the queue is empty)."""
        messages = self._sqs.receive_message(
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=self._batch_size,
            WaitTimeSeconds=self._wait_s,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return
        ids = [m["MessageId"] for m in messages]
        event = sqs_event(messages, source_arn=self._queue_arn, region=self._region)
        try:
            failed = failed_message_ids(self._lambdas.invoke(self._function, event), ids)
        except Exception:
            log.exception("%s failed; %d message(s) will be retried", self._function, len(ids))
            return
        if failed:
            log.warning(
                "%s reported %d failed message(s); retrying them", self._function, len(failed)
            )
        done = [
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
            for i, m in enumerate(messages)
            if m["MessageId"] not in failed
        ]
        if done:
            self._sqs.delete_message_batch(QueueUrl=self._queue_url, Entries=done)


class SweepTimer(threading.Thread):
    """Calls the ``sweeper`` function every ``interval_s`` with a scheduled event."""

    def __init__(
        self,
        lambdas: Lambdas,
        *,
        interval_s: float,
        region: str,
        account: str,
        rule_name: str,
    ) -> None:
        super().__init__(name="doorproof-sweep-timer", daemon=True)
        self._lambdas, self._interval_s = lambdas, interval_s
        self._region, self._account, self._rule_name = region, account, rule_name
        self._stop_event = threading.Event()

    def stop(self) -> None:
        self._stop_event.set()

    def run(self) -> None:
        while not self._stop_event.wait(self._interval_s):
            event = scheduled_event(
                region=self._region,
                account=self._account,
                rule_name=self._rule_name,
                now=datetime.now(UTC),
            )
            try:
                self._lambdas.invoke("sweeper", event)
            except Exception:
                log.exception("sweeper failed")
