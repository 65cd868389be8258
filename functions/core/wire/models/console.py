"""The control plane's bodies (``functions.api.console``): who is signed in, projects, keys,
and the error answers given to a key."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from functions.core.wire.models.common import Request, Response

Environment = Literal["sandbox", "live"]
KeyKind = Literal["publishable", "secret"]


class Me(Response):
    """GET /v1/me: the person signed in, and the project and environment the request named."""

    username: str
    organizationId: str
    role: Literal["viewer", "admin"]
    projectId: str
    environment: Environment


class Project(Response):
    projectId: str
    name: str
    environments: list[Environment]
    createdAt: str | None = None


class ProjectList(Response):
    projects: list[Project]


class CreateProject(Request):
    name: str = Field(min_length=1, max_length=80)


class ApiKey(Response):
    """A key as listed: never the key itself (only its hash is stored)."""

    keyId: str
    display: str = Field(description="The prefix and first characters, e.g. sk_sandbox_Ab3x…")
    kind: KeyKind
    projectId: str
    environment: Environment
    name: str | None = None
    createdAt: str
    createdBy: str | None = None
    lastUsedAt: str | None = Field(
        default=None, description="Last authenticated use, exact to about a minute"
    )
    revokedAt: str | None = None


class KeyList(Response):
    keys: list[ApiKey]


class CreateKey(Request):
    projectId: str = Field(min_length=1, max_length=64)
    environment: Environment = "sandbox"
    kind: KeyKind = "secret"
    name: str | None = Field(default=None, max_length=80)


class CreatedKey(ApiKey):
    """POST /v1/keys (201): ``key`` is shown this once; store it now."""

    key: str


class RevokedKey(Response):
    keyId: str
    revoked: bool = True


class ErrorAnswer(Response):
    at: str
    route: str
    status: int
    code: str
    message: str
    requestId: str


class KeyErrors(Response):
    """GET /v1/keys/{keyId}/errors: the last error answers given to the key, newest first."""

    keyId: str
    errors: list[ErrorAnswer]
