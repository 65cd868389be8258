"""Base classes for wire models."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Request(BaseModel):
    """A request body: unknown fields are tolerated and dropped."""

    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)


class Response(BaseModel):
    """A response body; extra fields are kept so clients built on these models round-trip
    documents from newer servers."""

    model_config = ConfigDict(extra="allow")
