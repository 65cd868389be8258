"""``doorproof local --data DIR`` keeps everything across a restart and a ``kill -9``:
sessions, counts, telemetry, insights, and the demo keys (a phone whose key changed would get
401 and lose its queue). Real processes, real HTTP, real signals."""

from __future__ import annotations

import gzip
import json
import time
from pathlib import Path
from typing import Any

import pytest

from doorproof.client.transport import HttpRequest, UrllibTransport
from doorproof.loadtest import LocalProcess
from tests.integration.test_loadtest_small import free_port

pytestmark = pytest.mark.integration


class Local(LocalProcess):
    """One ``doorproof local`` process on ``data``, started, with a JSON caller."""

    def __init__(self, data: Path) -> None:
        super().__init__(data, free_port(), sweep_interval_s=1, visibility_timeout_s=1)
        self.start(timeout_s=120)

    def call(self, method: str, path: str, key: str, body: Any = None) -> tuple[int, Any]:
        headers = {"Desmo-Key": key}
        data = None
        if body is not None:
            data = gzip.compress(json.dumps(body).encode())
            headers |= {"Content-Encoding": "gzip", "Content-Type": "application/json"}
        response = UrllibTransport(self.url).send(HttpRequest(method, path, headers, data))
        return response.status, json.loads(response.body) if response.body else None

    def kill_9(self) -> None:
        self.kill()


def keys(data: Path) -> dict[str, str]:
    org = json.loads((data / "keys.json").read_text())["orgs"][0]
    return {"pk": org["publishableKey"], "sk": org["secretKey"]}


def batch(session_id: str, t0: float, n: int = 250) -> dict[str, Any]:
    events = [
        {"ts": t0 + i / 50, "imu": {"accel": [0.1, 0.2, 9.8], "gyro": [0.0, 0.0, 0.01]}}
        for i in range(n)
    ]
    return {"sessionId": session_id, "events": events}


def wait_ready(local: Local, sk: str, session_id: str, timeout_s: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        status, document = local.call("GET", f"/v1/sessions/{session_id}/insights", sk)
        if status == 200 and document["status"] == "ready":
            return document
        time.sleep(0.5)
    raise AssertionError(f"insights of {session_id} not ready: {document}")


def test_sessions_counts_insights_and_keys_survive_kill_9_and_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = Local(data)
    try:
        k = keys(data)
        _, done = first.call(
            "POST", "/v1/sessions/start", k["pk"], {"deliveryId": "a", "sessionType": "drop"}
        )
        t0 = time.time() - 60
        for n in range(2):
            assert (
                first.call("POST", "/v1/telemetry", k["pk"], batch(done["sessionId"], t0 + 5 * n))[
                    0
                ]
                == 202
            )
        first.call("POST", "/v1/sessions/stop", k["pk"], {"sessionId": done["sessionId"]})
        ready = wait_ready(first, k["sk"], done["sessionId"])
        _, open_ = first.call(
            "POST", "/v1/sessions/start", k["pk"], {"deliveryId": "b", "sessionType": "drop"}
        )
        last = batch(open_["sessionId"], t0)
        status, accepted = first.call("POST", "/v1/telemetry", k["pk"], last)
        assert (status, accepted["accepted"]) == (202, 250)
    finally:
        first.kill_9()  # no snapshot, no flush: what the log holds is all there is

    second = Local(data)
    try:
        assert keys(data) == k  # the same keys: phones keep working
        _, session = second.call("GET", f"/v1/sessions/{done['sessionId']}", k["sk"])
        assert session["acceptedSamplesTotal"] == session["storedSamplesTotal"] == 500
        assert wait_ready(second, k["sk"], done["sessionId"])["version"] == ready["version"]
        _, session = second.call("GET", f"/v1/sessions/{open_['sessionId']}", k["sk"])
        assert (session["status"], session["acceptedSamplesTotal"]) == ("recording", 250)
        # The phone never saw the 202 of its last batch before the kill: it sends it again.
        assert second.call("POST", "/v1/telemetry", k["pk"], last)[1]["duplicate"] is True
        assert (
            second.call("POST", "/v1/telemetry", k["pk"], batch(open_["sessionId"], t0 + 5))[0]
            == 202
        )
        second.call("POST", "/v1/sessions/stop", k["pk"], {"sessionId": open_["sessionId"]})
        wait_ready(second, k["sk"], open_["sessionId"])
        _, session = second.call("GET", f"/v1/sessions/{open_['sessionId']}", k["sk"])
        assert session["acceptedSamplesTotal"] == session["storedSamplesTotal"] == 500
    finally:
        assert second.stop() == 0  # a clean stop snapshots

    third = Local(data)
    try:
        assert any("(0 logged requests replayed)" in line for line in third.output)
        _, session = third.call("GET", f"/v1/sessions/{open_['sessionId']}", k["sk"])
        assert session["storedSamplesTotal"] == 500
    finally:
        third.stop()
