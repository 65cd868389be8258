"""What AWS deletes by itself and moto never does: DynamoDB TTL and the bucket's lifecycle.

``ExpiryTimer`` runs every ``interval_s``: it deletes the items of every table with a TTL
attribute (``names.TABLES``) whose TTL has passed, as DynamoDB's TTL does (within days there,
within ``interval_s`` here), and the raw Firehose objects older than
``names.RAW_OBJECT_EXPIRY_DAYS``, as the ``raw`` lifecycle rule does. Without it the local
stack's memory only grows. Nothing may depend on the timing (docs/local.md).
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Attr

from functions.core.config import names

log = logging.getLogger("local.expiry")


class ExpiryTimer(threading.Thread):
    """``session`` is a boto3 session on the stack's moto."""

    def __init__(self, session: Any, *, stage: str, bucket: str, interval_s: float) -> None:
        super().__init__(name="doorproof-expiry", daemon=True)
        self._dynamodb = session.resource("dynamodb")
        self._s3 = session.client("s3")
        self._stage, self._bucket, self._interval_s = stage, bucket, interval_s
        self._stop_event = threading.Event()

    def stop(self) -> None:
        self._stop_event.set()

    def run(self) -> None:
        while not self._stop_event.wait(self._interval_s):
            try:
                self.expire_once()
            except Exception:
                if self._stop_event.is_set():
                    return
                log.exception("expiring TTL items and raw objects failed")

    def expire_once(self, now: float | None = None) -> int:
        """Delete what has expired by ``now``; returns how many items and objects went."""
        now = time.time() if now is None else now
        return self._expire_items(now) + self._expire_raw(now)

    def _expire_items(self, now: float) -> int:
        deleted = 0
        for spec in names.TABLES:
            if spec.ttl_attribute is None:
                continue
            table = self._dynamodb.Table(spec.physical(self._stage))
            keys = [spec.partition_key] + ([spec.sort_key] if spec.sort_key else [])
            kwargs: dict[str, Any] = {
                "FilterExpression": Attr(spec.ttl_attribute).lt(int(now)),
                "ProjectionExpression": ", ".join(f"#k{i}" for i in range(len(keys))),
                "ExpressionAttributeNames": {f"#k{i}": k for i, k in enumerate(keys)},
            }
            with table.batch_writer() as writer:
                while True:
                    page = table.scan(**kwargs)
                    for item in page["Items"]:
                        writer.delete_item(Key={k: item[k] for k in keys})
                        deleted += 1
                    if "LastEvaluatedKey" not in page:
                        break
                    kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return deleted

    def _expire_raw(self, now: float) -> int:
        cutoff = datetime.fromtimestamp(now, UTC) - timedelta(days=names.RAW_OBJECT_EXPIRY_DAYS)
        # Versions are listed only when something expired: moto's list_object_versions
        # deep-copies every object in the bucket, contents included (10 % of the stack's CPU
        # under load, listed every minute); listing current objects copies nothing.
        current = self._s3.get_paginator("list_objects_v2")
        if not any(
            item["LastModified"] < cutoff
            for page in current.paginate(Bucket=self._bucket, Prefix=names.RAW_PREFIX)
            for item in page.get("Contents", [])
        ):
            return 0
        paginator = self._s3.get_paginator("list_object_versions")
        old = [
            {"Key": v["Key"], "VersionId": v["VersionId"]}
            for page in paginator.paginate(Bucket=self._bucket, Prefix=names.RAW_PREFIX)
            for v in page.get("Versions", [])
            if v["LastModified"] < cutoff
        ]
        for start in range(0, len(old), 1000):
            self._s3.delete_objects(
                Bucket=self._bucket, Delete={"Objects": old[start : start + 1000], "Quiet": True}
            )
        return len(old)
