"""``doorproof simulate`` against the local stack with every fault at once: the network drops
mid-trip, every upload goes out twice and the app is killed and restarted — and each delivery
still ends with all its samples accepted once and the expected reason codes."""

from __future__ import annotations

import re

import pytest

from doorproof.cli import main
from tests.integration.conftest import LocalApi

pytestmark = pytest.mark.integration


def test_simulate_with_faults_reports_every_delivery(
    local_api: LocalApi, capsys: pytest.CaptureFixture[str]
) -> None:
    org = local_api.keys[0]
    status = main(
        [
            "simulate", "--url", local_api.url, "--key", org.publishable_key,
            "--secret-key", org.secret_key, "--deliveries", "2", "--concurrency", "2",
            "--scenario", "elevator_floor4", "--scenario", "no_attempt", "--speed", "50",
            "--faults", "outage,duplicate,restart", "--insights-timeout", "60",
        ]
    )  # fmt: skip
    out = capsys.readouterr()
    assert status == 0, out.out + out.err
    rows = [line for line in out.out.splitlines() if re.match(r"^\d+\s", line)]
    assert len(rows) == 2
    for row in rows:
        sent, accepted = re.search(r"\s(\d+)/(\d+)\s", row).groups()  # type: ignore[union-attr]
        assert sent == accepted, row
        assert " yes " in row and "ready" in row, row
    assert "elevator+elevator/elevator+elevator" in out.out
    assert "replayed 100%" in out.err  # the progress bar
