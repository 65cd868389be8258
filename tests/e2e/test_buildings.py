"""Building memory end to end on the local stack, over HTTP: three deliveries to one address
whose line2 names the floor, then a fourth without: its floors are counted on the storey
height the first three taught, GET /v1/buildings/{id} shows the profile, and another
organisation sees nothing."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from doorproof.client import BackendClient, DeviceClient, DoorproofError
from doorproof.scenarios import build
from functions.core.wire.models.insights import InsightsDocument
from tests.integration.conftest import LocalApi
from tests.unit.engine.test_building import taller

pytestmark = pytest.mark.integration
STOREY_M = 4.0
"""The simulator builds 3.2-m storeys; this building's are taller (its pressure scaled)."""


def deliver(local_api: LocalApi, tmp_path: Path, seed: int, address: dict[str, Any]) -> str:
    trip = build("elevator_floor4", rate_hz=10, seed=seed, start_ts=time.time())
    start = {**trip.start_request, "address": address}
    key = local_api.keys[0].publishable_key
    with DeviceClient(
        local_api.url, key, queue_path=tmp_path / f"b{seed}.db", background=False
    ) as device:
        session_id = device.start_session(start).sessionId
        device.record(taller(trip.samples, STOREY_M / 3.2))
        device.stop_session()
    return session_id


def test_four_deliveries_teach_one_building_and_only_its_organisation(
    local_api: LocalApi, tmp_path: Path
) -> None:
    base = dict(build("elevator_floor4").start_request["address"])
    base["line1"] = f"Hochhausweg {time.time_ns() % 10**9}"  # a building no other test uses
    backend = BackendClient(local_api.url, local_api.keys[0].secret_key)
    documents: list[InsightsDocument] = []
    for seed in range(4):
        address = {k: v for k, v in base.items() if k != "line2"}
        if seed < 3:
            address["line2"] = "4th floor"
        session_id = deliver(local_api, tmp_path, seed, address)
        # one at a time: each learns after its own insights, the next reads what it taught
        documents.append(backend.wait_for_insights(session_id, timeout_s=90, poll_s=0.2))
    used = [d.building for d in documents]
    assert all(u is not None for u in used)
    assert [u.sessionsSeen for u in used] == [0, 1, 2, 3]  # type: ignore[union-attr]
    first, fourth = used[0], used[3]
    assert first is not None and fourth is not None
    assert (first.source, first.storeyHeightM) == ("default", 3.0)
    assert documents[0].summary is not None and documents[0].summary.floorsClimbed == 5
    assert fourth.source == "address" and fourth.claimedFloor is None
    assert fourth.storeyHeightM == pytest.approx(STOREY_M, abs=0.15)
    assert documents[3].summary is not None and documents[3].summary.floorsClimbed == 4

    profile = backend.get_building(fourth.buildingId or "")
    assert (profile.sessionsSeen, profile.claimedSessions, profile.source) == (4, 3, "address")
    assert profile.storeyHeightM == pytest.approx(STOREY_M, abs=0.15)

    stranger = BackendClient(local_api.url, local_api.keys[1].secret_key)
    with pytest.raises(DoorproofError) as hidden:
        stranger.get_building(profile.buildingId)
    assert (hidden.value.status, hidden.value.code) == (404, "BUILDING_NOT_FOUND")
