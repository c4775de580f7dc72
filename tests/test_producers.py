"""Generation overlapped with loading: however the tenants are spread over processes, the same
rows are written, each tenant exactly once."""

from __future__ import annotations

import pytest

from ragseed import api
from ragseed.core.plan import Plan
from ragseed.core.static import load_static
from ragseed.db.target import inspect_target
from ragseed.load.sqlite import SqliteEncoder
from ragseed.run import producers
from ragseed.run.blocks import iter_blocks

from .conftest import make_config
from .dbutil import dump

USERS = 70  # three claims of producers.DEAL tenants, the last one short


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
    items = list(producers.run(plan, range(USERS), _encoder(), workers, 400, share=share))
    assert sum(i.tenants for i in items) == USERS
    assert sum(i.fingerprint for i in items) == sum(b.fingerprint for b in inline)
    users = sorted(row[0] for i in items for table, rows, _ in i.encoded if table == "users"
                   for row in rows)  # fmt: skip
    assert users == sorted(b.rows["users"][k][0] for b in inline for k in range(b.tenants))


def test_shared_generation_writes_the_same_database(db_url: str) -> None:
    """The default (the loading process generates too, beside a generator process) against
    generating inline, on both databases: the same rows and fingerprint."""
    shared = api.seed(make_config(db_url, num_users=USERS, docs_per_user=3), producer_processes=1)
    rows = dump(db_url)
    assert sum(len(r) for r in rows.values()) > USERS * 5
    again = make_config(db_url, num_users=USERS, docs_per_user=3, reset=True)
    inline = api.seed(again, producer_processes=0)
    assert shared.fingerprint == inline.fingerprint
    assert dump(db_url) == rows


def test_generator_blocks_grow_across_claims_and_own_blocks_are_one_claim_each() -> None:
    """A generator process's blocks are not cut at each claim of DEAL tenants (that made many
    small COPYs); the loading process makes one block per claim, so it is never away long."""
    import multiprocessing as mp

    cfg = make_config("sqlite://", num_users=USERS, docs_per_user=2, sessions_per_user=1)
    enc = _encoder()
    plan = Plan(cfg, load_static(), enc.target.features)
    counter = mp.get_context("spawn").Value("q", 0)
    grown = list(producers.claimed(plan, range(USERS), counter, enc, 10**6))
    assert sum(i.tenants for i in grown) == USERS
    assert max(i.tenants for i in grown) > producers.DEAL
    counter.value = 0
    own = list(producers.claimed_by_loader(plan, range(USERS), counter, enc, 10**6))
    assert [i.tenants for i in own] == [32, 32, USERS - 64]
    assert sum(i.fingerprint for i in own) == sum(i.fingerprint for i in grown)


def test_lean_gc_relaxes_the_collector_while_generating_and_restores_it() -> None:
    import gc

    from ragseed.run.producers import GC_THRESHOLD, lean_gc

    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    with lean_gc():
        assert gc.get_threshold()[0] == GC_THRESHOLD > before[0]
        assert gc.get_freeze_count() > frozen  # what existed is out of the collector's way
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == frozen
    with pytest.raises(RuntimeError), lean_gc():
        raise RuntimeError("a failed load restores it too")
    assert gc.get_threshold() == before
