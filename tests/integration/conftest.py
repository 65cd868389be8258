"""One local stack (moto server + HTTP front door + poller + sweep timer) for all integration
tests, reached over real HTTP.

Package scope, not session scope, on purpose: the stack points the process environment
(``AWS_ENDPOINT_URL``, table names, credentials) at its moto, and tears that down as soon as
the last integration test ran, so the unit tests that pytest runs afterwards (``mock_aws``)
never see it. Within this package it is still exactly one stack.

``override_handler`` swaps a function for a fake while one test runs (the stack keeps the
mapping by reference); everything else runs the real handlers from ``names.FUNCTIONS``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from doorproof.client.transport import HttpRequest, UrllibTransport
from doorproof.local import LocalStack
from doorproof.local.demo_keys import DemoOrg
from doorproof.local.lambdas import Handler

SWEEP_INTERVAL_S = 1.0
VISIBILITY_TIMEOUT_S = 1
WEBHOOK_RETRY_SCALE = 0.001
"""The webhook retry schedule compressed a thousandfold: 5 s, 5 min, 30 min → 5 ms, 0.3 s, 1.8 s."""


def _lower(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers}


@dataclass(frozen=True)
class HttpResult:
    """A response; header names lower-cased."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class LocalApi:
    """What a test needs: the API's URL, the demo organisations' keys, moto's URL."""

    stack: LocalStack
    handlers: dict[str, Handler]

    @property
    def url(self) -> str:
        return self.stack.url

    @property
    def keys(self) -> list[DemoOrg]:
        return self.stack.keys

    @property
    def moto_url(self) -> str:
        return self.stack.moto_url

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> HttpResult:
        response = UrllibTransport(self.url).send(
            HttpRequest(method, path, headers=headers or {}, body=body)
        )
        return HttpResult(response.status, _lower(response.headers.items()), response.body)


@pytest.fixture(scope="package")
def local_api() -> Iterator[LocalApi]:
    handlers: dict[str, Handler] = {}
    stack = LocalStack(
        port=0,
        sweep_interval_s=SWEEP_INTERVAL_S,
        visibility_timeout_s=VISIBILITY_TIMEOUT_S,
        handlers=handlers,
        webhook_retry_scale=WEBHOOK_RETRY_SCALE,
    )
    with stack:
        yield LocalApi(stack, handlers)


@pytest.fixture
def override_handler(
    local_api: LocalApi, monkeypatch: pytest.MonkeyPatch
) -> Callable[[str, Handler], None]:
    """``override_handler("processor", fake)``: ``fake`` runs instead until the test ends."""

    def override(key: str, handler: Handler) -> None:
        monkeypatch.setitem(local_api.handlers, key, handler)

    return override


def wait_for(predicate: Callable[[], object], timeout_s: float = 20.0) -> None:
    """Poll ``predicate`` until it is truthy; fail the test after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout_s} s")
        time.sleep(0.05)


DASHBOARD_LINK = re.compile(r"^dashboard: (http://127\.0\.0\.1:\d+)/signin\?code=(\S+)$", re.M)
"""The line ``doorproof local`` and ``doorproof demo`` print: the one-time sign-in link."""


@contextmanager
def doorproof_command(args: list[str], timeout_s: float) -> Iterator[subprocess.Popen[str]]:
    """``python -m doorproof ARGS`` with its output in a pipe; killed after ``timeout_s`` (a
    command that never gets there fails, not hangs) and in any case when the block ends."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "doorproof", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    watchdog = threading.Timer(timeout_s, proc.kill)
    watchdog.start()
    try:
        yield proc
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def read_until(proc: subprocess.Popen[str], prefix: str) -> str:
    """The command's output up to and including the first line starting with ``prefix``."""
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith(prefix):
            break
    return "".join(lines)


def sign_in_with_printed_link(output: str) -> str:
    """Find the ``dashboard:`` line in ``output`` and redeem its code as the app does;
    returns the dashboard's origin. Fails the test if there is no such line or it does not
    sign in."""
    link = DASHBOARD_LINK.search(output)
    assert link, f"no `dashboard: http://127.0.0.1:PORT/signin?code=…` line in:\n{output[-3000:]}"
    signin = urllib.request.Request(
        f"{link[1]}/local/signin", data=json.dumps({"code": link[2]}).encode(), method="POST"
    )
    with urllib.request.urlopen(signin, timeout=30) as answer:
        assert json.loads(answer.read())["accessToken"]
    return link[1]
