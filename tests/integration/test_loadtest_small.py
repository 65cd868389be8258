"""A small ``doorproof loadtest`` in ``make test``: phones uploading at once with duplicates
and an outage each, the stack killed with SIGKILL midway and restarted on its data. Only what
must hold on any machine is asserted (every count exact, every insights ready); the latency
figures of the full run (64 phones) are measured on purpose, in docs/reliability.md.

The full run is here too, skipped unless ``DOORPROOF_LOAD_64=1``: 7 minutes of two cores, and
its latency verdict depends on what else the machine runs (docs/reliability.md)."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from doorproof.loadtest import loadtest, verdict

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
    # What a reader needs to judge a run on a shared machine is in the report.
    assert report["stackCpuMsPerTelemetryCall"] > 0 and report["phonesCpuS"] > 0
    assert {"beforeStart", "atKill", "lastStop", "end"} <= set(report["loadAverage1m"])
    assert report["telemetryP95AfterKillS"] >= 0 and report["peakRssMb"] >= report["startRssMb"] > 0
    assert len(report["telemetryP95By30s"]) >= 1
    assert verdict(report)["nothingDroppedCountsExact"]


@pytest.mark.skipif(
    os.environ.get("DOORPROOF_LOAD_64") != "1",
    reason="the 64-phone run takes 7 minutes of two cores: DOORPROOF_LOAD_64=1 runs it "
    "(or `doorproof loadtest --phones 64 --minutes 3 --kill-at 90`)",
)
def test_64_phones_in_real_time_across_a_kill_9(tmp_path: Path) -> None:
    """Issue 12's target: one 250-sample batch every 5 s per phone, 10 % duplicates, a 15 s
    outage each, ``kill -9`` at 90 s: nothing dropped, every count exact, every insights ready
    within 180 s of the last stop, telemetry p95 <= 3 s."""
    report = loadtest(
        phones=64,
        seconds=180.0,
        kill_at=90.0,
        duplicate=0.1,
        outage_s=15.0,
        port=free_port(),
        data=tmp_path / "data",
        insights_timeout_s=180.0,
    )
    assert verdict(report) == {
        "nothingDroppedCountsExact": True,
        "insightsReadyWithin180s": True,
        "telemetryP95Within3s": True,
    }, report
