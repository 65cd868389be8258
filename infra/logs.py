"""Log groups with the deployment's retention, created explicitly.

Explicit log groups (rather than the ones Lambda, API Gateway or Firehose would create on
first write) get a retention and a removal policy, and are deleted with a sandbox stack
instead of lingering forever.
"""

from __future__ import annotations

from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.config import DeployConfig


def log_group(
    scope: Construct, construct_id: str, config: DeployConfig, name: str | None = None
) -> logs.LogGroup:
    """A log group kept for ``config.log_retention_days`` and removed per ``config``."""
    group = logs.LogGroup(
        scope,
        construct_id,
        log_group_name=name,
        removal_policy=config.removal_policy,
    )
    # RetentionDays is an enum of names; any value CloudWatch accepts (checked in
    # DeployConfig) goes straight onto the CloudFormation property.
    cfn = group.node.default_child
    assert isinstance(cfn, logs.CfnLogGroup)
    cfn.retention_in_days = config.log_retention_days
    return group
