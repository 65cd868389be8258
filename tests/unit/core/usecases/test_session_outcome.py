"""What a session shows of its insights (engine version, history, terminal outcome, error,
statusDetail) and how its filter items follow it (lists by tag, reason code, outcome,
archived)."""

import uuid

from functions.core.adapters.session_repository import ListFilters
from functions.core.config import names
from functions.core.config.names import HISTORY_LENGTH
from functions.core.domain.principal import Principal
from functions.core.usecases.finalize import PROCESSING_FAILED
from functions.core.wire.session_resource import to_resource
from tests.unit.core.conftest import CALLER, T0, samples

OTHER = Principal("org_9", "prj_1", "sandbox", "secret", "key_9")


def _store(world, sid, key, batch):
    body = world.put_raw(key, world.accept(sid, batch))
    world.pipeline().handle(body, 1)


def _finalized(world, **fields):
    sid = world.start(**fields)
    _store(world, sid, f"raw/{sid}/1", samples(T0, 60))
    world.stop(sid)
    world.finalizer().finalize(sid, "complete")
    return sid


def _listed(world, tenant=CALLER.tenant, limit=50, **filters):
    items, cursor = world.sessions.list(tenant, ListFilters(**filters), limit, None)
    return [i["sessionId"] for i in items], cursor


def test_ready_insights_set_engine_version_outcome_codes_and_history(world):
    sid = _finalized(world)
    session = to_resource(world.session(sid))
    assert session.sessionId.startswith("sess_")
    assert session.engineVersion == "test-1"
    assert session.terminalOutcome == "door_delivery"
    assert session.reasonCodes == ["FULL_ATTEMPT"]
    assert session.statusDetail is None and session.errorCode is None
    [entry] = session.insightsHistory
    assert (entry.version, entry.engineVersion, entry.trigger) == (1, "test-1", "all-data-stored")
    assert entry.reasonCodes == ["FULL_ATTEMPT"] and entry.status == "ready"


def test_history_keeps_the_last_ten_computations(world):
    sid = _finalized(world)
    for _ in range(HISTORY_LENGTH + 2):
        world.finalizer().finalize(sid, "reprocess")
    history = to_resource(world.session(sid)).insightsHistory
    assert [h.version for h in history] == list(range(4, 4 + HISTORY_LENGTH))
    assert {h.trigger for h in history} == {"reprocess"}


def test_a_failure_is_an_error_code_and_message_and_clears_the_outcome(world):
    tag = f"t-{uuid.uuid4().hex[:8]}"
    sid = _finalized(world, tags=[tag])
    world.finalizer().fail(sid, "RuntimeError: boom")
    session = to_resource(world.session(sid))
    assert (session.errorCode, session.errorMessage) == (PROCESSING_FAILED, "RuntimeError: boom")
    assert session.terminalOutcome is None and session.reasonCodes == []
    assert session.insightsHistory[-1].status == "failed"
    assert _listed(world, tag=tag, terminal_outcome="door_delivery")[0] == []
    world.finalizer().finalize(sid, "reprocess")
    session = to_resource(world.session(sid))
    assert session.errorCode is None and session.terminalOutcome == "door_delivery"


def test_a_reprocess_is_computing_until_its_version_is_in(world):
    sid = _finalized(world)
    world.sessions.mark_reprocess(sid, 1)
    assert to_resource(world.session(sid)).statusDetail == "computing"
    world.finalizer().finalize(sid, "reprocess", 1)
    assert to_resource(world.session(sid)).statusDetail is None


def test_lists_by_tag_reason_outcome_and_archived_come_from_filter_items(world):
    tag = f"t-{uuid.uuid4().hex[:8]}"
    done = _finalized(world, tags=[tag, "shared"])
    open_ = world.start(created=T0 + 1, tags=[tag])
    untagged = world.start()
    assert _listed(world, tag=tag)[0] == [open_, done]  # newest first
    assert _listed(world, tag=tag, reason_code="FULL_ATTEMPT")[0] == [done]
    assert _listed(world, tag=tag, terminal_outcome="door_delivery")[0] == [done]
    assert _listed(world, tag=tag, status="recording")[0] == [open_]
    assert untagged not in _listed(world, tag=tag)[0]
    assert _listed(world, tenant=OTHER.tenant, tag=tag)[0] == []

    world.sessions.update(CALLER.tenant, done, {"archived": True, "tags": ["moved"]}, T0)
    assert _listed(world, tag=tag)[0] == [open_]
    assert done in _listed(world, archived=True)[0]
    assert done not in _listed(world, archived=False)[0]
    assert open_ in _listed(world, archived=False)[0]


def test_filtered_pages_follow_the_cursor(world):
    tag = f"t-{uuid.uuid4().hex[:8]}"
    made = [world.start(created=T0 + i, tags=[tag]) for i in range(5)]
    seen, cursor = [], None
    while True:
        items, cursor = world.sessions.list(CALLER.tenant, ListFilters(tag=tag), 2, cursor)
        seen += [i["sessionId"] for i in items]
        if not cursor:
            break
    assert seen == made[::-1]


def test_erasing_removes_the_filter_items(world):
    tag = f"t-{uuid.uuid4().hex[:8]}"
    sid = _finalized(world, tags=[tag])
    table = world.table(names.SESSIONS_TABLE)
    world.eraser().erase(CALLER.tenant, sid)
    rows = table.scan(FilterExpression="filterOf = :s", ExpressionAttributeValues={":s": sid})
    assert rows["Items"] == []
    assert _listed(world, tag=tag)[0] == []
