"""Timestamps as the API and the tables store them: ISO-8601 UTC, milliseconds, a ``Z``.

That form sorts as a string, so DynamoDB key conditions (``createdKey``, ``sweepAt``) compare
times correctly. Every module formats and parses through here.
"""

from __future__ import annotations

from datetime import UTC, datetime


def iso(epoch: float) -> str:
    """Epoch seconds as sortable ISO-8601 UTC with milliseconds."""
    return (
        datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


def epoch_of(value: str) -> float:
    """Epoch seconds of a timestamp written by ``iso``."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
