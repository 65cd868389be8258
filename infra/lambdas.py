"""Lambda functions built from ``names.FUNCTIONS``: one code asset, one way of making them.

The code asset is the ``functions`` package alone (the handler strings are
``functions.api.sessions.handler`` and so on, so the asset root must contain the package).
It is staged as a copy under ``build/`` named by a hash of its content: pointing the asset
at the repository root with an exclude list would make CDK fingerprint ``.venv`` and
``node_modules`` (tens of thousands of files) on every synth.

Every function gets its own role with nothing but its log group and X-Ray (grants are added
by the construct that owns the function), a log group with the deployment's retention, JSON
logs, active tracing, arm64, and the environment ``settings.environment_for`` defines, so the
Lambda code and the local stack read the same variables.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Mapping
from pathlib import Path

from aws_cdk import Aws, Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from functions.core.config import names, settings
from functions.core.config.observability import TRACE_DISABLED_ENV
from infra.config import DeployConfig
from infra.layers import BUILD_ROOT, Layers
from infra.logs import log_group
from infra.nag import acknowledge
from infra.runtime import ARCHITECTURE, RUNTIME
from layers.build import cached_build

FUNCTIONS_DIR = Path(__file__).resolve().parent.parent / "functions"
SERVICE_NAME = "doorproof"
METRICS_NAMESPACE = "Doorproof"


def _source_files(root: Path) -> list[Path]:
    """The package's files, without bytecode caches."""
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    )


def function_code() -> lambda_.Code:
    """The one code asset: ``build/code-<hash>/functions``."""
    files = _source_files(FUNCTIONS_DIR)
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(FUNCTIONS_DIR)).encode() + b"\0")
        digest.update(path.read_bytes())

    def fill(folder: Path) -> None:
        for path in files:
            target = folder / "functions" / path.relative_to(FUNCTIONS_DIR)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)

    return lambda_.Code.from_asset(
        str(cached_build(BUILD_ROOT, "code", digest.hexdigest()[:16], fill))
    )


TRACER_CAPTURE_RESPONSE = "POWERTOOLS_TRACER_CAPTURE_RESPONSE"


class FunctionFactory:
    """Makes the Lambda functions of ``names.FUNCTIONS`` with shared settings."""

    def __init__(self, config: DeployConfig, layers: Layers) -> None:
        self._config = config
        self._layers = layers
        self._code = function_code()
        self._environment = settings.environment_for(config.stage, Aws.ACCOUNT_ID) | {
            "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
            "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
            # The X-Ray SDK only when asked for: its import is ~0.7 s of each cold start
            # (functions.core.config.observability.traced); active tracing stays on regardless.
            TRACE_DISABLED_ENV: "false" if config.xray_sdk else "true",
            # Powertools' tracer would put every handler's return value into its X-Ray
            # segment: session documents with addresses, presigned URLs. Traces keep timings
            # and errors only; this covers every capture_* decorator, present and future.
            TRACER_CAPTURE_RESPONSE: "false",
        }
        self.functions: dict[str, lambda_.Function] = {}
        """Every function made so far, by key (monitoring walks this)."""

    def create(
        self,
        scope: Construct,
        key: str,
        *,
        queue: sqs.IQueue | None = None,
        environment: Mapping[str, str] | None = None,
    ) -> lambda_.Function:
        """The function ``names.FUNCTIONS[key]``; ``queue`` is the processing queue, for
        functions that send "finalize" messages (its URL is only known to the deployer);
        ``environment`` adds variables only this function needs."""
        spec = names.FUNCTIONS[key]
        name = names.function_name(self._config.stage, key)
        variables: dict[str, str] = {**self._environment, **(environment or {})}
        if queue is not None:
            variables[settings.ENV_VARS["processing_queue_url"]] = queue.queue_url
        construct_id = key.capitalize()
        role = iam.Role(
            scope,
            f"{construct_id}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Runs {name}; permissions come from grant_* calls only",
        )
        logs = log_group(scope, f"{construct_id}Logs", self._config, f"/aws/lambda/{name}")
        logs.grant_write(role)
        layers = [self._layers.powertools] + ([self._layers.numpy] if spec.needs_numpy else [])
        function = lambda_.Function(
            scope,
            construct_id,
            function_name=name,
            description=f"Doorproof {key} ({spec.handler})",
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            code=self._code,
            handler=spec.handler,
            memory_size=spec.memory_mb,
            timeout=Duration.seconds(spec.timeout_s),
            layers=layers,
            environment=variables,
            role=role,
            log_group=logs,
            logging_format=lambda_.LoggingFormat.JSON,
            application_log_level_v2=lambda_.ApplicationLogLevel.INFO,
            system_log_level_v2=lambda_.SystemLogLevel.WARN,
            tracing=lambda_.Tracing.ACTIVE,
        )
        acknowledge(
            role,
            "AwsSolutions-IAM5[Resource::*]",
            "X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level "
            "permissions; this is the statement Lambda active tracing needs.",
        )
        self.functions[key] = function
        return function
