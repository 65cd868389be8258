"""What identifies a webhook endpoint, a delivery and a signing secret, and what an attempt's
outcome is: pure values the use cases, the stores and the sender share.

A secret is ``whsec_`` + base64 of 32 random bytes (Standard Webhooks: 24 to 64 bytes).
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass

DELIVERY_ID = re.compile(r"^dlv_[0-9]{13}[0-9a-f]{10}$")
SECRET_PREFIX = "whsec_"  # noqa: S105 - the prefix of every secret, not a secret
SECRET_BYTES = 32


def new_endpoint_id() -> str:
    return "ep_" + secrets.token_hex(12)


def delivery_id(created_epoch: float, salt: str | None = None) -> str:
    """Time-ordered: ``dlv_`` + creation in ms + 10 hex digits, derived from ``salt`` when
    given (so a repeated fan-out of one event makes the same id) and random otherwise."""
    suffix = hashlib.sha256(salt.encode()).hexdigest() if salt else secrets.token_hex(5)
    return f"dlv_{int(created_epoch * 1000):013d}{suffix[:10]}"


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


@dataclass(frozen=True)
class AttemptResult:
    """How an attempt went: ``status_code`` is None when no HTTP answer came."""

    status_code: int | None
    latency_ms: int
    error: str | None = None
    response_body: str | None = None
    retry_after_s: float | None = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
