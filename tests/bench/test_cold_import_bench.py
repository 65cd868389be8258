"""Cold start cost of each API handler: ``python -c "import <handler module>"`` as a whole
process, next to the same for a bare Powertools handler (``bare_handler``: boto3, pydantic,
resolver, Logger, Metrics), measured side by side in one run.

Rounds are interleaved (floor, every handler, floor, ...) so that a machine busy with other
work slows all of them alike; each figure is the median over the rounds, each ratio is a
handler's median over the floor's. The figures are wall time, what a cold start waits for;
the CPU time (user + system) of the same processes is reported beside them, with the load
average at the start, to tell a busy machine from a slow import. The environment is a deployed
function's by default (``LAMBDA_TASK_ROOT`` set, ``POWERTOOLS_TRACE_DISABLED=true``: no X-Ray
SDK unless the deployment sets ``xraySdk``), with the settings every function gets. Target:
every handler within 1.25x the floor. ``make bench`` writes the figures to reports/bench.json
and reports/bench.md.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from functions.core.config import names, settings

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 9
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
    "LAMBDA_TASK_ROOT": "/var/task",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "AWS_REGION": "us-east-1",
}


@dataclass(frozen=True)
class Sample:
    """One cold import: seconds on the clock, and seconds of CPU (user + system) it used."""

    wall: float
    cpu: float


def cold_import(module: str) -> Sample:
    """A fresh interpreter starts, imports ``module`` and exits."""
    env = {"PATH": os.environ.get("PATH", ""), **LAMBDA_ENV}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", f"import {module}"], cwd=ROOT, env=env, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Sample(wall=wall, cpu=cpu)


def measure(rounds: int) -> dict[str, list[Sample]]:
    """``rounds`` interleaved samples of the floor (key ``"floor"``) and of each handler."""
    modules = {"floor": FLOOR, **HANDLERS}
    samples: dict[str, list[Sample]] = {key: [] for key in modules}
    for _ in range(rounds):
        for key, module in modules.items():
            samples[key].append(cold_import(module))
    return samples


def median_seconds(samples: dict[str, list[Sample]], clock: str) -> dict[str, float]:
    """Each module's median seconds on ``clock`` (``"wall"`` or ``"cpu"``)."""
    return {
        key: statistics.median(getattr(s, clock) for s in runs) for key, runs in samples.items()
    }


def over_floor(figures: dict[str, float]) -> dict[str, float]:
    """Each handler's figure over the floor's."""
    return {key: value / figures["floor"] for key, value in figures.items() if key != "floor"}


def cold_import_report(
    medians: dict[str, float], ratios: dict[str, float], cpu_ratios: dict[str, float], load: float
) -> str:
    floor = medians["floor"]
    rows = [f"| bare Powertools handler (the floor) | {floor * 1000:.0f} ms | 1.00x | 1.00x |"]
    rows += [
        f"| {key} (`{HANDLERS[key]}`) | {medians[key] * 1000:.0f} ms | {ratios[key]:.2f}x "
        f"| {cpu_ratios[key]:.2f}x |"
        for key in HANDLERS
    ]
    return "\n".join(
        [
            "## API handlers' cold imports",
            "",
            "`make bench` (or `.venv/bin/python -m pytest -q tests/bench/test_cold_import_bench.py "
            f"--benchmark-only`): a whole `python -c 'import …'` process each, medians of {ROUNDS} "
            f"interleaved rounds next to a bare Powertools handler; target ≤ {TARGET_RATIO}x, "
            "none importing numpy (`tests/unit/api/test_cold_imports.py`, in `make test`). "
            "CPU time (user + system) of the same processes beside the wall time; load average "
            f"(1 min) at the start: {load:.2f}.",
            "",
            "| module | median (wall) | ratio to the floor (wall) | ratio (CPU time) |",
            "| --- | ---: | ---: | ---: |",
            *rows,
        ]
    )


def test_api_handler_cold_imports_next_to_a_bare_powertools_handler(
    benchmark, report_section
) -> None:
    load = os.getloadavg()[0]
    samples = benchmark.pedantic(measure, args=(ROUNDS,), rounds=1, iterations=1)
    medians = median_seconds(samples, "wall")
    ratios = over_floor(medians)
    cpu_ratios = over_floor(median_seconds(samples, "cpu"))
    benchmark.extra_info.update(
        rounds=ROUNDS,
        load_average=round(load, 2),
        floor_s=round(medians["floor"], 4),
        **{f"{key}_s": round(medians[key], 4) for key in HANDLERS},
        **{f"{key}_ratio": round(ratio, 3) for key, ratio in ratios.items()},
        **{f"{key}_cpu_ratio": round(ratio, 3) for key, ratio in cpu_ratios.items()},
    )
    lines = [f"bare Powertools handler {medians['floor'] * 1000:6.0f} ms  1.00x  (CPU 1.00x)"]
    lines += [
        f"{key:<23} {medians[key] * 1000:6.0f} ms  {ratios[key]:.2f}x  (CPU {cpu_ratios[key]:.2f}x)"
        for key in HANDLERS
    ]
    print(
        f"\ncold import, whole process, median of {ROUNDS} rounds (load average {load:.2f})\n"
        + "\n".join(lines)
    )
    report_section("cold imports", cold_import_report(medians, ratios, cpu_ratios, load))
    over = {key: round(r, 2) for key, r in ratios.items() if r > TARGET_RATIO}
    assert not over, f"over {TARGET_RATIO}x the bare handler: {over}"
