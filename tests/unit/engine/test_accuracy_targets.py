"""The report's closing TARGETS block: each target read from its set's figures, met or not,
and a set that did not run is never counted as met."""

from __future__ import annotations

from typing import Any

from doorproof.accuracy import targets


def _report() -> dict[str, Any]:
    both = {"both": 100.0}
    return {
        "elevators": {
            "summary": {"overall": {"android.engine": both, "ios.engine": {"both": 98.5}}}
        },
        "steps": {"summary": {"engine_abs_error_pct": 0.93}},
        "sequences": {
            "summary": {
                "ios.engine": {"sequences_right": 30},
                "android.engine": {"sequences_right": 30},
                "pressure-1hz.engine": {"sequences_right": 20},
            }
        },
    }


def test_each_target_is_read_from_its_set_and_judged_against_its_bound() -> None:
    checked = {c["target"]: c for c in targets.check(_report())}
    lifts = checked["elevators/: lift rides ELEVATOR in their direction, the worse convention"]
    assert (lifts["figure"], lifts["met"]) == (98.5, False)  # the worse of the two conventions
    steps = next(c for c in checked.values() if c["set"] == "steps")
    assert (steps["figure"], steps["met"]) == (0.9, True)  # an error: lower is better
    one_hz = checked["sequences: every move right, 1 Hz barometer alone"]
    assert (one_hz["figure"], one_hz["met"]) == (20.0, False) and "escalators" in one_hz["note"]


def test_a_set_that_did_not_run_is_not_run_never_met() -> None:
    checked = targets.check(_report())
    ran = {"elevators", "steps", "sequences"}
    skipped = [c for c in checked if c["set"] not in ran]
    assert skipped and all(c["figure"] is None and not c["met"] for c in skipped)
    printed = targets.lines(checked)
    assert printed[0].startswith(f"TARGETS: 3 of {len(targets.TARGETS)} met")
    assert sum(line.startswith("  not run ") for line in printed) == len(skipped)
    assert sum(line.startswith("  NOT MET ") for line in printed) == 2
