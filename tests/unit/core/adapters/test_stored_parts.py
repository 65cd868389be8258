from types import SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import ClientError

from functions.core.adapters.stored_parts import LedgerContended, StoredParts, object_item_id
from functions.core.config import names
from functions.core.wire.records import RecordHeader, header_of, iter_records
from tests.unit.core.conftest import T0, World, samples


def _ledger(world: World) -> StoredParts:
    return StoredParts(world.table(names.BATCHES_TABLE), world.sessions)


def _headers(records: list[bytes]) -> list[RecordHeader]:
    return [header_of(next(iter_records(r))) for r in records]


def _ledger_items(world: World, sid: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = world.table(names.BATCHES_TABLE).query(
        KeyConditionExpression="sessionId = :s AND begins_with(itemId, :p)",
        ExpressionAttributeValues={":s": sid, ":p": "obj#"},
    )["Items"]
    return items


def test_records_are_counted_once_across_objects_and_redeliveries(world: World) -> None:
    sid = world.start()
    first = _headers(world.accept(sid, samples(T0, 40)))
    second = _headers(world.accept(sid, samples(T0 + 1, 30)))

    assert _ledger(world).record(sid, "raw/a", first, T0) == first
    # the next object repeats the first one's record (Firehose wrote it twice) and itself
    assert _ledger(world).record(sid, "raw/b", first + second + second, T0) == second
    assert _ledger(world).record(sid, "raw/a", first, T0) == []  # the message redelivered
    assert _ledger(world).record(sid, "raw/c", first + second, T0) == []

    session = world.session(sid)
    assert (session["storedPartsTotal"], session["storedSamplesTotal"]) == (2, 70)
    assert session["storedObjects"] == 2
    items = {i["itemId"]: i for i in _ledger_items(world, sid)}
    assert set(items) == {object_item_id("raw/a"), object_item_id("raw/b")}  # one per object
    assert items[object_item_id("raw/b")]["parts"] == [f"{second[0].batch_id}#0"]
    assert items[object_item_id("raw/b")]["samples"] == 30


def test_records_of_an_unknown_or_erasing_session_create_nothing(world: World) -> None:
    gone, erasing = world.start(), world.start()
    gone_parts = _headers(world.accept(gone, samples(T0, 5)))
    erasing_parts = _headers(world.accept(erasing, samples(T0, 5)))
    world.table(names.SESSIONS_TABLE).delete_item(Key={"sessionId": gone})
    world.table(names.SESSIONS_TABLE).update_item(
        Key={"sessionId": erasing},
        UpdateExpression="SET erasing = :t",
        ExpressionAttributeValues={":t": "now"},
    )

    assert _ledger(world).record(gone, "raw/a", gone_parts, T0) == []
    # a caller that read the session before the erasing began is refused by the condition
    assert _ledger(world).record(erasing, "raw/a", erasing_parts, T0, stored_objects=0) == []
    assert world.sessions.find(gone) is None
    assert world.session(erasing)["storedPartsTotal"] == 0
    for sid in (gone, erasing):
        assert _ledger_items(world, sid) == []


def test_an_object_counted_meanwhile_is_seen_before_counting_again(world: World) -> None:
    """Two objects sharing a record, counted at the same moment: the one that read the
    session before the other committed is cancelled, reads again, and counts only its own."""
    sid = world.start()
    shared = _headers(world.accept(sid, samples(T0, 10)))
    own = _headers(world.accept(sid, samples(T0 + 1, 10)))
    stale = int(world.session(sid).get("storedObjects", 0))

    assert _ledger(world).record(sid, "raw/a", shared, T0) == shared
    assert _ledger(world).record(sid, "raw/b", shared + own, T0, stored_objects=stale) == own
    session = world.session(sid)
    assert (session["storedPartsTotal"], session["storedObjects"]) == (2, 2)


def _cancelled(*codes: str) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": "TransactionCanceledException", "Message": "cancelled"},
            "CancellationReasons": [{"Code": c} for c in codes],
        },
        "TransactWriteItems",
    )


class FlakyClient:
    """The real table's client, answering ``transact_write_items`` with the given errors
    first."""

    def __init__(self, inner: Any, *errors: ClientError) -> None:
        self.inner = inner
        self.errors = list(errors)
        self.calls: list[int] = []

    def transact_write_items(self, TransactItems: list[Any]) -> Any:  # noqa: N803 - boto3's
        self.calls.append(len(TransactItems))
        if self.errors:
            raise self.errors.pop(0)
        return self.inner.transact_write_items(TransactItems=TransactItems)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def _flaky_ledger(world: World, client: FlakyClient) -> StoredParts:
    table = world.table(names.BATCHES_TABLE)
    proxy = SimpleNamespace(name=table.name, query=table.query, meta=SimpleNamespace(client=client))
    return StoredParts(proxy, world.sessions, sleep=lambda _s: None)


def test_a_concurrent_update_of_the_session_is_retried(world: World) -> None:
    sid = world.start()
    parts = _headers(world.accept(sid, samples(T0, 5)))
    client = FlakyClient(
        world.table(names.BATCHES_TABLE).meta.client, _cancelled("None", "TransactionConflict")
    )
    assert _flaky_ledger(world, client).record(sid, "raw/a", parts, T0) == parts
    assert client.calls == [2, 2]
    assert world.session(sid)["storedPartsTotal"] == 1


def test_a_ledger_that_keeps_moving_fails_the_message(world: World) -> None:
    sid = world.start()
    parts = _headers(world.accept(sid, samples(T0, 5)))
    client = FlakyClient(
        world.table(names.BATCHES_TABLE).meta.client,
        *[_cancelled("None", "ConditionalCheckFailed")] * 20,
    )
    with pytest.raises(LedgerContended):
        _flaky_ledger(world, client).record(sid, "raw/a", parts, T0)
    assert world.session(sid).get("storedPartsTotal", 0) == 0


def test_a_cancellation_without_reasons_is_an_error(world: World) -> None:
    sid = world.start()
    parts = _headers(world.accept(sid, samples(T0, 5)))
    client = FlakyClient(world.table(names.BATCHES_TABLE).meta.client, _cancelled())
    with pytest.raises(ClientError):
        _flaky_ledger(world, client).record(sid, "raw/a", parts, T0)
