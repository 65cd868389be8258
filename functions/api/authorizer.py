"""The HTTP API's Lambda authorizer: API key → tenant and scope.

It always allows the call and says who the caller is (or why not) in the context; the route
handlers answer 401/403 in the API's one error shape (``functions.api.common.authenticate``).
API Gateway cannot shape its own 401/403 bodies for HTTP APIs, which is why the refusal
happens behind it. Keys come in ``Desmo-Key`` (the SDK) or ``Authorization: Bearer``;
look-ups are cached in the warm container (``CachedResolver``). A Cognito access token in
``Authorization: Bearer`` is a person signed in to the dashboard
(``functions.core.adapters.people``), looking at the project and environment its headers name.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.data_classes import event_source
from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import (
    APIGatewayAuthorizerEventV2,
    APIGatewayAuthorizerResponseV2,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.api import cold_start
from functions.core.adapters import aws
from functions.core.adapters.keys import CachedResolver, KeyStore
from functions.core.adapters.people import People
from functions.core.config import names
from functions.core.config.observability import logger, traced
from functions.core.config.settings import configured, get_settings
from functions.core.domain.principal import Principal, looks_like_token


@aws.per_container
def resolver() -> CachedResolver:
    return CachedResolver(KeyStore(aws.table(get_settings().keys_table)))


@aws.per_container
def people() -> People:
    settings = get_settings()
    return People(aws.client("cognito-idp"), settings.user_pool_id, settings.user_pool_client_id)


def person(token: str, headers: dict[str, str]) -> Principal | None:
    """The signed-in person, looking at the project and environment the headers name."""
    found = people().resolve(token)
    if found is None:
        return None
    lowered = {k.lower(): v for k, v in headers.items()}
    environment = lowered.get(names.ENVIRONMENT_HEADER.lower(), "").strip()
    return found.principal(
        project_id=lowered.get(names.PROJECT_HEADER.lower(), "").strip(),
        environment=environment if environment in names.ENVIRONMENTS else "sandbox",
    )


def presented_key(headers: dict[str, str]) -> str | None:
    """The key from ``Desmo-Key``, else from ``Authorization: Bearer``."""
    lowered = {k.lower(): v for k, v in headers.items()}
    key = lowered.get(names.KEY_HEADER.lower(), "").strip()
    if key:
        return key
    scheme, _, token = lowered.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


@configured()
@logger.inject_lambda_context
@traced
@event_source(data_class=APIGatewayAuthorizerEventV2)
def handler(event: APIGatewayAuthorizerEventV2, context: LambdaContext) -> dict[str, Any]:
    headers = dict(event.headers or {})
    key = presented_key(headers)
    if key is None:
        answer: dict[str, Any] = {"authError": "MISSING_KEY"}
    elif looks_like_token(key):
        caller = person(key, headers)
        answer = caller.to_context() if caller else {"authError": "INVALID_TOKEN"}
    else:
        caller = resolver().resolve(key)
        answer = caller.to_context() if caller else {"authError": "INVALID_KEY"}
    logger.append_keys(organizationId=answer.get("organizationId"))
    return APIGatewayAuthorizerResponseV2(authorize=True, context=answer).asdict()


cold_start.done()
