"""Processor time for a 10-minute, 50 Hz session (30,000 samples), stage by stage.

The session is the simulator's courier shift (``build_shift(10)``), uploaded as the SDK does
(5 s batches) and written by "Firehose" as ten gzipped one-minute objects, the shape a 60 s
buffer gives. Stages, each its own benchmark so each has its own statistics:
- ``read``: GET the ten objects and gunzip them;
- ``decode``: parse the records, group by session, decode to columns, merge per object;
- ``write``: per object, the npz chunk PUT and the stored-part ledger transaction
  (``write_chunk_encoding_only``: the CPU part of it, without moto);
- ``engine``: ``compute_insights`` on the merged session;
- ``finalize_without_engine``: the rest of finalization (chunks loaded and merged, path
  image, transactional commit, event);
- ``total``: the ten S3 messages and the stop's finalize message through ``Pipeline.handle``.
S3 and DynamoDB are moto in-process, so the I/O stages measure our code plus moto's, not
network latency. ``make bench`` writes every figure to reports/bench.json.
"""

from __future__ import annotations

import dataclasses
import gzip
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest

from doorproof.scenarios import Scenario, build_shift
from functions.core.chunk_store import to_npz
from functions.core.finalize import run_engine
from functions.core.processing_queue import finalize_body
from functions.core.sessionize import read_object, split_by_session
from functions.engine.telemetry import Telemetry
from tests.unit.conftest import mocked_account
from tests.unit.processing.conftest import World, s3_message

MINUTES = 10
BATCH_S = 5.0
OBJECT_S = 60.0


@dataclasses.dataclass(frozen=True)
class Uploaded:
    session_id: str
    keys: list[str]
    bodies: list[str]


@cache
def shift() -> Scenario:
    return build_shift(MINUTES, rate_hz=50.0)


def upload(world: World) -> Uploaded:
    """A new session with the shift accepted and written as gzipped one-minute objects."""
    sc = shift()
    fields = {k: v for k, v in sc.start_request.items() if k != "deliveryId"}
    session_id = world.start(created=sc.started_at, **fields)
    objects: dict[int, list[bytes]] = {}
    for batch in sc.batches(BATCH_S):
        minute = int((batch[0]["ts"] - sc.started_at) // OBJECT_S)
        objects.setdefault(minute, []).extend(world.accept(session_id, batch))
    keys = []
    for minute, records in sorted(objects.items()):
        key = f"raw/bench/{session_id}/{minute:03d}.gz"
        world.s3.put_object(Bucket=world.bucket, Key=key, Body=gzip.compress(b"".join(records)))
        keys.append(key)
    return Uploaded(session_id, keys, [s3_message(world.bucket, k) for k in keys])


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with mocked_account() as account:
        bench_world = World(account)
        bench_world.engine = run_engine  # type: ignore[assignment]
        bench_world.clock_now = shift().ended_at + 1
        yield bench_world


@pytest.fixture(scope="module")
def stored(world: World) -> tuple[Uploaded, Telemetry]:
    """The shift uploaded and processed into chunks (not stopped: nothing finalized)."""
    uploaded = upload(world)
    pipeline = world.pipeline()
    for body in uploaded.bodies:
        pipeline.handle(body, 1)
    return uploaded, world.chunks.load(uploaded.session_id)


def test_read(benchmark, world: World, stored) -> None:
    keys = stored[0].keys
    blobs = benchmark(lambda: [read_object(world.s3, world.bucket, k) for k in keys])
    benchmark.extra_info["objects"] = len(keys)
    benchmark.extra_info["bytes"] = sum(len(b) for b in blobs)


def test_decode(benchmark, world: World, stored) -> None:
    blobs = [read_object(world.s3, world.bucket, k) for k in stored[0].keys]
    slices = benchmark(lambda: [split_by_session(b) for b in blobs])
    samples = sum(len(s.telemetry()) for per_object in slices for s in per_object.values())
    assert samples == len(shift().samples)
    benchmark.extra_info["samples"] = samples


def test_write(benchmark, world: World, stored) -> None:
    keys = stored[0].keys
    pieces = [
        (key, next(iter(split_by_session(read_object(world.s3, world.bucket, key)).values())))
        for key in keys
    ]
    writer = world.pipeline()._writer

    def fresh_session() -> tuple[tuple[Any, ...], dict[str, Any]]:
        return (world.start(),), {}

    def write(session_id: str) -> None:
        for key, piece in pieces:
            assert writer.store(key, session_id, piece) is not None

    benchmark.pedantic(write, setup=fresh_session, rounds=5, iterations=1)
    benchmark.extra_info["chunks"] = len(pieces)
    benchmark.extra_info["parts"] = sum(len(p.headers) for _, p in pieces)


def test_write_chunk_encoding_only(benchmark, world: World, stored) -> None:
    """The CPU part of ``write``: merging each object's records and deflating the npz."""
    slices = [
        next(iter(split_by_session(read_object(world.s3, world.bucket, k)).values()))
        for k in stored[0].keys
    ]
    sizes = benchmark(lambda: [len(to_npz(piece.telemetry())) for piece in slices])
    benchmark.extra_info["npz_bytes"] = sum(sizes)


def test_engine(benchmark, world: World, stored) -> None:
    uploaded, telemetry = stored
    session = world.session(uploaded.session_id)
    document = benchmark.pedantic(
        run_engine, args=(telemetry, session, "stopped"), rounds=5, iterations=1
    )
    assert len(telemetry) == len(shift().samples)
    assert document["summary"]["totalDurationSec"] == pytest.approx(MINUTES * 60, abs=2)
    benchmark.extra_info["samples"] = len(telemetry)


def test_finalize_without_engine(benchmark, world: World, stored) -> None:
    uploaded, telemetry = stored
    document = run_engine(telemetry, world.session(uploaded.session_id), "stopped")
    world.stop(uploaded.session_id, now=shift().ended_at)
    finalizer = world.finalizer()
    finalizer._engine = lambda *_: dict(document)
    outcome = benchmark.pedantic(
        finalizer.finalize, args=(uploaded.session_id, "reprocess"), rounds=5, iterations=1
    )
    assert outcome.version is not None
    stored_document = world.insights.get(uploaded.session_id)
    assert stored_document is not None and stored_document["pathImageKey"]


def test_total(benchmark, world: World) -> None:
    def fresh_upload() -> tuple[tuple[Any, ...], dict[str, Any]]:
        uploaded = upload(world)
        world.stop(uploaded.session_id, now=shift().ended_at)
        return (uploaded,), {}

    def process(uploaded: Uploaded) -> None:
        pipeline = world.pipeline()
        for body in uploaded.bodies:
            pipeline.handle(body, 1)
        pipeline.handle(finalize_body(uploaded.session_id, "stopped"), 1)
        assert world.session(uploaded.session_id)["insightsVersion"] == 1

    benchmark.pedantic(process, setup=fresh_upload, rounds=3, iterations=1)
    benchmark.extra_info["samples"] = len(shift().samples)
