"""What API Gateway (HTTP API) does around a Lambda: route matching, the payload v2.0 event,
the v2 REQUEST authorizer event, and turning a v2 response back into HTTP.

The handlers are written against these shapes in AWS, so the local front door must build them
the way API Gateway does, down to the details handlers trip over: lower-cased header names,
duplicate headers and query parameters joined with commas, cookies moved out of the headers,
absent (not empty) ``queryStringParameters``/``pathParameters``/``body``, and a base64 body
for anything that is not plain text (a gzip body always is). Pure functions, no I/O.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, unquote

from functions.core.config import names

STAGE = "$default"
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024
"""API Gateway's request payload limit (HTTP API): larger requests never reach a Lambda."""
LAMBDA_MAX_EVENT_BYTES = 6 * 1024 * 1024
"""Lambda's synchronous invocation payload limit: a base64 body grows by a third."""
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_TEXT_TYPES = ("application/json", "application/xml", "application/javascript")


@dataclass(frozen=True)
class Api:
    """The fixed identity of the emulated API: what ``requestContext`` reports."""

    api_id: str
    account_id: str
    region: str


@dataclass(frozen=True)
class Request:
    """An HTTP request as it reached the front door. ``headers`` keep order and duplicates."""

    method: str
    target: str
    headers: Sequence[tuple[str, str]]
    body: bytes
    source_ip: str
    server_port: int
    protocol: str = "HTTP/1.1"

    @property
    def raw_path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def raw_query(self) -> str:
        return self.target.split("?", 1)[1] if "?" in self.target else ""

    def header(self, name: str) -> str | None:
        values = [v for k, v in self.headers if k.lower() == name.lower()]
        return ",".join(values) if values else None


@dataclass(frozen=True)
class RouteMatch:
    route: names.Route
    path_parameters: dict[str, str]

    @property
    def route_key(self) -> str:
        if self.route.path == names.DEFAULT_ROUTE_KEY:
            return names.DEFAULT_ROUTE_KEY
        return f"{self.route.method} {self.route.path}"


DEFAULT_ROUTE = RouteMatch(
    names.Route("ANY", names.DEFAULT_ROUTE_KEY, names.DEFAULT_ROUTE_HANDLER, authorized=False),
    {},
)
"""API Gateway's ``$default`` route: what a request matching no route in ``names.ROUTES``
reaches (public, no path parameters)."""


@dataclass(frozen=True)
class Response:
    """An HTTP response ready to write: status, headers (repeatable), body bytes."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


def new_request_id() -> str:
    """An id shaped like API Gateway's (``apigw-requestid``): 16 base64 characters."""
    return base64.b64encode(secrets.token_bytes(10)).decode("ascii")


def match_route(
    method: str, raw_path: str, routes: Iterable[names.Route] = names.ROUTES
) -> RouteMatch | None:
    """The route for ``method raw_path``, literal segments winning over ``{params}``.

    A parameter matches one non-empty segment; its value is URL-decoded. A path that matches
    only with another method is not found here: it goes to ``$default``, whose function
    answers 405 with the path's methods (``names.methods_at``).
    """
    best: tuple[int, RouteMatch] | None = None
    for route in routes:
        params = names.path_parameters(route.path, raw_path)
        if route.method != method.upper() or params is None:
            continue
        if best is None or len(params) < best[0]:
            decoded = {name: unquote(value) for name, value in params.items()}
            best = (len(params), RouteMatch(route, decoded))
    return best[1] if best else None


def _is_text(request: Request) -> bool:
    """Whether API Gateway would pass the body as text rather than base64."""
    if (request.header("content-encoding") or "identity").strip().lower() != "identity":
        return False
    media = (request.header("content-type") or "").split(";", 1)[0].strip().lower()
    textual = (
        media.startswith("text/")
        or media in _TEXT_TYPES
        or media.endswith("+json")
        or media.endswith("+xml")
    )
    if not textual:
        return False
    try:
        request.body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _request_time(now: datetime) -> str:
    return f"{now:%d}/{_MONTHS[now.month - 1]}/{now:%Y:%H:%M:%S} +0000"


def _headers(request: Request) -> tuple[dict[str, str], list[str]]:
    """Lower-cased headers with duplicates comma-joined, plus API Gateway's own, and the
    cookies (which v2 moves out of the headers into ``cookies``)."""
    joined: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in request.headers:
        key = name.lower()
        if key == "cookie":
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
        else:
            joined[key] = f"{joined[key]},{value}" if key in joined else value
    joined["x-forwarded-for"] = request.source_ip
    joined["x-forwarded-port"] = str(request.server_port)
    joined["x-forwarded-proto"] = "http"
    joined["x-amzn-trace-id"] = f"Root=1-{secrets.token_hex(4)}-{secrets.token_hex(12)}"
    return joined, cookies


def _base_event(
    request: Request, match: RouteMatch, api: Api, request_id: str, now: datetime
) -> dict[str, Any]:
    """The fields the HTTP event and the authorizer event share."""
    headers, cookies = _headers(request)
    domain = headers.get("host", f"{api.api_id}.execute-api.{api.region}.amazonaws.com")
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": match.route_key,
        "rawPath": request.raw_path,
        "rawQueryString": request.raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": api.account_id,
            "apiId": api.api_id,
            "domainName": domain,
            "domainPrefix": domain.split(".", 1)[0],
            "http": {
                "method": request.method.upper(),
                "path": request.raw_path,
                "protocol": request.protocol,
                "sourceIp": request.source_ip,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": request_id,
            "routeKey": match.route_key,
            "stage": STAGE,
            "time": _request_time(now),
            "timeEpoch": int(now.timestamp() * 1000),
        },
    }
    if cookies:
        event["cookies"] = cookies
    query: dict[str, str] = {}
    for key, value in parse_qsl(request.raw_query, keep_blank_values=True):
        query[key] = f"{query[key]},{value}" if key in query else value
    if query:
        event["queryStringParameters"] = query
    if match.path_parameters:
        event["pathParameters"] = dict(match.path_parameters)
    return event


def http_event(
    request: Request,
    match: RouteMatch,
    *,
    api: Api,
    request_id: str,
    now: datetime,
    authorizer_context: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The payload v2.0 event for the route's Lambda integration."""
    event = _base_event(request, match, api, request_id, now)
    if authorizer_context is not None:
        event["requestContext"]["authorizer"] = {"lambda": authorizer_context}
    if request.body:
        text = _is_text(request)
        event["body"] = (
            request.body.decode("utf-8") if text else base64.b64encode(request.body).decode()
        )
        event["isBase64Encoded"] = not text
    else:
        event["isBase64Encoded"] = False
    return event


def authorizer_event(
    request: Request, match: RouteMatch, *, api: Api, request_id: str, now: datetime
) -> dict[str, Any]:
    """The v2 REQUEST authorizer event. No body, and no ``identitySource``: the API's
    authorizer has none on purpose (a key may come in either of two headers), which also
    means API Gateway never caches its answers."""
    event = _base_event(request, match, api, request_id, now)
    method = request.method.upper()
    event["type"] = "REQUEST"
    event["routeArn"] = (
        f"arn:aws:execute-api:{api.region}:{api.account_id}:{api.api_id}/{STAGE}/"
        f"{method}{request.raw_path}"
    )
    return event


class MalformedResponse(ValueError):
    """A Lambda answer API Gateway cannot use (it answers 500)."""


def authorizer_decision(result: Any) -> dict[str, Any] | None:
    """The context to pass on when a simple-response authorizer allowed the call, else None."""
    if not isinstance(result, dict) or not isinstance(result.get("isAuthorized"), bool):
        raise MalformedResponse(f"authorizer answered {result!r}")
    if not result["isAuthorized"]:
        return None
    context = result.get("context")
    if context is None:
        return {}
    if not isinstance(context, dict):
        raise MalformedResponse(f"authorizer context is not an object: {context!r}")
    return context


def gateway_error(status: int, message: str, request_id: str) -> Response:
    """An answer API Gateway gives by itself: ``{"message": …}``."""
    return Response(
        status,
        [("content-type", "application/json"), ("apigw-requestid", request_id)],
        json.dumps({"message": message}, separators=(",", ":")).encode(),
    )


def http_response(result: Any, request_id: str) -> Response:
    """The HTTP response for a v2 Lambda result, with v2's inference: a result without
    ``statusCode`` is a 200 JSON body. Raises ``MalformedResponse`` where API Gateway
    would answer 500."""
    if not (isinstance(result, dict) and "statusCode" in result):
        body = result if isinstance(result, str) else json.dumps(result)
        return Response(
            200,
            [("content-type", "application/json"), ("apigw-requestid", request_id)],
            body.encode(),
        )
    status = result["statusCode"]
    headers = result.get("headers") or {}
    cookies = result.get("cookies") or []
    body = result.get("body") or ""
    if (
        not isinstance(status, int)
        or not 100 <= status <= 599
        or not isinstance(headers, dict)
        or not isinstance(cookies, list)
        or not isinstance(body, str)
    ):
        raise MalformedResponse(f"unusable v2 response: {str(result)[:200]}")
    try:
        raw = base64.b64decode(body, validate=True) if result.get("isBase64Encoded") else None
    except binascii.Error as exc:
        raise MalformedResponse("isBase64Encoded body is not base64") from exc
    out = [(str(k).lower(), str(v)) for k, v in headers.items()]
    out += [("set-cookie", str(c)) for c in cookies]
    out.append(("apigw-requestid", request_id))
    return Response(status, out, raw if raw is not None else body.encode("utf-8"))
