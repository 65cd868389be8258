"""The sweeper Lambda (EventBridge schedule): ends silent sessions and requests finalization
of those whose deadline passed. Logic in ``functions.core.usecases.sweep``."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.core.adapters import aws
from functions.core.adapters.processing_queue import ProcessingQueue
from functions.core.adapters.session_repository import SessionRepository
from functions.core.config.observability import logger, metrics, traced
from functions.core.config.settings import configured, get_settings
from functions.core.usecases.sweep import Sweeper


@aws.per_container
def sweeper() -> Sweeper:
    settings = get_settings()
    return Sweeper(
        SessionRepository(aws.table(settings.sessions_table)),
        ProcessingQueue(aws.client("sqs"), settings.required("processing_queue_url")),
        lease_s=settings.finalize_deadline_s,
    )


@configured(requires=("processing_queue_url",))
@logger.inject_lambda_context
@traced
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    report = sweeper().sweep()
    metrics.add_metric("SessionsTimedOut", MetricUnit.Count, len(report.timed_out))
    metrics.add_metric("FinalizeRequested", MetricUnit.Count, len(report.finalize_requested))
    if report.finalize_requested:
        logger.info(
            "sweep requested finalization",
            extra={"timedOut": report.timed_out, "requested": report.finalize_requested},
        )
    return {"timedOut": report.timed_out, "finalizeRequested": report.finalize_requested}
