"""Hostile requests, through the real handlers on mocked AWS: each is answered with a 4xx in
the API's error shape (or, for over-long text, kept truncated) within a second of CPU."""

from __future__ import annotations

import gzip
import json
import time
from urllib.parse import quote

import pytest

from functions.core.adapters.keys import REVOCATION_BOUND_S, CachedResolver
from functions.core.domain.principal import Principal
from tests.unit.api.gateway import BACKEND, call

CPU_BUDGET_S = 1.0


def timed(method: str, path: str, *args, **kwargs) -> tuple[int, dict, float]:
    """The answer to the request and the CPU it cost a warm container. The container first
    answers one empty body on the same route, so what is measured is this request's work,
    not the handler's import and first boto3 clients (Lambda's init, outside the invoke's
    timeout; ~0.3 s on an idle machine and over 1 s under CI's load)."""
    call(method, path, raw=b"{}", headers={"content-type": "application/json"})
    started = time.process_time()
    status, body = call(method, path, *args, **kwargs)
    return status, body, time.process_time() - started


def gzip_headers() -> dict[str, str]:
    return {"content-encoding": "gzip", "content-type": "application/json"}


def started_session() -> str:
    status, body = call("POST", "/v1/sessions/start", {"deliveryId": "d", "sessionType": "drop"})
    assert status == 201
    return body["sessionId"]


def test_a_body_of_190000_gzip_members_is_refused_at_once(mocked_aws) -> None:
    body = gzip.compress(b"") * 190_000  # 3.8 MB: under the 4 MB body limit
    status, answer, cpu = timed("POST", "/v1/telemetry", raw=body, headers=gzip_headers())
    assert (status, answer["error"]["code"]) == (400, "INVALID_GZIP")
    assert "members" in answer["error"]["message"]
    assert cpu < CPU_BUDGET_S


def test_a_few_gzip_members_are_still_one_body(mocked_aws) -> None:
    sid = started_session()
    text = json.dumps({"sessionId": sid, "events": [{"ts": time.time()}]}).encode()
    halves = gzip.compress(text[:10]) + gzip.compress(text[10:])
    status, answer = call("POST", "/v1/telemetry", raw=halves, headers=gzip_headers())
    assert status == 202, answer


def test_a_large_single_member_body_decompresses_in_linear_time(mocked_aws) -> None:
    sid = started_session()
    events = [
        {"ts": time.time() + i * 0.02, "imu": {"accel": [0.1, 0.2, 9.8]}} for i in range(5000)
    ]
    raw = gzip.compress(json.dumps({"sessionId": sid, "events": events}).encode())
    status, answer, cpu = timed("POST", "/v1/telemetry", raw=raw, headers=gzip_headers())
    assert status == 202 and answer["accepted"] == 5000
    assert cpu < 2 * CPU_BUDGET_S  # a real 5,000-sample batch: validated, encoded, stored


@pytest.mark.parametrize("path", ["/v1/telemetry", "/v1/sessions/start"])
def test_json_nested_1000_deep_is_a_400(mocked_aws, path) -> None:
    nested = "[" * 1000 + "]" * 1000
    raw = gzip.compress(f'{{"sessionId": "s", "deliveryId": "d", "x": {nested}}}'.encode())
    status, answer, cpu = timed("POST", path, raw=raw, headers=gzip_headers())
    assert (status, answer["error"]["code"]) == (400, "MALFORMED_REQUEST")
    assert cpu < CPU_BUDGET_S


def test_a_deep_value_inside_a_sample_is_a_400_not_a_500(mocked_aws) -> None:
    sid = started_session()
    deep = "[" * 900 + "1.0" + "]" * 900
    text = f'{{"sessionId": "{sid}", "events": [{{"ts": {deep}}}]}}'
    status, answer = call(
        "POST", "/v1/telemetry", raw=gzip.compress(text.encode()), headers=gzip_headers()
    )
    assert 400 <= status < 500 and "error" in answer


def test_a_35_megabyte_raw_address_is_kept_truncated(mocked_aws) -> None:
    address = {"rawAddress": "Torstraße 1 " * 300_000, "line1": "x" * 100_000}
    payload = {"deliveryId": "d", "sessionType": "drop", "address": address}
    status, answer, cpu = timed("POST", "/v1/sessions/start", payload)
    assert status == 201, answer
    assert cpu < CPU_BUDGET_S
    _, stored = call("GET", f"/v1/sessions/{answer['sessionId']}", caller=BACKEND)
    assert len(stored["address"]["rawAddress"]) == 2048
    assert len(stored["address"]["line1"]) == 512


def test_the_path_ids_limit_is_on_its_decoded_form(mocked_aws) -> None:
    sid = started_session()
    every_char_encoded = "".join(f"%{b:02X}" for b in sid.encode())
    assert call("GET", f"/v1/sessions/{every_char_encoded}", caller=BACKEND)[0] == 200
    sixty_four = "".join(f"%{b:02X}" for b in ("s" * 64).encode())  # 192 characters encoded
    status, answer = call("GET", f"/v1/sessions/{sixty_four}", caller=BACKEND)
    assert (status, answer["error"]["code"]) == (404, "SESSION_NOT_FOUND")
    status, answer = call("GET", f"/v1/sessions/{quote('s' * 65)}", caller=BACKEND)
    assert (status, answer["error"]["code"]) == (422, "VALIDATION_ERROR")


class CountingStore:
    """A key store that knows one key and counts look-ups; ``revoked`` flips it off."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.revoked = False
        self.lookups = 0

    def resolve(self, key: str) -> Principal | None:
        self.lookups += 1
        if key == self.key and not self.revoked:
            return Principal("o", "p", "sandbox", "publishable", "key_1")
        return None

    def mark_used(self, key: str) -> None:
        """The key's last use (the dashboard's "last used"): not what these tests count."""


class Clock:
    now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_flood_of_made_up_keys_does_not_evict_the_valid_one() -> None:
    store = CountingStore("pk_sandbox_good")
    resolver = CachedResolver(store, max_entries=100, max_refused=100, clock=Clock())  # type: ignore[arg-type]
    assert resolver.resolve("pk_sandbox_good") is not None
    for i in range(20_000):
        assert resolver.resolve(f"pk_sandbox_{i}") is None
    lookups = store.lookups
    assert resolver.resolve("pk_sandbox_good") is not None
    assert store.lookups == lookups  # still cached
    assert resolver.resolve("pk_sandbox_19999") is None and store.lookups == lookups


def test_a_revoked_key_stops_working_within_the_bound() -> None:
    clock = Clock()
    store = CountingStore("pk_sandbox_good")
    resolver = CachedResolver(store, clock=clock)  # type: ignore[arg-type]
    assert resolver.resolve("pk_sandbox_good") is not None
    store.revoked = True
    clock.now += REVOCATION_BOUND_S + 0.001
    assert resolver.resolve("pk_sandbox_good") is None
    assert REVOCATION_BOUND_S <= 5.0


def test_the_pod_photo_is_the_first_jpeg_uploaded(mocked_aws) -> None:
    sid = started_session()
    s3 = mocked_aws.session.client("s3")
    bucket, key = mocked_aws.settings.data_bucket, f"sessions/{sid}/pod.jpg"

    def pod():
        status, document = call("GET", f"/v1/sessions/{sid}/insights", caller=BACKEND)
        assert status == 200
        return document["pod"]

    s3.put_object(
        Bucket=bucket, Key=key, Body=b"<html>not a photo</html>", ContentType="image/jpeg"
    )
    assert pod() is None
    first = s3.put_object(Bucket=bucket, Key=key, Body=b"\xff\xd8\xff\xe0first")["VersionId"]
    s3.put_object(Bucket=bucket, Key=key, Body=b"\xff\xd8\xff\xe0replacement")
    shown = pod()
    assert shown is not None and f"versionId={first}" in shown["url"]
