"""One ingest commit (the telemetry handler's transaction: a conditional update of the batch's
ledger item and counters on the session) against moto's DynamoDB backend, with a ledger of
``LEDGER_ITEMS`` items (64 phones x 3 minutes is 2,300 batches): moto's own transaction,
which deep-copies both tables first, next to the local stack's journaled one
(``doorproof.local.moto_speedups``), measured in the same run. ``make bench``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import count
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.backends import get_backend
from moto.dynamodb.models import DynamoDBBackend

from doorproof.local.moto_speedups import speed_up_moto

LEDGER_ITEMS = 2_500
ACCOUNT, REGION = "123456789012", "us-east-1"
HASH = [{"AttributeName": "sessionId", "KeyType": "HASH"}]
RANGE = [{"AttributeName": "itemId", "KeyType": "RANGE"}]


def _attrs(*names: str) -> list[dict[str, str]]:
    return [{"AttributeName": name, "AttributeType": "S"} for name in names]


@pytest.fixture(scope="module")
def backend() -> Iterator[Any]:
    speed_up_moto()
    with mock_aws():
        client = boto3.client(
            "dynamodb", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
        )
        for name, schema, attrs in (
            ("sessions", HASH, _attrs("sessionId")),
            ("batches", HASH + RANGE, _attrs("sessionId", "itemId")),
        ):
            client.create_table(
                TableName=name,
                KeySchema=schema,
                AttributeDefinitions=attrs,
                BillingMode="PAY_PER_REQUEST",
            )
        dynamodb = get_backend("dynamodb")[ACCOUNT][REGION]
        dynamodb.put_item("sessions", {"sessionId": {"S": "s"}, "n": {"N": "0"}})
        for i in range(LEDGER_ITEMS):
            item = {"sessionId": {"S": f"s{i % 64}"}, "itemId": {"S": f"batch#{i}"}}
            dynamodb.put_item("batches", item | {"state": {"S": "accepted"}})
        yield dynamodb


def commit(backend: Any, transact: Callable[..., None]) -> Callable[[], None]:
    batches = count()

    def one() -> None:
        key = {"sessionId": {"S": "s"}, "itemId": {"S": f"new#{next(batches)}"}}
        backend.put_item("batches", key | {"state": {"S": "pending"}})
        transact(
            backend,
            [
                {"Update": {"TableName": "batches", "Key": key,
                            "UpdateExpression": "SET #s = :accepted",
                            "ConditionExpression": "#s = :pending",
                            "ExpressionAttributeNames": {"#s": "state"},
                            "ExpressionAttributeValues": {":accepted": {"S": "accepted"},
                                                          ":pending": {"S": "pending"}}}},
                {"Update": {"TableName": "sessions", "Key": {"sessionId": {"S": "s"}},
                            "UpdateExpression": "ADD n :one",
                            "ExpressionAttributeValues": {":one": {"N": "1"}}}},
            ],
        )  # fmt: skip

    return one


def test_commit_journaled(benchmark: Any, backend: Any) -> None:
    benchmark(commit(backend, DynamoDBBackend.transact_write_items))


def test_commit_moto_own_copy_of_the_tables(benchmark: Any, backend: Any) -> None:
    moto_own = DynamoDBBackend.transact_write_items.__wrapped__  # type: ignore[attr-defined]
    benchmark.pedantic(commit(backend, moto_own), rounds=20, iterations=1)
