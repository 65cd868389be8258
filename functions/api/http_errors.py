"""Domain errors as HTTP answers: the only place a failure meets a status code.

The core raises ``functions.core.domain.errors`` (a stable ``code`` and a message, no
status); this module gives each kind its status and writes the API's one error body,
``{"error": {"code", "message", "details": [...]}}`` (``ErrorBody`` in the OpenAPI
document). A kind not listed (``DomainError`` itself) is a 500.
"""

from __future__ import annotations

from typing import Any

from functions.core.domain import errors

STATUS: dict[type[errors.DomainError], int] = {
    errors.BadRequest: 400,
    errors.Unauthorized: 401,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.PayloadTooLarge: 413,
    errors.UnsupportedMediaType: 415,
    errors.Unprocessable: 422,
    errors.ServiceUnavailable: 503,
}


def status_of(err: errors.DomainError) -> int:
    """The HTTP status of ``err``'s kind (its nearest listed class), 500 for none."""
    return next((STATUS[kind] for kind in type(err).__mro__ if kind in STATUS), 500)


def body_of(err: errors.DomainError) -> dict[str, Any]:
    return {"error": {"code": err.code, "message": err.message, "details": err.details}}
