import gzip
import json
from pathlib import Path

from client_fakes import samples

from doorproof.client.queue import OutboxQueue


def test_cut_makes_ordered_batches_per_session_with_a_limit(tmp_path: Path) -> None:
    queue = OutboxQueue(tmp_path / "q.db")
    queue.stage("a", samples(5, t0=0.0))
    queue.stage("b", samples(2, t0=5.0))
    queue.stage("a", samples(3, t0=9.0))
    assert queue.cut(max_samples=4) == 3  # a: 4 + 4, b: 2
    ops = []
    while (op := queue.next_due(now=0.0)) is not None:
        ops.append(op)
        queue.done(op.id)
    bodies = [json.loads(gzip.decompress(op.body or b"")) for op in ops]
    assert [(b["sessionId"], len(b["events"])) for b in bodies] == [("a", 4), ("a", 4), ("b", 2)]
    a_ts = [e["ts"] for b in bodies[:2] for e in b["events"]]
    assert a_ts == sorted(a_ts)
    assert queue.stats().empty


def test_stop_waits_for_earlier_batches_of_its_session(tmp_path: Path) -> None:
    queue = OutboxQueue(tmp_path / "q.db")
    queue.stage("a", samples(3))
    queue.cut(max_samples=100)
    queue.add_stop("a")
    batch = queue.next_due(now=0.0)
    assert batch is not None and batch.kind == "batch"
    queue.failed(batch.id, next_at=100.0, server=True)
    assert queue.next_due(now=50.0) is None  # the stop may not overtake the batch
    assert queue.next_retry_at(after=50.0) == 100.0  # so the uploader sleeps until then
    queue.done(batch.id)
    stop = queue.next_due(now=50.0)
    assert stop is not None and stop.kind == "stop" and stop.session_id == "a"


def test_everything_survives_reopening_and_retries_are_due_at_once(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    queue = OutboxQueue(path)
    queue.set_active_session("a")
    queue.stage("a", samples(3))
    queue.cut(max_samples=100)
    first = queue.next_due(now=0.0)
    assert first is not None
    queue.failed(first.id, next_at=1e12, server=False)
    queue.stage("a", samples(2, t0=10.0))
    queue.close()

    reopened = OutboxQueue(path)
    assert reopened.active_session() == "a"
    stats = reopened.stats()
    assert (stats.staged_samples, stats.batches, stats.batch_samples) == (2, 1, 3)
    again = reopened.next_due(now=0.0)
    assert again is not None and again.body == first.body and again.failures == 1
