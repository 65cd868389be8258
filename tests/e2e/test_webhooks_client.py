"""The backend client's webhook calls and ``doorproof webhooks listen`` against the local
stack over real HTTP, and ``verify_webhook`` on its own."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook as StandardWebhook
from standardwebhooks import WebhookVerificationError

from doorproof.client import BackendClient, DoorproofError, verify_webhook
from doorproof.webhooks_command import Listener
from functions.core.domain.webhooks import new_secret
from tests.integration.conftest import LocalApi, wait_for
from tests.integration.test_webhooks import new_org

pytestmark = pytest.mark.integration


def test_verify_webhook_accepts_ours_and_refuses_a_tampered_body() -> None:
    secret = new_secret()
    body = '{"type":"insight.ready","timestamp":"2026-12-01T10:00:00.000Z","data":{}}'
    signature = StandardWebhook(secret).sign("msg_1", datetime.now(UTC), body)
    headers = {
        "Webhook-Id": "msg_1",
        "Webhook-Timestamp": str(int(time.time())),
        "Webhook-Signature": signature,
    }
    assert verify_webhook(headers, body.encode(), secret)["type"] == "insight.ready"
    with pytest.raises(WebhookVerificationError):
        verify_webhook(headers, body.replace("ready", "failed"), secret)
    with pytest.raises(WebhookVerificationError):
        verify_webhook(headers, body, new_secret())


def test_the_client_manages_endpoints_and_a_listener_verifies_what_arrives(
    local_api: LocalApi,
) -> None:
    org = new_org(local_api)
    backend = BackendClient(local_api.url, org.secret_key)
    events: queue.Queue[dict[str, object]] = queue.Queue()
    refused: list[str] = []
    listener = Listener(None, lambda e, h: events.put(e), refused.append).start()
    try:
        created = backend.create_webhook(listener.url, events=["insight.ready"])
        assert created.secret and created.events == ["insight.ready"]
        listener.secret = created.secret
        assert [w.id for w in backend.list_webhooks()] == [created.id]
        assert backend.get_webhook(created.id).secret is None

        queued = backend.test_webhook(created.id)
        assert events.get(timeout=20)["type"] == "webhook.test"
        rotated = backend.rotate_webhook_secret(created.id)
        listener.secret = rotated.secret  # the new secret verifies from now on
        backend.test_webhook(created.id)
        assert events.get(timeout=20)["type"] == "webhook.test"
        assert refused == []

        page = backend.webhook_deliveries(created.id)
        assert queued.deliveryId in {d.id for d in page.deliveries}
        assert all(d.attempts and d.attempts[0].statusCode == 204 for d in page.deliveries)
        retried = backend.retry_webhook_delivery(created.id, queued.deliveryId)
        assert retried.messageId == queued.messageId
        assert events.get(timeout=20)["type"] == "webhook.test"
        replay = backend.replay_webhooks(created.id, datetime.now(UTC))
        assert replay.replayed == 0 and replay.complete

        updated = backend.update_webhook(created.id, description="orders", status="disabled")
        assert updated.description == "orders" and updated.status == "disabled"
        backend.delete_webhook(created.id)
        with pytest.raises(DoorproofError) as gone:
            backend.get_webhook(created.id)
        assert gone.value.status == 404 and gone.value.code == "WEBHOOK_NOT_FOUND"
    finally:
        listener.stop()


def test_doorproof_webhooks_listen_registers_prints_and_cleans_up(local_api: LocalApi) -> None:
    org = new_org(local_api)
    with socket.socket() as probe:  # a port that was free a moment ago
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "doorproof", "webhooks", "listen"]
    command += ["--url", local_api.url, "--key", org.secret_key, "--port", str(port)]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    lines: queue.Queue[str] = queue.Queue()
    seen: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            seen.append(line)
            lines.put(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()

    def next_line(timeout_s: float = 20.0) -> str:
        return lines.get(timeout=timeout_s).rstrip("\n")

    try:
        registered = next_line()
        assert registered.startswith("registered webhook ep_"), registered
        assert next_line().startswith(f"listening on http://127.0.0.1:{port}/")
        backend = BackendClient(local_api.url, org.secret_key)
        (webhook,) = backend.list_webhooks()
        backend.test_webhook(webhook.id)
        printed = next_line()
        assert " webhook.test " in printed and webhook.id in printed, printed
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
        reader.join(timeout=10)
    assert process.returncode == 0, process.stderr.read() if process.stderr else ""
    assert f"deleted webhook {webhook.id}\n" in seen
    wait_for(lambda: BackendClient(local_api.url, org.secret_key).list_webhooks() == [])


def test_listen_without_a_way_to_verify_says_what_to_give() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "doorproof", "webhooks", "listen"],
        check=False,
        capture_output=True,
        text=True,
        timeout=30,
        env={k: v for k, v in os.environ.items() if not k.startswith("DOORPROOF_")},
    )
    assert done.returncode == 2 and "--secret" in done.stderr
