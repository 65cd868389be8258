from functions.core import names
from functions.core.records import header_of, iter_records
from functions.core.stored_parts import StoredParts
from tests.unit.processing.conftest import T0, samples


def _ledger(world):
    return StoredParts(world.table(names.BATCHES_TABLE), world.mock.settings.sessions_table)


def test_a_part_is_counted_once(world):
    sid = world.start()
    header = header_of(next(iter_records(world.accept(sid, samples(T0, 40))[0])))

    assert _ledger(world).record(header, T0) is True
    assert _ledger(world).record(header, T0) is False

    session = world.session(sid)
    assert session["storedPartsTotal"] == 1
    assert session["storedSamplesTotal"] == 40
    item = world.table(names.BATCHES_TABLE).get_item(
        Key={"sessionId": sid, "itemId": f"part#{header.batch_id}#0"}
    )["Item"]
    assert item["samples"] == 40


def test_parts_of_an_unknown_session_create_nothing(world):
    sid = world.start()
    header = header_of(next(iter_records(world.accept(sid, samples(T0, 5))[0])))
    world.table(names.SESSIONS_TABLE).delete_item(Key={"sessionId": sid})

    assert _ledger(world).record(header, T0) is False
    assert world.sessions.find(sid) is None
    items = world.table(names.BATCHES_TABLE).query(
        KeyConditionExpression="sessionId = :s", ExpressionAttributeValues={":s": sid}
    )["Items"]
    assert items == []
