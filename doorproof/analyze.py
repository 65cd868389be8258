"""``doorproof analyze PATH [PATH ...]``: insights for recordings, as the server would compute them.

Prints one insights document per PATH, one JSON object per line, in input order, with the
schema of GET /v1/sessions/{id}/insights (or, with ``--summary``, one readable row per
recording): how a person debugs a delivery and how a recording from the field becomes a
test case. Each document is what the server would store after computing the session once
(status "ready", version 1, no photo or path image yet).

Decisions:
- ``sessionId`` is the recording's own (the first ``sessionId`` of its telemetry bodies),
  else the file name without its ``.ndjson``/``.json``/``.gz`` suffixes;
- a recording's start request is ``NAME.start.json`` beside ``NAME.ndjson[.gz]`` when it
  exists, else ``--session`` (one for every PATH); without either the engine has no address:
  rightDoorstep is null and no building is learned;
- ``--buildings STATE.json`` is a building memory (the processor's buildings table, in a
  file): read before the run (a missing file is an empty memory), each recording counted with
  what the memory knew of its building *before* it (never its own claim), then learned, in
  the order given, and the file rewritten at the end. Without it nothing is learned;
- ``organizationId`` is "local": an offline run belongs to no organisation;
- a file that cannot be read is reported on stderr with its name, the others are still
  analysed, and the exit status is 1;
- a reader that closes the output (``| head``) stops the run: exit status 1, one line on
  stderr, and the building memory is not written (it would hold only part of the run).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import zlib
from pathlib import Path
from typing import Any

from doorproof.recordings import RecordingError, iter_samples, open_text
from functions.core.domain.timestamps import iso
from functions.engine.building import Profile, learn
from functions.engine.insights import SessionContext, compute
from functions.engine.telemetry import from_samples

ORGANIZATION_ID = "local"
SUFFIXES = (".gz", ".ndjson", ".jsonl", ".json")
START_SUFFIX = ".start.json"
MEMORY_FORMAT = 1

EPILOG = """\
start requests:
  NAME.start.json beside NAME.ndjson.gz (or NAME.ndjson) is that recording's
  POST /v1/sessions/start body: its address (floors in line2, country, lat/lng),
  sessionType and deliveryId. It wins over --session.

building memory:
  --buildings STATE.json reads the memory before the run and writes it after.
  Recordings are analysed in the order given; each is counted with the storey
  height its building had learned from the recordings before it, then learned
  itself (once per sessionId: analysing it again replaces what it taught).

examples:
  doorproof analyze trip.ndjson.gz --session start.json
  doorproof analyze --buildings memory.json --summary day1/*.ndjson.gz
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    parser.add_argument("paths", nargs="+", metavar="PATH", help="recording (NDJSON, gzip or not)")
    parser.add_argument(
        "--session",
        metavar="START.json",
        type=Path,
        help="POST /v1/sessions/start body for every PATH without its own NAME.start.json",
    )
    parser.add_argument(
        "--buildings",
        metavar="STATE.json",
        type=Path,
        help="building memory: read before the run, learned from each recording, written after",
    )
    parser.add_argument(
        "--summary",
        action="store_true",
        help="one readable row per recording (moves, floors, entry, door, reason codes)"
        " instead of JSON",
    )


def _stem(path: Path) -> str:
    name = path.name
    while name.endswith(SUFFIXES):
        name = name[: name.rindex(".")]
    return name


def recording_session_id(path: Path) -> str:
    """The recording's sessionId (first telemetry body that has one), else its file name."""
    with open_text(path) as lines:
        for line in lines:
            if line.strip():
                try:
                    item = json.loads(line)
                except json.JSONDecodeError:
                    break
                if isinstance(item, dict) and isinstance(item.get("sessionId"), str):
                    return str(item["sessionId"])
                break
    return _stem(path)


def start_beside(path: Path) -> Path:
    """Where a recording's own start request sits: ``NAME.start.json``."""
    return path.with_name(_stem(path) + START_SUFFIX)


def analyze_file(
    path: Path, start: dict[str, Any], now: str, memory: dict[str, Profile] | None = None
) -> dict[str, Any]:
    """The insights document of one recording (raises OSError/RecordingError). With a
    ``memory``, the recording is counted with its building's profile and then learned."""
    tel = from_samples(iter_samples(path))
    session_id = recording_session_id(path)
    ctx = SessionContext.from_start_request(start, session_id=session_id)
    profile = (
        memory.get(ctx.building_id, Profile()) if memory is not None and ctx.building_id else None
    )
    known = profile.without(session_id) if profile is not None else None
    result = (
        compute(tel, ctx) if known is None else compute(tel, ctx, known.storeys, known.entrances)
    )
    if memory is not None and ctx.building_id and result.observation is not None:
        memory[ctx.building_id] = learn(profile or Profile(), result.observation)
    delivery = start.get("deliveryId")
    return {
        "sessionId": session_id,
        "organizationId": ORGANIZATION_ID,
        "deliveryId": delivery if isinstance(delivery, str) and delivery else session_id,
        "status": "ready",
        "pod": None,
        "pathImageUrl": None,
        "createdAt": now,
        "updatedAt": now,
        "errorMessage": None,
        "version": 1,
        **result.document,  # every field the engine gives, as the server stores them
    }


def load_start(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    start = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(start, dict):
        raise ValueError("not a JSON object")
    return start


def load_memory(path: Path) -> dict[str, Profile]:
    """A building memory file (``{"format": 1, "buildings": {id: profile}}``); missing: empty."""
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("buildings"), dict):
        raise ValueError('not a building memory: expected {"format": 1, "buildings": {...}}')
    return {str(k): Profile.from_json(v) for k, v in data["buildings"].items()}


def save_memory(path: Path, memory: dict[str, Profile]) -> None:
    """Written to a temporary file and renamed over ``path``: an interrupted run leaves the
    old memory, never half a file."""
    body = {"format": MEMORY_FORMAT, "buildings": {k: v.to_json() for k, v in memory.items()}}
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(body, indent=1, allow_nan=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


NAME_WIDTH_MAX = 60
"""The summary's recording column fits the longest name given, up to this many characters
(longer names keep their end, where recorders put what tells files apart)."""


def _fit(name: str, width: int) -> str:
    return name if len(name) <= width else "…" + name[-(width - 1) :]


def summary_header(width: int) -> str:
    return (
        f"{'recording':<{width}} {'moves':<26} {'floors':>6} {'storey':<18} {'entry':<18}"
        f" {'door':<22} reason codes"
    )


ARROWS = {"up": "↑", "down": "↓"}


def summary_row(name: str, doc: dict[str, Any], width: int = len("recording")) -> str:
    """One readable line: moves (mode, direction, floors), floors climbed, the storey height
    used and its source, the GATE (time, basis), the door stop (time, length, floor) and the
    reason codes."""
    events = doc["events"]
    moves = " ".join(
        f"{e['type'][:4]}{ARROWS[e['metadata']['direction']]}{e['metadata']['floors']}"
        for e in events
        if e["type"] in ("STAIRS", "ELEVATOR", "ESCALATOR")
    )
    building = doc["building"]
    storey = f"{building['storeyHeightM']:.2f} m {building['source']}"
    if building["sessionsSeen"]:
        storey += f"/{building['sessionsSeen']}"
    gate = next(  # the first entry: exits are GATE events too (metadata.direction "out")
        (e for e in events if e["type"] == "GATE" and e["metadata"].get("direction") != "out"),
        None,
    )
    entry = f"{gate['tStart']:.0f}s {gate['metadata']['basis']}" if gate else "-"
    door_event = next(
        (e for e in events if e["type"] == "STOPPED" and (e.get("metadata") or {}).get("atDoor")),
        None,
    )
    door = "-"
    if door_event is not None:
        door = f"{door_event['tStart']:.0f}s {door_event['tEnd'] - door_event['tStart']:.0f}s"
        if building["doorLevel"] is not None:
            floor = (
                building["doorFloor"]
                if building["doorFloor"] is not None
                else building["doorLevel"]
            )
            door += f" floor {floor}"
    codes = ",".join(doc["reasonCodes"]) or "-"
    return (
        f"{_fit(name, width):<{width}} {moves or '-':<26}"
        f" {doc['summary']['floorsClimbed']:>6} {storey:<18} {entry:<18} {door:<22} {codes}"
    )


def run(args: argparse.Namespace) -> int:
    try:
        default_start = load_start(args.session)
    except (OSError, ValueError) as exc:
        print(f"doorproof analyze: --session {args.session}: {exc}", file=sys.stderr)
        return 2
    memory: dict[str, Profile] | None = None
    if args.buildings is not None:
        try:
            memory = load_memory(args.buildings)
        except (OSError, ValueError) as exc:
            print(f"doorproof analyze: --buildings {args.buildings}: {exc}", file=sys.stderr)
            return 2
    try:
        status = _analyze_all(args, default_start, memory)
    except BrokenPipeError:  # the reader stopped (`| head`): stop too, quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        print(
            "doorproof analyze: output closed; stopped"
            + (f", building memory not written to {args.buildings}" if memory is not None else ""),
            file=sys.stderr,
        )
        return 1
    if memory is not None:
        save_memory(args.buildings, memory)
        print(
            f"doorproof analyze: building memory of {len(memory)} building(s) written to"
            f" {args.buildings}",
            file=sys.stderr,
        )
    return status


def _analyze_all(
    args: argparse.Namespace, default_start: dict[str, Any], memory: dict[str, Profile] | None
) -> int:
    """Every PATH in order, printed as it is done; 1 when a file could not be read."""
    now = iso(time.time())
    status = 0
    width = min(max(len("recording"), *(len(Path(n).name) for n in args.paths)), NAME_WIDTH_MAX)
    if args.summary:
        print(summary_header(width))
    for name in args.paths:
        path = Path(name)
        beside = start_beside(path)
        try:
            start = load_start(beside) if beside.is_file() else default_start
            document = analyze_file(path, start, now, memory)
        except RecordingError as exc:  # its message names the file and line
            print(f"doorproof analyze: {exc}", file=sys.stderr)
            status = 1
            continue
        except (OSError, ValueError, UnicodeDecodeError, EOFError, zlib.error) as exc:
            print(f"doorproof analyze: {path}: {exc}", file=sys.stderr)
            status = 1
            continue
        if args.summary:
            print(summary_row(path.name, document, width), flush=True)
        else:
            print(json.dumps(document, allow_nan=False), flush=True)
    return status
