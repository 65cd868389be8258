"""A small ``doorproof loadtest`` in ``make test``: phones uploading at once with duplicates
and an outage each, the stack killed with SIGKILL midway and restarted on its data. Only what
must hold on any machine is asserted (every count exact, every insights ready); the latency
figures of the full run (64 phones) are measured on purpose, in docs/reliability.md."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from doorproof.loadtest import loadtest

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_phones_with_duplicates_outages_and_a_kill_9_lose_nothing(tmp_path: Path) -> None:
    report = loadtest(
        phones=6,
        seconds=30.0,
        kill_at=15.0,
        duplicate=0.2,
        outage_s=5.0,
        port=free_port(),
        data=tmp_path / "data",
        insights_timeout_s=180.0,
    )
    assert report["wrong"] == []
    assert report["insightsNotReady"] == []
    assert report["samplesRecorded"] == 6 * 6 * 250
    assert report["duplicatesSent"] > 0 and report["outages"] == 6
    assert report["restartS"] is not None
