"""The local front door's API Gateway emulation: routing, v2 events, v2 responses, and the
SQS / schedule events the poller sends. Events are validated with Powertools' own parser
models, which is what the handlers parse them with."""

from __future__ import annotations

import base64
import gzip
import json
from datetime import UTC, datetime

import pytest
from aws_lambda_powertools.utilities.parser.models import (
    ApiGatewayAuthorizerRequestV2,
    APIGatewayProxyEventV2Model,
    EventBridgeModel,
    SqsModel,
)

from doorproof.local.apigw_events import (
    Api,
    MalformedResponse,
    Request,
    authorizer_decision,
    authorizer_event,
    http_event,
    http_response,
    match_route,
)
from doorproof.local.trigger_events import failed_message_ids, scheduled_event, sqs_event
from functions.core.config import names

API = Api(api_id="abc123", account_id="123456789012", region="us-east-1")
NOW = datetime(2026, 3, 7, 9, 5, 3, 250000, tzinfo=UTC)


def request(
    method: str = "POST",
    target: str = "/v1/telemetry",
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b"",
) -> Request:
    return Request(
        method=method,
        target=target,
        headers=headers if headers is not None else [("Host", "127.0.0.1:8787")],
        body=body,
        source_ip="127.0.0.1",
        server_port=8787,
    )


def event_for(req: Request, **kwargs: object) -> dict:
    match = match_route(req.method, req.raw_path)
    assert match is not None
    return http_event(req, match, api=API, request_id="rid", now=NOW, **kwargs)  # type: ignore[arg-type]


# --- routing ----------------------------------------------------------------------------


def test_every_route_in_names_is_reachable() -> None:
    for route in names.ROUTES:
        path = route.path.replace("{sessionId}", "ses_1")
        match = match_route(route.method, path)
        assert match is not None and match.route == route


def test_literal_segments_win_over_parameters_and_params_are_decoded() -> None:
    stop = match_route("POST", "/v1/sessions/stop")
    assert stop is not None and stop.route.path == "/v1/sessions/stop"
    assert stop.path_parameters == {}
    by_id = match_route("GET", "/v1/sessions/a%20b")
    assert by_id is not None and by_id.path_parameters == {"sessionId": "a b"}
    assert by_id.route_key == "GET /v1/sessions/{sessionId}"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/telemetry"),  # wrong method: $default (its function answers the 405)
        ("POST", "/v1/telemetry/"),
        ("GET", "/v1/sessions//insights"),  # a parameter never matches an empty segment
        ("GET", "/v2/sessions"),
    ],
)
def test_unknown_routes_do_not_match(method: str, path: str) -> None:
    assert match_route(method, path) is None


# --- the v2 event -----------------------------------------------------------------------


def test_http_event_is_a_valid_v2_event_with_api_gateway_details() -> None:
    req = request(
        "GET",
        "/v1/sessions/ses_1?limit=5&status=a&status=b",
        headers=[
            ("Host", "127.0.0.1:8787"),
            ("Desmo-Key", "pk_1"),
            ("X-Multi", "one"),
            ("x-multi", "two"),
            ("Cookie", "a=1; b=2"),
            ("User-Agent", "okhttp/4"),
        ],
    )
    event = event_for(req, authorizer_context={"organizationId": "org_1"})
    model = APIGatewayProxyEventV2Model.model_validate(event)

    assert model.version == "2.0"
    assert model.routeKey == "GET /v1/sessions/{sessionId}"
    assert model.rawPath == "/v1/sessions/ses_1"
    assert model.rawQueryString == "limit=5&status=a&status=b"
    assert model.queryStringParameters == {"limit": "5", "status": "a,b"}
    assert model.pathParameters == {"sessionId": "ses_1"}
    assert event["headers"]["desmo-key"] == "pk_1"
    assert event["headers"]["x-multi"] == "one,two"
    assert "cookie" not in event["headers"]
    assert model.cookies == ["a=1", "b=2"]
    assert event["headers"]["x-forwarded-for"] == "127.0.0.1"
    context = event["requestContext"]
    assert context["stage"] == "$default"
    assert context["routeKey"] == "GET /v1/sessions/{sessionId}"
    assert context["http"] == {
        "method": "GET",
        "path": "/v1/sessions/ses_1",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "okhttp/4",
    }
    assert context["time"] == "07/Mar/2026:09:05:03 +0000"
    assert context["timeEpoch"] == 1772874303250
    assert context["authorizer"] == {"lambda": {"organizationId": "org_1"}}
    assert "body" not in event and event["isBase64Encoded"] is False


def test_optional_fields_are_absent_not_empty() -> None:
    event = event_for(request("GET", "/v1/sessions"))
    for absent in ("queryStringParameters", "pathParameters", "cookies", "body"):
        assert absent not in event
    assert "authorizer" not in event["requestContext"]


def test_gzip_body_is_base64_encoded() -> None:
    raw = gzip.compress(b'{"sessionId": "s", "events": []}')
    req = request(
        body=raw,
        headers=[("Content-Encoding", "gzip"), ("Content-Type", "application/json")],
    )
    event = event_for(req)
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == raw


def test_plain_json_body_is_passed_as_text() -> None:
    req = request(body=b'{"a": "\xc3\xa9"}', headers=[("Content-Type", "application/json")])
    event = event_for(req)
    assert event["isBase64Encoded"] is False
    assert event["body"] == '{"a": "é"}'


@pytest.mark.parametrize(
    "headers",
    [
        [("Content-Type", "application/octet-stream")],
        [],  # no content type: treated as binary
        [("Content-Type", "application/x-www-form-urlencoded")],
    ],
)
def test_non_text_bodies_are_base64_encoded(headers: list[tuple[str, str]]) -> None:
    event = event_for(request(body=b"abc", headers=headers))
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"abc"


def test_invalid_utf8_is_base64_even_when_labelled_json() -> None:
    req = request(body=b"\xff\xfe", headers=[("Content-Type", "application/json")])
    assert event_for(req)["isBase64Encoded"] is True


def test_authorizer_event_is_a_valid_v2_request_authorizer_event() -> None:
    req = request("GET", "/v1/sessions/ses_9/insights", headers=[("Desmo-Key", "sk_1")], body=b"x")
    match = match_route(req.method, req.raw_path)
    assert match is not None
    event = authorizer_event(req, match, api=API, request_id="rid", now=NOW)
    model = ApiGatewayAuthorizerRequestV2.model_validate(event)

    assert model.type == "REQUEST"
    assert model.routeArn == (
        "arn:aws:execute-api:us-east-1:123456789012:abc123/$default/GET/v1/sessions/ses_9/insights"
    )
    assert model.routeKey == "GET /v1/sessions/{sessionId}/insights"
    assert model.pathParameters == {"sessionId": "ses_9"}
    assert event["headers"]["desmo-key"] == "sk_1"
    assert "identitySource" not in event
    assert "body" not in event


# --- responses --------------------------------------------------------------------------


def test_authorizer_decision() -> None:
    assert authorizer_decision({"isAuthorized": True, "context": {"a": "b"}}) == {"a": "b"}
    assert authorizer_decision({"isAuthorized": True}) == {}
    assert authorizer_decision({"isAuthorized": False, "context": {"a": "b"}}) is None
    for bad in (None, {}, {"isAuthorized": "true"}, {"isAuthorized": True, "context": []}):
        with pytest.raises(MalformedResponse):
            authorizer_decision(bad)


def test_v2_response_with_headers_cookies_and_base64_body() -> None:
    result = {
        "statusCode": 201,
        "headers": {"Content-Type": "image/png", "X-Count": 3},
        "cookies": ["a=1", "b=2; Secure"],
        "body": base64.b64encode(b"\x89PNG").decode(),
        "isBase64Encoded": True,
    }
    response = http_response(result, "rid")
    assert response.status == 201
    assert response.body == b"\x89PNG"
    assert ("content-type", "image/png") in response.headers
    assert ("x-count", "3") in response.headers
    assert [v for k, v in response.headers if k == "set-cookie"] == ["a=1", "b=2; Secure"]
    assert ("apigw-requestid", "rid") in response.headers


def test_v2_response_without_status_code_is_inferred_as_json_200() -> None:
    response = http_response({"sessionId": "s"}, "rid")
    assert response.status == 200
    assert json.loads(response.body) == {"sessionId": "s"}
    assert ("content-type", "application/json") in response.headers


@pytest.mark.parametrize(
    "result",
    [
        {"statusCode": "200"},
        {"statusCode": 99},
        {"statusCode": 200, "body": {"not": "a string"}},
        {"statusCode": 200, "headers": ["x"]},
        {"statusCode": 200, "body": "***", "isBase64Encoded": True},
    ],
)
def test_unusable_responses_are_rejected(result: dict) -> None:
    with pytest.raises(MalformedResponse):
        http_response(result, "rid")


# --- SQS and schedule -------------------------------------------------------------------


def test_sqs_event_matches_the_event_source_mapping_shape() -> None:
    message = {
        "MessageId": "m1",
        "ReceiptHandle": "rh",
        "MD5OfBody": "md5",
        "Body": '{"Records": []}',
        "Attributes": {
            "ApproximateReceiveCount": "2",
            "SentTimestamp": "1700000000000",
            "SenderId": "AIDA",
            "ApproximateFirstReceiveTimestamp": "1700000000001",
        },
        "MD5OfMessageAttributes": "md5a",
        "MessageAttributes": {
            "kind": {"StringValue": "finalize", "DataType": "String"},
            "blob": {"BinaryValue": b"\x00\x01", "DataType": "Binary"},
        },
    }
    arn = "arn:aws:sqs:us-east-1:123456789012:q"
    event = sqs_event([message], source_arn=arn, region="us-east-1")
    model = SqsModel.model_validate(event)

    record = event["Records"][0]
    assert model.Records[0].messageId == "m1"
    assert record["eventSource"] == "aws:sqs" and record["eventSourceARN"] == arn
    assert record["attributes"]["ApproximateReceiveCount"] == "2"
    assert record["messageAttributes"]["kind"]["stringValue"] == "finalize"
    assert record["messageAttributes"]["blob"]["binaryValue"] == "AAE="
    assert record["md5OfMessageAttributes"] == "md5a"


def test_failed_message_ids_follow_report_batch_item_failures() -> None:
    ids = ["a", "b", "c"]
    assert failed_message_ids(None, ids) == set()
    assert failed_message_ids({"batchItemFailures": []}, ids) == set()
    assert failed_message_ids({"batchItemFailures": [{"itemIdentifier": "b"}]}, ids) == {"b"}
    # An identifier that is empty or not in the batch fails the whole batch, as in AWS.
    assert failed_message_ids({"batchItemFailures": [{"itemIdentifier": ""}]}, ids) == set(ids)
    assert failed_message_ids({"batchItemFailures": [{"itemIdentifier": "z"}]}, ids) == set(ids)


def test_scheduled_event_is_an_eventbridge_scheduled_event() -> None:
    event = scheduled_event(region="us-east-1", account="123", rule_name="sweep", now=NOW)
    model = EventBridgeModel.model_validate(event)
    assert model.detail_type == "Scheduled Event"
    assert model.source == "aws.events"
    assert event["time"] == "2026-03-07T09:05:03Z"
    assert event["resources"] == ["arn:aws:events:us-east-1:123:rule/sweep"]
