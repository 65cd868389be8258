import logging
import random
import time
from pathlib import Path

import pytest
from client_fakes import START, FakeServer, api_error, down, samples

from doorproof.client import DeviceClient, DoorproofError, RetryPolicy
from functions.core.config.names import KEY_HEADER


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def manual(server: FakeServer, path: Path, clock: Clock, **kwargs: object) -> DeviceClient:
    retry = RetryPolicy(base_s=1.0, cap_s=8.0, max_attempts=3, rng=random.Random(1))
    return DeviceClient(
        server, "pk_sandbox_x", queue_path=path, clock=clock, background=False,
        retry=retry, **kwargs,  # type: ignore[arg-type]
    )  # fmt: skip


def test_uploads_gzip_batches_with_the_key_then_the_stop(tmp_path: Path) -> None:
    server = FakeServer()
    client = manual(server, tmp_path / "q.db", Clock(), max_batch_samples=100)
    assert client.start_session(START).sessionId == "s1"
    client.record(samples(250))
    answer = client.stop_session()
    assert answer is not None and answer.status == "completed"
    assert server.paths() == ["/v1/sessions/start"] + ["/v1/telemetry"] * 3 + ["/v1/sessions/stop"]
    for request in server.requests:
        assert request.headers[KEY_HEADER] == "pk_sandbox_x"
        assert request.headers["Content-Encoding"] == "gzip"
    assert server.accepted == {"s1": 250}
    assert client.stats.samples_accepted == 250
    assert client.session_id is None and client.pending().empty


def test_5xx_is_retried_with_backoff_until_accepted(tmp_path: Path) -> None:
    server, clock = FakeServer(), Clock()
    server.script["/v1/telemetry"] = [api_error(500), api_error(503)]
    client = manual(server, tmp_path / "q.db", clock)
    client.start_session(START)
    client.record(samples(10))
    client.pump()
    assert server.paths().count("/v1/telemetry") == 1  # failed once, now waiting
    client.pump()
    assert server.paths().count("/v1/telemetry") == 1
    clock.now += 1.0  # first delay is at most base_s
    client.pump()
    clock.now += 2.0
    client.pump()
    assert server.paths().count("/v1/telemetry") == 3
    assert server.accepted == {"s1": 10}
    assert client.stats.retries == 2


def test_4xx_discards_the_batch_logs_it_and_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    server = FakeServer()
    server.script["/v1/telemetry"] = [api_error(422, "VALIDATION_ERROR")]
    client = manual(server, tmp_path / "q.db", Clock(), max_batch_samples=5)
    client.start_session(START)
    client.record(samples(10))
    with caplog.at_level(logging.ERROR, logger="doorproof.client"):
        client.pump()
    assert "discarded" in caplog.text and "VALIDATION_ERROR" in caplog.text
    assert server.paths().count("/v1/telemetry") == 2  # the refused one is not retried
    assert server.accepted == {"s1": 5}
    assert (client.stats.discarded_batches, client.stats.discarded_samples) == (1, 5)
    assert client.pending().empty


def test_429_is_retried_not_discarded(tmp_path: Path) -> None:
    server, clock = FakeServer(), Clock()
    server.script["/v1/telemetry"] = [api_error(429, "THROTTLED")]
    client = manual(server, tmp_path / "q.db", clock)
    client.start_session(START)
    client.record(samples(4))
    client.pump()
    clock.now += 2.0
    client.pump()
    assert server.accepted == {"s1": 4}


def test_server_failures_give_up_after_max_attempts(tmp_path: Path) -> None:
    server, clock = FakeServer(), Clock()
    server.script["/v1/telemetry"] = [api_error(500)] * 3
    client = manual(server, tmp_path / "q.db", clock)
    client.start_session(START)
    client.record(samples(4))
    for _ in range(5):
        client.pump()
        clock.now += 10.0
    assert server.paths().count("/v1/telemetry") == 3
    assert client.stats.discarded_samples == 4 and client.pending().empty


def test_network_errors_hold_the_queue_and_never_lose_data(tmp_path: Path) -> None:
    server, clock = FakeServer(), Clock()
    server.script["/v1/telemetry"] = [down() for _ in range(6)]
    client = manual(server, tmp_path / "q.db", clock, max_batch_samples=5)
    client.start_session(START)
    client.record(samples(20))
    client.pump()
    assert server.paths().count("/v1/telemetry") == 1  # one failure holds all four batches
    for _ in range(8):  # more network failures than max_attempts: nothing is given up
        clock.now += 10.0
        client.pump()
    assert server.accepted == {"s1": 20}
    assert client.stats.discarded_batches == 0


def test_stop_during_an_outage_is_sent_later_behind_the_batches(tmp_path: Path) -> None:
    server, clock = FakeServer(), Clock()
    server.script["/v1/telemetry"] = [down()]
    client = manual(server, tmp_path / "q.db", clock)
    client.start_session(START)
    client.record(samples(7))
    assert client.stop_session(wait_s=0) is None
    assert "/v1/sessions/stop" not in server.paths()
    clock.now += 5.0
    client.pump()
    assert server.paths()[-2:] == ["/v1/telemetry", "/v1/sessions/stop"]
    assert server.accepted == {"s1": 7}


def test_refused_stop_raises(tmp_path: Path) -> None:
    server = FakeServer()
    server.script["/v1/sessions/stop"] = [api_error(404, "SESSION_NOT_FOUND")]
    client = manual(server, tmp_path / "q.db", Clock())
    client.start_session(START)
    with pytest.raises(DoorproofError) as raised:
        client.stop_session()
    assert (raised.value.status, raised.value.code) == (404, "SESSION_NOT_FOUND")


def test_a_new_client_resumes_the_session_and_queue_of_a_dead_one(tmp_path: Path) -> None:
    server, clock = FakeServer(), Clock()
    path = tmp_path / "q.db"
    server.script["/v1/telemetry"] = [down()]
    first = manual(server, path, clock, max_batch_samples=10)
    first.start_session(START)
    first.record(samples(25))
    first.pump()  # the network is down: everything stays queued
    first.record(samples(5, t0=2e9))  # staged, never cut
    first.abort()

    second = manual(server, path, clock, max_batch_samples=10)
    assert second.session_id == "s1"
    second.record(samples(3, t0=3e9))
    second.stop_session()
    assert server.accepted == {"s1": 33}
    assert second.pending().empty


def test_background_thread_cuts_on_its_interval_and_close_drains(tmp_path: Path) -> None:
    server = FakeServer()
    client = DeviceClient(
        server, "pk_sandbox_x", queue_path=tmp_path / "q.db", batch_interval_s=0.05
    )
    client.start_session(START)
    for i in range(4):
        client.record(samples(10, t0=1e9 + i))
        time.sleep(0.08)
    deadline = time.monotonic() + 5
    while server.accepted.get("s1", 0) < 40 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.paths().count("/v1/telemetry") >= 2  # batches went out while recording
    client.stop_session(wait_s=5)
    client.close()
    assert server.accepted == {"s1": 40}


def test_record_without_a_session_is_a_usage_error(tmp_path: Path) -> None:
    client = manual(FakeServer(), tmp_path / "q.db", Clock())
    with pytest.raises(RuntimeError):
        client.record(samples(1))
