"""POST /v1/sessions/{sessionId}/reprocess, POST /v1/sessions/{sessionId}/pod,
PATCH /v1/sessions/{sessionId}, DELETE /v1/sessions/{sessionId}: backend (secret key)
management of one session.

Thin: each route checks the session belongs to the caller (another tenant's is a 404), then
hands over to core: reprocess is a finalize message (the processor recomputes from stored
chunks with the engine version asked for, ``resolve_engine_version``), the photo upload a
presigned POST, PATCH ``SessionRepository.update``, erasing ``SessionEraser`` (then
``session.deleted`` is published).
The session store and presigner are the read routes' per-container ones.
"""

from __future__ import annotations

import time
from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from functions.api.common import SessionId, make_app, make_handler, principal, route
from functions.api.services import (
    buildings,
    insights,
    presigner,
    queue,
    session_events,
    sessions,
)
from functions.core.adapters import aws
from functions.core.adapters.batch_ledger import BatchLedger
from functions.core.adapters.erased import ErasedMarkers
from functions.core.adapters.session_objects import SessionObjects
from functions.core.config import names
from functions.core.config.settings import get_settings
from functions.core.usecases.erase import SessionEraser
from functions.core.usecases.reprocess import Reprocess
from functions.core.usecases.upload_photo import PhotoUpload
from functions.core.wire.models.manage import (
    PodUpload,
    ReprocessAccepted,
    ReprocessRequest,
    resolve_engine_version,
)
from functions.core.wire.models.sessions import Session, UpdateSessionRequest
from functions.core.wire.session_resource import to_resource

router = Router()


@aws.per_container
def eraser() -> SessionEraser:
    settings = get_settings()
    batches = aws.table(settings.batches_table)
    return SessionEraser(
        sessions(),
        BatchLedger(batches, sessions()),
        ErasedMarkers(batches),
        insights(),
        SessionObjects(aws.client("s3"), settings.data_bucket),
        buildings=buildings(),
    )


@route(
    router,
    "POST /v1/sessions/{sessionId}/reprocess",
    status=202,
    description="Recomputation queued",
    errors={409: ["SESSION_RECORDING"], 422: ["ENGINE_VERSION_UNAVAILABLE"]},
    summary="Recompute insights from stored telemetry (engineVersion: current by default)",
    tags=["insights"],
)
def reprocess(
    sessionId: SessionId,  # noqa: N803
    body: Annotated[ReprocessRequest | None, Body()] = None,
) -> ReprocessAccepted:
    engine_version = resolve_engine_version((body or ReprocessRequest()).engineVersion)
    requested = Reprocess(sessions(), queue()).request(principal(app).tenant, sessionId)
    accepted = ReprocessAccepted(
        sessionId=sessionId,
        insightsStatus=requested.session["insightsStatus"],
        fromVersion=requested.from_version,
        engineVersion=engine_version,
    )
    return accepted


@route(
    router,
    "PATCH /v1/sessions/{sessionId}",
    errors={503: ["SERVICE_UNAVAILABLE"]},
    summary="Organise a session: tags, title, notes, metadata, archive or unarchive",
    tags=["sessions"],
)
def update_session(sessionId: SessionId, body: UpdateSessionRequest) -> Session:  # noqa: N803
    changes = body.model_dump(exclude_unset=True)
    item = sessions().update(principal(app).tenant, sessionId, changes, time.time())
    return to_resource(item)


@route(
    router,
    "POST /v1/sessions/{sessionId}/pod",
    status=201,
    description="Presigned POST",
    summary="Get a presigned upload for the proof-of-delivery photo (JPEG)",
    tags=["insights"],
)
def pod_upload(sessionId: SessionId) -> PodUpload:  # noqa: N803
    signer = presigner()
    post = PhotoUpload(sessions(), signer).presign(principal(app).tenant, sessionId)
    upload = PodUpload(
        url=post["url"],
        fields=post["fields"],
        contentType=names.POD_CONTENT_TYPE,
        maxBytes=names.POD_MAX_BYTES,
        expiresInSec=signer.ttl_s,
    )
    return upload


@route(
    router,
    "DELETE /v1/sessions/{sessionId}",
    status=204,
    description="Erased",
    summary="Erase a session, its telemetry, insights, images and photo",
    tags=["sessions"],
)
def erase(sessionId: SessionId) -> None:  # noqa: N803
    erased = eraser().erase(principal(app).tenant, sessionId)
    session_events().publish("session.deleted", erased)


app = make_app(router)
handler = make_handler(app, requires=("processing_queue_url",))
