"""The wire under both clients: HTTP with the standard library, gzip bodies, the key header,
and the API's one error shape turned into one exception.

Two layers, so tests and fault injection can cut in between:
- a ``Transport`` moves one ``HttpRequest`` and returns an ``HttpResponse`` — or raises
  ``NetworkError`` when no answer came back (refused, reset, timed out). ``UrllibTransport``
  is the real one; tests hand in fakes, ``doorproof.client.faults`` wraps it with outages;
- a ``Channel`` speaks the API: it adds ``Desmo-Key``, gzips POST bodies the way the SDK
  does, decodes JSON, and raises ``DoorproofError`` for any non-2xx answer.
Only the standard library is used here; the clients' other import is pydantic (their wire
models). The ``doorproof`` distribution that ships them still depends on the whole runtime
(boto3, moto, numpy): see docs/client.md.
"""

from __future__ import annotations

import gzip
import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from functions.core.config.names import KEY_HEADER

USER_AGENT = "doorproof-python/0.1"
JSON_TYPE = "application/json; charset=utf-8"
RETRYABLE_STATUSES = frozenset({408, 429})
"""4xx answers that mean "try again later", not "this request is bad". The Desmo SDK
discards every 4xx; retrying these two loses nothing and is what a throttled client should do."""


class DoorproofError(Exception):
    """Any failed call: ``status`` (0 when no answer came back), the API's ``code``,
    ``message`` and ``details``."""

    def __init__(
        self, status: int, code: str, message: str, details: list[Any] | None = None
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message
        self.details = details or []

    @property
    def retryable(self) -> bool:
        """Whether the same request may succeed later (network error, 5xx, 408, 429)."""
        return self.status == 0 or self.status >= 500 or self.status in RETRYABLE_STATUSES


class NetworkError(DoorproofError):
    """No HTTP answer: the server could not be reached or the connection broke."""

    def __init__(self, message: str) -> None:
        super().__init__(0, "NETWORK_ERROR", message)


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    """Path and query, relative to the base URL (``/v1/sessions?limit=5``)."""
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)


class Transport(Protocol):
    """Moves one request; raises ``NetworkError`` when no response arrives."""

    def send(self, request: HttpRequest) -> HttpResponse: ...


class UrllibTransport:
    """``urllib.request`` against ``base_url``; every HTTP status is a response."""

    def __init__(self, base_url: str, *, timeout: float = 30.0) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"base URL must be http(s)://…, got {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def send(self, request: HttpRequest) -> HttpResponse:
        req = urllib.request.Request(  # noqa: S310 (scheme checked in __init__)
            self.base_url + request.path,
            data=request.body,
            headers=dict(request.headers),
            method=request.method,
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310
                return HttpResponse(resp.status, resp.read(), dict(resp.headers.items()))
        except urllib.error.HTTPError as exc:
            with exc:
                return HttpResponse(exc.code, exc.read(), dict(exc.headers.items()))
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            reason = getattr(exc, "reason", exc)
            raise NetworkError(f"{request.method} {request.path}: {reason}") from exc


def gzip_json(document: Any) -> bytes:
    """A body as the SDK sends it: compact UTF-8 JSON, gzip-compressed."""
    text = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    return gzip.compress(text.encode("utf-8"), compresslevel=6)


def error_from(response: HttpResponse) -> DoorproofError:
    """The ``DoorproofError`` for a non-2xx answer: the API's error shape when the body has
    it, otherwise (API Gateway's own ``{"message": …}``, a proxy's HTML) the status alone."""
    try:
        document = json.loads(response.body or b"null")
    except ValueError:
        document = None
    if isinstance(document, dict) and isinstance(document.get("error"), dict):
        error = document["error"]
        return DoorproofError(
            response.status,
            str(error.get("code") or "UNKNOWN"),
            str(error.get("message") or ""),
            list(error.get("details") or []),
        )
    message = document.get("message") if isinstance(document, dict) else None
    text = message or response.body[:200].decode("utf-8", "replace") or "no body"
    return DoorproofError(response.status, f"HTTP_{response.status}", str(text))


class Channel:
    """The API with one key: ``call("GET", "/v1/sessions/s1")`` → decoded JSON."""

    def __init__(self, transport: Transport, key: str) -> None:
        if not key:
            raise ValueError("an API key is required (Desmo-Key)")
        self.transport = transport
        self._key = key

    def send(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        query: Mapping[str, Any] | None = None,
    ) -> Any:
        """Send ``body`` (already gzip-compressed JSON) and return the decoded answer.

        Raises ``DoorproofError`` for a non-2xx status, ``NetworkError`` without an answer.
        """
        if query:
            params = {k: v for k, v in query.items() if v is not None}
            if params:
                path = f"{path}?{urllib.parse.urlencode(params)}"
        headers = {KEY_HEADER: self._key, "Accept": "application/json", "User-Agent": USER_AGENT}
        if body is not None:
            headers |= {"Content-Type": JSON_TYPE, "Content-Encoding": "gzip"}
        response = self.transport.send(HttpRequest(method, path, headers, body))
        if not 200 <= response.status < 300:
            raise error_from(response)
        return json.loads(response.body) if response.body.strip() else None

    def call(
        self,
        method: str,
        path: str,
        document: Any = None,
        *,
        query: Mapping[str, Any] | None = None,
    ) -> Any:
        """Like ``send``, with ``document`` JSON-encoded and gzipped (POST) or omitted."""
        body = gzip_json(document) if document is not None else None
        if body is None and method == "POST":
            body = gzip_json({})
        return self.send(method, path, body=body, query=query)


def open_channel(target: str | Transport, key: str, *, timeout_s: float) -> Channel:
    """A channel to a base URL (over ``UrllibTransport``) or through a given transport."""
    transport = UrllibTransport(target, timeout=timeout_s) if isinstance(target, str) else target
    return Channel(transport, key)


def quote(segment: str) -> str:
    """A path segment (a session id) made safe for a URL."""
    return urllib.parse.quote(segment, safe="")
