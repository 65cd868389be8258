"""The Lambda layers: Powertools (with pydantic) for every function, numpy for the engine.

Both are built here, without Docker, by ``layers/build.py`` from the distributions listed in
``layers/<name>/requirements.txt``, at the versions uv.lock pins (the lock the tests'
environment is installed from). Powertools is built rather than taken from the AWS-published
layer: the published ARN differs per region and release, its release number does not follow
the library's version, and its pydantic is whatever that release bundled. A built layer
carries exactly the versions the tests ran with, for the runtime in ``infra.runtime``, in
every region and partition. See docs/deploy.md.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.runtime import ARCHITECTURE, MACHINE, RUNTIME, python_version
from layers.build import build_layer

BUILD_ROOT = Path(__file__).resolve().parent.parent / "build"


class Layers(Construct):
    """``powertools`` goes on every function, ``numpy`` on those with ``needs_numpy``."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.powertools = self._layer("powertools", "Powertools for AWS Lambda, pydantic v2")
        self.numpy = self._layer("numpy", "numpy for the insight engine")

    def _layer(self, name: str, description: str) -> lambda_.LayerVersion:
        folder = build_layer(name, python_version(), MACHINE, BUILD_ROOT / "layers")
        return lambda_.LayerVersion(
            self,
            name.capitalize(),
            code=lambda_.Code.from_asset(str(folder)),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description=description,
        )
