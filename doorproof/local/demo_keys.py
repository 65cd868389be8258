"""Two demo organisations with sandbox keys, so a person or a test can call a fresh local
stack right away. Two, not one, so tenant isolation can be tried (org A's session is a 404
for org B). Keys are issued through the real key store, hence stored only as hashes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from functions.core.adapters.keys import KeyStore
from functions.core.adapters.projects import ProjectStore

DEMO_ORGS = (("org_demo_a", "proj_demo_a"), ("org_demo_b", "proj_demo_b"))
ENVIRONMENT = "sandbox"


@dataclass(frozen=True)
class DemoOrg:
    organization_id: str
    project_id: str
    publishable_key: str
    secret_key: str

    def to_json(self) -> dict[str, str]:
        return {
            "organizationId": self.organization_id,
            "projectId": self.project_id,
            "publishableKey": self.publishable_key,
            "secretKey": self.secret_key,
        }


def issue_demo_keys(keys_table: Any) -> list[DemoOrg]:
    """A publishable and a secret sandbox key for each demo organisation."""
    store = KeyStore(keys_table)
    orgs = []
    for organization_id, project_id in DEMO_ORGS:
        issued = {
            kind: store.create(
                organization_id=organization_id,
                project_id=project_id,
                environment=ENVIRONMENT,
                kind=kind,
            ).key
            for kind in ("publishable", "secret")
        }
        orgs.append(DemoOrg(organization_id, project_id, issued["publishable"], issued["secret"]))
    return orgs


def register_demo_projects(projects_table: Any) -> None:
    """The demo organisations' projects, as the dashboard lists them."""
    store = ProjectStore(projects_table)
    for organization_id, project_id in DEMO_ORGS:
        store.create(organization_id, "Demo project", project_id=project_id)


def read_keys_file(path: Path) -> list[DemoOrg]:
    """The organisations ``write_keys_file`` wrote."""
    orgs = json.loads(path.read_text())["orgs"]
    return [
        DemoOrg(o["organizationId"], o["projectId"], o["publishableKey"], o["secretKey"])
        for o in orgs
    ]


def kept_demo_keys(keys_table: Any, path: Path) -> list[DemoOrg]:
    """The demo keys kept in ``path`` if the table still knows them all, else new ones
    (written to ``path``). Stable keys across restarts matter: a phone whose key stops
    working gets 401 and the SDK deletes its queue."""
    store = KeyStore(keys_table)
    if path.exists():
        orgs = read_keys_file(path)
        keys = [k for o in orgs for k in (o.publishable_key, o.secret_key)]
        if keys and all(store.resolve(k) is not None for k in keys):
            return orgs
    orgs = issue_demo_keys(keys_table)
    write_keys_file(path, orgs)
    return orgs


def write_keys_file(path: Path, orgs: list[DemoOrg]) -> None:
    """``{"orgs": [{organizationId, projectId, publishableKey, secretKey}, …]}``, readable by
    the owner only (it holds secret keys)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text(json.dumps({"orgs": [o.to_json() for o in orgs]}, indent=2) + "\n")
