"""The floor for cold imports: a bare Powertools HTTP handler and nothing of ours.

It imports what any Powertools API Lambda on pydantic imports (boto3, pydantic, the HTTP API
resolver with validation, Logger, Metrics) and defines one validated route, so that
``test_cold_import_bench`` can say how much each of our handlers adds on top.
"""

from __future__ import annotations

from typing import Any

import boto3  # noqa: F401 - part of the floor: every handler here talks to AWS
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

logger = Logger(service="bare")
metrics = Metrics(namespace="Bare", service="bare")
app = APIGatewayHttpResolver(enable_validation=True)


class Greeting(BaseModel):
    name: str


@app.post("/hello")
def hello(body: Greeting) -> Greeting:
    return body


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
