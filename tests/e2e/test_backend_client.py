"""The backend client against the local stack over real HTTP: typed reads, paging, waiting
for the case file, reprocessing, the POD photo, deletion and tenant isolation."""

from __future__ import annotations

import time
import urllib.request
from pathlib import Path

import pytest

from doorproof.client import BackendClient, DeviceClient, DoorproofError
from doorproof.scenarios import build
from tests.integration.conftest import LocalApi

pytestmark = pytest.mark.integration


def deliver(local_api: LocalApi, tmp_path: Path, delivery_id: str, seed: int) -> str:
    """One short delivery through the device client; returns its session id."""
    trip = build("no_attempt", rate_hz=10, seed=seed, start_ts=time.time())
    trip.start_request["deliveryId"] = delivery_id
    key = local_api.keys[0].publishable_key
    with DeviceClient(
        local_api.url, key, queue_path=tmp_path / f"{seed}.db", background=False
    ) as device:
        session_id = device.start_session(trip.start_request).sessionId
        device.record(trip.samples)
        device.stop_session()
    return session_id


def test_backend_reads_waits_reprocesses_attaches_a_photo_and_deletes(
    local_api: LocalApi, tmp_path: Path
) -> None:
    delivery_id = f"e2e-backend-{time.time_ns()}"
    first = deliver(local_api, tmp_path, delivery_id, seed=1)
    second = deliver(local_api, tmp_path, delivery_id, seed=2)
    backend = BackendClient(local_api.url, local_api.keys[0].secret_key)

    listed = [s.sessionId for s in backend.list_sessions(page_size=1, deliveryId=delivery_id)]
    assert listed == [second, first]  # newest first, one page at a time

    insights = backend.wait_for_insights(first, timeout_s=60, poll_s=0.2)
    assert insights.status == "ready" and insights.version >= 1
    assert "NO_ATTEMPT" in insights.reasonCodes
    assert backend.get_session(first).insightsStatus == "ready"

    accepted = backend.reprocess(first)
    assert accepted.fromVersion == insights.version
    again = backend.wait_for_insights(
        first, timeout_s=60, poll_s=0.2, min_version=accepted.fromVersion + 1
    )
    assert again.version > insights.version and again.reasonCodes == insights.reasonCodes

    photo = b"\xff\xd8\xff\xe0 a jpeg from the e2e suite"
    backend.upload_pod_photo(first, photo)
    pod = backend.get_insights(first).pod
    assert pod is not None and pod.type == "photo"
    with urllib.request.urlopen(pod.url, timeout=10) as stored:
        assert stored.read() == photo

    backend.delete_session(first)
    with pytest.raises(DoorproofError) as gone:
        backend.get_session(first)
    assert (gone.value.status, gone.value.code) == (404, "SESSION_NOT_FOUND")


def test_another_organisations_session_does_not_exist(local_api: LocalApi, tmp_path: Path) -> None:
    session_id = deliver(local_api, tmp_path, f"e2e-tenant-{time.time_ns()}", seed=3)
    stranger = BackendClient(local_api.url, local_api.keys[1].secret_key)
    with pytest.raises(DoorproofError) as hidden:
        stranger.get_insights(session_id)
    assert hidden.value.status == 404 and not hidden.value.retryable


def test_backend_organises_filters_and_reprocesses_by_engine_version(
    local_api: LocalApi, tmp_path: Path
) -> None:
    session_id = deliver(local_api, tmp_path, f"e2e-organise-{time.time_ns()}", seed=4)
    backend = BackendClient(local_api.url, local_api.keys[0].secret_key)
    tag = f"e2e-{time.time_ns()}"
    updated = backend.update_session(session_id, tags=[tag], title="Late", metadata={"n": 1.5})
    assert (updated.tags, updated.title, updated.metadata) == ([tag], "Late", {"n": 1.5})
    assert backend.archive_session(session_id).archived is True
    assert [s.sessionId for s in backend.list_sessions(tag=tag, archived=True)] == [session_id]
    assert list(backend.list_sessions(tag=tag, archived=False)) == []
    assert backend.archive_session(session_id, archived=False).archived is False

    insights = backend.wait_for_insights(session_id, timeout_s=60, poll_s=0.2)
    outcome = backend.get_session(session_id).terminalOutcome
    assert insights.classification is not None and outcome == insights.classification.category
    assert [s.sessionId for s in backend.list_sessions(tag=tag, terminalOutcome=outcome)] == [
        session_id
    ]
    accepted = backend.reprocess(session_id, engine_version=insights.engineVersion or "")
    assert accepted.engineVersion == insights.engineVersion
    with pytest.raises(DoorproofError) as refused:
        backend.reprocess(session_id, engine_version="1999.1.1")
    assert refused.value.code == "ENGINE_VERSION_UNAVAILABLE"
    with pytest.raises(DoorproofError) as typo:
        backend.list_sessions_page(deliveryID="x")
    assert (typo.value.status, typo.value.code) == (400, "UNKNOWN_QUERY_PARAMETER")
