from types import SimpleNamespace

import pytest
from botocore.exceptions import ClientError

from functions.core import names
from functions.core.records import header_of, iter_records
from functions.core.stored_parts import StoredParts
from tests.unit.processing.conftest import T0, samples


def _ledger(world):
    return StoredParts(world.table(names.BATCHES_TABLE), world.mock.settings.sessions_table)


def _headers(records):
    return [header_of(next(iter_records(r))) for r in records]


def test_parts_are_counted_once_even_when_mixed_with_new_ones(world):
    sid = world.start()
    first = _headers(world.accept(sid, samples(T0, 40)))
    second = _headers(world.accept(sid, samples(T0 + 1, 30)))

    assert _ledger(world).record(sid, first, T0) == first
    assert _ledger(world).record(sid, first + second + second, T0) == second
    assert _ledger(world).record(sid, first + second, T0) == []

    session = world.session(sid)
    assert (session["storedPartsTotal"], session["storedSamplesTotal"]) == (2, 70)
    item = world.table(names.BATCHES_TABLE).get_item(
        Key={"sessionId": sid, "itemId": f"part#{first[0].batch_id}#0"}
    )["Item"]
    assert item["samples"] == 40


def test_parts_of_an_unknown_or_erasing_session_create_nothing(world):
    gone, erasing = world.start(), world.start()
    gone_parts = _headers(world.accept(gone, samples(T0, 5)))
    erasing_parts = _headers(world.accept(erasing, samples(T0, 5)))
    world.table(names.SESSIONS_TABLE).delete_item(Key={"sessionId": gone})
    world.table(names.SESSIONS_TABLE).update_item(
        Key={"sessionId": erasing},
        UpdateExpression="SET erasing = :t",
        ExpressionAttributeValues={":t": "now"},
    )

    assert _ledger(world).record(gone, gone_parts, T0) == []
    assert _ledger(world).record(erasing, erasing_parts, T0) == []
    assert world.sessions.find(gone) is None
    assert world.session(erasing)["storedPartsTotal"] == 0
    for sid in (gone, erasing):
        items = world.table(names.BATCHES_TABLE).query(
            KeyConditionExpression="sessionId = :s", ExpressionAttributeValues={":s": sid}
        )["Items"]
        assert items == []


def _cancelled(*codes):
    return ClientError(
        {
            "Error": {"Code": "TransactionCanceledException", "Message": "cancelled"},
            "CancellationReasons": [{"Code": c} for c in codes],
        },
        "TransactWriteItems",
    )


class FlakyClient:
    """Answers with the given errors first, then succeeds."""

    def __init__(self, *errors):
        self.errors = list(errors)
        self.calls = []

    def transact_write_items(self, TransactItems):  # noqa: N803 - boto3's name
        self.calls.append(len(TransactItems))
        if self.errors:
            raise self.errors.pop(0)


def _fake_ledger(client):
    table = SimpleNamespace(name="batches", meta=SimpleNamespace(client=client))
    return StoredParts(table, "sessions", sleep=lambda _s: None)


def test_a_concurrent_update_of_the_session_is_retried(world):
    sid = world.start()
    parts = _headers(world.accept(sid, samples(T0, 5)))
    client = FlakyClient(_cancelled("None", "TransactionConflict"))
    assert _fake_ledger(client).record(sid, parts, T0) == parts
    assert client.calls == [2, 2]


def test_a_cancellation_without_reasons_is_an_error(world):
    sid = world.start()
    parts = _headers(world.accept(sid, samples(T0, 5)))
    with pytest.raises(ClientError):
        _fake_ledger(FlakyClient(_cancelled())).record(sid, parts, T0)
