"""One signed HTTP attempt (the headers signed by ``wire.webhook_signatures``): the
SSRF-checked connection, limits.

The request goes to the address ``urls.resolve_target`` checked (with the URL's host as Host
header and TLS server name, certificate verified), never redirected (a 3xx is a failure),
within ``names.WEBHOOK_TIMEOUT_S``; at most ``names.WEBHOOK_RESPONSE_LIMIT_BYTES`` of the
answer are read and kept.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable

import urllib3

from functions.core.config import names
from functions.core.domain.webhook_urls import Resolver, UrlRefused, resolve_target, system_resolver
from functions.core.domain.webhooks import AttemptResult

USER_AGENT = "Doorproof-Webhooks/1.0"


def retry_after_seconds(value: str | None, now: float) -> float | None:
    """``Retry-After`` as seconds from now: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


def _host_header(host: str, port: int, scheme: str) -> str:
    shown = f"[{host}]" if ":" in host else host
    default = 443 if scheme == "https" else 80
    return shown if port == default else f"{shown}:{port}"


class Sender:
    """Sends signed webhooks. ``allow_loopback``: sandbox endpoints may be loopback HTTP."""

    def __init__(
        self,
        *,
        allow_loopback: bool,
        resolver: Resolver = system_resolver,
        timeout_s: float = names.WEBHOOK_TIMEOUT_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._allow_loopback = allow_loopback
        self._resolver = resolver
        self._timeout_s = timeout_s
        self._clock = clock

    def send(self, url: str, environment: str, headers: dict[str, str], body: str) -> AttemptResult:
        started = self._clock()

        def elapsed() -> int:
            return int((self._clock() - started) * 1000)

        try:
            target = resolve_target(
                url, environment, allow_loopback=self._allow_loopback, resolver=self._resolver
            )
        except UrlRefused as exc:
            return AttemptResult(None, elapsed(), f"refused: {exc}")
        timeout = urllib3.Timeout(total=self._timeout_s)
        pool: urllib3.HTTPConnectionPool
        if target.scheme == "https":
            pool = urllib3.HTTPSConnectionPool(
                target.address,
                target.port,
                timeout=timeout,
                retries=False,
                maxsize=1,
                cert_reqs="CERT_REQUIRED",
                server_hostname=target.host,
                assert_hostname=target.host,
            )
        else:
            pool = urllib3.HTTPConnectionPool(
                target.address, target.port, timeout=timeout, retries=False, maxsize=1
            )
        request_headers = {
            **headers,
            "Host": _host_header(target.host, target.port, target.scheme),
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
        }
        try:
            with pool:
                response = pool.urlopen(
                    "POST",
                    target.path,
                    body=body.encode(),
                    headers=request_headers,
                    redirect=False,
                    preload_content=False,
                    assert_same_host=False,
                )
                text = response.read(names.WEBHOOK_RESPONSE_LIMIT_BYTES)
                response.release_conn()
        except urllib3.exceptions.NewConnectionError as exc:  # before TimeoutError: a subclass
            return AttemptResult(None, elapsed(), f"connection failed: {exc}")
        except urllib3.exceptions.TimeoutError:
            return AttemptResult(None, elapsed(), f"no answer within {self._timeout_s:g} s")
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            return AttemptResult(None, elapsed(), f"connection failed: {exc}")
        return AttemptResult(
            status_code=response.status,
            latency_ms=elapsed(),
            error=None if 200 <= response.status < 300 else f"HTTP {response.status}",
            response_body=text.decode("utf-8", errors="replace"),
            retry_after_s=retry_after_seconds(response.headers.get("Retry-After"), time.time()),
        )
