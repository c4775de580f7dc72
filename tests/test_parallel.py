"""The parallel load mode (PostgreSQL): same rows as the atomic mode, and its failure contract:
after any failure the tables are empty with every index and constraint restored."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ragseed import api
from ragseed.core.errors import ConfigError, DatabaseError

from .conftest import make_config
from .dbutil import dump, execute, scalar
from .test_seed import FAIL_TRIGGER

SIZE = dict(num_users=12, docs_per_user=5)
#: More than pipeline.DEAL tenants, so that with --parallel 2 both loaders (this process and
#: the worker process) get a share.
TWO_SHARES = dict(num_users=40, docs_per_user=2, sessions_per_user=2)


def _schema(url: str) -> list[tuple[str, ...]]:
    from sqlalchemy import create_engine, text

    from ragseed.db.urls import normalize

    engine = create_engine(normalize(url))
    with engine.connect() as conn:
        idx = conn.execute(text("SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' "
                                "ORDER BY 1")).all()  # fmt: skip
        cons = conn.execute(text(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2"
        )).all()  # fmt: skip
    engine.dispose()
    return [tuple(r) for r in idx] + [tuple(r) for r in cons]


@pytest.mark.parametrize("size", [SIZE, TWO_SHARES], ids=["one-share", "two-shares"])
def test_parallel_gives_the_same_rows_as_one_transaction(
    pg_url: str, tmp_path: Path, size: dict[str, int]
) -> None:
    out = api.seed(make_config(pg_url, **size), parallel=2)
    atomic_url = f"sqlite:///{tmp_path / 'atomic.db'}"
    atomic = api.seed(make_config(atomic_url, **size))
    assert out.fingerprint == atomic.fingerprint
    for table, n in out.counts.items():  # summed from the loaders: what the tables hold
        assert scalar(pg_url, f"SELECT count(*) FROM {table}") == n, table
    assert out.counts == atomic.counts
    assert dump(pg_url) == dump(atomic_url)
    # the ledger knows it: a re-run has nothing to do
    assert api.seed(make_config(pg_url, **size)).skipped


def test_indexes_and_constraints_come_back(pg_url: str) -> None:
    api.init(make_config(pg_url))
    before = _schema(pg_url)
    api.seed(make_config(pg_url, **SIZE), parallel=2)
    assert _schema(pg_url) == before


def _fail_tenant(tenant: int) -> list[str]:
    """DDL that makes inserting one tenant's user row fail."""
    from ragseed.core.plan import Features, Plan
    from ragseed.core.static import load_static

    victim = Plan(make_config("sqlite://", **TWO_SHARES), load_static(), Features()).user_id(tenant)
    return [
        "CREATE FUNCTION fail_user() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'forced failure'; END $$",
        "CREATE TRIGGER fail_user BEFORE INSERT ON users FOR EACH ROW "
        f"WHEN (NEW.id = '{victim}') EXECUTE FUNCTION fail_user()",
    ]


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        # loading fails (phase 2) in both loaders; in the calling process only (tenant 3), while
        # the worker process commits its share; in the worker process only (tenant 35)
        (FAIL_TRIGGER["postgresql"], "forced failure"),
        (_fail_tenant(3), "forced failure"),
        (_fail_tenant(35), "forced failure"),
        # a unique index that the data breaks fails its rebuild lane (phase 3), while the other
        # lane may already have committed its indexes
        (["CREATE UNIQUE INDEX one_session_per_user ON chat_sessions (user_id)"],
         "one_session_per_user"),
        # a row whose parent is missing fails a foreign key's validation (after the rebuild,
        # with the keys already added NOT VALID)
        (["CREATE FUNCTION orphan() RETURNS trigger LANGUAGE plpgsql AS "
          "$$ BEGIN IF NEW.ord = 1 THEN NEW.chunk_id := 'no-such-chunk'; END IF; "
          "RETURN NEW; END $$",
          "CREATE TRIGGER orphan BEFORE INSERT ON document_chunks FOR EACH ROW "
          "EXECUTE FUNCTION orphan()"],
         "document_chunks_chunk_id_fkey"),
    ],
    ids=["both-loaders", "this-process", "worker-process", "rebuild-lane", "validation"],
)  # fmt: skip
def test_a_failed_run_leaves_empty_tables_with_their_indexes(
    pg_url: str, setup: list[str], error: str
) -> None:
    api.init(make_config(pg_url))
    execute(pg_url, *setup)
    before = _schema(pg_url)
    with pytest.raises(DatabaseError, match=f"{error}.*cleaned up"):
        api.seed(make_config(pg_url, **TWO_SHARES), parallel=2)
    assert _schema(pg_url) == before
    for table in ("users", "documents", "chunk_store", "document_chunks", "chat_sessions"):
        assert scalar(pg_url, f"SELECT count(*) FROM {table}") == 0, table
    assert scalar(pg_url, "SELECT status FROM ragseed_runs ORDER BY id DESC LIMIT 1") == "failed"


@pytest.mark.slow
def test_a_killed_parallel_run_is_cleaned_up_by_the_next_run(pg_url: str) -> None:
    api.init(make_config(pg_url))
    before = _schema(pg_url)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ENVIRONMENT")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ragseed", "seed", "--database-url", pg_url, "--env", "testing",
         "--num-users", "300", "--num-docs", "12", "--parallel", "2", "--quiet"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not scalar(pg_url, "SELECT count(*) FROM ragseed_runs WHERE status = 'running'"):
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(1.5)  # workers are loading (and their indexes are dropped)
    import psutil

    workers = psutil.Process(proc.pid).children(recursive=True)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    _, alive = psutil.wait_procs(workers, timeout=15)
    assert not [p for p in alive if p.status() != psutil.STATUS_ZOMBIE], "orphaned workers"
    assert _schema(pg_url) != before  # the run died in the middle: indexes still dropped
    result = api.seed(make_config(pg_url, num_users=3))
    assert result.counts["users"] == 3
    assert scalar(pg_url, "SELECT count(*) FROM users") == 3  # nothing of the killed run is left
    assert _schema(pg_url) == before
    assert scalar(pg_url, "SELECT count(*) FROM ragseed_runs WHERE status = 'failed'") == 1


def test_parallel_needs_postgres(sqlite_url: str) -> None:
    with pytest.raises(ConfigError, match="needs PostgreSQL"):
        api.seed(make_config(sqlite_url), parallel=2)


def test_rebuild_lanes_split_the_largest_table_from_the_others(pg_url: str) -> None:
    """Lane one builds the largest table's slow (GIN) index, lane two everything of the other
    tables and then the largest table's B-tree builds (which run beside a GIN build), and the
    largest table's ALTERs come last; together they are every deferred statement, in order."""
    from ragseed.db.engine import transaction
    from ragseed.db.target import inspect_target
    from ragseed.load.postgres import PostgresLoader

    api.init(make_config(pg_url))
    with transaction(pg_url) as conn:
        loader = PostgresLoader(conn, inspect_target(conn))
        loader.prepare_bulk()
        big, other, last = loader.rebuild_lanes("chunk_store")
        deferred = list(loader.deferred)
        conn.rollback()
    assert big == [d for d in deferred if "USING gin" in d]
    builds = [d for d in other if "chunk_store" in d]
    btree = re.compile(r"CREATE (UNIQUE )?INDEX \S+ ON (public\.)?chunk_store USING btree ")
    assert len(builds) >= 3 and all(btree.match(d) for d in builds)  # both keys and user_id
    assert other[-len(builds) :] == builds
    assert all(d.startswith("ALTER TABLE") and "chunk_store" in d for d in last)
    attach = [d for d in last if "USING INDEX" in d]
    assert len(attach) == 2 and all("FOREIGN KEY" in d for d in last if d not in attach)
    assert sorted(big + other + last) == sorted(deferred)
    for lane in (big, other[: -len(builds)], builds, last):
        assert lane == [d for d in deferred if d in lane]


def test_cleanup_restores_the_schema_whatever_part_of_the_rebuild_committed(pg_url: str) -> None:
    """Keys are rebuilt as unique indexes, then attached: cleanup after a crash between the two
    (or after both) must still end with the original constraints."""
    from ragseed.db.engine import transaction
    from ragseed.db.target import inspect_target
    from ragseed.load.postgres import PostgresLoader, apply_ddl

    api.init(make_config(pg_url))
    before = _schema(pg_url)
    with transaction(pg_url) as conn:
        loader = PostgresLoader(conn, inspect_target(conn))
        loader.prepare_bulk()  # committed: the keys and indexes are gone
        ddl = list(loader.deferred)
    assert _schema(pg_url) != before
    keys = [d for d in ddl if d.startswith("CREATE UNIQUE INDEX")]
    attached = [d for d in ddl if "UNIQUE USING INDEX" in d][:1]
    assert keys and attached
    with transaction(pg_url) as conn:
        for d in keys + attached:  # every key built, one attached
            conn.exec_driver_sql(d)
    with transaction(pg_url) as conn:
        apply_ddl(conn, ddl, applied_ok=True)  # what was applied is recognised by SQLSTATE
    assert _schema(pg_url) == before


def test_loaders_claim_every_run_once_and_start_with_their_own() -> None:
    """Each loader starts with its own run; the rest go to whoever asks first, so a loader that
    starts late (here: the second, which asks only after the first took everything it could)
    takes fewer runs instead of making the others wait for it."""
    from multiprocessing import get_context

    from ragseed.run.producers import DEAL, claims

    tenants = list(range(5 * DEAL + 3))  # six runs, the last one short
    next_run = get_context("spawn").Value("q", 2)
    first = [u for run in claims(tenants, next_run, 0) for u in run]
    second = [u for run in claims(tenants, next_run, 1) for u in run]
    assert second == tenants[DEAL : 2 * DEAL]  # its own run only: the others were taken
    assert first == tenants[:DEAL] + tenants[2 * DEAL :]
    assert next_run.value > 6
    # a loader whose own run does not exist (more loaders than runs) loads nothing
    assert list(claims(tenants[:DEAL], get_context("spawn").Value("q", 2), 1)) == []


def test_foreign_keys_are_added_not_valid_then_validated_per_referencing_table() -> None:
    from ragseed.load.postgres import deferred_checks

    fk = "ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY (x) REFERENCES {}(id) ON DELETE CASCADE"
    ddl = [
        "ALTER TABLE chunk_store ADD CONSTRAINT chunk_store_pkey PRIMARY KEY USING INDEX k",
        fk.format("chunk_store", "a_fkey", "users"),
        fk.format("document_chunks", "b_fkey", "chunk_store"),
        fk.format("chunk_store", "c_fkey", "chunk_store"),
        fk.format("graph_triplets", "d_fkey", "chunk_store") + " NOT VALID",  # the user's own
    ]
    quick, checks = deferred_checks(ddl)
    assert quick == [ddl[0], ddl[1] + " NOT VALID", ddl[2] + " NOT VALID",
                     ddl[3] + " NOT VALID", ddl[4]]  # fmt: skip
    assert checks == [
        ["ALTER TABLE chunk_store VALIDATE CONSTRAINT a_fkey",
         "ALTER TABLE chunk_store VALIDATE CONSTRAINT c_fkey"],
        ["ALTER TABLE document_chunks VALIDATE CONSTRAINT b_fkey"],
    ]  # fmt: skip


def test_cleanup_validates_the_foreign_keys_a_run_added_not_valid(pg_url: str) -> None:
    from ragseed.db.engine import transaction
    from ragseed.db.target import inspect_target
    from ragseed.load.postgres import PostgresLoader, deferred_checks
    from ragseed.run.recover import cleanup

    api.init(make_config(pg_url))
    before = _schema(pg_url)
    with transaction(pg_url) as conn:
        loader = PostgresLoader(conn, inspect_target(conn))
        loader.prepare_bulk()
        ddl = list(loader.deferred)
        tables = loader.tables()
    quick, checks = deferred_checks(ddl)
    assert checks
    with transaction(pg_url) as conn:  # the run died after adding its keys, before validating
        for d in quick:
            conn.exec_driver_sql(d)
    assert _schema(pg_url) != before  # NOT VALID shows in the constraints' definitions
    with transaction(pg_url) as conn:
        cleanup(conn, tables, [], ddl)
    assert _schema(pg_url) == before


def test_only_a_truncating_bulk_load_holds_the_tables_exclusively(pg_url: str) -> None:
    """Totals may skip the count(*) only when the seed's own TRUNCATE locked the tables until its
    commit; phase 1 of a parallel run (whose loaders write in other transactions) does not
    truncate, and its locks end with it."""
    from ragseed.db.engine import transaction
    from ragseed.db.target import inspect_target
    from ragseed.load.postgres import PostgresLoader

    api.init(make_config(pg_url))
    for truncate in (True, False):
        with transaction(pg_url) as conn:
            loader = PostgresLoader(conn, inspect_target(conn))
            assert not loader.exclusive()
            loader.prepare_bulk(truncate=truncate)
            assert loader.exclusive() is truncate
            conn.rollback()
