"""GET /v1/openapi.json: the OpenAPI document, generated from the route handlers themselves;
and the API's ``$default`` route (``names.DEFAULT_ROUTE_HANDLER``): whatever matches no route
reaches this function and is answered 404 ``ROUTE_NOT_FOUND`` by the resolver.

Every API function's router is included in one resolver here only to describe it, so the
document cannot drift from the code. The same document is committed as ``docs/openapi.json``
(``make openapi`` writes it; ``tests/unit/api/test_openapi.py`` fails when it is stale).
"""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn

from functions.api import manage, reads, sessions, telemetry
from functions.api.common import make_app, make_handler, route
from functions.core import names

TITLE = "Doorproof API"
VERSION = "1.0.0"
COMMITTED = Path("docs/openapi.json")
"""Where ``make openapi`` writes the document, relative to the repository."""
POWERTOOLS_VALIDATION_SCHEMAS = (
    "HTTPValidationError",
    "ValidationError",
    "ResponseValidationError",
)
"""Components Powertools always adds for its own validation bodies; the API never answers
them (every route's 422 is the error shape, a bad response is a 500), so they are dropped."""
router = Router()
described = make_app(sessions.router, telemetry.router, reads.router, manage.router)


@cache
def document() -> dict[str, Any]:
    """The OpenAPI document (built once per container)."""
    generated = json.loads(
        described.get_openapi_json_schema(
            title=TITLE,
            version=VERSION,
            description="Proof-of-delivery intelligence; wire-compatible with the Desmo SDKs. "
            'Every error is {"error": {"code", "message", "details"}}; a request matching no '
            "route is answered 404 ROUTE_NOT_FOUND.",
            security_schemes={
                "DesmoKey": APIKey.model_validate(
                    {"name": names.KEY_HEADER, "in": APIKeyIn.header}
                ),
            },
            security=[{"DesmoKey": []}],
        )
    )
    schemas = generated.get("components", {}).get("schemas", {})
    for name in POWERTOOLS_VALIDATION_SCHEMAS:
        schemas.pop(name, None)
    for operations in generated["paths"].values():
        for operation in operations.values():
            operation["responses"] = dict(sorted(operation["responses"].items()))
    return generated


def rendered() -> str:
    """The document as committed: indented, one trailing newline."""
    return json.dumps(document(), indent=2, ensure_ascii=False) + "\n"


@route(router, "GET /v1/openapi.json", include_in_schema=False)
def get_openapi() -> Response[str]:
    return Response(
        status_code=200,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(document()),
    )


app = make_app(router)
handler = make_handler(app)


if __name__ == "__main__":  # make openapi
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else COMMITTED
    target.write_text(rendered())
    print(f"wrote {target}")
