"""The headline verdict's vocabulary: the categories ``classification`` sorts a session into
(a session's ``terminalOutcome``).

Numpy-free on purpose (unlike the rest of the engine): the server's wire models
(``functions.core.wire.models.insights``) take the type from here, and the API handlers that load
those models must not load numpy (tests/unit/api/test_cold_imports.py).
"""

from __future__ import annotations

from typing import Literal, get_args

Category = Literal[
    "door_delivery",
    "lobby_handoff",
    "curbside_handoff",
    "no_attempt",
    "wrong_address",
    "insufficient_data",
]
CATEGORIES: tuple[Category, ...] = get_args(Category)
