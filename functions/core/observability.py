"""One Logger, Tracer and Metrics for every function (Powertools).

Service name, log level and sampling come from the POWERTOOLS_* variables the CDK app sets; the
local stack disables tracing and metrics output, so the same code runs quietly there.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger(service="doorproof")
tracer = Tracer(service="doorproof")
metrics = Metrics(namespace="Doorproof", service="doorproof")
