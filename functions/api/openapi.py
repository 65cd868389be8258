"""GET /v1/openapi.json: the OpenAPI document, generated from the route handlers themselves.

Every API function's router is included in one resolver here only to describe it, so the
document cannot drift from the code (and ``tests/unit/api/test_openapi.py`` pins that it
lists exactly ``names.ROUTES``).
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn

from functions.api import manage, reads, sessions, telemetry
from functions.api.common import make_app, make_handler
from functions.core import names

TITLE = "Doorproof API"
VERSION = "1.0.0"
router = Router()
described = make_app(sessions.router, telemetry.router, reads.router, manage.router)


@cache
def document() -> dict[str, Any]:
    """The OpenAPI document (built once per container)."""
    return json.loads(
        described.get_openapi_json_schema(
            title=TITLE,
            version=VERSION,
            description="Proof-of-delivery intelligence; wire-compatible with the Desmo SDKs.",
            security_schemes={
                "DesmoKey": APIKey.model_validate(
                    {"name": names.KEY_HEADER, "in": APIKeyIn.header}
                ),
            },
            security=[{"DesmoKey": []}],
        )
    )


@router.get("/v1/openapi.json", include_in_schema=False)
def get_openapi() -> Response[str]:
    return Response(
        status_code=200,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(document()),
    )


app = make_app(router)
handler = make_handler(app)
