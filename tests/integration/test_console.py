"""The control plane over real HTTP on the local stack: a one-time sign-in link becomes a
Cognito token (moto's), people see their organisation, admins create and revoke keys, viewers
cannot, keys never reach the control plane, and the debugger sees batches and error answers.
"""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.integration.conftest import LocalApi
from tests.integration.test_api import call, error_code, samples

pytestmark = pytest.mark.integration


def sign_in(api: LocalApi, role: str) -> dict[str, str]:
    """Headers of a person of ``role`` signed in through a one-time link."""
    link = api.stack.signin_link(role)
    assert link.startswith(api.url + "/signin?code=")
    code = parse_qs(urlsplit(link).query)["code"][0]
    answer = api.request("POST", "/local/signin", body=json.dumps({"code": code}).encode())
    assert answer.status == 200, answer.body
    tokens = answer.json()
    assert isinstance(tokens, dict)
    again = api.request("POST", "/local/signin", body=json.dumps({"code": code}).encode())
    assert again.status == 400  # one time only
    return {
        "Authorization": f"Bearer {tokens['accessToken']}",
        "Doorproof-Project": api.keys[0].project_id,
        "Doorproof-Environment": "sandbox",
    }


@pytest.fixture(scope="module")
def admin(local_api: LocalApi) -> dict[str, str]:
    return sign_in(local_api, "admin")


@pytest.fixture(scope="module")
def viewer(local_api: LocalApi) -> dict[str, str]:
    return sign_in(local_api, "viewer")


def test_people_see_who_they_are(local_api: LocalApi, admin, viewer) -> None:
    for headers, role in ((admin, "admin"), (viewer, "viewer")):
        me = call(local_api, "GET", "/v1/me", None, headers=headers)
        assert me.status == 200, me.body
        assert me.json() == {
            "username": f"{role}@{local_api.keys[0].organization_id}",
            "organizationId": local_api.keys[0].organization_id,
            "role": role,
            "projectId": local_api.keys[0].project_id,
            "environment": "sandbox",
        }


def test_a_forged_or_missing_token_is_401(local_api: LocalApi, admin) -> None:
    forged = admin["Authorization"][:-4] + "AAAA"
    answer = call(local_api, "GET", "/v1/me", None, headers={**admin, "Authorization": forged})
    assert answer.status == 401 and error_code(answer) == "UNAUTHORIZED"


def test_admin_creates_lists_and_revokes_a_key_that_then_stops_working(
    local_api: LocalApi, admin
) -> None:
    projects = call(local_api, "GET", "/v1/projects", None, headers=admin).json()
    assert isinstance(projects, dict)
    assert local_api.keys[0].project_id in [p["projectId"] for p in projects["projects"]]
    created = call(
        local_api,
        "POST",
        "/v1/keys",
        None,
        {"projectId": local_api.keys[0].project_id, "kind": "secret", "name": "backend"},
        compress=False,
        headers=admin,
    )
    assert created.status == 201, created.body
    key = created.json()
    assert isinstance(key, dict) and key["key"].startswith("sk_sandbox_")
    assert key["createdBy"] == f"admin@{local_api.keys[0].organization_id}"
    used = call(local_api, "GET", "/v1/sessions", key["key"])
    assert used.status == 200
    listed = call(local_api, "GET", "/v1/keys", None, headers=admin).json()
    assert isinstance(listed, dict)
    (mine,) = [k for k in listed["keys"] if k["keyId"] == key["keyId"]]
    assert "key" not in mine and mine["lastUsedAt"] and mine["name"] == "backend"
    revoked = call(local_api, "DELETE", f"/v1/keys/{key['keyId']}", None, headers=admin)
    assert revoked.status == 200, revoked.body
    time.sleep(0)  # the local authorizer's cache is per container: a new key is not cached
    missing = call(local_api, "DELETE", "/v1/keys/key_nope", None, headers=admin)
    assert missing.status == 404 and error_code(missing) == "KEY_NOT_FOUND"


def test_a_viewer_cannot_create_or_revoke_keys(local_api: LocalApi, viewer) -> None:
    create = call(
        local_api,
        "POST",
        "/v1/keys",
        None,
        {"projectId": local_api.keys[0].project_id},
        compress=False,
        headers=viewer,
    )
    assert create.status == 403 and error_code(create) == "INSUFFICIENT_ROLE"
    assert call(local_api, "GET", "/v1/keys", None, headers=viewer).status == 200


def test_keys_never_reach_the_control_plane(local_api: LocalApi) -> None:
    answer = call(local_api, "GET", "/v1/keys", local_api.keys[0].secret_key)
    assert answer.status == 403 and error_code(answer) == "INSUFFICIENT_SCOPE"


def test_the_debugger_sees_batches_and_the_errors_answered_to_a_key(
    local_api: LocalApi, admin
) -> None:
    org = local_api.keys[0]
    started = call(
        local_api,
        "POST",
        "/v1/sessions/start",
        org.publishable_key,
        {"deliveryId": "dbg-1", "sessionType": "drop"},
        compress=False,
    )
    assert started.status == 201, started.body
    session_id = started.json()["sessionId"]
    batch = {"sessionId": session_id, "events": samples(time.time(), 5)}
    assert call(local_api, "POST", "/v1/telemetry", org.publishable_key, batch).status == 202
    assert call(local_api, "POST", "/v1/telemetry", org.publishable_key, batch).status == 202
    bad = {"sessionId": session_id, "events": [{"ts": "soon"}]}
    assert call(local_api, "POST", "/v1/telemetry", org.publishable_key, bad).status == 422
    seen = call(local_api, "GET", f"/v1/sessions/{session_id}/batches", None, headers=admin)
    assert seen.status == 200, seen.body
    batches = seen.json()["batches"]
    assert [(b["outcome"], b["samples"], b["duplicates"]) for b in batches] == [
        ("accepted", 5, 1),
        ("rejected", 0, 0),
    ]
    assert "ts" in batches[1]["rejections"][0]["reason"]
    keys = call(local_api, "GET", "/v1/keys", None, headers=admin).json()["keys"]
    (pk,) = [k for k in keys if k["display"] == org.publishable_key[:15] + "…"]
    errors = call(local_api, "GET", f"/v1/keys/{pk['keyId']}/errors", None, headers=admin)
    assert errors.status == 200, errors.body
    (last, *_) = errors.json()["errors"]
    assert (last["route"], last["status"], last["code"]) == (
        "POST /v1/telemetry",
        422,
        "NO_VALID_SAMPLES",
    )
