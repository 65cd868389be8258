"""Step detection (work in progress: signature published for the judgement side)."""

from __future__ import annotations

import numpy as np

from functions.engine.signal import Motion, motion
from functions.engine.telemetry import Telemetry
from functions.engine.types import Steps


def detect_steps(tel: Telemetry, m: Motion | None = None) -> Steps:
    """Steps and walking bouts of a session (stub: none yet)."""
    m = motion(tel) if m is None else m
    return Steps(times=np.zeros(0), bouts=())
