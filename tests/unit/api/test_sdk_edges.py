"""What the Desmo SDK 1.0.2 does at the edges, through the real handlers on mocked AWS.

The SDK deletes a batch answered with any 4xx and cannot be changed: every answer here must
keep the app recording and the data kept (issue 12).
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from functions.core.config import names
from tests.unit.api.gateway import BACKEND, STRANGER, call

DEVICE_FIELDS = {"platform": "android", "sdkVersion": "1.0.2"}


def start(body: dict, **kwargs) -> tuple[int, dict]:
    return call("POST", "/v1/sessions/start", body, **kwargs)


def session(session_id: str) -> dict:
    status, body = call("GET", f"/v1/sessions/{session_id}", caller=BACKEND)
    assert status == 200, body
    return body


def delivery() -> str:
    return f"d-{time.time_ns()}"


def batch(session_id: str, t0: float, n: int = 5, **sample_extra) -> dict:
    events = [
        {"ts": t0 + i * 0.02, "imu": {"accel": [0.1, 0.2, 9.8], "gyro": []}, **sample_extra}
        for i in range(n)
    ]
    return {"sessionId": session_id, "events": events}


@pytest.mark.parametrize(
    ("field", "limit"), [("appVersion", 64), ("model", 128), ("osVersion", 64)]
)
def test_long_device_metadata_is_truncated_and_kept(mocked_aws, field, limit) -> None:
    value = "x" * (limit + 50)
    status, body = start(
        {
            "deliveryId": delivery(),
            "sessionType": "drop",
            "device": {**DEVICE_FIELDS, field: value},
        }
    )
    assert status == 201, body
    assert session(body["sessionId"])["device"][field] == value[:limit]


@pytest.mark.parametrize("field", ["deliveryId", "externalRiderId"])
def test_long_ids_are_truncated_to_256_and_kept(mocked_aws, field) -> None:
    value = delivery() + "y" * 300
    payload = {"deliveryId": delivery(), "sessionType": "pickup", field: value}
    status, body = start(payload)
    assert status == 201, body
    assert session(body["sessionId"])[field] == value[:256]


def test_an_empty_delivery_id_still_records(mocked_aws) -> None:
    status, body = start({"deliveryId": "", "sessionType": "drop"})
    assert status == 201, body
    assert session(body["sessionId"])["deliveryId"] == ""


def test_what_is_still_refused_on_start(mocked_aws) -> None:
    for payload in (
        {"sessionType": "drop"},
        {"deliveryId": "d", "sessionType": "delivery"},
        {"deliveryId": 5, "sessionType": "drop"},
    ):
        status, body = start(payload)
        assert status == 422, payload
        assert body["error"]["code"] == "VALIDATION_ERROR"


def test_a_long_text_reading_costs_no_sample(mocked_aws) -> None:
    _, started = start({"deliveryId": delivery(), "sessionType": "drop"})
    sid = started["sessionId"]
    extra: dict[str, Any] = {"context": {"network": "n" * 100, "motionActivity": "m" * 100}}
    status, body = call("POST", "/v1/telemetry", batch(sid, time.time(), **extra))
    assert status == 202, body
    assert (body["accepted"], body["rejected"]) == (5, 0)


def test_stop_after_the_backend_erased_a_recording_session_succeeds(mocked_aws) -> None:
    _, started = start({"deliveryId": delivery(), "sessionType": "drop"})
    sid = started["sessionId"]
    assert call("DELETE", f"/v1/sessions/{sid}", caller=BACKEND)[0] == 204

    status, body = call("POST", "/v1/sessions/stop", {"sessionId": sid})
    assert (status, body) == (200, {"sessionId": sid, "status": "completed"})
    assert call("POST", f"/v1/sessions/{sid}/stop")[0] == 200
    # Its data was erased on purpose; it is gone for reads and for other tenants' stops.
    assert call("GET", f"/v1/sessions/{sid}", caller=BACKEND)[0] == 404
    assert call("POST", "/v1/sessions/stop", {"sessionId": sid}, caller=STRANGER)[0] == 404
    assert call("POST", "/v1/sessions/stop", {"sessionId": "ses_never"})[0] == 404


def test_a_start_retried_after_a_read_timeout_is_the_same_session(mocked_aws) -> None:
    payload = {"deliveryId": delivery(), "sessionType": "drop", "device": DEVICE_FIELDS}
    _, first = start(payload)
    _, retried = start(payload)
    assert retried == first  # not a second session left open until SESSION_TIMEOUT

    _, other_body = start({**payload, "sessionType": "pickup"})
    assert other_body["sessionId"] != first["sessionId"]


def test_a_start_after_telemetry_or_a_stop_is_a_new_session(mocked_aws) -> None:
    payload = {"deliveryId": delivery(), "sessionType": "drop"}
    _, first = start(payload)
    assert call("POST", "/v1/telemetry", batch(first["sessionId"], time.time()))[0] == 202
    _, second = start(payload)
    assert second["sessionId"] != first["sessionId"]
    call("POST", "/v1/sessions/stop", {"sessionId": second["sessionId"]})
    _, third = start(payload)
    assert third["sessionId"] not in (first["sessionId"], second["sessionId"])


def test_a_reused_idempotency_key_with_another_body_is_refused_clearly(mocked_aws) -> None:
    key = {"Idempotency-Key": f"k-{time.time_ns()}"}
    status, _ = start({"deliveryId": delivery(), "sessionType": "drop"}, headers=key)
    assert status == 201
    status, body = start({"deliveryId": delivery(), "sessionType": "drop"}, headers=key)
    assert status == 422
    assert body["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert "Idempotency-Key" in body["error"]["message"]


def test_the_late_window_outlasts_an_offline_weekend_and_dedupe_outlasts_it() -> None:
    assert names.LATE_DATA_GRACE_S >= 14 * 24 * 3600
    assert names.BATCH_DEDUPE_TTL_S > names.LATE_DATA_GRACE_S
    assert names.ERASED_MARKER_TTL_S >= names.LATE_DATA_GRACE_S
