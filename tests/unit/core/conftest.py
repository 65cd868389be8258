"""A small world for the pipeline's unit tests: moto resources, sessions, accepted batches,
raw Firehose objects, a fake engine and a recording event bus.

One mocked account per test module rather than per test (``mocked_aws`` in the parent
conftest costs about a second a test, mostly boto3 building clients): every test makes its
own sessions, whose ids are random, so the tests cannot see each other's data. Not package
scope: this directory is no package, and the mock must end before other tests run.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Any

import boto3
import pytest

from functions.core.adapters.batch_ledger import BatchLedger
from functions.core.adapters.building_store import BuildingStore
from functions.core.adapters.chunk_store import ChunkStore
from functions.core.adapters.erased import ErasedMarkers
from functions.core.adapters.insights_store import InsightsStore
from functions.core.adapters.raw_objects import RawObjects
from functions.core.adapters.session_objects import SessionObjects
from functions.core.adapters.session_repository import SessionRepository
from functions.core.adapters.stored_parts import StoredParts
from functions.core.config import names
from functions.core.domain.principal import Principal
from functions.core.usecases.erase import SessionEraser
from functions.core.usecases.finalize import Finalizer, run_engine
from functions.core.usecases.ingest import batch_digest
from functions.core.usecases.pipeline import Pipeline
from functions.core.usecases.sessionize import SessionizedWriter
from functions.core.wire.models.sessions import StartSessionRequest
from functions.core.wire.records import encode_batch
from tests.unit.conftest import STAGE, MockAws, mocked_account
from tests.unit.core.usecases.fakes import FakeEngine, FakeEvents

CALLER = Principal("org_1", "prj_1", "sandbox", "secret", "key_1")
ADDRESS = {"line1": "Torstraße 1", "lat": 52.5290, "lng": 13.4010}
T0 = 1_790_000_000.0


def samples(start: float, n: int, rate_hz: float = 50.0) -> list[dict[str, Any]]:
    """``n`` wire samples from ``start`` with IMU and a slowly moving fix."""
    out = []
    for i in range(n):
        t = start + i / rate_hz
        out.append(
            {
                "ts": round(t, 4),
                "imu": {"accel": [0.1, 0.2, 9.8], "gyro": [0.0, 0.0, 0.01]},
                "position": {"lat": 52.5290 + i * 1e-6, "lng": 13.4010, "accuracyM": 5.0},
            }
        )
    return out


def encoded(
    session_id: str, batch: list[dict[str, Any]], tenant: str = CALLER.tenant
) -> list[bytes]:
    """The Firehose records ingest makes of an accepted batch."""
    return encode_batch(
        batch, session_id=session_id, tenant=tenant, batch_id=batch_digest(session_id, batch)
    )


@dataclass
class World:
    mock: MockAws
    engine: FakeEngine = field(default_factory=FakeEngine)
    bus: FakeEvents = field(default_factory=FakeEvents)
    clock_now: float = T0 + 3600

    @cached_property
    def s3(self) -> Any:
        return self.mock.session.client("s3")

    @property
    def bucket(self) -> str:
        return self.mock.resources.bucket

    def table(self, table: names.Table) -> Any:
        return _tables(self.mock.session, table.physical(STAGE))

    @property
    def sessions(self) -> SessionRepository:
        return SessionRepository(self.table(names.SESSIONS_TABLE))

    @property
    def chunks(self) -> ChunkStore:
        return ChunkStore(self.s3, self.bucket)

    @property
    def insights(self) -> InsightsStore:
        return InsightsStore(self.table(names.INSIGHTS_TABLE))

    def clock(self) -> float:
        return self.clock_now

    def finalizer(self, *, real_engine: bool = False, buildings: bool = False) -> Finalizer:
        """With the fake engine and no building memory, unless asked for the real ones."""
        return Finalizer(
            self.sessions,
            self.insights,
            self.chunks,
            self.bus,
            engine=run_engine if real_engine else self.engine,
            clock=self.clock,
            buildings=BuildingStore(self.table(names.BUILDINGS_TABLE)) if buildings else None,
        )

    def eraser(self, buildings: BuildingStore | None = None) -> SessionEraser:
        batches = self.table(names.BATCHES_TABLE)
        return SessionEraser(
            self.sessions,
            BatchLedger(batches, self.sessions),
            ErasedMarkers(batches),
            self.insights,
            SessionObjects(self.s3, self.bucket),
            buildings=buildings,
        )

    def pipeline(self) -> Pipeline:
        writer = SessionizedWriter(
            self.sessions,
            self.chunks,
            StoredParts(self.table(names.BATCHES_TABLE), self.sessions),
            clock=self.clock,
        )
        return Pipeline(RawObjects(self.s3), writer, self.finalizer())

    def start(self, created: float = T0, **fields: Any) -> str:
        request = StartSessionRequest.model_validate(
            {"deliveryId": "dlv_1", "sessionType": "drop", "address": ADDRESS, **fields}
        )
        return str(self.sessions.create(CALLER, request, created, 7200.0)["sessionId"])

    def accept(self, session_id: str, batch: list[dict[str, Any]]) -> list[bytes]:
        """What ingest does for an accepted batch: Firehose records, counts on the session."""
        records = encoded(session_id, batch)
        self.table(names.SESSIONS_TABLE).update_item(
            Key={"sessionId": session_id},
            UpdateExpression="ADD acceptedPartsTotal :p, acceptedSamplesTotal :n",
            ExpressionAttributeValues={":p": len(records), ":n": len(batch)},
        )
        return records

    def put_raw(self, key: str, records: list[bytes]) -> str:
        """Write a Firehose object; returns the S3 notification's message body."""
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=b"".join(records))
        return s3_message(self.bucket, key)

    def stop(self, session_id: str, now: float = T0 + 600) -> None:
        self.sessions.stop(CALLER.tenant, session_id, now, 900.0)

    def session(self, session_id: str) -> dict[str, Any]:
        item = self.sessions.find(session_id)
        assert item is not None
        return item


@cache
def _tables(session: boto3.Session, name: str) -> Any:
    return session.resource("dynamodb").Table(name)


def s3_message(bucket: str, key: str) -> str:
    return json.dumps(
        {
            "Records": [
                {
                    "eventSource": "aws:s3",
                    "eventName": "ObjectCreated:Put",
                    "s3": {
                        "bucket": {"name": bucket},
                        "object": {"key": urllib.parse.quote_plus(key)},
                    },
                }
            ]
        }
    )


@pytest.fixture(scope="module")
def account() -> Iterator[MockAws]:
    with mocked_account() as mocked:
        yield mocked


@pytest.fixture
def world(account: MockAws) -> World:
    return World(account)
