"""Projects of an organisation (``names.PROJECTS_TABLE``).

A project groups a customer's apps; each has both environments (sandbox and live), and every
key and session belongs to one project and one environment. A project also exists when a key
names it (keys made with ``doorproof keys create`` before projects were stored), so listing
merges both.
"""

from __future__ import annotations

import re
import secrets
import time
from typing import Any

from boto3.dynamodb.conditions import Key

from functions.core.config import names
from functions.core.domain.timestamps import iso

_SLUG = re.compile(r"[^a-z0-9]+")


def project_id_for(name: str) -> str:
    """``proj_<slug>_<4 random hex>``: readable in logs and URLs, unique per organisation."""
    slug = _SLUG.sub("_", name.lower()).strip("_")[:24] or "project"
    return f"proj_{slug}_{secrets.token_hex(2)}"


class ProjectStore:
    def __init__(self, table: Any) -> None:
        self._table = table

    def create(
        self, organization_id: str, name: str, *, project_id: str | None = None
    ) -> dict[str, Any]:
        item = {
            "organizationId": organization_id,
            "projectId": project_id or project_id_for(name),
            "name": name,
            "createdAt": iso(time.time()),
        }
        self._table.put_item(Item=item)
        return self.resource(item)

    def list(self, organization_id: str, key_items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The organisation's projects, oldest first, with those only its keys name."""
        stored: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("organizationId").eq(organization_id)
        }
        while True:
            page = self._table.query(**kwargs)
            stored.extend(page["Items"])
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        known = {i["projectId"] for i in stored}
        for key in key_items:
            if key["projectId"] not in known:
                known.add(key["projectId"])
                stored.append({"projectId": key["projectId"], "name": key["projectId"]})
        stored.sort(key=lambda i: str(i.get("createdAt", "")))
        return [self.resource(i) for i in stored]

    @staticmethod
    def resource(item: dict[str, Any]) -> dict[str, Any]:
        return {
            "projectId": item["projectId"],
            "name": item.get("name", item["projectId"]),
            "environments": list(names.ENVIRONMENTS),
            "createdAt": item.get("createdAt"),
        }
