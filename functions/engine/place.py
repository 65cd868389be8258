"""Where the courier went: GPS fixes, the building entry (GATE), the stop at the door, and
whether that door is the address's (the right doorstep, floor included when known).

Rules, in the order they are applied:

- **Fixes** are ``gps.fixes``: distinct readings, not the SDK's repetitions of them.
- **Arrival radius.** A fix with accuracy ``a`` is "at the address" when its distance is at
  most ``ARRIVAL_RADIUS_M + a`` (a geocoded address is the building's centre, its entrance
  can be tens of metres away; the fix itself is only good to ``a``).
- **GATE** (entering the building): the first entry ``entry.passages`` finds in the fixes
  (the jump in reported accuracy that leads into a sustained loss of the sky, fixes without
  speed, or silence) made on foot: not in a window labelled DRIVING, and after the first
  walk began when the IMU can see walking. Without such an entry, a stairs, elevator or
  escalator move made with no sky fix during it proves the courier was inside, and a lift
  ride does whatever the fixes say (no street is climbed at a lift's speed); its start is
  the GATE (the entry was earlier; not when the session began inside), also when GPS saw
  the entry only after the ride (a glass lobby). Fallback without either (a house door
  reached from the street): the start of a door stop at the address, with a low
  confidence, unless GPS kept the sky over the stop (a handover outdoors enters nothing).
- **Door stop.** The STOPPED segment the courier walked to (or reached by stairs or a lift) and
  walked away from (or ended the session in): not next to DRIVING (that is a halt in the
  vehicle), not at the session's start (not walked to); across a gap in the data either side
  is given the benefit of the doubt. Among those after the
  GATE — or, without a GATE, at the address — at the floor level furthest from the entrance,
  the longest of at least ``MIN_DOOR_STOP_S`` is the door stop. With no GATE and no address
  or fix to place it, there is no door stop: a pause somewhere is not a door.
- **Door level** (floors from the entrance) comes from pressure, not from the detected
  moves: a missed move must not move the door. Level = the building's storey model's level
  for the height change (``building.Storeys``: learned per building, else 3.0 m a storey).
- **Address floor** from the address text (``parse_floor``), as a level above the entrance:
  the floor number minus the country's ground floor (0 in most of Europe, 1 in North
  America, Russia, China, Japan, Korea…; both are tried when the country is unknown) minus
  how far above ground the building is entered. A door is on the claimed floor when the
  storey model puts it there or cannot rule the claim out (``FLOOR_MATCH_P``).
- **Right doorstep** = the door stop is within the arrival radius of the address (the most
  accurate of the fixes during the stop and the last good outdoor fix before it) and, when
  the address names a floor and the phone has a barometer, on that floor. ``None`` when it
  cannot be told: no address, no fix, no door stop, or a floor claim with no barometer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from functions.engine import entry
from functions.engine.activity import DRIVING, WALKING, WINDOW_S, Activity, Segment
from functions.engine.address import ground_floor
from functions.engine.building import GATE_CLUSTER_M, Entrance, Storeys
from functions.engine.entry import STALE_FIX_S, Passage, Passages, lost_fixes
from functions.engine.gps import DEFAULT_ACCURACY_M, Fixes
from functions.engine.types import VerticalMove

ARRIVAL_RADIUS_M = 50.0
"""How far from the geocoded point a building's entrance may be (a block's half width)."""
INDOOR_ACCURACY_M = 20.0
"""A fix this good was taken under the open sky (the doorstep's best outdoor fix)."""
ENTRANCE_S = 20.0
"""How long after the GATE the floor the courier came in on is measured (before any move)."""
MIN_DOOR_STOP_S = 8.0
"""Shorter halts are a door held open or a look at the phone, not a handover."""
FLOOR_M = 3.2
"""Half of this is how far the door must be from the entrance for the courier to have left its
level (the lobby hand-off rule)."""
FLOOR_MATCH_P = 0.2
"""A claimed floor the storey model gives at least this probability is not contradicted."""
LIFT_SIGN = ("ELEVATOR",)
"""Moves that prove the courier inside whatever GPS says: no street or outdoor stair is climbed
at a lift's kept speed (``vertical.ELEVATOR_MIN_SPEED_MPS``, 0.42 m/s: a 30 % grade at a
brisk walk), while an escalator may stand in the open (a station's entrance). On entry/ the
one entry GPS never saw (a glass lobby keeping 25-m fixes with a speed) is a lift ride that
starts 11 s before the flag; no street walk there holds a lift-speed move."""
GATE_CONFIDENCE = {"vertical-move": 0.45, "door-stop": 0.35}
"""GATEs not seen by GPS (an entry seen by GPS carries its own, ``entry.CONFIDENCE``). A
vertical-move GATE was within 20 s of the real door 2 of 5 times: entry/'s glass lobby (a
lift ride) and 1 of 4 on the simulator (the 3 others: a frozen spoofed fix while driving up a
hill), (2 + 1) / (5 + 2) = 0.43, rounded to 0.05. The door-stop fallback is only an upper
bound of the entry time and is reported only when GPS did not keep the sky over the stop
(``under_sky``: a handover under the sky entered no building); it is never the basis on
entry/ or the simulator: unmeasured, kept low."""


# --- the address's floor -----------------------------------------------------------------

_GROUND_WORDS = re.compile(
    r"\b(?:ground\s+floor|erdgeschoss|rez[- ]de[- ]chauss[ée]e|planta\s+baja|t[ée]rreo|"
    r"parterre|EG|PB|RDC)\b|\bG/F\b",
    re.I,
)
_BASEMENT_WORDS = re.compile(
    r"\b(?:basement|cellar|souterrain|untergeschoss|keller|UG|sous[- ]sol|s[óo]tano)\b", re.I
)
_FLOOR_WORD = (
    r"floor|fl\.?|level|lvl|etage|étage|stock|stockwerk|piso|planta|piano|andar|storey|"
    r"verdieping|kerros|krs|этаж"
)
_FLOOR_AFTER = re.compile(rf"(?<!\w)(?:{_FLOOR_WORD})\s*[:#.]?\s*(-?\d{{1,3}})\b", re.I)
_FLOOR_BEFORE = re.compile(
    r"(?<![\w-])(-?\d{1,3})\s*(?:st|nd|rd|th|\.|e|er|ème|º|°|ª|-?й)?\s*"
    r"(?:floor|fl\b|level|etage|étage|stock|og\b|obergeschoss|piso|planta|piano|andar|"
    r"verdieping|krs\b|kerros|этаж)",
    re.I,
)
_FLOOR_MARK = re.compile(r"(?<![\w-])(\d{1,3})\s*(?:층|階|楼|樓|/F\b|F\b)")
"""East Asian floor marks: "3층" (Korean), "3階" (Japanese), "3楼" (Chinese), "3F", "3/F"."""
_APARTMENT = re.compile(
    r"\b(?:apt|apartment|unit|suite|flat|wohnung|app)\.?\s*#?\s*(\d{1,4})([a-z])?\b", re.I
)


def parse_floor(address: Mapping[str, Any] | None) -> int | None:
    """The floor number an address names, as written, or None.

    Looks at line2, line1 and rawAddress, explicit words first: "Floor 4", "4th floor",
    "3. OG", "Etage 2", "piso 3", "3º andar", "3층", "3階", "3F" → that number; "ground floor"
    / "EG" / "planta baja" → the ground floor of the address's country (1 in the US, Canada,
    Korea, Japan, China, Russia…, 0 elsewhere or unknown: ``building.ground_floor``);
    "basement" / "UG" → the floor below it. Then apartment numbers that conventionally encode
    the floor: "Apt 4B" → 4 (digits before a letter), "Apt 402" → 4 and "Unit 1203" → 12
    (three or four digits: all but the last two). "Apt 12" says nothing (too short to encode
    a floor).
    """
    if not isinstance(address, Mapping):
        return None
    texts = [address.get(k) for k in ("line2", "line1", "rawAddress")]
    text = " ".join(t for t in texts if isinstance(t, str))
    if not text:
        return None
    for pattern in (_FLOOR_AFTER, _FLOOR_BEFORE, _FLOOR_MARK):
        match = pattern.search(text)
        if match:
            return int(match.group(1))
    ground = ground_floor(address.get("country")) or 0
    if _GROUND_WORDS.search(text):
        return ground
    if _BASEMENT_WORDS.search(text):
        return ground - 1
    match = _APARTMENT.search(text)
    if match:
        digits, letter = match.group(1), match.group(2)
        if letter and len(digits) <= 2:
            return int(digits)
        if len(digits) >= 3:
            return int(digits[:-2])
    return None


# --- the place ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """What ``locate`` found (unix seconds; None where it could not be told)."""

    gate: float | None
    gate_confidence: float
    gate_basis: str | None
    passages: tuple[Passage, ...]
    """Every entry and exit GPS saw (``entry.passages``); the GATE is the first entry on foot."""
    door: Segment | None
    door_level: int | None
    door_height_m: float | None
    door_distance_m: float | None
    door_accuracy_m: float | None
    radius_m: float | None
    closest_m: float | None
    """Closest on-foot approach to the address: the raw fix distance, accuracy not granted."""
    approach_m: float | None
    """How much nearer the courier got on foot than where the walk began."""
    right_doorstep: bool | None
    floor_ok: bool | None
    inside_height_range_m: float | None
    """Highest minus lowest height from the GATE to the end of the door stop: how far the
    courier went up or down inside (None without barometer, GATE or door stop). The whole
    session's range would include the streets driven, which climb and fall by metres."""
    entrance_height_m: float | None = None
    """Height of the entrance (just before the GATE, else the session's first reading) above
    the session's first reading: what the building's heights are measured from."""
    began_inside: bool = False
    """GPS says the session began inside a building (``entry.Passages.began_inside``)."""
    entrance: EntranceCheck | None = None
    """A GPS GATE against the building's sure learned entrances (None: none known, or the
    GATE is not GPS's)."""

    def inside(self, t: float) -> bool | None:
        """Whether the courier was inside a building at ``t``, as GPS and the GATE tell it:
        after the GATE or an entry, before the next exit; None when nothing tells (no entry,
        no exit, no GATE but the door-stop fallback, which only bounds the entry)."""
        doors = [(p.t, p.direction == "in") for p in self.passages]
        if self.gate is not None and self.gate_basis != "door-stop":
            doors.append((self.gate, True))
        if not doors and not self.began_inside:
            return None
        state = self.began_inside
        for when, entering in sorted(doors):
            if when > t:
                break
            state = entering
        return state


def _on_foot_start(activity: Activity) -> float | None:
    walks = [s for s in activity.segments if s.kind == "WALKING"]
    return walks[0].t_start if walks else None


def _window_label(activity: Activity, t: float) -> int:
    i = int(np.clip(np.searchsorted(activity.grid, t, side="right") - 1, 0, None))
    return int(activity.labels[min(i, activity.labels.shape[0] - 1)])


def _on_foot_entries(found: Passages, activity: Activity) -> list[Passage]:
    """The entries (``entry.passages``) made on foot: after the first walk began when the IMU
    can see walking (an entry just before it is moved to it), never in a window labelled
    DRIVING (a car park, a tunnel)."""
    start = _on_foot_start(activity)
    if start is None and np.isfinite(activity.energy).any():
        return []
    out = []
    for p in found.entries():
        if start is not None and p.t < start - STALE_FIX_S:
            continue
        if _window_label(activity, p.t) == DRIVING:
            continue
        out.append(p if start is None or p.t >= start else replace(p, t=start))
    return out


@dataclass(frozen=True)
class EntranceCheck:
    """A GATE against the building's sure learned entrances (``building.Entrance.sure``)."""

    agrees: bool
    """The GATE's fix lies within ``GATE_CLUSTER_M`` plus its own accuracy of one of them."""
    distance_m: float
    """From the GATE's fix to the nearest sure entrance."""
    sessions: int
    """Sessions that taught that entrance."""

    def to_json(self) -> dict[str, Any]:
        return {
            "agrees": self.agrees,
            "distanceM": round(self.distance_m, 1),
            "sessions": self.sessions,
        }


def check_entrance(f: Fixes, t: float, sure: tuple[Entrance, ...]) -> EntranceCheck | None:
    """The fix in force at ``t`` against the nearest of ``sure`` (None without any)."""
    if not sure or len(f) == 0:
        return None
    i = f.fix_at(t)
    distances = [f.distance_from(i, e.lat, e.lng) for e in sure]
    k = int(np.argmin(distances))
    reach = GATE_CLUSTER_M + min(f.acc_at(i), entry.LOST_ACCURACY_M)
    return EntranceCheck(distances[k] <= reach, distances[k], sure[k].sessions)


def _gate(
    found: Passages, activity: Activity, f: Fixes, entrances: tuple[Entrance, ...]
) -> tuple[Passage | None, EntranceCheck | None]:
    """The GATE among the on-foot entries: the first one at a sure learned entrance when the
    building has one (a street canyon or a shop on the way is not this building's door),
    else the first; with how it compares to the learned entrances."""
    candidates = _on_foot_entries(found, activity)
    sure = tuple(e for e in entrances if e.sure)
    checks = [check_entrance(f, p.t, sure) for p in candidates]
    for p, check in zip(candidates, checks, strict=True):
        if check is not None and check.agrees:
            return p, check
    return (candidates[0], checks[0]) if candidates else (None, None)


def _inside_move(found: Passages, f: Fixes, moves: tuple[VerticalMove, ...]) -> VerticalMove | None:
    """The first vertical move that proves the courier inside: a lift ride (``LIFT_SIGN``),
    or any move made with no sky fix during it (outdoors, a stairs-speed move under a good
    fix is a street's slope or steps up to a door). None when the session began inside (its
    moves are no entry)."""
    if found.began_inside:
        return None
    sky = ~lost_fixes(f) if len(f) else np.zeros(0, dtype=bool)
    for mv in moves:
        if mv.mode in LIFT_SIGN or not np.any(sky & (f.t >= mv.t_start) & (f.t <= mv.t_end)):
            return mv
    return None


def _neighbour(segs: tuple[Segment, ...], k: int, step: int) -> str | None:
    """Kind of the segment beside ``segs[k]`` (``step`` -1 before, +1 after); "" when a
    vertical move or a gap lies between them, None at the session's edge."""
    j = k + step
    if not 0 <= j < len(segs):
        return None
    first, second = (segs[k], segs[j]) if step > 0 else (segs[j], segs[k])
    return segs[j].kind if second.t_start - first.t_end <= WINDOW_S else ""


def _on_foot_stops(activity: Activity) -> list[Segment]:
    """STOPPED segments the courier walked to (or reached by stairs or a lift) and walked away
    from (or ended the session in); none next to DRIVING (a halt in the vehicle) or at the
    session's start (not walked to)."""
    segs = activity.segments
    out = []
    for k, seg in enumerate(segs):
        if seg.kind != "STOPPED" or seg.seconds < MIN_DOOR_STOP_S:
            continue
        before, after = _neighbour(segs, k, -1), _neighbour(segs, k, +1)
        if before in ("WALKING", "") and after in ("WALKING", "", None):
            out.append(seg)
    return out


def _height_range(
    th: tuple[np.ndarray, np.ndarray], t0: float | None, t1: float | None
) -> float | None:
    t, h = th
    if t0 is None or t1 is None:
        return None
    inside = h[(t >= t0) & (t <= t1)]
    return float(np.ptp(inside)) if inside.size else None


def _height_at(th: tuple[np.ndarray, np.ndarray], t0: float, t1: float) -> float | None:
    t, h = th
    if t.shape[0] == 0:
        return None
    inside = (t >= t0) & (t <= t1)
    if inside.any():
        return float(np.median(h[inside]))
    return float(np.interp((t0 + t1) / 2, t, h))


def locate(
    th: tuple[np.ndarray, np.ndarray],
    session_end: float,
    activity: Activity,
    f: Fixes,
    moves: tuple[VerticalMove, ...],
    address: tuple[float, float] | None,
    claimed_levels: tuple[int, ...] = (),
    storeys: Storeys | None = None,
    entrances: tuple[Entrance, ...] = (),
) -> Place:
    """The GATE, the door stop and the doorstep verdict (module docstring).

    ``th``: the session's smoothed heights (``signal.relative_height``); ``session_end``:
    its last sample's time; ``claimed_levels``: the levels above the entrance the address's
    floor may be (one when its country tells how floors are numbered, two when not);
    ``storeys``: the building's storey model (default: ``FLOOR_HEIGHT_M`` a storey);
    ``entrances``: where earlier sessions went through the building's doors
    (``building.Profile.entrances``).
    """
    storeys = storeys or Storeys()
    has_baro = th[0].shape[0] > 0
    # steps or bounce, not GPS pace (``activity``, rule 4): a fix's own speed must not vouch
    # for the fix going stale
    seen = activity.labels == WALKING
    walking = activity.grid[seen if np.isfinite(activity.energy).any() else np.zeros_like(seen)]
    found = entry.passages(f, th, walking, session_end)
    entered, check = _gate(found, activity, f, entrances)
    inside = _inside_move(found, f, moves)
    gate = basis = None
    confidence = 0.0
    lift_first = (
        inside is not None
        and inside.mode in LIFT_SIGN
        and (entered is None or inside.t_start < entered.t)
    )
    if entered is not None and not lift_first:
        gate, confidence = entered.t, entered.confidence
        near = address is None or _near_point(f, address, entered.t)
        basis = "gps-loss" if near else "gps-loss-far"
    elif inside is not None:
        # GPS saw no entry, or saw it only after a lift had already carried the courier
        # (a glass lobby keeps sky-level fixes): the move is the first sign
        gate, basis = inside.t_start, "vertical-move"
    if basis not in ("gps-loss", "gps-loss-far"):
        check = None

    stops = _on_foot_stops(activity)
    if gate is not None:
        stops = [s for s in stops if s.t_end > gate]
    elif address is not None and len(f):
        stops = [s for s in stops if _near(f, address, s.t_start, s.t_end)]
    else:
        stops = []
    ground = _entrance_height(th, gate, moves) or 0.0
    levels = []
    for s in stops:
        h = _height_at(th, s.t_start, s.t_end)
        levels.append(storeys.level_of(h - ground) if h is not None else 0)
    door = None
    if stops:
        extreme = max(abs(v) for v in levels)
        at_extreme = [s for s, v in zip(stops, levels, strict=True) if abs(v) == extreme]
        door = max(at_extreme, key=lambda s: s.seconds)
    if door is not None and gate is None and not under_sky(f, door.t_start, door.t_end):
        gate, basis = door.t_start, "door-stop"

    door_height = door_level = None
    if door is not None and has_baro:
        h = _height_at(th, door.t_start, door.t_end)
        door_height = None if h is None else h - ground
        door_level = None if door_height is None else storeys.level_of(door_height)

    distance = accuracy = radius = None
    if door is not None and address is not None and len(f):
        distance, accuracy = _best_distance(f, address, door.t_start, door.t_end)
        radius = ARRIVAL_RADIUS_M + min(accuracy, 100.0) if distance is not None else None

    closest = approach = None
    start = _on_foot_start(activity)
    if address is not None and start is not None and len(f):
        foot = _on_foot_fixes(f, activity, start)
        if foot.any():
            d = f.distance_to(*address)[foot]
            closest = float(d.min())
            approach = float(d[0] - d.min())

    floor_ok: bool | None = True
    if claimed_levels and door is not None:
        floor_ok = (
            None if door_height is None else on_claimed_floor(door_height, claimed_levels, storeys)
        )
    right: bool | None = None
    if distance is not None and radius is not None:
        near = distance <= radius
        right = None if (near and floor_ok is None) else bool(near and floor_ok)
    return Place(
        gate=gate,
        gate_confidence=confidence or GATE_CONFIDENCE.get(basis or "", 0.0),
        gate_basis=basis,
        passages=found.items,
        door=door,
        door_level=door_level,
        door_height_m=door_height,
        door_distance_m=distance,
        door_accuracy_m=accuracy,
        radius_m=radius,
        closest_m=closest,
        approach_m=approach,
        right_doorstep=right,
        floor_ok=floor_ok if door is not None else None,
        inside_height_range_m=_height_range(th, gate, door.t_end if door else None),
        entrance_height_m=ground if has_baro else None,
        began_inside=found.began_inside,
        entrance=check,
    )


def on_claimed_floor(height: float, claimed: tuple[int, ...], storeys: Storeys) -> bool:
    """Whether a door ``height`` m above the entrance can be on a claimed level: it is the
    level the storey model puts it on, or the model cannot rule the claim out (probability
    at least ``FLOOR_MATCH_P``: with the default storey height a tall storey is not proof)."""
    level = storeys.level_of(height)
    return any(c == level or storeys.level_confidence(height, c) >= FLOOR_MATCH_P for c in claimed)


def _entrance_height(
    th: tuple[np.ndarray, np.ndarray], gate: float | None, moves: tuple[VerticalMove, ...]
) -> float | None:
    """The height of the floor the courier came in on: inside, over the ``ENTRANCE_S`` after
    the GATE until the first vertical move (the street outside can sit a step or a pressure
    step away); just before the GATE when a move starts at once; None without a GATE."""
    if gate is None:
        return None
    later = [mv.t_start for mv in moves if mv.t_end > gate]
    until = min([gate + ENTRANCE_S, *later])
    if until - gate >= 2.0:
        return _height_at(th, gate, until)
    return _height_at(th, gate - ENTRANCE_S, gate)


def under_sky(f: Fixes, t0: float, t1: float) -> bool:
    """Whether GPS kept the sky over [t0, t1]: the fix in force at ``t0`` and every new one
    until ``t1`` are sky fixes (``entry.lost_fixes``) and none was held past
    ``STALE_FIX_S``. A handover there was made outdoors (at the kerb, on a doorstep): no
    building was entered, so there is no GATE to report."""
    if len(f) == 0:
        return False
    first = max(int(np.searchsorted(f.t, t0, side="right")) - 1, 0)
    last = int(np.searchsorted(f.t, t1, side="right"))
    span = slice(first, max(last, first + 1))
    fresh = np.minimum(f.until[span], t1) - np.maximum(f.t[span], t0) <= STALE_FIX_S + 1.0
    return bool(not lost_fixes(f)[span].any() and fresh.all())


def _near_point(f: Fixes, address: tuple[float, float], t: float) -> bool:
    """Was the latest fix at ``t`` (or the first one) within the arrival radius?"""
    i = f.fix_at(t)
    return bool(f.distance_from(i, *address) <= ARRIVAL_RADIUS_M + f.acc_at(i))


def _near(f: Fixes, address: tuple[float, float], t0: float, t1: float) -> bool:
    distance, accuracy = _best_distance(f, address, t0, t1)
    return distance is not None and distance <= ARRIVAL_RADIUS_M + accuracy


def _best_distance(
    f: Fixes, address: tuple[float, float], t0: float, t1: float
) -> tuple[float | None, float]:
    """(distance, accuracy) of the most accurate fix taken during [t0, t1] or the last good
    outdoor fix before it (indoors the door's own fixes are poor; the entrance's is not)."""
    acc = f.acc()
    before = np.flatnonzero((f.t < t0) & (acc <= INDOOR_ACCURACY_M))
    inside = np.flatnonzero((f.t >= t0) & (f.t <= t1))
    candidates = np.concatenate([before[-1:], inside])
    if candidates.size == 0:
        return None, DEFAULT_ACCURACY_M
    best = candidates[np.argmin(acc[candidates])]
    return float(f.distance_to(*address)[best]), float(acc[best])


def _on_foot_fixes(f: Fixes, activity: Activity, start: float) -> np.ndarray:
    """Fixes taken after the first walk began and outside vehicle stretches."""
    idx = np.clip(np.searchsorted(activity.grid, f.t, side="right") - 1, 0, None)
    label = activity.labels[np.minimum(idx, activity.labels.shape[0] - 1)]
    return (f.t >= start) & (label != DRIVING)
