"""POST /v1/sessions/start, POST /v1/sessions/stop, POST /v1/sessions/{sessionId}/stop.

Thin: parse (Powertools validates the body models), call ``SessionLifecycle``, answer. An
``Idempotency-Key`` header on start makes a retried start return the first answer instead of
opening a second session (Powertools idempotency, keyed by tenant + key, body-checked): the
same key with another body is refused (422 ``IDEMPOTENCY_KEY_REUSED``), and a retry while the
first request is still running answers 409 ``IDEMPOTENCY_KEY_IN_USE`` (retry it shortly).
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Header
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.idempotency.serialization.pydantic import (
    PydanticSerializer,
)
from pydantic import BaseModel

from functions.api.common import SessionId, make_app, make_handler, principal, route
from functions.api.services import queue, session_events, sessions
from functions.core.adapters import aws
from functions.core.adapters.erased import ErasedMarkers
from functions.core.config.settings import get_settings
from functions.core.domain import errors
from functions.core.usecases.lifecycle import SessionLifecycle
from functions.core.wire.models.sessions import (
    SessionStatusResponse,
    StartSessionRequest,
    StopSessionRequest,
)

router = Router()


@aws.per_container
def lifecycle() -> SessionLifecycle:
    settings = get_settings()
    return SessionLifecycle(
        sessions(),
        queue().request_finalize,
        settings,
        erased=ErasedMarkers(aws.table(settings.batches_table)),
        publish=session_events().publish,
    )


class IdempotentStart(BaseModel):
    """What identifies a start for idempotency: who, which key, and the request itself."""

    tenant: str
    idempotencyKey: str
    request: StartSessionRequest


IDEMPOTENCY = IdempotencyConfig(
    event_key_jmespath="[tenant, idempotencyKey]",
    payload_validation_jmespath="request",
    expires_after_seconds=24 * 3600,
)


@aws.per_container
def idempotent_start() -> Any:
    persistence = DynamoDBPersistenceLayer(
        table_name=get_settings().idempotency_table, boto3_client=aws.client("dynamodb")
    )

    @idempotent_function(
        data_keyword_argument="command",
        persistence_store=persistence,
        config=IDEMPOTENCY,
        output_serializer=PydanticSerializer(SessionStatusResponse),
    )
    def start(command: IdempotentStart) -> SessionStatusResponse:
        return lifecycle().start(principal(app), command.request)

    return start


@route(
    router,
    "POST /v1/sessions/start",
    status=201,
    description="Session started",
    errors={
        403: ["INSUFFICIENT_SCOPE"],
        409: ["IDEMPOTENCY_KEY_IN_USE"],
        422: ["IDEMPOTENCY_KEY_REUSED"],
    },
    summary="Start a delivery session",
    tags=["sessions"],
)
def start_session(
    body: StartSessionRequest,
    idempotency_key: Annotated[
        str | None,
        Header(alias="idempotency-key", description="Repeat-safe start", max_length=128),
    ] = None,
) -> SessionStatusResponse:
    caller = principal(app)
    if idempotency_key:
        IDEMPOTENCY.register_lambda_context(app.lambda_context)
        command = IdempotentStart(
            tenant=caller.tenant, idempotencyKey=idempotency_key, request=body
        )
        try:
            return idempotent_start()(command=command)
        except IdempotencyValidationError:
            raise errors.Unprocessable(
                "this Idempotency-Key was used with another request body; "
                "send a new key for a new session",
                code="IDEMPOTENCY_KEY_REUSED",
            ) from None
        except IdempotencyAlreadyInProgressError:
            raise errors.Conflict(
                "a start with this Idempotency-Key is still in progress; retry in a moment",
                code="IDEMPOTENCY_KEY_IN_USE",
            ) from None
    return lifecycle().start(caller, body)


@route(
    router,
    "POST /v1/sessions/stop",
    errors={404: ["SESSION_NOT_FOUND"]},
    summary="Stop a delivery session",
    tags=["sessions"],
)
def stop_session(body: StopSessionRequest) -> SessionStatusResponse:
    return lifecycle().stop(principal(app), body.sessionId)


@route(
    router,
    "POST /v1/sessions/{sessionId}/stop",
    summary="Stop a delivery session",
    tags=["sessions"],
)
def stop_session_by_path(
    sessionId: SessionId,  # noqa: N803 - the API's name
) -> SessionStatusResponse:
    return lifecycle().stop(principal(app), sessionId)


app = make_app(router)
handler = make_handler(app, requires=("processing_queue_url",))
