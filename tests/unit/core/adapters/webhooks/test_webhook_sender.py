"""The sender against a real HTTP server on 127.0.0.1: headers, no redirects, the timeout,
the response limit and Retry-After."""

from __future__ import annotations

import http.server
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from standardwebhooks import Webhook as Verifier

from functions.core.adapters.webhooks.sender import Sender, retry_after_seconds
from functions.core.config import names
from functions.core.domain.webhooks import new_secret
from functions.core.wire.webhook_signatures import signature_headers


@dataclass
class Server:
    """Answers POSTs with ``status``, ``headers`` and ``body`` after ``delay_s``."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"ok"
    delay_s: float = 0.0
    seen: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    port: int = 0


@pytest.fixture
def server() -> Iterator[Server]:
    spec = Server()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            spec.seen.append((dict(self.headers), self.rfile.read(length)))
            time.sleep(spec.delay_s)
            self.send_response(spec.status)
            for name, value in spec.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(spec.body)))
            self.end_headers()
            self.wfile.write(spec.body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    spec.port = httpd.server_port
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield spec
    httpd.shutdown()
    httpd.server_close()


def url(server: Server) -> str:
    return f"http://127.0.0.1:{server.port}/hook?x=1"


def test_the_request_is_signed_json_and_verifies(server: Server) -> None:
    secret = new_secret()
    body = '{"type":"insight.ready","timestamp":"t","data":{}}'
    headers = signature_headers("msg_1", int(time.time()), body, [secret])
    result = Sender(allow_loopback=True).send(url(server), "sandbox", headers, body)
    assert result.succeeded and result.status_code == 200 and result.response_body == "ok"
    ((seen, raw),) = server.seen
    assert raw.decode() == body
    assert seen["Content-Type"] == "application/json"
    assert seen["Host"] == f"127.0.0.1:{server.port}"
    assert Verifier(secret).verify(raw, seen)["type"] == "insight.ready"


def test_two_secrets_give_two_signatures_each_verifying() -> None:
    old, new = new_secret(), new_secret()
    headers = signature_headers("msg_2", int(time.time()), "{}", [new, old])
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        Verifier(secret).verify("{}", headers)


def test_a_redirect_is_not_followed_and_is_a_failure(server: Server) -> None:
    server.status, server.headers = 302, {"Location": "http://169.254.169.254/"}
    result = Sender(allow_loopback=True).send(url(server), "sandbox", {}, "{}")
    assert not result.succeeded and result.status_code == 302 and len(server.seen) == 1


def test_a_slow_endpoint_is_cut_at_the_timeout(server: Server) -> None:
    server.delay_s = 2.0
    started = time.monotonic()
    result = Sender(allow_loopback=True, timeout_s=0.5).send(url(server), "sandbox", {}, "{}")
    assert time.monotonic() - started < 1.5
    assert result.status_code is None and "no answer within 0.5 s" in str(result.error)


def test_only_the_first_kilobyte_of_the_answer_is_kept(server: Server) -> None:
    server.status, server.body = 500, b"e" * 100_000
    result = Sender(allow_loopback=True).send(url(server), "sandbox", {}, "{}")
    assert result.error == "HTTP 500"
    assert result.response_body == "e" * names.WEBHOOK_RESPONSE_LIMIT_BYTES


def test_retry_after_is_read_from_a_429(server: Server) -> None:
    server.status, server.headers = 429, {"Retry-After": "30"}
    result = Sender(allow_loopback=True).send(url(server), "sandbox", {}, "{}")
    assert result.status_code == 429 and result.retry_after_s == 30.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", 1445412470.0) == 10.0
    assert retry_after_seconds("soon", 0.0) is None


def test_a_refused_url_is_not_contacted(server: Server) -> None:
    result = Sender(allow_loopback=False).send(url(server), "sandbox", {}, "{}")
    assert result.status_code is None and str(result.error).startswith("refused:")
    assert server.seen == []
    live = Sender(allow_loopback=True).send(url(server), "live", {}, "{}")
    assert str(live.error).startswith("refused:") and server.seen == []


def test_nothing_listening_is_a_connection_failure() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = Sender(allow_loopback=True).send(f"http://127.0.0.1:{port}/", "sandbox", {}, "{}")
    assert result.status_code is None and "connection failed" in str(result.error)
