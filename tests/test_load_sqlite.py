"""SQLite loading: into empty tables foreign keys are checked per block instead of per row, and
whatever a block cannot check is checked in full before commit."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from ragseed import api
from ragseed.core.errors import DatabaseError
from ragseed.core.plan import Plan
from ragseed.core.static import load_static
from ragseed.db.engine import transaction
from ragseed.db.target import Target, inspect_target
from ragseed.load.sqlite import ForeignKeyError, SqliteLoader
from ragseed.run.blocks import iter_blocks
from ragseed.run.database import before_begin

from .conftest import make_config
from .dbutil import scalar

ALL_KEYS = {
    "documents.user_id -> users.id",
    "chunk_store.user_id -> users.id",
    "chunk_store.parent_id -> chunk_store.id",
    "document_chunks.document_id -> documents.id",
    "document_chunks.chunk_id -> chunk_store.id",
    "chat_sessions.user_id -> users.id",
    "chat_turns.session_id -> chat_sessions.id",
    "graph_triplets.user_id -> users.id",
    "graph_triplets.document_id -> documents.id",
    "graph_triplets.chunk_id -> chunk_store.id",
}


class Rollback(Exception):
    pass


@contextmanager
def seed_transaction(url: str) -> Iterator[tuple[SqliteLoader, Target]]:
    """A loader inside a seed's transaction (before_begin included), rolled back at the end."""
    with pytest.raises(Rollback), transaction(url, before_begin=before_begin) as conn:
        target = inspect_target(conn)
        yield SqliteLoader(conn, target), target
        raise Rollback


def _path(url: str) -> str:
    return url.removeprefix("sqlite:///")


def _full_check(url: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(_path(url)) as con:
        return con.execute("PRAGMA foreign_key_check").fetchall()


def test_per_row_checks_are_off_only_while_every_table_is_empty(sqlite_url: str) -> None:
    api.init(make_config(sqlite_url))
    with transaction(sqlite_url, before_begin=before_begin) as conn:
        assert not SqliteLoader(conn, inspect_target(conn)).keys_enforced
    api.seed(make_config(sqlite_url, num_users=3))
    with transaction(sqlite_url, before_begin=before_begin) as conn:
        assert SqliteLoader(conn, inspect_target(conn)).keys_enforced
    assert scalar(sqlite_url, "SELECT count(*) FROM document_chunks") > 0
    assert _full_check(sqlite_url) == []


def test_every_foreign_key_of_the_schema_is_checked_per_block(sqlite_url: str) -> None:
    api.init(make_config(sqlite_url))
    with seed_transaction(sqlite_url) as (loader, _):
        loader.prepare_bulk()
        assert {c.label for c in loader.checks} == ALL_KEYS
        assert loader.unchecked == []  # nothing left for the full check


def test_a_block_with_a_dangling_key_is_refused(sqlite_url: str) -> None:
    config = make_config(sqlite_url, num_users=2)
    api.init(config)
    with seed_transaction(sqlite_url) as (loader, target):
        loader.prepare_bulk()
        encoder = loader.encoder()
        plan = Plan(config, load_static(), target.features)
        (block,) = iter_blocks(plan, range(2))
        encoded = {t: v for t, v, _ in encoder.encode(block.rows)}
        at = target.columns["chunk_store"].index("parent_id")
        parents = [r[at] for r in encoded["chunk_store"]]
        assert None in parents and any(parents)  # NULLs pass, real parents are found
        broken = dict(block.rows)
        first = broken["document_chunks"][0]
        broken["document_chunks"] = [(first[0], first[1], "no-such-chunk")]
        with pytest.raises(ForeignKeyError, match=r"document_chunks\.chunk_id -> chunk_store"):
            encoder.encode(broken)


def test_a_key_blocks_cannot_check_is_checked_before_commit(sqlite_url: str) -> None:
    """A column ragseed does not write, defaulting to a key of a table it does not fill: the
    per-row check used to refuse it at insert, the full check refuses it now."""
    api.init(make_config(sqlite_url))
    with sqlite3.connect(_path(sqlite_url)) as con:  # foreign keys are off by default here
        con.execute("CREATE TABLE accounts (id TEXT PRIMARY KEY)")
        con.execute(
            "ALTER TABLE documents ADD COLUMN account_id TEXT DEFAULT 'acme' "
            "REFERENCES accounts(id)"
        )
    with pytest.raises(DatabaseError, match="documents"):
        api.seed(make_config(sqlite_url, num_users=3))
    assert scalar(sqlite_url, "SELECT count(*) FROM users") == 0
    with seed_transaction(sqlite_url) as (loader, _):
        loader.prepare_bulk()
        assert loader.unchecked == ["documents"]
        assert {c.label for c in loader.checks} == ALL_KEYS
    with sqlite3.connect(_path(sqlite_url)) as con:
        con.execute("INSERT INTO accounts VALUES ('acme')")
    api.seed(make_config(sqlite_url, num_users=3))
    assert scalar(sqlite_url, "SELECT count(*) FROM documents") > 0
    assert _full_check(sqlite_url) == []


def test_rows_written_unchecked_outside_a_bulk_load_are_checked_in_full(sqlite_url: str) -> None:
    """Another run may write between before_begin and the transaction: the tables are then not
    empty, there is no per-block check, and finish() checks every table."""
    config = make_config(sqlite_url, num_users=2)
    api.init(config)
    with (
        pytest.raises(ForeignKeyError, match="documents"),
        transaction(sqlite_url, before_begin=before_begin) as conn,
    ):
        target = inspect_target(conn)
        loader = SqliteLoader(conn, target)
        assert not loader.keys_enforced
        plan = Plan(config, load_static(), target.features)
        (block,) = iter_blocks(plan, range(2))
        loader.write({"documents": block.rows["documents"]})  # their users are missing
        loader.finish()
    assert scalar(sqlite_url, "SELECT count(*) FROM documents") == 0
