"""The simulator never deletes unsent data: a courier whose queue could not be drained leaves
the queue file on disk, and the table says where and what it holds."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from doorproof import courier, simulate
from doorproof.client.queue import OutboxQueue
from tests.unit.client.client_fakes import FakeServer, down


def test_a_queue_that_could_not_be_sent_stays_on_disk_and_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = FakeServer()
    server.script["/v1/telemetry"] = [down() for _ in range(100_000)]
    monkeypatch.setattr(courier, "UrllibTransport", lambda url: server)
    monkeypatch.setattr(courier, "DRAIN_TIMEOUT_S", 0.5)
    scenario = courier.scenario_for("ground_floor", 0, "t", start_ts=time.time())
    delivery = courier.Delivery(index=0, scenario=scenario)

    courier.drive(
        delivery, courier.Target("http://unused", "pk_sandbox_x"), speed=400.0, workdir=tmp_path
    )

    assert delivery.error is not None and "not drained" in delivery.error
    assert delivery.kept_queue is not None and delivery.kept_queue.exists()
    assert delivery.unsent is not None and delivery.unsent.batches > 0
    kept = OutboxQueue(delivery.kept_queue)
    try:
        assert kept.stats() == delivery.unsent
    finally:
        kept.close()
    assert str(delivery.kept_queue) in simulate.table([delivery])


def test_a_drained_queue_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(courier, "UrllibTransport", lambda url: FakeServer())
    scenario = courier.scenario_for("ground_floor", 0, "t", start_ts=time.time())
    delivery = courier.Delivery(index=0, scenario=scenario)
    courier.drive(
        delivery, courier.Target("http://unused", "pk_sandbox_x"), speed=400.0, workdir=tmp_path
    )
    assert delivery.error is None and delivery.kept_queue is None
    assert list(tmp_path.iterdir()) == []
