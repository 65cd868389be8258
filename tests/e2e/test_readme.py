"""The README's Python examples, run as written against the local stack: a quick start that
does not work is worse than none. Blocks run in order, each in a fresh namespace, with the
environment variables the README tells the reader to set."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.integration.conftest import LocalApi

pytestmark = pytest.mark.integration
README = Path(__file__).resolve().parents[2] / "README.md"


def python_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)


def test_readme_python_examples_run_against_the_local_stack(
    local_api: LocalApi,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    blocks = python_blocks(README.read_text())
    assert len(blocks) >= 2, "the app and backend quick starts"
    org = local_api.keys[0]
    monkeypatch.setenv("DOORPROOF_URL", local_api.url)
    monkeypatch.setenv("DOORPROOF_PUBLISHABLE_KEY", org.publishable_key)
    monkeypatch.setenv("DOORPROOF_SECRET_KEY", org.secret_key)
    monkeypatch.chdir(tmp_path)
    for number, block in enumerate(blocks, start=1):
        exec(compile(block, f"README.md python block {number}", "exec"), {})
    out = capsys.readouterr().out
    assert "recorded sess_" in out
    assert "ready" in out
