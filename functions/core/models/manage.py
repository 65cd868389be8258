"""Responses of the session management routes (reprocess, POD photo upload)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from functions.core.models.common import Response
from functions.core.models.sessions import InsightsStatus


class ReprocessAccepted(Response):
    """POST /v1/sessions/{id}/reprocess (202): the recomputation is queued; the insights'
    ``version`` becomes greater than ``fromVersion`` when it is done."""

    sessionId: str
    insightsStatus: InsightsStatus
    fromVersion: int


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
