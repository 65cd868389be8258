"""What 1,000 ten-minute deliveries cost at AWS list prices, from one delivery measured end to
end; its section of reports/bench.md (``make bench``).

One 10-minute, 50 Hz delivery (the simulator's courier shift) goes through the real handlers
as the local stack runs them (front door, authorizer, sessions, telemetry; moto in-process):
a start, one upload per ``BATCH_S`` and a stop. Every AWS call the functions make is counted
(service, operation, items written), every Lambda invocation timed and every byte they log
measured. The records the telemetry function handed to Firehose are then written as the
delivery stream would, one object per ``infra.ingest.BUFFER_INTERVAL_S`` of upload time, and
the real processor handler takes the S3 notifications and the stop's finalize message from
SQS, counted the same way.

Costs are those counts times the list prices below (us-east-1, on-demand, no free tier).
What is estimated rather than counted, each said again in the report: DynamoDB capacity
units (1 per item written, 2 in a transaction, 1 per read call; our items are under 1 KB),
Lambda durations (our own code's time measured here on a shared CPU, plus a typical AWS
latency per call, ``AWS_LATENCY_S``, in place of moto's in-process time), the
platform's own log lines (``PLATFORM_LOG_BYTES`` per invocation), X-Ray traces (Lambda's
default sampling, ``XRAY_SAMPLED`` of invocations) and the fleet (``CONCURRENT``
deliveries share each Firehose object, its notification and its processing message).
"""

from __future__ import annotations

import gzip
import importlib
import io
import json
import math
import time
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack, redirect_stdout
from dataclasses import dataclass, field
from typing import Any

from doorproof.local.apigw_events import Api, Request, Response
from doorproof.local.frontdoor import FrontDoor
from doorproof.local.lambda_context import context_for
from doorproof.local.lambdas import Lambdas
from doorproof.scenarios import build_shift
from functions.core.adapters.keys import KeyStore
from functions.core.config import names
from infra.ingest import BUFFER_INTERVAL_S
from tests.bench.aws_calls import observed
from tests.unit.conftest import STAGE, mocked_account
from tests.unit.core.conftest import s3_message

MINUTES = 10
BATCH_S = 5.0
CONCURRENT = 100
"""Deliveries recording at the same time: they share Firehose objects and their processing."""
DELIVERIES = 1000
PLATFORM_LOG_BYTES = 350
"""Lambda's own START/END/REPORT lines per invocation (JSON log format), not measured here."""
XRAY_SAMPLED = 0.05
"""Lambda active tracing samples the first request each second and 5 % of the rest."""
AWS_LATENCY_S = {"dynamodb": 0.006, "s3": 0.02, "firehose": 0.02, "sqs": 0.01, "events": 0.01}
"""What a call costs a Lambda in AWS, in place of the time moto took in-process (typical
in-region latencies, not measured here)."""

PRICES = {
    "api_request": 1.00 / 1e6,  # HTTP API, first 300 M requests a month, per 512 KB
    "lambda_gb_s": 0.0000133334,  # arm64
    "lambda_request": 0.20 / 1e6,
    "dynamodb_wru": 0.625 / 1e6,  # on-demand
    "dynamodb_rru": 0.125 / 1e6,
    "firehose_gb": 0.029,  # Direct PUT, first 500 TB, records rounded up to 5 KB
    "s3_put": 0.005 / 1000,  # PUT, COPY, POST, LIST
    "s3_get": 0.0004 / 1000,  # GET, HEAD
    "sqs_request": 0.40 / 1e6,  # standard queue, per 64 KB
    "eventbridge_event": 1.00 / 1e6,
    "logs_gb": 0.50,  # CloudWatch Logs ingestion
    "xray_trace": 5.00 / 1e6,
}
"""AWS list prices, us-east-1, checked 2026-11 (without free tiers)."""

S3_PUT_OPS = {"PutObject", "ListObjectsV2", "CopyObject", "CreateMultipartUpload"}
S3_GET_OPS = {"GetObject", "HeadObject"}
DYNAMODB_READS = {"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"}


@dataclass
class Usage:
    """What one phase (per upload, per object, per delivery) made the functions do."""

    calls: Counter[tuple[str, str]] = field(default_factory=Counter)
    wru: float = 0.0
    rru: float = 0.0
    firehose_billed_bytes: int = 0
    firehose_gzip_billed_bytes: int = 0
    """What Firehose would bill if the telemetry function gzipped each record (level 6)."""
    events: int = 0
    invocations: Counter[str] = field(default_factory=Counter)
    gb_s: float = 0.0
    log_bytes: int = 0

    def add_call(self, service: str, operation: str, params: dict[str, Any]) -> None:
        self.calls[(service, operation)] += 1
        if service == "dynamodb":
            if operation in ("PutItem", "UpdateItem", "DeleteItem"):
                self.wru += 1
            elif operation == "TransactWriteItems":
                self.wru += 2 * len(params.get("TransactItems", []))
            elif operation == "BatchWriteItem":
                self.wru += sum(len(v) for v in params.get("RequestItems", {}).values())
            elif operation in DYNAMODB_READS:
                self.rru += 2 if operation == "TransactGetItems" else 1
        elif service == "firehose" and operation == "PutRecordBatch":
            for record in params.get("Records", []):
                self.firehose_billed_bytes += _billed(len(record["Data"]))
                self.firehose_gzip_billed_bytes += _billed(
                    len(gzip.compress(record["Data"], compresslevel=6))
                )
        elif service == "events" and operation == "PutEvents":
            self.events += len(params.get("Entries", []))

    def cost(self, memory_scale: float = 1.0, gzip_records: bool = False) -> dict[str, float]:
        """Dollars by service for this usage."""
        firehose_bytes = (
            self.firehose_gzip_billed_bytes if gzip_records else self.firehose_billed_bytes
        )
        s3_puts = sum(n for (s, op), n in self.calls.items() if s == "s3" and op in S3_PUT_OPS)
        s3_gets = sum(n for (s, op), n in self.calls.items() if s == "s3" and op in S3_GET_OPS)
        sqs = sum(n for (s, _), n in self.calls.items() if s == "sqs")
        invocations = sum(self.invocations.values())
        return {
            "API Gateway": self.invocations["http_request"] * PRICES["api_request"],
            "Lambda": (self.gb_s * memory_scale) * PRICES["lambda_gb_s"]
            + (invocations - self.invocations["http_request"]) * PRICES["lambda_request"],
            "DynamoDB": self.wru * PRICES["dynamodb_wru"] + self.rru * PRICES["dynamodb_rru"],
            "Firehose": firehose_bytes / 1e9 * PRICES["firehose_gb"],
            "S3": s3_puts * PRICES["s3_put"] + s3_gets * PRICES["s3_get"],
            "SQS": sqs * PRICES["sqs_request"],
            "EventBridge": self.events * PRICES["eventbridge_event"],
            "CloudWatch (logs, X-Ray)": self.log_bytes / 1e9 * PRICES["logs_gb"]
            + (invocations - self.invocations["http_request"])
            * XRAY_SAMPLED
            * PRICES["xray_trace"],
        }


def _billed(record_bytes: int) -> int:
    """Firehose Direct PUT bills each record rounded up to 5 KB."""
    return math.ceil(record_bytes / 5120) * 5120


class Meter:
    """Counts the AWS calls of whatever runs inside ``phase`` (and only that)."""

    def __init__(self) -> None:
        self.current: Usage | None = None
        self.aws_s = 0.0
        """Time spent in AWS calls by the invocation running now (moto's, in-process)."""
        self.aws_latency_s = 0.0
        """What those calls would take in AWS (``AWS_LATENCY_S``)."""

    def installed(self) -> AbstractContextManager[None]:
        return observed(self._call)

    def _call(
        self, service: str, operation: str, params: dict[str, Any], call: Callable[[], Any]
    ) -> Any:
        if self.current is None:
            return call()
        self.current.add_call(service, operation, params)
        started = time.perf_counter()
        try:
            return call()
        finally:
            self.aws_s += time.perf_counter() - started
            self.aws_latency_s += AWS_LATENCY_S.get(service, 0.01)

    def timed(self, key: str, handler: Callable[..., Any]) -> Callable[..., Any]:
        """``handler`` billed to the current usage: invocation, GB-seconds, log bytes."""
        memory_gb = names.FUNCTIONS[key].memory_mb / 1024

        def invoke(event: Any, context: Any) -> Any:
            out = io.StringIO()
            self.aws_s = self.aws_latency_s = 0.0  # invocations run one after another
            started = time.perf_counter()
            with redirect_stdout(out):
                result = handler(event, context)
            own_s = time.perf_counter() - started - self.aws_s
            billed_ms = math.ceil((own_s + self.aws_latency_s) * 1000)
            if self.current is not None:
                self.current.invocations[key] += 1
                self.current.gb_s += memory_gb * billed_ms / 1000
                self.current.log_bytes += len(out.getvalue().encode()) + PLATFORM_LOG_BYTES
            return result

        return invoke


def _handler(key: str) -> Callable[..., Any]:
    module, attr = names.FUNCTIONS[key].handler.rsplit(".", 1)
    handler: Callable[..., Any] = getattr(importlib.import_module(module), attr)
    return handler


def _request(method: str, path: str, key: str, body: bytes = b"") -> Request:
    headers = [("desmo-key", key), ("content-type", "application/json")]
    if body:
        headers.append(("content-encoding", "gzip"))
    return Request(method, path, headers, body, source_ip="127.0.0.1", server_port=443)


def _sqs_event(bodies: list[str]) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"m{i}",
                "receiptHandle": f"r{i}",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:processing",
                "awsRegion": "us-east-1",
            }
            for i, body in enumerate(bodies)
        ]
    }


@dataclass
class Measured:
    per_upload: Usage
    per_object: Usage
    per_delivery: Usage
    uploads: int
    objects: int


def measure_one_delivery() -> Measured:
    """One delivery through the functions; usage split by what drives it."""
    meter = Meter()
    per_upload, per_object, per_delivery = Usage(), Usage(), Usage()
    shift = build_shift(MINUTES, rate_hz=50.0, start_ts=time.time() - MINUTES * 60 - 5)
    with ExitStack() as exits:
        account = exits.enter_context(mocked_account())
        exits.enter_context(meter.installed())
        keys = KeyStore(
            account.session.resource("dynamodb").Table(names.KEYS_TABLE.physical(STAGE))
        )
        issued = {
            kind: keys.create(
                organization_id="org_cost", project_id="p", environment="sandbox", kind=kind
            ).key
            for kind in ("publishable", "secret")
        }
        handlers = {key: meter.timed(key, _handler(key)) for key in names.FUNCTIONS}
        lambdas = Lambdas(
            stage=STAGE, region="us-east-1", account="123456789012", overrides=handlers
        )
        # Bound to a free port but never served: requests go to ``dispatch`` directly.
        door = exits.enter_context(
            FrontDoor(("127.0.0.1", 0), lambdas, Api("cost", "123456789012", "us-east-1"))
        )

        def send(usage: Usage, request: Request) -> Response:
            meter.current = usage
            usage.invocations["http_request"] += 1
            try:
                return door.dispatch(request)
            finally:
                meter.current = None

        started = send(
            per_delivery,
            _request(
                "POST",
                "/v1/sessions/start",
                issued["publishable"],
                gzip.compress(json.dumps(shift.start_request).encode()),
            ),
        )
        assert started.status == 201, started.body
        session_id = json.loads(started.body)["sessionId"]
        batches = shift.batches(BATCH_S)
        for batch in batches:
            body = gzip.compress(json.dumps({"sessionId": session_id, "events": batch}).encode())
            answer = send(
                per_upload, _request("POST", "/v1/telemetry", issued["publishable"], body)
            )
            assert answer.status == 202, answer.body
        # The records the telemetry function put, as Firehose would deliver them: one
        # object per buffer interval of upload time (uploads come every BATCH_S).
        firehose_records = _records_put(account)
        per_object_uploads = max(1, round(BUFFER_INTERVAL_S / BATCH_S))
        bucket = account.settings.data_bucket
        s3 = account.session.client("s3")
        messages = []
        for start in range(0, len(firehose_records), per_object_uploads):
            key = f"raw/cost/{session_id}/{start:05d}.gz"
            blob = gzip.compress(b"".join(firehose_records[start : start + per_object_uploads]))
            s3.put_object(Bucket=bucket, Key=key, Body=blob)
            messages.append(s3_message(bucket, key))
        processor = handlers["processor"]
        context = context_for(
            names.FUNCTIONS["processor"], stage=STAGE, region="us-east-1", account="123456789012"
        )
        for message in messages:
            meter.current = per_object
            per_object.calls[("sqs", "SendMessage")] += 1  # S3's notification
            per_object.calls[("sqs", "ReceiveMessage")] += 1  # the event source mapping
            per_object.calls[("sqs", "DeleteMessage")] += 1
            per_object.calls[("s3", "PutObject")] += 1  # Firehose writing the object
            processor(_sqs_event([message]), context)
            meter.current = None
        # The stop after the last chunk, so that finalizing (the engine) is counted once per
        # delivery, not as part of an object's processing.
        stopped = send(
            per_delivery,
            _request(
                "POST",
                "/v1/sessions/stop",
                issued["publishable"],
                gzip.compress(json.dumps({"sessionId": session_id}).encode()),
            ),
        )
        assert stopped.status == 200, stopped.body
        finalize = _finalize_messages(account, session_id)
        meter.current = per_delivery
        per_delivery.calls[("sqs", "ReceiveMessage")] += len(finalize)
        per_delivery.calls[("sqs", "DeleteMessage")] += len(finalize)
        processor(_sqs_event(finalize), context)
        meter.current = None
        insights = account.session.resource("dynamodb").Table(names.INSIGHTS_TABLE.physical(STAGE))
        assert insights.get_item(Key={"sessionId": session_id}).get("Item"), "finalized"
    return Measured(per_upload, per_object, per_delivery, len(batches), len(messages))


def _records_put(account: Any) -> list[bytes]:
    """The Firehose records of the delivery: moto writes one object per PutRecordBatch."""
    s3 = account.session.client("s3")
    bucket = account.settings.data_bucket
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=names.RAW_PREFIX
    ):
        keys += [o["Key"] for o in page.get("Contents", []) if not o["Key"].startswith("raw/cost/")]
    records = []
    for key in sorted(keys, key=lambda k: s3.head_object(Bucket=bucket, Key=k)["LastModified"]):
        blob = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        records.append(gzip.decompress(blob) if blob[:2] == b"\x1f\x8b" else blob)
    return records


def _finalize_messages(account: Any, session_id: str) -> list[str]:
    """The stop's finalize message, from the real queue (moto's own object notifications are
    left out: moto writes an object per Firehose put, Firehose does not)."""
    sqs = account.session.client("sqs")
    found: list[str] = []
    while True:
        got = sqs.receive_message(QueueUrl=account.resources.queue_url, MaxNumberOfMessages=10)
        messages = got.get("Messages", [])
        if not messages:
            return found
        for message in messages:
            body = json.loads(message["Body"])
            if body.get("type") == "finalize" and body.get("sessionId") == session_id:
                found.append(message["Body"])
            sqs.delete_message(
                QueueUrl=account.resources.queue_url, ReceiptHandle=message["ReceiptHandle"]
            )


def phase_costs(
    m: Measured,
    *,
    batch_s: float = BATCH_S,
    buffer_s: float = BUFFER_INTERVAL_S,
    concurrent: int = CONCURRENT,
    memory_scale: float = 1.0,
    gzip_records: bool = False,
) -> dict[str, dict[str, float]]:
    """Dollars per delivery by what drives them (its uploads, its Firehose objects, once)
    and service, scaled from the measurement to other settings."""
    uploads = MINUTES * 60 / batch_s
    objects = MINUTES * 60 / buffer_s
    per_upload = m.per_upload.cost(memory_scale, gzip_records)
    per_object = m.per_object.cost(memory_scale, gzip_records)
    once = m.per_delivery.cost(memory_scale, gzip_records)
    # An object holds every concurrent delivery's records: its write, notification and
    # message are shared, while each delivery's own chunk in it is not (counted per object).
    shared = {"SQS", "S3"}
    object_costs = {}
    for service in once:
        object_share = per_object[service] / m.objects * objects
        if service in shared:
            object_share = object_share / concurrent + _own_chunk_share(m, service) * objects
        object_costs[service] = object_share
    return {
        "uploads": {s: per_upload[s] / m.uploads * uploads for s in once},
        "objects": object_costs,
        "once": once,
    }


def per_delivery_cost(m: Measured, **settings: Any) -> dict[str, float]:
    """Dollars per delivery by service (``phase_costs`` summed)."""
    phases = phase_costs(m, **settings)
    return {s: sum(phase[s] for phase in phases.values()) for s in phases["once"]}


def _own_chunk_share(m: Measured, service: str) -> float:
    """Per object, the part of S3/SQS cost that is the delivery's own (its chunk PUT)."""
    if service != "S3":
        return 0.0
    processor_puts = m.per_object.calls[("s3", "PutObject")] - m.objects  # minus Firehose's
    return processor_puts / m.objects * PRICES["s3_put"]


def test_cost_per_1000_deliveries(benchmark, report_section) -> None:
    measured = benchmark.pedantic(measure_one_delivery, rounds=1, iterations=1)
    base = per_delivery_cost(measured)
    total = sum(base.values()) * DELIVERIES
    without_uploads = total - base["API Gateway"] * DELIVERIES
    benchmark.extra_info.update(
        usd_per_1000=round(total, 4), usd_per_1000_without_api_gateway=round(without_uploads, 4)
    )
    report_section("cost", report(measured, base))
    print(f"\n${total:.3f} per {DELIVERIES} deliveries")
    assert measured.uploads == MINUTES * 60 / BATCH_S


def _phase_rows(m: Measured) -> list[str]:
    names_of = {
        "uploads": f"the {m.uploads} uploads (telemetry + authorizer, ingest's ledger, Firehose)",
        "objects": f"the {MINUTES * 60 / BUFFER_INTERVAL_S:g} Firehose objects (processor)",
        "once": "start, stop, finalize",
    }
    rows = []
    for phase, costs in phase_costs(m).items():
        top = sorted(costs.items(), key=lambda kv: -kv[1])[:3]
        largest = ", ".join(f"{s} ${usd * DELIVERIES:.4f}" for s, usd in top)
        rows.append(f"| {names_of[phase]} | ${sum(costs.values()) * DELIVERIES:.4f} | {largest} |")
    return rows


def report(m: Measured, base: dict[str, float]) -> str:
    total = sum(base.values())
    lines = [
        f"## Cost per {DELIVERIES:,} ten-minute deliveries",
        "",
        "`make bench` (or `.venv/bin/python -m pytest -q tests/bench/test_cost_model_bench.py "
        "--benchmark-only`).",
        "",
        f"One {MINUTES}-minute, 50 Hz delivery measured end to end ({m.uploads} uploads, "
        f"{m.objects} Firehose objects of {BUFFER_INTERVAL_S} s), {CONCURRENT} deliveries "
        "recording at once sharing the objects; AWS list prices, us-east-1, no free tier.",
        "",
        "| service | per 1,000 deliveries | share |",
        "| --- | ---: | ---: |",
    ]
    for service, usd in sorted(base.items(), key=lambda kv: -kv[1]):
        lines.append(f"| {service} | ${usd * DELIVERIES:.4f} | {usd / total:.0%} |")
    lines += [
        f"| **total** | **${total * DELIVERIES:.4f}** | |",
        f"| total without API Gateway (what the SDK's {m.uploads} uploads force) | "
        f"${(total - base['API Gateway']) * DELIVERIES:.4f} | |",
        "",
        "## What drives it (per 1,000 deliveries)",
        "",
        "| driver | total | largest |",
        "| --- | ---: | --- |",
        *_phase_rows(m),
        "",
        "## What the settings change (per 1,000 deliveries)",
        "",
        "| setting | total | without API Gateway |",
        "| --- | ---: | ---: |",
    ]
    variants: dict[str, dict[str, Any]] = {
        f"as deployed ({BATCH_S:g} s batches, {BUFFER_INTERVAL_S} s buffer)": {},
        "SDK batch period 10 s": {"batch_s": 10.0},
        "SDK batch period 30 s": {"batch_s": 30.0},
        "Firehose buffer 15 s": {"buffer_s": 15.0},
        "Firehose buffer 300 s": {"buffer_s": 300.0},
        "Firehose records gzipped by the telemetry function": {"gzip_records": True},
        "Lambda memory halved (same duration)": {"memory_scale": 0.5},
        "Lambda memory doubled (same duration)": {"memory_scale": 2.0},
        "10 deliveries at once (objects shared less)": {"concurrent": 10},
    }
    for name, options in variants.items():
        cost = per_delivery_cost(m, **options)
        lines.append(
            f"| {name} | ${sum(cost.values()) * DELIVERIES:.4f} | "
            f"${(sum(cost.values()) - cost['API Gateway']) * DELIVERIES:.4f} |"
        )
    lines += [
        "",
        "## Counted for one delivery",
        "",
        "| phase | AWS calls | Lambda |",
        "| --- | --- | --- |",
    ]
    for name, usage, times in (
        ("each upload", m.per_upload, m.uploads),
        ("each Firehose object", m.per_object, m.objects),
        ("once (start, stop, finalize)", m.per_delivery, 1),
    ):
        calls = ", ".join(f"{s}.{op} {n / times:g}" for (s, op), n in sorted(usage.calls.items()))
        lambdas = ", ".join(
            f"{k} {n / times:g}"
            for k, n in sorted(usage.invocations.items())
            if k != "http_request"
        )
        lines.append(f"| {name} | {calls} | {lambdas}; {usage.gb_s / times * 1000:.1f} GB-ms |")
    lines += [
        "",
        "Estimated rather than counted: DynamoDB capacity units (1 WRU per item written, 2 in a "
        "transaction, 1 RRU per read call), Lambda durations (our code's time on a shared "
        "2-core machine plus a typical AWS latency per call, "
        f"{', '.join(f'{s} {v * 1000:g} ms' for s, v in AWS_LATENCY_S.items())}, instead of "
        f"moto's), {PLATFORM_LOG_BYTES} bytes of platform log lines per "
        f"invocation, X-Ray sampling {XRAY_SAMPLED:.0%}, and S3/SQS costs of a Firehose object "
        f"shared by {CONCURRENT} deliveries. Memory variants keep the measured durations.",
        "",
    ]
    return "\n".join(lines)
