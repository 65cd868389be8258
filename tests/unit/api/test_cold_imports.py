"""The cold-import check: no API handler imports numpy, the X-Ray SDK or the CDK, as deployed.

Each handler module is imported in a fresh interpreter with a deployed function's environment
(``LAMBDA_TASK_ROOT`` set, tracing by the X-Ray SDK off as the CDK app sets it by default).
numpy alone is ~0.6 s of a cold start, the X-Ray SDK ~0.7 s; the time itself is measured by
``tests/bench/test_cold_import_bench.py`` (``make bench``), next to a bare Powertools handler.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from functions.core.config import names

ROOT = Path(__file__).resolve().parents[3]
HEAVY = {"numpy", "aws_xray_sdk", "aws_cdk", "jsii", "cdk_nag"}
PROBE = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""
API_HANDLERS = [f for f in names.FUNCTIONS.values() if f.handler.startswith("functions.api.")]


@pytest.mark.parametrize("spec", API_HANDLERS, ids=lambda f: f.key)
def test_api_handler_imports_nothing_heavy(spec: names.Function) -> None:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "LAMBDA_TASK_ROOT": "/var/task",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
    module = spec.handler.rsplit(".", 1)[0]
    result = subprocess.run(
        [sys.executable, "-c", PROBE, module],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    imported = set(json.loads(result.stdout.splitlines()[-1]))
    assert not imported & HEAVY, f"{module} imports {sorted(imported & HEAVY)} on a cold start"
    assert not spec.needs_numpy, f"names.FUNCTIONS[{spec.key!r}] must not get the numpy layer"
