"""Calling a real API handler the way API Gateway does (payload v2.0 events from the local
stack's event builder), as a given caller, without a network."""

from __future__ import annotations

import gzip
import importlib
import json
from datetime import UTC, datetime
from typing import Any

from doorproof.local.apigw_events import DEFAULT_ROUTE, Api, Request, http_event, match_route
from doorproof.local.lambda_context import context_for
from functions.core.config import names
from functions.core.domain.principal import Principal

DEVICE = Principal("org_1", "prj_1", "sandbox", "publishable", "key_pk")
BACKEND = Principal("org_1", "prj_1", "sandbox", "secret", "key_sk")
STRANGER = Principal("org_2", "prj_1", "sandbox", "secret", "key_other")


def call(method: str, path: str, body: Any = None, **options: Any) -> tuple[int, Any]:
    """(status, parsed JSON body or None) of ``invoke`` (``options``: its keywords)."""
    answer = invoke(method, path, body, **options)
    text = answer.get("body")
    return answer["statusCode"], json.loads(text) if text else None


def invoke(
    method: str,
    path: str,
    body: Any = None,
    *,
    caller: Principal = DEVICE,
    headers: dict[str, str] | None = None,
    raw: bytes | None = None,
) -> dict[str, Any]:
    """The function's v2 answer to ``method path``, as API Gateway calls it (a request no
    route matches goes to the ``$default`` route's function). ``body`` is sent as the SDK
    does (gzip JSON); ``raw`` sends exactly those bytes instead."""
    sent_headers = [("desmo-key", "k"), *(headers or {}).items()]
    data = b""
    if raw is not None:
        data = raw
    elif body is not None:
        data = gzip.compress(json.dumps(body).encode())
        sent_headers += [("content-encoding", "gzip"), ("content-type", "application/json")]
    request = Request(method, path, sent_headers, data, "127.0.0.1", 443)
    match = match_route(method, request.raw_path) or DEFAULT_ROUTE
    spec = names.FUNCTIONS[match.route.handler]
    event = http_event(
        request,
        match,
        api=Api("api1", "123456789012", "us-east-1"),
        request_id="req1",
        now=datetime.now(UTC),
        authorizer_context=caller.to_context() if match.route.authorized else None,
    )
    module, _, attribute = spec.handler.rpartition(".")
    handler = getattr(importlib.import_module(module), attribute)
    context = context_for(spec, stage="unit", region="us-east-1", account="1")
    answer: dict[str, Any] = handler(event, context)
    return answer
