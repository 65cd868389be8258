"""API functions in worker processes (``doorproof.local.workers``): the same answers as in
this process, a worker that dies is replaced, and workers (and moto's process,
``moto_server.MotoProcess``) leave with their stack."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from doorproof.client.transport import HttpRequest, UrllibTransport
from doorproof.local.apigw_events import Api
from doorproof.local.frontdoor import FrontDoor
from doorproof.local.lambdas import PIPELINE_NICENESS, Lambdas
from functions.core.config import settings

OPENAPI = HttpRequest("GET", "/v1/openapi.json", {}, None)
UNKNOWN = HttpRequest("GET", "/v1/nowhere", {}, None)


def serve(lambdas: Lambdas) -> Iterator[UrllibTransport]:
    door = FrontDoor(("127.0.0.1", 0), lambdas, Api("api1", "1", "us-east-1"))
    threading.Thread(target=door.serve_forever, daemon=True).start()
    try:
        yield UrllibTransport(door.url, timeout=60.0)
    finally:
        door.shutdown()
        door.server_close()


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """What the stack sets before any handler runs (the handlers check their settings)."""
    for name, value in settings.environment_for("unit", "local").items():
        monkeypatch.setenv(name, value)
    settings.get_settings.cache_clear()
    yield dict(os.environ)
    settings.get_settings.cache_clear()


@pytest.fixture
def in_process(environment: dict[str, str]) -> Iterator[UrllibTransport]:
    yield from serve(Lambdas(stage="unit", region="us-east-1", account="1"))


@pytest.fixture
def workers(environment: dict[str, str]) -> Iterator[tuple[Lambdas, UrllibTransport]]:
    lambdas = Lambdas(stage="unit", region="us-east-1", account="1")
    lambdas.start_workers(2, environment)
    try:
        for transport in serve(lambdas):
            yield lambdas, transport
    finally:
        lambdas.stop_workers()


def test_a_worker_answers_as_this_process_does(in_process, workers) -> None:
    _, transport = workers
    for request in (OPENAPI, UNKNOWN):
        here, there = in_process.send(request), transport.send(request)
        assert (there.status, there.body) == (here.status, here.body)
    assert transport.send(UNKNOWN).status == 404


def test_the_workers_are_other_processes_and_a_dead_one_is_replaced(workers) -> None:
    _, transport = workers
    assert transport.send(OPENAPI).status == 200
    children = multiprocessing.active_children()
    assert len(children) >= 3  # two for the API, one for the processor and sweeper
    for child in children:
        os.kill(child.pid, signal.SIGKILL)  # type: ignore[arg-type]
    answers = [transport.send(OPENAPI).status for _ in range(3)]
    assert answers[-1] == 200, answers  # the invocation a dead worker held fails (a 500)
    assert set(answers) <= {200, 500}


def test_the_pipeline_worker_runs_below_the_api_workers_priority(workers) -> None:
    """The processor's backlog must not slow the answers phones wait for (it shares the
    machine's cores with the API here, not in AWS)."""
    lambdas, transport = workers
    assert transport.send(OPENAPI).status == 200

    def niceness(key: str) -> set[int]:
        processes = lambdas._pools[key]._executor._processes
        return {os.getpriority(os.PRIO_PROCESS, pid) for pid in processes}

    ours = os.getpriority(os.PRIO_PROCESS, 0)
    assert niceness("telemetry") == {ours}
    assert niceness("processor") == {min(ours + PIPELINE_NICENESS, 19)}
    assert PIPELINE_NICENESS > 0


KILLED_STACK = """
import multiprocessing, os, sys, time
from doorproof.local.lambdas import Lambdas
from doorproof.local.moto_server import MotoProcess
from functions.core.config import settings
if sys.argv[1] == "workers":
    lambdas = Lambdas(stage="unit", region="us-east-1", account="1")
    lambdas.start_workers(1, {**os.environ, **settings.environment_for("unit", "local")})
else:
    MotoProcess("127.0.0.1", 0).start()
print(" ".join(str(p.pid) for p in multiprocessing.active_children()), flush=True)
time.sleep(600)
"""


@pytest.mark.parametrize(("children", "count"), [("workers", 2), ("moto", 1)])
def test_child_processes_exit_when_their_stack_is_killed(children: str, count: int) -> None:
    """``kill -9`` leaves no one to stop them: workers and moto's process notice by
    themselves (the next start must not share the data directory with an old moto)."""
    stack = subprocess.Popen(
        [sys.executable, "-c", KILLED_STACK, children],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[3],
    )
    try:
        assert stack.stdout is not None
        pids = [int(p) for p in stack.stdout.readline().split()]
        assert len(pids) == count
    finally:
        stack.kill()
        stack.wait(10)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(Path(f"/proc/{p}").exists() for p in pids):
        time.sleep(0.2)
    alive = [p for p in pids if Path(f"/proc/{p}/status").exists()]
    zombies = [p for p in alive if "zombie" in Path(f"/proc/{p}/status").read_text()]
    assert alive == zombies, f"{children} outlived their stack: {alive}"
