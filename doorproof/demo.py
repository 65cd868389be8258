"""``doorproof demo`` (``make demo``): the whole product in one command, no AWS account.

Starts a local stack in this process, drives a handful of different deliveries through the
device client in parallel at accelerated speed (``doorproof.simulate``), prints the verdict
table, and writes each delivery's insights JSON and path image into a folder. Exit status 0
only if every delivery got ready insights.

The stack runs with short deadlines — sweeps every 2 s, a session silent for 20 s times out,
a stopped session with missing data is finalised after 10 s — so the timeout and interrupted
scenarios finish within the demo instead of the production hours and minutes. Not shorter:
on a 2-core machine eight couriers and the engine compete for the CPU, and a session whose
last uploads wait behind that for longer than the timeout would be timed out for real.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
import time
import urllib.request
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, redirect_stdout, suppress
from pathlib import Path

from doorproof.courier import Delivery, Target
from doorproof.simulate import (
    add_replay_arguments,
    parse_faults,
    plan,
    scenario_names,
    simulate,
    succeeded,
    table,
)

DEMO_SCENARIOS = (
    "elevator_floor4",
    "stairs_floor3",
    "lobby_handoff",
    "wrong_building",
    "no_attempt",
    "partial_attempt",
    "stream_interrupted",
    "session_timeout",
)
"""One of each kind: elevator and stairs to the right door, a lobby hand-off, the wrong
building, no attempt, a partial attempt, a gap in the stream, a session never stopped."""
DEMO_ENVIRONMENT = {
    "SESSION_INACTIVITY_TIMEOUT_S": "20",
    "FINALIZE_DEADLINE_S": "10",
    "POWERTOOLS_LOG_LEVEL": "INFO",
}
SWEEP_INTERVAL_S = 2.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--output",
        type=Path,
        default=Path("demo-output"),
        help="folder for the insights JSON and path images (default: %(default)s)",
    )
    parser.add_argument(
        "--scenario",
        action="append",
        metavar="NAME",
        help=f"run these instead (repeatable; default: {', '.join(DEMO_SCENARIOS)})",
    )
    parser.add_argument(
        "--keep",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="keep the stack running after the table, for the dashboard, until Ctrl-C "
        "(default: when standard input is a terminal)",
    )
    add_replay_arguments(parser, speed=30.0)


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """Set variables for the stack's handlers (read at import), then put them back."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def write_outputs(deliveries: Sequence[Delivery], folder: Path) -> list[Path]:
    """``NN-scenario.json`` (the insights document) and ``NN-scenario.png`` (the path image)
    per delivery that has insights."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for d in deliveries:
        if d.insights is None:
            continue
        stem = folder / f"{d.index + 1:02d}-{d.scenario.name}"
        json_path = stem.with_suffix(".json")
        json_path.write_text(d.insights.model_dump_json(indent=2) + "\n")
        written.append(json_path)
        if d.insights.pathImageUrl:
            png_path = stem.with_suffix(".png")
            with urllib.request.urlopen(d.insights.pathImageUrl, timeout=30) as resp:  # noqa: S310
                png_path.write_bytes(resp.read())
            written.append(png_path)
    return written


def run(args: argparse.Namespace) -> int:
    from doorproof.local import LocalStack  # noqa: PLC0415 (moto: only when the demo runs)

    began = time.monotonic()
    names = scenario_names(args.scenario or DEMO_SCENARIOS, len(args.scenario or DEMO_SCENARIOS))
    deliveries = plan(names, parse_faults(args.faults))
    for noisy in ("werkzeug", "doorproof.client"):  # moto's access log, upload retries
        logging.getLogger(noisy).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    args.output.mkdir(parents=True, exist_ok=True)
    log_path = args.output / "stack.log"
    with (
        log_path.open("w") as stack_log,
        redirect_stdout(stack_log),  # the handlers' JSON logs and metrics, kept for reading
        environment(DEMO_ENVIRONMENT),
        LocalStack(port=0, sweep_interval_s=SWEEP_INTERVAL_S, visibility_timeout_s=2) as stack,
    ):
        org = stack.keys[0]
        print(f"local stack at {stack.url} ({time.monotonic() - began:.1f}s)", file=sys.stderr)
        print(
            f"{len(deliveries)} couriers, {args.speed:g}x real time: {', '.join(names)}",
            file=sys.stderr,
        )
        target = Target(stack.url, org.publishable_key, org.secret_key, insights_timeout_s=90.0)
        simulate(deliveries, target, speed=args.speed, concurrency=len(deliveries))
        written = write_outputs(deliveries, args.output)
        keep = sys.stdin.isatty() if args.keep is None else args.keep
        out = sys.__stdout__ or sys.stderr
        print(table(deliveries), file=out)
        print(
            f"\nwrote {len(written)} files to {args.output}/ (stack log: {log_path}) "
            f"in {time.monotonic() - began:.0f}s",
            file=out,
        )
        # On a line of its own, like ``doorproof local``'s; one-time, valid while the stack runs.
        print(f"dashboard: {stack.signin_link()}", file=out, flush=True)
        if keep:
            print(
                "the stack keeps running for the dashboard; Ctrl-C to stop.", file=out, flush=True
            )
            with suppress(KeyboardInterrupt):
                threading.Event().wait()
        else:
            print(
                "(the stack stops now; `doorproof demo --keep` keeps it for the dashboard)",
                file=out,
            )
    return 0 if succeeded(deliveries, insights_expected=True) else 1
