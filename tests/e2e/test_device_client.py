"""The device client against the local stack over real HTTP: a network outage in the middle
of a session, uploads the server sees twice, and a process killed with batches still on disk
(one of them already stored by the server). Every time: every sample accepted exactly once,
read back from GET /v1/sessions/{id} ``acceptedSamplesTotal``."""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from doorproof.client import BackendClient, DeviceClient, RetryPolicy
from doorproof.client.faults import FaultyTransport
from doorproof.client.transport import UrllibTransport
from doorproof.scenarios import Scenario, build
from tests.integration.conftest import LocalApi

pytestmark = pytest.mark.integration
FAST_RETRY = RetryPolicy(base_s=0.05, cap_s=0.2)


def scenario(seed: int) -> Scenario:
    """A short, light delivery (10 Hz) starting now, with a delivery id unique per test."""
    built = build("ground_floor", rate_hz=10, seed=seed, start_ts=time.time())
    built.start_request["deliveryId"] = f"e2e-{seed}-{time.time_ns()}"
    return built


def backend(local_api: LocalApi) -> BackendClient:
    return BackendClient(local_api.url, local_api.keys[0].secret_key)


def test_outage_in_the_middle_of_a_session_loses_nothing(
    local_api: LocalApi, tmp_path: Path
) -> None:
    trip = scenario(seed=1)
    network = FaultyTransport(UrllibTransport(local_api.url))
    client = DeviceClient(
        network,
        local_api.keys[0].publishable_key,
        queue_path=tmp_path / "queue.db",
        batch_interval_s=0.05,
        retry=FAST_RETRY,
    )
    with client:
        session_id = client.start_session(trip.start_request).sessionId
        thirds = len(trip.samples) // 3
        client.record(trip.samples[:thirds])
        assert client.flush(timeout_s=20)
        with network.outage():
            client.record(trip.samples[thirds : 2 * thirds])
            time.sleep(0.5)  # the uploader tries, fails and queues while recording goes on
            assert client.pending().batches >= 1
        client.record(trip.samples[2 * thirds :])
        assert client.stop_session(wait_s=20) is not None
        assert client.flush(timeout_s=20)
    assert network.refused >= 1
    session = backend(local_api).get_session(session_id)
    assert session.acceptedSamplesTotal == len(trip.samples)
    assert session.rejectedSamplesTotal == 0
    assert session.status == "completed"


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"  # nothing listens there any more


def test_real_connection_errors_while_the_server_is_unreachable_lose_nothing(
    local_api: LocalApi, tmp_path: Path
) -> None:
    trip = scenario(seed=4)
    transport = UrllibTransport(local_api.url, timeout=5)
    key = local_api.keys[0].publishable_key
    with DeviceClient(
        transport, key, queue_path=tmp_path / "q.db", batch_interval_s=0.05, retry=FAST_RETRY
    ) as client:
        session_id = client.start_session(trip.start_request).sessionId
        half = len(trip.samples) // 2
        transport.base_url = closed_port_url()  # connection refused from now on
        client.record(trip.samples[:half])
        time.sleep(0.5)
        assert client.stats.retries >= 1 and client.stats.batches == 0
        transport.base_url = local_api.url
        client.record(trip.samples[half:])
        assert client.stop_session(wait_s=20) is not None
    session = backend(local_api).get_session(session_id)
    assert session.acceptedSamplesTotal == len(trip.samples)


def test_uploads_sent_twice_are_counted_once(local_api: LocalApi, tmp_path: Path) -> None:
    trip = scenario(seed=2)
    network = FaultyTransport(UrllibTransport(local_api.url), duplicate=True)
    with DeviceClient(
        network,
        local_api.keys[0].publishable_key,
        queue_path=tmp_path / "queue.db",
        max_batch_samples=300,
        background=False,
    ) as client:
        session_id = client.start_session(trip.start_request).sessionId
        client.record(trip.samples)
        client.stop_session()
    batches = -(-len(trip.samples) // 300)
    assert client.stats.duplicates == batches  # every second copy was recognised
    session = backend(local_api).get_session(session_id)
    assert session.acceptedSamplesTotal == len(trip.samples)
    assert session.acceptedBatchesTotal == batches


CHILD = textwrap.dedent(
    """
    import os, signal, sys, time
    from doorproof.client import DeviceClient, RetryPolicy
    from doorproof.client.faults import FaultyTransport
    from doorproof.client.transport import UrllibTransport
    from doorproof.scenarios import build

    url, key, queue, start_ts, delivery = sys.argv[1:6]
    trip = build("ground_floor", rate_hz=10, seed=3, start_ts=float(start_ts))
    trip.start_request["deliveryId"] = delivery

    class KillAfterTheServerAnswers(FaultyTransport):
        armed = False

        def send(self, request):
            response = super().send(request)
            if self.armed and request.path == "/v1/telemetry":
                os.kill(os.getpid(), signal.SIGKILL)  # stored, but never marked as sent
            return response

    network = KillAfterTheServerAnswers(UrllibTransport(url))
    retry = RetryPolicy(base_s=0.001, cap_s=0.002)
    client = DeviceClient(network, key, queue_path=queue, retry=retry, max_batch_samples=400,
                          batch_interval_s=3600)  # batches are cut by flush() only
    print(client.start_session(trip.start_request).sessionId, flush=True)
    n = len(trip.samples) // 3
    client.record(trip.samples[:n])
    assert client.flush(timeout_s=20)                    # first third uploaded
    network.set_down(True)
    client.record(trip.samples[n:2 * n])
    assert not client.flush(timeout_s=0.3)               # second third queued as batches
    client.record(trip.samples[2 * n:])                  # last third only staged
    network.armed = True
    network.set_down(False)
    time.sleep(20)                                       # the uploader retries: killed
    print("not killed", flush=True)
    """
)


def test_a_killed_process_leaves_a_queue_the_next_one_delivers_exactly_once(
    local_api: LocalApi, tmp_path: Path
) -> None:
    queue, start_ts, delivery = tmp_path / "queue.db", time.time(), f"e2e-kill-{time.time_ns()}"
    key = local_api.keys[0].publishable_key
    child = subprocess.run(
        [sys.executable, "-c", CHILD, local_api.url, key, str(queue), str(start_ts), delivery],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,  # the child is expected to die by SIGKILL
    )
    assert child.returncode == -9, child.stderr
    session_id = child.stdout.split()[0]
    trip = build("ground_floor", rate_hz=10, seed=3, start_ts=start_ts)
    before = backend(local_api).get_session(session_id).acceptedSamplesTotal
    assert 0 < before < len(trip.samples)

    with DeviceClient(local_api.url, key, queue_path=queue, retry=FAST_RETRY) as resumed:
        assert resumed.session_id == session_id  # still recording after the restart
        left = resumed.pending()
        assert left.batches >= 2 and left.staged_samples > 0
        assert resumed.stop_session(wait_s=20) is not None
        assert resumed.flush(timeout_s=20)
        assert resumed.stats.duplicates == 1  # the batch stored just before the kill
    session = backend(local_api).get_session(session_id)
    assert session.acceptedSamplesTotal == len(trip.samples)
    assert session.status == "completed"
