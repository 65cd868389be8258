"""A scripted stand-in for the HTTP transport, so the client's queue, retry and discard rules
run without a server."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from typing import Any

from doorproof.client.transport import HttpRequest, HttpResponse, NetworkError

Answer = Callable[[HttpRequest, dict[str, Any] | None], HttpResponse | Exception]


def ok(document: dict[str, Any], status: int = 200) -> HttpResponse:
    return HttpResponse(status, json.dumps(document).encode())


def api_error(status: int, code: str = "X") -> HttpResponse:
    body = {"error": {"code": code, "message": f"status {status}", "details": []}}
    return HttpResponse(status, json.dumps(body).encode())


class FakeServer:
    """Answers like the API by default (start, stop, telemetry); ``script`` maps a path to a
    list of answers consumed in order (an exception is raised, a response returned)."""

    def __init__(self) -> None:
        self.requests: list[HttpRequest] = []
        self.script: dict[str, list[HttpResponse | Exception]] = {}
        self.accepted: dict[str, int] = {}
        self.seen_batches: set[bytes] = set()

    def body(self, request: HttpRequest) -> dict[str, Any] | None:
        if request.body is None:
            return None
        return json.loads(gzip.decompress(request.body))

    def send(self, request: HttpRequest) -> HttpResponse:
        self.requests.append(request)
        path = request.path.split("?", 1)[0]
        scripted = self.script.get(path)
        if scripted:
            answer = scripted.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer
        body = self.body(request)
        if path == "/v1/sessions/start":
            return ok({"sessionId": f"s{len(self.accepted) + 1}", "status": "recording"})
        if path == "/v1/sessions/stop":
            assert body is not None
            return ok({"sessionId": body["sessionId"], "status": "completed"})
        if path == "/v1/telemetry":
            assert body is not None and request.body is not None
            sid = body["sessionId"]
            duplicate = request.body in self.seen_batches
            self.seen_batches.add(request.body)
            if not duplicate:
                self.accepted[sid] = self.accepted.get(sid, 0) + len(body["events"])
            n = 0 if duplicate else len(body["events"])
            return ok({"sessionId": sid, "accepted": n, "rejected": 0, "duplicate": duplicate})
        return api_error(404, "NOT_FOUND")

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]


def down() -> NetworkError:
    return NetworkError("connection refused")


def samples(n: int, t0: float = 1_800_000_000.0) -> list[dict[str, Any]]:
    return [
        {"ts": t0 + i / 50, "imu": {"accel": [0.0, 0.0, 9.81], "gyro": [0.0, 0.0, 0.0]}}
        for i in range(n)
    ]


START = {"deliveryId": "d1", "sessionType": "drop"}
