"""The targets the engine is held to, each against the figure of its set in this run.

Issue 9 states its targets on recordings that stay out of this repository; each is checked
here on the set of ../shared/data that is of the same kind, with the same protocol, so the
report ends with one line per target: met or NOT MET, the figure, the target and what limits
it. A set left out of the run (``--only``, or its folder missing) is "not run", never met.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from doorproof.accuracy import vertical


@dataclass(frozen=True)
class Target:
    """One figure of the report and the bound it must reach."""

    what: str
    set_name: str
    measure: Callable[[dict[str, Any]], float]
    """The figure, from that set's report."""
    bound: float
    unit: str = "%"
    at_most: bool = False
    """True where lower is better (an error)."""
    note: Callable[[dict[str, Any]], str] = lambda _: ""

    def met(self, figure: float) -> bool:
        return figure <= self.bound if self.at_most else figure >= self.bound


def _vertical_note(report: dict[str, Any]) -> str:
    corrected = report["summary"][vertical.CORRECTED]["android.engine"]["both"]
    return (
        f"the best an engine reporting the sensors can score against these labels:"
        f" {vertical.ceiling(report['records'])} %; against the labels the sensors correct:"
        f" {corrected} %"
    )


def _sequences(convention: str) -> Callable[[dict[str, Any]], float]:
    return lambda r: float(r["summary"][f"{convention}.engine"]["sequences_right"])


TARGETS = (
    Target(
        "vertical/: mode and direction per recording, against the labels",
        "vertical",
        lambda r: r["summary"]["overall"]["android.engine"]["both"],
        97.0,
        note=_vertical_note,
    ),
    Target(
        "elevators/: lift rides ELEVATOR in their direction, the worse convention",
        "elevators",
        lambda r: min(r["summary"]["overall"][f"{c}.engine"]["both"] for c in ("android", "ios")),
        99.0,
    ),
    Target(
        "elevators/: floors exact once the building was seen 3 times (mean of 21 orders)",
        "elevator-floors",
        lambda r: r["protocol"]["3"]["floorsExact"],
        95.0,
        note=lambda r: f"worst order {r['protocol']['3']['floorsExactMin']} %",
    ),
    Target(
        "building/: floors after 2 walks with floors",
        "building",
        lambda r: r["afterClaimed"]["2"]["floorsAgree"],
        90.0,
    ),
    Target(
        "building/: a claimed floor one off caught, after 2 walks with floors",
        "building",
        lambda r: r["afterClaimed"]["2"]["wrongClaimCaught"],
        90.0,
    ),
    Target(
        "entry/: the GATE within 20 s of the recorder's flag (or none where none)",
        "entry",
        lambda r: r["summary"]["engine"]["gate_ok"],
        90.0,
    ),
    Target(
        "entry/: floorsClimbed, the floors the flags put indoors (nothing learned)",
        "entry",
        lambda r: r["summary"]["floors_inside"],
        90.0,
    ),
    Target(
        "sequences: every move right, 10 Hz accelerometer + barometer (no gravity)",
        "sequences",
        _sequences("ios"),
        30.0,
        unit="of 30",
    ),
    Target(
        "sequences: every move right, 10 Hz accelerometer (with gravity) + barometer",
        "sequences",
        _sequences("android"),
        30.0,
        unit="of 30",
    ),
    Target(
        "sequences: every move right, 1 Hz barometer alone",
        "sequences",
        _sequences("pressure-1hz"),
        30.0,
        unit="of 30",
        note=lambda _: (
            "escalators read as stairs: at 1 Hz speed is all there is (engine-sensing.md)"
        ),
    ),
    Target(
        "steps/: step count, total error (Brajdic & Harle 2013: good counters < 3 %)",
        "steps",
        lambda r: r["summary"]["engine_abs_error_pct"],
        3.0,
        at_most=True,
    ),
)


def check(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target with its figure (None: its set was not run) and whether it is met."""
    out = []
    for t in TARGETS:
        part = report.get(t.set_name)
        figure = None if part is None else round(float(t.measure(part)), 1)
        out.append(
            {
                "target": t.what,
                "set": t.set_name,
                "figure": figure,
                "bound": t.bound,
                "unit": t.unit,
                "atMost": t.at_most,
                "met": figure is not None and t.met(figure),
                "note": "" if part is None else t.note(part),
            }
        )
    return out


def lines(checked: list[dict[str, Any]]) -> list[str]:
    met = sum(c["met"] for c in checked)
    out = [f"TARGETS: {met} of {len(checked)} met (each on the set of ../shared/data of its kind)"]
    for c in checked:
        verdict = "not run" if c["figure"] is None else ("met" if c["met"] else "NOT MET")
        sign = "<=" if c["atMost"] else ">="
        figure = "-" if c["figure"] is None else f"{c['figure']:g}"
        line = f"  {verdict:<8} {c['target']}: {figure} {c['unit']} (target {sign} {c['bound']:g})"
        out.append(line + (f"; {c['note']}" if c["note"] else ""))
    return out
