"""Webhook signing secrets (made by ``domain.webhooks.new_secret``): encrypted at rest with
KMS, decrypted to sign.

A secret must be usable for signing, so unlike an API key it cannot be stored as a hash: it is
encrypted with the deployment's webhook KMS key (``names.webhook_key_alias``), bound by the
encryption context to its tenant and endpoint, so a ciphertext copied onto another endpoint
does not decrypt. The local stack runs the same code against moto's KMS (docs/decisions.md,
issue 10). Plaintext secrets are only ever in the create/rotate answer and in memory.
"""

from __future__ import annotations

import base64
from typing import Any


class SecretBox:
    """``kms`` is a boto3 KMS client; ``key_id`` the key (alias) that encrypts."""

    def __init__(self, kms: Any, key_id: str) -> None:
        self._kms = kms
        self._key_id = key_id
        self._plain: dict[str, str] = {}

    @staticmethod
    def _context(tenant: str, endpoint_id: str) -> dict[str, str]:
        return {"tenant": tenant, "endpointId": endpoint_id}

    def seal(self, secret: str, tenant: str, endpoint_id: str) -> str:
        """The ciphertext (base64) to store."""
        blob = self._kms.encrypt(
            KeyId=self._key_id,
            Plaintext=secret.encode(),
            EncryptionContext=self._context(tenant, endpoint_id),
        )["CiphertextBlob"]
        return base64.b64encode(blob).decode()

    def open(self, sealed: str, tenant: str, endpoint_id: str) -> str:
        """The secret; cached per ciphertext (a ciphertext never changes meaning), so a warm
        dispatcher calls KMS once per secret rather than once per attempt."""
        if sealed not in self._plain:
            plain = self._kms.decrypt(
                CiphertextBlob=base64.b64decode(sealed),
                EncryptionContext=self._context(tenant, endpoint_id),
            )["Plaintext"]
            self._plain[sealed] = plain.decode()
        return self._plain[sealed]
