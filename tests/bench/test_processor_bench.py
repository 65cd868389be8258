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
- ``total``: the ten S3 messages and the stop's finalize message through ``Pipeline.handle``;
- ``own_cpu``: the same, as CPU time of our own code (the process's CPU time without the time
  inside AWS calls, which here is moto's and botocore's; chunks load one at a time, so one
  thing runs at any moment and each call's CPU time is its own), by stage, with every S3 and
  DynamoDB call counted, next to a floor measured in the same rounds (gunzip and ``json.loads``
  of every record: what any processor of these objects must do). Target: the whole session in
  at most ``OWN_CPU_TARGET_S``. This is the section of reports/bench.md.
S3 and DynamoDB are moto in-process, so the wall-time stages measure our code plus moto's, not
network latency. ``make bench`` writes every figure to reports/bench.json.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from functools import cache
from typing import Any

import pytest

from doorproof.scenarios import Scenario, build_shift
from functions.core.adapters import chunk_store
from functions.core.adapters.chunk_store import to_npz
from functions.core.adapters.raw_objects import RawObjects
from functions.core.usecases import pipeline as pipeline_module
from functions.core.usecases.finalize import run_engine
from functions.core.usecases.sessionize import split_by_session
from functions.core.wire.finalize_requests import finalize_body
from functions.engine.telemetry import Telemetry
from tests.bench.aws_calls import observed
from tests.unit.conftest import mocked_account
from tests.unit.core.conftest import World, s3_message

MINUTES = 10
BATCH_S = 5.0
OBJECT_S = 60.0
CPU_ROUNDS = 5
OWN_CPU_TARGET_S = 1.0
"""Issue 14 item 7: the session end to end in at most a second of our own CPU."""


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
    blobs = benchmark(lambda: [RawObjects(world.s3).read(world.bucket, k) for k in keys])
    benchmark.extra_info["objects"] = len(keys)
    benchmark.extra_info["bytes"] = sum(len(b) for b in blobs)


def test_decode(benchmark, world: World, stored) -> None:
    blobs = [RawObjects(world.s3).read(world.bucket, k) for k in stored[0].keys]
    slices = benchmark(lambda: [split_by_session(b) for b in blobs])
    samples = sum(len(s.telemetry()) for per_object in slices for s in per_object.values())
    assert samples == len(shift().samples)
    benchmark.extra_info["samples"] = samples


def test_write(benchmark, world: World, stored) -> None:
    keys = stored[0].keys
    pieces = [
        (key, next(iter(split_by_session(RawObjects(world.s3).read(world.bucket, key)).values())))
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
        next(iter(split_by_session(RawObjects(world.s3).read(world.bucket, k)).values()))
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


class OwnCpu:
    """The process's CPU time by stage, the time inside AWS calls taken out and the calls
    counted. Stages nest (the engine runs inside finalize): each keeps only its own time."""

    def __init__(self) -> None:
        self.own: defaultdict[str, float] = defaultdict(float)
        self.calls: dict[str, Counter[str]] = {}
        self._stack: list[str] = []

    def installed(self) -> AbstractContextManager[None]:
        return observed(self._call)

    def _call(
        self, service: str, operation: str, params: dict[str, Any], call: Callable[[], Any]
    ) -> Any:
        if self._stack:
            self.calls.setdefault(self._stack[-1], Counter())[f"{service}.{operation}"] += 1
        started = time.process_time()
        try:
            return call()
        finally:
            if self._stack:
                self.own[self._stack[-1]] -= time.process_time() - started

    def stage(self, name: str, work: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            self._stack.append(name)
            started = time.process_time()
            try:
                return work(*args, **kwargs)
            finally:
                spent = time.process_time() - started
                self._stack.pop()
                self.own[name] += spent
                if self._stack:
                    self.own[self._stack[-1]] -= spent

        return timed


def records_floor(blobs: list[bytes]) -> float:
    """CPU seconds to gunzip the objects and ``json.loads`` every record: the floor."""
    started = time.process_time()
    for blob in blobs:
        for line in gzip.decompress(blob).splitlines():
            json.loads(line)
    return time.process_time() - started


def test_own_cpu(benchmark, world: World, report_section, monkeypatch) -> None:
    # One chunk GET at a time: the CPU time an AWS call takes is then that call's alone.
    monkeypatch.setattr(chunk_store, "LOAD_THREADS", 1)
    rounds: list[OwnCpu] = []
    floors: list[float] = []

    def fresh_upload() -> tuple[tuple[Any, ...], dict[str, Any]]:
        uploaded = upload(world)
        world.stop(uploaded.session_id, now=shift().ended_at)
        blobs = [
            world.s3.get_object(Bucket=world.bucket, Key=k)["Body"].read() for k in uploaded.keys
        ]
        floors.append(records_floor(blobs))
        return (uploaded,), {}

    def process(uploaded: Uploaded) -> None:
        meter = OwnCpu()
        pipeline = world.pipeline()
        finalizer = pipeline._finalizer
        finalizer._engine = meter.stage("engine", run_engine)
        finalizer.finalize = meter.stage("finalize", finalizer.finalize)  # type: ignore[method-assign]
        writer = pipeline._writer
        writer.store = meter.stage("write", writer.store)  # type: ignore[method-assign]
        objects = pipeline._objects
        objects.read = meter.stage("read", objects.read)  # type: ignore[method-assign]
        monkeypatch.setattr(
            pipeline_module, "split_by_session", meter.stage("decode", split_by_session)
        )
        handle = meter.stage("other", pipeline.handle)
        with meter.installed():
            for body in uploaded.bodies:
                handle(body, 1)
            handle(finalize_body(uploaded.session_id, "stopped"), 1)
        assert world.session(uploaded.session_id)["insightsVersion"] == 1
        rounds.append(meter)

    benchmark.pedantic(process, setup=fresh_upload, rounds=CPU_ROUNDS, iterations=1)
    stages = ("read", "decode", "write", "finalize", "engine", "other")
    medians = {s: statistics.median(r.own[s] for r in rounds) for s in stages}
    total = statistics.median(sum(r.own.values()) for r in rounds)
    floor = statistics.median(floors)
    calls = rounds[-1].calls  # every round makes the same calls
    benchmark.extra_info.update(
        own_cpu_s=round(total, 4),
        floor_s=round(floor, 4),
        ratio_to_floor=round(total / floor, 2),
        **{f"{s}_own_cpu_s": round(v, 4) for s, v in medians.items()},
    )
    report_section("processor", own_cpu_report(medians, total, floor, calls))
    assert total <= OWN_CPU_TARGET_S, f"{total:.3f} s of our own CPU for the session"


def own_cpu_report(
    medians: dict[str, float], total: float, floor: float, calls: dict[str, Counter[str]]
) -> str:
    what = {
        "read": "GET + gunzip of the objects",
        "decode": "parse, group by session, decode to columns",
        "write": "session look-up, npz chunk PUT, stored-part ledger",
        "finalize": "load and merge the chunks, path image, commit, event (engine apart)",
        "engine": "`compute_insights` on the merged session",
        "other": "message parsing, logging, metrics",
    }

    def counted(stage: str) -> str:
        return ", ".join(f"{op} {n}" for op, n in sorted(calls.get(stage, {}).items())) or "-"

    rows = [
        f"| {stage} | {what[stage]} | {seconds * 1000:.0f} ms | {counted(stage)} |"
        for stage, seconds in medians.items()
    ]
    sample_count = len(shift().samples)
    return "\n".join(
        [
            f"## Processor: a {MINUTES}-minute, 50 Hz session ({sample_count:,} samples)",
            "",
            "`make bench` (or `.venv/bin/python -m pytest -q "
            "tests/bench/test_processor_bench.py --benchmark-only`), `test_own_cpu`: the "
            f"session's {MINUTES} one-minute Firehose objects and its stop's finalize message "
            "through the processor's `Pipeline`, on moto in-process (the event bus a recording "
            "fake). Our own CPU: the process's CPU time without the time inside AWS calls "
            "(moto's and botocore's), "
            f"medians of {CPU_ROUNDS} rounds; the floor, measured in the same rounds, is "
            "gunzip + `json.loads` of every record.",
            "",
            "| stage | what | our CPU (median) | AWS calls |",
            "| --- | --- | ---: | --- |",
            *rows,
            f"| **total** | target ≤ {OWN_CPU_TARGET_S:g} s | **{total * 1000:.0f} ms** | |",
            f"| floor | gunzip + `json.loads` of the records | {floor * 1000:.0f} ms | |",
            f"| ratio | total / floor | {total / floor:.2f}x | |",
        ]
    )
