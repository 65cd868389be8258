"""The adapters several HTTP handlers share, built once per Lambda container.

Each handler module builds its use case from these; tests reset them with ``aws.reset``.
"""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit

from functions.core.adapters import aws
from functions.core.adapters.building_store import BuildingStore
from functions.core.adapters.events_bus import EventBus, SessionEvents
from functions.core.adapters.insights_store import InsightsStore
from functions.core.adapters.presign import Presigner
from functions.core.adapters.processing_queue import ProcessingQueue
from functions.core.adapters.session_repository import SessionRepository
from functions.core.config.observability import logger, metrics
from functions.core.config.settings import get_settings


@aws.per_container
def sessions() -> SessionRepository:
    return SessionRepository(aws.table(get_settings().sessions_table))


@aws.per_container
def insights() -> InsightsStore:
    return InsightsStore(aws.table(get_settings().insights_table))


@aws.per_container
def buildings() -> BuildingStore:
    return BuildingStore(aws.table(get_settings().buildings_table))


@aws.per_container
def presigner() -> Presigner:
    return Presigner(aws.client("s3"), get_settings().data_bucket)


@aws.per_container
def queue() -> ProcessingQueue:
    return ProcessingQueue(aws.client("sqs"), get_settings().required("processing_queue_url"))


def _event_lost(kind: str, exc: Exception) -> None:
    logger.warning("session event not published", extra={"event": kind, "error": str(exc)})
    metrics.add_metric(name="SessionEventsLost", unit=MetricUnit.Count, value=1)


@aws.per_container
def session_events() -> SessionEvents:
    return SessionEvents(EventBus(aws.client("events"), get_settings().event_bus), _event_lost)
