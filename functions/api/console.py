"""The control plane, for people signed in to the dashboard (never for API keys):
GET /v1/me, GET|POST /v1/projects, GET|POST /v1/keys, DELETE /v1/keys/{keyId},
GET /v1/keys/{keyId}/errors.

This is how the first key of a deployment is made: an admin signs in and creates it here, so
no one needs AWS credentials on a laptop. Roles are checked before routing (``serve``, from
``names.ROUTES``): viewers list, admins create and revoke. Keys are listed by organisation
(every project and environment); a new key's plaintext is in the 201 answer only.
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from functions.api.common import answer_log, make_app, make_handler, principal, route
from functions.core.adapters import aws
from functions.core.adapters.keys import KeyStore
from functions.core.adapters.projects import ProjectStore
from functions.core.config.settings import get_settings
from functions.core.domain import errors
from functions.core.wire.models.console import (
    ApiKey,
    CreatedKey,
    CreateKey,
    CreateProject,
    KeyErrors,
    KeyList,
    Me,
    Project,
    ProjectList,
    RevokedKey,
)

router = Router()
KeyId = Annotated[str, Path(max_length=64, description="A key id (key_…)")]


@aws.per_container
def keys() -> KeyStore:
    return KeyStore(aws.table(get_settings().keys_table))


@aws.per_container
def projects() -> ProjectStore:
    return ProjectStore(aws.table(get_settings().projects_table))


def _username() -> str:
    return principal(app).key_id.removeprefix("user:")


def _key(item: dict) -> ApiKey:
    return ApiKey.model_validate({**item, "kind": item["scope"]})


@route(router, "GET /v1/me", summary="Who is signed in, and with which role", tags=["console"])
def me() -> Me:
    caller = principal(app)
    return Me(
        username=_username(),
        organizationId=caller.organization_id,
        role=caller.scope,  # type: ignore[arg-type]  # a person's scope is a role
        projectId=caller.project_id,
        environment=caller.environment,  # type: ignore[arg-type]
    )


@route(router, "GET /v1/projects", summary="List the organisation's projects", tags=["console"])
def list_projects() -> ProjectList:
    organization = principal(app).organization_id
    found = projects().list(organization, keys().list(organization))
    return ProjectList(projects=[Project.model_validate(p) for p in found])


@route(
    router,
    "POST /v1/projects",
    status=201,
    description="Project created",
    summary="Create a project (admin)",
    tags=["console"],
)
def create_project(body: CreateProject) -> Project:
    created = projects().create(principal(app).organization_id, body.name)
    return Project.model_validate(created)


@route(router, "GET /v1/keys", summary="List the organisation's API keys", tags=["console"])
def list_keys() -> KeyList:
    items = keys().list(principal(app).organization_id)
    return KeyList(keys=[_key(i) for i in items])


@route(
    router,
    "POST /v1/keys",
    status=201,
    description="Key created",
    errors={404: ["PROJECT_NOT_FOUND"]},
    summary="Create an API key (admin); the key is in this answer only",
    tags=["console"],
)
def create_key(body: CreateKey) -> CreatedKey:
    organization = principal(app).organization_id
    known = {p["projectId"] for p in projects().list(organization, keys().list(organization))}
    if body.projectId not in known:
        raise errors.NotFound(
            f"project {body.projectId!r} does not exist; create it first (POST /v1/projects)",
            code="PROJECT_NOT_FOUND",
        )
    issued = keys().create(
        organization_id=organization,
        project_id=body.projectId,
        environment=body.environment,
        kind=body.kind,
        name=body.name,
        created_by=_username(),
    )
    listed = next(i for i in keys().list(organization) if i["keyId"] == issued.key_id)
    return CreatedKey.model_validate({**_key(listed).model_dump(), "key": issued.key})


@route(
    router,
    "DELETE /v1/keys/{keyId}",
    summary="Revoke an API key (admin)",
    tags=["console"],
)
def revoke_key(keyId: KeyId) -> RevokedKey:  # noqa: N803
    if not keys().revoke(principal(app).organization_id, keyId):
        raise errors.NotFound(f"key {keyId!r} does not exist", code="KEY_NOT_FOUND")
    return RevokedKey(keyId=keyId)


@route(
    router,
    "GET /v1/keys/{keyId}/errors",
    summary="The last error answers given to a key (integration debugging)",
    tags=["console"],
)
def key_errors(keyId: KeyId) -> KeyErrors:  # noqa: N803
    organization = principal(app).organization_id
    if not any(i["keyId"] == keyId for i in keys().list(organization)):
        raise errors.NotFound(f"key {keyId!r} does not exist", code="KEY_NOT_FOUND")
    return KeyErrors.model_validate(
        {"keyId": keyId, "errors": answer_log().recent(keyId, organization)}
    )


app = make_app(router)
handler = make_handler(app)
