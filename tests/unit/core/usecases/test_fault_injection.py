"""Faults at every adapter between the phone and the insights, and still every sample is
counted exactly once: Firehose throttling and partial failures, DynamoDB throttles and a crash
between ingest's writes, S3 5xx in the processor, a crash between a chunk and its ledger
entry, SQS delivering every message twice. Real moto (in-process), fake faults, a retrying
phone (it resends a batch until it gets a 2xx, as the SDK does for a 5xx)."""

from __future__ import annotations

import random
from typing import Any

from botocore.exceptions import ClientError

from functions.core.adapters.batch_ledger import BatchLedger
from functions.core.adapters.firehose_sink import FirehoseSink
from functions.core.adapters.raw_objects import RawObjects
from functions.core.adapters.stored_parts import StoredParts
from functions.core.config import names
from functions.core.domain import errors
from functions.core.usecases.ingest import TelemetryIngest
from functions.core.usecases.pipeline import Pipeline
from functions.core.usecases.sessionize import SessionizedWriter
from functions.core.wire.models.telemetry import TelemetryBatch
from tests.unit.core.conftest import CALLER, T0, s3_message, samples


def throttled(operation: str) -> ClientError:
    return ClientError(
        {"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, operation
    )


class Faults:
    """Decides, with a fixed seed, which calls fail."""

    def __init__(self, rate: float, seed: int = 7) -> None:
        self.rate = rate
        self.rng = random.Random(seed)
        self.injected = 0

    def strike(self) -> bool:
        hit = self.rng.random() < self.rate
        self.injected += int(hit)
        return hit


class FlakyFirehose:
    """Throttles whole calls, or fails some records of a call (``FailedPutCount``)."""

    def __init__(self, inner: Any, faults: Faults) -> None:
        self.inner, self.faults = inner, faults

    def put_record_batch(self, **kwargs: Any) -> dict[str, Any]:
        if self.faults.strike():
            raise throttled("PutRecordBatch")
        if self.faults.strike():
            records = kwargs["Records"]
            keep = records[: len(records) // 2]
            if keep:
                self.inner.put_record_batch(**{**kwargs, "Records": keep})
            failed = [{"ErrorCode": "ServiceUnavailableException"}] * (len(records) - len(keep))
            return {"FailedPutCount": len(failed), "RequestResponses": [{}] * len(keep) + failed}
        return self.inner.put_record_batch(**kwargs)


class FlakyLedger(BatchLedger):
    """DynamoDB throttles the claim or the commit; or the process dies between Firehose and
    the commit (the commit never happens: the same as an exception after the put)."""

    def __init__(self, inner: BatchLedger, faults: Faults) -> None:
        self.__dict__.update(inner.__dict__)
        self.faults = faults

    def claim(self, *args: Any, **kwargs: Any) -> bool:
        if self.faults.strike():
            raise throttled("PutItem")
        return super().claim(*args, **kwargs)

    def commit(self, *args: Any, **kwargs: Any) -> bool:
        if self.faults.strike():
            raise throttled("TransactWriteItems")
        return super().commit(*args, **kwargs)


class FlakyS3:
    """S3 answers 500 to some reads of raw objects and some chunk writes (only those: they
    happen in order, so the fixed seed gives the same faults every run)."""

    def __init__(self, inner: Any, faults: Faults) -> None:
        self.inner, self.faults = inner, faults

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.inner, name)
        if name not in ("get_object", "put_object"):
            return method

        def flaky(**kwargs: Any) -> Any:
            key = str(kwargs.get("Key", ""))
            struck = key.startswith(names.RAW_PREFIX) or "/chunks/" in key
            if struck and self.faults.strike():
                raise ClientError({"Error": {"Code": "InternalError", "Message": "500"}}, name)
            return method(**kwargs)

        return flaky


class CrashingParts(StoredParts):
    """The processor dies between a chunk PUT and the ledger transaction now and then."""

    def __init__(self, inner: StoredParts, faults: Faults) -> None:
        self.__dict__.update(inner.__dict__)
        self.faults = faults

    def record(self, *args: Any, **kwargs: Any) -> Any:
        if self.faults.strike():
            raise RuntimeError("killed between the chunk and its ledger entry")
        return super().record(*args, **kwargs)


def send_until_accepted(ingest: TelemetryIngest, batch: TelemetryBatch) -> int:
    """The phone: resend on any 5xx (or a dropped connection) until a 2xx; returns tries."""
    for attempt in range(1, 200):
        try:
            ingest.ingest(CALLER, batch)
        except (ClientError, errors.ServiceUnavailable):
            continue
        return attempt
    raise AssertionError("never accepted")


def test_every_sample_is_counted_once_through_faults_everywhere(world) -> None:
    sid = world.start()
    faults = Faults(rate=0.25)
    stream = world.mock.settings.telemetry_stream
    ingest = TelemetryIngest(
        world.sessions,
        FlakyLedger(BatchLedger(world.table(names.BATCHES_TABLE), world.sessions), faults),
        FirehoseSink(
            FlakyFirehose(world.mock.session.client("firehose"), faults),
            stream,
            sleep=lambda _s: None,
        ),
        clock=lambda: T0 + 600,
    )
    unique: set[float] = set()
    tries = 0
    for n in range(12):
        batch = samples(T0 + 5 * n, 250)
        unique |= {s["ts"] for s in batch}
        for _ in range(2 if n % 3 == 0 else 1):  # every third batch's answer was lost: resent
            tries += send_until_accepted(ingest, TelemetryBatch(sessionId=sid, events=batch))
    assert faults.injected > 5 and tries > 12

    processing_faults = Faults(rate=0.1, seed=11)
    pipeline = Pipeline(
        RawObjects(FlakyS3(world.s3, processing_faults)),
        SessionizedWriter(
            world.sessions,
            world.chunks.__class__(FlakyS3(world.s3, processing_faults), world.bucket),
            CrashingParts(
                StoredParts(world.table(names.BATCHES_TABLE), world.sessions), processing_faults
            ),
            clock=world.clock,
        ),
        world.finalizer(),
    )
    raw = [
        o["Key"]
        for o in world.s3.list_objects_v2(Bucket=world.bucket, Prefix=names.RAW_PREFIX)["Contents"]
    ]
    world.stop(sid)
    for key in raw:
        for _delivery in (1, 2):  # SQS delivers every message twice
            receive = 1
            while True:  # a failed message comes back after the visibility timeout
                try:
                    pipeline.handle(s3_message(world.bucket, key), receive)
                    break
                except Exception:
                    receive += 1
                    assert receive < names.QUEUE_MAX_RECEIVES, "would have been dead-lettered"
    assert processing_faults.injected > 3

    session = world.session(sid)
    assert session["acceptedSamplesTotal"] == len(unique) == 12 * 250
    assert session["storedSamplesTotal"] == len(unique)
    assert session["storedPartsTotal"] == session["acceptedPartsTotal"]
    assert len(world.chunks.load(sid).columns()["t"]) == len(unique)
    assert world.insights.get(sid)["status"] == "ready"
