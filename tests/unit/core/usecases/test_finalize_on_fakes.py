"""Finalization (``Finalizer``) on in-memory fakes: when insights are computed, that a
commit lands only on the version it read, and which event each computation announces."""

import pytest

from functions.core.domain.principal import Principal
from functions.core.usecases.finalize import Finalizer
from functions.core.wire.models.sessions import StartSessionRequest
from tests.unit.core.usecases.fakes import (
    Clock,
    FakeChunks,
    FakeEngine,
    FakeEvents,
    FakeInsights,
    FakeSessions,
)

BACKEND = Principal("org_1", "prj_1", "sandbox", "secret", "key_s")
T0 = 1_790_000_000.0


class World:
    def __init__(self) -> None:
        self.sessions = FakeSessions()
        self.insights = FakeInsights()
        self.events = FakeEvents()
        self.engine = FakeEngine()
        self.finalizer = Finalizer(
            self.sessions,
            self.insights,
            FakeChunks(),
            self.events,
            engine=self.engine,
            clock=Clock(T0 + 3600),
        )

    def stopped(self, accepted: int = 2, stored: int = 2) -> str:
        request = StartSessionRequest(deliveryId="dlv_1", sessionType="drop")
        sid = str(self.sessions.create(BACKEND, request, T0, 300.0)["sessionId"])
        self.sessions.stop(BACKEND.tenant, sid, T0 + 600, 900.0)
        self.sessions.items[sid].update(acceptedPartsTotal=accepted, storedPartsTotal=stored)
        return sid


@pytest.fixture
def world() -> World:
    return World()


def test_a_complete_session_is_computed_committed_and_announced_once(world: World) -> None:
    sid = world.stopped()
    outcome = world.finalizer.finalize(sid, "complete")
    assert (outcome.version, outcome.event) == (1, "insight.ready")
    item = world.sessions.items[sid]
    assert (item["insightsStatus"], item["insightsVersion"], item["finalizedParts"]) == (
        "ready",
        1,
        2,
    )
    assert "pendingEvent" not in item and "sweepAt" not in item  # published, left the sweep
    assert item["reasonCodes"] == ["FULL_ATTEMPT"] and item["endReason"] == "stopped"
    assert world.insights.get(sid)["version"] == 1  # type: ignore[index]
    assert world.events.kinds() == ["insight.ready"]
    assert world.finalizer.finalize(sid, "complete").version is None  # nothing new stored
    assert len(world.engine.calls) == 1 and world.events.kinds() == ["insight.ready"]


def test_missing_data_waits_for_completion_but_not_for_the_deadline(world: World) -> None:
    sid = world.stopped(accepted=3, stored=2)
    assert world.finalizer.finalize(sid, "complete").version is None
    assert world.engine.calls == []
    outcome = world.finalizer.finalize(sid, "force")
    assert outcome.version == 1 and world.engine.calls == [(0, "interrupted")]
    assert world.sessions.items[sid]["endReason"] == "interrupted"


def test_late_data_recomputes_and_announces_an_update(world: World) -> None:
    sid = world.stopped()
    world.finalizer.finalize(sid, "complete")
    world.sessions.items[sid].update(acceptedPartsTotal=3, storedPartsTotal=3)
    outcome = world.finalizer.finalize(sid, "complete")
    assert (outcome.version, outcome.event) == (2, "insight.updated")
    assert world.sessions.items[sid]["finalizedParts"] == 3


def test_a_commit_lost_to_a_concurrent_one_is_retried_on_what_is_stored_now(
    world: World,
) -> None:
    sid = world.stopped()
    real_find = world.sessions.find
    raced: list[bool] = []

    def find_then_race(session_id: str):
        read = real_find(session_id)
        if not raced:  # another processor commits version 1 after our read
            raced.append(True)
            world.sessions.items[sid].update(insightsVersion=1, finalizedParts=1)
        return read

    world.sessions.find = find_then_race  # type: ignore[method-assign]
    outcome = world.finalizer.finalize(sid, "complete")
    assert outcome.version == 2  # recomputed on the fresh read, committed over version 1
    assert world.sessions.items[sid]["insightsVersion"] == 2


def test_a_recording_or_erasing_session_is_never_computed(world: World) -> None:
    request = StartSessionRequest(deliveryId="dlv_1", sessionType="drop")
    recording = str(world.sessions.create(BACKEND, request, T0, 300.0)["sessionId"])
    erasing = world.stopped()
    world.sessions.begin_erasing(BACKEND.tenant, erasing, T0 + 700)
    for sid in (recording, erasing):
        assert world.finalizer.finalize(sid, "force").version is None
    assert world.engine.calls == [] and world.events.published == []


def test_a_failure_for_good_is_committed_and_announced(world: World) -> None:
    sid = world.stopped()
    outcome = world.finalizer.fail(sid, "insights could not be computed")
    assert (outcome.version, outcome.event) == (1, "insight.failed")
    item = world.sessions.items[sid]
    assert item["insightsStatus"] == "failed" and item["errorCode"] == "PROCESSING_FAILED"
    assert "sweepAt" not in item  # nothing stays processing
    assert world.events.kinds() == ["insight.failed"]


def test_an_event_the_bus_refused_is_published_by_the_next_finalization(world: World) -> None:
    sid = world.stopped()
    world.events.fail = True
    with pytest.raises(RuntimeError):
        world.finalizer.finalize(sid, "complete")
    assert world.sessions.items[sid]["pendingEvent"] == "insight.ready"  # committed, unsent
    world.events.fail = False
    outcome = world.finalizer.finalize(sid, "complete")
    assert outcome.event == "insight.ready" and world.events.kinds() == ["insight.ready"]
    assert "pendingEvent" not in world.sessions.items[sid]
