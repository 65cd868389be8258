"""Vertical transitions (work in progress: signature published for the judgement side)."""

from __future__ import annotations

from functions.engine.signal import Motion, motion
from functions.engine.steps import detect_steps
from functions.engine.telemetry import Telemetry
from functions.engine.types import Steps, VerticalMove


def detect_vertical(
    tel: Telemetry, m: Motion | None = None, steps: Steps | None = None
) -> list[VerticalMove]:
    """Stairs, elevator and escalator moves of a session (stub: none yet)."""
    m = motion(tel) if m is None else m
    steps = detect_steps(tel, m) if steps is None else steps
    return []
