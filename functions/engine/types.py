"""What the engine's detectors hand to each other.

Sensing (``signal``, ``steps``, ``vertical``) turns telemetry into these; the judgement side
(activity, place, reason codes, the document) reads only these, so each side can be tested
on its own. Times are unix seconds like ``Telemetry.t``; the document converts them to
seconds from session start.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

VerticalMode = Literal["STAIRS", "ELEVATOR", "ESCALATOR"]
Direction = Literal["up", "down"]


@dataclass(frozen=True)
class Steps:
    """Detected steps and the walking bouts they form."""

    times: np.ndarray
    """Unix seconds of each detected step."""
    bouts: tuple[tuple[float, float], ...]
    """(start, end) of each walking bout: steps at a steady cadence."""

    @property
    def count(self) -> int:
        return int(self.times.shape[0])


@dataclass(frozen=True)
class VerticalMove:
    """One vertical transition: stairs, elevator or escalator."""

    mode: VerticalMode
    t_start: float
    t_end: float
    direction: Direction
    height_m: float
    """Signed: positive up."""
    floors: int
    confidence: float
    """How sure the mode and direction are (0..1)."""
    height_sd_m: float = 0.0
    """One standard deviation of ``height_m`` (m): barometer noise at both ends and the
    pressure-to-height conversion's dependence on temperature (``vertical.HEIGHT_*_SD``)."""
    basis: str = ""
    """What told the mode (a key of ``vertical.MODE_CALIBRATION``)."""
    score: float = 0.0
    """How clearly that evidence spoke before calibration (0..1: 0.5 at its threshold, 1 at
    twice; capped by the height's own evidence); ``confidence`` is its calibrated value."""
