"""The local stack: the whole system on one machine, no AWS account (``doorproof local``).

moto (server mode) stands in for DynamoDB, S3, Firehose, SQS and EventBridge; a small HTTP
front door plays API Gateway; a poller plays Lambda's SQS event source mapping; a timer plays
the EventBridge schedule. The handlers are the real ones. See docs/local.md.

``LocalStack`` is imported on first use: the stack's worker processes and moto's process
import modules of this package, and must not pay for the rest of the stack (moto alone is a
second of CPU per worker, at every start and restart).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from doorproof.local.stack import LocalStack

__all__ = ["LocalStack"]


def __getattr__(name: str) -> Any:
    if name == "LocalStack":
        from doorproof.local.stack import LocalStack  # noqa: PLC0415 - on first use

        return LocalStack
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
