"""SQLite: large executemany batches on the raw sqlite3 connection, inside one transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from ..errors import DatabaseError
from ..generate.rows import Row, Rows
from ..schema import TABLES
from .base import Encoded, Encoder, Loader

#: Page cache while loading, in KiB (negative: a size, not a page count).
LOAD_CACHE_KIB = -65536
#: Page cache (and so sort memory) while the deferred indexes are built.
INDEX_CACHE_KIB = -16384


@dataclass(frozen=True)
class KeyCheck:
    """A single-column foreign key, checked within each block: every non-NULL child value must
    be a parent key written in the same block (blocks hold whole tenants)."""

    table: str
    column: int  # index into the table's written columns
    parent: str
    key: int  # index into the parent's written columns
    label: str  # "documents.user_id -> users.id"


class ForeignKeyError(DatabaseError):
    pass


@dataclass(frozen=True)
class SqliteEncoder(Encoder):
    checks: tuple[KeyCheck, ...] = ()

    def encode(self, rows: Rows) -> Encoded:
        out = super().encode(rows)
        if self.checks:
            _check_keys(self.checks, {table: values for table, values, _ in out})
        return out

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


def _check_keys(checks: tuple[KeyCheck, ...], block: dict[str, list[tuple[Any, ...]]]) -> None:
    for c in checks:
        children = block.get(c.table)
        if not children:
            continue
        wanted = set(map(itemgetter(c.column), children))
        wanted.discard(None)  # NULL satisfies a foreign key
        missing = wanted.difference(map(itemgetter(c.key), block.get(c.parent, ())))
        if missing:
            raise ForeignKeyError(
                f"internal error: generated rows break the foreign key {c.label} "
                f"(e.g. {sorted(map(str, missing))[0]}); nothing was written. Please report it."
            )


class SqliteLoader(Loader):
    encoder_class = SqliteEncoder

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deferred: list[str] = []  # CREATE INDEX statements to run after the data
        # Off only when before_begin found every RAG table empty; finish() then checks instead.
        self.keys_enforced = bool(self.raw.execute("PRAGMA foreign_keys").fetchone()[0])
        self.checks: tuple[KeyCheck, ...] = ()
        self.unchecked: list[str] | None = None  # tables finish() must check; None: all

    @classmethod
    def before_begin(cls, raw: Any) -> None:
        """SQLite checks each foreign key per inserted row, a third of the cost of loading, and
        the check can only be turned off outside a transaction. So it is off when every RAG table
        is empty or missing now: rows into empty tables are then checked per block (see
        prepare_bulk), and anything else is checked in full by finish()."""
        marks = ",".join("?" * len(TABLES))
        existing = [
            name
            for (name,) in raw.execute(
                f"SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ({marks})",
                TABLES,
            )
        ]
        if not any(raw.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone() for t in existing):
            raw.execute("PRAGMA foreign_keys = OFF")

    def encoder(self) -> SqliteEncoder:
        return SqliteEncoder(self.target, self.checks)

    def write_table(self, table: str, payload: Any) -> None:
        cols = self.target.columns[table]
        marks = ",".join("?" * len(cols))
        self.raw.executemany(f"INSERT INTO {table} ({','.join(cols)}) VALUES ({marks})", payload)

    def exclusive(self) -> bool:
        return True  # the seed's transaction is BEGIN IMMEDIATE: SQLite's single writer

    def reset(self) -> None:
        # Children first: chat_turns has no FK to users, so deleting users would not reach it.
        for table in reversed(self.tables()):
            self.raw.execute(f"DELETE FROM {table}")

    def prepare_bulk(self) -> None:
        """Into empty tables: drop the secondary indexes and build each in one sorted pass after
        the data (inserting random UUIDs into a B-tree touches a new page almost every row). DDL
        is transactional in SQLite, so a failure still leaves the schema as it was. The indexes
        behind PRIMARY KEY and UNIQUE constraints cannot be dropped."""
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
        if not self.keys_enforced:
            self.checks, self.unchecked = self._block_checks()

    def _block_checks(self) -> tuple[tuple[KeyCheck, ...], list[str]]:
        """The foreign keys of the written tables that a block can check by itself, and the
        tables with any other kind (composite, to an unwritten table or column, to an implicit
        primary key), left to finish()."""
        cols = self.target.columns
        checks: list[KeyCheck] = []
        rest: list[str] = []
        for table in self.tables():
            keys: dict[int, list[tuple[str, str, str | None]]] = {}
            for fk_id, _seq, parent, col, key, *_ in self.raw.execute(
                f"PRAGMA foreign_key_list({table})"
            ):
                keys.setdefault(fk_id, []).append((parent, col, key))
            for parts in keys.values():
                parent, col, key = parts[0]
                if (
                    len(parts) == 1 and key is not None and parent in cols
                    and col in cols[table] and key in cols[parent]
                ):  # fmt: skip
                    at, key_at = cols[table].index(col), cols[parent].index(key)
                    label = f"{table}.{col} -> {parent}.{key}"
                    checks.append(KeyCheck(table, at, parent, key_at, label))
                elif table not in rest:
                    rest.append(table)
        return tuple(checks), rest

    def finish(self) -> None:
        if self.deferred:
            # CREATE INDEX sorts in up to cache_size of memory on top of the page cache: a smaller
            # cache keeps peak memory flat (the sort spills to a temp file), at no cost in time.
            self.raw.execute(f"PRAGMA cache_size = {INDEX_CACHE_KIB}")
        for sql in self.deferred:
            self.raw.execute(sql)
        self.deferred = []
        if not self.keys_enforced:
            self._check_foreign_keys()

    def _check_foreign_keys(self) -> None:
        """What the per-row check would have caught: everything if the tables were not empty
        (another run got in between before_begin and the transaction), else what the blocks
        could not check."""
        tables = [None] if self.unchecked is None else self.unchecked
        for table in tables:
            sql = "PRAGMA foreign_key_check" + (f"({table})" if table else "")
            bad = self.raw.execute(sql).fetchone()
            if bad is not None:
                child, rowid, parent, _ = bad
                raise ForeignKeyError(
                    f"a row of {child} (rowid {rowid}) refers to a missing row of {parent}; "
                    f"nothing was written"
                )
