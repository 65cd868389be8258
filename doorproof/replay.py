"""``doorproof replay RECORDING --url URL --key SECRET_KEY [--start START.json]``: a
recording from the field becomes a server-side case in one command.

Opens a ``"mode": "replay"`` session (secret key: its samples keep their own timestamps,
however old), uploads the recording's samples in batches with a progress bar on stderr,
stops, waits for the insights and prints them (the case file, GET /v1/sessions/{id}/insights)
on stdout as one JSON line. Its verdict is the one ``doorproof analyze`` gives offline for
the same recording and START.json: the server runs the same engine on the samples' own span.

Decisions: the start request is ``--start``, else ``NAME.start.json`` beside the recording
(as ``doorproof analyze`` reads it), else a ``drop`` whose deliveryId is the recording's own
session id (else its file name), as ``doorproof analyze`` names it; the exit status is 0
when the insights are ready, 1 when they failed or did not come in ``--timeout`` seconds or
the API refused the upload, 2 when the arguments are unusable.
"""

from __future__ import annotations

import argparse
import json
import sys
import zlib
from pathlib import Path
from typing import Any, TextIO

from doorproof.analyze import load_start, recording_session_id, start_beside
from doorproof.client import BackendClient, DoorproofError, InsightsTimeout
from doorproof.recordings import RecordingError, load_samples

BATCH_SAMPLES = 500
"""Samples per upload: a few seconds of a 50-100 Hz phone, well under the body limits."""
BAR_WIDTH = 30


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("recording", metavar="RECORDING", help="NDJSON recording, gzip or not")
    parser.add_argument("--url", required=True, help="the API's base URL")
    parser.add_argument("--key", required=True, help="a secret key (sk_…)")
    parser.add_argument(
        "--start",
        metavar="START.json",
        type=Path,
        help="POST /v1/sessions/start body (deliveryId, sessionType, address, ...); "
        "default: NAME.start.json beside the recording",
    )
    parser.add_argument(
        "--timeout", type=float, default=300.0, help="seconds to wait for the insights"
    )


class ProgressBar:
    """``[#####.....]  45%  1200/2650 samples`` redrawn in place on ``out``."""

    def __init__(self, total: int, out: TextIO) -> None:
        self._total = max(total, 1)
        self._done = 0
        self._out = out

    def advance(self, samples: int) -> None:
        self._done += samples
        share = min(self._done / self._total, 1.0)
        filled = int(share * BAR_WIDTH)
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        print(
            f"\r[{bar}] {share:4.0%} {self._done}/{self._total} samples",
            end="",
            file=self._out,
            flush=True,
        )

    def finish(self, message: str) -> None:
        print(f"\n{message}", file=self._out, flush=True)


def start_request(path: Path, start: dict[str, Any]) -> dict[str, Any]:
    """The start body: START.json with the defaults ``doorproof analyze`` uses."""
    return {"sessionType": "drop", "deliveryId": recording_session_id(path), **start}


def run(args: argparse.Namespace) -> int:
    path = Path(args.recording)
    beside = start_beside(path)
    start_path = args.start or (beside if beside.is_file() else None)
    try:
        start = load_start(start_path)
    except (OSError, ValueError) as exc:
        print(f"doorproof replay: {start_path}: {exc}", file=sys.stderr)
        return 2
    try:
        samples = load_samples(path)
    except RecordingError as exc:
        print(f"doorproof replay: {exc}", file=sys.stderr)
        return 2
    except (OSError, UnicodeDecodeError, EOFError, zlib.error) as exc:
        print(f"doorproof replay: {path}: {exc}", file=sys.stderr)
        return 2
    batches = [samples[i : i + BATCH_SAMPLES] for i in range(0, len(samples), BATCH_SAMPLES)]
    bar = ProgressBar(len(samples), sys.stderr)
    client = BackendClient(args.url, args.key)
    try:
        document = client.replay(
            start_request(path, start),
            batches,
            timeout_s=args.timeout,
            on_batch=lambda answer: bar.advance(answer.accepted + answer.rejected),
        )
    except InsightsTimeout as exc:
        bar.finish(f"doorproof replay: {exc}")
        return 1
    except DoorproofError as exc:
        bar.finish(f"doorproof replay: the API refused it: {exc}")
        return 1
    bar.finish(f"{document.sessionId}: insights {document.status} (version {document.version})")
    print(json.dumps(document.model_dump(mode="json"), allow_nan=False), flush=True)
    return 0 if document.status == "ready" else 1
