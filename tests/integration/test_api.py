"""The SDK-facing API end to end over real HTTP on the local stack: the happy path the SDK
takes, the backend reads, and every kind of bad input a new user (or a retrying phone) sends.
"""

from __future__ import annotations

import gzip
import json
import time

import pytest

from tests.integration.conftest import HttpResult, LocalApi

pytestmark = pytest.mark.integration


def body(payload: object, *, compress: bool = True) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if compress:
        return gzip.compress(raw), {**headers, "Content-Encoding": "gzip"}
    return raw, headers


def call(
    api: LocalApi,
    method: str,
    path: str,
    key: str | None,
    payload: object = None,
    *,
    compress: bool = True,
    raw: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResult:
    hdrs: dict[str, str] = {}
    data = raw
    if payload is not None:
        data, hdrs = body(payload, compress=compress)
    if key:
        hdrs["Desmo-Key"] = key
    return api.request(method, path, body=data, headers={**hdrs, **(headers or {})})


def error_code(result: HttpResult) -> str:
    document = result.json()
    assert isinstance(document, dict) and set(document) == {"error"}, document
    assert set(document["error"]) == {"code", "message", "details"}
    assert document["error"]["message"]
    assert result.headers.get("x-request-id")
    return str(document["error"]["code"])


def samples(t0: float, n: int, rate: float = 50.0) -> list[dict]:
    return [
        {
            "ts": t0 + i / rate,
            "imu": {
                "accel": [0.1, 0.2, 9.8],
                "gyro": [0.0, 0.01, 0.0],
                "gravity": [0.0, 0.0, 9.8],
                "attitude": [],
            },
            "barometer": {"pressureHpa": 1013.0, "relativeAltitudeM": None},
            "position": {"lat": 52.52, "lng": 13.405, "accuracyM": 5.0},
        }
        for i in range(n)
    ]


@pytest.fixture
def org(local_api):
    return local_api.keys[0]


@pytest.fixture
def other_org(local_api):
    return local_api.keys[1]


@pytest.fixture
def session_id(local_api, org) -> str:
    result = call(
        local_api,
        "POST",
        "/v1/sessions/start",
        org.publishable_key,
        {
            "deliveryId": f"d-{time.time_ns()}",
            "sessionType": "drop",
            "externalRiderId": "rider-7",
            "futureField": {"x": 1},
        },
    )
    assert result.status == 201, result.body
    started = result.json()
    assert started["status"] == "recording" and started["sessionId"].startswith("sess_")
    return started["sessionId"]


def test_sdk_flow_start_telemetry_stop_and_backend_reads(local_api, org, session_id) -> None:
    t0 = time.time()
    batch = {"sessionId": session_id, "events": samples(t0, 250)}
    sent = call(local_api, "POST", "/v1/telemetry", org.publishable_key, batch)
    assert sent.status == 202 and sent.json()["accepted"] == 250
    again = call(local_api, "POST", "/v1/telemetry", org.publishable_key, batch)
    assert again.status == 202 and again.json()["duplicate"] is True
    plain = call(
        local_api,
        "POST",
        "/v1/telemetry",
        org.publishable_key,
        {"sessionId": session_id, "events": samples(t0 + 5, 10)},
        compress=False,
    )
    assert plain.status == 202 and plain.json()["accepted"] == 10

    stop = call(
        local_api, "POST", "/v1/sessions/stop", org.publishable_key, {"sessionId": session_id}
    )
    assert stop.status == 200 and stop.json() == {"sessionId": session_id, "status": "completed"}
    stop_again = call(local_api, "POST", f"/v1/sessions/{session_id}/stop", org.publishable_key)
    assert stop_again.status == 200 and stop_again.json()["status"] == "completed"

    got = call(local_api, "GET", f"/v1/sessions/{session_id}", org.secret_key)
    assert got.status == 200
    session = got.json()
    assert session["acceptedSamplesTotal"] == 260 and session["acceptedBatchesTotal"] == 2
    assert session["lastTelemetryAt"] and session["endedAt"]
    assert session["status"] == "completed"
    assert session["insightsStatus"] in ("processing", "ready", "failed")

    insights = call(local_api, "GET", f"/v1/sessions/{session_id}/insights", org.secret_key)
    assert insights.status == 200
    assert insights.json()["sessionId"] == session_id
    assert insights.json()["status"] in ("processing", "ready")


def test_bearer_authorization_is_accepted(local_api, org, session_id) -> None:
    result = local_api.request(
        "GET", f"/v1/sessions/{session_id}", headers={"Authorization": f"Bearer {org.secret_key}"}
    )
    assert result.status == 200


def test_idempotency_key_makes_a_retried_start_return_the_same_session(local_api, org) -> None:
    payload = {"deliveryId": f"idem-{time.time_ns()}", "sessionType": "pickup"}
    headers = {"Idempotency-Key": f"k-{time.time_ns()}"}
    first = call(
        local_api, "POST", "/v1/sessions/start", org.publishable_key, payload, headers=headers
    )
    second = call(
        local_api, "POST", "/v1/sessions/start", org.publishable_key, payload, headers=headers
    )
    assert first.status == second.status == 201
    assert first.json()["sessionId"] == second.json()["sessionId"]
    other = {**payload, "sessionType": "drop"}
    third = call(local_api, "POST", "/v1/sessions/start", org.publishable_key, other)
    assert third.json()["sessionId"] != first.json()["sessionId"]


def test_list_filters_and_cursor_paging(local_api, org, other_org) -> None:
    delivery = f"list-{time.time_ns()}"
    created = []
    for rider, kind in enumerate(("drop", "drop", "pickup")):
        r = call(
            local_api,
            "POST",
            "/v1/sessions/start",
            org.publishable_key,
            # Two riders: an identical second start would be the first one's retry.
            {"deliveryId": delivery, "sessionType": kind, "externalRiderId": f"r{rider}"},
        )
        created.append(r.json()["sessionId"])
    call(
        local_api,
        "POST",
        "/v1/sessions/start",
        other_org.publishable_key,
        {"deliveryId": delivery, "sessionType": "drop"},
    )
    seen, cursor = [], None
    while True:
        query = f"/v1/sessions?deliveryId={delivery}&limit=2" + (
            f"&cursor={cursor}" if cursor else ""
        )
        page = call(local_api, "GET", query, org.secret_key)
        assert page.status == 200, page.body
        seen += [s["sessionId"] for s in page.json()["sessions"]]
        cursor = page.json()["nextCursor"]
        if not cursor:
            break
    assert seen == list(reversed(created))
    drops = call(
        local_api, "GET", f"/v1/sessions?deliveryId={delivery}&sessionType=pickup", org.secret_key
    ).json()["sessions"]
    assert [s["sessionId"] for s in drops] == [created[2]]
    recent = call(
        local_api, "GET", "/v1/sessions?createdAfter=2000-01-01T00:00:00Z&limit=200", org.secret_key
    ).json()["sessions"]
    assert set(created) <= {s["sessionId"] for s in recent}
    assert all(s["organizationId"] == org.organization_id for s in recent)


# --- bad input: every answer is the one error shape ---------------------------------------


def test_no_key(local_api) -> None:
    result = call(
        local_api, "POST", "/v1/sessions/start", None, {"deliveryId": "d", "sessionType": "drop"}
    )
    assert result.status == 401 and error_code(result) == "UNAUTHORIZED"


def test_wrong_key(local_api) -> None:
    result = call(local_api, "GET", "/v1/sessions", "sk_sandbox_" + "x" * 32)
    assert result.status == 401 and error_code(result) == "UNAUTHORIZED"


def test_publishable_key_on_a_read_route(local_api, org, session_id) -> None:
    result = call(local_api, "GET", f"/v1/sessions/{session_id}", org.publishable_key)
    assert result.status == 403 and error_code(result) == "INSUFFICIENT_SCOPE"


def test_truncated_gzip(local_api, org, session_id) -> None:
    data, headers = body({"sessionId": session_id, "events": samples(time.time(), 50)})
    result = local_api.request(
        "POST",
        "/v1/telemetry",
        body=data[: len(data) // 2],
        headers={**headers, "Desmo-Key": org.publishable_key},
    )
    assert result.status == 400 and error_code(result) == "INVALID_GZIP"


@pytest.mark.parametrize("payload", [[1, 2, 3], "text", 42])
def test_json_that_is_not_an_object(local_api, org, payload) -> None:
    result = call(local_api, "POST", "/v1/telemetry", org.publishable_key, payload)
    assert result.status == 400 and error_code(result) == "MALFORMED_REQUEST"


def test_not_json_at_all(local_api, org) -> None:
    result = call(
        local_api,
        "POST",
        "/v1/sessions/start",
        org.publishable_key,
        raw=b"{deliveryId: oops",
        headers={"Content-Type": "application/json"},
    )
    assert result.status == 400 and error_code(result) == "MALFORMED_REQUEST"


def test_empty_events(local_api, org, session_id) -> None:
    result = call(
        local_api,
        "POST",
        "/v1/telemetry",
        org.publishable_key,
        {"sessionId": session_id, "events": []},
    )
    assert result.status == 422 and error_code(result) == "VALIDATION_ERROR"
    assert result.json()["error"]["details"][0]["field"] == "events"


def test_invalid_samples_are_counted_and_valid_ones_kept(local_api, org, session_id) -> None:
    t0 = time.time()
    events = samples(t0, 3)
    events[0]["imu"]["accel"] = [1.0, 2.0]
    text = json.dumps({"sessionId": session_id, "events": events})
    text = text.replace('"pressureHpa": 1013.0', '"pressureHpa": NaN', 1)
    text = text.replace('"lat": 52.52', '"lat": Infinity', 1)
    year_away = samples(t0 + 366 * 86400, 1)
    doc = json.loads(text)
    doc["events"] = doc["events"] + year_away
    data = gzip.compress(json.dumps(doc).encode())
    result = local_api.request(
        "POST",
        "/v1/telemetry",
        body=data,
        headers={"Content-Encoding": "gzip", "Desmo-Key": org.publishable_key},
    )
    assert result.status == 202, result.body
    answer = result.json()
    assert (answer["accepted"], answer["rejected"]) == (2, 2)
    reasons = " ".join(r["reason"] for r in answer["rejections"])
    assert "accel" in reasons and "time range" in reasons


def test_nan_and_infinity_in_every_sample_is_refused(local_api, org, session_id) -> None:
    text = json.dumps({"sessionId": session_id, "events": [{"ts": 1.0}]})
    text = text.replace("1.0", "NaN")
    result = call(
        local_api,
        "POST",
        "/v1/telemetry",
        org.publishable_key,
        raw=gzip.compress(text.encode()),
        headers={"Content-Encoding": "gzip"},
    )
    assert result.status == 422 and error_code(result) == "NO_VALID_SAMPLES"


def test_twenty_megabyte_body(local_api, org, session_id) -> None:
    data = b"{" + b" " * (20 * 1024 * 1024) + b"}"
    result = call(
        local_api,
        "POST",
        "/v1/telemetry",
        org.publishable_key,
        raw=data,
        headers={"Content-Type": "application/json"},
    )
    assert result.status == 413


def test_gzip_bomb_is_too_large(local_api, org) -> None:
    bomb = gzip.compress(b'{"sessionId": "x", "events": [' + b" " * (30 * 1024 * 1024) + b"]}")
    result = call(
        local_api,
        "POST",
        "/v1/telemetry",
        org.publishable_key,
        raw=bomb,
        headers={"Content-Encoding": "gzip"},
    )
    assert result.status == 413 and error_code(result) == "PAYLOAD_TOO_LARGE"


def test_unsupported_encoding(local_api, org) -> None:
    result = call(
        local_api,
        "POST",
        "/v1/telemetry",
        org.publishable_key,
        raw=b"x",
        headers={"Content-Encoding": "br"},
    )
    assert result.status == 415 and error_code(result) == "UNSUPPORTED_ENCODING"


def test_session_of_another_organisation_does_not_exist(local_api, other_org, session_id) -> None:
    read = call(local_api, "GET", f"/v1/sessions/{session_id}", other_org.secret_key)
    assert read.status == 404 and error_code(read) == "SESSION_NOT_FOUND"
    write = call(
        local_api,
        "POST",
        "/v1/telemetry",
        other_org.publishable_key,
        {"sessionId": session_id, "events": samples(time.time(), 1)},
    )
    assert write.status == 404 and error_code(write) == "SESSION_NOT_FOUND"
    stop = call(local_api, "POST", f"/v1/sessions/{session_id}/stop", other_org.publishable_key)
    assert stop.status == 404


def test_stop_for_a_session_never_started(local_api, org) -> None:
    result = call(
        local_api, "POST", "/v1/sessions/stop", org.publishable_key, {"sessionId": "ses_never"}
    )
    assert result.status == 404 and error_code(result) == "SESSION_NOT_FOUND"


def test_invalid_start_fields_are_listed(local_api, org) -> None:
    result = call(
        local_api,
        "POST",
        "/v1/sessions/start",
        org.publishable_key,
        {"sessionType": "teleport"},
    )
    assert result.status == 422 and error_code(result) == "VALIDATION_ERROR"
    fields = {d["field"] for d in result.json()["error"]["details"]}
    assert {"deliveryId", "sessionType"} <= fields


def test_bad_cursor_and_limit(local_api, org) -> None:
    cursor = call(local_api, "GET", "/v1/sessions?cursor=garbage", org.secret_key)
    assert cursor.status == 400 and error_code(cursor) == "INVALID_CURSOR"
    limit = call(local_api, "GET", "/v1/sessions?limit=100000", org.secret_key)
    assert limit.status == 422 and error_code(limit) == "VALIDATION_ERROR"


def test_openapi_document_is_public_and_lists_the_routes(local_api) -> None:
    result = local_api.request("GET", "/v1/openapi.json")
    assert result.status == 200
    paths = result.json()["paths"]
    assert "/v1/telemetry" in paths and "/v1/sessions/{sessionId}/insights" in paths
