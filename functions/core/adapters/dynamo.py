"""DynamoDB's values and refusals, in one place for every store.

Values: the Table resource hands back numbers as ``Decimal`` and refuses floats, so every read
goes through ``plain`` and every write through ``dynamo`` / ``dynamo_values``.

Refusals: a conditional write that finds its condition false raises
``ConditionalCheckFailedException``; a transaction that cannot commit raises
``TransactionCanceledException`` with one reason per item (``ConditionalCheckFailed``,
``TransactionConflict``, ``None`` ...). Stores ask ``condition_failed`` / ``cancellation``
rather than reading error codes themselves; any other error is theirs to re-raise.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

CONDITION_FAILED = "ConditionalCheckFailed"
"""A transaction item's cancellation reason when its own condition was false."""
CONFLICT = "TransactionConflict"
"""A transaction item's cancellation reason when another request was writing the item."""


def plain(value: Any) -> Any:
    """DynamoDB's Decimals back to ints/floats, recursively (for JSON and models)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


DYNAMO_SMALLEST = Decimal("1E-130")
"""The smallest magnitude a DynamoDB number can have (a JSON float can be far smaller)."""


def dynamo_number(value: float) -> Decimal:
    """``value`` as a DynamoDB number: below 1E-130 in magnitude that is 0, its nearest (a
    start at latitude 5e-243 is kept), where boto3 would raise Underflow (a 500)."""
    number = Decimal(repr(value))
    return Decimal(0) if abs(number) < DYNAMO_SMALLEST else number


def dynamo(value: Any) -> Any:
    """JSON-ish values to what DynamoDB stores (floats as Decimal), recursively."""
    if isinstance(value, float):
        return dynamo_number(value)
    if isinstance(value, dict):
        return {k: dynamo(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [dynamo(v) for v in value]
    return value


def dynamo_values(values: dict[str, Any]) -> dict[str, Any]:
    """Top-level values for a Table resource's client (which serialises Python types
    itself), converted by ``dynamo`` but keeping top-level ``None`` (a NULL an expression
    may name)."""
    return {k: dynamo(v) for k, v in values.items()}


def condition_failed(exc: ClientError) -> bool:
    """Whether a single-item write was refused because its condition was false."""
    return bool(exc.response["Error"]["Code"] == "ConditionalCheckFailedException")


def cancellation(exc: ClientError) -> list[str] | None:
    """A cancelled transaction's reason per item, in the order written (``None`` stands for
    an item that was fine); None when ``exc`` is not a cancelled transaction."""
    if exc.response["Error"]["Code"] != "TransactionCanceledException":
        return None
    return [str(r.get("Code")) for r in exc.response.get("CancellationReasons", [])]
