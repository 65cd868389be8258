"""What can go wrong, as the core says it: a kind of failure, a stable code, a message.

Every failure a caller can see is a ``DomainError`` with a stable ``code`` (what client code
branches on), a human message that says what to do, and ``details``. The core never names
an HTTP status: ``functions.api.errors`` maps each kind to one and writes the API's error
body, so a use case reads the same whether an HTTP handler, the processor or a test calls it.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A failure reported to the caller. Subclasses name the kind and its default code."""

    code = "INTERNAL_ERROR"

    def __init__(
        self, message: str, *, code: str | None = None, details: list[Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details or []


class BadRequest(DomainError):
    """The request cannot be read: not JSON, not an object, a broken gzip."""

    code = "MALFORMED_REQUEST"


class Unauthorized(DomainError):
    """No key, or a key we do not know (or revoked)."""

    code = "UNAUTHORIZED"


class Forbidden(DomainError):
    """A valid key without the scope (a publishable key on a backend route)."""

    code = "FORBIDDEN"


class NotFound(DomainError):
    """Unknown — or another tenant's — resource. Never Forbidden, so ids cannot be probed."""

    code = "NOT_FOUND"


class Conflict(DomainError):
    """The resource is in a state that forbids the request."""

    code = "CONFLICT"


class PayloadTooLarge(DomainError):
    """The body (compressed or after gunzip) is over the limit."""

    code = "PAYLOAD_TOO_LARGE"


class UnsupportedMediaType(DomainError):
    """A Content-Encoding other than gzip/identity."""

    code = "UNSUPPORTED_ENCODING"


class Unprocessable(DomainError):
    """Well-formed JSON whose fields are invalid."""

    code = "VALIDATION_ERROR"


class ServiceUnavailable(DomainError):
    """A dependency failed; retrying the same request later can succeed (the SDK does)."""

    code = "SERVICE_UNAVAILABLE"


def session_not_found(session_id: str) -> NotFound:
    return NotFound(f"session {session_id!r} does not exist", code="SESSION_NOT_FOUND")


def webhook_not_found(endpoint_id: str) -> NotFound:
    return NotFound(f"webhook {endpoint_id!r} does not exist", code="WEBHOOK_NOT_FOUND")
