"""The CDK app: one Doorproof stack per invocation, configured from context, nag-checked.

``app.py`` (what ``cdk synth`` runs) and the infrastructure tests both build the app here,
so the tests check exactly what gets deployed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from aws_cdk import App, Environment, Tags

from infra.config import DeployConfig
from infra.nag import add_checks
from infra.stack import DoorproofStack

CDK_JSON = Path(__file__).resolve().parent.parent / "cdk.json"


def cdk_json_context() -> dict[str, Any]:
    """The context cdk.json gives the CLI (deployment defaults and feature flags); a test
    that builds the app in-process starts from it, as ``cdk synth`` does."""
    context: dict[str, Any] = json.loads(CDK_JSON.read_text())["context"]
    return context


def create_app(
    context: dict[str, Any] | None = None, outdir: str | None = None
) -> tuple[App, DoorproofStack]:
    """The app and its stack; ``context`` overrides cdk.json (tests use it)."""
    app = App(context=context, outdir=outdir)
    config = DeployConfig.from_context(app.node)
    stack = DoorproofStack(
        app,
        f"Doorproof-{config.stage}",
        config=config,
        description=f"Doorproof proof-of-delivery backend, stage {config.stage}",
        termination_protection=config.live,
        # Environment-agnostic unless the CLI resolved an account (cdk deploy does):
        # synth works offline with no credentials at all.
        env=Environment(
            account=os.environ.get("CDK_DEFAULT_ACCOUNT"),
            region=os.environ.get("CDK_DEFAULT_REGION"),
        ),
    )
    Tags.of(app).add("project", "doorproof")
    Tags.of(app).add("stage", config.stage)
    Tags.of(app).add("environment", config.environment)
    add_checks(app)
    return app, stack
