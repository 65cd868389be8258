"""A Lambda container's cold start without a full garbage collection.

What a handler module imports lives as long as its container, but CPython's cyclic collector
does not know it: each of our API handlers allocates just past the point where the collector
runs a full (third-generation) collection during the import, which walks every object the
import made. Measured here (``gc.callbacks`` around the import, deployed environment): one
full collection of 18-31 ms per handler, a tenth of a bare Powertools handler's whole import,
which itself stays one collection short of it (docs/decisions.md, "Cold starts without a full
collection").

So, in Lambda only (``LAMBDA_TASK_ROOT`` set), importing ``functions.api`` pauses the
collector, and ``done`` (the last step of ``common.make_handler``, and of the authorizer's
module) moves what the import made into the permanent generation (``gc.freeze``) and resumes
collecting: the invocations' collections skip those objects too. Reference counting frees
acyclic garbage all along. Tests and the local stack import the handlers with the collector
untouched.
"""

from __future__ import annotations

import gc
import os

IN_LAMBDA = "LAMBDA_TASK_ROOT" in os.environ


def pause() -> None:
    """Hold the cyclic collector for the rest of a Lambda cold start's imports."""
    if IN_LAMBDA:
        gc.disable()


def done() -> None:
    """The handler module is built: freeze what it made and resume collecting."""
    if IN_LAMBDA and not gc.isenabled():
        gc.freeze()
        gc.enable()
