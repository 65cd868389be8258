"""Who is calling: a key's or a person's tenant and scope, whatever authenticated them.

Keys (``adapters.keys``) and dashboard sign-ins (``adapters.people``) both resolve to a
``Principal``; every use case scopes its work by ``Principal.tenant``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from functions.core.config import names

KeyKind = Literal["publishable", "secret"]
Role = Literal["viewer", "admin"]
Scope = Literal["publishable", "secret", "viewer", "admin"]
"""A key's kind, or the role of a person signed in to the dashboard."""


def looks_like_token(credential: str) -> bool:
    """A JWT (three dot-separated parts), as opposed to an API key: which of the two
    resolves the caller."""
    return credential.count(".") == 2


def tenant_of(organization_id: str, project_id: str, environment: str) -> str:
    """``org#project#environment``: how every table spells a tenant."""
    return f"{organization_id}#{project_id}#{environment}"


@dataclass(frozen=True)
class Principal:
    """Who is calling: the tenant a key belongs to and what it may do."""

    organization_id: str
    project_id: str
    environment: str
    scope: Scope
    key_id: str
    """The key's id; for a person, ``user:<username>``."""

    @property
    def is_person(self) -> bool:
        return self.scope in names.ROLES

    @property
    def tenant(self) -> str:
        """The isolation boundary: a resource of another tenant does not exist for the caller."""
        return tenant_of(self.organization_id, self.project_id, self.environment)

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
