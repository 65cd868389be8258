"""Putting records into Kinesis Firehose without losing any.

``PutRecordBatch`` can succeed for some records and fail for others (throttling); the failed
ones are retried with backoff. If some still fail, ``ServiceUnavailable`` makes the API answer
503, the SDK retries the batch, and the batch ledger (still ``pending``) lets it through again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from functions.core.config import names
from functions.core.domain import errors


def _chunks(records: Sequence[bytes]) -> Iterator[list[bytes]]:
    chunk: list[bytes] = []
    size = 0
    for record in records:
        if chunk and (
            len(chunk) == names.FIREHOSE_BATCH_LIMIT_RECORDS
            or size + len(record) > names.FIREHOSE_BATCH_LIMIT_BYTES
        ):
            yield chunk
            chunk, size = [], 0
        chunk.append(record)
        size += len(record)
    if chunk:
        yield chunk


class FirehoseSink:
    """``client`` is a boto3 Firehose client."""

    def __init__(
        self,
        client: Any,
        stream: str,
        *,
        attempts: int = 4,
        backoff_s: float = 0.05,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._stream = stream
        self._attempts = attempts
        self._backoff_s = backoff_s
        self._sleep = sleep

    def put(self, records: Sequence[bytes]) -> None:
        for chunk in _chunks(records):
            pending = chunk
            for attempt in range(self._attempts):
                response = self._client.put_record_batch(
                    DeliveryStreamName=self._stream, Records=[{"Data": r} for r in pending]
                )
                if not response.get("FailedPutCount"):
                    break
                pending = [
                    record
                    for record, result in zip(pending, response["RequestResponses"], strict=True)
                    if result.get("ErrorCode")
                ]
                self._sleep(self._backoff_s * 2**attempt)
            else:
                raise errors.ServiceUnavailable(
                    f"telemetry stream refused {len(pending)} record(s); retry the batch"
                )
