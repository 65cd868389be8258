"""The local front door under load: a real listen backlog, and beyond its in-flight limit a
503 with ``Retry-After`` (a 5xx: the SDK keeps the batch), never a reset or a 4xx."""

from __future__ import annotations

import threading

import pytest
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.api_gateway import BaseRouter

from doorproof.client.transport import HttpRequest, UrllibTransport
from doorproof.local import frontdoor
from doorproof.local.apigw_events import Api
from doorproof.local.lambdas import Lambdas
from functions.core.config import names


def test_beyond_the_in_flight_limit_requests_are_shed_with_retry_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(frontdoor, "MAX_IN_FLIGHT", 1)
    entered, release = threading.Event(), threading.Event()

    def slow(event, context):
        entered.set()
        release.wait(10)
        return {"statusCode": 200, "body": "{}"}

    lambdas = Lambdas(stage="unit", region="us-east-1", account="1", overrides={"openapi": slow})
    door = frontdoor.FrontDoor(("127.0.0.1", 0), lambdas, Api("api1", "1", "us-east-1"))
    serving = threading.Thread(target=door.serve_forever, daemon=True)
    serving.start()
    transport = UrllibTransport(door.url)
    first: list[int] = []
    try:
        busy = threading.Thread(
            target=lambda: first.append(
                transport.send(HttpRequest("GET", "/v1/openapi.json", {}, None)).status
            )
        )
        busy.start()
        assert entered.wait(10)
        shed = transport.send(HttpRequest("GET", "/v1/openapi.json", {}, None))
        assert shed.status == 503
        assert {k.lower(): v for k, v in shed.headers.items()}["retry-after"] == "1"
        release.set()
        busy.join(10)
        assert first == [200]
    finally:
        release.set()
        door.shutdown()
        door.server_close()
    assert frontdoor.FrontDoor.request_queue_size >= 512


def test_route_functions_run_one_at_a_time_and_the_authorizer_beside_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Powertools keeps the current event on a class attribute shared by every resolver:
    two route functions at once resolve each other's events (a 404 the SDK drops)."""
    monkeypatch.setattr(BaseRouter, "current_event", "shared", raising=False)
    assert APIGatewayHttpResolver().current_event == "shared"  # one event for every resolver
    lambdas = Lambdas(stage="unit", region="us-east-1", account="1")
    locks = lambdas._running
    assert len({id(locks[r.handler]) for r in names.ROUTES}) == 1
    assert locks["authorizer"] is not locks["telemetry"]
    assert locks["processor"] is not locks["telemetry"]
