from __future__ import annotations

from ragseed.config import build_config
from ragseed.generate.rows import Clock
from ragseed.generate.tenant import tenant_rows, user_row
from ragseed.plan import Plan
from ragseed.static import load_static


def _plan(**flags: object) -> Plan:
    return Plan(build_config(flags, environ={}), load_static())


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


def test_staging_keys_are_secret_and_not_reproducible() -> None:
    plan = _plan(num_users=4, environment="staging")
    a = [user_row(plan, u, Clock(0))[2] for u in range(4)]
    b = [user_row(plan, u, Clock(0))[2] for u in range(4)]
    assert "sk_admin_123" not in a
    assert all(x != y for x, y in zip(a, b, strict=True))
