"""The e2e suite reuses the integration suite's local stack fixture (one stack per package,
real HTTP) instead of defining a second one."""

from tests.integration.conftest import local_api

__all__ = ["local_api"]
