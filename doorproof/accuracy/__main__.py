"""``python -m doorproof.accuracy``: score every registered set found under the data root."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from doorproof.accuracy import (
    building_hall,
    elevator_floors,
    elevators,
    entry,
    mode_confidence,
    robustness,
    sequences,
    steps,
    targets,
    vertical,
)
from doorproof.accuracy.common import REPO, AccuracySet, data_dir

SETS: tuple[AccuracySet, ...] = (
    vertical.SET,
    elevators.SET,
    sequences.SET,
    steps.SET,
    elevator_floors.SET,
    building_hall.SET,
    entry.SET,
    robustness.SET,
)
"""Every set the report knows, in the order it prints them."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m doorproof.accuracy",
        description="The engine against the real recordings in ../shared/data, beside a baseline.",
    )
    parser.add_argument("--data", help="directory holding the sets (vertical/, steps/, …)")
    parser.add_argument("--json", default=str(REPO / "reports" / "accuracy.json"))
    parser.add_argument(
        "--only", action="append", choices=[s.name for s in SETS], help="score only this set"
    )
    args = parser.parse_args(argv)
    root = data_dir(args.data)
    chosen = [s for s in SETS if not args.only or s.name in args.only]
    present = [s for s in chosen if s.present(root)]
    if not present:
        print(
            f"recordings not found in {root}: put the shared data there, set DOORPROOF_DATA"
            " or pass --data",
            file=sys.stderr,
        )
        return 2
    report: dict[str, Any] = {"data": str(root)}
    lines: list[str] = []
    for s in chosen:
        if s in present:
            report[s.name] = s.evaluate(root / s.folder)
            lines += [*s.table(report[s.name]), ""]
        else:
            missing = ", ".join(f"{f}/" for f in (s.folder, *s.also) if not (root / f).is_dir())
            lines += [f"{s.name}: {missing} missing in {root}: skipped", ""]
    if all(s.name in report for s in (vertical.SET, elevators.SET, sequences.SET)):
        cells = mode_confidence.measure(
            mode_confidence.moves(report["vertical"], report["elevators"], report["sequences"])
        )
        report["mode_confidence"] = cells
        lines += [*mode_confidence.lines(cells), ""]
    report["targets"] = targets.check(report)
    lines += targets.lines(report["targets"])
    print("\n".join(lines).rstrip())
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1))
    print(f"\nwritten: {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
