"""The management routes' tests run in the pipeline's small world (``tests.unit.core.conftest``)."""

from tests.unit.core.conftest import account, world

__all__ = ["account", "world"]
