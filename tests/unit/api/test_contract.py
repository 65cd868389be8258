"""What schemathesis found against the served document (issue 12), pinned through the real
handlers on mocked AWS and on the document itself: every answer in the API's error shape,
and the document saying what the API really accepts and answers."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from functions.api import openapi_document
from functions.core.config import names
from functions.core.domain.webhook_urls import check_url
from functions.core.wire.models.webhooks import URL_PATTERN
from functions.engine.version import ENGINE_VERSION
from tests.unit.api.gateway import BACKEND, call, invoke

OPERATIONS = openapi_document.document()["paths"]


def _default_route(method: str, target: str) -> tuple[int, dict[str, str], dict[str, Any]]:
    """What the ``$default`` route's function answers to ``method target``."""
    answer = invoke(method, target)
    return answer["statusCode"], answer.get("headers") or {}, json.loads(answer["body"])


@pytest.mark.parametrize(
    ("method", "target", "allowed"),
    [
        ("TRACE", "/v1/sessions/start", "POST"),
        ("GET", "/v1/telemetry", "POST"),
        ("PUT", "/v1/sessions/sess_1?limit=5", "DELETE, GET, PATCH"),
        ("FOO", "/v1/webhooks/ep_1/deliveries?cursor=x", "GET"),
    ],
)
def test_a_method_no_route_serves_at_a_routes_path_is_405_with_allow(
    mocked_aws, method: str, target: str, allowed: str
) -> None:
    status, headers, body = _default_route(method, target)
    assert status == 405
    assert headers["Allow"] == allowed
    assert body["error"]["code"] == "METHOD_NOT_ALLOWED"
    assert set(body["error"]) == {"code", "message", "details"}
    assert allowed in body["error"]["message"]


def test_a_path_of_no_route_is_still_route_not_found_whatever_its_query(mocked_aws) -> None:
    status, headers, body = _default_route("TRACE", "/v2/nowhere?limit=5")
    assert (status, body["error"]["code"]) == (404, "ROUTE_NOT_FOUND")
    assert "Allow" not in headers


@pytest.mark.parametrize(
    ("method", "path", "code"),
    [
        ("GET", "/v1/sessions/%C2%81%24%3E%5D", "SESSION_NOT_FOUND"),
        ("POST", "/v1/sessions/a%22b/stop", "SESSION_NOT_FOUND"),
        ("GET", "/v1/webhooks/%E2%82%AC", "WEBHOOK_NOT_FOUND"),
        ("POST", "/v1/webhooks/ep_1/deliveries/%5C%60/retry", "DELIVERY_NOT_FOUND"),
    ],
)
def test_an_id_of_characters_no_id_has_is_that_resources_404(
    mocked_aws, method: str, path: str, code: str
) -> None:
    """The resolver cannot route such a value (``\\x81``, ``"``, ``€``): it is an unknown id,
    not a route the API lacks (schemathesis got 404 ROUTE_NOT_FOUND, then 405)."""
    status, body = call(method, path, caller=BACKEND)
    assert (status, body["error"]["code"]) == (404, code)


def test_each_route_declares_the_credentials_it_takes() -> None:
    for route in names.ROUTES:
        if route.handler == "openapi":
            continue
        security = OPERATIONS[route.path][route.method.lower()]["security"]
        schemes = (["DesmoKey"] if route.keys else []) + (
            ["DashboardSignIn"] if route.people else []
        )
        assert security == [{scheme: []} for scheme in schemes], (route.method, route.path)
    assert OPERATIONS["/v1/keys"]["get"]["security"] == [{"DashboardSignIn": []}]
    assert OPERATIONS["/v1/telemetry"]["post"]["security"] == [{"DesmoKey": []}]
    assert "security" not in openapi_document.document()


def test_a_204_is_documented_without_a_body() -> None:
    for path, method in (
        ("/v1/sessions/{sessionId}", "delete"),
        ("/v1/webhooks/{webhookId}", "delete"),
    ):
        assert OPERATIONS[path][method]["responses"]["204"] == {
            "description": OPERATIONS[path][method]["responses"]["204"]["description"]
        }


def test_a_start_at_a_latitude_below_dynamodbs_smallest_number_is_kept(mocked_aws) -> None:
    """5e-243 is a valid latitude; DynamoDB's numbers stop at 1E-130 (boto3 raised: a 500)."""
    status, body = call(
        "POST",
        "/v1/sessions/start",
        {
            "deliveryId": "d-tiny",
            "sessionType": "drop",
            "startLocation": {"lat": 5.165747481618788e-243, "lng": 2.0},
            "address": {"lat": -1e-300, "lng": 1e-131},
        },
    )
    assert status == 201, body
    status, stored = call("GET", f"/v1/sessions/{body['sessionId']}", caller=BACKEND)
    assert status == 200
    assert stored["startLocation"] == {"lat": 0, "lng": 2.0}
    assert (stored["address"]["lat"], stored["address"]["lng"]) == (0, 0)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ({"sensorAvailability": {"hasMagnetometer": 0}}, "hasMagnetometer"),
        ({"sensorAvailability": {"hasGps": "true"}}, "hasGps"),
        ({"startLocation": {"lat": "1.5", "lng": 2.0}}, "lat"),
    ],
)
def test_a_start_field_of_another_json_type_than_documented_is_refused(
    mocked_aws, field: dict[str, Any], value: str
) -> None:
    """The document says boolean / number; pydantic's lax mode took 0 and "1.5" (the SDK
    sends JSON booleans and numbers: tests/unit/api/test_sdk_edges.py)."""
    status, body = call(
        "POST", "/v1/sessions/start", {"deliveryId": "d", "sessionType": "drop", **field}
    )
    assert (status, body["error"]["code"]) == (422, "VALIDATION_ERROR")
    assert any(detail["field"].endswith(value) for detail in body["error"]["details"])


def test_patch_takes_archived_as_a_json_boolean_only(mocked_aws) -> None:
    _, started = call("POST", "/v1/sessions/start", {"deliveryId": "d", "sessionType": "drop"})
    path = f"/v1/sessions/{started['sessionId']}"
    status, body = call("PATCH", path, {"archived": 0}, caller=BACKEND)
    assert (status, body["error"]["code"]) == (422, "VALIDATION_ERROR")
    status, body = call("PATCH", path, {"archived": True}, caller=BACKEND)
    assert status == 200 and body["archived"] is True


def test_a_sample_keeps_the_lax_reading_of_its_fields(mocked_aws) -> None:
    """Samples are not in the document's schema and a refused field costs the whole sample:
    ``charging: 1`` is still read as true."""
    _, started = call("POST", "/v1/sessions/start", {"deliveryId": "d", "sessionType": "drop"})
    sample = {"ts": time.time(), "context": {"charging": 1, "batteryLevel": "0.5"}}
    status, body = call(
        "POST", "/v1/telemetry", {"sessionId": started["sessionId"], "events": [sample]}
    )
    assert status == 202 and body["accepted"] == 1, body


def test_reprocess_documents_the_engine_versions_it_takes() -> None:
    schema = openapi_document.document()["components"]["schemas"]["ReprocessRequest"]
    assert schema["properties"]["engineVersion"]["enum"] == ["current", ENGINE_VERSION]


@settings(max_examples=200, deadline=None)
@given(st.from_regex(URL_PATTERN))
def test_every_url_the_documents_pattern_allows_is_one_the_api_takes(url: str) -> None:
    """The webhook URL's ``pattern`` promises nothing ``check_url`` refuses (for a live key,
    without loopback): schemathesis sent ``00000000`` as a valid URL."""
    check_url(url, "live", allow_loopback=False)


def test_webhook_urls_document_their_pattern() -> None:
    schemas = openapi_document.document()["components"]["schemas"]
    assert schemas["CreateWebhookRequest"]["properties"]["url"]["pattern"] == URL_PATTERN
    assert schemas["UpdateWebhookRequest"]["properties"]["url"]["pattern"] == URL_PATTERN


def test_the_time_filters_are_date_times_and_an_empty_one_is_refused(mocked_aws) -> None:
    """Declared ``date-time``, so ``createdAfter=`` is no valid value (docs/decisions.md)."""
    parameters = {p["name"]: p for p in OPERATIONS["/v1/sessions"]["get"]["parameters"]}
    for name in ("createdAfter", "createdBefore"):
        assert parameters[name]["schema"]["format"] == "date-time"
        status, body = call("GET", f"/v1/sessions?{name}=", caller=BACKEND)
        assert (status, body["error"]["code"]) == (422, "VALIDATION_ERROR"), body


@pytest.mark.parametrize("since", [0, 1700000000.5, True, "yesterday", ""])
def test_replay_takes_since_only_as_date_time_text(mocked_aws, since: Any) -> None:
    """Lax pydantic read ``since: 0`` as 1970 and replayed everything (schemathesis: a
    schema-invalid request accepted)."""
    status, body = call("POST", "/v1/webhooks/ep_1/replay", {"since": since}, caller=BACKEND)
    assert (status, body["error"]["code"]) == (422, "VALIDATION_ERROR")
    assert "RFC 3339" in body["error"]["details"][0]["message"]


@pytest.mark.parametrize(
    "since", ["2026-11-23T10:00:00Z", "2026-11-23t10:00:00.5z", "2026-11-23T10:00:00+01:00"]
)
def test_replay_reads_rfc_3339_since(mocked_aws, since: str) -> None:
    status, body = call("POST", "/v1/webhooks/ep_1/replay", {"since": since}, caller=BACKEND)
    assert (status, body["error"]["code"]) == (404, "WEBHOOK_NOT_FOUND")
