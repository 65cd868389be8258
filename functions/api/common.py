"""What every HTTP handler shares: the resolver, the entry wrapper, the error shape.

A request goes through ``serve`` before Powertools routes it:
1. authenticate: the authorizer's context becomes a ``Principal`` (or 401), and the route's
   scope is checked (a publishable key only reaches ``names.DATA_PLANE_ROUTES``; a person
   needs the route's ``people`` role, a key the route's ``keys`` flag; else 403);
2. inflate: a gzip/base64 body becomes plain JSON text (limits: 413; bad gzip: 400), and the
   path is URL-decoded, as API Gateway decodes ``pathParameters``, so a path parameter's
   limits (an id's 64 characters) apply to its value, not to its percent-encoding;
3. resolve: Powertools validates the request against the route's pydantic models (OpenAPI) and
   calls the route.
Steps 1-2 run before Powertools' request validation on purpose: an unauthenticated caller
learns nothing about bodies, and validation sees the JSON the SDK meant to send. Every error
answer to a known caller is written to the answer log (the integration debugger).
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, TypeVar
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.api import cold_start
from functions.api.http_errors import body_of, status_of
from functions.core.adapters import aws
from functions.core.adapters.answers import AnswerLog
from functions.core.config import names
from functions.core.config.observability import logger, metrics, traced
from functions.core.config.settings import configured, get_settings
from functions.core.domain import errors
from functions.core.domain.principal import Principal
from functions.core.wire.body import inflate_event
from functions.core.wire.models.errors import ErrorBody

Handler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]
SessionId = Annotated[
    str, Path(max_length=64, description="A session id (sess_…; older ones ses_…)")
]
"""The ``{sessionId}`` path parameter of every session route."""
REQUEST_ID_HEADER = "x-request-id"
NO_CONTENT = 204
METHOD_NOT_ALLOWED = 405
"""Answered by ``no_route`` alone: a routing answer, not a kind of domain failure."""
_AUTH_ERRORS = {
    "MISSING_KEY": "no API key: send it in the Desmo-Key header",
    "INVALID_KEY": "the API key is not valid (unknown, malformed or revoked)",
    "INVALID_TOKEN": "the sign-in is not valid (expired, signed out, or of another user "
    "pool, or the user has no organisation or role): sign in to the dashboard again",
}


@aws.per_container
def answer_log() -> AnswerLog:
    """The answer log ``serve`` writes every error answer to (and the console reads). Built
    here rather than in ``services``, so that a handler using no store (webhooks, console,
    openapi) does not import every store and its wire models on its cold start."""
    return AnswerLog(aws.table(get_settings().answers_table))


def error_response(
    err: errors.DomainError, *, status: int | None = None, headers: dict[str, str] | None = None
) -> Response[dict[str, Any]]:
    """``err`` in the API's error shape, at its kind's status unless a routing answer says
    another (``no_route``'s 405)."""
    return Response(
        status_code=status_of(err) if status is None else status,
        content_type=content_types.APPLICATION_JSON,
        body=body_of(err),
        headers=headers,
    )


def _validation_error(exc: RequestValidationError) -> Response[dict[str, Any]]:
    problems = list(exc.errors())
    if any(p.get("type") == "json_invalid" for p in problems):
        return error_response(errors.BadRequest("body is not valid JSON"))
    if any(
        tuple(p.get("loc", ())) == ("body",)
        and p.get("type") in ("model_attributes_type", "dict_type", "missing")
        for p in problems
    ):
        return error_response(errors.BadRequest("the body must be a JSON object"))
    details = [
        {
            "field": ".".join(str(part) for part in p.get("loc", ())[1:]) or "body",
            "in": str(p.get("loc", ("body",))[0]),
            "message": p.get("msg", ""),
            "type": p.get("type", ""),
        }
        for p in problems
    ]
    return error_response(errors.Unprocessable(f"{len(details)} invalid field(s)", details=details))


def _too_deep(exc: RecursionError) -> Response[dict[str, Any]]:
    """JSON nested ~1,000 deep exhausts Python's recursion limit in the parser (or later,
    in whatever walks the value): the body is hostile, never the SDK's."""
    return error_response(errors.BadRequest("the body's JSON is nested too deeply"))


def _unexpected(exc: Exception) -> Response[dict[str, Any]]:
    logger.exception("unhandled error")
    return error_response(errors.DomainError("internal error; the request can be retried"))


def no_route(app: APIGatewayHttpResolver) -> Response[dict[str, Any]]:
    """The answer to a request the resolver routes nowhere, in the API's error shape.

    - The gateway matched a route (``routeKey``) but a path parameter holds characters the
      resolver cannot route (``\\x81``, ``"``): no resource has such an id, so that
      parameter's 404 (``NOT_FOUND_BY_PARAMETER``), as for any unknown id.
    - Routes serve the path with other methods (TRACE, or GET on a POST route): 405
      ``METHOD_NOT_ALLOWED`` with ``Allow`` (``names.methods_at``).
    - Else 404 ``ROUTE_NOT_FOUND``.
    """
    event = app.current_event
    declared = names.ROUTES_BY_KEY.get(event.route_key or "")
    if declared is not None:
        values = event.path_parameters or {}
        parameter = next(
            (name for name in values if not ID_CHARACTERS.fullmatch(values[name])),
            list(values)[-1],
        )
        code = NOT_FOUND_BY_PARAMETER[parameter]
        return error_response(
            errors.NotFound(f"no {parameter} {values[parameter]!r} exists", code=code)
        )
    path = event.request_context.http.path
    allowed = names.methods_at(path)
    if not allowed:
        return error_response(errors.NotFound("no such route", code="ROUTE_NOT_FOUND"))
    method = event.request_context.http.method
    refusal = errors.DomainError(
        f"{method} is not a method of {path}; use {', '.join(allowed)}",
        code="METHOD_NOT_ALLOWED",
    )
    return error_response(refusal, status=METHOD_NOT_ALLOWED, headers={"Allow": ", ".join(allowed)})


def refuse_unknown_query(
    app: APIGatewayHttpResolver, next_middleware: NextMiddleware
) -> Response[Any]:
    """400 UNKNOWN_QUERY_PARAMETER naming every query parameter the route does not declare:
    a typo (``?deliveryID=x``) must not silently answer as if no filter was given. A
    middleware of each declared route (``route``), not of the resolver: a request routed
    nowhere gets ``no_route``'s answer whatever its query."""
    route = app.context.get("_route")
    sent = app.current_event.query_string_parameters or {}
    if route is not None and sent:
        known = {param.alias for param in route.dependant.query_params}
        unknown = sorted(set(sent) - known)
        if unknown:
            accepted = ", ".join(sorted(known)) or "none"
            raise errors.BadRequest(
                f"unknown query parameter(s): {', '.join(unknown)}; this route accepts: {accepted}",
                code="UNKNOWN_QUERY_PARAMETER",
                details=[
                    {"field": name, "in": "query", "message": "unknown", "type": "unknown"}
                    for name in unknown
                ],
            )
    return next_middleware(app)


def make_app(*routers: Router) -> APIGatewayHttpResolver:
    """A resolver with request/response validation, OpenAPI, and our error shape."""
    app = APIGatewayHttpResolver(enable_validation=True)
    app.exception_handler(errors.DomainError)(error_response)
    app.exception_handler(RequestValidationError)(_validation_error)
    app.exception_handler(RecursionError)(_too_deep)
    app.exception_handler(Exception)(_unexpected)
    app.not_found(lambda _exc: no_route(app))
    for router in routers:
        app.include_router(router)
    return app


STATUS_TEXT = {
    400: "Malformed request",
    401: "No API key, or not a valid one",
    403: "The key may not call this route",
    404: "Not found",
    409: "The resource's state forbids the request",
    413: "Payload too large",
    415: "Unsupported Content-Encoding",
    422: "Invalid fields",
    500: "Internal error; the request can be retried",
    503: "A dependency failed; the request can be retried",
}
"""How the OpenAPI document describes each error status (the codes follow)."""
ID_CHARACTERS = re.compile(r"[A-Za-z0-9_-]+")
"""What every id in a path is made of (``sess_…``, ``ep_…``, ``dlv_…``, ``key_…``, ``bld_…``)."""
NOT_FOUND_BY_PARAMETER = {
    "sessionId": "SESSION_NOT_FOUND",
    "keyId": "KEY_NOT_FOUND",
    "buildingId": "BUILDING_NOT_FOUND",
    "webhookId": "WEBHOOK_NOT_FOUND",
    "deliveryId": "DELIVERY_NOT_FOUND",
}
"""The 404 a route answers when its path names a resource the caller does not have (an
unknown id, or another tenant's): a property of the path, so no route restates it."""

RouteFunction = TypeVar("RouteFunction", bound=Callable[..., Any])
KEY_SCHEME = "DesmoKey"
SIGN_IN_SCHEME = "DashboardSignIn"
"""The OpenAPI security schemes (``openapi_document`` defines them): an API key in the
``Desmo-Key`` header, a dashboard sign-in's bearer token."""


def accepted_credentials(declared: names.Route) -> list[dict[str, list[str]]]:
    """The route's OpenAPI ``security``: the credentials ``authenticate`` lets through it,
    any one of them (none on a public route)."""
    if not declared.authorized:
        return []
    schemes = [KEY_SCHEME] if declared.keys else []
    schemes += [SIGN_IN_SCHEME] if declared.people else []
    return [{scheme: []} for scheme in schemes]


def answered_errors(
    declared: names.Route, takes_input: bool, route_errors: Mapping[int, Sequence[str]]
) -> dict[int, list[str]]:
    """Every error status the route can answer, with its codes: those ``serve`` and the
    resolver give every route (auth by the route's flags, body decoding, validation, the
    unexpected), the 404 of each resource its path names (``NOT_FOUND_BY_PARAMETER``), plus
    the route's own (``route_errors``, raised by its use case)."""
    answers: dict[int, list[str]] = {
        400: ["MALFORMED_REQUEST", "INVALID_GZIP", "UNKNOWN_QUERY_PARAMETER"],
        413: ["PAYLOAD_TOO_LARGE"],
        415: ["UNSUPPORTED_ENCODING"],
        500: ["INTERNAL_ERROR"],
    }
    if declared.authorized:
        answers[401] = ["UNAUTHORIZED"]
        if (declared.method, declared.path) not in names.DATA_PLANE_ROUTES:
            answers[403] = ["INSUFFICIENT_SCOPE"]
        if declared.people == "admin":
            answers[403].append("INSUFFICIENT_ROLE")
    if takes_input:
        answers[422] = ["VALIDATION_ERROR"]
    for parameter in re.findall(r"\{(\w+)\}", declared.path):
        if parameter in NOT_FOUND_BY_PARAMETER:
            answers.setdefault(404, []).append(NOT_FOUND_BY_PARAMETER[parameter])
    for status, codes in route_errors.items():
        answers.setdefault(status, []).extend(c for c in codes if c not in answers[status])
    return dict(sorted(answers.items()))


def route(
    router: Router,
    key: str,
    *,
    status: int = 200,
    description: str = "OK",
    errors: Mapping[int, Sequence[str]] | None = None,
    **options: Any,
) -> Callable[[RouteFunction], RouteFunction]:
    """Register the handler of ``names.ROUTES``' route ``key`` (``"GET /v1/sessions/{id}"``).

    The route is spelled once, in ``names``; this turns its ``{param}`` into Powertools'
    ``<param>``. ``status`` is said once, here: the handler returns its model and the
    answer carries ``status`` (a 204 goes without a body, see ``serve``). The OpenAPI
    responses are the success (``status``, ``description``) and every error the route can
    answer (``answered_errors``) in the API's error shape, replacing Powertools' generic 422
    ``HTTPValidationError``. ``options`` go to ``Router.route`` (summary, tags, ...).
    """
    declared = names.ROUTES_BY_KEY.get(key)
    if declared is None:
        raise KeyError(f"{key!r} is not a route in names.ROUTES: declare it there first")
    rule = re.sub(r"\{(\w+)\}", r"<\1>", declared.path)

    def register(function: RouteFunction) -> RouteFunction:
        takes_input = bool(inspect.signature(function).parameters)
        responses: dict[int, Any] = {status: {"description": description}}
        for code, codes in answered_errors(declared, takes_input, errors or {}).items():
            responses[code] = {
                "description": f"{STATUS_TEXT[code]}: {', '.join(codes)}",
                "content": {content_types.APPLICATION_JSON: {"model": ErrorBody}},
            }
        return router.route(
            rule,
            declared.method,
            responses=responses,
            status_code=status,
            security=accepted_credentials(declared),
            middlewares=[refuse_unknown_query],
            **options,
        )(function)

    return register


def principal(app: APIGatewayHttpResolver) -> Principal:
    """The caller, as established by ``serve`` (only on authorized routes).

    Read from the handler's own app, not from a Router: the OpenAPI function includes every
    router too, and Powertools rebinds a router's context to the app that included it last.
    """
    caller = app.context.get("principal")
    if not isinstance(caller, Principal):
        raise errors.Unauthorized("no API key: send it in the Desmo-Key header")
    return caller


def authenticate(event: dict[str, Any]) -> Principal | None:
    """The route's caller, or None on a public route. Raises 401/403 as the API defines."""
    route = names.ROUTES_BY_KEY.get(str(event.get("routeKey", "")))
    if route is None or not route.authorized:
        return None
    context = ((event.get("requestContext") or {}).get("authorizer") or {}).get("lambda") or {}
    auth_error = context.get("authError")
    if auth_error:
        raise errors.Unauthorized(_AUTH_ERRORS.get(auth_error, "not authorized"))
    caller = Principal.from_context(context)
    if caller is None:
        raise errors.Unauthorized(_AUTH_ERRORS["MISSING_KEY"])
    if caller.is_person:
        _check_role(route, caller)
        return caller
    if not route.keys:
        raise errors.Forbidden(
            "this route is for people signed in to the dashboard, not for API keys",
            code="INSUFFICIENT_SCOPE",
        )
    if caller.scope != "secret" and (route.method, route.path) not in names.DATA_PLANE_ROUTES:
        raise errors.Forbidden(
            "a publishable key may only start and stop sessions and send telemetry; "
            "use a secret key (sk_…) from your backend",
            code="INSUFFICIENT_SCOPE",
        )
    return caller


def _check_role(route: names.Route, caller: Principal) -> None:
    if route.people is None:
        raise errors.Forbidden(
            "this route is for API keys (the SDK or your backend), not for the dashboard",
            code="INSUFFICIENT_SCOPE",
        )
    if names.ROLES.index(caller.scope) < names.ROLES.index(route.people):
        raise errors.Forbidden(
            f"this needs the {route.people} role; you are a {caller.scope}",
            code="INSUFFICIENT_ROLE",
        )


def _log_answer(event: dict[str, Any], status: int, body: Any) -> None:
    """Write an error answer to the caller's answer log (best effort, see ``AnswerLog``)."""
    context = ((event.get("requestContext") or {}).get("authorizer") or {}).get("lambda") or {}
    caller = Principal.from_context(context)
    if caller is None or status < 400:
        return
    try:
        decoded = json.loads(body) if isinstance(body, str) else {}
    except ValueError:
        decoded = {}
    error = decoded.get("error") if isinstance(decoded, dict) else None
    error = error if isinstance(error, dict) else {}
    try:
        answer_log().record(
            key_id=caller.key_id,
            organization_id=caller.organization_id,
            route=str(event.get("routeKey", "")),
            status=status,
            code=str(error.get("code", "")),
            message=str(error.get("message", "")),
            request_id=str((event.get("requestContext") or {}).get("requestId", "")),
        )
    except Exception:  # the answer must not depend on the debugger's log
        logger.exception("could not record the error answer")


def serve(
    app: APIGatewayHttpResolver, event: dict[str, Any], context: LambdaContext
) -> dict[str, Any]:
    """Authenticate, inflate, route; every answer carries the request id."""
    request_id = str((event.get("requestContext") or {}).get("requestId", ""))
    try:
        caller = authenticate(event)
        if event.get("body") and event.get("routeKey") in names.ROUTES_BY_KEY:
            # A request for no route is answered ROUTE_NOT_FOUND whatever its body holds.
            event = inflate_event(event)
    except errors.DomainError as err:
        # Not routed yet, so answered here; the body is the same ``body_of`` shape.
        refusal = {
            "statusCode": status_of(err),
            "headers": {
                "content-type": content_types.APPLICATION_JSON,
                REQUEST_ID_HEADER: request_id,
            },
            "body": json.dumps(body_of(err)),
            "isBase64Encoded": False,
        }
        _log_answer(event, status_of(err), refusal["body"])
        return refusal
    app.append_context(principal=caller)
    if "rawPath" in event:  # Powertools routes on rawPath and hands segments over as they are
        event = {**event, "rawPath": unquote(event["rawPath"])}
    response = app.resolve(event, context)
    if response.get("statusCode") == NO_CONTENT:  # a route returning None: no body at all
        headers = response.get("headers") or {}
        kept = {k: v for k, v in headers.items() if k.lower() != "content-type"}
        response = {**response, "body": "", "headers": kept}
    response.setdefault("headers", {})[REQUEST_ID_HEADER] = request_id
    _log_answer(event, int(response.get("statusCode", 200)), response.get("body"))
    return response


def make_handler(app: APIGatewayHttpResolver, *, requires: tuple[str, ...] = ()) -> Handler:
    """The Lambda entry point for ``app``, with Powertools logging, tracing and metrics, and
    the settings (plus the optional ``requires``) checked first (``settings.configured``).
    Called last in a handler module, so it also ends the cold start's imports
    (``cold_start.done``)."""

    @configured(requires=requires)
    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
    @traced
    @metrics.log_metrics(capture_cold_start_metric=True)
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        metrics.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
        return serve(app, event, context)

    cold_start.done()
    return handler
