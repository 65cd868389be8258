"""The OpenAPI document: committed and current, one route per ``names.ROUTES`` entry, the real
error shape, and every status a route answers documented (probed through the real handlers)."""

from __future__ import annotations

import gzip
import importlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from doorproof.local.apigw_events import (
    DEFAULT_ROUTE,
    Api,
    Request,
    RouteMatch,
    http_event,
    new_request_id,
)
from doorproof.local.lambda_context import context_for
from functions.api import openapi, openapi_document
from functions.core.config import names
from functions.core.domain.principal import Principal
from tests.unit.conftest import MockAws

ROOT = Path(__file__).resolve().parents[3]
PK = Principal("o", "p", "sandbox", "publishable", "key_1").to_context()
SK = Principal("o", "p", "sandbox", "secret", "key_2").to_context()
ADMIN = Principal("o", "p", "sandbox", "admin", "user:a").to_context()
VIEWER = Principal("o", "p", "sandbox", "viewer", "user:v").to_context()
API = Api(api_id="unit", account_id="123456789012", region="us-east-1")
DESCRIBED = [r for r in names.ROUTES if r.handler != "openapi"]
GZIP_BOMB = gzip.compress(b"\0" * (names.MAX_DECOMPRESSED_BYTES + 1))


def test_committed_document_is_what_the_handlers_generate() -> None:
    committed = openapi.COMMITTED.relative_to(ROOT)
    if not openapi.COMMITTED.is_file() or openapi.document_text() != openapi_document.rendered():
        pytest.fail(
            f"{committed} is out of date with the route handlers: run `make openapi` "
            f"and commit {committed}"
        )


def test_document_lists_exactly_the_routes_in_names() -> None:
    documented = {
        f"{method.upper()} {path}"
        for path, operations in openapi_document.document()["paths"].items()
        for method in operations
    }
    assert documented == {f"{r.method} {r.path}" for r in DESCRIBED}


def test_every_error_is_the_api_error_shape_not_powertools_validation_body() -> None:
    document = openapi_document.document()
    assert "HTTPValidationError" not in json.dumps(document)
    error = document["components"]["schemas"]["ErrorDetail"]
    assert set(error["required"]) == {"code", "message", "details"}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (
                        method,
                        path,
                        status,
                    )


def _documented(route: names.Route) -> set[int]:
    operation = openapi_document.document()["paths"][route.path][route.method.lower()]
    return {int(status) for status in operation["responses"]}


def _invoke(
    match: RouteMatch,
    *,
    caller: dict[str, Any] | None,
    body: bytes = b"",
    headers: tuple[tuple[str, str], ...] = (),
    query: str = "",
) -> tuple[int, dict[str, Any]]:
    path = match.route.path
    for name, value in match.path_parameters.items():
        path = path.replace(f"{{{name}}}", value)
    if match is DEFAULT_ROUTE:
        path = "/v1/nowhere"
    request = Request(
        method=match.route.method if match is not DEFAULT_ROUTE else "GET",
        target=path + (f"?{query}" if query else ""),
        headers=(("content-type", "application/json"), *headers),
        body=body,
        source_ip="127.0.0.1",
        server_port=443,
    )
    event = http_event(
        request,
        match,
        api=API,
        request_id=new_request_id(),
        now=datetime.now(UTC),
        authorizer_context=caller,
    )
    function = names.FUNCTIONS[match.route.handler]
    module = importlib.import_module(function.handler.rsplit(".", 1)[0])
    context = context_for(function, stage="unit", region=API.region, account=API.account_id)
    answer = module.handler(event, context)
    return answer["statusCode"], json.loads(answer["body"] or "null")


def _match(
    route: names.Route,
    session_id: str = "ses_missing",
    key_id: str = "key_missing",
    webhook_id: str = "ep_missing",
) -> RouteMatch:
    """The route with ``session_id`` as its session's (or building's) id, ``key_id`` as its
    key's, ``webhook_id`` as its webhook endpoint's."""
    values = {
        "sessionId": session_id,
        "buildingId": session_id,
        "keyId": key_id,
        "webhookId": webhook_id,
        "deliveryId": "dlv_missing",
    }
    params = {name: value for name, value in values.items() if f"{{{name}}}" in route.path}
    return RouteMatch(route, params)


def _body(route: names.Route) -> bytes:
    """A body the route's model accepts, for a session that does not exist."""
    bodies = {
        "POST /v1/sessions/start": {"deliveryId": "d-1", "sessionType": "drop"},
        "POST /v1/sessions/stop": {"sessionId": "ses_missing"},
        "POST /v1/telemetry": {"sessionId": "ses_missing", "events": [{"ts": 1.0}]},
        "PATCH /v1/sessions/{sessionId}": {"title": "a title"},
        "POST /v1/projects": {"name": "a project"},
        "POST /v1/keys": {"projectId": "prj_missing"},
        "POST /v1/webhooks": {"url": "https://hooks.example.com/doorproof"},
        "PATCH /v1/webhooks/{webhookId}": {"description": "x"},
        "POST /v1/webhooks/{webhookId}/replay": {"since": "2026-01-01T00:00:00Z"},
    }
    key = f"{route.method} {route.path}"
    return json.dumps(bodies[key]).encode() if key in bodies else b""


@dataclass(frozen=True)
class Probe:
    """A request to a route and the answer it must get."""

    what: str
    status: int
    code: str
    caller: dict[str, Any] | None
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    query: str = ""
    session_id: str = "ses_missing"
    key_id: str = "key_missing"
    webhook_id: str = "ep_missing"


def _probes(route: names.Route) -> list[Probe]:
    secret = (
        route.authorized
        and route.keys
        and (route.method, route.path) not in names.DATA_PLANE_ROUTES
    )
    key = (SK if route.keys else ADMIN) if route.authorized else None
    gzipped = (("content-encoding", "gzip"),)
    probes = [
        Probe("bad gzip", 400, "INVALID_GZIP", key, b"nope", gzipped),
        Probe("gzip bomb", 413, "PAYLOAD_TOO_LARGE", key, GZIP_BOMB, gzipped),
        Probe("brotli", 415, "UNSUPPORTED_ENCODING", key, b"{}", (("content-encoding", "br"),)),
    ]
    probes.append(
        Probe("typo in the query", 400, "UNKNOWN_QUERY_PARAMETER", key, _body(route), query="x=1")
    )
    if route.authorized:
        probes.append(Probe("no key", 401, "UNAUTHORIZED", None))
    if secret:
        probes.append(Probe("publishable key", 403, "INSUFFICIENT_SCOPE", PK))
    if route.authorized and not route.keys:
        probes.append(Probe("a key on the control plane", 403, "INSUFFICIENT_SCOPE", SK))
    if route.people == "admin":
        probes.append(Probe("a viewer", 403, "INSUFFICIENT_ROLE", VIEWER))
    if "{keyId}" in route.path:
        probes.append(Probe("unknown key", 404, "KEY_NOT_FOUND", key))
        probes.append(Probe("id too long", 422, "VALIDATION_ERROR", key, key_id="k" * 65))
        return probes
    if route.handler == "console":
        if route.method == "POST":
            probes.append(Probe("field missing", 422, "VALIDATION_ERROR", key, b'{"x": 1}'))
        if (route.method, route.path) == ("POST", "/v1/keys"):
            project = b'{"projectId": "nope"}'
            probes.append(Probe("unknown project", 404, "PROJECT_NOT_FOUND", key, project))
        return probes
    if "{sessionId}" in route.path or route.path in ("/v1/sessions/stop", "/v1/telemetry"):
        probes.append(Probe("unknown session", 404, "SESSION_NOT_FOUND", key, _body(route)))
    if "{webhookId}" in route.path:
        probes.append(Probe("unknown webhook", 404, "WEBHOOK_NOT_FOUND", key, _body(route)))
        too_long = "e" * 65
        probes.append(
            Probe("id too long", 422, "VALIDATION_ERROR", key, _body(route), webhook_id=too_long)
        )
    elif (route.method, route.path) == ("GET", "/v1/webhooks"):
        pass  # takes no input but the query: the typo probe above covers it
    elif "{sessionId}" in route.path:
        probes.append(
            Probe("id too long", 422, "VALIDATION_ERROR", key, _body(route), session_id="s" * 65)
        )
    elif "{buildingId}" in route.path:
        probes.append(Probe("unknown building", 404, "BUILDING_NOT_FOUND", key))
        probes.append(Probe("id too long", 422, "VALIDATION_ERROR", key, session_id="b" * 65))
    elif route.path == "/v1/sessions":
        probes.append(Probe("limit out of range", 422, "VALIDATION_ERROR", key, query="limit=0"))
        probes.append(Probe("forged cursor", 400, "INVALID_CURSOR", key, query="cursor=garbage"))
    else:
        probes.append(Probe("field missing", 422, "VALIDATION_ERROR", key, b'{"x": 1}'))
    return probes


@pytest.mark.parametrize("route", DESCRIBED, ids=lambda r: f"{r.method} {r.path}")
def test_every_probed_answer_is_documented(route: names.Route, mocked_aws: MockAws) -> None:
    for probe in _probes(route):
        answered, body = _invoke(
            _match(route, probe.session_id, probe.key_id, probe.webhook_id),
            caller=probe.caller,
            body=probe.body,
            headers=probe.headers,
            query=probe.query,
        )
        assert (answered, body["error"]["code"]) == (probe.status, probe.code), probe.what
        assert probe.status in _documented(route), f"{probe.what}: {probe.status} undocumented"


def test_a_request_for_no_route_is_route_not_found(mocked_aws: MockAws) -> None:
    status, body = _invoke(DEFAULT_ROUTE, caller=None, body=b"nope")
    assert status == 404
    assert body["error"] == {
        "code": "ROUTE_NOT_FOUND",
        "message": "no such route",
        "details": [],
    }
