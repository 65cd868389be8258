"""Base classes for wire models.

Every wire model is built lazily (``defer_build``): its validator and serializer are made the
first time it is used, not when its module is imported. A handler imports the models of all
its routes (and of the stores it shares with other handlers), while one container mostly
answers a few routes; building them all up front was the largest part of an API handler's
cold import beyond a bare Powertools handler (``tests/bench/test_cold_import_bench.py``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict


def truncated(max_chars: int) -> AfterValidator:
    """``Annotated[str, truncated(n)]``: a text field kept to its first ``n`` characters.

    For free text the SDK fills from the device or the app (versions, models, ids,
    addresses): refusing a long value would be a 4xx, and the SDK drops what got a 4xx, so
    an app with a long version string could never record. Cut, the value still identifies
    what it names, and a stored item stays far below DynamoDB's 400 KB limit.
    """
    return AfterValidator(lambda value: value[:max_chars])


def _date_time(value: Any) -> Any:
    """RFC 3339 text as a datetime; anything else is refused (pydantic's lax reading took
    ``0`` as 1970, and strict takes no text at all)."""
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.upper())
        except ValueError:
            pass
    raise ValueError("an RFC 3339 date-time string is needed, e.g. 2026-11-23T10:00:00Z")


DateTimeText = Annotated[AwareDatetime, BeforeValidator(_date_time)]
"""A request's date-time: RFC 3339 text with a time zone, documented ``date-time``."""


class Request(BaseModel):
    """A request body: unknown fields are tolerated and dropped, and each field takes
    exactly the JSON type the OpenAPI document gives it (``strict``: no ``"1"`` for 1, no
    ``0`` for false), so the document says what is accepted (docs/decisions.md, issue 12)."""

    model_config = ConfigDict(extra="ignore", allow_inf_nan=False, strict=True, defer_build=True)


class Reading(BaseModel):
    """A telemetry sample or a part of one: pydantic's lax coercion (``"1"`` is 1, ``0`` is
    false), since a refused field costs the whole sample and samples are not in the
    document's schema (each is checked on its own, ``telemetry.SAMPLES``)."""

    model_config = ConfigDict(extra="ignore", allow_inf_nan=False, defer_build=True)


class Response(BaseModel):
    """A response body; extra fields are kept so clients built on these models round-trip
    documents from newer servers."""

    model_config = ConfigDict(extra="allow", defer_build=True)
