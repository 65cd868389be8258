"""The cold-import check: as deployed, no API handler imports numpy, the X-Ray SDK or the CDK,
each resumes the garbage collector it paused, and each imports within 1.25x a bare Powertools
handler.

Each handler module is imported in a fresh interpreter with a deployed function's environment
(``LAMBDA_TASK_ROOT`` set, tracing by the X-Ray SDK off as the CDK app sets it by default).
numpy alone is ~0.6 s of a cold start, the X-Ray SDK ~0.7 s. The time is measured as
``tests/bench/test_cold_import_bench.py`` measures it (``tests/cold_imports.py``), with fewer
rounds: the benchmark's figures sit at 0.74-0.87x, so a shared machine's noise has room.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from functions.core.config import names
from tests import cold_imports

ROOT = Path(__file__).resolve().parents[3]
HEAVY = {"numpy", "aws_xray_sdk", "aws_cdk", "jsii", "cdk_nag"}
PROBE = """
import gc, importlib, json, sys
importlib.import_module(sys.argv[1])
modules = sorted({name.split(".")[0] for name in sys.modules})
print(json.dumps({"modules": modules, "gc": gc.isenabled(), "frozen": gc.get_freeze_count()}))
"""
ROUNDS = 3
API_HANDLERS = [f for f in names.FUNCTIONS.values() if f.handler.startswith("functions.api.")]
OTHER_FUNCTIONS = [f for f in names.FUNCTIONS.values() if f not in API_HANDLERS]


def probe(module: str) -> dict[str, Any]:
    """What importing ``module`` in a deployed function's environment left behind: the
    top-level packages loaded, whether the collector runs, how many objects it froze."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "LAMBDA_TASK_ROOT": "/var/task",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE, module],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    state: dict[str, Any] = json.loads(result.stdout.splitlines()[-1])
    return state


@pytest.mark.parametrize("spec", API_HANDLERS, ids=lambda f: f.key)
def test_api_handler_imports_nothing_heavy(spec: names.Function) -> None:
    module = spec.handler.rsplit(".", 1)[0]
    state = probe(module)
    imported = set(state["modules"])
    assert not imported & HEAVY, f"{module} imports {sorted(imported & HEAVY)} on a cold start"
    assert not spec.needs_numpy, f"names.FUNCTIONS[{spec.key!r}] must not get the numpy layer"
    assert state["gc"], f"{module} leaves the garbage collector paused (cold_start.done)"
    assert state["frozen"] > 10_000, f"{module} froze {state['frozen']} objects"


@pytest.mark.parametrize("spec", OTHER_FUNCTIONS, ids=lambda f: f.key)
def test_the_other_functions_keep_their_collector(spec: names.Function) -> None:
    """Only an API handler's module ends the pause; a processing function that imported
    anything of ``functions.api`` would run its container without collections."""
    state = probe(spec.handler.rsplit(".", 1)[0])
    assert state["gc"] and state["frozen"] == 0, state["gc"]


def test_api_handlers_import_within_the_target_of_a_bare_powertools_handler() -> None:
    ratios = cold_imports.measure(ROUNDS, untouched=False).ratios()
    assert set(ratios) == {f.key for f in API_HANDLERS}
    over = {key: round(r, 2) for key, r in ratios.items() if r > cold_imports.TARGET_RATIO}
    assert not over, f"over {cold_imports.TARGET_RATIO}x the bare handler (CPU time): {over}"
