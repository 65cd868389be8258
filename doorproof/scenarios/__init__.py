"""Simulated deliveries with ground truth, shared by the tests, the demo and the client
simulator.

``build(name)`` renders a named scenario of the catalogue into what the SDK would send (the
start request, the samples, the upload batches) and what really happened (``Truth``).
Layers: ``physics`` (the courier's body in the world), ``sensors`` (what an Android phone
reports), ``wire`` (SDK sample dicts and batches), ``catalog`` (the named trips),
``scenario`` (putting it together).
"""

from __future__ import annotations

from doorproof.scenarios.catalog import SPECS, shift
from doorproof.scenarios.scenario import Platform, Scenario, Truth, build_spec

SCENARIOS: dict[str, str] = {name: spec.description for name, spec in SPECS.items()}
"""Scenario name → one-line description."""


def names() -> list[str]:
    """Every scenario name, in catalogue order."""
    return list(SPECS)


def build(
    name: str,
    *,
    rate_hz: float = 50.0,
    platform: Platform = "android",
    seed: int = 0,
    start_ts: float | None = None,
) -> Scenario:
    """Render scenario ``name`` (KeyError naming the known ones if it does not exist).

    A scenario that forces its rate or platform (the 1 Hz, 100 Hz and iOS variants) ignores
    ``rate_hz`` / ``platform``. The same arguments always give the same samples.
    """
    if name not in SPECS:
        raise KeyError(f"unknown scenario {name!r}; known: {', '.join(SPECS)}")
    return build_spec(
        name, SPECS[name], rate_hz=rate_hz, platform=platform, seed=seed, start_ts=start_ts
    )


def build_shift(
    minutes: float, *, rate_hz: float = 50.0, seed: int = 0, start_ts: float | None = None
) -> Scenario:
    """``minutes`` of deliveries back to back (benchmarks, long sessions)."""
    return build_spec(
        f"shift_{minutes:g}min", shift(minutes), rate_hz=rate_hz, seed=seed, start_ts=start_ts
    )


__all__ = ["SCENARIOS", "Scenario", "Truth", "build", "build_shift", "names"]
