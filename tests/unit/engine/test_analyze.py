"""``doorproof analyze``: one insights document per file, in order, API schema, errors named."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from doorproof.cli import main
from functions.core.models.insights import InsightsDocument
from tests.unit.engine.test_scenarios import scenario

DATA = Path(__file__).resolve().parents[4] / "shared" / "data"


def _write(path: Path, session_id: str, batches: list[list[dict[str, Any]]], *, gz: bool) -> Path:
    lines = "".join(json.dumps({"sessionId": session_id, "events": b}) + "\n" for b in batches)
    if gz:
        path.write_bytes(gzip.compress(lines.encode()))
    else:
        path.write_text(lines)
    return path


@pytest.fixture(scope="module")
def recordings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("recordings")
    lobby, ground = scenario("lobby_handoff"), scenario("ground_floor")
    start = root / "start.json"
    start.write_text(json.dumps(lobby.start_request))
    bare = root / "bare-samples.ndjson"
    bare.write_text("".join(json.dumps(s) + "\n" for s in ground.samples))
    return {
        "lobby": _write(root / "lobby.ndjson.gz", "sess_lobby", lobby.batches(), gz=True),
        "ground": _write(root / "ground.ndjson", "sess_ground", ground.batches(), gz=False),
        "bare": bare,
        "start": start,
    }


def _documents(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines()]


def test_one_document_per_file_in_input_order(
    recordings: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    paths = [str(recordings[k]) for k in ("ground", "lobby", "bare")]
    assert main(["analyze", *paths]) == 0
    docs = _documents(capsys.readouterr().out)
    assert [d["sessionId"] for d in docs] == ["sess_ground", "sess_lobby", "bare-samples"]
    for doc in docs:
        model = InsightsDocument.model_validate(doc)
        assert (model.status, model.version, model.pod, model.pathImageUrl) == (
            "ready",
            1,
            None,
            None,
        )
        assert doc["createdAt"] == doc["updatedAt"] and doc["createdAt"].endswith("Z")
    # without an address there is no doorstep to judge, but the attempt is still seen
    assert docs[0]["summary"]["rightDoorstep"] is None
    assert "FULL_ATTEMPT" in docs[0]["reasonCodes"]
    assert docs[0]["reasonCodes"] == docs[2]["reasonCodes"]  # bodies or bare samples alike


def test_session_start_gives_the_address_and_delivery(
    recordings: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["analyze", str(recordings["lobby"]), "--session", str(recordings["start"])])
    assert code == 0
    (doc,) = _documents(capsys.readouterr().out)
    assert doc["deliveryId"] == "dlv_lobby_handoff_0"
    assert "POSSIBLE_LOBBY_HANDOFF" in doc["reasonCodes"]
    assert doc["summary"]["rightDoorstep"] is False


def test_unreadable_files_are_named_and_the_others_still_analysed(
    recordings: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.ndjson"
    broken.write_text('{"sessionId": "x", "events": []}\nnot json\n')
    missing = tmp_path / "missing.ndjson"
    code = main(["analyze", str(broken), str(recordings["ground"]), str(missing)])
    captured = capsys.readouterr()
    assert code == 1
    assert [d["sessionId"] for d in _documents(captured.out)] == ["sess_ground"]
    assert f"{broken}:2" in captured.err and str(missing) in captured.err


def test_bad_session_file_is_a_usage_error(
    recordings: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "start.json"
    bad.write_text("[1, 2]")
    assert main(["analyze", str(recordings["ground"]), "--session", str(bad)]) == 2
    assert "start.json" in capsys.readouterr().err


@pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data is not present")
def test_a_real_recording(capsys: pytest.CaptureFixture[str]) -> None:
    path = next(iter(sorted((DATA / "vertical" / "elevator_up").glob("*.ndjson.gz"))))
    assert main(["analyze", str(path)]) == 0
    (doc,) = _documents(capsys.readouterr().out)
    InsightsDocument.model_validate(doc)
    assert doc["dataQuality"]["sensors"]["barometer"] is True
    assert doc["dataQuality"]["rateHz"] == pytest.approx(50, abs=2)
