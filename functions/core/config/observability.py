"""One Logger and Metrics for every function, and tracing only where it is switched on
(Powertools).

Service name, log level and sampling come from the POWERTOOLS_* variables the CDK app sets; the
local stack disables tracing and metrics output, so the same code runs quietly there.

Why ``traced`` and not a module-level ``Tracer()``: Powertools' Tracer imports the X-Ray SDK
when it is constructed, even with tracing disabled, and that import alone is ~0.7 s of every
cold start (``tests/bench/test_cold_import_bench.py``). ``traced`` builds the Tracer only when
tracing is on: in Lambda, unless ``POWERTOOLS_TRACE_DISABLED`` is true, which the CDK app sets
unless the deployment asks for the X-Ray SDK (``-c xraySdk=true``, docs/deploy.md). Lambda's
active tracing records every invocation either way; the SDK adds the AWS calls inside it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.shared.functions import resolve_truthy_env_var_choice

SERVICE = "doorproof"
TRACE_DISABLED_ENV = "POWERTOOLS_TRACE_DISABLED"
logger = Logger(service=SERVICE)
metrics = Metrics(namespace="Doorproof", service=SERVICE)

Handler = TypeVar("Handler", bound=Callable[..., Any])


def tracing_enabled(environ: Mapping[str, str] = os.environ) -> bool:
    """Powertools' rule for the X-Ray SDK: in Lambda (``LAMBDA_TASK_ROOT``) and not disabled."""
    disabled = resolve_truthy_env_var_choice(env=environ.get(TRACE_DISABLED_ENV, "false"))
    return bool(environ.get("LAMBDA_TASK_ROOT")) and not disabled


def traced(handler: Handler) -> Handler:
    """``handler`` under Powertools' ``capture_lambda_handler`` when tracing is enabled (at
    cold start); else ``handler`` itself, and the X-Ray SDK is never imported."""
    if not tracing_enabled():
        return handler
    return cast(Handler, Tracer(service=SERVICE).capture_lambda_handler(handler))
