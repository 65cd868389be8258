"""Python clients for Doorproof (docs/client.md).

- ``DeviceClient``: the courier's phone — start/stop a session, record samples, and let a
  background uploader deliver them through a persistent queue, as the Desmo SDK does;
- ``BackendClient``: a company's server — sessions, insights, reprocessing, deletion,
  webhook endpoints; ``verify_webhook`` checks a webhook's signature.
Standard library, pydantic and ``standardwebhooks`` only.
"""

from doorproof.client.backend import BackendClient, InsightsTimeout, verify_webhook
from doorproof.client.backoff import RetryPolicy
from doorproof.client.device import DeviceClient, UploadStats
from doorproof.client.transport import DoorproofError, NetworkError

__all__ = [
    "BackendClient",
    "DeviceClient",
    "DoorproofError",
    "InsightsTimeout",
    "NetworkError",
    "RetryPolicy",
    "UploadStats",
    "verify_webhook",
]
