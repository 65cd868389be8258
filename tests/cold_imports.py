"""Timing an API handler's cold import next to a bare Powertools handler's, side by side.

Used twice: by the benchmark (``tests/bench/test_cold_import_bench.py``, many rounds, the
figures in reports/bench.md) and by the check in ``make test``
(``tests/unit/api/test_cold_imports.py``, a few rounds, the target only).

One sample is a whole ``python -c "import <module>"`` process in a deployed function's
environment (``LAMBDA_TASK_ROOT`` set, ``POWERTOOLS_TRACE_DISABLED=true``: no X-Ray SDK
unless the deployment sets ``xraySdk``), with the settings every function gets. The figure is
the process's CPU time (user + system): on a shared machine another process's work stretches
the wall clock of whichever import runs beside it, and much less its CPU time.

Samples are paired: each round imports the floor and a handler back to back (the order
alternating from round to round), and a handler's ratio is the median over rounds of its
pair's ratio, so a machine busier in one round than in another weighs on both halves of that
round's pair alike.

A handler is also timed with the collector left as it is (``untouched``: ``cold_start`` does
not pause it), which says how much of the ratio is our import work and how much is the full
collection ``functions.api.cold_start`` avoids.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from functions.core.config import names, settings

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATIO = 1.25
FLOOR = "tests.bench.bare_handler"
HANDLERS = {
    f.key: f.handler.rsplit(".", 1)[0]
    for f in names.FUNCTIONS.values()
    if f.handler.startswith("functions.api.")
}
LAMBDA_ENV = {
    **settings.environment_for("bench", "123456789012"),
    settings.ENV_VARS["processing_queue_url"]: "https://sqs.us-east-1.amazonaws.com/1/q",
    settings.ENV_VARS["webhook_queue_url"]: "https://sqs.us-east-1.amazonaws.com/1/w",
    "LAMBDA_TASK_ROOT": "/var/task",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "AWS_REGION": "us-east-1",
}
UNTOUCHED = "import gc; gc.disable = lambda: None; "
"""Prefix of an import with the collector left as it is (``cold_start.pause`` does nothing)."""


def cold_import_cpu(module: str, prefix: str = "") -> float:
    """CPU seconds of a fresh interpreter that imports ``module`` and exits."""
    env = {"PATH": os.environ.get("PATH", ""), **LAMBDA_ENV}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        [sys.executable, "-c", f"{prefix}import {module}"], cwd=ROOT, env=env, check=True
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


@dataclass(frozen=True)
class Pairs:
    """Per handler, one (floor, handler) CPU-time pair per round."""

    deployed: dict[str, list[tuple[float, float]]]
    untouched: dict[str, list[tuple[float, float]]]

    def ratios(self, untouched: bool = False) -> dict[str, float]:
        """Each handler's median over rounds of handler / floor."""
        pairs = self.untouched if untouched else self.deployed
        return {k: statistics.median(h / f for f, h in runs) for k, runs in pairs.items()}

    def floor_seconds(self) -> float:
        return statistics.median(f for runs in self.deployed.values() for f, _ in runs)

    def seconds(self) -> dict[str, float]:
        return {k: statistics.median(h for _, h in runs) for k, runs in self.deployed.items()}


def _pair(module: str, flip: bool, prefix: str = "") -> tuple[float, float]:
    if flip:
        handler = cold_import_cpu(module, prefix)
        return cold_import_cpu(FLOOR), handler
    floor = cold_import_cpu(FLOOR)
    return floor, cold_import_cpu(module, prefix)


def measure(rounds: int, untouched: bool = True) -> Pairs:
    """``rounds`` paired samples of each handler, as deployed and (``untouched``) without
    ``cold_start``'s pause."""
    deployed: dict[str, list[tuple[float, float]]] = {k: [] for k in HANDLERS}
    plain: dict[str, list[tuple[float, float]]] = {k: [] for k in HANDLERS}
    for r in range(rounds):
        for key, module in HANDLERS.items():
            deployed[key].append(_pair(module, flip=r % 2 == 1))
            if untouched:
                plain[key].append(_pair(module, flip=r % 2 == 0, prefix=UNTOUCHED))
    return Pairs(deployed, plain)
