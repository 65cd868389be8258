"""API keys: issue, resolve, list, revoke.

A key is ``<prefix><32 random base62 chars>`` (prefixes in ``names.KEY_PREFIXES``). Only its
SHA-256 is stored, as the table's partition key: keys carry ~190 bits of entropy, so a fast hash
is enough (a slow KDF guards low-entropy passwords, not random tokens), and looking the hash up
means no secret is ever compared character by character. The stored hash is still compared with
``hmac.compare_digest`` so a lookup layer that ignored the key could not leak timing either.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
import time
from dataclasses import dataclass
from typing import Any, Literal

from boto3.dynamodb.conditions import Attr, Key

from functions.core import names
from functions.core.timestamps import iso

KeyKind = Literal["publishable", "secret"]
_ALPHABET = string.ascii_letters + string.digits
_RANDOM_LENGTH = 32


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _random(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


@dataclass(frozen=True)
class Principal:
    """Who is calling: the tenant a key belongs to and what it may do."""

    organization_id: str
    project_id: str
    environment: str
    scope: KeyKind
    key_id: str

    @property
    def tenant(self) -> str:
        """The isolation boundary: a resource of another tenant does not exist for the caller."""
        return f"{self.organization_id}#{self.project_id}#{self.environment}"

    def to_context(self) -> dict[str, str]:
        """The authorizer context API Gateway hands to the route handlers."""
        return {
            "organizationId": self.organization_id,
            "projectId": self.project_id,
            "environment": self.environment,
            "scope": self.scope,
            "keyId": self.key_id,
        }

    @classmethod
    def from_context(cls, context: dict[str, Any]) -> Principal | None:
        try:
            return cls(
                organization_id=str(context["organizationId"]),
                project_id=str(context["projectId"]),
                environment=str(context["environment"]),
                scope=context["scope"],
                key_id=str(context["keyId"]),
            )
        except KeyError:
            return None


@dataclass(frozen=True)
class IssuedKey:
    """A new key: ``key`` is the only time the plaintext exists outside the caller."""

    key: str
    key_id: str
    principal: Principal
    display: str


def key_prefix(kind: KeyKind, environment: str) -> str:
    try:
        return names.KEY_PREFIXES[(kind, environment)]
    except KeyError:
        raise ValueError(
            f"unknown key kind/environment {kind}/{environment}; environments: "
            f"{', '.join(names.ENVIRONMENTS)}"
        ) from None


class KeyStore:
    """Keys in DynamoDB (``names.KEYS_TABLE``); ``table`` is a boto3 Table resource."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def create(
        self, *, organization_id: str, project_id: str, environment: str, kind: KeyKind
    ) -> IssuedKey:
        prefix = key_prefix(kind, environment)
        key = prefix + _random(_RANDOM_LENGTH)
        principal = Principal(organization_id, project_id, environment, kind, "key_" + _random(16))
        display = f"{prefix}{key[len(prefix) : len(prefix) + 4]}…"
        self._table.put_item(
            Item={
                "keyHash": hash_key(key),
                "keyId": principal.key_id,
                "organizationId": organization_id,
                "projectId": project_id,
                "environment": environment,
                "scope": kind,
                "display": display,
                "createdAt": iso(time.time()),
            },
            ConditionExpression="attribute_not_exists(keyHash)",
        )
        return IssuedKey(key=key, key_id=principal.key_id, principal=principal, display=display)

    def resolve(self, key: str) -> Principal | None:
        """The key's principal, or None for an unknown, malformed or revoked key."""
        if not any(key.startswith(p) for p in names.KEY_PREFIXES.values()):
            return None
        digest = hash_key(key)
        item = self._table.get_item(Key={"keyHash": digest}).get("Item")
        if not item or item.get("revokedAt"):
            return None
        if not hmac.compare_digest(str(item["keyHash"]), digest):
            return None
        return Principal(
            organization_id=item["organizationId"],
            project_id=item["projectId"],
            environment=item["environment"],
            scope=item["scope"],
            key_id=item["keyId"],
        )

    def list(self, organization_id: str) -> list[dict[str, Any]]:
        """The organisation's keys, oldest first, without hashes."""
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "IndexName": "byOrg",
            "KeyConditionExpression": Key("organizationId").eq(organization_id),
        }
        while True:
            page = self._table.query(**kwargs)
            items.extend({k: v for k, v in i.items() if k != "keyHash"} for i in page["Items"])
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def revoke(self, organization_id: str, key_id: str) -> bool:
        """Revoke by id; False when the organisation has no such key."""
        page = self._table.query(
            IndexName="byOrg",
            KeyConditionExpression=Key("organizationId").eq(organization_id),
            FilterExpression=Attr("keyId").eq(key_id),
        )
        hashes = [i["keyHash"] for i in page["Items"]]
        for digest in hashes:
            self._table.update_item(
                Key={"keyHash": digest},
                UpdateExpression="SET revokedAt = :now",
                ExpressionAttributeValues={":now": iso(time.time())},
            )
        return bool(hashes)


class CachedResolver:
    """Key look-ups cached in memory for ``ttl_s`` (the authorizer's warm-container cache).

    API Gateway's own authorizer cache is off by design (see docs/deploy.md); this gives the
    same saving. A revoked key stops working within ``ttl_s``.
    """

    def __init__(self, store: KeyStore, ttl_s: float = 60.0, max_entries: int = 10_000) -> None:
        self._store = store
        self._ttl_s = ttl_s
        self._max = max_entries
        self._cache: dict[str, tuple[float, Principal | None]] = {}

    def resolve(self, key: str) -> Principal | None:
        digest = hash_key(key)
        now = time.monotonic()
        hit = self._cache.get(digest)
        if hit and hit[0] > now:
            return hit[1]
        principal = self._store.resolve(key)
        if len(self._cache) >= self._max:
            self._cache.clear()
        self._cache[digest] = (now + self._ttl_s, principal)
        return principal
