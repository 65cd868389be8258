"""Start and stop (``SessionLifecycle``) on in-memory fakes of its ports."""

import pytest

from functions.core.config.settings import environment_for, load_settings
from functions.core.domain import errors
from functions.core.domain.principal import Principal
from functions.core.usecases.lifecycle import SessionLifecycle
from functions.core.wire.models.sessions import StartSessionRequest
from tests.unit.core.usecases.fakes import Clock, FakeErased, FakeEvents, FakeQueue, FakeSessions

PHONE = Principal("org_1", "prj_1", "sandbox", "publishable", "key_p")
BACKEND = Principal("org_1", "prj_1", "sandbox", "secret", "key_s")
T0 = 1_790_000_000.0
SETTINGS = load_settings(environment_for("unit"))
START = StartSessionRequest(deliveryId="dlv_1", sessionType="drop")


class World:
    def __init__(self) -> None:
        self.sessions = FakeSessions()
        self.queue = FakeQueue()
        self.erased = FakeErased()
        self.events = FakeEvents()
        self.clock = Clock(T0)
        self.lifecycle = SessionLifecycle(
            self.sessions,
            self.queue.request_finalize,
            SETTINGS,
            self.clock,
            erased=self.erased,
            publish=self.events.publish,
        )


@pytest.fixture
def world() -> World:
    return World()


def test_a_start_opens_a_recording_session_and_announces_it(world: World) -> None:
    answer = world.lifecycle.start(PHONE, START)
    assert answer.status == "recording"
    item = world.sessions.items[answer.sessionId]
    assert item["tenant"] == PHONE.tenant and item["deliveryId"] == "dlv_1"
    assert world.events.kinds() == ["session.started"]


def test_the_sdks_retried_start_returns_the_same_session(world: World) -> None:
    first = world.lifecycle.start(PHONE, START)
    world.clock.now += 5
    again = world.lifecycle.start(PHONE, START)
    assert again.sessionId == first.sessionId and len(world.sessions.items) == 1
    assert world.events.kinds() == ["session.started"]
    other = world.lifecycle.start(PHONE, START.model_copy(update={"deliveryId": "dlv_2"}))
    assert other.sessionId != first.sessionId


def test_a_replay_needs_a_secret_key(world: World) -> None:
    replay = START.model_copy(update={"mode": "replay"})
    with pytest.raises(errors.Forbidden) as refused:
        world.lifecycle.start(PHONE, replay)
    assert refused.value.code == "INSUFFICIENT_SCOPE" and not world.sessions.items
    assert world.lifecycle.start(BACKEND, replay).status == "recording"


def test_a_stop_ends_the_session_once_and_asks_for_finalization_each_time(world: World) -> None:
    sid = world.lifecycle.start(PHONE, START).sessionId
    world.clock.now += 600
    assert world.lifecycle.stop(PHONE, sid).status == "completed"
    item = world.sessions.items[sid]
    assert item["endReason"] == "stopped" and item["endedEpoch"] == T0 + 600
    assert world.lifecycle.stop(PHONE, sid).status == "completed"  # the SDK's retry
    assert world.events.kinds() == ["session.started", "session.stopped"]
    # a lost first request is repaired by the retry: insights are still pending
    assert [r[0] for r in world.queue.requests] == [sid, sid]


def test_a_stop_after_insights_are_final_asks_nothing(world: World) -> None:
    sid = world.lifecycle.start(PHONE, START).sessionId
    world.lifecycle.stop(PHONE, sid)
    world.sessions.items[sid]["insightsStatus"] = "ready"
    world.lifecycle.stop(PHONE, sid)
    assert len(world.queue.requests) == 1


def test_the_stop_of_an_erased_session_succeeds_and_another_tenants_is_not_found(
    world: World,
) -> None:
    world.erased.mark(PHONE.tenant, "sess_gone", T0)
    assert world.lifecycle.stop(PHONE, "sess_gone").status == "completed"
    stranger = Principal("org_2", "prj_1", "sandbox", "publishable", "key_x")
    with pytest.raises(errors.NotFound):
        world.lifecycle.stop(stranger, "sess_gone")
    sid = world.lifecycle.start(PHONE, START).sessionId
    with pytest.raises(errors.NotFound):
        world.lifecycle.stop(stranger, sid)
    assert world.sessions.items[sid]["status"] == "recording"
