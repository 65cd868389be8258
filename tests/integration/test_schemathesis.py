"""schemathesis against the OpenAPI document the local stack serves, over real HTTP (issue 12):
every operation, every check schemathesis has, a fixed seed and a fixed example budget.

Keys and people: routes for keys get a secret key, the control plane a signed-in admin, both
of a project made for this test (so the sessions and keys schemathesis makes are no other
test's). ``ignored_auth`` also sends each request without them and expects the 401.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, seed, settings
from schemathesis.checks import CHECKS, load_all_checks

from functions.api.openapi import COMMITTED
from functions.core.config import names
from tests.integration.conftest import LocalApi
from tests.integration.test_api import call
from tests.integration.test_console import sign_in

pytestmark = pytest.mark.integration
SEED = 20261201
EXAMPLES = 12
"""Examples per operation: ~20 operations, each request a few milliseconds to a second."""
load_all_checks()
ALL_CHECKS: list[Any] = list(CHECKS.get_all())


@pytest.fixture(scope="module")
def credentials(local_api: LocalApi) -> dict[str, dict[str, str]]:
    """``key`` and ``person`` headers of a project of its own."""
    admin = sign_in(local_api, "admin")
    made = call(local_api, "POST", "/v1/projects", None, {"name": "schemathesis"}, headers=admin)
    assert made.status == 201, made.body
    project = str(made.json()["projectId"])
    person = {**admin, names.PROJECT_HEADER: project}
    key = call(
        local_api,
        "POST",
        "/v1/keys",
        None,
        {"projectId": project, "environment": "sandbox", "kind": "secret"},
        headers=person,
    )
    assert key.status == 201, key.body
    return {"key": {names.KEY_HEADER: str(key.json()["key"])}, "person": person}


schema = schemathesis.openapi.from_path(COMMITTED)
"""The committed document, which ``GET /v1/openapi.json`` serves (checked below)."""


def test_the_stack_serves_the_document_schemathesis_reads(local_api: LocalApi) -> None:
    served = local_api.request("GET", "/v1/openapi.json")
    assert served.status == 200 and served.json() == schema.raw_schema


def _only_values_the_api_can_take(case: Any) -> None:
    """In a schema-valid case, what only the API's own answers make valid: an opaque
    ``cursor`` is valid only as the API returned it (a generated one is 400 INVALID_CURSOR),
    so it goes; an ``Idempotency-Key`` names one intended request (the IETF draft answers a
    reuse with another body 422, as the API does), so each case gets its own. Negative cases
    keep what was generated (docs/decisions.md, issue 12)."""
    if not case.meta.generation.mode.is_positive:
        return
    if case.query:
        case.query.pop("cursor", None)
    if case.headers and "idempotency-key" in case.headers:
        case.headers["idempotency-key"] = f"schemathesis-{uuid.uuid4()}"


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
@seed(SEED)
def test_the_served_api_keeps_its_contract(
    case: Any, local_api: LocalApi, credentials: dict[str, dict[str, str]]
) -> None:
    operation = case.operation
    route = names.ROUTES_BY_KEY[f"{operation.method.upper()} {operation.path}"]
    headers = credentials["key" if route.keys or not route.authorized else "person"]
    _only_values_the_api_can_take(case)
    case.call_and_validate(base_url=local_api.url, headers=headers, checks=ALL_CHECKS)
