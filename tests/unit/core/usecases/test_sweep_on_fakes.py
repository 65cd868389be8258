"""The sweeper (``Sweeper``) on in-memory fakes: silent sessions end, stopped ones past
their deadline are finalized with what exists, each once per lease."""

from functions.core.domain.principal import Principal
from functions.core.domain.timestamps import iso
from functions.core.usecases.sweep import Sweeper
from functions.core.wire.models.sessions import StartSessionRequest
from tests.unit.core.usecases.fakes import Clock, FakeQueue, FakeSessions

PHONE = Principal("org_1", "prj_1", "sandbox", "publishable", "key_p")
T0 = 1_790_000_000.0
INACTIVITY_S = 300.0
LEASE_S = 900.0


def world() -> tuple[FakeSessions, FakeQueue, Clock, Sweeper]:
    sessions, queue, clock = FakeSessions(), FakeQueue(), Clock(T0)
    return sessions, queue, clock, Sweeper(sessions, queue, lease_s=LEASE_S, clock=clock)


def start(sessions: FakeSessions) -> str:
    request = StartSessionRequest(deliveryId="dlv_1", sessionType="drop")
    return str(sessions.create(PHONE, request, T0, INACTIVITY_S)["sessionId"])


def test_a_silent_session_ends_at_its_last_telemetry_and_is_finalized() -> None:
    sessions, queue, clock, sweeper = world()
    sid = start(sessions)
    sessions.items[sid]["lastTelemetryAt"] = iso(T0 + 40)
    sessions.items[sid]["sweepAt"] = iso(T0 + 40 + INACTIVITY_S)
    clock.now = T0 + 100
    assert sweeper.sweep().timed_out == []  # not yet due
    clock.now = T0 + 40 + INACTIVITY_S
    report = sweeper.sweep()
    assert report.timed_out == [sid] and report.finalize_requested == [sid]
    item = sessions.items[sid]
    assert (item["status"], item["endReason"], item["endedEpoch"]) == (
        "completed",
        "timeout",
        T0 + 40,
    )
    assert queue.requests == [(sid, "deadline", None)]


def test_a_stopped_session_past_its_deadline_is_requested_once_per_lease() -> None:
    sessions, queue, clock, sweeper = world()
    sid = start(sessions)
    sessions.stop(PHONE.tenant, sid, T0 + 60, LEASE_S)
    clock.now = T0 + 60 + LEASE_S
    assert sweeper.sweep().finalize_requested == [sid]
    assert sweeper.sweep().finalize_requested == []  # leased
    clock.now += LEASE_S
    assert sweeper.sweep().finalize_requested == [sid]  # that finalization never committed
    assert sessions.items[sid]["endReason"] == "stopped"
    assert [r[1] for r in queue.requests] == ["deadline", "deadline"]


def test_a_session_whose_telemetry_arrived_meanwhile_stays_recording() -> None:
    sessions, queue, clock, sweeper = world()
    sid = start(sessions)
    clock.now = T0 + INACTIVITY_S

    def due_then_alive(now: float):
        for item in FakeSessions.due(sessions, now):
            sessions.items[sid]["sweepAt"] = iso(now + INACTIVITY_S)  # a batch arrives
            yield item

    sessions.due = due_then_alive  # type: ignore[method-assign]
    assert sweeper.sweep().timed_out == []
    assert sessions.items[sid]["status"] == "recording" and queue.requests == []


def test_final_sessions_are_not_swept() -> None:
    sessions, queue, clock, sweeper = world()
    sid = start(sessions)
    sessions.stop(PHONE.tenant, sid, T0 + 60, LEASE_S)
    for name in ("sweepShard", "sweepAt"):  # what a committed finalization removes
        sessions.items[sid].pop(name)
    clock.now = T0 + 10 * LEASE_S
    assert sweeper.sweep().finalize_requested == [] and queue.requests == []
