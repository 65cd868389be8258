"""The HTTP API's Lambda handlers: one module per function, ``common`` for what they share.

Importing the package starts a cold start's imports with the cyclic collector held
(``cold_start``), in Lambda only.
"""

from functions.api import cold_start

cold_start.pause()
