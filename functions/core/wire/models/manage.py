"""Requests and responses of the session management routes (reprocess, POD photo upload)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from functions.core.domain import errors
from functions.core.wire.models.common import Request, Response
from functions.core.wire.models.sessions import InsightsStatus
from functions.engine.version import ENGINE_VERSION

CURRENT = "current"


def resolve_engine_version(requested: str) -> str:
    """The engine version a reprocess runs: ``current`` (the default) or the deployed
    engine's own version string, which is the same engine; any other version is refused
    (422 ENGINE_VERSION_UNAVAILABLE): a deployment carries one engine, older ones are not
    kept (docs/decisions.md)."""
    if requested in (CURRENT, ENGINE_VERSION):
        return ENGINE_VERSION
    raise errors.Unprocessable(
        f"engine version {requested!r} is not available; this deployment runs "
        f"{ENGINE_VERSION} (ask for {CURRENT!r} or {ENGINE_VERSION!r})",
        code="ENGINE_VERSION_UNAVAILABLE",
        details=[
            {
                "field": "engineVersion",
                "in": "body",
                "message": f"available: {CURRENT}, {ENGINE_VERSION}",
                "type": "engine_version",
            }
        ],
    )


class ReprocessRequest(Request):
    """POST /v1/sessions/{id}/reprocess (body optional)."""

    engineVersion: str = Field(
        default=CURRENT,
        max_length=64,
        description="current, or the deployed engine's own version; any other is refused "
        "(422 ENGINE_VERSION_UNAVAILABLE)",
        json_schema_extra={"enum": [CURRENT, ENGINE_VERSION]},
    )


class ReprocessAccepted(Response):
    """POST /v1/sessions/{id}/reprocess (202): the recomputation is queued; the insights'
    ``version`` becomes greater than ``fromVersion`` when it is done."""

    sessionId: str
    insightsStatus: InsightsStatus
    fromVersion: int
    engineVersion: str | None = None
    """The engine version the recomputation runs."""


class PodUpload(Response):
    """POST /v1/sessions/{id}/pod (201): a presigned S3 POST for the proof-of-delivery photo.

    Send ``fields`` and then the file (part name ``file``) as multipart/form-data to ``url``
    before ``expiresInSec`` pass. Once uploaded, the insights' ``pod`` is
    ``{type: "photo", url}``. The first JPEG uploaded is the photo: uploading again
    replaces nothing, and a file that is not a JPEG is never shown.
    """

    url: str
    method: Literal["POST"] = "POST"
    fields: dict[str, str]
    contentType: str
    maxBytes: int = Field(gt=0)
    expiresInSec: int = Field(gt=0)
