"""Erasing a session (``SessionEraser``) on in-memory fakes: every store forgets it, in an
order that survives a failure half way, and the marker for a late stop is left."""

import pytest

from functions.core.domain import errors
from functions.core.domain.principal import Principal
from functions.core.usecases.erase import SessionEraser
from functions.core.wire.models.sessions import StartSessionRequest
from tests.unit.core.usecases.fakes import (
    Clock,
    FakeBatches,
    FakeBuildings,
    FakeErased,
    FakeFiles,
    FakeInsights,
    FakeSessions,
)

BACKEND = Principal("org_1", "prj_1", "sandbox", "secret", "key_s")
T0 = 1_790_000_000.0
ADDRESS = {"line1": "Torstraße 1", "postalCode": "10119", "lat": 52.529, "lng": 13.401}


class World:
    def __init__(self) -> None:
        self.sessions = FakeSessions()
        self.batches = FakeBatches(self.sessions)
        self.erased = FakeErased()
        self.insights = FakeInsights()
        self.files = FakeFiles()
        self.buildings = FakeBuildings()
        self.eraser = SessionEraser(
            self.sessions,
            self.batches,
            self.erased,
            self.insights,
            self.files,
            Clock(T0 + 3600),
            buildings=self.buildings,
        )

    def start(self) -> str:
        request = StartSessionRequest.model_validate(
            {"deliveryId": "dlv_1", "sessionType": "drop", "address": ADDRESS}
        )
        sid = str(self.sessions.create(BACKEND, request, T0, 300.0)["sessionId"])
        self.batches.claim(sid, "b1", T0)
        self.insights.put_entry({"sessionId": sid, "status": "ready", "version": 1})()
        return sid


@pytest.fixture
def world() -> World:
    return World()


def test_an_erase_removes_the_session_from_every_store(world: World) -> None:
    sid = world.start()
    erased = world.eraser.erase(BACKEND.tenant, sid)
    assert erased["sessionId"] == sid
    assert sid not in world.sessions.items
    assert world.sessions.filter_items_deleted == [sid]
    assert not any(key[0] == sid for key in world.batches.states)
    assert world.insights.get(sid) is None and world.files.deleted == [sid]
    assert [(t, s) for t, _b, s in world.buildings.forgotten] == [(BACKEND.tenant, sid)]
    assert world.erased.erased(BACKEND.tenant, sid)


def test_an_erase_that_failed_half_way_leaves_the_session_marked_and_is_finished_by_a_retry(
    world: World,
) -> None:
    sid = world.start()

    def unavailable(session_id: str) -> int:
        raise errors.ServiceUnavailable("S3 is down")

    world.files.delete_session = unavailable  # type: ignore[method-assign]
    with pytest.raises(errors.ServiceUnavailable):
        world.eraser.erase(BACKEND.tenant, sid)
    item = world.sessions.items[sid]  # still there, so the repeated DELETE finds it
    assert "erasing" in item and item["endReason"] == "deleted" and "sweepAt" not in item
    assert not world.erased.erased(BACKEND.tenant, sid)
    del world.files.delete_session
    world.eraser.erase(BACKEND.tenant, sid)
    assert sid not in world.sessions.items and world.files.deleted == [sid]


def test_another_tenants_session_cannot_be_erased(world: World) -> None:
    sid = world.start()
    stranger = Principal("org_2", "prj_1", "sandbox", "secret", "key_x")
    with pytest.raises(errors.NotFound):
        world.eraser.erase(stranger.tenant, sid)
    assert "erasing" not in world.sessions.items[sid] and world.files.deleted == []
