"""The local stack's moto undoes a cancelled transaction item by item (every table is left as
it was, and no table is copied), lists object versions under a prefix without copying the
rest of the bucket, receives messages without scanning the queue per message, and queries a
hash key without sorting the table, with moto's own answers
(``doorproof.local.moto_speedups``)."""

from __future__ import annotations

import copy
import os
from collections.abc import Iterator
from typing import Any

import boto3
import moto.backends
import moto.core.responses
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.backends import get_backend
from moto.core.serialize import JSONSerializer
from moto.core.utils import unix_time
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoHandler
from moto.s3 import models as s3_models
from moto.s3.models import S3Backend
from moto.sqs.models import Queue

from doorproof.local.moto_speedups import speed_up_moto

ACCOUNT, REGION = "123456789012", "us-east-1"


@pytest.fixture
def mocked(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto in this process, sped up as the local stack's is."""
    speed_up_moto()
    for var in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield


@pytest.fixture
def dynamodb(mocked: None) -> Iterator[Any]:
    client = boto3.client("dynamodb", region_name=REGION)
    client.create_table(
        TableName="sessions",
        KeySchema=[{"AttributeName": "sessionId", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "sessionId", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    client.create_table(
        TableName="batches",
        KeySchema=[
            {"AttributeName": "sessionId", "KeyType": "HASH"},
            {"AttributeName": "itemId", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "sessionId", "AttributeType": "S"},
            {"AttributeName": "itemId", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    client.put_item(TableName="sessions", Item={"sessionId": {"S": "s1"}, "n": {"N": "1"}})
    for i in range(50):
        client.put_item(
            TableName="batches",
            Item={"sessionId": {"S": "s1"}, "itemId": {"S": f"b{i}"}, "state": {"S": "ok"}},
        )
    yield client


def everything(client: Any) -> dict[str, list[dict[str, Any]]]:
    return {
        name: sorted(client.scan(TableName=name)["Items"], key=repr)
        for name in ("sessions", "batches")
    }


def commit(client: Any, *, batch: str, expect_state: str) -> None:
    """The ingest commit's shape: a new item, a conditional update, a counter on the session."""
    client.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": "batches", "Item": {"sessionId": {"S": "s1"},
                                                       "itemId": {"S": f"new-{batch}"}}}},
            {"Update": {"TableName": "batches",
                        "Key": {"sessionId": {"S": "s1"}, "itemId": {"S": batch}},
                        "UpdateExpression": "SET #s = :done",
                        "ConditionExpression": "#s = :expected",
                        "ExpressionAttributeNames": {"#s": "state"},
                        "ExpressionAttributeValues": {":done": {"S": "done"},
                                                      ":expected": {"S": expect_state}}}},
            {"Update": {"TableName": "sessions", "Key": {"sessionId": {"S": "s1"}},
                        "UpdateExpression": "ADD n :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}}}},
        ]
    )  # fmt: skip


def test_a_committed_transaction_writes_every_item(dynamodb: Any) -> None:
    commit(dynamodb, batch="b3", expect_state="ok")

    key = {"sessionId": {"S": "s1"}, "itemId": {"S": "b3"}}
    assert dynamodb.get_item(TableName="batches", Key=key)["Item"]["state"] == {"S": "done"}
    new = {"sessionId": {"S": "s1"}, "itemId": {"S": "new-b3"}}
    assert "Item" in dynamodb.get_item(TableName="batches", Key=new)
    session = dynamodb.get_item(TableName="sessions", Key={"sessionId": {"S": "s1"}})["Item"]
    assert session["n"] == {"N": "2"}


def test_a_cancelled_transaction_leaves_every_table_as_it_was(dynamodb: Any) -> None:
    before = everything(dynamodb)
    # The condition fails on the second operation, after moto applied the first (a new item);
    # moto applies the third too before it cancels.
    with pytest.raises(ClientError) as cancelled:
        commit(dynamodb, batch="b3", expect_state="pending")

    assert cancelled.value.response["Error"]["Code"] == "TransactionCanceledException"
    reasons = [r["Code"] for r in cancelled.value.response["CancellationReasons"]]
    assert reasons == ["None", "ConditionalCheckFailed", "None"]
    assert everything(dynamodb) == before


def test_a_cancelled_transaction_copies_no_table(dynamodb: Any) -> None:
    """moto's own rollback puts deep copies of the tables in place of the live ones (so each
    transaction cost a copy of every table it named); the journal keeps the same tables."""
    tables = get_backend("dynamodb")[ACCOUNT][REGION].tables
    live = {name: tables[name] for name in ("sessions", "batches")}

    with pytest.raises(ClientError):
        commit(dynamodb, batch="b3", expect_state="pending")
    commit(dynamodb, batch="b4", expect_state="ok")

    assert all(tables[name] is table for name, table in live.items())
    assert "__deepcopy__" not in vars(live["batches"])


def test_wrapping_twice_is_harmless(dynamodb: Any) -> None:
    speed_up_moto()
    before = everything(dynamodb)
    with pytest.raises(ClientError):
        commit(dynamodb, batch="b3", expect_state="pending")
    assert everything(dynamodb) == before


@pytest.fixture
def bucket(mocked: None) -> Iterator[Any]:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="data")
    s3.put_bucket_versioning(Bucket="data", VersioningConfiguration={"Status": "Enabled"})
    for key in ("raw/a", "raw/b", "sessions/s1/pod.jpg", "sessions/s1/x", "sessions/s2/y"):
        for body in (b"one", b"two"):
            s3.put_object(Bucket="data", Key=key, Body=body)
    s3.delete_object(Bucket="data", Key="sessions/s1/x")  # a delete marker
    yield s3


def listing(s3: Any, **kwargs: Any) -> list[tuple[str, str, bool]]:
    """Every version and delete marker, through boto3's paginator (one per page)."""
    pages = s3.get_paginator("list_object_versions").paginate(
        Bucket="data", PaginationConfig={"PageSize": 1}, **kwargs
    )
    return [
        (v["Key"], v["VersionId"], v["IsLatest"])
        for page in pages
        for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
    ]


@pytest.mark.parametrize("prefix", ["sessions/s1/", "sessions/s1/pod.jpg", "raw/", "none/"])
def test_versions_under_a_prefix_are_moto_own_answer(
    bucket: Any, prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ours = listing(bucket, Prefix=prefix)
    moto_own = S3Backend.list_object_versions.__wrapped__  # type: ignore[attr-defined]
    monkeypatch.setattr(S3Backend, "list_object_versions", moto_own)
    assert ours == listing(bucket, Prefix=prefix)
    assert all(key.startswith(prefix) for key, *_ in ours)


def test_listing_versions_under_a_prefix_copies_nothing_else(
    bucket: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    copied: list[str] = []

    def deepcopy(value: Any, memo: Any = None) -> Any:
        copied.extend(v.name for v in value)
        return copy.deepcopy(value, memo)

    counting = type("Copy", (), {"deepcopy": staticmethod(deepcopy), "copy": copy.copy})
    monkeypatch.setattr(s3_models, "copy", counting)
    assert [key for key, *_ in listing(bucket, Prefix="sessions/s1/pod.jpg")] == [
        "sessions/s1/pod.jpg"
    ] * 2
    assert set(copied) == {"sessions/s1/pod.jpg"}


def test_a_receive_reads_the_retention_period_without_scanning_the_queue(
    mocked: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="q", Attributes={"MessageRetentionPeriod": "60"})["QueueUrl"]
    for i in range(30):
        sqs.send_message(QueueUrl=url, MessageBody=str(i))
    scans: list[int] = []
    every_attribute = Queue.attributes

    def counted(queue: Queue) -> dict[str, Any]:
        scans.append(1)
        return every_attribute.fget(queue)  # type: ignore[attr-defined]

    monkeypatch.setattr(Queue, "attributes", property(counted))
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert len(received) == 10
    assert scans == []  # moto's own: three scans of the queue per message received

    later = unix_time() + 61  # past the retention period: nothing is handed out
    monkeypatch.setattr("moto.sqs.models.unix_time", lambda: later)
    sqs.change_message_visibility_batch(
        QueueUrl=url,
        Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
            for i, m in enumerate(received)
        ],
    )
    assert "Messages" not in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)


QUERIES: list[dict[str, Any]] = [
    {"KeyConditionExpression": "sessionId = :s", "ExpressionAttributeValues": {":s": {"S": "s1"}}},
    {
        "KeyConditionExpression": "sessionId = :s AND begins_with(itemId, :p)",
        "ExpressionAttributeValues": {":s": {"S": "s1"}, ":p": {"S": "b1"}},
        "ScanIndexForward": False,
    },
    {
        "KeyConditionExpression": "sessionId = :s",
        "ExpressionAttributeValues": {":s": {"S": "none"}},
    },
]


@pytest.mark.parametrize("query", QUERIES)
def test_a_query_of_one_hash_key_is_moto_own_answer(
    dynamodb: Any, query: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    dynamodb.put_item(TableName="batches", Item={"sessionId": {"S": "s2"}, "itemId": {"S": "b1"}})

    def pages() -> list[list[dict[str, Any]]]:
        paginator = dynamodb.get_paginator("query")
        pages = paginator.paginate(TableName="batches", PaginationConfig={"PageSize": 7}, **query)
        return [page["Items"] for page in pages]

    ours = pages()
    monkeypatch.setattr(Table, "query", Table.query.__wrapped__)  # type: ignore[attr-defined]
    assert ours == pages()
    assert all(item["sessionId"] == query["ExpressionAttributeValues"][":s"]
               for page in ours for item in page)  # fmt: skip


def test_a_query_of_one_hash_key_does_not_sort_the_table(
    dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sorted_tables: list[str] = []
    every_item = Table.all_items

    def counted(table: Table) -> Any:
        sorted_tables.append(table.name)
        return every_item(table)

    monkeypatch.setattr(Table, "all_items", counted)
    assert len(dynamodb.query(TableName="batches", **QUERIES[0])["Items"]) == 50
    assert sorted_tables == []
    assert "all_items" not in vars(get_backend("dynamodb")[ACCOUNT][REGION].tables["batches"])


RICH_ITEM: dict[str, Any] = {
    "sessionId": {"S": "s1"},
    "itemId": {"S": "rich"},
    "text": {"S": "é\n\"quoted\""},
    "empty": {"S": ""},
    "number": {"N": "-12.5e3"},
    "binary": {"B": b"\x00\xffbytes"},
    "strings": {"SS": ["a", "b"]},
    "numbers": {"NS": ["1", "2.5"]},
    "binaries": {"BS": [b"\x01", b"\x02"]},
    "flag": {"BOOL": False},
    "nothing": {"NULL": True},
    "list": {"L": [{"S": "x"}, {"N": "1"}, {"L": []}, {"M": {"deep": {"B": b"\x03"}}}]},
    "map": {"M": {"inner": {"M": {"n": {"N": "0"}, "l": {"L": [{"BOOL": True}]}}}, "e": {"M": {}}}},
}  # fmt: skip
RICH_KEY = {"sessionId": {"S": "s1"}, "itemId": {"S": "rich"}}


def answers(client: Any) -> list[Any]:
    """Every DynamoDB answer that carries attribute values, errors with items included."""
    out: list[Any] = []

    def call(operation: str, **kwargs: Any) -> None:
        try:
            answer = getattr(client, operation)(**kwargs)
        except ClientError as exc:
            answer = exc.response
        answer.pop("ResponseMetadata", None)
        out.append((operation, answer))

    call("put_item", TableName="batches", Item=RICH_ITEM, ReturnValues="ALL_OLD")
    call("put_item", TableName="batches", Item=RICH_ITEM, ReturnValues="ALL_OLD")
    call("get_item", TableName="batches", Key=RICH_KEY)
    call("query", TableName="batches", **QUERIES[0])
    call("scan", TableName="batches")
    call("batch_get_item", RequestItems={"batches": {"Keys": [RICH_KEY]}})
    call("transact_get_items", TransactItems=[{"Get": {"TableName": "batches", "Key": RICH_KEY}}])
    call(
        "update_item",
        TableName="batches",
        Key=RICH_KEY,
        UpdateExpression="SET #n = :n ADD strings :more",
        ExpressionAttributeNames={"#n": "number"},
        ExpressionAttributeValues={":n": {"N": "7"}, ":more": {"SS": ["c"]}},
        ReturnValues="ALL_NEW",
    )
    call(
        "put_item",
        TableName="batches",
        Item=RICH_KEY,
        ConditionExpression="attribute_not_exists(itemId)",
        ReturnValuesOnConditionCheckFailure="ALL_OLD",
    )
    call(
        "transact_write_items",
        TransactItems=[
            {
                "ConditionCheck": {
                    "TableName": "batches",
                    "Key": RICH_KEY,
                    "ConditionExpression": "attribute_not_exists(itemId)",
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            }
        ],
    )
    call("delete_item", TableName="batches", Key=RICH_KEY, ReturnValues="ALL_OLD")
    return out


def test_dynamodb_answers_are_moto_own(dynamodb: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    ours = answers(dynamodb)
    moto_own = JSONSerializer._serialize_type_structure.__wrapped__  # type: ignore[attr-defined]
    monkeypatch.setattr(JSONSerializer, "_serialize_type_structure", moto_own)
    assert ours == answers(dynamodb)
    assert ours[2][1]["Item"] == RICH_ITEM  # and what was stored comes back


def test_routing_and_dispatch_look_ups_are_made_once(
    dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed: list[str] = []
    real_listdir = os.listdir

    def listdir(path: str) -> list[str]:
        listed.append(path)
        return real_listdir(path)

    monkeypatch.setattr(os, "listdir", listdir)
    modules = moto.backends.list_of_moto_modules()
    assert modules == tuple(moto.backends.list_of_moto_modules.__wrapped__())  # type: ignore[attr-defined]
    del listed[:]
    assert "dynamodb" in moto.backends.list_of_moto_modules()
    assert listed == []
    names = moto.core.responses.method_names_from_class
    assert names(DynamoHandler) == tuple(names.__wrapped__(DynamoHandler))  # type: ignore[attr-defined]
    assert names(DynamoHandler) is names(DynamoHandler)
