"""Every handler in ``names.FUNCTIONS`` exists, and everything it imports is in the Lambda
runtime or in the layers the stack gives that function (numpy only where ``needs_numpy``).

Each handler is imported in a fresh interpreter, as a cold start would: a handler that
starts importing numpy (or anything no layer carries) fails here, not in production.
"""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

from functions.core.config import names
from layers.build import RUNTIME_PROVIDED, pins

ROOT = Path(__file__).resolve().parents[2]
OPTIONAL = {"certifi"}
"""botocore imports certifi when it is installed and does without it otherwise."""
PROBE = """
import importlib, json, sys
started = set(sys.modules)  # what the interpreter itself loaded (site, .pth hooks)
module, attr = sys.argv[1].rsplit(".", 1)
assert callable(getattr(importlib.import_module(module), attr)), sys.argv[1]
print(json.dumps(sorted({name.split(".")[0] for name in set(sys.modules) - started})))
"""


def _normalize(distribution: str) -> str:
    return distribution.lower().replace("_", "-")


def _layer_distributions(layer: str) -> set[str]:
    return {_normalize(pin.split("==")[0]) for pin in pins(layer)}


@cache
def _imports() -> dict[str, set[str]]:
    """Function key → the distributions its handler's import reaches (besides ours)."""

    def probe(spec: names.Function) -> tuple[str, set[str]]:
        result = subprocess.run(
            [sys.executable, "-c", PROBE, spec.handler],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, f"{spec.handler}: {result.stderr[-2000:]}"
        modules = json.loads(result.stdout.splitlines()[-1])
        owners = packages_distributions()
        found = {_normalize(d) for m in modules if m != "functions" for d in owners.get(m, [])}
        return spec.key, found

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(pool.map(probe, names.FUNCTIONS.values()))


@pytest.mark.parametrize("spec", names.FUNCTIONS.values(), ids=lambda f: f.key)
def test_handler_imports_only_what_its_lambda_has(spec: names.Function) -> None:
    available = RUNTIME_PROVIDED | OPTIONAL | _layer_distributions("powertools")
    if spec.needs_numpy:
        available |= _layer_distributions("numpy")
    assert _imports()[spec.key] <= available


@pytest.mark.parametrize("spec", names.FUNCTIONS.values(), ids=lambda f: f.key)
def test_needs_numpy_says_whether_the_handler_imports_numpy(spec: names.Function) -> None:
    assert ("numpy" in _imports()[spec.key]) == spec.needs_numpy
