from __future__ import annotations

import json
from pathlib import Path

import pytest

from ragseed.core.config import build_config
from ragseed.core.errors import ConfigError
from ragseed.core.plan import Plan
from ragseed.core.rows import Clock
from ragseed.core.static import load_static
from ragseed.generate.tenant import tenant_rows, user_row

#: the column holding the user's id, by table
USER_COLUMNS = {"documents": 1, "chunk_store": 1, "chat_sessions": 1, "chat_turns": 2,
                "graph_triplets": 0}  # fmt: skip


def _plan(key_secret: str | None = None, **flags: object) -> Plan:
    return Plan(build_config(flags, environ={}), load_static(), key_secret=key_secret)


def test_emails_and_keys_are_unique_at_100k_users() -> None:
    plan = _plan(num_users=100_000)
    clock = Clock(0)
    rows = [user_row(plan, u, clock) for u in range(100_000)]
    assert len({r[1] for r in rows}) == 100_000
    assert len({r[2] for r in rows}) == 100_000
    assert len({r[0] for r in rows}) == 100_000


def test_a_tenant_does_not_depend_on_how_many_tenants_there_are() -> None:
    clock = Clock(1_700_000_000)
    small, big = _plan(num_users=10), _plan(num_users=1000)
    assert tenant_rows(small, 7, clock) == tenant_rows(big, 7, clock)


def test_static_users_come_first_with_their_known_keys() -> None:
    plan = _plan(num_users=5)
    rows = [user_row(plan, u, Clock(0)) for u in range(5)]
    assert rows[0][1:3] == ("admin@example.com", "sk_admin_123")
    assert all(r[2].startswith("sk_test_") for r in rows[3:])


def test_staging_keys_come_from_the_databases_secret_not_the_seed() -> None:
    def keys(secret: str) -> list[str]:
        plan = _plan(secret, num_users=4, environment="staging")
        return [str(user_row(plan, u, Clock(0))[2]) for u in range(4)]

    a, again, other = keys("a" * 64), keys("a" * 64), keys("b" * 64)
    assert "sk_admin_123" not in a and all(k.startswith("sk_live_") for k in a)
    assert a == again, "the same database (secret) gives the same keys: top-ups and shards"
    assert all(x != y for x, y in zip(a, other, strict=True)), "another database, other keys"
    with pytest.raises(ValueError, match="key secret"):
        keys_without = _plan(num_users=1, environment="staging")
        user_row(keys_without, 0, Clock(0))


@pytest.mark.parametrize("environment", ["development", "testing", "demo", "staging"])
@pytest.mark.parametrize("tenant_ids", ["uuid", "api-key"])
def test_keys_fit_users_id_and_are_the_id_under_api_key(environment: str, tenant_ids: str) -> None:
    plan = _plan("s" * 64, num_users=50, environment=environment, tenant_ids=tenant_ids)
    clock = Clock(0)
    for u in range(50):
        rows = tenant_rows(plan, u, clock)
        (user,) = rows["users"]
        assert 8 <= len(user[2]) <= 36, user[2]
        if tenant_ids == "api-key":
            assert user[0] == user[2] == plan.user_id(u)
        else:
            assert len(user[0]) == 36 and user[0] != user[2]
        # every row that names the user names it by users.id
        for table, column in USER_COLUMNS.items():
            assert {r[column] for r in rows[table]} <= {user[0]}, table


def test_static_keys_must_fit_users_id(tmp_path: Path) -> None:
    (tmp_path / "users.json").write_text(
        json.dumps([{"email": "a@example.com", "api_key": "sk_" + "x" * 40}])
    )
    (tmp_path / "documents.json").write_text("[]")
    with pytest.raises(ConfigError, match=r"users\.json: field \[0\]\.api_key"):
        load_static(tmp_path)
