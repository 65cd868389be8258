"""GET /v1/openapi.json, and the API's ``$default`` route (``names.DEFAULT_ROUTE_HANDLER``).

The document is the committed ``openapi.json`` beside this module, generated from the route
handlers by ``openapi_document`` (``make openapi``) and checked against them in ``make test``;
serving the file keeps this Lambda's cold start free of every other router. A request matching
no route reaches this function too and is answered by the resolver (``common.no_route``: 405
``METHOD_NOT_ALLOWED`` with ``Allow`` when routes serve the path with other methods, else 404
``ROUTE_NOT_FOUND``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router

from functions.api.common import make_app, make_handler, route

COMMITTED = Path(__file__).with_name("openapi.json")
router = Router()


@cache
def document_text() -> str:
    """The committed document (read once per container)."""
    return COMMITTED.read_text(encoding="utf-8")


@route(router, "GET /v1/openapi.json", include_in_schema=False)
def get_openapi() -> Response[str]:
    return Response(
        status_code=200, content_type=content_types.APPLICATION_JSON, body=document_text()
    )


app = make_app(router)
handler = make_handler(app)
