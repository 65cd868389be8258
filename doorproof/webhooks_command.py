"""``doorproof webhooks listen``: a local receiver that verifies and prints each webhook.

Like ``stripe listen``: with ``--url`` and ``--key`` (a sandbox secret key) it registers an
endpoint pointing at itself (``http://127.0.0.1:PORT/``, which the local stack allows for
sandbox keys), verifies with that endpoint's secret and deletes the endpoint when it stops;
with ``--secret`` it only listens, for an endpoint registered some other way (a tunnel).
Each request is verified with ``verify_webhook`` (the ``standardwebhooks`` package): a
genuine webhook is answered 204 and printed, anything else 400 and reported.
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any, TextIO

from standardwebhooks import WebhookVerificationError

from doorproof.client.backend import BackendClient, verify_webhook
from doorproof.client.transport import DoorproofError


class Listener:
    """An HTTP server on ``host:port`` (0: a free one) that verifies webhooks with
    ``secret`` and hands each verified event (with its headers) to ``on_event``, each
    refusal's reason to ``on_refused``. ``secret`` may be set after binding (the endpoint's
    URL, hence the port, must be known to register it)."""

    def __init__(
        self,
        secret: str | None,
        on_event: Callable[[dict[str, Any], dict[str, str]], None],
        on_refused: Callable[[str], None],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        listener = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    if listener.secret is None:
                        raise WebhookVerificationError("no secret to verify with yet")
                    event = verify_webhook(headers, body, listener.secret)
                except (WebhookVerificationError, ValueError) as exc:
                    self._answer(400, f"signature not verified: {exc}".encode())
                    on_refused(str(exc))
                    return
                self._answer(204, b"")
                on_event(event, headers)

            def _answer(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                """Quiet: every request is reported by ``on_event``/``on_refused``."""

        self.secret = secret
        self._server = http.server.ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="doorproof-webhooks-listen", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/"

    def start(self) -> Listener:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def describe(event: dict[str, Any], headers: dict[str, str]) -> str:
    """One line per event: type, ids, then the data as compact JSON."""
    data = event.get("data", {})
    subject = data.get("sessionId") or data.get("webhookId") or "-"
    return (
        f"{event.get('timestamp', '?')}  {event.get('type', '?'):<16} {subject}  "
        f"{headers.get('webhook-id', '?')}  {json.dumps(data, separators=(',', ':'))}"
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    listen = sub.add_parser(
        "listen", help="receive webhooks here, verify and print them", description=__doc__
    )
    listen.add_argument("--port", type=int, default=8788, help="port (default: %(default)s)")
    listen.add_argument("--host", default="127.0.0.1", help="address (default: %(default)s)")
    listen.add_argument(
        "--url", default=os.environ.get("DOORPROOF_URL"), help="API base URL ($DOORPROOF_URL)"
    )
    listen.add_argument(
        "--key",
        default=os.environ.get("DOORPROOF_SECRET_KEY"),
        help="sandbox secret key to register the endpoint with ($DOORPROOF_SECRET_KEY)",
    )
    listen.add_argument(
        "--secret", help="verify with this whsec_… secret instead of registering an endpoint"
    )
    listen.add_argument(
        "--events", help="comma-separated event types to register for (default: all)"
    )


def run(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    if not args.secret and not (args.url and args.key):
        print(
            "doorproof webhooks listen: give --url and --key (a secret key) to register an "
            "endpoint here, or --secret whsec_… for one registered elsewhere",
            file=sys.stderr,
        )
        return 2
    lock = threading.Lock()

    def printed(line: str) -> None:
        with lock:
            print(line, file=out, flush=True)

    listener = Listener(
        args.secret,
        lambda event, headers: printed(describe(event, headers)),
        lambda reason: printed(f"REFUSED  {reason}"),
        host=args.host,
        port=args.port,
    )
    client, webhook_id = None, None
    try:
        if not args.secret:
            client = BackendClient(args.url, args.key)
            events = args.events.split(",") if args.events else None
            created = client.create_webhook(
                listener.url, events=events, description="doorproof webhooks listen"
            )
            listener.secret, webhook_id = created.secret, created.id
            printed(f"registered webhook {created.id} → {listener.url}")
    except DoorproofError as exc:
        listener.stop()
        print(f"doorproof webhooks listen: {exc}", file=sys.stderr)
        return 1
    stopping = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    listener.start()
    printed(f"listening on {listener.url} (Ctrl-C to stop)")
    try:
        while not stopping.wait(0.5):  # wake for signals delivered to other threads
            pass
    finally:
        listener.stop()
        if client is not None and webhook_id is not None:
            client.delete_webhook(webhook_id)
            printed(f"deleted webhook {webhook_id}")
    return 0
