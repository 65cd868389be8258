"""``doorproof replay`` against the local stack over real HTTP: a real recording from
../shared/data becomes a server-side case whose verdict is exactly ``doorproof analyze``'s."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from doorproof.accuracy.common import data_dir
from tests.integration.conftest import LocalApi

pytestmark = pytest.mark.integration
RECORDINGS = (
    "vertical/climb/2022-08-19_095418.188_50Hz_40.4s.ndjson.gz",
    "elevators/ofCampus_Calling_1_2_Calling_1.ndjson.gz",
    "entry/2016-11-30T093040_319Z.ndjson.gz",
)
NOT_VERDICT = (
    "sessionId",
    "organizationId",
    "deliveryId",
    "createdAt",
    "updatedAt",
    "version",
    "pathImageUrl",
    "pod",
)
"""What the server's case file may differ in: identity, timestamps, version, image and photo."""


def verdict(document: dict) -> dict:
    """Every other field of the case file (a field only one side has counts as a difference)."""
    return {k: v for k, v in document.items() if k not in NOT_VERDICT}


def doorproof(*args: str) -> subprocess.CompletedProcess[str]:
    """The command line in its own process (the stack's handlers print metrics here)."""
    return subprocess.run(
        [sys.executable, "-m", "doorproof", *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _recording(name: str) -> Path:
    path = data_dir() / name
    if not path.is_file():
        pytest.skip(f"SKIPPED LOUDLY: real recording {path} is missing (../shared/data)")
    return path


@pytest.mark.parametrize("name", RECORDINGS)
def test_replay_gives_the_case_file_analyze_gives(
    local_api: LocalApi, tmp_path: Path, name: str
) -> None:
    path = _recording(name)
    start = tmp_path / "start.json"
    start.write_text(json.dumps({"deliveryId": f"replay-{path.stem}", "sessionType": "drop"}))
    key = local_api.keys[0].secret_key

    replayed = doorproof(
        "replay", str(path), "--url", local_api.url, "--key", key, "--start", str(start)
    )
    analyzed = doorproof("analyze", str(path), "--session", str(start))

    assert replayed.returncode == 0, replayed.stderr
    case, offline = json.loads(replayed.stdout), json.loads(analyzed.stdout)
    assert case["status"] == "ready" and case["deliveryId"] == f"replay-{path.stem}"
    assert "100%" in replayed.stderr and "samples" in replayed.stderr  # the progress bar
    assert verdict(case) == verdict(offline)


def test_replay_with_a_publishable_key_is_refused(local_api: LocalApi) -> None:
    path = _recording(RECORDINGS[0])
    key = local_api.keys[0].publishable_key
    refused = doorproof("replay", str(path), "--url", local_api.url, "--key", key)
    assert refused.returncode == 1 and refused.stdout == ""
    assert "INSUFFICIENT_SCOPE" in refused.stderr


def test_replay_reads_the_start_request_beside_the_recording(
    local_api: LocalApi, tmp_path: Path
) -> None:
    source = _recording(RECORDINGS[2])
    path = tmp_path / source.name
    path.write_bytes(source.read_bytes())
    start = {
        "deliveryId": f"beside-{uuid.uuid4().hex[:8]}",
        "sessionType": "pickup",
        "address": {"line1": "somewhere", "lat": 40.0 + random.random(), "lng": -74.0},
    }
    (tmp_path / f"{path.name.split('.')[0]}.start.json").write_text(json.dumps(start))
    key = local_api.keys[0].secret_key

    replayed = doorproof("replay", str(path), "--url", local_api.url, "--key", key)
    analyzed = doorproof("analyze", str(path))

    assert replayed.returncode == 0, replayed.stderr
    case, offline = json.loads(replayed.stdout), json.loads(analyzed.stdout)
    assert case["deliveryId"] == offline["deliveryId"] == start["deliveryId"]
    assert verdict(case) == verdict(offline)
