"""The local stack expires what AWS would: DynamoDB TTL items and raw objects past the
bucket's lifecycle, and nothing else."""

from __future__ import annotations

import time

from doorproof.local.expiry import ExpiryTimer
from functions.core.config import names
from tests.unit.conftest import STAGE


def test_ttl_items_and_old_raw_objects_go_and_nothing_else(mocked_aws) -> None:
    now = time.time()
    batches = mocked_aws.table(names.BATCHES_TABLE)
    for item_id, expires in (("batch#old", now - 1), ("batch#new", now + 3600)):
        batches.put_item(Item={"sessionId": "s", "itemId": item_id, "expiresAt": int(expires)})
    batches.put_item(Item={"sessionId": "s", "itemId": "part#kept"})  # no TTL attribute
    idempotency = mocked_aws.table(names.IDEMPOTENCY_TABLE)
    idempotency.put_item(Item={"id": "old", "expiration": int(now - 1)})
    sessions = mocked_aws.table(names.SESSIONS_TABLE)
    sessions.put_item(Item={"sessionId": "s", "expiresAt": int(now - 1)})  # no TTL on sessions
    s3 = mocked_aws.session.client("s3")
    bucket = mocked_aws.resources.bucket
    s3.put_object(Bucket=bucket, Key="raw/2026/old", Body=b"x")
    s3.put_object(Bucket=bucket, Key="sessions/s/chunks/c.npz", Body=b"x")
    timer = ExpiryTimer(mocked_aws.session, stage=STAGE, bucket=bucket, interval_s=60)

    assert timer.expire_once(now) == 2  # the raw object is not a week old yet
    later = now + (names.RAW_OBJECT_EXPIRY_DAYS + 1) * 86400
    assert timer.expire_once(later) == 2  # the raw object, and batch#new by then

    left = {i["itemId"] for i in batches.scan()["Items"]}
    assert left == {"part#kept"}
    assert idempotency.scan()["Items"] == []
    assert sessions.get_item(Key={"sessionId": "s"}).get("Item") is not None
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert keys == ["sessions/s/chunks/c.npz"]
