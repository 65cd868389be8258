"""``doorproof simulate``: simulated couriers against a deployment, then a table of what the
backend concluded next to what really happened.

Each courier replays a scenario of ``doorproof.scenarios`` through the device client
(``doorproof.courier``); with a secret key the insights are awaited and compared with the
scenario's truth. The exit status is non-zero if any delivery did not end with ready
insights (without a secret key nothing can be read back: only upload errors count).
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from doorproof.courier import FAULTS, Delivery, Target, run_all, scenario_for
from doorproof.scenarios import names

MIX_EXCLUDED = frozenset({"session_timeout"})
"""Left out of ``mix``: it never stops, so it needs the server's inactivity timeout (2 h by
default) to pass. Name it explicitly against a stack with a short timeout."""
SHORT_CODES = {
    "FULL_ATTEMPT": "FULL",
    "DELIVERED_TO_RIGHT_DOORSTEP": "DOORSTEP",
    "NO_ATTEMPT": "NO_ATTEMPT",
    "PARTIAL_ATTEMPT": "PARTIAL",
    "POSSIBLE_LOBBY_HANDOFF": "LOBBY?",
    "POSSIBLE_WRONG_ADDRESS": "WRONG_ADDR?",
    "POSSIBLE_NO_ATTEMPT": "NO_ATTEMPT?",
    "SESSION_TIMEOUT": "TIMEOUT",
    "INSUFFICIENT_DATA": "INSUFFICIENT",
    "TELEMETRY_STREAM_INTERRUPTED": "INTERRUPTED",
}
"""Reason codes shortened for the table (the legend is printed under it)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", required=True, help="the API's base URL")
    parser.add_argument("--key", help="the key devices use (publishable pk_… or secret sk_…)")
    parser.add_argument(
        "--secret-key", help="a secret key to read the insights back (default: --key if sk_…)"
    )
    parser.add_argument(
        "--keys-file",
        type=Path,
        help="take both keys from a keys file (`doorproof local --keys-file`), first org",
    )
    parser.add_argument(
        "--deliveries", type=int, default=5, metavar="N", help="couriers in all (default: 5)"
    )
    parser.add_argument(
        "--queues",
        type=Path,
        default=Path(".doorproof/queues"),
        metavar="DIR",
        help="where each courier's on-device queue lives; a queue that could not be sent is "
        "kept there and reported (default: %(default)s)",
    )
    parser.add_argument(
        "--concurrency", type=int, default=5, metavar="C", help="at most C at once (default: 5)"
    )
    parser.add_argument(
        "--scenario",
        action="append",
        metavar="NAME|mix",
        help="a scenario (repeat for several, used in turn) or mix: all of them in turn "
        f"(default: mix). Known: {', '.join(names())}",
    )
    add_replay_arguments(parser, speed=10.0)
    parser.add_argument(
        "--insights-timeout", type=float, default=120.0, metavar="S", help="per delivery"
    )


def add_replay_arguments(parser: argparse.ArgumentParser, *, speed: float) -> None:
    """``--speed`` and ``--faults``, shared with ``doorproof demo``."""
    parser.add_argument(
        "--speed",
        type=float,
        default=speed,
        metavar="X",
        help="replay X times real time (default: %(default)s)",
    )
    parser.add_argument(
        "--faults",
        default="",
        metavar="LIST",
        help=f"comma-separated, applied to every courier: {', '.join(FAULTS)}",
    )


def scenario_names(chosen: Sequence[str] | None, count: int) -> list[str]:
    """The scenario of each of ``count`` deliveries, cycling through ``chosen``."""
    pool: list[str] = []
    for name in chosen or ["mix"]:
        pool += [n for n in names() if n not in MIX_EXCLUDED] if name == "mix" else [name]
    unknown = sorted(set(pool) - set(names()))
    if unknown:
        raise SystemExit(f"unknown scenario(s): {', '.join(unknown)}; known: {', '.join(names())}")
    return [pool[i % len(pool)] for i in range(count)]


def parse_faults(text: str) -> frozenset[str]:
    faults = frozenset(f.strip() for f in text.split(",") if f.strip())
    if faults - set(FAULTS):
        raise SystemExit(f"unknown fault(s) {sorted(faults - set(FAULTS))}; known: {FAULTS}")
    return faults


def keys_from(args: argparse.Namespace) -> tuple[str, str | None]:
    key, secret = args.key, args.secret_key
    if args.keys_file:
        org = json.loads(args.keys_file.read_text())["orgs"][0]
        key, secret = key or org["publishableKey"], secret or org["secretKey"]
    if not key:
        raise SystemExit("--key or --keys-file is required")
    if secret is None and key.startswith("sk_"):
        secret = key
    return key, secret


def plan(scenarios: list[str], faults: frozenset[str]) -> list[Delivery]:
    """One delivery per scenario name, starting now, ids unique to this run."""
    run_id, now = secrets.token_hex(3), time.time()
    return [
        Delivery(index=i, scenario=scenario_for(name, i, run_id, start_ts=now), faults=faults)
        for i, name in enumerate(scenarios)
    ]


def simulate(
    deliveries: list[Delivery],
    target: Target,
    *,
    speed: float,
    concurrency: int,
    workdir: Path | None = None,
) -> list[Delivery]:
    """Run the deliveries with a progress bar on stderr."""
    finished = threading.Event()
    bar = threading.Thread(target=_progress, args=(deliveries, finished, sys.stderr), daemon=True)
    bar.start()
    try:
        return run_all(deliveries, target, speed=speed, concurrency=concurrency, workdir=workdir)
    finally:
        finished.set()
        bar.join()


def _progress(deliveries: list[Delivery], finished: threading.Event, out: TextIO) -> None:
    interactive = out.isatty()
    last_line = ""
    while True:
        stopped = finished.wait(0.25 if interactive else 5.0)
        total = len(deliveries)
        replay = sum(d.progress for d in deliveries) / max(total, 1)
        done = sum(d.done for d in deliveries)
        filled = int(replay * 30)
        line = (
            f"[{'#' * filled}{'.' * (30 - filled)}] replayed {replay:4.0%}  finished {done}/{total}"
        )
        if line != last_line:
            out.write(("\r" + line) if interactive else (line + "\n"))
            out.flush()
            last_line = line
        if stopped:
            if interactive:
                out.write("\n")
            return


def _codes(codes: Sequence[str]) -> str:
    return " ".join(SHORT_CODES.get(c, c) for c in codes) or "-"


def _score(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def table(deliveries: Sequence[Delivery]) -> str:
    """One row per delivery: expected vs reported, then the legend of the short codes."""
    header = (
        "#", "scenario", "expected", "reported", "ok", "floors", "vertical", "fraud",
        "friction", "visib", "samples", "insights",
    )  # fmt: skip
    rows = [header]
    for d in deliveries:
        truth, doc = d.scenario.truth, d.insights
        summary = doc.summary if doc else None
        vertical_exp = "+".join(mode.lower() for mode, _, _ in truth.vertical) or "-"
        vertical_got = "+".join(d.reported_vertical) or "-"
        floors_got = str(summary.floorsClimbed) if summary else "?"
        accepted = "?" if d.samples_accepted is None else str(d.samples_accepted)
        if d.error:
            outcome = d.error.split(":", 1)[0]
        elif d.seconds_to_insights is not None and doc is not None:
            outcome = f"{doc.status} {d.seconds_to_insights:.1f}s"
        else:
            outcome = "not read"
        rows.append(
            (
                str(d.index + 1),
                d.scenario.name,
                _codes(d.expected_codes),
                _codes(d.reported_codes) if doc else "?",
                ("yes" if d.codes_match else "NO") if doc else "?",
                f"{truth.floors_climbed}/{floors_got}",
                f"{vertical_exp}/{vertical_got}",
                _score(summary.fraudScore if summary else None),
                _score(summary.frictionScore if summary else None),
                _score(summary.visibilityScore if summary else None),
                f"{d.samples_recorded}/{accepted}",
                outcome,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    used = sorted({c for d in deliveries for c in d.expected_codes + d.reported_codes})
    legend = ", ".join(f"{SHORT_CODES.get(c, c)}={c}" for c in used)
    lines += [
        "",
        "floors and vertical: expected/reported; samples: sent/accepted by the server.",
        f"codes: {legend}",
    ]
    errors = [f"  #{d.index + 1} {d.scenario.name}: {d.error}" for d in deliveries if d.error]
    kept = [
        f"  #{d.index + 1} {d.kept_queue}: {d.unsent.batches} batch(es), "
        f"{d.unsent.batch_samples + d.unsent.staged_samples} sample(s), {d.unsent.stops} stop(s)"
        for d in deliveries
        if d.kept_queue is not None and d.unsent is not None
    ]
    kept_lines = ["unsent queues kept on disk (a DeviceClient on the file sends them):", *kept]
    return "\n".join(
        lines + (["errors:", *errors] if errors else []) + (kept_lines if kept else [])
    )


def succeeded(deliveries: Sequence[Delivery], *, insights_expected: bool) -> bool:
    if insights_expected:
        return all(d.ready and not d.error for d in deliveries)
    return not any(d.error for d in deliveries)


def run(args: argparse.Namespace) -> int:
    key, secret = keys_from(args)
    if secret is None:
        print("no secret key: uploading only, insights are not read back", file=sys.stderr)
    deliveries = plan(scenario_names(args.scenario, args.deliveries), parse_faults(args.faults))
    target = Target(args.url, key, secret, insights_timeout_s=args.insights_timeout)
    simulate(
        deliveries, target, speed=args.speed, concurrency=args.concurrency, workdir=args.queues
    )
    print(table(deliveries))
    return 0 if succeeded(deliveries, insights_expected=secret is not None) else 1
