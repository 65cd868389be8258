"""Webhooks end to end on the local stack, over real HTTP: the API creates endpoints, the
device's calls and the processor publish on the bus, the bus rule feeds the webhook queue,
the dispatcher (the same Lambda code as in AWS) delivers to receivers on 127.0.0.1 that
verify every signature with the ``standardwebhooks`` package itself.

Each test uses organisations of its own (keys issued into the stack's keys table), so no
other test's sessions reach its endpoints. The stack runs with the retry schedule compressed
a thousandfold (``conftest.WEBHOOK_RETRY_SCALE``). The restart test runs ``doorproof local``
processes of its own on a data directory (the real schedule; its first attempts are
immediate).
"""

from __future__ import annotations

import http.server
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from standardwebhooks import Webhook as StandardWebhook
from standardwebhooks import WebhookVerificationError

from functions.core.adapters.keys import KeyStore
from functions.core.config import names
from functions.core.config.object_keys import CHUNKS, session_prefix
from tests.integration.conftest import HttpResult, LocalApi, wait_for
from tests.integration.test_api import call, samples
from tests.integration.test_local_restart import Local, keys

pytestmark = pytest.mark.integration


@dataclass
class Org:
    secret_key: str
    publishable_key: str


def new_org(api: LocalApi, environment: str = "sandbox") -> Org:
    table = api.stack.session().resource("dynamodb").Table(names.KEYS_TABLE.physical("local"))
    store = KeyStore(table)
    organization_id = f"org_wh_{uuid.uuid4().hex[:8]}"
    issued = {
        kind: store.create(
            organization_id=organization_id,
            project_id="proj_wh",
            environment=environment,
            kind=kind,
        ).key
        for kind in ("secret", "publishable")
    }
    return Org(issued["secret"], issued["publishable"])


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    at: float

    @property
    def event(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed


@dataclass
class Receiver:
    """An HTTP endpoint on 127.0.0.1. ``answers`` are the statuses of the first requests
    (then 200); ``delay_s`` holds each answer back; ``headers`` go on every answer."""

    answers: list[int] = field(default_factory=list)
    delay_s: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    got: list[Received] = field(default_factory=list)
    url: str = ""

    def verified_with(self, secret: str) -> list[dict[str, Any]]:
        """Every request's event, each verified with ``secret`` by standardwebhooks."""
        return [StandardWebhook(secret).verify(r.body, r.headers) for r in self.got]


@pytest.fixture
def receivers() -> Iterator[Callable[..., Receiver]]:
    servers: list[http.server.ThreadingHTTPServer] = []

    def make(**options: Any) -> Receiver:
        spec = Receiver(**options)
        lock = threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with lock:
                    spec.got.append(Received(dict(self.headers), body, time.time()))
                    status = spec.answers.pop(0) if spec.answers else 200
                time.sleep(spec.delay_s)
                self.send_response(status)
                for name, value in spec.headers.items():
                    self.send_header(name, value)
                answer = b"received" if status < 300 else b"not now"
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        httpd.daemon_threads = True
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        servers.append(httpd)
        spec.url = f"http://127.0.0.1:{httpd.server_port}/doorproof"
        return spec

    yield make
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


def create_webhook(api: LocalApi, key: str, url: str, **body: Any) -> dict[str, Any]:
    answer = call(api, "POST", "/v1/webhooks", key, {"url": url, **body})
    assert answer.status == 201, answer.body
    created: dict[str, Any] = answer.json()
    return created


def deliveries(api: LocalApi, key: str, webhook_id: str) -> list[dict[str, Any]]:
    answer = call(api, "GET", f"/v1/webhooks/{webhook_id}/deliveries", key)
    assert answer.status == 200, answer.body
    return list(answer.json()["deliveries"])


def error_code(result: HttpResult) -> str:
    return str(result.json()["error"]["code"])


def ids_of(receiver: Receiver, message_id: str) -> list[str]:
    """The ``webhook-id`` of each request that carried message ``message_id``."""
    ids = [r.headers["webhook-id"] for r in receiver.got]
    return [i for i in ids if i == message_id]


def types_for(receiver: Receiver, session_id: str) -> list[str]:
    return [r.event["type"] for r in receiver.got if r.event["data"].get("sessionId") == session_id]


def test_every_event_type_reaches_a_verifying_receiver_across_a_rotation(
    local_api: LocalApi, receivers: Callable[..., Receiver]
) -> None:
    org = new_org(local_api)
    receiver = receivers()
    webhook = create_webhook(local_api, org.secret_key, receiver.url, description="e2e")
    old_secret = webhook["secret"]
    assert webhook["status"] == "enabled" and old_secret.startswith("whsec_")

    started = call(
        local_api,
        "POST",
        "/v1/sessions/start",
        org.publishable_key,
        {"deliveryId": f"d-{uuid.uuid4().hex[:6]}", "sessionType": "drop"},
    )
    assert started.status == 201, started.body
    session_id = started.json()["sessionId"]
    wait_for(lambda: types_for(receiver, session_id) == ["session.started"])

    rotated = call(local_api, "POST", f"/v1/webhooks/{webhook['id']}/rotate", org.secret_key)
    assert rotated.status == 200, rotated.body
    new_secret = rotated.json()["secret"]
    assert new_secret != old_secret
    before_rotation = len(receiver.got)

    batch = {"sessionId": session_id, "events": samples(time.time(), 250)}
    assert call(local_api, "POST", "/v1/telemetry", org.publishable_key, batch).status == 202
    stop = {"sessionId": session_id}
    assert call(local_api, "POST", "/v1/sessions/stop", org.publishable_key, stop).status == 200
    wait_for(lambda: "insight.ready" in types_for(receiver, session_id), timeout_s=60)
    reprocess = call(local_api, "POST", f"/v1/sessions/{session_id}/reprocess", org.secret_key)
    assert reprocess.status == 202, reprocess.body
    wait_for(lambda: "insight.updated" in types_for(receiver, session_id), timeout_s=60)

    # Computing fails for good when the stored telemetry cannot be read: every chunk of the
    # session is overwritten, a reprocess asked for, and after the processing queue's last
    # receive the processor itself publishes insight.failed.
    s3 = local_api.stack.session().client("s3")
    bucket = local_api.stack.resources.bucket
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=session_prefix(session_id) + CHUNKS)
    assert listed["KeyCount"] > 0
    for chunk in listed["Contents"]:
        s3.put_object(Bucket=bucket, Key=chunk["Key"], Body=b"not an npz")
    reprocess = call(local_api, "POST", f"/v1/sessions/{session_id}/reprocess", org.secret_key)
    assert reprocess.status == 202, reprocess.body
    wait_for(lambda: "insight.failed" in types_for(receiver, session_id), timeout_s=90)
    deleted = call(local_api, "DELETE", f"/v1/sessions/{session_id}", org.secret_key)
    assert deleted.status == 204, deleted.body
    wait_for(lambda: "session.deleted" in types_for(receiver, session_id))

    time.sleep(1.0)  # anything sent twice would be here by now
    assert sorted(types_for(receiver, session_id)) == sorted(names.WEBHOOK_EVENT_TYPES)
    assert len({r.headers["webhook-id"] for r in receiver.got}) == len(receiver.got)
    # Before the rotation the old secret signs; after it both do (24 h of overlap).
    assert len(receiver.verified_with(old_secret)) == len(receiver.got)
    after = receiver.got[before_rotation:]
    for secret in (old_secret, new_secret):
        for request in after:
            StandardWebhook(secret).verify(request.body, request.headers)
    with pytest.raises(WebhookVerificationError):
        StandardWebhook(new_secret).verify(receiver.got[0].body, receiver.got[0].headers)
    for request in receiver.got:
        data = request.event["data"]
        assert "startLocation" not in data and "path" not in data and "events" not in data
        assert data["organizationId"].startswith("org_wh_")


def test_a_receiver_failing_three_times_gets_the_fourth_attempt_with_the_same_id(
    local_api: LocalApi, receivers: Callable[..., Receiver]
) -> None:
    org = new_org(local_api)
    receiver = receivers(answers=[500, 500, 500])
    webhook = create_webhook(local_api, org.secret_key, receiver.url)
    queued = call(local_api, "POST", f"/v1/webhooks/{webhook['id']}/test", org.secret_key)
    assert queued.status == 202, queued.body
    delivery_id = queued.json()["deliveryId"]

    wait_for(lambda: len(receiver.got) == 4, timeout_s=30)
    assert {r.headers["webhook-id"] for r in receiver.got} == {queued.json()["messageId"]}
    assert all(len(e) for e in receiver.verified_with(webhook["secret"]))

    def logged() -> dict[str, Any] | None:
        found = [d for d in deliveries(local_api, org.secret_key, webhook["id"])]
        return next((d for d in found if d["id"] == delivery_id and d["status"] != "pending"), None)

    wait_for(logged)
    delivery = logged()
    assert delivery is not None and delivery["status"] == "succeeded"
    attempts = delivery["attempts"]
    assert [a["statusCode"] for a in attempts] == [500, 500, 500, 200]
    assert [a["attempt"] for a in attempts] == [1, 2, 3, 4]
    assert attempts[0]["error"] == "HTTP 500" and attempts[0]["responseBody"] == "not now"
    assert all(isinstance(a["latencyMs"], int) for a in attempts)
    gaps = [b.at - a.at for a, b in zip(receiver.got, receiver.got[1:], strict=False)]
    assert gaps[-1] >= 1.0  # the third retry waits 30 min x 0.001 = 1.8 s (jitter 10 %)

    retried = call(
        local_api,
        "POST",
        f"/v1/webhooks/{webhook['id']}/deliveries/{delivery_id}/retry",
        org.secret_key,
    )
    assert retried.status == 202, retried.body
    wait_for(lambda: len(receiver.got) == 5)
    assert receiver.got[-1].headers["webhook-id"] == receiver.got[0].headers["webhook-id"]


def test_a_live_key_cannot_target_private_addresses(local_api: LocalApi) -> None:
    org = new_org(local_api, "live")
    for url in ("http://127.0.0.1:8080/hook", "https://10.0.0.8/hook", "https://169.254.169.254/"):
        refused = call(local_api, "POST", "/v1/webhooks", org.secret_key, {"url": url})
        assert refused.status == 422, refused.body
        assert error_code(refused) == "WEBHOOK_URL_NOT_ALLOWED"
    listed = call(local_api, "GET", "/v1/webhooks", org.secret_key)
    assert listed.status == 200 and listed.json() == {"webhooks": []}


def test_a_410_disables_the_endpoint(
    local_api: LocalApi, receivers: Callable[..., Receiver]
) -> None:
    org = new_org(local_api)
    receiver = receivers(answers=[410])
    webhook = create_webhook(local_api, org.secret_key, receiver.url)
    call(local_api, "POST", f"/v1/webhooks/{webhook['id']}/test", org.secret_key)

    def disabled() -> bool:
        got = call(local_api, "GET", f"/v1/webhooks/{webhook['id']}", org.secret_key).json()
        return got["status"] == "disabled"

    wait_for(disabled)
    got = call(local_api, "GET", f"/v1/webhooks/{webhook['id']}", org.secret_key).json()
    assert "410" in got["disabledReason"]
    again = call(local_api, "POST", f"/v1/webhooks/{webhook['id']}/test", org.secret_key)
    assert again.status == 409 and error_code(again) == "WEBHOOK_DISABLED"
    time.sleep(0.5)
    assert len(receiver.got) == 1
    enabled = call(
        local_api,
        "PATCH",
        f"/v1/webhooks/{webhook['id']}",
        org.secret_key,
        {"status": "enabled"},
    )
    assert enabled.status == 200 and enabled.json()["status"] == "enabled"


def test_retry_after_of_a_429_is_honoured(
    local_api: LocalApi, receivers: Callable[..., Receiver]
) -> None:
    org = new_org(local_api)
    receiver = receivers(answers=[429], headers={"Retry-After": "2"})
    webhook = create_webhook(local_api, org.secret_key, receiver.url)
    call(local_api, "POST", f"/v1/webhooks/{webhook['id']}/test", org.secret_key)
    wait_for(lambda: len(receiver.got) == 2, timeout_s=20)
    assert receiver.got[1].at - receiver.got[0].at >= 1.9  # not the schedule's 5 ms


def test_a_slow_endpoint_does_not_delay_another_organisations(
    local_api: LocalApi, receivers: Callable[..., Receiver]
) -> None:
    slow_org, fast_org = new_org(local_api), new_org(local_api)
    slow, fast = receivers(delay_s=6.0), receivers()
    slow_hook = create_webhook(local_api, slow_org.secret_key, slow.url)
    fast_hook = create_webhook(local_api, fast_org.secret_key, fast.url)
    call(local_api, "POST", f"/v1/webhooks/{slow_hook['id']}/test", slow_org.secret_key)
    wait_for(lambda: slow.got)
    sent = time.time()
    call(local_api, "POST", f"/v1/webhooks/{fast_hook['id']}/test", fast_org.secret_key)
    wait_for(lambda: fast.got, timeout_s=5)
    assert fast.got[0].at - sent < 3.0  # while the slow endpoint still holds its answer
    assert time.time() - slow.got[0].at < 6.0


def test_replay_resends_events_since_a_time(
    local_api: LocalApi, receivers: Callable[..., Receiver]
) -> None:
    org = new_org(local_api)
    receiver = receivers()
    since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 1))
    webhook = create_webhook(local_api, org.secret_key, receiver.url, events=["session.started"])
    started = call(
        local_api,
        "POST",
        "/v1/sessions/start",
        org.publishable_key,
        {"deliveryId": "d-replay", "sessionType": "drop"},
    )
    assert started.status == 201
    wait_for(lambda: len(receiver.got) == 1)
    replayed = call(
        local_api, "POST", f"/v1/webhooks/{webhook['id']}/replay", org.secret_key, {"since": since}
    )
    assert replayed.status == 202, replayed.body
    assert replayed.json() == {"replayed": 1, "complete": True, "nextSince": None}
    wait_for(lambda: len(receiver.got) == 2)
    first, second = receiver.got
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert len(receiver.verified_with(webhook["secret"])) == 2
    bad = call(
        local_api,
        "POST",
        f"/v1/webhooks/{webhook['id']}/replay",
        org.secret_key,
        {"since": "2026-01-01T00:00:00"},
    )
    assert bad.status == 422


def test_the_api_is_scoped_to_the_secret_key_of_the_tenant(
    local_api: LocalApi, receivers: Callable[..., Receiver]
) -> None:
    org, other = new_org(local_api), new_org(local_api)
    webhook = create_webhook(local_api, org.secret_key, receivers().url)
    for method, path in (
        ("GET", f"/v1/webhooks/{webhook['id']}"),
        ("PATCH", f"/v1/webhooks/{webhook['id']}"),
        ("DELETE", f"/v1/webhooks/{webhook['id']}"),
        ("POST", f"/v1/webhooks/{webhook['id']}/rotate"),
        ("GET", f"/v1/webhooks/{webhook['id']}/deliveries"),
    ):
        body = {"description": "x"} if method == "PATCH" else None
        answer = call(local_api, method, path, other.secret_key, body)
        assert answer.status == 404 and error_code(answer) == "WEBHOOK_NOT_FOUND", path
    publishable = call(local_api, "GET", "/v1/webhooks", org.publishable_key)
    assert publishable.status == 403
    listed = call(local_api, "GET", "/v1/webhooks", org.secret_key).json()
    assert [w["id"] for w in listed["webhooks"]] == [webhook["id"]]
    assert "secret" not in listed["webhooks"][0] or listed["webhooks"][0]["secret"] is None
    invalid = call(
        local_api, "POST", "/v1/webhooks", org.secret_key, {"url": "x", "events": ["no"]}
    )
    assert invalid.status == 422
    deleted = call(local_api, "DELETE", f"/v1/webhooks/{webhook['id']}", org.secret_key)
    assert deleted.status == 204
    gone = call(local_api, "GET", f"/v1/webhooks/{webhook['id']}", org.secret_key)
    assert gone.status == 404


def test_endpoints_secrets_and_the_bus_rule_survive_kill_9_and_restart(
    tmp_path: Path, receivers: Callable[..., Receiver]
) -> None:
    """``doorproof local`` keeps its data by default: an endpoint made before a ``kill -9``
    still gets every event after the restart, signed with the secret it was given (the KMS
    key that seals it is kept), and so after a clean stop."""
    data = tmp_path / "data"
    receiver = receivers()
    first = Local(data)
    try:
        sk = keys(data)["sk"]
        status, webhook = first.call("POST", "/v1/webhooks", sk, {"url": receiver.url})
        assert status == 201, webhook
        assert first.call("POST", f"/v1/webhooks/{webhook['id']}/test", sk)[0] == 202
        wait_for(lambda: len(receiver.got) == 1)
    finally:
        first.kill_9()

    for restart in ("after kill -9", "after a clean stop"):
        local = Local(data)
        try:
            pk = keys(data)["pk"]
            start = {"deliveryId": f"d-{restart[-4:]}", "sessionType": "drop"}
            status, started = local.call("POST", "/v1/sessions/start", pk, start)
            assert status == 201, (restart, started)
            wait_for(partial(types_for, receiver, started["sessionId"]))
            status, queued = local.call("POST", f"/v1/webhooks/{webhook['id']}/test", sk)
            assert status == 202, (restart, queued)
            wait_for(partial(ids_of, receiver, queued["messageId"]))
        finally:
            assert local.stop() == 0  # a clean stop snapshots
    # Delivery is at-least-once: a ``kill -9`` between the receiver's 200 and the stack's
    # record of it replays that message after the restart, under the same ``webhook-id`` a
    # receiver deduplicates by. So: 5 distinct messages, every request signed with the secret.
    assert len(receiver.verified_with(webhook["secret"])) == len(receiver.got)
    assert len({r.headers["webhook-id"] for r in receiver.got}) == 5
