"""SQLite: large executemany batches on the raw sqlite3 connection, inside one transaction."""

from __future__ import annotations

import json
from operator import itemgetter
from typing import Any

from ..generate.rows import Row
from .base import Encoder, Loader

#: Page cache while loading, in KiB (negative: a size, not a page count).
LOAD_CACHE_KIB = -65536
#: Page cache (and so sort memory) while the deferred indexes are built.
INDEX_CACHE_KIB = -16384


class SqliteEncoder(Encoder):
    def encode_table(self, table: str, rows: list[Row]) -> list[tuple[Any, ...]]:
        proj = self.target.projection(table)
        cols = self.target.columns[table]
        if rows and proj == list(range(len(rows[0]))):
            values: list[tuple[Any, ...]] = rows  # the canonical columns, in order: as they are
        elif len(proj) > 1:
            values = list(map(itemgetter(*proj), rows))
        else:
            values = [(r[proj[0]],) for r in rows]
        if table == "chat_turns" and "sources" in cols:
            i = cols.index("sources")
            values = [(*v[:i], json.dumps(v[i]), *v[i + 1 :]) for v in values]
        return values

    def params(self, table: str, rows: list[Row]) -> list[tuple[Any, ...]]:
        return self.encode_table(table, rows)


class SqliteLoader(Loader):
    encoder_class = SqliteEncoder

    def write_table(self, table: str, payload: Any) -> None:
        cols = self.target.columns[table]
        marks = ",".join("?" * len(cols))
        self.raw.executemany(f"INSERT INTO {table} ({','.join(cols)}) VALUES ({marks})", payload)

    def reset(self) -> None:
        # Children first: chat_turns has no FK to users, so deleting users would not reach it.
        for table in reversed(self.tables()):
            self.raw.execute(f"DELETE FROM {table}")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deferred: list[str] = []  # CREATE INDEX statements to run after the data

    def prepare_bulk(self) -> None:
        """Into empty tables: drop the secondary indexes and build each in one sorted pass after
        the data (inserting random UUIDs into a B-tree touches a new page almost every row). DDL
        is transactional in SQLite, so a failure still leaves the schema as it was. The indexes
        behind PRIMARY KEY and UNIQUE constraints cannot be dropped; foreign keys stay on."""
        # A bigger page cache saves I/O while the indexes grow; atomicity is unchanged.
        self.raw.execute(f"PRAGMA cache_size = {LOAD_CACHE_KIB}")  # 64 MiB: bounded RSS
        tables = self.tables()
        marks = ",".join("?" * len(tables))
        indexes = self.raw.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({marks}) ORDER BY tbl_name, name",
            tables,
        ).fetchall()
        for name, _ in indexes:
            self.raw.execute(f'DROP INDEX "{name}"')
        self.deferred = [sql for _, sql in indexes]

    def finish(self) -> None:
        if self.deferred:
            # CREATE INDEX sorts in up to cache_size of memory on top of the page cache: a smaller
            # cache keeps peak memory flat (the sort spills to a temp file), at no cost in time.
            self.raw.execute(f"PRAGMA cache_size = {INDEX_CACHE_KIB}")
        for sql in self.deferred:
            self.raw.execute(sql)
        self.deferred = []
