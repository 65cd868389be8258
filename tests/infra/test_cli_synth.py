"""``cdk synth`` through the pinned CLI, as ``make synth`` runs it: offline, with no AWS
credentials and no Docker, cdk-nag enabled (it fails the synth on any finding)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "node_modules" / ".bin" / "cdk"


@pytest.mark.skipif(
    not CLI.exists(), reason="node_modules is absent: run `npm ci` (make does) for the CDK CLI"
)
def test_cdk_synth_succeeds_offline_without_credentials(tmp_path: Path) -> None:
    assert shutil.which("npx"), "npx (Node.js) is needed for the CDK CLI"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_"))}
    env |= {
        # No instance-metadata probe for credentials: this runs where there are none.
        "AWS_EC2_METADATA_DISABLED": "true",
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
    }
    result = subprocess.run(
        ["npx", "--no-install", "cdk", "synth", "--quiet", "--output", str(tmp_path / "out")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert (tmp_path / "out" / "Doorproof-dev.template.json").is_file()
