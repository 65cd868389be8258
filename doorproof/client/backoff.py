"""When to try an upload again.

Exponential backoff with jitter: a fleet of phones that lost the network together (a cell
outage, a server deploy) must not come back in lock-step and hammer the API. The delay grows
``base * 2^(n-1)`` up to ``cap`` and is then drawn from its upper half ("equal jitter"), so it
is never near zero and never above ``cap``. ``cap`` defaults to the Desmo SDK's 30 s.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RetryPolicy:
    base_s: float = 1.0
    cap_s: float = 30.0
    max_attempts: int = 10
    """Server failures (5xx, 408, 429) after which a batch is given up, as the SDK does.
    Network errors do not count: the server never saw the batch, so giving up on it would
    lose data for nothing (see docs/client.md)."""
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def delay(self, failures: int) -> float:
        """Seconds to wait after the ``failures``-th consecutive failure (1, 2, …)."""
        ceiling = min(self.cap_s, self.base_s * 2.0 ** max(failures - 1, 0))
        return self.rng.uniform(ceiling / 2.0, ceiling)

    def gives_up(self, server_failures: int) -> bool:
        return server_failures >= self.max_attempts
