"""The local API Gateway: an HTTP server on localhost that routes each request by
``names.ROUTES``, runs the real authorizer, and calls the route's handler with an HTTP API
payload v2.0 event.

A request matching no route (or only with another method, whatever the method) goes, as in
the deployed API, to the ``$default`` route's function (``names.DEFAULT_ROUTE_HANDLER``),
which answers in the API's error shape: 405 ``METHOD_NOT_ALLOWED`` with ``Allow`` when routes
serve the path with other methods, else 404 ``ROUTE_NOT_FOUND``. The front door answers by
itself where API Gateway does, with API Gateway's bodies: 413 over the 10 MB payload limit
(or over Lambda's 6 MB event limit once the body is base64-encoded), 403 ``Forbidden`` when
the authorizer says no, and 500 ``Internal Server Error`` when a function fails or answers
something unusable (the traceback goes to the log). Every response carries ``apigw-requestid``.

Load: connections wait in a listen backlog of ``LISTEN_BACKLOG`` (socketserver's default is
5: a burst of phones got connection resets), and at most ``MAX_IN_FLIGHT`` requests are
served at once; beyond that the answer is 503 with ``Retry-After`` (the SDK retries a 5xx and
keeps the batch; a 4xx would delete it).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from doorproof.local.apigw_events import (
    DEFAULT_ROUTE,
    LAMBDA_MAX_EVENT_BYTES,
    MAX_PAYLOAD_BYTES,
    Api,
    Request,
    Response,
    authorizer_decision,
    authorizer_event,
    gateway_error,
    http_event,
    http_response,
    match_route,
    new_request_id,
)
from doorproof.local.dashboard import Dashboard
from doorproof.local.lambdas import Lambdas

# Not under "doorproof": that is the Powertools Logger's name (the service), whose JSON
# handler would print these lines with the last invocation's Lambda context keys.
log = logging.getLogger("local.frontdoor")
TOO_LARGE = "Request Entity Too Large"
INTERNAL = "Internal Server Error"
DRAIN_LIMIT_BYTES = 4 * MAX_PAYLOAD_BYTES
"""Beyond this an oversized body is no longer read: the connection is just closed."""
LISTEN_BACKLOG = 512
MAX_IN_FLIGHT = 256
"""Requests served at once before new ones are shed (each holds a thread, mostly waiting for
its function: API handlers run one at a time, as one Lambda execution environment does)."""
RETRY_AFTER_S = 1


class FrontDoor(ThreadingHTTPServer):
    """``FrontDoor(("127.0.0.1", 0), lambdas, api)``; ``serve_forever`` in a thread."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = LISTEN_BACKLOG

    def __init__(
        self,
        address: tuple[str, int],
        lambdas: Lambdas,
        api: Api,
        dashboard: Dashboard | None = None,
    ) -> None:
        super().__init__(address, _RequestHandler)
        self.lambdas, self.api = lambdas, api
        self.dashboard = dashboard
        self._slots = threading.BoundedSemaphore(MAX_IN_FLIGHT)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def dispatch(self, request: Request) -> Response:
        """What API Gateway answers to ``request`` (503 when ``MAX_IN_FLIGHT`` are served)."""
        if not self._slots.acquire(blocking=False):
            shed = gateway_error(503, "Service Unavailable", new_request_id())
            return Response(
                shed.status, [*shed.headers, ("retry-after", str(RETRY_AFTER_S))], shed.body
            )
        try:
            return self._dispatch(request)
        finally:
            self._slots.release()

    def _dispatch(self, request: Request) -> Response:
        request_id = new_request_id()
        page = self.dashboard.answer(request) if self.dashboard else None
        if page is not None:  # the dashboard (CloudFront in AWS), not API Gateway
            return page
        match = match_route(request.method, request.raw_path) or DEFAULT_ROUTE
        if len(request.body) > MAX_PAYLOAD_BYTES:
            return gateway_error(413, TOO_LARGE, request_id)
        now = datetime.now(UTC)
        context = None
        if match.route.authorized:
            try:
                auth = authorizer_event(
                    request, match, api=self.api, request_id=request_id, now=now
                )
                context = authorizer_decision(self.lambdas.invoke("authorizer", auth))
            except Exception:
                log.exception("authorizer failed for %s %s", request.method, request.raw_path)
                return gateway_error(500, INTERNAL, request_id)
            if context is None:
                return gateway_error(403, "Forbidden", request_id)
        event = http_event(
            request,
            match,
            api=self.api,
            request_id=request_id,
            now=now,
            authorizer_context=context,
        )
        if len(json.dumps(event)) > LAMBDA_MAX_EVENT_BYTES:
            return gateway_error(413, TOO_LARGE, request_id)
        try:
            return http_response(self.lambdas.invoke(match.route.handler, event), request_id)
        except Exception:
            log.exception("%s failed for %s", match.route.handler, match.route_key)
            return gateway_error(500, INTERNAL, request_id)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version, sys_version = "doorproof-local", ""
    server: FrontDoor

    def _read_body(self) -> bytes | None:
        """The request body, or None when it is over the payload limit. An oversized body
        is still read (and dropped) up to ``DRAIN_LIMIT_BYTES``, so the client sees the 413
        instead of a broken pipe."""
        chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
        chunks, total = [], 0
        for chunk in self._chunked() if chunked else self._sized():
            total += len(chunk)
            if total > DRAIN_LIMIT_BYTES:
                break
            if total <= MAX_PAYLOAD_BYTES:
                chunks.append(chunk)
        return b"".join(chunks) if total <= MAX_PAYLOAD_BYTES else None

    def _sized(self) -> Iterator[bytes]:
        remaining = int(self.headers.get("Content-Length") or 0)
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, 1 << 20))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk

    def _chunked(self) -> Iterator[bytes]:
        while size := int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16):
            yield self.rfile.read(size)
            self.rfile.readline()
        while self.rfile.readline().strip():
            pass  # trailers

    def _serve(self) -> None:
        started = time.perf_counter()
        body = self._read_body()
        if body is None:
            self.close_connection = True
            response = gateway_error(413, TOO_LARGE, new_request_id())
        else:
            request = Request(
                method=self.command,
                target=self.path,
                headers=list(self.headers.items()),
                body=body,
                source_ip=self.client_address[0],
                server_port=self.server.server_address[1],
                protocol=self.request_version,
            )
            response = self.server.dispatch(request)
        self.send_response(response.status)
        for name, value in response.headers:
            if name not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("content-length", str(len(response.body)))
        if self.close_connection:
            self.send_header("connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)
        log.info(
            "%s %s -> %d (%.0f ms)",
            self.command,
            self.path,
            response.status,
            (time.perf_counter() - started) * 1000,
        )

    def __getattr__(self, name: str) -> Any:
        """``do_<METHOD>`` for every method, TRACE and made-up ones included: http.server
        answers 501 in HTML for a method without one, where API Gateway hands any method to
        the routes (and ``$default``: 405 in the API's error shape)."""
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def log_message(self, format: str, *args: object) -> None:
        """http.server writes to stderr; route its lines to the debug log instead."""
        log.debug(format, *args)
