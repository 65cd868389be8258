"""The device-side client: what the Desmo mobile SDK does, on the same wire (API.md).

``start_session`` and ``record`` are called by the app; a background thread does the rest:
every ``batch_interval_s`` it cuts the recorded samples into a batch, and it uploads the queue
in order — gzip body, ``Desmo-Key`` header — retrying 5xx and network errors with backoff and
jitter and discarding a batch the server refused with a 4xx (logged: the server answers 4xx
only for data it can never accept). Everything goes through the SQLite outbox
(``doorproof.client.queue``) first, so a dead network or a killed process loses nothing: a new
``DeviceClient`` on the same file resumes the session and uploads what is left, including
batches and the stop queued after the session ended.

One client records one session at a time, as a phone does.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from doorproof.client.backoff import RetryPolicy
from doorproof.client.queue import Op, OutboxQueue, QueueStats
from doorproof.client.transport import (
    DoorproofError,
    NetworkError,
    Transport,
    gzip_json,
    open_channel,
)
from functions.core.wire.models.sessions import SessionStatusResponse, StartSessionRequest
from functions.core.wire.models.telemetry import Sample, TelemetryAccepted

log = logging.getLogger("doorproof.client")
Result = TelemetryAccepted | SessionStatusResponse | DoorproofError


@dataclass
class UploadStats:
    """What this client's uploader did since it was created."""

    batches: int = 0
    samples_accepted: int = 0
    samples_rejected: int = 0
    duplicates: int = 0
    retries: int = 0
    discarded_batches: int = 0
    discarded_samples: int = 0


class DeviceClient:
    """``DeviceClient(url_or_transport, publishable_key, queue_path=…)``; use as a context
    manager or call ``close()``, which waits (bounded) for the queue to drain."""

    def __init__(
        self,
        target: str | Transport,
        key: str,
        *,
        queue_path: str | Path,
        batch_interval_s: float = 5.0,
        max_batch_samples: int = 3000,
        retry: RetryPolicy | None = None,
        timeout_s: float = 30.0,
        clock: Callable[[], float] = time.time,
        background: bool = True,
    ) -> None:
        self._channel = open_channel(target, key, timeout_s=timeout_s)
        self.queue = OutboxQueue(queue_path)
        self.batch_interval_s = batch_interval_s
        self.max_batch_samples = max_batch_samples
        self.retry = retry or RetryPolicy()
        self.stats = UploadStats()
        self._clock = clock
        self._session = self.queue.active_session()
        self._results: dict[int, Result] = {}
        self._changed = threading.Condition()
        self._wake = threading.Event()
        self._halt = threading.Event()
        self._closed = False
        self._thread: threading.Thread | None = None
        if background:
            self._thread = threading.Thread(target=self._run, name="doorproof-upload", daemon=True)
            self._thread.start()

    # --- what the app calls -------------------------------------------------------------

    @property
    def session_id(self) -> str | None:
        """The session being recorded (restored from the queue after a restart)."""
        return self._session

    def start_session(
        self, request: StartSessionRequest | Mapping[str, Any]
    ) -> SessionStatusResponse:
        """POST /v1/sessions/start; raises ``DoorproofError`` (the app decides what to do:
        without a session id there is nothing to attach samples to)."""
        if self._session is not None:
            raise RuntimeError(f"session {self._session} is still recording; stop it first")
        body = StartSessionRequest.model_validate(request).model_dump(exclude_none=True)
        answer = SessionStatusResponse.model_validate(
            self._channel.call("POST", "/v1/sessions/start", body)
        )
        self.queue.set_active_session(answer.sessionId)
        self._session = answer.sessionId
        return answer

    def record(self, samples: Iterable[Mapping[str, Any] | Sample]) -> int:
        """Store wire samples for upload (durable on return); returns how many."""
        if self._session is None:
            raise RuntimeError("no session is recording; call start_session first")
        rows = (
            s.model_dump(exclude_none=True) if isinstance(s, Sample) else dict(s) for s in samples
        )
        return self.queue.stage(self._session, rows)

    def stop_session(self, *, wait_s: float | None = 30.0) -> SessionStatusResponse | None:
        """End the session: its last samples become a batch and the stop is queued behind
        every batch, so the server finalises complete data. Waits up to ``wait_s`` for the
        stop's answer; None if it is still queued (it will be sent later, also after a
        restart). Raises ``DoorproofError`` if the server refused the stop."""
        if self._session is None:
            raise RuntimeError("no session is recording")
        self.queue.cut(self.max_batch_samples)
        op_id = self.queue.add_stop(self._session)
        self.queue.set_active_session(None)
        self._session = None
        self._wake.set()
        result = self._wait_for(op_id, wait_s)
        if isinstance(result, DoorproofError):
            raise result
        return result if isinstance(result, SessionStatusResponse) else None

    def pending(self) -> QueueStats:
        return self.queue.stats()

    def flush(self, timeout_s: float = 30.0) -> bool:
        """Cut a batch now and wait until the queue is empty; False on timeout."""
        if self._thread is None:
            self.pump()
            return self.queue.stats().empty
        self.queue.cut(self.max_batch_samples)
        self._wake.set()
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while not self.queue.stats().empty:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(min(left, 0.2))
        return True

    def close(self, *, flush_timeout_s: float = 10.0) -> None:
        """Upload what can be uploaded within ``flush_timeout_s``, then stop; whatever is
        left stays in the queue file for the next client."""
        if self._closed:
            return
        if flush_timeout_s > 0:
            self.flush(flush_timeout_s)
        self.abort()

    def abort(self) -> None:
        """Stop at once, as a killed app would: nothing more is cut or sent (the request in
        flight, if any, completes). Recorded samples stay in the queue file."""
        if self._closed:
            return
        self._closed = True
        self._halt.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=60)
        self.queue.close()

    def __enter__(self) -> DeviceClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- the uploader -------------------------------------------------------------------

    def pump(self) -> int:
        """One round of the uploader: cut staged samples, then send every op that is due.
        Returns how many requests were made. The background thread calls this on its own;
        without one (``background=False``) the caller drives it."""
        self.queue.cut(self.max_batch_samples)
        return self._send_due()

    def _run(self) -> None:
        next_cut = self._clock() + self.batch_interval_s
        while not self._halt.is_set():
            now = self._clock()
            if now >= next_cut:
                self.queue.cut(self.max_batch_samples)
                next_cut = now + self.batch_interval_s
            try:
                self._send_due()
            except Exception:  # the uploader must outlive any bug in one round
                log.exception("uploader round failed")
            now = self._clock()
            retry_at = None if self._halt.is_set() else self.queue.next_retry_at(after=now)
            wait = next_cut - now if retry_at is None else min(next_cut, retry_at) - now
            self._wake.wait(max(0.01, min(wait, 1.0)))
            self._wake.clear()

    def _send_due(self) -> int:
        sent = 0
        while not self._halt.is_set():
            op = self.queue.next_due(self._clock())
            if op is None:
                break
            self._deliver(op)
            sent += 1
        return sent

    def _deliver(self, op: Op) -> None:
        result: Result
        try:
            result = self._request(op)
        except NetworkError as exc:
            # No answer: the network is down for every op, so hold the whole queue.
            retry_at = self._clock() + self.retry.delay(op.failures + 1)
            self.queue.failed(op.id, next_at=retry_at, server=False)
            self.queue.hold_all(retry_at)
            self.stats.retries += 1
            log.info("%s for %s: %s; retry in %.1fs", op.kind, op.session_id, exc.message,
                     retry_at - self._clock())  # fmt: skip
            return
        except DoorproofError as exc:
            if exc.retryable and not self.retry.gives_up(op.server_failures + 1):
                self.queue.failed(
                    op.id,
                    next_at=self._clock() + self.retry.delay(op.failures + 1),
                    server=True,
                )
                self.stats.retries += 1
                log.warning("%s for %s failed (%s); will retry", op.kind, op.session_id, exc)
                return
            if op.kind == "batch":
                self.stats.discarded_batches += 1
                self.stats.discarded_samples += op.samples
            log.error("%s for %s discarded: %s", op.kind, op.session_id, exc)
            result = exc
        else:
            if isinstance(result, TelemetryAccepted):
                self.stats.batches += 1
                self.stats.duplicates += int(result.duplicate)
                if not result.duplicate:
                    self.stats.samples_accepted += result.accepted
                    self.stats.samples_rejected += result.rejected
        self.queue.done(op.id)
        with self._changed:
            if op.kind == "stop":
                self._results[op.id] = result
            self._changed.notify_all()

    def _request(self, op: Op) -> TelemetryAccepted | SessionStatusResponse:
        if op.kind == "batch":
            answer = self._channel.send("POST", "/v1/telemetry", body=op.body)
            return TelemetryAccepted.model_validate(answer)
        answer = self._channel.send(
            "POST", "/v1/sessions/stop", body=gzip_json({"sessionId": op.session_id})
        )
        return SessionStatusResponse.model_validate(answer)

    def _wait_for(self, op_id: int, wait_s: float | None) -> Result | None:
        if self._thread is None:
            self.pump()
        deadline = None if wait_s is None else time.monotonic() + wait_s
        with self._changed:
            while op_id not in self._results:
                left = None if deadline is None else deadline - time.monotonic()
                if self._thread is None or (left is not None and left <= 0):
                    break
                self._changed.wait(0.2 if left is None else min(left, 0.2))
            return self._results.pop(op_id, None)
