"""``doorproof analyze PATH [PATH ...] [--session START.json]``: insights for recordings.

Prints one insights document per PATH, one JSON object per line, in input order, with the
schema of GET /v1/sessions/{id}/insights: how a person debugs a delivery and how a
recording from the field becomes a test case. Each document is what the server would store
after computing the session once (status "ready", version 1, no photo or path image yet).

Decisions:
- ``sessionId`` is the recording's own (the first ``sessionId`` of its telemetry bodies),
  else the file name without its ``.ndjson``/``.json``/``.gz`` suffixes;
- ``--session`` is a POST /v1/sessions/start body (address, session type, deliveryId) and
  applies to every PATH; without it the engine has no address: rightDoorstep is null;
- ``organizationId`` is "local": an offline run belongs to no organisation;
- a file that cannot be read is reported on stderr with its name, the others are still
  analysed, and the exit status is 1.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import zlib
from pathlib import Path
from typing import Any

from doorproof.recordings import RecordingError, iter_samples, open_text
from functions.core.timestamps import iso
from functions.engine.insights import SessionContext, compute_insights
from functions.engine.telemetry import from_samples

ORGANIZATION_ID = "local"
SUFFIXES = (".gz", ".ndjson", ".jsonl", ".json")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="recording (NDJSON, gzip or not)")
    parser.add_argument(
        "--session",
        metavar="START.json",
        type=Path,
        help="POST /v1/sessions/start body (address, sessionType, deliveryId) for every PATH",
    )


def _session_id(path: Path) -> str:
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
    name = path.name
    while name.endswith(SUFFIXES):
        name = name[: name.rindex(".")]
    return name


def analyze_file(path: Path, start: dict[str, Any], now: str) -> dict[str, Any]:
    """The insights document of one recording (raises OSError/RecordingError)."""
    tel = from_samples(iter_samples(path))
    engine = compute_insights(tel, SessionContext.from_start_request(start))
    session_id = _session_id(path)
    delivery = start.get("deliveryId")
    return {
        "sessionId": session_id,
        "organizationId": ORGANIZATION_ID,
        "deliveryId": delivery if isinstance(delivery, str) and delivery else session_id,
        "status": "ready",
        "summary": engine["summary"],
        "reasonCodes": engine["reasonCodes"],
        "events": engine["events"],
        "metrics": engine["metrics"],
        "pod": None,
        "pathImageUrl": None,
        "createdAt": now,
        "updatedAt": now,
        "errorMessage": None,
        "engineVersion": engine["engineVersion"],
        "version": 1,
        "evidence": engine["evidence"],
        "dataQuality": engine["dataQuality"],
        "path": engine["path"],
    }


def _load_start(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    start = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(start, dict):
        raise ValueError("not a JSON object")
    return start


def run(args: argparse.Namespace) -> int:
    try:
        start = _load_start(args.session)
    except (OSError, ValueError) as exc:
        print(f"doorproof analyze: --session {args.session}: {exc}", file=sys.stderr)
        return 2
    now = iso(time.time())
    status = 0
    for name in args.paths:
        path = Path(name)
        try:
            document = analyze_file(path, start, now)
        except RecordingError as exc:  # its message names the file and line
            print(f"doorproof analyze: {exc}", file=sys.stderr)
            status = 1
            continue
        except (OSError, UnicodeDecodeError, EOFError, zlib.error) as exc:
            print(f"doorproof analyze: {path}: {exc}", file=sys.stderr)
            status = 1
            continue
        print(json.dumps(document, allow_nan=False), flush=True)
    return status
