"""cdk-nag (v3): the AwsSolutions checks, and acknowledgements that always carry a reason.

cdk-nag 3 is a CDK policy-validation plugin: it runs after synthesis and fails it on any
finding that is not acknowledged, so a successful ``cdk synth`` means a clean report.
Acknowledgements use CDK's ``Validations.of(construct).acknowledge`` and apply to the
construct and everything below it; findings about a specific resource or action are
acknowledged one by one as ``RuleId[Resource::…]`` / ``RuleId[Action::…]``.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, CfnResource, Stack, Stage, Validations
from aws_cdk import aws_iam as iam
from cdk_nag import AwsSolutionsChecks
from constructs import Construct, IConstruct

PACK = "AwsSolutions"
"""The pack's plugin name: the prefix of its rule ids in acknowledgements."""


def add_checks(stage: Stage) -> None:
    """Run AwsSolutionsChecks over everything in ``stage`` (an App) at synth time."""
    Validations.of(stage).add_plugins(AwsSolutionsChecks(stage, verbose=True))


def acknowledge(scope: IConstruct, finding: str, reason: str) -> None:
    """Accept ``finding`` on ``scope`` and below, for ``reason`` (which must say why).

    ``finding`` is a cdk-nag rule id (``AwsSolutions-IAM5[…]``), filed under the plugin's
    name as the validation report asks, or an id that already names its plugin
    (``CloudFormation-Validate::W7001``).
    """
    if len(reason.strip()) < 20:
        raise ValueError(f"acknowledging {finding} needs a real reason, got {reason!r}")
    rule_id = finding if "::" in finding.partition("[")[0] else f"{PACK}::{finding}"
    Validations.of(scope).acknowledge(Acknowledgment(id=rule_id, reason=reason))


def arn_ref(resource: IConstruct) -> str:
    """How cdk-nag spells ``resource``'s ARN in a finding: ``<LogicalId.Arn>``."""
    cfn = resource.node.default_child
    assert isinstance(cfn, CfnResource)
    stack = Stack.of(cfn)
    return f"<{stack.resolve(stack.get_logical_id(cfn))}.Arn>"


def principal_construct(grantee: iam.IGrantable) -> IConstruct:
    """The construct whose policy a grant to ``grantee`` lands in (a function's role)."""
    principal = grantee.grant_principal
    if not isinstance(principal, Construct):
        raise TypeError(f"cannot acknowledge findings on {principal!r}: not a construct")
    return principal
