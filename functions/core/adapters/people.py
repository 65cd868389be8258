"""People signed in to the dashboard: a Cognito access token → the caller.

A person belongs to an organisation (the user's ``custom:organizationId`` attribute) and has
one role (the Cognito group ``admin`` or ``viewer``; admin wins). The dashboard sends the
access token as ``Authorization: Bearer``, and the project and environment it shows in
``names.PROJECT_HEADER`` / ``names.ENVIRONMENT_HEADER``.

The token is checked by Cognito itself (``GetUser``), not by verifying its signature here:
GetUser refuses forged, expired and signed-out tokens (a JWT check would accept a signed-out
token until it expires), needs no JWKS download or crypto library in the authorizer, and
behaves the same against moto locally. Its cost, one call per token per cache period, is
small for people (keys, the high-volume callers, never reach it). GetUser accepts a token of
*any* user pool, so the claims are read too and the issuer and app client must be ours: once
GetUser accepted the token, its claims are the ones Cognito signed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from functions.core.adapters.keys import ExpiringCache
from functions.core.config import names
from functions.core.domain.principal import Principal, Role

ORGANIZATION_ATTRIBUTE = "custom:organizationId"
GROUPS_CLAIM = "cognito:groups"


@dataclass(frozen=True)
class Person:
    username: str
    organization_id: str
    role: Role

    def principal(self, project_id: str, environment: str) -> Principal:
        return Principal(
            organization_id=self.organization_id,
            project_id=project_id,
            environment=environment,
            scope=self.role,
            key_id=f"user:{self.username}",
        )


def claims(token: str) -> dict[str, Any] | None:
    """The token's payload, unverified (``None`` if it is not a JWT)."""
    try:
        payload = token.split(".")[1]
        decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, binascii.Error, UnicodeDecodeError):
        return None
    return decoded if isinstance(decoded, dict) else None


def issuer(user_pool_id: str) -> str:
    """What Cognito writes into ``iss`` (the region is the pool id's prefix)."""
    region = user_pool_id.partition("_")[0]
    return f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"


def role_of(groups: Any) -> Role | None:
    """The strongest role among the user's groups, or None when it has neither."""
    listed = groups if isinstance(groups, list) else []
    for role in reversed(names.ROLES):  # admin first
        if role in listed:
            return role  # type: ignore[return-value]
    return None


class People:
    """Resolves access tokens through Cognito (``cognito`` is a boto3 cognito-idp client)."""

    def __init__(
        self,
        cognito: Any,
        user_pool_id: str,
        client_id: str,
        ttl_s: float = 60.0,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._cognito = cognito
        self._issuer = issuer(user_pool_id) if user_pool_id else None
        self._client_id = client_id
        # Apart, as for keys: a flood of refused tokens never evicts a person signed in.
        self._known: ExpiringCache[Person] = ExpiringCache(ttl_s, max_entries, clock)
        self._refused: ExpiringCache[bool] = ExpiringCache(ttl_s, max_entries, clock)

    def resolve(self, token: str) -> Person | None:
        """The person the token belongs to, or None (forged, expired, signed out, another
        pool or app client, no organisation or role)."""
        found = claims(token)
        if self._issuer is None or found is None:
            return None
        left = float(found.get("exp", 0)) - time.time()
        if (
            found.get("iss") != self._issuer
            or found.get("client_id") != self._client_id
            or found.get("token_use") != "access"
            or left <= 0
        ):
            return None
        digest = hashlib.sha256(token.encode()).hexdigest()
        known = self._known.get(digest)
        if known is not None or self._refused.get(digest):
            return known
        person = self._look_up(token, found)
        if person is None:
            self._refused.put(digest, True)
        else:
            self._known.put(digest, person)
        return person

    def _look_up(self, token: str, found: dict[str, Any]) -> Person | None:
        try:
            user = self._cognito.get_user(AccessToken=token)
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("NotAuthorizedException", "UserNotFoundException"):
                return None
            raise
        attributes = {a["Name"]: a["Value"] for a in user.get("UserAttributes", [])}
        organization = attributes.get(ORGANIZATION_ATTRIBUTE)
        role = role_of(found.get(GROUPS_CLAIM))
        if not organization or role is None:
            return None
        return Person(username=str(user["Username"]), organization_id=organization, role=role)
