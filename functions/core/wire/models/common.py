"""Base classes for wire models."""

from __future__ import annotations

from pydantic import AfterValidator, BaseModel, ConfigDict


def truncated(max_chars: int) -> AfterValidator:
    """``Annotated[str, truncated(n)]``: a text field kept to its first ``n`` characters.

    For free text the SDK fills from the device or the app (versions, models, ids,
    addresses): refusing a long value would be a 4xx, and the SDK drops what got a 4xx, so
    an app with a long version string could never record. Cut, the value still identifies
    what it names, and a stored item stays far below DynamoDB's 400 KB limit.
    """
    return AfterValidator(lambda value: value[:max_chars])


class Request(BaseModel):
    """A request body: unknown fields are tolerated and dropped."""

    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)


class Response(BaseModel):
    """A response body; extra fields are kept so clients built on these models round-trip
    documents from newer servers."""

    model_config = ConfigDict(extra="allow")
