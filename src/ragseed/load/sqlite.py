"""SQLite: large executemany batches on the raw sqlite3 connection, inside one transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from ..core.errors import DatabaseError
from ..core.rows import Row, Rows
from ..db.schema import TABLES
from .base import Encoded, Encoder, Loader, TableDone

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
    def before_begin(cls, raw: Any, *, emptying: bool = False) -> None:
        """SQLite checks each foreign key per inserted row, a third of the cost of loading, and
        the check can only be turned off outside a transaction. So it is off when every RAG table
        is empty or missing now: rows into empty tables are then checked per block (see
        prepare_bulk), and anything else is checked in full by finish().

        emptying: the transaction starts with a reset. Its DELETEs do per-row foreign key work
        (chunk_store.parent_id's ON DELETE SET NULL has no index: a scan per deleted row), so
        the check is off then too, unless a table outside the RAG set references ours: its
        rows still need their ON DELETE actions, and reset() takes the enforced path."""
        existing = _existing(raw, TABLES)
        emptied = emptying and not _referrers(raw, existing).difference(TABLES)
        empty = not any(raw.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone() for t in existing)
        if emptied or empty:
            raw.execute("PRAGMA foreign_keys = OFF")

    def encoder(self) -> SqliteEncoder:
        return SqliteEncoder(self.target, self.checks)

    def write_table(self, table: str, payload: Any) -> None:
        cols = self.target.columns[table]
        marks = ",".join("?" * len(cols))
        self.raw.executemany(f"INSERT INTO {table} ({','.join(cols)}) VALUES ({marks})", payload)

    def exclusive(self) -> bool:
        return True  # the seed's transaction is BEGIN IMMEDIATE: SQLite's single writer

    def reset(self, table_done: TableDone | None = None) -> None:
        # Children first: chat_turns has no FK to users, so deleting users would not reach it.
        tables = list(reversed(self.tables()))
        temporary: list[str] = []
        if self.keys_enforced:
            temporary = self._index_self_references(tables)
        else:
            # Without enforcement nothing cascades: empty what a cascade would have reached too
            # (graph_triplets left out of this run by --no-graph), children first.
            extra = _referrers(self.raw, tables).difference(tables)
            if extra.difference(TABLES):  # created since before_begin looked
                raise DatabaseError(
                    f"table {sorted(extra.difference(TABLES))[0]} started referencing the RAG "
                    "tables during the reset; nothing was changed: run the reset again"
                )
            tables = [t for t in reversed(TABLES) if t in extra] + tables
        for table in tables:
            # Unenforced and without triggers, this is SQLite's truncate: pages freed at once.
            self.raw.execute(f"DELETE FROM {table}")
            if table_done is not None:
                table_done(table)
        for name in temporary:
            self.raw.execute(f'DROP INDEX "{name}"')

    def _index_self_references(self, tables: list[str]) -> list[str]:
        """Enforced deletes run a table's ON DELETE actions per row; where a table refers to
        itself (chunk_store.parent_id) through a column with no index, each is a full scan.
        An index for the length of the transaction makes them lookups."""
        created = []
        for table in tables:
            for _id, _seq, parent, col, *_ in self.raw.execute(
                f"PRAGMA foreign_key_list({table})"
            ).fetchall():
                if parent.lower() != table.lower() or col is None:
                    continue
                if _leading_columns(self.raw, table) & {col.lower()}:
                    continue
                name = f"ragseed_reset_{table}_{col}"
                self.raw.execute(f'CREATE INDEX "{name}" ON {table} ("{col}")')
                created.append(name)
        return created

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


def _existing(raw: Any, names: tuple[str, ...]) -> list[str]:
    marks = ",".join("?" * len(names))
    sql = f"SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ({marks})"
    return [name for (name,) in raw.execute(sql, names)]


def _referrers(raw: Any, tables: list[str]) -> set[str]:
    """The other tables with a foreign key to any of `tables`."""
    wanted = {t.lower() for t in tables}
    out = set()
    for (name,) in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
        if name.lower() in wanted:
            continue
        fks = raw.execute(f'PRAGMA foreign_key_list("{name}")').fetchall()
        if any(fk[2].lower() in wanted for fk in fks):
            out.add(name)
    return out


def _leading_columns(raw: Any, table: str) -> set[str]:
    """Columns that lead an index of the table (usable to look a value up)."""
    out = set()
    for _seq, index, *_ in raw.execute(f"PRAGMA index_list({table})").fetchall():
        first = raw.execute(f'PRAGMA index_info("{index}")').fetchone()
        if first is not None and first[2] is not None:
            out.add(str(first[2]).lower())
    return out
