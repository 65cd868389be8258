"""The API's one error shape and the errors that produce it.

Every failure a caller can see is an ``ApiError`` with a stable ``code`` (what client code
branches on), an HTTP status and a human message; handlers never build error bodies by hand.
Body: ``{"error": {"code", "message", "details": [...]}}``.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A failure reported to the caller. Subclasses fix the status and default code."""

    status = 500
    code = "INTERNAL_ERROR"

    def __init__(
        self, message: str, *, code: str | None = None, details: list[Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details or []

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class BadRequest(ApiError):
    """400: the body is not JSON, not an object, or its gzip is broken."""

    status, code = 400, "MALFORMED_REQUEST"


class Unauthorized(ApiError):
    """401: no key, or a key we do not know (or revoked)."""

    status, code = 401, "UNAUTHORIZED"


class Forbidden(ApiError):
    """403: a valid key without the scope (a publishable key on a backend route)."""

    status, code = 403, "FORBIDDEN"


class NotFound(ApiError):
    """404: unknown — or another tenant's — resource. Never 403, so ids cannot be probed."""

    status, code = 404, "NOT_FOUND"


class Conflict(ApiError):
    """409: the resource is in a state that forbids the request."""

    status, code = 409, "CONFLICT"


class PayloadTooLarge(ApiError):
    """413: the body (compressed or after gunzip) is over the limit."""

    status, code = 413, "PAYLOAD_TOO_LARGE"


class UnsupportedMediaType(ApiError):
    """415: a Content-Encoding other than gzip/identity."""

    status, code = 415, "UNSUPPORTED_ENCODING"


class Unprocessable(ApiError):
    """422: well-formed JSON whose fields are invalid."""

    status, code = 422, "VALIDATION_ERROR"


class ServiceUnavailable(ApiError):
    """503: a dependency failed; the SDK retries 5xx, so nothing is lost."""

    status, code = 503, "SERVICE_UNAVAILABLE"


def session_not_found(session_id: str) -> NotFound:
    return NotFound(f"session {session_id!r} does not exist", code="SESSION_NOT_FOUND")
