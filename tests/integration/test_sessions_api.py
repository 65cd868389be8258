"""Sessions the way the seeds' users know them, over real HTTP on the local stack: ``sess_``
ids (and old ``ses_`` ones), outcome fields, engine versions and history, organising
(PATCH, tags, archive, metadata), indexed list filters, unknown query parameters, replay."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from functions.core.config import names
from functions.engine.version import ENGINE_VERSION
from tests.integration.conftest import LocalApi, wait_for
from tests.integration.test_api import call, error_code, samples

pytestmark = pytest.mark.integration
YEARS_AGO = time.time() - 3 * 365 * 24 * 3600


def start(api: LocalApi, key: str, **fields: Any) -> str:
    body = {"deliveryId": f"d-{uuid.uuid4().hex[:10]}", "sessionType": "drop", **fields}
    result = call(api, "POST", "/v1/sessions/start", key, body)
    assert result.status == 201, result.body
    session_id = str(result.json()["sessionId"])
    assert session_id.startswith("sess_") and len(session_id) == 29
    return session_id


def get(api: LocalApi, key: str, session_id: str) -> dict[str, Any]:
    result = call(api, "GET", f"/v1/sessions/{session_id}", key)
    assert result.status == 200, result.body
    return result.json()


def listed(api: LocalApi, key: str, query: str) -> list[str]:
    result = call(api, "GET", f"/v1/sessions?{query}", key)
    assert result.status == 200, result.body
    return [s["sessionId"] for s in result.json()["sessions"]]


def deliver(api: LocalApi, key: str, secret: str, t0: float, **fields: Any) -> dict[str, Any]:
    """Start, send 40 s of samples at ``t0``, stop, wait for ready insights; the session."""
    session_id = start(api, key, **fields)
    for k in range(4):
        batch = {"sessionId": session_id, "events": samples(t0 + 10 * k, 500)}
        assert call(api, "POST", "/v1/telemetry", key, batch).status == 202
    assert call(api, "POST", f"/v1/sessions/{session_id}/stop", key).status == 200
    wait_for(lambda: get(api, secret, session_id)["insightsStatus"] == "ready", 60)
    return get(api, secret, session_id)


@pytest.fixture
def org(local_api):
    return local_api.keys[0]


def test_an_old_ses_id_keeps_working(local_api, org) -> None:
    table = (
        local_api.stack.session()
        .resource("dynamodb")
        .Table(names.SESSIONS_TABLE.physical(local_api.stack.stage))
    )
    model = table.get_item(Key={"sessionId": start(local_api, org.publishable_key)})["Item"]
    old = f"ses_{uuid.uuid4().hex[:24]}"  # the id form of sessions made before sess_
    table.put_item(Item={**model, "sessionId": old, "createdKey": f"{model['createdAt']}#{old}"})
    session = get(local_api, org.secret_key, old)
    assert session["sessionId"] == old and session["mode"] == "live"
    assert (
        call(local_api, "PATCH", f"/v1/sessions/{old}", org.secret_key, {"title": "t"}).status
        == 200
    )


def test_unknown_query_parameters_are_refused_by_name(local_api, org) -> None:
    result = call(local_api, "GET", "/v1/sessions?deliveryID=x&limit=2&colour=red", org.secret_key)
    assert result.status == 400 and error_code(result) == "UNKNOWN_QUERY_PARAMETER"
    error = result.json()["error"]
    assert "colour" in error["message"] and "deliveryID" in error["message"]
    assert [d["field"] for d in error["details"]] == ["colour", "deliveryID"]
    session_id = start(local_api, org.publishable_key)
    one = call(local_api, "GET", f"/v1/sessions/{session_id}?verbose=1", org.secret_key)
    assert one.status == 400 and error_code(one) == "UNKNOWN_QUERY_PARAMETER"


def test_organising_with_patch_tags_archive_and_untouched_metadata(local_api, org) -> None:
    tag = f"route-{uuid.uuid4().hex[:8]}"
    metadata = {"order": {"lines": [1, 2.0, None]}, "weightKg": 1.0, "ok": True}
    first = start(local_api, org.secret_key, tags=[tag], title="Parcel", metadata=metadata)
    second = start(local_api, org.publishable_key)
    session = get(local_api, org.secret_key, first)
    assert session["tags"] == [tag] and session["title"] == "Parcel"
    assert session["metadata"] == metadata and isinstance(session["metadata"]["weightKg"], float)
    assert session["archived"] is False and session["statusDetail"] == "recording"

    patched = call(
        local_api,
        "PATCH",
        f"/v1/sessions/{second}",
        org.secret_key,
        {"tags": [tag, "late"], "notes": "customer called", "archived": True},
    )
    assert patched.status == 200, patched.body
    body = patched.json()
    assert body["tags"] == [tag, "late"] and body["notes"] == "customer called"
    assert body["archived"] is True and body["archivedAt"]

    assert listed(local_api, org.secret_key, f"tag={tag}") == [second, first]
    assert listed(local_api, org.secret_key, f"tag={tag}&archived=true") == [second]
    assert listed(local_api, org.secret_key, f"tag={tag}&archived=false") == [first]
    assert second not in listed(local_api, org.secret_key, "archived=false&limit=200")
    other = local_api.keys[1]
    assert listed(local_api, other.secret_key, f"tag={tag}") == []

    unarchived = call(
        local_api, "PATCH", f"/v1/sessions/{second}", org.secret_key, {"archived": False}
    )
    assert unarchived.json()["archived"] is False
    assert listed(local_api, org.secret_key, f"tag={tag}&archived=false") == [second, first]

    phone = call(local_api, "PATCH", f"/v1/sessions/{first}", org.publishable_key, {"title": "x"})
    assert phone.status == 403 and error_code(phone) == "INSUFFICIENT_SCOPE"
    big = call(
        local_api, "PATCH", f"/v1/sessions/{first}", org.secret_key, {"metadata": {"x": "y" * 5000}}
    )
    assert big.status == 422 and error_code(big) == "VALIDATION_ERROR"


def test_outcome_engine_version_history_and_outcome_filters(local_api, org) -> None:
    tag = f"out-{uuid.uuid4().hex[:8]}"
    session = deliver(local_api, org.publishable_key, org.secret_key, time.time() - 60, tags=[tag])
    session_id = session["sessionId"]
    assert session["status"] == "completed" and session["endReason"] == "stopped"
    assert session["statusDetail"] is None and session["errorCode"] is None
    assert session["engineVersion"] == ENGINE_VERSION
    insights = call(local_api, "GET", f"/v1/sessions/{session_id}/insights", org.secret_key).json()
    assert session["terminalOutcome"] == insights["classification"]["category"]
    assert 0.0 < insights["classification"]["confidence"] <= 1.0
    assert session["reasonCodes"] == insights["reasonCodes"]
    [entry] = session["insightsHistory"]
    assert entry["version"] == 1 and entry["engineVersion"] == ENGINE_VERSION
    assert entry["reasonCodes"] == session["reasonCodes"]

    outcome = session["terminalOutcome"]
    assert listed(local_api, org.secret_key, f"tag={tag}&terminalOutcome={outcome}") == [session_id]
    code = session["reasonCodes"][0]
    assert session_id in listed(local_api, org.secret_key, f"reasonCode={code}&limit=200")
    others = [c for c in ("door_delivery", "no_attempt") if c != outcome]
    assert listed(local_api, org.secret_key, f"tag={tag}&terminalOutcome={others[0]}") == []

    unknown = call(
        local_api,
        "POST",
        f"/v1/sessions/{session_id}/reprocess",
        org.secret_key,
        {"engineVersion": "1999.1.1"},
    )
    assert unknown.status == 422 and error_code(unknown) == "ENGINE_VERSION_UNAVAILABLE"
    accepted = call(
        local_api,
        "POST",
        f"/v1/sessions/{session_id}/reprocess",
        org.secret_key,
        {"engineVersion": "current"},
    )
    assert accepted.status == 202 and accepted.json()["engineVersion"] == ENGINE_VERSION
    wait_for(lambda: len(get(local_api, org.secret_key, session_id)["insightsHistory"]) == 2, 60)
    history = get(local_api, org.secret_key, session_id)["insightsHistory"]
    assert [h["version"] for h in history] == [1, 2] and history[1]["trigger"] == "reprocess"


def test_replay_keeps_old_timestamps_live_sessions_do_not(local_api, org) -> None:
    refused = call(
        local_api,
        "POST",
        "/v1/sessions/start",
        org.publishable_key,
        {"deliveryId": "r", "sessionType": "drop", "mode": "replay"},
    )
    assert refused.status == 403 and error_code(refused) == "INSUFFICIENT_SCOPE"

    live = start(local_api, org.publishable_key)
    old = call(
        local_api,
        "POST",
        "/v1/telemetry",
        org.publishable_key,
        {"sessionId": live, "events": samples(YEARS_AGO, 50)},
    )
    assert old.status == 422 and error_code(old) == "NO_VALID_SAMPLES"

    session = deliver(local_api, org.secret_key, org.secret_key, YEARS_AGO, mode="replay")
    assert session["mode"] == "replay" and session["acceptedSamplesTotal"] == 2000
    assert session["rejectedSamplesTotal"] == 0
    assert session["sessionId"] in listed(local_api, org.secret_key, "mode=replay&limit=200")
    insights = call(
        local_api, "GET", f"/v1/sessions/{session['sessionId']}/insights", org.secret_key
    ).json()
    # The span is the samples' own (40 s three years ago), not years up to the server's stop.
    assert insights["summary"]["totalDurationSec"] < 60


def test_openapi_describes_the_session_features(local_api) -> None:
    document = local_api.request("GET", "/v1/openapi.json").json()
    paths, schemas = document["paths"], document["components"]["schemas"]
    assert "patch" in paths["/v1/sessions/{sessionId}"]
    listing = {p["name"] for p in paths["/v1/sessions"]["get"]["parameters"]}
    assert {"tag", "reasonCode", "terminalOutcome", "archived", "mode"} <= listing
    session = schemas["Session"]["properties"]
    for field in (
        "mode",
        "statusDetail",
        "engineVersion",
        "terminalOutcome",
        "errorCode",
        "errorMessage",
        "insightsHistory",
        "tags",
        "title",
        "notes",
        "metadata",
        "archived",
    ):
        assert field in session, field
    assert "classification" in schemas["InsightsDocument"]["properties"]
    assert {"mode", "tags", "metadata"} <= set(schemas["StartSessionRequest"]["properties"])
    assert "engineVersion" in schemas["ReprocessRequest"]["properties"]
