"""One simulated courier: a scenario replayed through the device client in accelerated real
time, optionally with faults, then the backend's verdict.

The phone's clock runs ``speed`` times faster than the wall clock: sample timestamps start
now and advance ``speed`` seconds per wall second, the uploader cuts a batch every
``5 / speed`` wall seconds (so each batch holds the SDK's ~5 s of samples) and backs off on
the same scaled clock. Faults:
- ``outage``: the network is down from 30% to 55% of the trip (the uploader keeps queueing);
- ``duplicate``: every upload is sent twice (an answer lost after the server stored it);
- ``restart``: at 70% the app is killed (the client stops without flushing) and a new client
  on the same queue file resumes the session.

Each courier's queue file lives in its own directory under ``workdir``, deleted only once the
queue drained: a queue that could not be sent (the server down, batches still failing) stays
on disk, named in ``Delivery.kept_queue`` with what it holds (``Delivery.unsent``); a
``DeviceClient`` opened on that file sends it.
"""

from __future__ import annotations

import bisect
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from doorproof.client import BackendClient, DeviceClient, DoorproofError, InsightsTimeout
from doorproof.client.backoff import RetryPolicy
from doorproof.client.faults import FaultyTransport
from doorproof.client.queue import QueueStats
from doorproof.client.transport import UrllibTransport
from doorproof.scenarios import Scenario, build
from functions.core.wire.models.insights import InsightsDocument

FAULTS = ("outage", "duplicate", "restart")
OUTAGE = (0.30, 0.55)
RESTART_AT = 0.70
TICK_S = 0.05
DRAIN_TIMEOUT_S = 60.0
"""How long a courier waits at the end for its queue to empty before keeping it on disk."""
VERTICAL_EVENTS = {"ELEVATOR": "elevator", "STAIRS": "stairs", "ESCALATOR": "escalator"}


@dataclass(frozen=True)
class Target:
    """Where the couriers deliver to and with which keys."""

    url: str
    key: str
    secret_key: str | None = None
    insights_timeout_s: float = 120.0


@dataclass
class Delivery:
    """One courier's run and what the backend made of it."""

    index: int
    scenario: Scenario
    faults: frozenset[str] = frozenset()
    session_id: str | None = None
    samples_recorded: int = 0
    samples_accepted: int | None = None
    stopped_at: float | None = None
    insights: InsightsDocument | None = None
    kept_queue: Path | None = None
    """The queue file left on disk because it could not be drained (None: it was)."""
    unsent: QueueStats | None = None
    seconds_to_insights: float | None = None
    error: str | None = None
    outages: int = 0
    restarts: int = 0
    progress: float = 0.0
    done: bool = False

    @property
    def expected_codes(self) -> list[str]:
        return sorted(self.scenario.truth.reason_codes)

    @property
    def reported_codes(self) -> list[str]:
        return sorted(self.insights.reasonCodes) if self.insights else []

    @property
    def ready(self) -> bool:
        return self.insights is not None and self.insights.status == "ready"

    @property
    def codes_match(self) -> bool:
        expected, reported = set(self.expected_codes), set(self.reported_codes)
        return expected == reported if self.scenario.truth.exact else expected <= reported

    @property
    def reported_vertical(self) -> list[str]:
        if self.insights is None:
            return []
        return [VERTICAL_EVENTS[e.type] for e in self.insights.events if e.type in VERTICAL_EVENTS]


def scenario_for(name: str, index: int, run_id: str, *, start_ts: float) -> Scenario:
    """Scenario ``name`` starting now, with a delivery id unique to this run."""
    scenario = build(name, seed=index, start_ts=start_ts)
    scenario.start_request["deliveryId"] = f"{scenario.start_request['deliveryId']}_{run_id}"
    return scenario


def drive(
    delivery: Delivery,
    target: Target,
    *,
    speed: float,
    workdir: Path | None = None,
) -> Delivery:
    """Run ``delivery`` end to end; failures end up in ``delivery.error``, never raised."""
    if workdir is not None:
        workdir.mkdir(parents=True, exist_ok=True)
    queue_dir = Path(tempfile.mkdtemp(prefix="courier-", dir=workdir))
    try:
        _replay(delivery, target, speed, queue_dir / "queue.db")
        shutil.rmtree(queue_dir)  # drained: nothing in it is unsent
        if target.secret_key and delivery.session_id:
            _collect(delivery, target)
    except (DoorproofError, InsightsTimeout, OSError, RuntimeError) as exc:
        delivery.error = f"{type(exc).__name__}: {exc}"
        if queue_dir.exists() and delivery.unsent is not None and not delivery.unsent.empty:
            delivery.kept_queue = queue_dir / "queue.db"
        elif queue_dir.exists():
            shutil.rmtree(queue_dir)  # it failed before anything was queued
    finally:
        delivery.done = True
    return delivery


def _device(target: Target, transport: FaultyTransport, path: Path, speed: float) -> DeviceClient:
    return DeviceClient(
        transport,
        target.key,
        queue_path=path,
        batch_interval_s=5.0 / speed,
        retry=RetryPolicy(base_s=1.0 / speed, cap_s=max(30.0 / speed, 0.5)),
    )


def _replay(
    delivery: Delivery,
    target: Target,
    speed: float,
    queue_path: Path,
) -> None:
    scenario, faults = delivery.scenario, delivery.faults
    transport = FaultyTransport(UrllibTransport(target.url), duplicate="duplicate" in faults)
    client = _device(target, transport, queue_path, speed)
    try:
        delivery.session_id = client.start_session(scenario.start_request).sessionId
        offsets = [(s["ts"] - scenario.started_at) / speed for s in scenario.samples]
        span = max(offsets[-1], 1e-9) if offsets else 1e-9
        began, sent = time.monotonic(), 0
        while sent < len(offsets):
            time.sleep(TICK_S)
            elapsed = time.monotonic() - began
            upto = bisect.bisect_right(offsets, elapsed)
            client.record(scenario.samples[sent:upto])
            delivery.samples_recorded = sent = upto
            delivery.progress = min(elapsed / span, 1.0)
            if "outage" in faults:
                down = OUTAGE[0] <= delivery.progress < OUTAGE[1]
                if down and not transport.down:
                    delivery.outages += 1
                transport.set_down(down)
            if "restart" in faults and not delivery.restarts and delivery.progress >= RESTART_AT:
                client.abort()
                client = _device(target, transport, queue_path, speed)
                delivery.restarts += 1
        transport.set_down(False)
        if scenario.end_reason != "timeout":  # a timed-out session is ended by the server
            client.stop_session(wait_s=DRAIN_TIMEOUT_S)
            delivery.stopped_at = time.monotonic()
        if not client.flush(timeout_s=DRAIN_TIMEOUT_S):
            raise RuntimeError(f"queue not drained: {client.pending()}")
    finally:
        delivery.unsent = client.pending()
        client.abort()


def _collect(delivery: Delivery, target: Target) -> None:
    assert delivery.session_id is not None and target.secret_key is not None
    backend = BackendClient(target.url, target.secret_key)
    waited_from = delivery.stopped_at or time.monotonic()
    delivery.insights = backend.wait_for_insights(
        delivery.session_id, timeout_s=target.insights_timeout_s, poll_s=0.5
    )
    delivery.seconds_to_insights = time.monotonic() - waited_from
    delivery.samples_accepted = backend.get_session(delivery.session_id).acceptedSamplesTotal


def run_all(
    deliveries: list[Delivery],
    target: Target,
    *,
    speed: float,
    concurrency: int,
    workdir: Path | None = None,
) -> list[Delivery]:
    """Drive every delivery, at most ``concurrency`` at a time; returns them in order."""
    with ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="courier") as pool:
        list(pool.map(lambda d: drive(d, target, speed=speed, workdir=workdir), deliveries))
    return deliveries
