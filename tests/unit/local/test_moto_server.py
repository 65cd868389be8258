"""The local stack's moto server runs DynamoDB requests one at a time and everything else
concurrently (see ``doorproof.local.moto_server`` for the moto race this prevents)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from doorproof.local.moto_server import _SerialDynamoDB


class SlowApp:
    """A WSGI app that takes a while and records how many requests of each kind overlap."""

    def __init__(self) -> None:
        self.in_flight: dict[str, int] = {"dynamodb": 0, "other": 0}
        self.most: dict[str, int] = {"dynamodb": 0, "other": 0}
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        kind = "dynamodb" if "DynamoDB" in environ.get("HTTP_X_AMZ_TARGET", "") else "other"
        with self._lock:
            self.in_flight[kind] += 1
            self.most[kind] = max(self.most[kind], self.in_flight[kind])
        time.sleep(0.05)
        with self._lock:
            self.in_flight[kind] -= 1
        start_response("200 OK", [])
        return [kind.encode()]


def test_dynamodb_requests_are_serialised_and_others_are_not() -> None:
    app = SlowApp()
    serial = _SerialDynamoDB(app)
    environs = [
        {"HTTP_X_AMZ_TARGET": "DynamoDB_20120810.TransactWriteItems"},
        {"HTTP_X_AMZ_TARGET": "AmazonSQS.ReceiveMessage"},
        {},  # S3: no target header
    ]
    bodies: list[bytes] = []

    def call(environ: dict[str, Any]) -> None:
        bodies.extend(serial(environ, lambda status, headers: None))

    threads = [threading.Thread(target=call, args=(e,)) for e in environs * 4]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert app.most["dynamodb"] == 1
    assert app.most["other"] > 1
    assert sorted(bodies) == sorted([b"dynamodb"] * 4 + [b"other"] * 8)
