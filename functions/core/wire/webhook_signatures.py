"""Standard Webhooks' three headers for one message, signed.

Signing is the ``standardwebhooks`` package's (``Webhook.sign``): ``v1,`` + base64 of
HMAC-SHA256 over ``id.timestamp.body``. While a rotated-out secret still signs, the header
carries both signatures separated by a space, which the specification defines and every
verifier accepts (any one valid signature passes).
"""

from __future__ import annotations

from datetime import UTC, datetime

from standardwebhooks import Webhook


def signature_headers(
    message_id: str, timestamp: int, body: str, secrets: list[str]
) -> dict[str, str]:
    """The three Standard Webhooks headers, signed with every secret in ``secrets``."""
    when = datetime.fromtimestamp(timestamp, UTC)
    signatures = " ".join(Webhook(s).sign(message_id, when, body) for s in secrets)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signatures,
    }
