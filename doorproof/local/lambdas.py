"""Lambda functions run in-process: handlers looked up by their key in ``names.FUNCTIONS``.

A handler is imported from its string (``functions.api.sessions.handler``) on first use, the
way a cold start imports it, so the process environment must already name the local
resources. Events and results cross a JSON round trip as they do in Lambda: a handler that
returns something Lambda could not serialise (a ``Decimal`` from DynamoDB, a ``datetime``)
fails here as it would in AWS, instead of working only locally. A time limit cannot be
enforced on a thread; an invocation that overran it is logged as a warning instead.

By default every function runs in this process. ``start_workers(n)`` moves the functions
behind routes to ``n`` worker processes (``workers``: one event at a time each, so ``n`` at
once) and the processor and sweeper to one more, as separate Lambda execution environments;
the authorizer, cheap and caching keys per container, stays here. Overrides always run here.
"""

from __future__ import annotations

import importlib
import json
import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

from doorproof.local.lambda_context import context_for
from doorproof.local.workers import WorkerPool
from functions.core.config import names

# Not under "doorproof": that is the Powertools Logger's name (see frontdoor.py).
log = logging.getLogger("local.lambdas")
Handler = Callable[[dict[str, Any], Any], Any]
ROUTED = frozenset({route.handler for route in names.ROUTES} | {names.DEFAULT_ROUTE_HANDLER})
"""The functions behind API routes (they share Powertools' resolver state in one process)."""
PIPELINE = ("processor", "sweeper")
"""The functions the stack's own timers invoke: one worker between them, one event at a time,
as the single poller ran them before."""
PIPELINE_NICENESS = 5
"""The pipeline worker's CPU priority below the API's (``os.nice``). In AWS the processor
runs on capacity of its own; here it shares the machine's cores with the API workers and
moto, and a backlog it works through (after a restart, every Firehose object since the
snapshot) slowed the telemetry answers phones wait for. Its work waits a moment instead:
nothing waits for it but the insights."""


def import_handler(path: str) -> Handler:
    """``package.module.attribute`` → the callable."""
    module, _, attribute = path.rpartition(".")
    handler: Handler = getattr(importlib.import_module(module), attribute)
    return handler


class Lambdas:
    """Invokes functions by key. ``overrides`` (key → callable) take precedence over the real
    handlers; it is kept by reference, so a test may swap an entry while the stack runs."""

    def __init__(
        self,
        *,
        stage: str,
        region: str,
        account: str,
        overrides: Mapping[str, Handler] | None = None,
    ) -> None:
        self.overrides: Mapping[str, Handler] = overrides if overrides is not None else {}
        self._stage, self._region, self._account = stage, region, account
        self._loaded: dict[str, Handler] = {}
        self._lock = threading.Lock()
        # One event at a time per function, as one Lambda execution environment does:
        # handlers keep per-invocation state in module globals, which concurrent front-door
        # threads would otherwise mix up. Powertools' HTTP resolvers keep the current event in
        # a class attribute (``BaseRouter.current_event``) shared by every app in the process,
        # so the functions behind routes share one lock (the load test caught a telemetry
        # call resolved with another function's event: 404 ROUTE_NOT_FOUND). The authorizer
        # uses no resolver and runs beside them, as do the processor and the sweeper. A
        # function whose state is per thread (the dispatcher) may run ``local_instances``
        # events at once.
        resolver_lock = threading.Semaphore(1)
        self._running = {
            key: resolver_lock if key in ROUTED else threading.Semaphore(f.local_instances)
            for key, f in names.FUNCTIONS.items()
        }
        self._pools: dict[str, WorkerPool] = {}

    def start_workers(self, api_workers: int, environment: Mapping[str, str]) -> None:
        """Run the routed functions in ``api_workers`` processes and the processor and
        sweeper in one more, each started with ``environment`` (the stack's)."""

        def pool(name: str, keys: tuple[str, ...], size: int, niceness: int = 0) -> WorkerPool:
            return WorkerPool(
                name,
                keys,
                size,
                environment=environment,
                stage=self._stage,
                region=self._region,
                account=self._account,
                niceness=niceness,
            )

        api = pool("api", tuple(sorted(ROUTED)), api_workers)
        pipeline = pool("pipeline", PIPELINE, 1, PIPELINE_NICENESS)
        self._pools = {key: api for key in ROUTED} | {key: pipeline for key in PIPELINE}

    def stop_workers(self) -> None:
        for pool in {id(pool): pool for pool in self._pools.values()}.values():
            pool.stop()
        self._pools = {}

    def _handler(self, key: str) -> Handler:
        if key in self.overrides:
            return self.overrides[key]
        with self._lock:
            if key not in self._loaded:
                self._loaded[key] = import_handler(names.FUNCTIONS[key].handler)
            return self._loaded[key]

    def invoke(self, key: str, event: dict[str, Any]) -> Any:
        """Call function ``key`` with ``event``; its exceptions propagate (an invocation
        error), as does a result that is not JSON (Lambda's ``Runtime.MarshalError``)."""
        function = names.FUNCTIONS[key]
        pool = self._pools.get(key) if key not in self.overrides else None
        if pool is not None:
            result_json, remaining_ms = pool.invoke(key, json.dumps(event))
        else:
            handler = self._handler(key)
            with self._running[key]:
                context = context_for(
                    function, stage=self._stage, region=self._region, account=self._account
                )
                result_json = json.dumps(handler(json.loads(json.dumps(event)), context))
            remaining_ms = context.get_remaining_time_in_millis()
        if remaining_ms < 0:
            log.warning(
                "%s ran longer than its %d s timeout: Lambda would have stopped it",
                key,
                function.timeout_s,
            )
        return json.loads(result_json)
