"""The unit suite cannot reach the network (pytest-socket, tests/unit/conftest.py): AWS is
moto in-process, so a unit test that opens a connection to a real host is a defect."""

from __future__ import annotations

import socket

import pytest
from pytest_socket import SocketConnectBlockedError


def test_a_connection_to_a_real_host_is_blocked() -> None:
    with pytest.warns(UserWarning, match="192.0.2.1"), pytest.raises(SocketConnectBlockedError):
        socket.create_connection(("192.0.2.1", 443), timeout=1)  # TEST-NET-1: never routed
