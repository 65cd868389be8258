"""The processor Lambda: processing-queue messages → chunks, counts, insights.

Thin: Powertools' ``BatchProcessor`` reports each failed message (``batchItemFailures``), so a
poison message is retried and dead-lettered on its own while the rest of the batch succeeds.
The work is ``functions.core.usecases.pipeline.Pipeline``, built once per container
(``aws.per_container``, which the local stack resets when it points at a new backend).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.core.adapters import aws
from functions.core.adapters.building_store import BuildingStore
from functions.core.adapters.chunk_store import ChunkStore
from functions.core.adapters.events_bus import EventBus
from functions.core.adapters.insights_store import InsightsStore
from functions.core.adapters.raw_objects import RawObjects
from functions.core.adapters.session_repository import SessionRepository
from functions.core.adapters.stored_parts import StoredParts
from functions.core.config.observability import logger, metrics, traced
from functions.core.config.settings import configured, get_settings
from functions.core.usecases.finalize import Finalizer
from functions.core.usecases.pipeline import Pipeline
from functions.core.usecases.sessionize import SessionizedWriter

batch = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
"""A batch whose every message failed is still a partial response (all listed), not an
invocation error: the poller and Lambda then retry exactly those messages."""


@aws.per_container
def pipeline() -> Pipeline:
    settings = get_settings()
    s3 = aws.client("s3")
    sessions = SessionRepository(aws.table(settings.sessions_table))
    chunks = ChunkStore(s3, settings.data_bucket)
    writer = SessionizedWriter(
        sessions, chunks, StoredParts(aws.table(settings.batches_table), sessions)
    )
    finalizer = Finalizer(
        sessions,
        InsightsStore(aws.table(settings.insights_table)),
        chunks,
        EventBus(aws.client("events"), settings.event_bus),
        buildings=BuildingStore(aws.table(settings.buildings_table)),
    )
    return Pipeline(RawObjects(s3), writer, finalizer)


@configured()
@logger.inject_lambda_context
@traced
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    work = pipeline()
    metrics.add_metric("Messages", MetricUnit.Count, len(event.get("Records", [])))

    def record_handler(record: SQSRecord) -> None:
        receives = int(record.attributes.approximate_receive_count or 1)
        work.handle(record.body, receives)

    return dict(
        process_partial_response(
            event=event, record_handler=record_handler, processor=batch, context=context
        )
    )
