"""How ragseed runs on one database keep out of each other's way."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.shard import FULL, Shard

if TYPE_CHECKING:
    from sqlalchemy import Connection


#: pg_advisory_xact_lock key: the first 8 bytes of sha256("ragseed") as a signed bigint
ADVISORY_KEY = 0x6A2F51D4C3B0E917


#: ... and the one `init` holds while it creates tables
DDL_KEY = ADVISORY_KEY ^ 0xDD1


def lock(conn: Connection, shard: Shard = FULL) -> None:
    """Serialise ragseed runs on one database. SQLite's BEGIN IMMEDIATE already holds the write
    lock; PostgreSQL gets transaction-level advisory locks, so a second run waits here and then
    finds the first one's work in the ledger. Different shards of one seed run side by side: they
    share the database lock and each holds its own shard lock."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy import text

        if shard.count == 1:
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_KEY})
        else:
            conn.execute(text("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": ADVISORY_KEY})
            conn.execute(text("SELECT pg_advisory_xact_lock(:a, :b)"),
                         {"a": ADVISORY_KEY & 0x7FFFFFFF, "b": shard.index})  # fmt: skip
