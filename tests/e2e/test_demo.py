"""``make demo`` (``doorproof demo``) prints the dashboard's one-time sign-in link on a line of
its own, and the link signs a person in while the stack runs (``--keep``, what a terminal
gets)."""

from __future__ import annotations

import signal
import urllib.request
from pathlib import Path

import pytest

from tests.integration.conftest import doorproof_command, read_until, sign_in_with_printed_link

pytestmark = pytest.mark.integration


def test_demo_prints_a_dashboard_link_that_signs_in(tmp_path: Path) -> None:
    args = ["demo", "--scenario", "elevator_floor4", "--speed", "60", "--keep"]
    with doorproof_command([*args, "--output", str(tmp_path / "demo")], timeout_s=240) as proc:
        output = read_until(proc, "dashboard: ")
        assert "elevator_floor4" in output  # the table came first
        origin = sign_in_with_printed_link(output)
        page = urllib.request.Request(f"{origin}/sessions/x", headers={"Accept": "text/html"})
        with urllib.request.urlopen(page, timeout=30) as answer:
            assert b'<main id="main"' in answer.read()  # the dashboard itself is served
        proc.send_signal(signal.SIGINT)  # Ctrl-C stops a kept demo
        rest, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0, output[-2000:] + rest[-2000:]
