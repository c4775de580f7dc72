"""Generation overlapped with loading: however the tenants are spread over processes, the same
rows are written, each tenant exactly once."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragseed import commands, pipeline
from ragseed.load.sqlite import SqliteEncoder
from ragseed.plan import Plan
from ragseed.static import load_static
from ragseed.stream import iter_blocks
from ragseed.target import inspect_target

from .conftest import make_config
from .dbutil import dump

USERS = 70  # three claims of pipeline.DEAL tenants, the last one short


def _encoder() -> SqliteEncoder:
    from sqlalchemy import create_engine

    engine = create_engine("sqlite://")
    with engine.begin() as conn:
        return SqliteEncoder(inspect_target(conn))


@pytest.mark.parametrize(("workers", "share"), [(1, True), (2, True), (2, False)])
def test_every_tenant_is_generated_once(workers: int, share: bool) -> None:
    cfg = make_config("sqlite://", num_users=USERS, docs_per_user=2, sessions_per_user=1)
    plan = Plan(cfg, load_static(), _encoder().target.features)
    inline = list(iter_blocks(plan, range(USERS), block_rows=400))
    items = list(pipeline.run(plan, range(USERS), _encoder(), workers, 400, share=share))
    assert sum(i.tenants for i in items) == USERS
    assert sum(i.fingerprint for i in items) == sum(b.fingerprint for b in inline)
    users = sorted(row[0] for i in items for table, rows, _ in i.encoded if table == "users"
                   for row in rows)  # fmt: skip
    assert users == sorted(b.rows["users"][k][0] for b in inline for k in range(b.tenants))


def test_shared_generation_writes_the_same_database(tmp_path: Path) -> None:
    """The SQLite default (the loading process generates too) against generating inline."""
    urls = [f"sqlite:///{tmp_path / name}" for name in ("shared.db", "inline.db")]
    results = [
        commands.seed(make_config(url, num_users=USERS, docs_per_user=3), gen_workers=n)
        for url, n in zip(urls, (1, 0), strict=True)
    ]
    assert results[0].fingerprint == results[1].fingerprint
    assert dump(urls[0]) == dump(urls[1])
