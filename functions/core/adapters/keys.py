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
import logging
import secrets
import string
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from functions.core.config import names
from functions.core.domain.principal import KeyKind, Principal
from functions.core.domain.timestamps import iso

_ALPHABET = string.ascii_letters + string.digits
_RANDOM_LENGTH = 32
log = logging.getLogger(__name__)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _random(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


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
        self,
        *,
        organization_id: str,
        project_id: str,
        environment: str,
        kind: KeyKind,
        name: str | None = None,
        created_by: str | None = None,
    ) -> IssuedKey:
        prefix = key_prefix(kind, environment)
        key = prefix + _random(_RANDOM_LENGTH)
        principal = Principal(organization_id, project_id, environment, kind, "key_" + _random(16))
        display = f"{prefix}{key[len(prefix) : len(prefix) + 4]}…"
        item = {
            "keyHash": hash_key(key),
            "keyId": principal.key_id,
            "organizationId": organization_id,
            "projectId": project_id,
            "environment": environment,
            "scope": kind,
            "display": display,
            "createdAt": iso(time.time()),
        }
        item |= {k: v for k, v in (("name", name), ("createdBy", created_by)) if v}
        self._table.put_item(Item=item, ConditionExpression="attribute_not_exists(keyHash)")
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

    def mark_used(self, key: str) -> None:
        """Record that ``key`` was just used (``lastUsedAt``; the authorizer calls this once
        per cache period, so it is exact to ``CachedResolver``'s ttl)."""
        self._table.update_item(
            Key={"keyHash": hash_key(key)},
            UpdateExpression="SET lastUsedAt = :now",
            ConditionExpression="attribute_exists(keyHash)",
            ExpressionAttributeValues={":now": iso(time.time())},
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


REVOCATION_BOUND_S = 5.0
"""How long a warm authorizer container may go on accepting a key after it was revoked: the
look-up cache's lifetime. One GetItem per key and container every few seconds is cheap (every
phone of an app carries the same publishable key)."""
LAST_USED_PRECISION_S = 60.0
"""A key's ``lastUsedAt`` is written at most this often per warm container."""
T = TypeVar("T")


class ExpiringCache(Generic[T]):
    """A bounded least-recently-used map whose entries expire ``ttl_s`` after they were put.
    (A dozen lines of OrderedDict: the authorizer's bundle takes no dependency for it.)"""

    def __init__(self, ttl_s: float, max_entries: int, clock: Callable[[], float]) -> None:
        self._ttl_s = ttl_s
        self._max = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, T]] = OrderedDict()

    def get(self, key: str) -> T | None:
        hit = self._entries.get(key)
        if hit is None:
            return None
        if hit[0] <= self._clock():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return hit[1]

    def put(self, key: str, value: T) -> None:
        self._entries[key] = (self._clock() + self._ttl_s, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)


class CachedResolver:
    """Key look-ups cached in memory (the authorizer's warm-container cache).

    API Gateway's own authorizer cache is off by design (see docs/deploy.md); this gives the
    same saving. Known keys and refused keys (unknown, malformed, revoked) are cached apart,
    each in a bounded LRU map, so a flood of made-up keys (with the publishable key every app
    carries, anyone can send one) only ever evicts other refused keys, never a valid key in
    use. Both expire after ``ttl_s``: a revoked key stops working, and a new key starts, within
    ``ttl_s`` in every warm container. A key's ``lastUsedAt`` (the dashboard's "last used") is
    written on a look-up at most once a ``LAST_USED_PRECISION_S`` per container.
    """

    def __init__(
        self,
        store: KeyStore,
        ttl_s: float = REVOCATION_BOUND_S,
        max_entries: int = 10_000,
        max_refused: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._marked: ExpiringCache[bool] = ExpiringCache(LAST_USED_PRECISION_S, max_entries, clock)
        self._known: ExpiringCache[Principal] = ExpiringCache(ttl_s, max_entries, clock)
        self._refused: ExpiringCache[bool] = ExpiringCache(ttl_s, max_refused, clock)

    def resolve(self, key: str) -> Principal | None:
        digest = hash_key(key)
        known = self._known.get(digest)
        if known is not None:
            return known
        if self._refused.get(digest):
            return None
        principal = self._store.resolve(key)
        if principal is None:
            self._refused.put(digest, True)
        else:
            self._known.put(digest, principal)
            self._mark_used(key, digest)
        return principal

    def _mark_used(self, key: str, digest: str) -> None:
        """Record the key's use (``lastUsedAt``), at most once a ``LAST_USED_PRECISION_S``;
        a lost "last used" must never refuse a valid key."""
        if self._marked.get(digest):
            return
        self._marked.put(digest, True)
        try:
            self._store.mark_used(key)
        except ClientError:
            log.warning("could not record the last use of a key")
