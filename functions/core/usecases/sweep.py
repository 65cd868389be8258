"""The sweeper's logic: nothing stays ``processing`` forever.

Only sessions whose insights are not final carry ``sweepShard``/``sweepAt`` (the sparse
``bySweep`` index), so a sweep reads exactly the sessions that need attention, and only those
whose ``sweepAt`` has passed:
- still ``recording`` (``sweepAt`` = last telemetry + inactivity timeout): the phone never
  stopped. End the session (status completed, endReason ``timeout``, ended at its last
  activity) and request finalization: the engine reports SESSION_TIMEOUT;
- stopped (``sweepAt`` = stop + finalize deadline) and still not finalized: some accepted data
  never reached storage. Request finalization with what exists: the engine reports
  TELEMETRY_STREAM_INTERRUPTED.
The sweeper computes nothing itself: it sends ``deadline`` finalize messages, so finalization
keeps one home (the processor) with its retries and DLQ. Each request also moves ``sweepAt``
one deadline ahead (a lease), so a session is requested again only if that finalization never
committed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from functions.core.domain.session import Session
from functions.core.ports.messages import FinalizeRequests
from functions.core.ports.sessions import Sessions


@dataclass(frozen=True)
class SweepReport:
    timed_out: list[str]
    finalize_requested: list[str]


class Sweeper:
    """Ends silent sessions and requests the finalization of those past their deadline."""

    def __init__(
        self,
        sessions: Sessions,
        queue: FinalizeRequests,
        *,
        lease_s: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._sessions = sessions
        self._queue = queue
        self._lease_s = lease_s
        self._clock = clock

    def sweep(self) -> SweepReport:
        now = self._clock()
        timed_out, requested = [], []
        for item in self._sessions.due(now):
            session = Session.of(item)
            session_id = session.session_id
            if session.recording:
                if not self._sessions.end_silent(
                    session_id, session.last_activity(), now + self._lease_s, now
                ):
                    continue  # telemetry arrived since the query: still alive
                timed_out.append(session_id)
            elif not self._sessions.lease_sweep(
                session_id, str(session.sweep_at), now + self._lease_s
            ):
                continue  # another sweep took it
            self._queue.request_finalize(session_id, "deadline")
            requested.append(session_id)
        return SweepReport(timed_out, requested)
