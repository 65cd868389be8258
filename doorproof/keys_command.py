"""``doorproof keys create|list|revoke``: manage API keys in a deployment's keys table.

The table is the stage's (``--stage``, default ``$DOORPROOF_STAGE`` or ``dev``), reached with
the usual AWS credentials (``AWS_PROFILE``…); ``--endpoint-url`` points at a local stack.
A new key is printed once: only its hash is stored.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import boto3

from functions.core.adapters.keys import KeyStore
from functions.core.config import names


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--stage",
        default=os.environ.get("DOORPROOF_STAGE", "dev"),
        help="deployment stage whose keys table to use (default: $DOORPROOF_STAGE or dev)",
    )
    parser.add_argument("--endpoint-url", help="AWS endpoint (a local stack's moto URL)")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="issue a new key and print it once")
    create.add_argument("--org", required=True, help="organisation id")
    create.add_argument("--project", required=True, help="project id")
    create.add_argument("--env", choices=names.ENVIRONMENTS, default="sandbox")
    create.add_argument("--kind", choices=("publishable", "secret"), required=True)
    listing = actions.add_parser("list", help="list an organisation's keys (never the keys)")
    listing.add_argument("--org", required=True)
    revoke = actions.add_parser("revoke", help="revoke a key by its id (key_…)")
    revoke.add_argument("--org", required=True)
    revoke.add_argument("key_id")


def run(args: argparse.Namespace) -> int:
    table = boto3.resource("dynamodb", endpoint_url=args.endpoint_url).Table(
        names.KEYS_TABLE.physical(args.stage)
    )
    store = KeyStore(table)
    if args.action == "create":
        issued = store.create(
            organization_id=args.org,
            project_id=args.project,
            environment=args.env,
            kind=args.kind,
        )
        print(issued.key)
        print(
            f"{issued.key_id} ({args.kind}, {args.env}) for {args.org}/{args.project}: "
            "store it now, it is not shown again",
            file=sys.stderr,
        )
        return 0
    if args.action == "list":
        for item in store.list(args.org):
            print(json.dumps(item, default=str, sort_keys=True))
        return 0
    if store.revoke(args.org, args.key_id):
        print(f"revoked {args.key_id}", file=sys.stderr)
        return 0
    print(f"error: {args.org} has no key {args.key_id}", file=sys.stderr)
    return 1
