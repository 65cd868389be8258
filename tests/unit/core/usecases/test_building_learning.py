"""The processor's building memory: deliveries to one building learn its storey height, once
per session (a reprocess or a redelivered message teaches nothing twice), each session counted
without its own claim; tenants learn apart."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from doorproof.scenarios import build
from functions.core.adapters.building_store import BuildingStore
from functions.core.config import names
from functions.core.usecases.finalize import Finalizer
from functions.core.wire.models.sessions import StartSessionRequest
from functions.engine.address import building_id
from functions.engine.building import Observation
from tests.unit.conftest import MockAws
from tests.unit.core.conftest import CALLER, T0, World
from tests.unit.engine.test_building import taller

STOREY_M = 4.0
"""The simulator builds 3.2-m storeys; this building's are taller (its pressure scaled)."""


@cache
def delivery(seed: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    sc = build("elevator_floor4", rate_hz=10, seed=seed, start_ts=T0 + 1000 * seed)
    return sc.start_request, taller(sc.samples, STOREY_M / 3.2)


def _finalizer(world: World) -> Finalizer:
    """The world's finalizer with the real engine and the buildings table."""
    return world.finalizer(real_engine=True, buildings=True)


def _deliver(world: World, seed: int, *, floor: bool = True) -> str:
    start, samples = delivery(seed)
    address = dict(start["address"])
    if not floor:
        address.pop("line2", None)
    model = StartSessionRequest.model_validate({**start, "address": address})
    sid = str(world.sessions.create(CALLER, model, samples[0]["ts"] - 1.0, 7200.0)["sessionId"])
    world.pipeline().handle(world.put_raw(f"raw/{sid}/1", world.accept(sid, samples)), 1)
    world.stop(sid, now=samples[-1]["ts"] + 1.0)
    assert _finalizer(world).finalize(sid, "complete").version == 1
    return sid


@pytest.fixture(scope="module")
def town(account: MockAws) -> World:
    """One world for the module: the four deliveries are made once."""
    return World(account)


@pytest.fixture(scope="module")
def four(town: World) -> list[str]:
    return [_deliver(town, seed, floor=seed < 3) for seed in range(4)]


def _building(world: World, sid: str) -> dict[str, Any]:
    document = world.insights.get(sid)
    assert document is not None
    used: dict[str, Any] = document["building"]
    return used


def test_three_deliveries_with_floors_teach_the_fourth(town: World, four: list[str]) -> None:
    world = town
    used = [_building(world, sid) for sid in four]
    assert [u["sessionsSeen"] for u in used] == [0, 1, 2, 3]
    assert [u["source"] for u in used] == ["default", "address", "address", "address"]
    assert used[3]["claimedFloor"] is None
    assert used[3]["storeyHeightM"] == pytest.approx(STOREY_M, abs=0.15)
    floors = [world.insights.get(sid)["summary"]["floorsClimbed"] for sid in four]  # type: ignore[index]
    assert floors[0] == 5 and floors[3] == 4  # 16 m: five storeys of 3.0 m, four of 4.0 m
    assert "buildingObservation" not in (world.insights.get(four[3]) or {})
    start, _ = delivery(0)
    building = building_id(start["address"])
    assert building is not None and building == used[0]["buildingId"]
    profile = BuildingStore(world.table(names.BUILDINGS_TABLE)).get(CALLER.tenant, building)
    assert (profile.sessionsSeen, profile.claimedSessions, profile.source) == (4, 3, "address")
    assert profile.storeyHeightM == pytest.approx(STOREY_M, abs=0.15)
    assert profile.entrances and profile.entrances[0].sessions == 4


def test_a_reprocessed_session_is_counted_without_itself_and_learned_once(
    town: World, four: list[str]
) -> None:
    world = town
    finalizer = _finalizer(world)
    assert finalizer.finalize(four[0], "reprocess").version == 2
    assert _building(world, four[0])["sessionsSeen"] == 3  # the other three, not itself
    start, _ = delivery(0)
    store = BuildingStore(world.table(names.BUILDINGS_TABLE))
    building = building_id(start["address"])
    assert building is not None
    assert store.get(CALLER.tenant, building).sessionsSeen == 4


def test_another_tenant_has_no_profile_of_the_same_building(town: World, four: list[str]) -> None:
    world = town
    from functions.core.domain import errors  # noqa: PLC0415

    start, _ = delivery(0)
    building = building_id(start["address"])
    assert building is not None
    store = BuildingStore(world.table(names.BUILDINGS_TABLE))
    with pytest.raises(errors.NotFound) as missing:
        store.get("org_2#prj_2#sandbox", building)
    assert missing.value.code == "BUILDING_NOT_FOUND"
    assert store.profile("org_2#prj_2#sandbox", building).sessions_seen == 0


def test_a_concurrent_learner_is_retried_not_overwritten(town: World) -> None:
    """Two processors read the same version; the second's conditional put fails, it re-reads
    and both sessions' observations are kept."""
    table = town.table(names.BUILDINGS_TABLE)

    class Stale(BuildingStore):
        """Reads the item as it was before the other learner wrote, once."""

        stale = True

        def _item(self, tenant: str, building_id: str) -> dict[str, Any] | None:
            if self.stale:
                self.stale = False
                return None
            return super()._item(tenant, building_id)

    BuildingStore(table).learn("t#1", "bld_race", Observation("ses_a", 1.0, (3.1,)), T0)
    Stale(table).learn("t#1", "bld_race", Observation("ses_b", 2.0, (6.2,)), T0)
    profile = BuildingStore(table).profile("t#1", "bld_race")
    assert [o.session_id for o in profile.observations] == ["ses_a", "ses_b"]


def test_erasing_a_session_removes_what_it_taught(town: World, four: list[str]) -> None:

    world = town
    store = BuildingStore(world.table(names.BUILDINGS_TABLE))
    fifth = _deliver(world, 4)
    start, _ = delivery(4)
    building = building_id(start["address"])
    assert building is not None
    assert store.get(CALLER.tenant, building).sessionsSeen == 5
    world.eraser(buildings=store).erase(CALLER.tenant, fifth)
    kept = [o.session_id for o in store.profile(CALLER.tenant, building).observations]
    assert fifth not in kept and kept == four
    assert store.get(CALLER.tenant, building).sessionsSeen == 4
