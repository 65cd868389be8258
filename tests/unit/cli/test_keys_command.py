"""``doorproof keys``: a key is printed once, listed without secrets, revoked by id."""

from __future__ import annotations

import json

from doorproof.cli import main
from functions.core.adapters.keys import KeyStore
from functions.core.config import names
from tests.unit.conftest import STAGE


def test_create_list_revoke(mocked_aws, capsys) -> None:
    assert (
        main(
            [
                "keys",
                "--stage",
                STAGE,
                "create",
                "--org",
                "acme",
                "--project",
                "web",
                "--env",
                "live",
                "--kind",
                "secret",
            ]
        )
        == 0
    )
    out, err = capsys.readouterr()
    key = out.strip()
    assert key.startswith("sk_live_") and "not shown again" in err
    store = KeyStore(mocked_aws.table(names.KEYS_TABLE))
    caller = store.resolve(key)
    assert caller is not None and caller.organization_id == "acme"

    assert main(["keys", "--stage", STAGE, "list", "--org", "acme"]) == 0
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [item["keyId"] for item in listed] == [caller.key_id]
    assert key not in json.dumps(listed)

    assert main(["keys", "--stage", STAGE, "revoke", "--org", "acme", caller.key_id]) == 0
    assert store.resolve(key) is None
    assert main(["keys", "--stage", STAGE, "revoke", "--org", "acme", "key_nope"]) == 1
    assert "has no key key_nope" in capsys.readouterr().err
