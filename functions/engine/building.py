"""Building memory: what the fleet has learned about one building, and how a session adds to it.

The engine stays pure: a ``Storeys`` (the building's storey model, estimated from earlier
sessions) goes in, an ``Observation`` (what this session measured, plus the floor its address
claims) comes out, and ``learn`` folds an observation into a ``Profile``. Storing profiles is
the processor's business (``functions.core.adapters.building_store``), not the engine's.

The storey model. Heights are metres above the entrance (the GATE's height, else the first
move's start). Level 0 is the entrance, level 1 sits ``lobby_m`` above it (a lobby is often
taller than the storeys above it), every further level ``storey_m`` higher, and levels below
the entrance ``storey_m`` apart. The floor number at the entrance is ``entrance_floor``: the
ground floor of the address's country (0 in most of Europe, 1 in North America, Russia, China,
Japan, Korea…) unless the building taught otherwise (a hillside building entered on floor 4).

Estimation (``estimate``) fits the model to every stored observation at once, on a grid:

- a *claimed* observation (the address named a floor) should put its door height at the
  claimed level; an *unclaimed* height should sit on some level (heights cluster at
  multiples of one storey: no label needed);
- each observation's misfit is (residual / sd)² capped at ``CAP`` (sd grows with the height:
  barometer noise plus drift), so a wrong claim or a stray height costs a bounded amount and
  cannot drag the fit: a robust (trimmed) least-squares estimate;
- a taller lobby, or an entrance off the ground floor, must pay for itself (``LOBBY_COST``,
  ``ENTRANCE_COST``): the data has to show it;
- a weak prior around ``vertical.FLOOR_HEIGHT_M`` breaks ties (one 12-m ride is 4 x 3.0 m or
  3 x 4.0 m; only more sessions tell them apart).

The weights exp(-cost / 2) over the grid are a posterior: the storey confidence is its mass
near the best storey height, and a floor count's confidence is the posterior probability
(storey model and barometer noise together) that the count is right.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

import numpy as np

from functions.engine.vertical import FLOOR_HEIGHT_M

Source = Literal["default", "address", "learned"]

STOREY_GRID_M = np.round(np.arange(2.6, 5.001, 0.02), 2)
"""Storey heights considered: 2.6 m (a low residential storey: 2.4 m ceiling plus slab) to
5.0 m (tall commercial floors). Below 2.6 m the half of a real storey (3.9 / 2 = 1.95 m)
would fit every height as well: the range removes that ambiguity."""
LOBBY_EXTRA_GRID_M = np.round(np.concatenate([[0.0], np.arange(0.4, 3.01, 0.1)]), 2)
"""How much taller than the others the entrance storey may be (0 = not taller)."""
ENTRANCE_OFFSETS = np.arange(-2, 9)
"""Entrance floor minus ground floor: from two floors below ground to eight above."""
PRIOR_STOREY_SD_M = 1.0
"""Spread of storey heights across buildings (2.6 m flats to 5 m commercial floors): the weak
prior around ``FLOOR_HEIGHT_M`` that decides when the data cannot. As wide as that range, so
an unknown building's floor counts carry honest confidences: on elevators/ (3.9 m storeys)
every count the default got wrong had a confidence under 0.5, every one at 0.7 or more was
right. Narrower (0.5 m) it overruled three rides of 12.2 m for four floors (it preferred
3.2 m storeys with a 6.2-m lobby to 4.1 m storeys)."""
NOISE_M = 0.3
NOISE_PER_M = 0.02
"""The sd of a measured height above the entrance: 0.3 m (barometer noise, where the courier
stands) + 2 % of the height (drift over a ride). The elevators/ rides spread ±0.4 m at 12 m."""
CAP = 9.0
"""A misfit counts at most (3 sd)²: beyond that the claim or the height is simply wrong."""
LOBBY_COST = 4.0
ENTRANCE_COST = 6.0
"""What a taller lobby or an entrance off the ground floor adds to the fit's cost: about two
observations that fit clearly better with it (a wrong claim alone cannot buy one)."""
STOREY_BAND = 0.05
"""Storey (lobby) confidence: the posterior's mass within ±5 % of the best storey (lobby)
height."""
BIN_M = 0.05
"""Heights are binned this finely before fitting (a sixth of the barometer's noise)."""
MODES = 100
"""Models of the posterior kept for floor confidences (the rest carry negligible weight once
a building has been seen; for a new building they spread the prior)."""
MAX_OBSERVATIONS = 200
"""A profile keeps this many observations (the most recent): enough for any building, small
enough for one DynamoDB item."""
GATE_CLUSTER_M = 25.0
"""Door positions within this of each other are one entrance (entry/: a walk's way out lay
6, 17 and 29 m from where another walk went in through the same door)."""
SURE_ENTRANCE_SESSIONS = 2
SURE_ENTRANCE_SPREAD_M = 15.0
"""An entrance is sure enough to judge a GATE by once this many sessions found it within
this median spread (open-sky fixes are good to 5-10 m; a door fix to 10-30 m): one session's
fix is a point, not a place."""
MIN_HEIGHT_M = 0.85
"""Plateau heights below this are the entrance level (``vertical.MIN_HEIGHT_M``)."""

# --- the storey model ------------------------------------------------------------------------


@dataclass(frozen=True)
class Storeys:
    """A building's storey model and how sure it is (see the module docstring)."""

    storey_m: float = FLOOR_HEIGHT_M
    lobby_m: float = FLOOR_HEIGHT_M
    entrance_offset: int = 0
    """Entrance floor minus ground floor."""
    source: Source = "default"
    sessions_seen: int = 0
    storey_confidence: float = 0.0
    lobby_confidence: float = 0.0
    entrance_confidence: float = 0.0
    modes: tuple[tuple[float, float, float], ...] = ()
    """(storey, lobby, weight) of the posterior's strongest models, weights summing to 1:
    what floor confidences are computed over. Empty: the prior alone."""

    def height_of(self, level: int) -> float:
        if level <= 0:
            return level * self.storey_m
        return self.lobby_m + (level - 1) * self.storey_m

    def level_of(self, height: float) -> int:
        return int(_levels(np.array([height]), self.storey_m, self.lobby_m - self.storey_m)[0])

    def floors_between(self, start_m: float, end_m: float) -> int:
        """Floors a move from ``start_m`` to ``end_m`` (m above the entrance) crossed."""
        return abs(self.level_of(end_m) - self.level_of(start_m))

    def level_confidence(self, height: float, level: int) -> float:
        """Probability that ``height`` (m above the entrance) is at ``level``: barometer
        noise and the storey model's uncertainty together."""
        return _level_probability(self._mixture, height, level)

    def floors_confidence(self, start_m: float, end_m: float, floors: int) -> float:
        """Probability that a move from ``start_m`` to ``end_m`` crossed ``floors`` levels,
        the start's level taken as the likeliest."""
        start = self.level_of(start_m)
        sign = 1 if end_m >= start_m else -1
        base = self.level_confidence(start_m, start)
        return base * self.level_confidence(end_m, start + sign * floors)

    @functools.cached_property
    def _mixture(self) -> np.ndarray:
        """(storey, lobby, weight) rows of ``modes`` or the prior's, as one array: built
        once per profile, since every floor confidence weighs all of them."""
        return np.asarray(self.modes or _prior_modes(), dtype=float)

    def to_json(self) -> dict[str, Any]:
        return {
            "storeyHeightM": round(self.storey_m, 2),
            "lobbyHeightM": round(self.lobby_m, 2),
            "entranceOffset": self.entrance_offset,
            "source": self.source,
            "sessionsSeen": self.sessions_seen,
            "storeyConfidence": round(self.storey_confidence, 3),
            "lobbyConfidence": round(self.lobby_confidence, 3),
            "entranceConfidence": round(self.entrance_confidence, 3),
            "modes": [[round(s, 2), round(lb, 2), round(w, 4)] for s, lb, w in self.modes],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Storeys:
        source = data.get("source")
        return cls(
            storey_m=float(data.get("storeyHeightM", FLOOR_HEIGHT_M)),
            lobby_m=float(data.get("lobbyHeightM", data.get("storeyHeightM", FLOOR_HEIGHT_M))),
            entrance_offset=int(data.get("entranceOffset", 0)),
            source=source if source in ("default", "address", "learned") else "default",
            sessions_seen=int(data.get("sessionsSeen", 0)),
            storey_confidence=float(data.get("storeyConfidence", 0.0)),
            lobby_confidence=float(data.get("lobbyConfidence", 0.0)),
            entrance_confidence=float(data.get("entranceConfidence", 0.0)),
            modes=tuple((float(s), float(lb), float(w)) for s, lb, w in data.get("modes", [])),
        )


def _levels(h: np.ndarray, storey: Any, extra: Any) -> np.ndarray:
    """Nearest level of heights ``h`` for storey ``storey`` and lobby ``storey + extra``
    (broadcasting: arrays of models against arrays of heights)."""
    lobby = storey + extra
    up = np.maximum(1, np.floor((h - lobby) / storey + 0.5) + 1)
    down = np.floor(h / storey + 0.5)
    out: np.ndarray = np.where(h >= lobby / 2, up, np.minimum(down, 0))
    return out


def _heights(level: np.ndarray, storey: Any, extra: Any) -> np.ndarray:
    out: np.ndarray = np.where(level > 0, storey + extra + (level - 1) * storey, level * storey)
    return out


def level_sd(height: float | np.ndarray) -> Any:
    """How far a height measured ``height`` m above the entrance may sit from its level's
    model height, one sd (``NOISE_M``, ``NOISE_PER_M``): the fit's tolerance. Not a move's
    ``height_sd_m`` (``vertical.height_sd``, one sd of the move's own measured height, what
    the case file's ``heightSdM`` means): this one also holds where on a floor the courier
    dwelt and how one building's floors vary, so it is wider at small heights."""
    return NOISE_M + NOISE_PER_M * np.abs(height)


def _prior_cost(storey: np.ndarray) -> np.ndarray:
    out: np.ndarray = ((storey - FLOOR_HEIGHT_M) / PRIOR_STOREY_SD_M) ** 2
    return out


@functools.cache
def _prior_modes() -> tuple[tuple[float, float, float], ...]:
    """The prior's storey models (a constant: computed once per process)."""
    w = np.exp(-_prior_cost(STOREY_GRID_M) / 2)
    w /= w.sum()
    return tuple((float(s), float(s), float(x)) for s, x in zip(STOREY_GRID_M, w, strict=True))


def _level_probability(m: np.ndarray, height: float, level: int) -> float:
    """Sum over the models ``m`` (rows of storey, lobby, weight) of weight * P(a height
    measured ``height`` lies in ``level``'s band)."""
    storey, lobby, w = m[:, 0], m[:, 1], m[:, 2]
    extra = lobby - storey
    centre = _heights(np.array([level]), storey, extra)
    below = _heights(np.array([level - 1]), storey, extra)
    above = _heights(np.array([level + 1]), storey, extra)
    lo, hi = (centre + below) / 2, (centre + above) / 2
    s = float(level_sd(height))
    p = _phi((hi - height) / s) - _phi((lo - height) / s)
    return float(np.clip((w * p).sum() / w.sum(), 0.0, 1.0))


_ERF = np.frompyfunc(math.erf, 1, 1)
"""``math.erf`` over an array (numpy has no erf; ``frompyfunc`` is several times cheaper per
call than ``np.vectorize``, which a floor confidence pays for every move it weighs)."""


def _phi(x: np.ndarray) -> np.ndarray:
    """The standard normal distribution function."""
    out: np.ndarray = 0.5 * (1.0 + np.asarray(_ERF(x / math.sqrt(2.0)), dtype=float))
    return out


# --- observations and profiles ---------------------------------------------------------------


@dataclass(frozen=True)
class Observation:
    """What one session measured in its building (heights in m above the entrance)."""

    session_id: str
    at: float
    """Unix seconds of the session's start: observations are kept newest last."""
    heights_m: tuple[float, ...] = ()
    """Where the courier dwelt off the entrance level: the end of each vertical move."""
    door_height_m: float | None = None
    claimed_floor: int | None = None
    """The floor the address names, as written."""
    ground_floor: int | None = None
    """The address country's ground floor (0 or 1), None unknown."""
    gate: tuple[float, float] | None = None
    """(lat, lng) of the GATE fix, when GPS was lost at the entrance."""
    exit: tuple[float, float] | None = None
    """(lat, lng) of the first sky fix after the session's first exit: the same door, seen on
    the way out (couriers leave the way they came)."""

    def claimed_height(self) -> float | None:
        """The height the claim is about: the door's, else the highest or lowest dwell."""
        if self.door_height_m is not None:
            return self.door_height_m
        if self.heights_m:
            return max(self.heights_m, key=abs)
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "sessionId": self.session_id,
            "at": round(self.at, 3),
            "heightsM": [round(h, 2) for h in self.heights_m],
            "doorHeightM": None if self.door_height_m is None else round(self.door_height_m, 2),
            "claimedFloor": self.claimed_floor,
            "groundFloor": self.ground_floor,
            "gate": None if self.gate is None else [round(x, 6) for x in self.gate],
            "exit": None if self.exit is None else [round(x, 6) for x in self.exit],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Observation:
        door, gate, out = data.get("doorHeightM"), data.get("gate"), data.get("exit")
        return cls(
            session_id=str(data["sessionId"]),
            at=float(data.get("at", 0.0)),
            heights_m=tuple(float(h) for h in data.get("heightsM", [])),
            door_height_m=None if door is None else float(door),
            claimed_floor=data.get("claimedFloor"),
            ground_floor=data.get("groundFloor"),
            gate=None if not gate else (float(gate[0]), float(gate[1])),
            exit=None if not out else (float(out[0]), float(out[1])),
        )


@dataclass(frozen=True)
class Entrance:
    """Where couriers lose GPS at this building: the median of one cluster of door fixes
    (GATEs, and the first sky fix of an exit)."""

    lat: float
    lng: float
    sessions: int
    """Distinct sessions with a door fix in the cluster."""
    spread_m: float

    @property
    def sure(self) -> bool:
        """Seen often and tightly enough to judge a GATE by (``SURE_ENTRANCE_SESSIONS``)."""
        return self.sessions >= SURE_ENTRANCE_SESSIONS and self.spread_m <= SURE_ENTRANCE_SPREAD_M


@dataclass(frozen=True)
class Profile:
    """A building's memory: its observations and what they estimate."""

    observations: tuple[Observation, ...] = ()

    @cached_property
    def storeys(self) -> Storeys:
        """The storey model the observations estimate (computed when first asked for)."""
        return estimate(self.observations)

    @cached_property
    def entrances(self) -> tuple[Entrance, ...]:
        return entrances(self.observations)

    @property
    def sessions_seen(self) -> int:
        return len(self.observations)

    def without(self, session_id: str) -> Profile:
        """The profile as if ``session_id`` had never been learned: a session's own claim
        must not decide its own floor count."""
        if all(o.session_id != session_id for o in self.observations):
            return self
        return profile_of([o for o in self.observations if o.session_id != session_id])

    def to_json(self) -> dict[str, Any]:
        return {
            "sessionsSeen": self.sessions_seen,
            "storeys": self.storeys.to_json(),
            "entrances": [
                {
                    "lat": round(e.lat, 6),
                    "lng": round(e.lng, 6),
                    "sessions": e.sessions,
                    "spreadM": round(e.spread_m, 1),
                }
                for e in self.entrances
            ],
            "observations": [o.to_json() for o in self.observations],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Profile:
        """A stored profile; only the observations count (the figures are re-estimated, so
        a newer estimator reads old profiles right)."""
        if not data:
            return cls()
        return profile_of([Observation.from_json(o) for o in data.get("observations", [])])


def learn(profile: Profile, observation: Observation) -> Profile:
    """``profile`` having learned ``observation``: once per session (a session learned again,
    reprocessed or redelivered, replaces its earlier observation), the newest
    ``MAX_OBSERVATIONS`` kept."""
    kept = [o for o in profile.observations if o.session_id != observation.session_id]
    kept.append(observation)
    kept.sort(key=lambda o: o.at)
    return profile_of(kept[-MAX_OBSERVATIONS:])


def profile_of(observations: Sequence[Observation]) -> Profile:
    return Profile(tuple(observations))


def estimate(observations: Sequence[Observation]) -> Storeys:
    """The storey model that best explains ``observations`` (module docstring)."""
    claimed: list[tuple[float, int]] = []
    heights: list[float] = []
    for o in observations:
        heights += [h for h in o.heights_m if abs(h) >= MIN_HEIGHT_M]
        door = o.claimed_height()
        if o.claimed_floor is not None and door is not None:
            claimed.append((door, o.claimed_floor - (o.ground_floor or 0)))
    if not claimed and not heights:
        return Storeys(sessions_seen=len(observations))
    cost = _cost(claimed, heights)
    w = np.exp(-(cost - cost.min()) / 2)
    w /= w.sum()
    i, j, k = np.unravel_index(int(np.argmin(cost)), cost.shape)
    storey = float(STOREY_GRID_M[i])
    lobby = storey + float(LOBBY_EXTRA_GRID_M[j])
    by_model = w.sum(axis=2)  # storey by lobby
    lobbies = STOREY_GRID_M[:, None] + LOBBY_EXTRA_GRID_M[None, :]
    modes = []
    for flat in np.argsort(by_model, axis=None)[::-1][:MODES]:
        a, b = np.unravel_index(int(flat), by_model.shape)
        modes.append((float(STOREY_GRID_M[a]), float(lobbies[a, b]), float(by_model[a, b])))
    total = sum(m[2] for m in modes)
    return Storeys(
        storey_m=storey,
        lobby_m=lobby,
        entrance_offset=int(ENTRANCE_OFFSETS[k]),
        source="address" if claimed else "learned",
        sessions_seen=len(observations),
        storey_confidence=float(
            by_model[np.abs(STOREY_GRID_M - storey) <= STOREY_BAND * storey].sum()
        ),
        lobby_confidence=float(by_model[np.abs(lobbies - lobby) <= STOREY_BAND * lobby].sum()),
        entrance_confidence=float(w[:, :, k].sum()),
        modes=tuple((s, lb, x / total) for s, lb, x in modes),
    )


def _cost(claimed: Sequence[tuple[float, int]], heights: Sequence[float]) -> np.ndarray:
    """The fit's cost over the grid (storey x lobby extra x entrance offset). Heights are
    binned to ``BIN_M`` with their counts first: a busy building repeats the same few levels,
    and the cost is linear in the number of distinct heights."""
    storey = STOREY_GRID_M[:, None, None]
    extra = LOBBY_EXTRA_GRID_M[None, :, None]
    cost = _prior_cost(storey[..., 0]) + np.where(extra[..., 0] > 0, LOBBY_COST, 0.0)
    cost = cost[:, :, None] + np.where(ENTRANCE_OFFSETS != 0, ENTRANCE_COST, 0.0)
    if heights:
        u, n = np.unique(np.round(np.asarray(heights) / BIN_M) * BIN_M, return_counts=True)
        fit = _heights(_levels(u, storey, extra), storey, extra)
        misfit = np.minimum(((u - fit) / level_sd(u)) ** 2, CAP) @ n
        cost = cost + misfit[:, :, None]
    if claimed:
        binned = np.asarray([(round(h / BIN_M) * BIN_M, c) for h, c in claimed])
        pairs, n = np.unique(binned, axis=0, return_counts=True)
        h, level = pairs[:, 0], pairs[:, 1].astype(int)
        for k, offset in enumerate(ENTRANCE_OFFSETS):
            expected = _heights(level - offset, storey, extra)
            cost[:, :, k] += np.minimum(((h - expected) / level_sd(h)) ** 2, CAP) @ n
    out: np.ndarray = cost
    return out


def entrances(observations: Sequence[Observation]) -> tuple[Entrance, ...]:
    """Clusters of door positions (GATEs and exits), largest first: each the fixes within
    ``GATE_CLUSTER_M`` of the one with most neighbours, summarised by their median."""
    doors = [(k, p) for k, o in enumerate(observations) for p in (o.gate, o.exit) if p is not None]
    session = np.asarray([k for k, _ in doors], dtype=int)
    points = np.asarray([p for _, p in doors], dtype=float).reshape(-1, 2)
    out: list[Entrance] = []
    while points.shape[0]:
        d = _distances(points)
        centre = int(np.argmax((d <= GATE_CLUSTER_M).sum(axis=1)))
        members = d[centre] <= GATE_CLUSTER_M
        lat, lng = np.median(points[members], axis=0)
        spread = float(np.median(d[centre][members]))
        seen = int(np.unique(session[members]).size)
        out.append(Entrance(float(lat), float(lng), seen, spread))
        points, session = points[~members], session[~members]
    out.sort(key=lambda e: -e.sessions)
    return tuple(out)


def _distances(points: np.ndarray) -> np.ndarray:
    """Pairwise metres between (lat, lng) points (equirectangular: buildings are small)."""
    lat = np.radians(points[:, 0])
    x = np.radians(points[:, 1])[:, None] - np.radians(points[:, 1])[None, :]
    x = x * np.cos((lat[:, None] + lat[None, :]) / 2)
    y = lat[:, None] - lat[None, :]
    out: np.ndarray = 6_371_000.0 * np.hypot(x, y)
    return out
