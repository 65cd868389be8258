"""Cold start cost of each API handler: ``python -c "import <handler module>"`` as a whole
process, next to the same for a bare Powertools handler (``bare_handler``: boto3, pydantic,
resolver, Logger, Metrics), measured side by side in one run.

Rounds are interleaved (floor, every handler, floor, ...) so that a machine busy with other
work slows all of them alike; each figure is the median over the rounds, each ratio is a
handler's median over the floor's. The environment is a deployed function's by default
(``LAMBDA_TASK_ROOT`` set, ``POWERTOOLS_TRACE_DISABLED=true``: no X-Ray SDK unless the
deployment sets ``xraySdk``), with the settings every function gets. Target: every handler
within 1.25x the floor. ``make bench`` writes the figures to reports/bench.json.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
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


def cold_import(module: str) -> float:
    """Seconds for a fresh interpreter to start, import ``module`` and exit."""
    env = {"PATH": os.environ.get("PATH", ""), **LAMBDA_ENV}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", f"import {module}"], cwd=ROOT, env=env, check=True)
    return time.perf_counter() - started


def measure() -> dict[str, float]:
    """Median seconds per module over interleaved rounds (the floor included)."""
    modules = {"floor": FLOOR, **HANDLERS}
    samples: dict[str, list[float]] = {key: [] for key in modules}
    for _ in range(ROUNDS):
        for key, module in modules.items():
            samples[key].append(cold_import(module))
    return {key: statistics.median(values) for key, values in samples.items()}


def cold_import_report(medians: dict[str, float], ratios: dict[str, float]) -> str:
    rows = [f"| bare Powertools handler (the floor) | {medians['floor'] * 1000:.0f} ms | 1.00x |"]
    rows += [
        f"| {key} (`{HANDLERS[key]}`) | {medians[key] * 1000:.0f} ms | {ratios[key]:.2f}x |"
        for key in HANDLERS
    ]
    return "\n".join(
        [
            "## API handlers' cold imports",
            "",
            "`make bench` (or `.venv/bin/python -m pytest -q tests/bench/test_cold_import_bench.py "
            f"--benchmark-only`): a whole `python -c 'import …'` process each, medians of {ROUNDS} "
            f"interleaved rounds next to a bare Powertools handler; target ≤ {TARGET_RATIO}x, "
            "none importing numpy (`tests/unit/api/test_cold_imports.py`, in `make test`).",
            "",
            "| module | median | ratio to the floor |",
            "| --- | ---: | ---: |",
            *rows,
        ]
    )


def test_api_handler_cold_imports_next_to_a_bare_powertools_handler(
    benchmark, report_section
) -> None:
    medians = benchmark.pedantic(measure, rounds=1, iterations=1)
    floor = medians["floor"]
    ratios = {key: medians[key] / floor for key in HANDLERS}
    benchmark.extra_info.update(
        rounds=ROUNDS,
        floor_s=round(floor, 4),
        **{f"{key}_s": round(medians[key], 4) for key in HANDLERS},
        **{f"{key}_ratio": round(ratio, 3) for key, ratio in ratios.items()},
    )
    lines = [f"bare Powertools handler {floor * 1000:6.0f} ms  1.00x"]
    lines += [f"{key:<23} {medians[key] * 1000:6.0f} ms  {ratios[key]:.2f}x" for key in HANDLERS]
    print("\ncold import, whole process, median of", ROUNDS, "rounds\n" + "\n".join(lines))
    report_section("cold imports", cold_import_report(medians, ratios))
    over = {key: round(r, 2) for key, r in ratios.items() if r > TARGET_RATIO}
    assert not over, f"over {TARGET_RATIO}x the bare handler: {over}"
