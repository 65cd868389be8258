"""Cold start cost of each API handler, next to a bare Powertools handler (``bare_handler``:
boto3, pydantic, resolver, Logger, Metrics), measured side by side in one run
(``tests/cold_imports.py`` says how: whole processes, CPU time, paired rounds).

Two ratios per handler: as deployed (the target, ≤ 1.25x), and with the collector untouched
(what our import work costs before ``functions.api.cold_start`` spares the full collection).
``make bench`` writes the figures to reports/bench.json and reports/bench.md.
"""

from __future__ import annotations

import os

from tests.cold_imports import HANDLERS, TARGET_RATIO, Pairs, measure

ROUNDS = 9


def cold_import_report(pairs: Pairs, load: float) -> str:
    deployed, untouched, seconds = pairs.ratios(), pairs.ratios(untouched=True), pairs.seconds()
    rows = [
        f"| bare Powertools handler (the floor) | {pairs.floor_seconds() * 1000:.0f} ms "
        "| 1.00x | 1.00x |"
    ]
    rows += [
        f"| {key} (`{HANDLERS[key]}`) | {seconds[key] * 1000:.0f} ms | {deployed[key]:.2f}x "
        f"| {untouched[key]:.2f}x |"
        for key in HANDLERS
    ]
    return "\n".join(
        [
            "## API handlers' cold imports",
            "",
            "`make bench` (or `.venv/bin/python -m pytest -q tests/bench/test_cold_import_bench.py "
            f"--benchmark-only`): a whole `python -c 'import …'` process each, CPU time (user + "
            f"system), the median over {ROUNDS} rounds of each handler's ratio to a bare "
            "Powertools handler imported beside it in the same round; target ≤ "
            f"{TARGET_RATIO}x as deployed, none importing numpy (both checked in `make test` "
            'by `tests/unit/api/test_cold_imports.py`, with fewer rounds). "Collector '
            "untouched\": the same import without `functions.api.cold_start`'s pause of the "
            f"garbage collector. Load average (1 min) at the start: {load:.2f}.",
            "",
            "| module | median CPU time | ratio to the floor (as deployed) "
            "| ratio (collector untouched) |",
            "| --- | ---: | ---: | ---: |",
            *rows,
        ]
    )


def test_api_handler_cold_imports_next_to_a_bare_powertools_handler(
    benchmark, report_section
) -> None:
    load = os.getloadavg()[0]
    pairs = benchmark.pedantic(measure, args=(ROUNDS,), rounds=1, iterations=1)
    deployed, untouched, seconds = pairs.ratios(), pairs.ratios(untouched=True), pairs.seconds()
    benchmark.extra_info.update(
        rounds=ROUNDS,
        load_average=round(load, 2),
        floor_cpu_s=round(pairs.floor_seconds(), 4),
        **{f"{key}_cpu_s": round(seconds[key], 4) for key in HANDLERS},
        **{f"{key}_ratio": round(ratio, 3) for key, ratio in deployed.items()},
        **{f"{key}_untouched_ratio": round(ratio, 3) for key, ratio in untouched.items()},
    )
    lines = [f"bare Powertools handler {pairs.floor_seconds() * 1000:6.0f} ms  1.00x"]
    lines += [
        f"{key:<23} {seconds[key] * 1000:6.0f} ms  {deployed[key]:.2f}x  "
        f"(collector untouched {untouched[key]:.2f}x)"
        for key in HANDLERS
    ]
    print(
        f"\ncold import, whole process, CPU time, median of {ROUNDS} paired rounds "
        f"(load average {load:.2f})\n" + "\n".join(lines)
    )
    report_section("cold imports", cold_import_report(pairs, load))
    over = {key: round(r, 2) for key, r in deployed.items() if r > TARGET_RATIO}
    assert not over, f"over {TARGET_RATIO}x the bare handler: {over}"
