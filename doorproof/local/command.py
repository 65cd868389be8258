"""``doorproof local``: run the stack in the foreground until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from doorproof.local.demo_keys import write_keys_file
from doorproof.local.stack import LocalStack

DEFAULT_WORKERS = os.cpu_count() or 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="API address (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8787, help="API port (default: %(default)s)")
    parser.add_argument(
        "--keys-file", type=Path, help="write the demo organisations' keys here (JSON)"
    )
    parser.add_argument(
        "--moto-port", type=int, default=0, help="moto server port (default: a free one)"
    )
    parser.add_argument(
        "--sweep-interval",
        type=float,
        default=30.0,
        metavar="S",
        help="seconds between sweeper runs (default: %(default)s)",
    )
    parser.add_argument(
        "--visibility-timeout",
        type=int,
        default=5,
        metavar="S",
        help="processing queue visibility timeout: how soon a failed message is retried "
        "(default: %(default)s; AWS uses minutes)",
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=Path(".doorproof/data"),
        metavar="DIR",
        help="keep sessions, telemetry, insights and keys here across restarts, kill -9 "
        "included (default: %(default)s)",
    )
    parser.add_argument(
        "--ephemeral", action="store_true", help="keep nothing: every start is a fresh system"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=DEFAULT_WORKERS,
        metavar="N",
        help="run the API functions in N worker processes, N events at once (0: all in this "
        "process, one API event at a time; default: the CPU count, %(default)s)",
    )
    parser.add_argument(
        "--webhook-retry-scale",
        type=float,
        default=1.0,
        metavar="F",
        help="multiply the webhook retry schedule's delays by F, 0 < F <= 1 (default: "
        "%(default)s, the Standard Webhooks schedule; 0.001 turns 5 min into 0.3 s)",
    )
    parser.add_argument("--verbose", action="store_true", help="log every AWS call and event")


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not args.verbose:
        for noisy in ("werkzeug", "botocore", "boto3", "urllib3"):
            logging.getLogger(noisy).setLevel(logging.WARNING)

    stopping = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    stack = LocalStack(
        host=args.host,
        port=args.port,
        moto_port=args.moto_port,
        sweep_interval_s=args.sweep_interval,
        visibility_timeout_s=args.visibility_timeout,
        data_dir=None if args.ephemeral else args.data,
        workers=args.workers,
        webhook_retry_scale=args.webhook_retry_scale,
    )
    try:
        stack.start()
    except OSError as exc:  # a busy port, typically
        print(f"doorproof local: {exc}", file=sys.stderr)
        return 1
    try:
        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
        print(f"Doorproof API   {stack.url}", flush=True)
        print(f"moto endpoint   {stack.moto_url}", flush=True)
        if stack.data_dir is not None:
            print(
                f"data            {stack.data_dir.resolve()} "
                f"({stack.replayed} logged requests replayed)",
                flush=True,
            )
        if args.keys_file:
            write_keys_file(args.keys_file, stack.keys)
            print(f"keys file       {args.keys_file.resolve()}", flush=True)
        for org in stack.keys:  # local-only sandbox keys: printing them is harmless
            print(
                f"  {org.organization_id}: publishable {org.publishable_key}"
                f"  secret {org.secret_key}",
                flush=True,
            )
        # On a line of its own, so scripts and tests can pick it out.
        print(f"dashboard: {stack.signin_link()}", flush=True)
        print("Ctrl-C to stop.", flush=True)
        # Timed waits: a signal handled while this thread sleeps in an untimed wait may never
        # wake it (seen with worker processes: SIGTERM left the stack running).
        while not stopping.wait(1.0):
            pass
        print("stopping…", flush=True)
    finally:
        stack.stop()
    return 0
