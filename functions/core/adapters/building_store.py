"""Building memory in DynamoDB (``names.BUILDINGS_TABLE``): one item per (tenant, building).

An organisation's fleet learns only from its own sessions: the key is ``tenant#buildingId``
(tenant = organisation#project#environment), so another tenant's lookup of the same address
finds nothing and builds its own profile.

The item: ``buildingKey``, ``tenant``, ``buildingId``, ``version`` (optimistic lock),
``sessionsSeen``, ``updatedAt`` and ``body``, the profile's JSON (its observations: the
figures are re-estimated from them on every read, ``building.Profile.from_json``). A JSON
string for the same reason as insights (``insights_store``): nested floats would each become
a Decimal.

Learning is a conditional write: read, ``building.learn`` (which replaces an observation
the session already made, so a reprocess or a redelivered message learns nothing twice),
put on condition the version is still the one read; a concurrent learner makes us re-read
and retry.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from functions.core.adapters.dynamo import condition_failed
from functions.core.domain import errors
from functions.core.domain.timestamps import iso
from functions.core.wire.models.buildings import BuildingProfile

if TYPE_CHECKING:  # the engine (numpy) is imported by the processor only, not by the API
    from functions.engine.building import Observation, Profile

LEARN_ATTEMPTS = 5


def building_key(tenant: str, building_id: str) -> str:
    return f"{tenant}#{building_id}"


class BuildingStore:
    """``table`` is a boto3 Table for ``names.BUILDINGS_TABLE``."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def _item(self, tenant: str, building_id: str) -> dict[str, Any] | None:
        item: dict[str, Any] | None = self._table.get_item(
            Key={"buildingKey": building_key(tenant, building_id)}, ConsistentRead=True
        ).get("Item")
        return item

    def profile(self, tenant: str, building_id: str) -> Profile:
        """The tenant's profile of the building (empty when it has none)."""
        from functions.engine.building import Profile  # noqa: PLC0415

        item = self._item(tenant, building_id)
        return Profile.from_json(json.loads(item["body"])) if item else Profile()

    def get(self, tenant: str, building_id: str) -> BuildingProfile:
        """The profile as GET /v1/buildings/{id} shows it, from the figures stored with it
        (no re-estimation: the API does not load the engine); 404 ``BUILDING_NOT_FOUND``
        when the tenant has none."""
        item = self._item(tenant, building_id)
        if item is None:
            raise errors.NotFound(
                f"building {building_id!r} has no profile: no finalized session of yours was"
                " delivered there yet",
                code="BUILDING_NOT_FOUND",
            )
        body = json.loads(item["body"])
        storeys = body["storeys"]
        return BuildingProfile(
            buildingId=building_id,
            sessionsSeen=int(body["sessionsSeen"]),
            source=storeys["source"],
            storeyHeightM=storeys["storeyHeightM"],
            lobbyHeightM=storeys["lobbyHeightM"],
            entranceOffset=storeys["entranceOffset"],
            storeyConfidence=storeys["storeyConfidence"],
            lobbyConfidence=storeys["lobbyConfidence"],
            entranceConfidence=storeys["entranceConfidence"],
            claimedSessions=sum(
                1 for o in body["observations"] if o.get("claimedFloor") is not None
            ),
            entrances=body["entrances"],
            updatedAt=str(item["updatedAt"]),
        )

    def learn(self, tenant: str, building_id: str, observation: Observation, now: float) -> Profile:
        """Fold ``observation`` into the tenant's profile of the building, once per session."""
        from functions.engine.building import learn  # noqa: PLC0415

        return self._update(tenant, building_id, lambda p: learn(p, observation), now)

    def learn_json(
        self, tenant: str, building_id: str, observation: dict[str, Any], now: float
    ) -> Profile:
        """``learn`` from the observation as the engine's document carries it."""
        from functions.engine.building import Observation  # noqa: PLC0415

        return self.learn(tenant, building_id, Observation.from_json(observation), now)

    def forget(self, tenant: str, building_id: str, session_id: str, now: float) -> None:
        """Remove ``session_id``'s observation (the session is being erased: its heights and
        where its GPS was lost go with it). Numpy-free, for the API's erase path: the figures
        are left as they were, marked ``stale``, and re-estimated without the session at the
        building's next learning."""
        for _ in range(LEARN_ATTEMPTS):
            item = self._item(tenant, building_id)
            if item is None:
                return
            body = json.loads(item["body"])
            kept = [o for o in body["observations"] if o.get("sessionId") != session_id]
            if len(kept) == len(body["observations"]):
                return
            body |= {"observations": kept, "sessionsSeen": len(kept), "stale": True}
            if self._put(tenant, building_id, int(item["version"]), body, len(kept), now):
                return
        raise RuntimeError(f"building {building_id}: {LEARN_ATTEMPTS} concurrent updates in a row")

    def _put(
        self,
        tenant: str,
        building_id: str,
        version: int,
        body: dict[str, Any],
        sessions: int,
        now: float,
    ) -> bool:
        """Put the profile on condition the stored version is still ``version``; False when
        someone wrote meanwhile."""
        try:
            self._table.put_item(
                Item={
                    "buildingKey": building_key(tenant, building_id),
                    "tenant": tenant,
                    "buildingId": building_id,
                    "version": version + 1,
                    "sessionsSeen": sessions,
                    "updatedAt": iso(now),
                    "body": json.dumps(body, separators=(",", ":"), allow_nan=False),
                },
                ConditionExpression="attribute_not_exists(buildingKey) OR version = :read",
                ExpressionAttributeValues={":read": version},
            )
        except ClientError as exc:
            if not condition_failed(exc):
                raise
            return False
        return True

    def _update(
        self, tenant: str, building_id: str, change: Callable[[Profile], Profile], now: float
    ) -> Profile:
        """Read, ``change``, put on condition that nobody wrote since the read (else re-read
        and retry: another session of this building learned meanwhile)."""
        from functions.engine.building import Profile  # noqa: PLC0415

        for _ in range(LEARN_ATTEMPTS):
            item = self._item(tenant, building_id)
            version = int(item["version"]) if item else 0
            before = Profile.from_json(json.loads(item["body"])) if item else Profile()
            after = change(before)
            if self._put(tenant, building_id, version, after.to_json(), after.sessions_seen, now):
                return after
        raise RuntimeError(
            f"building {building_id}: {LEARN_ATTEMPTS} concurrent updates in a row; the message"
            " is retried"
        )
