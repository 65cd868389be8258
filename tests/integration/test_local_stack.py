"""The local stack itself, over real HTTP and real moto: API Gateway's behaviour at the front
door, S3 → SQS → processor with partial batch failures and the DLQ, the sweep timer, the demo
keys, and the ``doorproof local`` command. Fake handlers stand in where a test needs to see
exactly what a function received."""

from __future__ import annotations

import base64
import gzip
import json
import os
import signal
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import boto3
import pytest

from doorproof.local import LocalStack
from doorproof.local.lambdas import Handler
from functions.core.adapters.keys import KeyStore
from functions.core.config import names
from tests.integration.conftest import (
    LocalApi,
    doorproof_command,
    read_until,
    sign_in_with_printed_link,
    wait_for,
)

pytestmark = pytest.mark.integration
Override = Callable[[str, Handler], None]


def allow_all(event: dict[str, Any]) -> dict[str, Any]:
    return {"isAuthorized": True, "context": {"organizationId": "org_fake", "via": "fake"}}


class Recorder:
    """A fake function that keeps the events it gets and answers ``answer(event)``."""

    def __init__(self, answer: Callable[[dict[str, Any]], Any] = lambda e: None) -> None:
        self.events: list[dict[str, Any]] = []
        self.contexts: list[Any] = []
        self._answer = answer
        self._lock = threading.Lock()

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        with self._lock:
            self.events.append(event)
            self.contexts.append(context)
        return self._answer(event)


def echo(event: dict[str, Any]) -> dict[str, Any]:
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json", "x-echo": "yes"},
        "cookies": ["c=1"],
        "body": json.dumps(event),
    }


# --- the front door ---------------------------------------------------------------------


def test_a_routed_request_reaches_its_handler_as_a_v2_event(
    local_api: LocalApi, override_handler: Override
) -> None:
    authorizer, route = Recorder(allow_all), Recorder(echo)
    override_handler("authorizer", authorizer)
    override_handler("manage", route)
    body = gzip.compress(b'{"kind": "photo"}')

    result = local_api.request(
        "POST",
        "/v1/sessions/ses%2042/pod?x=1",
        body=body,
        headers={
            "Desmo-Key": "sk_sandbox_x",
            "Content-Encoding": "gzip",
            "Content-Type": "application/json; charset=utf-8",
        },
    )

    assert result.status == 200
    assert result.headers["x-echo"] == "yes"
    assert result.headers["set-cookie"] == "c=1"
    event: Any = result.json()
    assert event["routeKey"] == "POST /v1/sessions/{sessionId}/pod"
    assert event["pathParameters"] == {"sessionId": "ses 42"}
    assert event["queryStringParameters"] == {"x": "1"}
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == body
    assert event["requestContext"]["authorizer"]["lambda"]["via"] == "fake"
    request_id = event["requestContext"]["requestId"]
    assert result.headers["apigw-requestid"] == request_id
    auth_event = authorizer.events[0]
    assert auth_event["type"] == "REQUEST"
    assert auth_event["headers"]["desmo-key"] == "sk_sandbox_x"
    assert auth_event["requestContext"]["requestId"] == request_id
    context = route.contexts[0]
    assert context.function_name == "doorproof-local-manage"
    assert context.memory_limit_in_mb == names.FUNCTIONS["manage"].memory_mb
    assert 0 < context.get_remaining_time_in_millis() <= 15_000


def test_unknown_route_or_method_is_answered_in_the_error_shape(local_api: LocalApi) -> None:
    """As deployed: the ``$default`` route's function answers, whatever the key or body: 404
    ROUTE_NOT_FOUND for a path of no route, 405 with ``Allow`` for a route's path with
    another method, any method (http.server answered TRACE 501 in HTML)."""
    for method, path, status, code in (
        ("GET", "/nope", 404, "ROUTE_NOT_FOUND"),
        ("TRACE", "/nope", 404, "ROUTE_NOT_FOUND"),
        ("GET", "/v1/telemetry", 405, "METHOD_NOT_ALLOWED"),
        ("PUT", "/v1/sessions", 405, "METHOD_NOT_ALLOWED"),
        ("TRACE", "/v1/sessions/start", 405, "METHOD_NOT_ALLOWED"),
        ("MADEUP", "/v1/sessions/start", 405, "METHOD_NOT_ALLOWED"),
    ):
        result = local_api.request(
            method, path, body=b"not gzip", headers={"Content-Encoding": "gzip"}
        )
        assert (result.status, result.json()["error"]["code"]) == (status, code), (method, path)
        assert result.headers["apigw-requestid"]
        if status == 405:
            assert result.headers["allow"] == ("GET" if path == "/v1/sessions" else "POST")


def test_a_denying_authorizer_gets_403_and_the_handler_never_runs(
    local_api: LocalApi, override_handler: Override
) -> None:
    route = Recorder(echo)
    override_handler("authorizer", lambda e, c: {"isAuthorized": False})
    override_handler("reads", route)

    result = local_api.request("GET", "/v1/sessions", headers={"Desmo-Key": "nope"})

    assert result.status == 403
    assert result.json() == {"message": "Forbidden"}
    assert route.events == []


def test_public_route_skips_the_authorizer(local_api: LocalApi, override_handler: Override) -> None:
    authorizer = Recorder(allow_all)
    override_handler("authorizer", authorizer)
    override_handler("openapi", lambda e, c: {"openapi": "3.1.0"})

    result = local_api.request("GET", "/v1/openapi.json")

    assert result.status == 200 and result.json() == {"openapi": "3.1.0"}
    assert authorizer.events == []


def test_failing_functions_are_api_gateways_500(
    local_api: LocalApi, override_handler: Override
) -> None:
    def boom(event: dict[str, Any], context: Any) -> Any:
        raise RuntimeError("boom")

    override_handler("authorizer", Recorder(allow_all))
    cases: list[Handler] = [
        boom,
        lambda e, c: {"statusCode": "teapot"},
        lambda e, c: {"statusCode": 200, "body": object()},  # Lambda cannot serialise it
    ]
    for handler in cases:
        override_handler("reads", handler)
        result = local_api.request("GET", "/v1/sessions")
        assert result.status == 500
        assert result.json() == {"message": "Internal Server Error"}

    override_handler("authorizer", boom)
    assert local_api.request("GET", "/v1/sessions").status == 500


def test_payload_over_10_mb_is_413_before_any_function_runs(
    local_api: LocalApi, override_handler: Override
) -> None:
    authorizer = Recorder(allow_all)
    override_handler("authorizer", authorizer)

    result = local_api.request(
        "POST", "/v1/telemetry", body=b"0" * (10 * 1024 * 1024 + 1), headers={}
    )

    assert result.status == 413
    assert authorizer.events == []


# --- S3 → SQS → processor ---------------------------------------------------------------


def s3_keys(record: dict[str, Any]) -> list[str]:
    """The object keys of an S3 notification (decoded), or [] for any other message."""
    body = json.loads(record["body"])
    return [unquote_plus(n["s3"]["object"]["key"]) for n in body.get("Records", [])]


class OwnMessages:
    """A fake processor that takes only this test's messages (the marker is in the message,
    the object key or the object) and hands the others back, as failures, for whoever owns
    them."""

    def __init__(self, marker: str, s3: Any, bucket: str) -> None:
        self.accepted: list[dict[str, Any]] = []
        self._marker, self._s3, self._bucket = marker, s3, bucket

    def _is_mine(self, record: dict[str, Any]) -> bool:
        if self._marker in record["body"]:
            return True
        return any(
            self._marker.encode() in self._s3.get_object(Bucket=self._bucket, Key=k)["Body"].read()
            for k in s3_keys(record)
        )

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        failures = []
        for record in event["Records"]:
            if self._is_mine(record):
                self.accepted.append(record)
            else:
                failures.append({"itemIdentifier": record["messageId"]})
        return {"batchItemFailures": failures}

    def object_keys(self) -> list[str]:
        return [k for r in self.accepted for k in s3_keys(r)]


def test_objects_under_raw_reach_the_processor_as_s3_events(
    local_api: LocalApi, override_handler: Override
) -> None:
    marker = f"m{uuid.uuid4().hex}"
    session = local_api.stack.session()
    s3, bucket = session.client("s3"), local_api.stack.resources.bucket
    processor = OwnMessages(marker, s3, bucket)
    override_handler("processor", processor)

    session.client("firehose").put_record_batch(
        DeliveryStreamName=local_api.stack.resources.stream,
        Records=[{"Data": f'{{"m":"{marker}"}}\n'.encode()}, {"Data": b'{"r":2}'}],
    )
    s3.put_object(Bucket=bucket, Key=f"sessions/{marker}", Body=marker.encode())
    s3.put_object(Bucket=bucket, Key=f"raw/by hand/{marker}+1", Body=b"x")

    wait_for(lambda: f"raw/by hand/{marker}+1" in processor.object_keys())
    wait_for(lambda: any(k.startswith("raw/20") for k in processor.object_keys()))
    notifications = [n for r in processor.accepted for n in json.loads(r["body"])["Records"]]
    assert {n["eventName"] for n in notifications} == {"ObjectCreated:Put"}
    assert {n["s3"]["bucket"]["name"] for n in notifications} == {bucket}
    assert {r["eventSourceARN"] for r in processor.accepted} == {
        local_api.stack.resources.queue_arn
    }
    # Keys arrive URL-encoded (a space as "+", "+" as "%2B"), as S3 sends them.
    assert any(n["s3"]["object"]["key"].endswith(f"hand%2F{marker}%2B1") for n in notifications)
    # Firehose: one object per put under raw/YYYY/MM/DD/HH/, records back to back.
    firehose_key = next(k for k in processor.object_keys() if k.startswith("raw/20"))
    body = s3.get_object(Bucket=bucket, Key=firehose_key)["Body"].read()
    assert body == f'{{"m":"{marker}"}}\n{{"r":2}}'.encode()
    # Only raw/ is wired to the queue.
    assert not any(k.startswith("sessions/") for k in processor.object_keys())


def test_failed_items_are_retried_then_dead_lettered(
    local_api: LocalApi, override_handler: Override
) -> None:
    marker = f"m{uuid.uuid4().hex}"
    session = local_api.stack.session()
    sqs = session.client("sqs")
    resources = local_api.stack.resources
    flaky, doomed = f"flaky-{marker}", f"doomed-{marker}"

    def answer(event: dict[str, Any]) -> dict[str, Any]:
        failures = []
        for r in event["Records"]:
            count = int(r["attributes"]["ApproximateReceiveCount"])
            if marker not in r["body"] or doomed in r["body"] or (flaky in r["body"] and count < 2):
                failures.append({"itemIdentifier": r["messageId"]})
        return {"batchItemFailures": failures}

    processor = Recorder(answer)
    override_handler("processor", processor)
    for body in (flaky, doomed, f"fine-{marker}"):
        sqs.send_message(QueueUrl=resources.queue_url, MessageBody=json.dumps({"t": body}))

    def receives(name: str) -> list[int]:
        return [
            int(r["attributes"]["ApproximateReceiveCount"])
            for e in processor.events
            for r in e["Records"]
            if name in r["body"]
        ]

    def dead_lettered() -> bool:
        messages = sqs.receive_message(
            QueueUrl=resources.dlq_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
        ).get("Messages", [])
        for m in messages:
            sqs.change_message_visibility(
                QueueUrl=resources.dlq_url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0
            )
        return any(doomed in m["Body"] for m in messages)

    wait_for(dead_lettered, timeout_s=30)
    assert receives(flaky) == [1, 2]
    assert receives(f"fine-{marker}") == [1]
    assert receives(doomed) == list(range(1, names.QUEUE_MAX_RECEIVES + 1))


# --- schedule, keys, command ------------------------------------------------------------


def test_the_sweeper_runs_on_a_schedule(local_api: LocalApi, override_handler: Override) -> None:
    sweeper = Recorder()
    override_handler("sweeper", sweeper)

    wait_for(lambda: len(sweeper.events) >= 2, timeout_s=10)

    event = sweeper.events[0]
    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events"
    assert sweeper.contexts[0].function_name == "doorproof-local-sweeper"


def test_demo_keys_belong_to_two_organisations_in_the_keys_table(local_api: LocalApi) -> None:
    orgs = local_api.keys
    assert len({o.organization_id for o in orgs}) == 2
    store = KeyStore(
        boto3.resource("dynamodb").Table(names.KEYS_TABLE.physical(local_api.stack.stage))
    )
    for org in orgs:
        assert org.publishable_key.startswith(names.KEY_PREFIXES[("publishable", "sandbox")])
        assert org.secret_key.startswith(names.KEY_PREFIXES[("secret", "sandbox")])
        for key, scope in ((org.publishable_key, "publishable"), (org.secret_key, "secret")):
            principal = store.resolve(key)
            assert principal is not None
            assert (principal.organization_id, principal.scope) == (org.organization_id, scope)


def test_resources_carry_the_names_of_the_names_module(local_api: LocalApi) -> None:
    session = local_api.stack.session()
    tables = set(session.client("dynamodb").list_tables()["TableNames"])
    assert tables == {t.physical("local") for t in names.TABLES}
    ttl = session.client("dynamodb").describe_time_to_live(
        TableName=names.BATCHES_TABLE.physical("local")
    )["TimeToLiveDescription"]
    assert ttl["AttributeName"] == names.BATCHES_TABLE.ttl_attribute
    sessions = session.client("dynamodb").describe_table(
        TableName=names.SESSIONS_TABLE.physical("local")
    )["Table"]
    assert {i["IndexName"] for i in sessions["GlobalSecondaryIndexes"]} == {
        i.name for i in names.SESSIONS_TABLE.indexes
    }
    assert os.environ["PROCESSING_QUEUE_URL"] == local_api.stack.resources.queue_url
    attributes = session.client("sqs").get_queue_attributes(
        QueueUrl=local_api.stack.resources.queue_url, AttributeNames=["RedrivePolicy"]
    )["Attributes"]
    assert json.loads(attributes["RedrivePolicy"])["maxReceiveCount"] in (
        names.QUEUE_MAX_RECEIVES,
        str(names.QUEUE_MAX_RECEIVES),
    )


def test_a_busy_moto_port_fails_fast_instead_of_hanging(local_api: LocalApi) -> None:
    busy = int(local_api.moto_url.rsplit(":", 1)[1])
    with pytest.raises(OSError, match="cannot listen"):
        LocalStack(port=0, moto_port=busy).start()
    assert os.environ["AWS_ENDPOINT_URL"] == local_api.moto_url  # the running stack's


def test_doorproof_local_command_prints_endpoints_writes_keys_and_stops_on_sigterm(
    tmp_path: Path,
) -> None:
    keys_file = tmp_path / "keys.json"
    args = ["local", "--port", "0", "--keys-file", str(keys_file), "--data", str(tmp_path / "data")]
    with doorproof_command(args, timeout_s=120) as proc:
        output = read_until(proc, "Ctrl-C")
        assert "Doorproof API   http://127.0.0.1:" in output
        sign_in_with_printed_link(output)  # on a line of its own, and it signs in
        assert "moto endpoint   http://127.0.0.1:" in output
        assert str(keys_file) in output
        orgs = json.loads(keys_file.read_text())["orgs"]
        assert len(orgs) == 2
        assert set(orgs[0]) == {"organizationId", "projectId", "publishableKey", "secretKey"}
        assert keys_file.stat().st_mode & 0o077 == 0
        proc.send_signal(signal.SIGTERM)
        rest, _ = proc.communicate(timeout=60)  # keep reading: a full pipe would block it
        assert proc.returncode == 0, rest[-2000:]


# --- the real handlers, end to end ------------------------------------------------------


def test_telemetry_flows_through_firehose_s3_and_sqs_to_insights(local_api: LocalApi) -> None:
    """No fakes: front door → real authorizer and handlers → moto Firehose → raw/ object →
    S3 notification → poller → real processor → insights document."""
    org = local_api.keys[0]

    def send(method: str, path: str, key: str, payload: object = None) -> Any:
        data = gzip.compress(json.dumps(payload).encode()) if payload is not None else None
        headers = {"Desmo-Key": key, "Content-Type": "application/json; charset=utf-8"}
        if data is not None:
            headers["Content-Encoding"] = "gzip"
        result = local_api.request(method, path, body=data, headers=headers)
        assert result.status < 300, (result.status, result.body)
        return result.json()

    started = send(
        "POST",
        "/v1/sessions/start",
        org.publishable_key,
        {"deliveryId": f"d-{uuid.uuid4().hex}", "sessionType": "drop"},
    )
    session_id = started["sessionId"]
    t0 = time.time() - 60
    events = [
        {
            "ts": t0 + i / 50,
            "imu": {"accel": [0.1, 0.2, 9.8], "gyro": [0.0, 0.01, 0.0], "gravity": [0, 0, 9.8]},
            "barometer": {"pressureHpa": 1013.0},
            "position": {"lat": 52.52, "lng": 13.405, "accuracyM": 5.0},
        }
        for i in range(500)
    ]
    for offset in (0, 250):
        batch = {"sessionId": session_id, "events": events[offset : offset + 250]}
        send("POST", "/v1/telemetry", org.publishable_key, batch)
    send("POST", "/v1/sessions/stop", org.publishable_key, {"sessionId": session_id})

    documents: list[Any] = []

    def settled() -> bool:
        path = f"/v1/sessions/{session_id}/insights"
        documents.append(send("GET", path, org.secret_key))
        return bool(documents[-1]["status"] != "processing")

    wait_for(settled, timeout_s=60)
    document = documents[-1]
    assert document["status"] == "ready", document
    assert document["sessionId"] == session_id
    assert document["organizationId"] == org.organization_id
    session = send("GET", f"/v1/sessions/{session_id}", org.secret_key)
    assert session["acceptedSamplesTotal"] == 500
    assert session["insightsStatus"] == "ready"


def test_concurrent_uploads_are_all_counted(local_api: LocalApi) -> None:
    """Many devices at once through the threaded front door: every batch accepted, every
    sample counted."""
    org = local_api.keys[1]
    headers = {"Desmo-Key": org.publishable_key, "Content-Encoding": "gzip"}

    def post(path: str, payload: object) -> Any:
        data = gzip.compress(json.dumps(payload).encode())
        return local_api.request("POST", path, body=data, headers=headers)

    session_ids = [
        post("/v1/sessions/start", {"deliveryId": f"c-{i}", "sessionType": "drop"}).json()[
            "sessionId"
        ]
        for i in range(6)
    ]
    t0 = time.time() - 60
    statuses: list[int] = []

    def device(session_id: str) -> None:
        for b in range(3):
            events = [
                {"ts": t0 + b + i / 100, "imu": {"accel": [0, 0, 9.8], "gyro": [0, 0, 0]}}
                for i in range(100)
            ]
            result = post("/v1/telemetry", {"sessionId": session_id, "events": events})
            statuses.append(result.status)

    threads = [threading.Thread(target=device, args=(s,)) for s in session_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [202] * 18
    for session_id in session_ids:
        got = local_api.request(
            "GET", f"/v1/sessions/{session_id}", headers={"Desmo-Key": org.secret_key}
        ).json()
        assert isinstance(got, dict)
        assert (got["acceptedBatchesTotal"], got["acceptedSamplesTotal"]) == (3, 300)
