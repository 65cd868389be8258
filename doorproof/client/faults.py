"""Network faults on purpose: a ``Transport`` wrapper the simulator and the tests use to cut
the network or replay uploads, without touching the server or the client's logic.

- ``outage()``: while it lasts, every request fails with ``NetworkError`` before reaching the
  server — a courier in a lift shaft;
- ``duplicate``: every telemetry upload is sent twice, the first answer dropped — what a
  phone does when an answer is lost after the server stored the batch; a number between 0
  and 1 instead of True makes that share of uploads duplicates.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from doorproof.client.transport import HttpRequest, HttpResponse, NetworkError, Transport


class FaultyTransport:
    def __init__(
        self, inner: Transport, *, duplicate: bool | float = False, seed: int | None = None
    ) -> None:
        self.inner = inner
        self.duplicate = float(duplicate)
        """The share of telemetry uploads sent twice (True: all of them)."""
        self.duplicates = 0
        self._rng = random.Random(seed)  # noqa: S311 - a fault schedule, not a secret
        self.refused = 0
        """Requests failed by an outage."""
        self._down = threading.Event()

    @property
    def down(self) -> bool:
        return self._down.is_set()

    def set_down(self, down: bool) -> None:
        if down:
            self._down.set()
        else:
            self._down.clear()

    @contextmanager
    def outage(self) -> Iterator[None]:
        self.set_down(True)
        try:
            yield
        finally:
            self.set_down(False)

    def send(self, request: HttpRequest) -> HttpResponse:
        if self._down.is_set():
            self.refused += 1
            raise NetworkError(f"{request.method} {request.path}: simulated outage")
        if request.path == "/v1/telemetry" and self._rng.random() < self.duplicate:
            self.duplicates += 1
            self.inner.send(request)
        return self.inner.send(request)
