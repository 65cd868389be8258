"""Sessionizing a Firehose object on in-memory fakes: records split by session, one chunk
per session and object, and nothing stored for a session that is gone, being erased or
another tenant's."""

from __future__ import annotations

import pytest

from functions.core.usecases.sessionize import SessionizedWriter, split_by_session
from functions.core.wire.models.sessions import StartSessionRequest
from functions.core.wire.record_decoding import decode_record
from functions.core.wire.records import iter_records
from functions.engine.telemetry import Telemetry
from tests.unit.core.conftest import CALLER, T0, encoded, samples
from tests.unit.core.usecases.fakes import Clock, FakeChunks, FakeSessions, FakeStoredRecords


def records(session_id: str, n: int, tenant: str = CALLER.tenant) -> list[bytes]:
    return encoded(session_id, samples(T0, n), tenant)


class World:
    def __init__(self) -> None:
        self.sessions = FakeSessions()
        self.chunks = FakeChunks()
        self.writer = SessionizedWriter(
            self.sessions, self.chunks, FakeStoredRecords(self.sessions), clock=Clock(T0)
        )

    def start(self) -> str:
        request = StartSessionRequest(deliveryId="dlv_1", sessionType="drop")
        return str(self.sessions.create(CALLER, request, T0, 7200.0)["sessionId"])


@pytest.fixture
def world() -> World:
    return World()


def test_split_by_session_groups_records_and_drops_a_repeated_record() -> None:
    rec_a, rec_b = records("ses_a", 20), records("ses_b", 30)
    slices = split_by_session(b"".join([rec_a[0], rec_b[0], rec_a[0]]))

    assert set(slices) == {"ses_a", "ses_b"}
    assert len(slices["ses_a"].headers) == 1
    assert len(slices["ses_a"].telemetry()) == 20
    assert len(slices["ses_b"].telemetry()) == 30
    assert isinstance(decode_record(next(iter_records(rec_b[0]))), Telemetry)


def test_a_slice_is_stored_then_counted_once(world: World) -> None:
    sid = world.start()
    (piece,) = split_by_session(b"".join(records(sid, 25))).values()
    stored = world.writer.store("raw/a", sid, piece)
    assert stored is not None and (stored.new_parts, stored.new_samples) == (1, 25)
    assert len(world.chunks.load(sid)) == 25

    again = world.writer.store("raw/a", sid, piece)  # the message redelivered
    assert again is not None and (again.new_parts, again.new_samples) == (0, 0)
    assert world.sessions.items[sid]["storedSamplesTotal"] == 25


@pytest.mark.parametrize("case", ["gone", "erasing", "another tenant"])
def test_data_of_a_session_it_may_not_reach_is_dropped(world: World, case: str) -> None:
    sid = world.start()
    tenant = "org_2#prj_1#sandbox" if case == "another tenant" else CALLER.tenant
    (piece,) = split_by_session(b"".join(records(sid, 5, tenant))).values()
    if case == "gone":
        world.sessions.delete(sid)
    elif case == "erasing":
        world.sessions.begin_erasing(CALLER.tenant, sid, T0)
    assert world.writer.store("raw/a", sid, piece) is None
    assert world.chunks.chunks == {}
