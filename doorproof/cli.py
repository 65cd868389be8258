"""``doorproof``: one command line for people and scripts.

Each subcommand lives in its own module with ``add_arguments(parser)`` and
``run(args) -> int``; this file only names them, and imports a module when its command runs,
so ``doorproof analyze`` never pays for moto or the HTTP client.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

COMMANDS = {
    "local": ("doorproof.local.command", "run the whole stack on this machine (no AWS)"),
    "keys": ("doorproof.keys_command", "create, list and revoke API keys"),
    "analyze": ("doorproof.analyze", "compute insights for recordings (NDJSON, gzip or not)"),
    "simulate": ("doorproof.simulate", "drive simulated couriers against a deployment"),
    "demo": ("doorproof.demo", "start a local stack, run a few deliveries, show the results"),
    "replay": (
        "doorproof.replay",
        "upload an earlier recording as a replay session, print its case",
    ),
    "loadtest": ("doorproof.loadtest", "many phones against a local stack, killed midway"),
    "webhooks": ("doorproof.webhooks_command", "receive webhooks here: verify and print them"),
}


def build_parser(argv: Sequence[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="doorproof", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    chosen = next((a for a in argv if not a.startswith("-")), None)
    for name, (module, help_text) in COMMANDS.items():
        cmd = sub.add_parser(name, help=help_text, description=help_text)
        if name == chosen:
            importlib.import_module(module).add_arguments(cmd)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(args_list).parse_args(args_list)
    module = importlib.import_module(COMMANDS[args.command][0])
    return int(module.run(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
