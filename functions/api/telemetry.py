"""POST /v1/telemetry: a batch of samples from the SDK.

Thin: the body arrives inflated (``serve``), Powertools checks its outline, ``TelemetryIngest``
does the rest (per-sample screening, de-duplication, Firehose, counting). 202: accepted for
processing.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.metrics import MetricUnit

from functions.api.common import make_app, make_handler, principal, route
from functions.api.services import sessions
from functions.core.adapters import aws
from functions.core.adapters.batch_ledger import BatchLedger
from functions.core.adapters.firehose_sink import FirehoseSink
from functions.core.config.observability import metrics
from functions.core.config.settings import get_settings
from functions.core.usecases.ingest import TelemetryIngest
from functions.core.wire.models.telemetry import TelemetryAccepted, TelemetryBatch

router = Router()


@aws.per_container
def ingest() -> TelemetryIngest:
    settings = get_settings()
    return TelemetryIngest(
        sessions(),
        BatchLedger(aws.table(settings.batches_table), sessions()),
        FirehoseSink(aws.client("firehose"), settings.telemetry_stream),
        late_grace_s=settings.late_data_grace_s,
        inactivity_s=settings.inactivity_timeout_s,
    )


@route(
    router,
    "POST /v1/telemetry",
    status=202,
    description="Batch accepted (possibly partially, or as a duplicate)",
    errors={
        404: ["SESSION_NOT_FOUND"],
        409: ["SESSION_CLOSED"],
        422: ["NO_VALID_SAMPLES"],
        503: ["SERVICE_UNAVAILABLE"],
    },
    summary="Send a batch of telemetry samples",
    tags=["telemetry"],
)
def post_telemetry(body: TelemetryBatch) -> TelemetryAccepted:
    result = ingest().ingest(principal(app), body)
    metrics.add_metric("SamplesAccepted", MetricUnit.Count, result.accepted)
    metrics.add_metric("SamplesRejected", MetricUnit.Count, result.rejected)
    if result.duplicate:
        metrics.add_metric("DuplicateBatches", MetricUnit.Count, 1)
    return result


app = make_app(router)
handler = make_handler(app)
