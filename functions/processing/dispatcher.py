"""The webhook dispatcher Lambda: webhook-queue messages → fan-out and signed attempts.

Powertools' ``AsyncBatchProcessor`` runs a batch's messages concurrently (each on a worker
thread of ``WORKERS``), so one endpoint that takes its full 15 s never delays the
other messages of the batch, which are other organisations' as often as not; failures are
reported per message (``batchItemFailures``). An HTTP failure is not a message failure: it
is logged on the delivery and retried on the schedule. A message fails only when the
dispatcher could not do its own work (DynamoDB, SQS, KMS), and after
``names.QUEUE_MAX_RECEIVES`` such failures it moves to the DLQ, which is alarmed on.
Services are built per thread (``aws.per_thread``): boto3 resources are not thread-safe.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    AsyncBatchProcessor,
    EventType,
    async_process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.core.adapters import aws
from functions.core.adapters.webhooks.queue import WebhookQueue
from functions.core.adapters.webhooks.secrets import SecretBox
from functions.core.adapters.webhooks.sender import Sender
from functions.core.adapters.webhooks.store import WebhookStores
from functions.core.config import names
from functions.core.config.observability import logger, metrics, traced
from functions.core.config.settings import configured, get_settings
from functions.core.usecases.webhooks.dispatch import Dispatcher, Outcome

WORKERS = ThreadPoolExecutor(
    max_workers=names.DISPATCHER_BATCH_SIZE * names.FUNCTIONS["dispatcher"].local_instances,
    thread_name_prefix="dispatch",
)
"""A thread for every message of a batch, so a batch's attempts all run at once (asyncio's
default executor has only a few threads on a small Lambda); sized for the local stack's
concurrent batches too. Threads start when first needed and are reused, with their
services (``aws.per_thread``)."""


def metric_name(outcome: Outcome) -> str:
    """``WebhooksSucceeded``, ``WebhooksDisabled`` (an endpoint was disabled), …"""
    return "Webhooks" + outcome.title().replace("-", "")


@aws.per_container
def secret_box() -> SecretBox:
    """Shared by the threads (boto3 clients are thread-safe), so its cache of opened
    secrets is too."""
    settings = get_settings()
    return SecretBox(aws.client("kms"), settings.webhook_key)


@aws.per_thread
def dispatcher() -> Dispatcher:
    settings = get_settings()
    return Dispatcher(
        WebhookStores.build(settings, aws.own_table),
        WebhookQueue(aws.client("sqs"), settings.required("webhook_queue_url")),
        secret_box(),
        Sender(allow_loopback=settings.webhook_sandbox_loopback),
        retry_scale=settings.webhook_retry_scale,
    )


@configured(requires=("webhook_queue_url",))
@logger.inject_lambda_context
@traced
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    outcomes: Counter[Outcome] = Counter()
    counting = threading.Lock()

    def work(body: str) -> None:
        outcome = dispatcher().handle(json.loads(body))
        with counting:
            outcomes[outcome] += 1

    async def record_handler(record: SQSRecord) -> None:
        await asyncio.get_running_loop().run_in_executor(WORKERS, work, record.body)

    # A processor per invocation: it holds the batch, and locally invocations overlap.
    response = async_process_partial_response(
        event=event,
        record_handler=record_handler,
        processor=AsyncBatchProcessor(
            event_type=EventType.SQS, raise_on_entire_batch_failure=False
        ),
        context=context,
    )
    for outcome, count in outcomes.items():
        metrics.add_metric(metric_name(outcome), MetricUnit.Count, count)
    return dict(response)
