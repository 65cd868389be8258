"""``doorproof analyze``: one insights document per file, in order, API schema, errors named."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from doorproof.cli import main
from doorproof.scenarios import build
from functions.core.wire.models.insights import InsightsDocument
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


@pytest.fixture(scope="module")
def deliveries(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Four deliveries to one building: three whose address names the floor, a fourth
    that does not; each recording with its own start request beside it."""
    root = tmp_path_factory.mktemp("deliveries")
    paths = []
    for seed in range(4):
        sc = build("elevator_floor4", seed=seed)
        start = dict(sc.start_request)
        address = dict(start["address"])
        if seed == 3:
            address.pop("line2", None)
        start["address"] = address
        path = _write(root / f"d{seed}.ndjson.gz", f"ses_d{seed}", sc.batches(), gz=True)
        (root / f"d{seed}.start.json").write_text(json.dumps(start))
        paths.append(path)
    return {"paths": paths, "root": root}


def test_the_start_request_beside_a_recording_wins_over_session(
    recordings: dict[str, Path], deliveries: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    first = deliveries["paths"][0]
    assert main(["analyze", str(first), "--session", str(recordings["start"])]) == 0
    (doc,) = _documents(capsys.readouterr().out)
    assert doc["deliveryId"] == "dlv_elevator_floor4_0"  # from d0.start.json, not start.json
    assert doc["building"]["claimedFloor"] == 4


def test_building_memory_learns_in_order_and_once_per_session(
    deliveries: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "memory.json"
    paths = [str(p) for p in deliveries["paths"]]
    assert main(["analyze", "--buildings", str(state), *paths]) == 0
    docs = _documents(capsys.readouterr().out)
    used = [d["building"] for d in docs]
    assert [u["sessionsSeen"] for u in used] == [0, 1, 2, 3]
    assert [u["source"] for u in used] == ["default", "address", "address", "address"]
    assert used[3]["claimedFloor"] is None
    assert used[3]["storeyHeightM"] == pytest.approx(3.2, abs=0.15)  # the simulator's storeys
    assert len({u["buildingId"] for u in used}) == 1
    memory = json.loads(state.read_text())
    (profile,) = memory["buildings"].values()
    assert profile["sessionsSeen"] == 4
    # analysing the same recordings again teaches nothing new
    assert main(["analyze", "--buildings", str(state), *paths]) == 0
    again = _documents(capsys.readouterr().out)
    assert [d["building"]["sessionsSeen"] for d in again] == [3, 3, 3, 3]
    assert json.loads(state.read_text())["buildings"][used[0]["buildingId"]]["sessionsSeen"] == 4


def test_a_bad_memory_file_is_a_usage_error(
    recordings: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "memory.json"
    bad.write_text("[]")
    assert main(["analyze", str(recordings["ground"]), "--buildings", str(bad)]) == 2
    assert "memory.json" in capsys.readouterr().err


def test_summary_is_one_readable_row_per_recording(
    deliveries: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    paths = [str(p) for p in deliveries["paths"][:2]]
    assert main(["analyze", "--summary", *paths]) == 0
    header, *rows = capsys.readouterr().out.splitlines()
    assert header.split()[:3] == ["recording", "moves", "floors"]
    assert len(rows) == 2
    assert rows[0].startswith("d0.ndjson.gz")
    assert "ELEV↑4" in rows[0] and "ELEV↓4" in rows[0]
    assert "3.00 m default" in rows[0] and "floor 4" in rows[0]
    assert "FULL_ATTEMPT,DELIVERED_TO_RIGHT_DOORSTEP" in rows[0]


def test_help_documents_start_files_memory_and_summary(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["analyze", "--help"])
    text = capsys.readouterr().out
    assert "NAME.start.json" in text and "--buildings STATE.json" in text and "--summary" in text


def test_summary_names_fit_their_column_keeping_their_end(
    recordings: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Recorders number their files at the end: a long name keeps its end, and every row's
    columns line up under the header's."""
    long = tmp_path / (
        "courier-7_2026-12-02_building-north-entrance_" + "x" * 30 + "_run-12.ndjson"
    )
    long.write_bytes(recordings["ground"].read_bytes())
    assert main(["analyze", "--summary", str(recordings["lobby"]), str(long)]) == 0
    header, short_row, long_row = capsys.readouterr().out.splitlines()
    moves_at = header.index("moves")
    assert long_row.startswith("…") and long_row[:moves_at].rstrip().endswith("_run-12.ndjson")
    assert short_row.startswith("lobby.ndjson.gz ")
    assert short_row[moves_at - 1] == " " and short_row[moves_at] != " "


def test_a_reader_that_stops_stops_the_run_without_a_traceback(
    recordings: dict[str, Path], tmp_path: Path
) -> None:
    """`doorproof analyze … | head -2`: the rest is not analysed, nothing half-learned is
    written, and stderr says so in one line."""
    memory = tmp_path / "memory.json"
    paths = [str(recordings[k]) for k in ("lobby", "ground", "bare")]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "doorproof",
            "analyze",
            "--summary",
            "--buildings",
            str(memory),
            *paths,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline().startswith(b"recording")
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 1
    assert "Traceback" not in stderr
    assert stderr.strip().endswith(
        f"output closed; stopped, building memory not written to {memory}"
    )
    assert not memory.exists()
