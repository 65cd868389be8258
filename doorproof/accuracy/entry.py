"""The ``entry/`` set (34 real walks into and out of buildings, iPhone, 1 Hz, GPS + barometer).

Truth is the recorder's indoor flag (``labels.csv``: ``in@t`` / ``out@t``, seconds from the
first sample, set by hand while walking). A door the engine reports (a GATE event of the
case file, ``metadata.direction`` in or out) is *found* when it lies within ``MATCH_S`` of a
flagged change of the same direction; each flag is matched once. Scored:

- entries and exits found (%), and the GATE (the case file's first entry) against the first
  flagged entry, or its absence where the walk never enters;
- doors reported where none was flagged (false passages), listed;
- reliability: the stated confidences in bins against the share of those doors found;
- the same on the simulator's scenarios (``doorproof.scenarios``, every scenario by
  ``SCENARIO_SEEDS``), whose truth is where the courier's body went through a door;
- GPS + barometer alone: how many real walks are judged (no INSUFFICIENT_DATA: they carry
  no IMU), and the simulator's scenarios sent as such a phone would (``gps_barometer``: one
  sample a second, no IMU) against their truth: reason codes, floors climbed, the doorstep
  verdict and the category.

Baseline, computed in the same run: "the first fix worse than ``BASELINE_LOST_M``" is an
entry, "the first fix back under ``BASELINE_SKY_M``" an exit, with no hold and no ramp.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from doorproof.accuracy.common import (
    AccuracySet,
    labels,
    pct,
    progress,
    reliability,
    reliability_lines,
    share,
)
from doorproof.calibration import SCENARIO_CATEGORIES as CATEGORY_OF
from doorproof.recordings import load_samples
from doorproof.scenarios import build, names
from functions.engine.building import (
    SURE_ENTRANCE_SESSIONS,
    SURE_ENTRANCE_SPREAD_M,
    Profile,
    learn,
)
from functions.engine.entry import LOST_ACCURACY_M, MATCH_S
from functions.engine.gps import fixes, haversine_m
from functions.engine.insights import SessionContext, compute, compute_insights
from functions.engine.telemetry import Telemetry, from_samples

BASELINE_LOST_M = 65.0
"""Baseline: a fix this bad is indoors (the top of Wi-Fi positioning's 10-65 m)…"""
BASELINE_SKY_M = 30.0
"""…and one this good is outdoors."""
GPS_BAROMETER_SKIP = frozenset({"no_barometer", "ground_floor_1hz", "insufficient_data"})
"""Scenarios left out of the GPS + barometer run: nothing of them is left to send (no
barometer), they already are a 1-Hz stream, or they are six seconds long."""
SCENARIO_SEEDS = (0, 1, 2)


def flags(text: str) -> list[tuple[str, float]]:
    """``"out@0 in@34"`` → [("in", 34.0)]: the changes after the first sample."""
    out = []
    for item in text.split():
        direction, _, t = item.partition("@")
        if float(t) > 0:
            out.append((direction, float(t)))
    return out


def match(
    truth: Sequence[tuple[str, float]], got: Sequence[tuple[str, float, float]]
) -> tuple[list[float | None], list[bool]]:
    """(error of each flag's nearest same-direction door within ``MATCH_S``, or None;
    whether each reported door was matched). Greedy by error, each used once."""
    pairs = sorted(
        (abs(g[1] - t), i, j)
        for i, (d, t) in enumerate(truth)
        for j, g in enumerate(got)
        if g[0] == d and abs(g[1] - t) <= MATCH_S
    )
    errors: list[float | None] = [None] * len(truth)
    used = [False] * len(got)
    for _, i, j in pairs:
        if errors[i] is None and not used[j]:
            errors[i], used[j] = round(got[j][1] - truth[i][1], 1), True
    return errors, used


def baseline(samples: list[dict[str, Any]]) -> list[tuple[str, float, float]]:
    """Doors by plain accuracy thresholds (module docstring), seconds from the first sample."""
    tel = from_samples(samples)
    f = fixes(tel)
    out: list[tuple[str, float, float]] = []
    inside = None
    for t, acc in zip(f.t - tel.t[0], f.acc(), strict=True):
        if acc >= BASELINE_LOST_M and inside is False:
            out.append(("in", float(t), 1.0))
        elif acc <= BASELINE_SKY_M and inside is True:
            out.append(("out", float(t), 1.0))
        if acc >= BASELINE_LOST_M:
            inside = True
        elif acc <= BASELINE_SKY_M:
            inside = False
    return out


def doors(doc: dict[str, Any]) -> list[tuple[str, float, float]]:
    """(direction, seconds, confidence) of the case file's GATE events."""
    return [
        (e["metadata"]["direction"], float(e["tStart"]), float(e["confidence"]))
        for e in doc["events"]
        if e["type"] == "GATE"
    ]


def score_doors(
    name: str,
    flagged: str,
    truth: list[tuple[str, float]],
    doc: dict[str, Any],
    samples: list[dict[str, Any]],
) -> dict[str, Any]:
    """One recording's doors (engine and baseline) against its truth."""
    record: dict[str, Any] = {"file": name, "flags": flagged}
    for who, got in (("engine", doors(doc)), ("baseline", baseline(samples))):
        errors, used = match(truth, got)
        gate = next((g for g in got if g[0] == "in"), None)
        first_in = next((t for d, t in truth if d == "in"), None)
        record[who] = {
            "doors": [[d, round(t, 1), c] for d, t, c in got],
            "errors": [[d, t, e] for (d, t), e in zip(truth, errors, strict=True)],
            "false": [[d, round(t, 1)] for (d, t, _), u in zip(got, used, strict=True) if not u],
            "confidence_hits": [[c, u] for (_, _, c), u in zip(got, used, strict=True)],
            "gate_ok": (
                gate is None
                if first_in is None
                else gate is not None and abs(gate[1] - first_in) <= MATCH_S
            ),
        }
    return record


def evaluate(root: Path) -> dict[str, Any]:
    """Doors of engine and baseline against the flags (entry/) and the simulator's truth."""
    return {
        **evaluate_walks(root),
        "learning": evaluate_learning(root),
        **evaluate_simulator(SCENARIO_SEEDS),
        "gps_barometer": evaluate_gps_barometer(SCENARIO_SEEDS),
    }


def gps_barometer(samples: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """A session as a phone streaming only GPS and its barometer once a second would send it
    (entry/'s and building/'s iPhones): the first sample of each second, without its IMU."""
    out: list[dict[str, Any]] = []
    for sample in samples:
        if not out or sample["ts"] - out[-1]["ts"] >= 1.0:
            out.append({k: v for k, v in sample.items() if k != "imu"})
    return out


def evaluate_gps_barometer(seeds: Sequence[int]) -> dict[str, Any]:
    """Every scenario with an exact truth and a barometer, as a 1-Hz GPS + barometer
    stream: reason codes exactly the truth's, floors climbed, doorstep verdict, category."""
    runs = [(name, seed) for name in names() for seed in seeds if name not in GPS_BAROMETER_SKIP]
    records = []
    for name, seed in progress("entry (GPS + barometer)", runs):
        sc = build(name, seed=seed)
        if not sc.truth.exact:
            continue
        doc = compute_insights(from_samples(gps_barometer(sc.samples)), sc.context())
        codes = set(doc["reasonCodes"])
        truth = sc.truth
        checks = {
            "codes": codes == truth.reason_codes,
            "floors": doc["summary"]["floorsClimbed"] == truth.floors_climbed,
            "doorstep": doc["summary"]["rightDoorstep"] == truth.right_doorstep,
            "category": doc["classification"]["category"] == CATEGORY_OF.get(name),
        }
        records.append(
            {
                "session": f"{name}/{seed}",
                "reason_codes": sorted(codes),
                "truth": sorted(truth.reason_codes),
                "floors_climbed": [doc["summary"]["floorsClimbed"], truth.floors_climbed],
                **checks,
            }
        )
    return {
        "records": records,
        "summary": {k: share([r[k] for r in records]) for k in ("codes", "floors", "doorstep")}
        | {"category": share([r["category"] for r in records]), "sessions": len(records)},
    }


def evaluate_walks(root: Path) -> dict[str, Any]:
    """Doors of engine and baseline against the recorder's flags (entry/)."""
    with (root / "labels.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    records = []
    for row in progress("entry", rows):
        samples = load_samples(root / row["file"])
        doc = compute_insights(from_samples(samples), SessionContext())
        truth = flags(row["indoors_changes"])
        record = score_doors(row["file"], row["indoors_changes"], truth, doc, samples)
        record["reason_codes"] = doc["reasonCodes"]
        record["floors_climbed"] = [doc["summary"]["floorsClimbed"], inside_floors(row, doc)]
        record["door_stops"] = door_stops_inside(row, doc)
        records.append(record)
    judged = [r for r in records if "INSUFFICIENT_DATA" not in r["reason_codes"]]
    return {
        "records": records,
        "summary": summary(records)
        | {
            "judged": len(judged),
            "floors_inside": share([a == b for a, b in (r["floors_climbed"] for r in records)]),
            "door_stops_inside": reliability([(c, u) for r in records for c, u in r["door_stops"]]),
        },
    }


SAME_BUILDING_M = 60.0
"""Walks whose first flagged doors lie this close are one building (the protocol's stand-in
for the address, which these recordings lack: a block's half width)."""


def _door_position(samples: list[dict[str, Any]], t: float) -> tuple[float, float] | None:
    """Where the recorder was at a flagged door: the sky fix nearest in time (±15 s)."""
    tel = from_samples(samples)
    f = fixes(tel)
    sky = np.flatnonzero(f.acc() < LOST_ACCURACY_M)
    if sky.size == 0:
        return None
    k = sky[np.argmin(np.abs(f.t[sky] - tel.t[0] - t))]
    return (float(f.lat[k]), float(f.lng[k])) if abs(f.t[k] - tel.t[0] - t) <= 15.0 else None


def buildings(root: Path, rows: Sequence[dict[str, str]]) -> list[str | None]:
    """A building id per walk: walks whose first flagged doors lie within ``SAME_BUILDING_M``
    of each other (single linkage) share one; a walk through no door has none."""
    where: list[tuple[float, float] | None] = []
    for row in rows:
        truth = flags(row["indoors_changes"])
        where.append(
            _door_position(load_samples(root / row["file"]), truth[0][1]) if truth else None
        )
    label = list(range(len(rows)))
    for i, a in enumerate(where):
        for j in range(i):
            b = where[j]
            if (
                a is not None
                and b is not None
                and haversine_m(a[0], a[1], b[0], b[1]) <= SAME_BUILDING_M
            ):
                old, new = label[i], label[j]
                label = [new if x == old else x for x in label]
    return [None if w is None else f"bld_{label[i]}" for i, w in enumerate(where)]


def evaluate_learning(root: Path) -> dict[str, Any]:
    """entry/ walked in the file order, each walk's building learning from the walks before
    it (the building/ protocol): the GATE chosen with the learned entrances, how it compares
    with them, and what it scores against the flags."""
    rows = labels(root)
    ids = buildings(root, rows)
    memory: dict[str, Profile] = {}
    records = []
    for row, bid in progress("entry (learned entrances)", list(zip(rows, ids, strict=True))):
        samples = load_samples(root / row["file"])
        ctx = SessionContext(building_id=bid, session_id=row["file"])
        truth = flags(row["indoors_changes"])
        records.append(
            _learn_one(
                row["file"],
                row["indoors_changes"],
                truth,
                from_samples(samples),
                ctx,
                memory,
                samples,
            )
        )
    return {
        "records": records,
        "summary": learning_summary(records) | {"buildings": len({b for b in ids if b})},
    }


def _learn_one(
    name: str,
    flagged: str,
    truth: list[tuple[str, float]],
    tel: Telemetry,
    ctx: SessionContext,
    memory: dict[str, Profile],
    samples: list[dict[str, Any]],
) -> dict[str, Any]:
    """One session counted with its building's profile (the sessions before it), scored,
    then learned."""
    bid = ctx.building_id
    profile = memory.get(bid, Profile()) if bid else Profile()
    result = compute(tel, ctx, profile.storeys, profile.entrances)
    if bid and result.observation is not None:
        memory[bid] = learn(profile, result.observation)
    record = score_doors(name, flagged, truth, result.document, samples)
    gate = next((e for e in result.document["events"] if e["type"] == "GATE"), None)
    record["building"] = bid
    record["sure_entrances"] = sum(e.sure for e in profile.entrances)
    record["entrance"] = ((gate or {}).get("metadata") or {}).get("entrance")
    return record


def learning_summary(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """``summary`` plus how the GATEs compared with the learned entrances: how many were
    checked, agreed, and were right (within ``MATCH_S``) either way."""
    checked = [r for r in records if r["entrance"] is not None]
    agree = [r["engine"]["gate_ok"] for r in checked if r["entrance"]["agrees"]]
    differ = [r["engine"]["gate_ok"] for r in checked if not r["entrance"]["agrees"]]
    return summary(records) | {
        "checked": len(checked),
        "agrees": len(agree),
        "agrees_ok": share(agree),
        "differs": len(differ),
        "differs_ok": share(differ),
        "differs_sessions": [r["file"] for r in checked if not r["entrance"]["agrees"]],
    }


def _indoors(row: dict[str, str]) -> Callable[[float], bool]:
    """Whether the recorder's flags put a moment (s from the first sample) indoors."""
    changes = row["indoors_changes"].split()
    inside = bool(changes) and changes[0].startswith("in")
    doors = flags(row["indoors_changes"])

    def indoors(t: float) -> bool:
        state = inside
        for direction, when in doors:
            if when <= t:
                state = direction == "in"
        return state

    return indoors


def door_stops_inside(row: dict[str, str], doc: dict[str, Any]) -> list[list[Any]]:
    """(stated confidence, inside) of each door stop: no real recording marks a handover, but
    a door stop after walking in is inside, so one the flags put outdoors is wrong (a proxy:
    inside is necessary, not sufficient)."""
    indoors = _indoors(row)
    return [
        [float(e["confidence"]), indoors((e["tStart"] + e["tEnd"]) / 2)]
        for e in doc["events"]
        if e["type"] == "STOPPED" and e["metadata"]["atDoor"]
    ]


def inside_floors(row: dict[str, str], doc: dict[str, Any]) -> int:
    """Floors of the engine's upward moves whose middle the recorder's flag puts indoors:
    what floorsClimbed should count (a street's slope outdoors is no floor)."""
    indoors = _indoors(row)
    return sum(
        e["metadata"]["floors"]
        for e in doc["events"]
        if e["type"] in ("STAIRS", "ELEVATOR", "ESCALATOR")
        and e["metadata"]["direction"] == "up"
        and indoors((e["tStart"] + e["tEnd"]) / 2)
    )


def evaluate_simulator(seeds: Sequence[int]) -> dict[str, Any]:
    """Doors and door stops against the simulator's truth, every scenario by ``seeds``; and
    the same sessions learning their one building (the simulator's address) in that order."""
    simulated, stops, learned = [], [], []
    memory: dict[str, Profile] = {}
    runs = [(name, seed) for name in names() for seed in seeds]
    for name, seed in progress("entry (simulator)", runs):
        sc = build(name, seed=seed)
        tel, ctx = from_samples(sc.samples), replace(sc.context(), session_id=f"{name}/{seed}")
        doc = compute_insights(tel, ctx)
        truth = [(d, t - sc.started_at) for d, t in sc.doors]
        flagged = " ".join(f"{d}@{t:.0f}" for d, t in truth) or "none"
        simulated.append(score_doors(f"{name}/{seed}", flagged, truth, doc, sc.samples))
        handovers = [(a - sc.started_at, b - sc.started_at) for a, b in sc.handovers]
        stops.append(door_stops(f"{name}/{seed}", handovers, doc))
        learned.append(_learn_one(f"{name}/{seed}", flagged, truth, tel, ctx, memory, sc.samples))
    return {
        "simulator": {"records": simulated, "summary": summary(simulated)},
        "door_stop": {"records": stops, "summary": door_stop_summary(stops)},
        "simulator_learning": {"records": learned, "summary": learning_summary(learned)},
    }


def door_stops(
    name: str, handovers: Sequence[tuple[float, float]], doc: dict[str, Any]
) -> dict[str, Any]:
    """The case file's door stop against the simulator's handovers: right when it covers at
    least half of one."""
    stops = [
        (float(e["tStart"]), float(e["tEnd"]), float(e["confidence"]))
        for e in doc["events"]
        if e["type"] == "STOPPED" and e["metadata"]["atDoor"]
    ]
    hits = [
        [c, any(min(b, hb) - max(a, ha) >= 0.5 * (hb - ha) for ha, hb in handovers)]
        for a, b, c in stops
    ]
    return {"session": name, "handovers": len(handovers), "confidence_hits": hits}


def door_stop_summary(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    pairs = [(c, u) for r in records for c, u in r["confidence_hits"]]
    with_handover = [r for r in records if r["handovers"]]
    return {
        "handovers": len(with_handover),
        "found": share([any(u for _, u in r["confidence_hits"]) for r in with_handover]),
        "false": sum(not u for _, u in pairs),
        "reliability": reliability(pairs),
    }


def summary(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"recordings": len(records)}
    for who in ("engine", "baseline"):
        errs = [(d, e) for r in records for d, _, e in r[who]["errors"]]
        out[who] = {
            "entries": sum(d == "in" for d, _ in errs),
            "entries_found": share([e is not None for d, e in errs if d == "in"]),
            "exits": sum(d == "out" for d, _ in errs),
            "exits_found": share([e is not None for d, e in errs if d == "out"]),
            "median_entry_error_s": _median([e for d, e in errs if d == "in" and e is not None]),
            "false_doors": sum(len(r[who]["false"]) for r in records),
            "gate_ok": share([r[who]["gate_ok"] for r in records]),
            "reliability": reliability(
                [(c, u) for r in records for c, u in r[who]["confidence_hits"]]
            ),
        }
    return out


def _median(values: Sequence[float]) -> float | None:
    return round(float(np.median(values)), 1) if values else None


def _nearest(got: Sequence[Sequence[Any]], direction: str, t: float) -> str:
    """The error of the nearest reported door of that direction, for a miss."""
    errors = [float(g[1]) - t for g in got if g[0] == direction]
    return f"nearest {min(errors, key=abs):+.0f} s" if errors else f"no {direction} door"


def _section(title: str, part: dict[str, Any], *, list_found: bool) -> list[str]:
    s = part["summary"]
    e, b = s["engine"], s["baseline"]
    lines = [
        f"{title}: doors within {MATCH_S:.0f} s of the truth, {s['recordings']} sessions"
        f" (engine | baseline: first fix ≥ {BASELINE_LOST_M:.0f} m in, ≤ {BASELINE_SKY_M:.0f} m"
        " out)",
        f"  entries found  {pct(e['entries_found'])} | {pct(b['entries_found'])}"
        f"   of {e['entries']}  (median error {e['median_entry_error_s']} s |"
        f" {b['median_entry_error_s']} s)",
        f"  exits found    {pct(e['exits_found'])} | {pct(b['exits_found'])}   of {e['exits']}",
        f"  GATE right     {pct(e['gate_ok'])} | {pct(b['gate_ok'])}"
        "   (the first entry within the window, or none where there is none)",
        f"  false doors    {e['false_doors']:>6} | {b['false_doors']}",
        "  reliability (engine): stated confidence → share of those doors found",
    ]
    lines += reliability_lines(e["reliability"])
    lines.append("  misses and false doors (engine; error in s, + = late):")
    for r in part["records"]:
        missed = [
            f"{d}@{t:.0f} missed ({_nearest(r['engine']['doors'], d, t)})"
            for d, t, err in r["engine"]["errors"]
            if err is None
        ]
        false = [f"{d}@{t:.0f} not true" for d, t in r["engine"]["false"]]
        if missed or false:
            lines.append(f"    {r['file']} ({r['flags']}): " + ", ".join(missed + false))
    if list_found:
        found = [
            f"{d}@{t:g}{err:+.0f}"
            for r in part["records"]
            for d, t, err in r["engine"]["errors"]
            if err is not None
        ]
        lines.append("  found (flag, error s): " + " ".join(found))
    return lines


def _gps_barometer_lines(report: dict[str, Any]) -> list[str]:
    g = report["gps_barometer"]
    s = g["summary"]
    lines = [
        f"FLOORS CLIMBED (real walks): floorsClimbed equals the floors of the upward moves the"
        f" flags put indoors in {pct(report['summary']['floors_inside'])} of"
        f" {report['summary']['recordings']} walks (a street's climb outdoors is no floor)",
        f"GPS + BAROMETER ONLY (no IMU): real walks judged {report['summary']['judged']} of"
        f" {report['summary']['recordings']} (the rest: INSUFFICIENT_DATA, nothing seen to"
        " judge); simulator as a 1-Hz GPS + barometer stream, "
        f"{s['sessions']} sessions: reason codes exact {pct(s['codes'])}, floors climbed"
        f" {pct(s['floors'])}, doorstep {pct(s['doorstep'])}, category {pct(s['category'])}",
    ]
    for r in g["records"]:
        wrong = [k for k in ("codes", "floors", "doorstep", "category") if not r[k]]
        if wrong:
            lines.append(
                f"    {r['session']}: {', '.join(wrong)} wrong (codes {r['reason_codes']}, truth"
                f" {r['truth']}; floors {r['floors_climbed'][0]}, truth {r['floors_climbed'][1]})"
            )
    return lines


def _learning_lines(title: str, part: dict[str, Any], plain: dict[str, Any]) -> list[str]:
    """The GATE with learned entrances beside the GATE without them (``evaluate_learning``)."""
    s, p = part["summary"], plain["summary"]["engine"]
    e = s["engine"]
    return [
        f"{title}: each session counted with what the sessions before it taught its building"
        f" (a learned entrance is sure from {SURE_ENTRANCE_SESSIONS} sessions within"
        f" {SURE_ENTRANCE_SPREAD_M:.0f} m); learned | not",
        f"  GATEs checked against a sure entrance {s['checked']}: agree {s['agrees']} (right"
        f" {pct(s['agrees_ok'])}), elsewhere {s['differs']} (right {pct(s['differs_ok'])}):"
        f" {', '.join(s['differs_sessions']) or 'none'}",
        f"  entries found {pct(e['entries_found'])} | {pct(p['entries_found'])}, exits found"
        f" {pct(e['exits_found'])} | {pct(p['exits_found'])}, GATE right {pct(e['gate_ok'])} |"
        f" {pct(p['gate_ok'])}, false doors {e['false_doors']} | {p['false_doors']}",
    ]


def table(report: dict[str, Any]) -> list[str]:
    d = report["door_stop"]["summary"]
    lines = [
        *_section("ENTRY (real walks)", report, list_found=True),
        *_learning_lines("ENTRY (real walks, learned entrances)", report["learning"], report),
        *_section("ENTRY (simulator)", report["simulator"], list_found=False),
        *_learning_lines(
            "ENTRY (simulator, learned entrances)",
            report["simulator_learning"],
            report["simulator"],
        ),
        f"DOOR STOP (simulator): {pct(d['found'])} of {d['handovers']} handovers found,"
        f" {d['false']} door stops elsewhere; stated confidence (the stop's share of still"
        " seconds) → share that were the handover:",
    ]
    inside = report["summary"]["door_stops_inside"]
    lines += reliability_lines(d["reliability"])
    lines.append(
        f"DOOR STOP (real walks): {sum(r['n'] for r in inside)} door stops; no recording marks a"
        " handover, so the proxy truth is the recorder's indoor flag (a door stop is inside;"
        " inside is necessary, not sufficient): stated confidence → share inside"
    )
    return lines + reliability_lines(inside, "inside") + _gps_barometer_lines(report)


SET = AccuracySet(name="entry", folder="entry", evaluate=evaluate, table=table)
