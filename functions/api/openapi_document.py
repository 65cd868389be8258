"""The OpenAPI document, generated from the route handlers themselves.

Every API function's router is included in one resolver here only to describe it, so the
document cannot drift from the code. It is committed as ``functions/api/openapi.json``
(``make openapi`` runs this module; ``tests/unit/api/test_openapi.py`` fails when the file is
stale), and the openapi Lambda serves that file: generating the document at a cold start would
import every router and Powertools' OpenAPI models (~0.4 s).
"""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn, HTTPBearer

from functions.api import console, manage, reads, sessions, telemetry, webhooks
from functions.api.common import KEY_SCHEME, NO_CONTENT, SIGN_IN_SCHEME, make_app
from functions.api.openapi import COMMITTED
from functions.core.config import names

TITLE = "Doorproof API"
VERSION = "1.0.0"
POWERTOOLS_VALIDATION_SCHEMAS = (
    "HTTPValidationError",
    "ValidationError",
    "ResponseValidationError",
)
"""Components Powertools always adds for its own validation bodies; the API never answers
them (every route's 422 is the error shape, a bad response is a 500), so they are dropped."""
described = make_app(
    sessions.router, telemetry.router, reads.router, manage.router, console.router, webhooks.router
)


@cache
def document() -> dict[str, Any]:
    """The OpenAPI document (built once per container)."""
    generated = json.loads(
        described.get_openapi_json_schema(
            title=TITLE,
            version=VERSION,
            description="Proof-of-delivery intelligence; wire-compatible with the Desmo SDKs. "
            'Every error is {"error": {"code", "message", "details"}}; a request with a '
            "method no route serves at its path is answered 405 METHOD_NOT_ALLOWED (with "
            "Allow), one for a path of no route 404 ROUTE_NOT_FOUND.",
            security_schemes={
                KEY_SCHEME: APIKey.model_validate(
                    {"name": names.KEY_HEADER, "in": APIKeyIn.header}
                ),
                SIGN_IN_SCHEME: HTTPBearer(
                    bearerFormat="JWT",
                    description="A Cognito access token of a person signed in to the "
                    f"dashboard, with the {names.PROJECT_HEADER} and {names.ENVIRONMENT_HEADER} "
                    "headers; the control plane (/v1/me, /v1/projects, /v1/keys) takes only this",
                ),
            },
        )
    )
    schemas = generated.get("components", {}).get("schemas", {})
    for name in POWERTOOLS_VALIDATION_SCHEMAS:
        schemas.pop(name, None)
    for operations in generated["paths"].values():
        for operation in operations.values():
            responses = operation["responses"]
            # A route without input cannot fail validation: Powertools' generic 422 goes.
            if "HTTPValidationError" in json.dumps(responses.get("422", {})):
                del responses["422"]
            # A 204 has no body (``common.serve`` drops it), where Powertools describes the
            # route's ``None`` as a JSON null.
            responses.get(str(NO_CONTENT), {}).pop("content", None)
            operation["responses"] = dict(sorted(responses.items()))
    return generated


def rendered() -> str:
    """The document as committed: indented, one trailing newline."""
    return json.dumps(document(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":  # make openapi
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else COMMITTED
    target.write_text(rendered())
    print(f"wrote {target}")
