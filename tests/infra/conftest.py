"""Synthesize the Doorproof app once per test session and share the template.

The app is built exactly as ``cdk synth`` builds it (cdk.json's context and feature flags,
``infra.application.create_app``, cdk-nag registered), with the context of a *live*
deployment that sets every option, so the tests see deletion protection, the alarm e-mail
subscription and CORS. ``app.synth()`` raising would mean cdk-nag found something
unacknowledged.
"""

from __future__ import annotations

import os

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pytest
from aws_cdk import App, CfnResource
from aws_cdk.assertions import Template

from infra.application import cdk_json_context, create_app
from infra.stack import DoorproofStack

STAGE = "ci"
CONTEXT = {
    "stage": STAGE,
    "environment": "live",
    "alarmEmail": "ops@example.com",
    "dashboardOrigin": "https://dashboard.example.com",
}


@dataclass
class Synthesized:
    app: App
    stack: DoorproofStack
    template: Template

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        resources: dict[str, dict[str, Any]] = self.template.to_json()["Resources"]
        return resources

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.resources.items() if v["Type"] == resource_type}

    @cached_property
    def paths(self) -> dict[str, str]:
        """Logical id → construct path (in-process synth writes no path metadata)."""
        return {
            str(self.stack.resolve(self.stack.get_logical_id(c))): c.node.path
            for c in self.stack.node.find_all()
            if isinstance(c, CfnResource)
        }

    def logical_id(self, construct: Any) -> str:
        """The logical id of ``construct``'s CloudFormation resource."""
        cfn = construct.node.default_child
        return str(self.stack.resolve(self.stack.get_logical_id(cfn)))


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    app, stack = create_app(
        cdk_json_context() | CONTEXT, outdir=str(tmp_path_factory.mktemp("cdk.out"))
    )
    app.synth()
    return Synthesized(app, stack, Template.from_stack(stack))
