"""The API's one error body, as a model: what the OpenAPI document advertises for every
error status (``functions.api.http_errors.body_of`` builds the same shape)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from functions.core.wire.models.common import Response


class ErrorDetail(Response):
    code: str = Field(description="Stable, machine-readable; what client code branches on")
    message: str = Field(description="For humans: what went wrong and what to do")
    details: list[Any] = Field(
        description="Per-field problems for VALIDATION_ERROR ({field, in, message, type}), "
        "per-sample reasons for NO_VALID_SAMPLES; else empty"
    )


class ErrorBody(Response):
    """``{"error": {"code", "message", "details"}}``."""

    error: ErrorDetail
