"""Reprocess (``Reprocess``) and the photo upload (``PhotoUpload``) on in-memory fakes."""

import pytest

from functions.core.domain import errors
from functions.core.domain.principal import Principal
from functions.core.domain.session import Session
from functions.core.usecases.reprocess import Reprocess
from functions.core.usecases.upload_photo import PhotoUpload
from functions.core.wire.models.sessions import StartSessionRequest
from tests.unit.core.usecases.fakes import FakeQueue, FakeSessions, FakeUploads

BACKEND = Principal("org_1", "prj_1", "sandbox", "secret", "key_s")
STRANGER = Principal("org_2", "prj_1", "sandbox", "secret", "key_x")
T0 = 1_790_000_000.0


def start(sessions: FakeSessions) -> str:
    request = StartSessionRequest(deliveryId="dlv_1", sessionType="drop")
    return str(sessions.create(BACKEND, request, T0, 300.0)["sessionId"])


def test_a_reprocess_names_the_version_it_replaces_and_shows_computing() -> None:
    sessions, queue = FakeSessions(), FakeQueue()
    sid = start(sessions)
    sessions.stop(BACKEND.tenant, sid, T0 + 60, 900.0)
    sessions.items[sid].update(insightsStatus="ready", insightsVersion=2)
    requested = Reprocess(sessions, queue).request(BACKEND.tenant, sid)
    assert requested.from_version == 2 and requested.session["insightsStatus"] == "ready"
    assert queue.requests == [(sid, "reprocess", 2)]
    assert Session.of(sessions.items[sid]).status_detail() == "computing"


def test_a_recording_or_foreign_session_is_not_reprocessed() -> None:
    sessions, queue = FakeSessions(), FakeQueue()
    sid = start(sessions)
    with pytest.raises(errors.Conflict) as refused:
        Reprocess(sessions, queue).request(BACKEND.tenant, sid)
    assert refused.value.code == "SESSION_RECORDING"
    with pytest.raises(errors.NotFound):
        Reprocess(sessions, queue).request(STRANGER.tenant, sid)
    assert queue.requests == [] and "reprocessFrom" not in sessions.items[sid]


def test_the_photo_upload_is_for_the_sessions_own_key_and_only_the_owner() -> None:
    sessions = FakeSessions()
    sid = start(sessions)
    post = PhotoUpload(sessions, FakeUploads()).presign(BACKEND.tenant, sid)
    assert post["fields"]["key"] == f"sessions/{sid}/pod.jpg"
    with pytest.raises(errors.NotFound):
        PhotoUpload(sessions, FakeUploads()).presign(STRANGER.tenant, sid)
