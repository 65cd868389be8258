"""Lambda execution environments as worker processes: many events at once, one per process.

In one process the API functions cannot run side by side: Powertools' HTTP resolvers keep the
current event in a class attribute shared by every app in the process, handlers keep
per-invocation state in module globals, and the GIL lets one thread compute at a time anyway
(the load test's profile: the stack used one core while the machine had two). A worker
process is what a Lambda execution environment is: it imports the handlers once (a cold
start), then runs one event at a time, with its own module state; several workers serve
several events at once. The shared AWS is the stack's moto server, which the workers reach
over HTTP at ``AWS_ENDPOINT_URL`` like any client.

Workers are started with ``spawn`` (the stack's process runs threads, which ``fork`` does not
copy safely) and get the stack's environment as it is when they start. Events and results
cross as JSON text, the Lambda round trip ``lambdas`` already makes. A worker that dies takes
its invocation with it (an error, as a crashed Lambda's); the pool is then started again. A
worker whose stack is gone (``kill -9`` leaves no one to stop it) exits within a second.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from doorproof.local.lambda_context import context_for
from functions.core.config import names

log = logging.getLogger("local.workers")

WARM_TIMEOUT_S = 120.0
"""How long a start waits for every worker's cold start (seconds of imports, on a busy machine
tens); past it the stack serves anyway and early requests wait for their worker."""
_loaded: dict[str, Any] = {}
"""In a worker: the handlers imported so far, by function key."""


def _start_worker(
    stack_pid: int, environment: Mapping[str, str], keys: tuple[str, ...], niceness: int
) -> None:
    """A worker's cold start: its priority, the stack's environment, then every handler it
    will run. Ctrl-C reaches every process of the terminal: the stack's process decides, and
    stops workers."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if niceness:
        os.nice(niceness)
    threading.Thread(
        target=_exit_with_parent, args=(stack_pid,), name="doorproof-worker-orphan", daemon=True
    ).start()
    os.environ.clear()
    os.environ.update(environment)
    from doorproof.local.lambdas import import_handler  # noqa: PLC0415 - after the environment

    for key in keys:
        _loaded[key] = import_handler(names.FUNCTIONS[key].handler)


def _exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


def _invoke(key: str, event_json: str, stage: str, region: str, account: str) -> tuple[str, int]:
    """In a worker: one invocation. Returns the result as JSON and the time left (ms)."""
    function = names.FUNCTIONS[key]
    context = context_for(function, stage=stage, region=region, account=account)
    result = _loaded[key](json.loads(event_json), context)
    return json.dumps(result), context.get_remaining_time_in_millis()


class WorkerPool:
    """``size`` worker processes for the functions ``keys``; ``invoke`` blocks until done.
    ``niceness`` > 0 lowers their CPU priority (``os.nice``) against the stack's other
    processes."""

    def __init__(
        self,
        name: str,
        keys: Iterable[str],
        size: int,
        *,
        environment: Mapping[str, str],
        stage: str,
        region: str,
        account: str,
        niceness: int = 0,
    ) -> None:
        self.name, self.keys, self.size = name, tuple(keys), size
        self.niceness = niceness
        self._environment = dict(environment)
        self._where = (stage, region, account)
        self._lock = threading.Lock()
        self._executor = self._start()

    def _start(self) -> ProcessPoolExecutor:
        executor = ProcessPoolExecutor(
            max_workers=self.size,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(os.getpid(), self._environment, self.keys, self.niceness),
        )
        # Every worker's cold start before traffic: a worker answers only once its initializer
        # ran, and a warm one may answer many, so ask until each has answered.
        warm: set[int] = set()
        deadline = time.monotonic() + WARM_TIMEOUT_S
        while len(warm) < self.size and time.monotonic() < deadline:
            warm |= {f.result() for f in [executor.submit(os.getpid) for _ in range(self.size)]}
            time.sleep(0.05)
        return executor

    def invoke(self, key: str, event_json: str) -> tuple[str, int]:
        executor = self._executor
        try:
            return executor.submit(_invoke, key, event_json, *self._where).result()
        except BrokenProcessPool:
            with self._lock:
                if self._executor is executor:
                    log.error("a %s worker died; starting the %s workers again", key, self.name)
                    self._executor = self._start()
            raise

    def stop(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
