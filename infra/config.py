"""Deployment configuration read from CDK context (``cdk.json`` or ``-c key=value``).

Everything a DevOps engineer may change per deployment lives here, validated once at synth
time, so a typo fails ``cdk synth`` with a clear message instead of a half-applied deploy.
Resource names and limits are not configuration: they come from ``functions.core.config.names``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from aws_cdk import RemovalPolicy

from functions.core.config import names

Environment = Literal["sandbox", "live"]

STAGE_PATTERN = re.compile(r"^[a-z][a-z0-9-]{0,19}$")
"""Short, lower case: the stage is part of bucket, table, queue and function names, and
S3 bucket names are limited to 63 characters including the 12-digit account id."""

LOG_RETENTION_DAYS = frozenset(
    {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557}
    | {2922, 3288, 3653}
)
"""The retention periods CloudWatch Logs accepts: checked here so a bad value fails synth."""


class ContextReader(Protocol):
    """What ``constructs.Node`` offers for reading context (kept narrow for tests)."""

    def try_get_context(self, key: str) -> Any: ...


@dataclass(frozen=True)
class DeployConfig:
    """One deployment: which stage, whether it holds live data, and operator preferences."""

    stage: str = "dev"
    environment: Environment = "sandbox"
    log_retention_days: int = 30
    alarm_email: str | None = None
    dashboard_origin: str | None = None
    xray_sdk: bool = False
    """Trace the AWS calls inside each invocation with the X-Ray SDK (Powertools' Tracer).
    Off by default: importing the SDK costs ~0.7 s of every cold start, and Lambda's active
    tracing records each invocation without it."""
    webhook_sandbox_loopback: bool = False
    """Whether sandbox webhook endpoints may be ``http://127.0.0.1`` (context
    ``webhooksSandboxLoopback``): off in AWS unless a deployer turns it on."""

    def __post_init__(self) -> None:
        if not STAGE_PATTERN.match(self.stage):
            raise ValueError(f"stage {self.stage!r} must match {STAGE_PATTERN.pattern}")
        if self.environment not in names.ENVIRONMENTS:
            raise ValueError(f"environment must be one of {names.ENVIRONMENTS}")
        if self.log_retention_days not in LOG_RETENTION_DAYS:
            raise ValueError(
                f"logRetentionDays {self.log_retention_days} is not one CloudWatch accepts: "
                f"{sorted(LOG_RETENTION_DAYS)}"
            )
        if self.dashboard_origin and not self.dashboard_origin.startswith(
            ("https://", "http://localhost", "http://127.0.0.1")
        ):
            raise ValueError("dashboardOrigin must be an https:// origin (or a localhost one)")

    @property
    def live(self) -> bool:
        """Live deployments keep their data: deletion protection on, resources retained."""
        return self.environment == "live"

    @property
    def removal_policy(self) -> RemovalPolicy:
        """What ``cdk destroy`` does with stateful resources: keep them in live."""
        return RemovalPolicy.RETAIN if self.live else RemovalPolicy.DESTROY

    @classmethod
    def from_context(cls, node: ContextReader) -> DeployConfig:
        """Read the context keys documented in docs/deploy.md; empty strings mean unset."""

        def text(key: str) -> str | None:
            value = node.try_get_context(key)
            return str(value) if value not in (None, "") else None

        def flag(key: str) -> bool:
            value = text(key)
            if value is None:
                return False
            if value.lower() not in ("true", "false"):
                raise ValueError(f"{key} must be true or false, got {value!r}")
            return value.lower() == "true"

        retention = text("logRetentionDays")
        return cls(
            stage=text("stage") or cls.stage,
            environment=text("environment") or cls.environment,  # type: ignore[arg-type]
            log_retention_days=int(retention) if retention else cls.log_retention_days,
            alarm_email=text("alarmEmail"),
            dashboard_origin=text("dashboardOrigin"),
            xray_sdk=flag("xraySdk"),
            webhook_sandbox_loopback=flag("webhooksSandboxLoopback"),
        )
