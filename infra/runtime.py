"""What every Doorproof Lambda runs on: one runtime and one CPU architecture.

The newest Python runtime aws-cdk-lib offers, on Graviton (arm64: cheaper per GB-second and
the numpy wheels exist for it). The layers are built for exactly this pair, so changing
either rebuilds them.
"""

from __future__ import annotations

from aws_cdk import aws_lambda as lambda_

RUNTIME = lambda_.Runtime.PYTHON_3_14
ARCHITECTURE = lambda_.Architecture.ARM_64
MACHINE = "aarch64"
"""The wheel platform name of ``ARCHITECTURE``."""


def python_version() -> str:
    """The runtime's Python version as pip's ``--python-version`` wants it (``"3.14"``)."""
    return RUNTIME.name.removeprefix("python")
