import json

import pytest
from client_fakes import FakeServer, api_error, ok

from doorproof.client import BackendClient, DoorproofError, InsightsTimeout
from doorproof.client.transport import HttpResponse, error_from


def session(sid: str) -> dict[str, object]:
    return {
        "sessionId": sid, "organizationId": "o", "projectId": "p", "environment": "sandbox",
        "deliveryId": "d", "sessionType": "drop", "status": "completed",
        "createdAt": "2026-11-23T10:00:00Z",
    }  # fmt: skip


def insights(status: str, version: int = 0) -> dict[str, object]:
    return {
        "sessionId": "s1", "organizationId": "o", "deliveryId": "d",
        "status": status, "version": version,
    }  # fmt: skip


def test_list_sessions_follows_cursors_and_passes_filters() -> None:
    server = FakeServer()
    server.script["/v1/sessions"] = [
        ok({"sessions": [session("a"), session("b")], "nextCursor": "c1"}),
        ok({"sessions": [session("c")], "nextCursor": None}),
    ]
    client = BackendClient(server, "sk_sandbox_x")
    found = [s.sessionId for s in client.list_sessions(page_size=2, deliveryId="d 1")]
    assert found == ["a", "b", "c"]
    assert server.requests[0].path == "/v1/sessions?deliveryId=d+1&limit=2"
    assert server.requests[1].path.endswith("cursor=c1")


def test_wait_for_insights_polls_until_ready_and_newer() -> None:
    server = FakeServer()
    server.script["/v1/sessions/s1/insights"] = [
        ok(insights("processing")),
        api_error(503),
        ok(insights("ready", version=1)),
        ok(insights("ready", version=2)),
    ]
    client = BackendClient(server, "sk_sandbox_x")
    doc = client.wait_for_insights("s1", timeout_s=5, poll_s=0, min_version=2)
    assert doc.status == "ready" and doc.version == 2
    assert len(server.requests) == 4


def test_wait_for_insights_times_out_with_the_last_document() -> None:
    server = FakeServer()
    server.script["/v1/sessions/s1/insights"] = [ok(insights("processing"))] * 50
    client = BackendClient(server, "sk_sandbox_x")
    with pytest.raises(InsightsTimeout) as raised:
        client.wait_for_insights("s1", timeout_s=0.05, poll_s=0.01)
    assert raised.value.last is not None and raised.value.last.status == "processing"


def test_errors_carry_the_api_shape_and_non_retryable_ones_stop_the_wait() -> None:
    server = FakeServer()
    server.script["/v1/sessions/nope/insights"] = [api_error(404, "SESSION_NOT_FOUND")]
    with pytest.raises(DoorproofError) as raised:
        BackendClient(server, "sk_sandbox_x").wait_for_insights("nope", timeout_s=5)
    assert (raised.value.status, raised.value.code) == (404, "SESSION_NOT_FOUND")
    assert not raised.value.retryable


def test_gateway_bodies_without_the_error_shape_still_give_an_error() -> None:
    gateway = error_from(HttpResponse(403, json.dumps({"message": "Forbidden"}).encode()))
    assert (gateway.status, gateway.code, gateway.message) == (403, "HTTP_403", "Forbidden")
    html = error_from(HttpResponse(502, b"<html>Bad Gateway</html>"))
    assert html.retryable and "Bad Gateway" in html.message
