"""The named scenarios: every event type and reason code of API.md has at least one.

Trips are laid out in metres east/north of the address (the building's centre): the street
runs 25 m south of it, the entrance is 8 m south of the centre, the courier parks 40 m west
of the entrance. A delivery is: drive in (~45 s), park, walk to the entrance, step inside
(GATE), go up or down (or not), walk to the door, wait and hand over (the door stop), come
back the same way, drive off. 2-6 minutes of simulated time each.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

import numpy as np

from doorproof.scenarios.physics import Leg, World
from doorproof.scenarios.scenario import ADDRESS, Spec, Truth
from doorproof.scenarios.sensors import EARTH_RADIUS_M, to_latlng

Vertical = Literal["elevator", "stairs", "escalator"]
STREET_N = -25.0
PARKING_OFFSET_E = -40.0


def _there(building: tuple[float, float], floors: int, mode: Vertical, door_s: float) -> list[Leg]:
    """From the parked vehicle to the end of the door stop."""
    bx, by = building
    legs = [
        Leg("stand", 6.0, posture="cradle"),  # parked, engine off, phone still in the cradle
        Leg("stand", 3.0),  # phone taken in hand
        Leg("walk", to=(bx, by - 8.0)),
        Leg("walk", to=(bx, by - 3.0), indoor=True),
    ]
    if floors and mode == "elevator":
        legs += [Leg("stand", 12.0, indoor=True), Leg("elevator", floors=floors, indoor=True)]
    elif floors and mode == "stairs":
        legs += [
            Leg("walk", to=(bx + 2.0, by - 1.0), indoor=True),
            Leg("stairs", floors=floors, indoor=True),
        ]
    elif floors:
        legs += [Leg("escalator", floors=floors, indoor=True)]
    legs += [
        Leg("walk", to=(bx + 6.0, by + 2.0), indoor=True),
        Leg("stand", door_s, indoor=True, door=True),
    ]
    return legs


def _back(building: tuple[float, float], floors: int, mode: Vertical) -> list[Leg]:
    """From the door back to the vehicle and away."""
    bx, by = building
    legs = [Leg("walk", to=(bx + 2.0, by - 1.0), indoor=True)]
    if floors and mode == "elevator":
        legs += [Leg("stand", 8.0, indoor=True), Leg("elevator", floors=-floors, indoor=True)]
    elif floors:
        legs += [Leg(mode, floors=-floors, indoor=True)]
    legs += [
        Leg("walk", to=(bx, by - 8.0), indoor=True),
        Leg("walk", to=(bx + PARKING_OFFSET_E, STREET_N)),
        Leg("stand", 8.0, posture="cradle"),
        Leg("drive", 30.0, to=(bx + 300.0, STREET_N)),
    ]
    return legs


def delivery(
    building: tuple[float, float] = (0.0, 0.0),
    floors: int = 0,
    mode: Vertical = "elevator",
    door_s: float = 40.0,
) -> tuple[Leg, ...]:
    """A complete delivery trip to ``building`` and ``floors`` storeys up (or down)."""
    bx, _ = building
    arrive = [Leg("drive", 45.0, to=(bx + PARKING_OFFSET_E, STREET_N))]
    return tuple(arrive + _there(building, floors, mode, door_s) + _back(building, floors, mode))


def shift(minutes: float) -> Spec:
    """Deliveries back to back (elevator, stairs, ground floor, ...) for ``minutes``: a
    courier's round, for benchmarks and long-session tests."""
    rounds = (delivery(floors=4), delivery(floors=3, mode="stairs"), delivery(door_s=60.0))
    legs: list[Leg] = []
    for k in range(int(minutes * 60.0 / 180.0) + 1):  # every delivery lasts over 3 minutes
        legs += rounds[k % 3]
    return Spec(
        f"{minutes:g} minutes of deliveries back to back.",
        tuple(legs),
        Truth(frozenset(), frozenset(), exact=False),
        max_seconds=minutes * 60.0,
    )


def _codes(*codes: str) -> frozenset[str]:
    return frozenset(codes)


def _types(*types: str) -> frozenset[str]:
    return frozenset(types)


DELIVERED = _codes("FULL_ATTEMPT", "DELIVERED_TO_RIGHT_DOORSTEP")
FLAT = _types("DRIVING", "WALKING", "GATE", "STOPPED")


def _jumps(
    fixes: dict[str, np.ndarray], world: World, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """A location spoofer switched on and off: the fix teleports ~2 km and back, twice."""
    out = {k: v.copy() for k, v in fixes.items()}
    t = world.t
    for start in (0.35, 0.6):
        window = (t >= start * t[-1]) & (t < start * t[-1] + 12.0)
        out["lat"][window] += np.degrees(2000.0 / EARTH_RADIUS_M)
    return out


def _frozen(
    fixes: dict[str, np.ndarray], world: World, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """A mock-location app: one perfect fix at the address, repeated for the whole session."""
    out = {k: v.copy() for k, v in fixes.items()}
    has = np.isfinite(out["lat"])
    lat, lng = to_latlng(np.zeros(1), np.full(1, -3.0), ADDRESS)
    out["lat"][has], out["lng"][has] = round(float(lat[0]), 6), round(float(lng[0]), 6)
    out["accuracy"][has], out["speed"][has], out["bearing"][has] = 3.0, 0.0, 0.0
    return out


REPLAY_S = 40
TURN_BACK = (
    Leg("drive", 45.0, to=(PARKING_OFFSET_E, STREET_N)),
    Leg("stand", 6.0, posture="cradle"),
    Leg("walk", to=(-8.0, -15.0)),
    Leg("walk", to=(PARKING_OFFSET_E, STREET_N)),
    Leg("stand", 8.0, posture="cradle"),
)
"""Drive in, walk toward the entrance, turn back half-way, sit back in the vehicle."""


def _replay(
    fixes: dict[str, np.ndarray], world: World, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """A replay spoofer: a recorded 40-s walk from the parking spot to the entrance (1 Hz,
    6-9 m accuracy) played in a loop from 50 s until 35 s before the end."""
    out = {k: v.copy() for k, v in fixes.items()}
    k = np.arange(REPLAY_S)
    east = np.interp(k, [0, REPLAY_S - 1], [PARKING_OFFSET_E, 0.0]) + rng.normal(0, 2, REPLAY_S)
    north = np.interp(k, [0, REPLAY_S - 1], [STREET_N, -8.0]) + rng.normal(0, 2, REPLAY_S)
    lat, lng = to_latlng(east, north, ADDRESS)
    accuracy = np.round(rng.uniform(6.0, 9.0, REPLAY_S), 1)
    loop = (world.t >= 50.0) & (world.t < world.t[-1] - 35.0)
    step = ((world.t[loop] - 50.0) % REPLAY_S).astype(int)
    out["lat"][loop], out["lng"][loop] = np.round(lat[step], 7), np.round(lng[step], 7)
    out["accuracy"][loop], out["speed"][loop] = accuracy[step], 1.3
    return out


def _vertical_delivery(
    description: str, mode: Vertical, floors: int, line2: str, *, gps_indoors: bool = True
) -> Spec:
    """A delivery ``floors`` storeys up (down when negative) by ``mode`` and back, with its
    truth: delivered to the right doorstep, one move there and one back."""
    kind = mode.upper()
    there, back = ("up", "down") if floors > 0 else ("down", "up")
    n = abs(floors)
    return Spec(
        description,
        delivery(floors=floors, mode=mode),
        Truth(
            DELIVERED,
            FLAT | {kind},
            vertical=((kind, there, n), (kind, back, n)),
            floors_climbed=n,
            right_doorstep=True,
        ),
        address_line2=line2,
        gps_indoors=gps_indoors,
    )


ELEVATOR_FLOOR4 = _vertical_delivery(
    "Elevator up 4 floors to the door, handover, elevator down, drive off.",
    "elevator",
    4,
    "Floor 4",
)
STAIRS_FLOOR3 = _vertical_delivery(
    "Stairs up 3 floors to the door, handover, stairs down.", "stairs", 3, "3rd floor"
)
GROUND_FLOOR = Spec(
    "A full attempt at a ground-floor door: no vertical move.",
    delivery(),
    Truth(DELIVERED, FLAT, right_doorstep=True),
)


SPECS: dict[str, Spec] = {
    "elevator_floor4": ELEVATOR_FLOOR4,
    "stairs_floor3": STAIRS_FLOOR3,
    "stairs_down_basement": _vertical_delivery(
        "Stairs down one floor to a basement flat, and back up.", "stairs", -1, "Basement"
    ),
    "escalator_floor1": _vertical_delivery(
        "A shop one floor up in a mall: escalator up and down.", "escalator", 1, "1st floor"
    ),
    "ground_floor": GROUND_FLOOR,
    "lobby_handoff": Spec(
        "The address says floor 4, but the parcel changes hands in the lobby within seconds.",
        delivery(door_s=20.0),
        Truth(
            _codes("FULL_ATTEMPT", "POSSIBLE_LOBBY_HANDOFF"),
            FLAT,
            right_doorstep=False,
            suspicious=True,
        ),
        address_line2="Floor 4",
    ),
    "wrong_building": Spec(
        "A full attempt at a building 300 m from the address.",
        delivery(building=(300.0, 0.0)),
        Truth(
            _codes("FULL_ATTEMPT", "POSSIBLE_WRONG_ADDRESS"),
            FLAT,
            right_doorstep=False,
            suspicious=True,
        ),
        start=(300.0 - 560.0, STREET_N),
    ),
    "no_attempt": Spec(
        "Drives to the address, waits in the vehicle, drives off: never leaves it.",
        (
            Leg("drive", 50.0, to=(PARKING_OFFSET_E, STREET_N)),
            Leg("stand", 90.0, posture="cradle"),
            Leg("drive", 40.0, to=(400.0, STREET_N)),
        ),
        Truth(_codes("NO_ATTEMPT"), _types("DRIVING", "STOPPED"), suspicious=True),
    ),
    "partial_attempt": Spec(
        "Walks toward the entrance, turns back half-way, drives off.",
        (*TURN_BACK, Leg("drive", 30.0, to=(300.0, STREET_N))),
        Truth(_codes("PARTIAL_ATTEMPT"), _types("DRIVING", "WALKING", "STOPPED")),
    ),
    "second_attempt": Spec(
        "Turns back half-way, drives round the block, comes back and delivers: two attempts.",
        (
            *TURN_BACK,
            Leg("drive", 30.0, to=(300.0, STREET_N)),
            Leg("drive", 30.0, to=(PARKING_OFFSET_E, STREET_N)),
            *_there((0.0, 0.0), 0, "elevator", 40.0),
            *_back((0.0, 0.0), 0, "elevator"),
        ),
        Truth(DELIVERED, FLAT, right_doorstep=True),
    ),
    "walked_away": Spec(
        "Leaves the vehicle but walks away from the address to a kiosk, then drives off.",
        (
            Leg("drive", 45.0, to=(PARKING_OFFSET_E, STREET_N)),
            Leg("stand", 6.0, posture="cradle"),
            Leg("walk", to=(-150.0, -70.0)),
            Leg("stand", 30.0),
            Leg("walk", to=(PARKING_OFFSET_E, STREET_N)),
            Leg("stand", 8.0, posture="cradle"),
            Leg("drive", 30.0, to=(300.0, STREET_N)),
        ),
        Truth(_codes("POSSIBLE_NO_ATTEMPT"), _types("DRIVING", "WALKING", "STOPPED")),
    ),
    "stream_interrupted": replace(
        GROUND_FLOOR,
        description="A ground-floor delivery whose upload stops for 60 s on the way back.",
        truth=replace(
            GROUND_FLOOR.truth, reason_codes=DELIVERED | {"TELEMETRY_STREAM_INTERRUPTED"}
        ),
        gap=(150.0, 210.0),
    ),
    "session_timeout": replace(
        GROUND_FLOOR,
        description="A ground-floor delivery the courier never stops: the sweeper ends it.",
        truth=replace(GROUND_FLOOR.truth, reason_codes=DELIVERED | {"SESSION_TIMEOUT"}),
        end_reason="timeout",
    ),
    "spoofed_gps_jumps": Spec(
        "A honest-looking trip whose GPS teleports 2 km and back twice (a toggled spoofer).",
        delivery(),
        Truth(_codes("FULL_ATTEMPT"), FLAT, exact=False, suspicious=True),
        gps_tamper=_jumps,
    ),
    "spoofed_gps_frozen": Spec(
        "A mock-location app pins one perfect fix at the address while the courier moves.",
        delivery(),
        Truth(frozenset(), _types("WALKING", "STOPPED"), exact=False, suspicious=True),
        gps_tamper=_frozen,
    ),
    "spoofed_gps_moving_still": Spec(
        "The phone lies still on a table while its GPS plays a delivery to the address.",
        (Leg("stand", 240.0, posture="table"),),
        Truth(_codes("NO_ATTEMPT"), _types("STOPPED"), exact=False, suspicious=True),
        gps_legs=delivery(),
    ),
    "spoofed_gps_replay": Spec(
        "Waits in the vehicle while a spoofer loops a recorded walk to the entrance.",
        (
            Leg("drive", 45.0, to=(PARKING_OFFSET_E, STREET_N)),
            Leg("stand", 150.0),  # phone in hand, courier seated
            Leg("drive", 35.0, to=(400.0, STREET_N)),
        ),
        Truth(_codes("NO_ATTEMPT"), _types("DRIVING", "STOPPED"), exact=False, suspicious=True),
        gps_tamper=_replay,
    ),
    "no_barometer": Spec(
        "Stairs to floor 2 on a phone without a barometer: the floor cannot be verified.",
        delivery(floors=2, mode="stairs"),
        Truth(_codes("FULL_ATTEMPT"), FLAT, right_doorstep=None),
        address_line2="Floor 2",
        barometer=False,
    ),
    "no_gps_indoors": _vertical_delivery(
        "Elevator to floor 3; GPS has no fix at all inside the building.",
        "elevator",
        3,
        "Floor 3",
        gps_indoors=False,
    ),
    "ground_floor_1hz": replace(
        GROUND_FLOOR,
        description="A ground-floor delivery sampled at 1 Hz: steps are invisible, GPS and "
        "energy remain.",
        rate_hz=1.0,
    ),
    "elevator_floor4_100hz": replace(
        ELEVATOR_FLOOR4, description="The elevator delivery sampled at 100 Hz.", rate_hz=100.0
    ),
    "ios_stairs_floor3": replace(
        STAIRS_FLOOR3,
        description="The stairs delivery from an iPhone (user acceleration and gravity in g).",
        platform="ios",
    ),
    "insufficient_data": Spec(
        "Six seconds of a phone in a hand, then nothing: too little to judge.",
        (Leg("stand", 6.0),),
        Truth(_codes("INSUFFICIENT_DATA"), _types("STOPPED")),
    ),
    "curbside_handoff": Spec(
        "The customer meets the courier at the kerb: a few steps from the vehicle, a "
        "handover outdoors, back in, drive off.",
        (
            Leg("drive", 45.0, to=(PARKING_OFFSET_E, STREET_N)),
            Leg("stand", 6.0, posture="cradle"),
            Leg("stand", 3.0),
            Leg("walk", to=(PARKING_OFFSET_E + 8.0, STREET_N + 3.0)),
            Leg("stand", 40.0, door=True),
            Leg("walk", to=(PARKING_OFFSET_E, STREET_N)),
            Leg("stand", 8.0, posture="cradle"),
            Leg("drive", 30.0, to=(300.0, STREET_N)),
        ),
        # no GATE: the handover is outdoors, no building is entered
        Truth(DELIVERED, _types("DRIVING", "WALKING", "STOPPED"), right_doorstep=True),
    ),
}
