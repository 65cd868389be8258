"""The authorizer and the route-side check: who may call what, and the answers' shape."""

from __future__ import annotations

import json
from typing import cast

import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext as PowertoolsContext

from doorproof.local.lambda_context import context_for
from functions.api import authorizer
from functions.api.common import authenticate, serve
from functions.api.sessions import app as sessions_app
from functions.core.adapters.keys import KeyStore
from functions.core.config import names
from functions.core.domain import errors
from functions.core.domain.principal import Principal

PK = Principal("o", "p", "sandbox", "publishable", "key_1")
SK = Principal("o", "p", "sandbox", "secret", "key_2")


def event(route_key: str, context: dict | None) -> dict:
    request_context: dict = {"requestId": "r1"}
    if context is not None:
        request_context["authorizer"] = {"lambda": context}
    return {"routeKey": route_key, "requestContext": request_context}


@pytest.mark.parametrize("route", sorted(names.DATA_PLANE_ROUTES))
def test_publishable_keys_reach_the_data_plane(route) -> None:
    assert authenticate(event(f"{route[0]} {route[1]}", PK.to_context())) == PK


@pytest.mark.parametrize(
    "route",
    [
        r
        for r in names.ROUTES
        if r.authorized and r.keys and (r.method, r.path) not in names.DATA_PLANE_ROUTES
    ],
)
def test_publishable_keys_are_refused_elsewhere_and_secret_keys_are_not(route) -> None:
    key = f"{route.method} {route.path}"
    with pytest.raises(errors.Forbidden):
        authenticate(event(key, PK.to_context()))
    assert authenticate(event(key, SK.to_context())) == SK


def test_public_route_needs_no_key() -> None:
    assert authenticate(event("GET /v1/openapi.json", None)) is None


@pytest.mark.parametrize(
    "context", [None, {}, {"authError": "MISSING_KEY"}, {"authError": "INVALID_KEY"}]
)
def test_no_or_bad_key_is_401(context) -> None:
    with pytest.raises(errors.Unauthorized):
        authenticate(event("POST /v1/telemetry", context))


def test_refusal_before_routing_has_the_error_shape_and_request_id() -> None:
    answer = serve(sessions_app, event("POST /v1/sessions/start", None), None)  # type: ignore[arg-type]
    assert answer["statusCode"] == 401
    assert answer["headers"]["x-request-id"] == "r1"
    assert json.loads(answer["body"])["error"]["code"] == "UNAUTHORIZED"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"desmo-key": " k1 "}, "k1"),
        ({"Desmo-Key": "k1", "authorization": "Bearer k2"}, "k1"),
        ({"authorization": "Bearer k2"}, "k2"),
        ({"authorization": "Basic abc"}, None),
        ({"authorization": "Bearer "}, None),
        ({}, None),
    ],
)
def test_presented_key(headers, expected) -> None:
    assert authorizer.presented_key(headers) == expected


def authorizer_event(headers: dict) -> dict:
    return {
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": "arn",
        "routeKey": "GET /v1/x",
        "rawPath": "/v1/x",
        "headers": headers,
        "requestContext": {"requestId": "r"},
    }


def test_authorizer_resolves_keys_from_the_table(mocked_aws) -> None:
    issued = KeyStore(mocked_aws.table(names.KEYS_TABLE)).create(
        organization_id="org_9", project_id="p", environment="live", kind="secret"
    )
    # The local stack's context has every attribute Powertools reads from Lambda's.
    ctx = cast(
        PowertoolsContext,
        context_for(
            names.FUNCTIONS["authorizer"], stage="unit", region="us-east-1", account="123456789012"
        ),
    )
    known = authorizer.handler(authorizer_event({"desmo-key": issued.key}), ctx)
    assert known["isAuthorized"] is True
    assert Principal.from_context(known["context"]) == issued.principal
    unknown = authorizer.handler(authorizer_event({"desmo-key": "sk_live_" + "0" * 32}), ctx)
    assert unknown["context"] == {"authError": "INVALID_KEY"}
    missing = authorizer.handler(authorizer_event({}), ctx)
    assert missing["context"] == {"authError": "MISSING_KEY"}


VIEWER = Principal("o", "p", "sandbox", "viewer", "user:v")
ADMIN = Principal("o", "p", "sandbox", "admin", "user:a")


@pytest.mark.parametrize("route", [r for r in names.ROUTES if r.authorized], ids=str)
def test_people_reach_what_their_role_allows_and_keys_never_the_control_plane(route) -> None:
    key = f"{route.method} {route.path}"
    for person, allowed in (
        (VIEWER, route.people == "viewer"),
        (ADMIN, route.people in ("viewer", "admin")),
    ):
        if allowed:
            assert authenticate(event(key, person.to_context())) == person
        else:
            with pytest.raises(errors.Forbidden):
                authenticate(event(key, person.to_context()))
    if not route.keys:
        with pytest.raises(errors.Forbidden, match="people signed in"):
            authenticate(event(key, SK.to_context()))


def test_a_viewer_cannot_create_or_revoke_keys() -> None:
    for key in ("POST /v1/keys", "DELETE /v1/keys/{keyId}", "POST /v1/projects"):
        with pytest.raises(errors.Forbidden, match="needs the admin role"):
            authenticate(event(key, VIEWER.to_context()))
