"""Tracing costs no X-Ray SDK import unless it is on (Powertools' rule: in Lambda, not
disabled)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from functions.core.config.observability import tracing_enabled

PROBE = """
import sys
from functions.core.config.observability import traced
traced(lambda event, context: "ok")
print("aws_xray_sdk" in sys.modules)
"""


@pytest.mark.parametrize(
    ("environ", "enabled"),
    [
        ({}, False),
        ({"LAMBDA_TASK_ROOT": "/var/task"}, True),
        ({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "true"}, False),
        ({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "1"}, False),
        ({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "false"}, True),
    ],
)
def test_tracing_follows_powertools_rule(environ: dict[str, str], enabled: bool) -> None:
    assert tracing_enabled(environ) is enabled


@pytest.mark.parametrize(
    ("disabled", "imports_sdk"), [("true", False), ("false", True)], ids=["off", "on"]
)
def test_the_xray_sdk_is_imported_only_when_tracing_is_on(disabled: str, imports_sdk: bool) -> None:
    env = {"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": disabled, "PATH": ""}
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.split()[-1] == str(imports_sdk)
