"""A stored session item as the API's ``Session`` resource (``GET /v1/sessions/{id}``, the
list, PATCH's answer).

A module of its own so that the functions which only write sessions (telemetry, the
processor) do not build the wire models of the reads (``tests/bench``'s cold imports).
"""

from __future__ import annotations

import json
from typing import Any

from functions.core.domain.session import Session as SessionState
from functions.core.wire.models.sessions import Session


def to_resource(item: dict[str, Any]) -> Session:
    """The wire resource for a stored item (as the repository reads it: plain values);
    internal attributes dropped."""
    fields = Session.model_fields
    values = {k: v for k, v in item.items() if k in fields}
    if "metadataJson" in item:
        values["metadata"] = json.loads(item["metadataJson"])
    values["statusDetail"] = SessionState.of(item).status_detail()
    return Session.model_validate(values)
