"""Sign-in for the local stack: a Cognito user pool in moto, and one-time sign-in links.

The dashboard signs people in with Cognito in AWS (``infra/dashboard.py``); locally the same
user pool exists in moto, with the same custom attribute (``custom:organizationId``) and
groups (``names.ROLES``), and one user per role in the first demo organisation. The API checks
the tokens exactly as deployed (``functions.core.adapters.people``: Cognito's GetUser, here moto's).

What differs is how a person gets a token: in AWS through Cognito's managed login; here
through a one-time link that ``doorproof local`` prints (``SignInLinks``). The link's code is
random, lives ``CODE_TTL_S`` seconds and works once; the dashboard exchanges it at
``POST /local/signin`` for the user's tokens (``admin_initiate_auth`` with a password nobody
sees). So no key and no password is ever typed into a browser.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

from functions.core.adapters.people import ORGANIZATION_ATTRIBUTE
from functions.core.config import names

CODE_TTL_S = 15 * 60.0
POOL_NAME = "doorproof-{stage}-people"


@dataclass(frozen=True)
class LocalPeople:
    """The local user pool: its ids and the username of each role's user."""

    user_pool_id: str
    client_id: str
    organization_id: str
    users: dict[str, str]
    """role → username"""
    passwords: dict[str, str]


def create_people(cognito: Any, *, stage: str, organization_id: str) -> LocalPeople:
    """The pool, its app client, the role groups and one user per role (moto)."""
    pool = cognito.create_user_pool(
        PoolName=POOL_NAME.format(stage=stage),
        Schema=[
            {
                "Name": ORGANIZATION_ATTRIBUTE.removeprefix("custom:"),
                "AttributeDataType": "String",
                "Mutable": False,
            }
        ],
    )["UserPool"]
    client = cognito.create_user_pool_client(
        UserPoolId=pool["Id"],
        ClientName="dashboard",
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
    users, passwords = {}, {}
    for role in names.ROLES:
        cognito.create_group(UserPoolId=pool["Id"], GroupName=role)
        username = f"{role}@{organization_id}"
        password = secrets.token_urlsafe(24) + "aA1!"
        cognito.admin_create_user(
            UserPoolId=pool["Id"],
            Username=username,
            UserAttributes=[{"Name": ORGANIZATION_ATTRIBUTE, "Value": organization_id}],
            MessageAction="SUPPRESS",
        )
        cognito.admin_set_user_password(
            UserPoolId=pool["Id"], Username=username, Password=password, Permanent=True
        )
        cognito.admin_add_user_to_group(UserPoolId=pool["Id"], Username=username, GroupName=role)
        users[role], passwords[role] = username, password
    return LocalPeople(pool["Id"], client["ClientId"], organization_id, users, passwords)


class SignInLinks:
    """One-time sign-in codes: ``issue(role)`` → code; ``redeem(code)`` → Cognito tokens."""

    def __init__(self, cognito: Any, people: LocalPeople) -> None:
        self._cognito = cognito
        self._people = people
        self._codes: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def issue(self, role: str = "admin") -> str:
        if role not in self._people.users:
            raise ValueError(f"role must be one of {', '.join(names.ROLES)}")
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = (role, time.monotonic() + CODE_TTL_S)
        return code

    def redeem(self, code: str) -> dict[str, Any] | None:
        """The tokens for the code's user, once; None for an unknown, used or old code."""
        with self._lock:
            role, expires = self._codes.pop(code, ("", 0.0))
        if not role or time.monotonic() > expires:
            return None
        auth = self._cognito.admin_initiate_auth(
            UserPoolId=self._people.user_pool_id,
            ClientId=self._people.client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={
                "USERNAME": self._people.users[role],
                "PASSWORD": self._people.passwords[role],
            },
        )["AuthenticationResult"]
        return {
            "accessToken": auth["AccessToken"],
            "expiresIn": auth["ExpiresIn"],
            "tokenType": "Bearer",
        }
