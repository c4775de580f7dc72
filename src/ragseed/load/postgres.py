"""PostgreSQL: psycopg 3 COPY of pre-encoded text, inside the caller's transaction.

Into empty tables (a fresh schema, or after --reset) the loader does what pg_restore does, all in
the same transaction so that a failure still leaves nothing behind:
- TRUNCATE the (empty) tables so COPY can use FREEZE, which skips later hint-bit and vacuum work;
- drop secondary indexes and the constraints' indexes, load, then rebuild them in one sorted pass
  each with a large maintenance_work_mem, and re-add the foreign keys, validated in one join each.
Nothing is dropped when a table outside the RAG set references ours (we would have to touch it).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from ..core.rows import TIMESTAMP_COLUMNS, Row
from .base import Encoder, Loader, TableDone
from .copyfmt import encode_rows, row_formatter

MAINTENANCE_WORK_MEM = "1GB"
_INDEX = re.compile(r"CREATE (UNIQUE )?INDEX ")
_BTREE = re.compile(r" USING btree \(")
#: A key constraint that is just a unique index on plain columns (no INCLUDE, WITH, NULLS NOT
#: DISTINCT, deferral...): it can be built as an index, then attached.
_PLAIN_KEY = re.compile(r"(PRIMARY KEY|UNIQUE) (\([^()]*\))")

if TYPE_CHECKING:
    from sqlalchemy import Connection


_FOREIGN_KEY = re.compile(r"ALTER TABLE (\S+) ADD CONSTRAINT (\S+) FOREIGN KEY ")
_NOT_VALID = " NOT VALID"


def deferred_checks(ddl: list[str]) -> tuple[list[str], list[list[str]]]:
    """Deferred DDL with every foreign key added NOT VALID (a catalog change: instant), and the
    VALIDATE statements that then check the rows, grouped by referencing table. VALIDATE locks
    the referencing table against other validations of it (SHARE UPDATE EXCLUSIVE) and the
    referenced one only in ROW SHARE, so the groups can run at once on separate connections,
    where ADD CONSTRAINT would check them one after the other. A key that was NOT VALID to
    begin with stays so."""
    quick: list[str] = []
    checks: dict[str, list[str]] = {}
    for ddl_ in ddl:
        key = _FOREIGN_KEY.match(ddl_)
        if key is None or ddl_.endswith(_NOT_VALID):
            quick.append(ddl_)
            continue
        table, name = key.groups()
        quick.append(ddl_ + _NOT_VALID)
        checks.setdefault(table, []).append(f"ALTER TABLE {table} VALIDATE CONSTRAINT {name}")
    return quick, list(checks.values())


def _add_constraint(table: str, name: str, definition: str) -> str:
    return f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}"


def _key_steps(table: str, name: str, definition: str) -> list[tuple[str, set[str]]]:
    """Re-adding a primary key or unique constraint. A plain one is built as a unique index
    first, which only takes a SHARE lock (another index build on the table can run meanwhile),
    then attached with USING INDEX, which is instant."""
    plain = _PLAIN_KEY.fullmatch(definition)
    if plain is None:
        return [(_add_constraint(table, name, definition), {table})]
    kind, columns = plain.groups()
    return [
        (f"CREATE UNIQUE INDEX {name} ON {table} USING btree {columns}", {table}),
        (_add_constraint(table, name, f"{kind} USING INDEX {name}"), {table}),
    ]


#: SQLSTATEs of DDL that was applied already: an index or table that exists (42P07), a
#: constraint that exists (42710), a second primary key (42P16), an index already attached to a
#: constraint (55000).
ALREADY_APPLIED = frozenset({"42P07", "42710", "42P16", "55000"})


def apply_ddl(conn: Connection, ddl: list[str], *, applied_ok: bool = False) -> None:
    """Run DDL in the connection's transaction, with the memory index builds need. applied_ok:
    statements may have been applied already (a run died during its rebuild); each runs in a
    savepoint and one that fails for that reason is skipped."""
    from sqlalchemy.exc import DBAPIError

    if not ddl:
        return
    conn.exec_driver_sql(f"SET LOCAL maintenance_work_mem = '{MAINTENANCE_WORK_MEM}'")
    for statement in ddl:
        if not applied_ok:
            conn.exec_driver_sql(statement)
            continue
        try:
            with conn.begin_nested():
                conn.exec_driver_sql(statement)
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) not in ALREADY_APPLIED:
                raise


class PostgresEncoder(Encoder):
    def encode_table(self, table: str, rows: list[Row]) -> bytes:
        cols = tuple(self.target.columns[table])
        proj = tuple(self.target.projection(table))
        return encode_rows(rows, row_formatter(cols, self.target.list_format, proj))

    def params(self, table: str, rows: list[Row]) -> list[tuple[Any, ...]]:
        cols = self.target.columns[table]
        proj = self.target.projection(table)
        fix = [
            (lambda v: None if v is None else f"{v}+00") if c in TIMESTAMP_COLUMNS
            else (lambda v: json.dumps(v)) if c == "sources" and self.target.list_format == "json"
            else (lambda v: v)
            for c in cols
        ]  # fmt: skip
        return [tuple(f(r[i]) for f, i in zip(fix, proj, strict=True)) for r in rows]


class PostgresLoader(Loader):
    encoder_class = PostgresEncoder
    placeholder = "%s"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.freeze = False
        self.deferred: list[str] = []  # DDL to run after the data, in order
        self.locks: dict[str, frozenset[str]] = {}  # deferred DDL -> the tables it locks

    def write_table(self, table: str, payload: Any) -> None:
        cols = ", ".join(self.target.columns[table])
        opts = " WITH (FREEZE)" if self.freeze else ""
        with self.raw.cursor() as cur, cur.copy(f"COPY {table} ({cols}) FROM STDIN{opts}") as cp:
            cp.write(payload)

    def _execute(self, sql: str, params: Any = None) -> list[Any]:
        with self.raw.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall() if cur.description else []

    def exclusive(self) -> bool:
        return self.freeze  # TRUNCATE took ACCESS EXCLUSIVE locks, held until commit

    def reset(self, table_done: TableDone | None = None) -> None:
        self._execute(f"TRUNCATE {', '.join(self.tables())} CASCADE")
        self.freeze = True
        for table in self.tables():  # one statement emptied them all
            if table_done is not None:
                table_done(table)

    def _external_references(self) -> bool:
        rows = self._execute(
            "SELECT 1 FROM pg_constraint WHERE contype = 'f' AND confrelid = ANY(%s::regclass[]) "
            "AND NOT conrelid = ANY(%s::regclass[]) LIMIT 1",
            (self.tables(), self.tables()),
        )
        return bool(rows)

    def prepare_bulk(self, truncate: bool = True) -> None:
        """truncate: False where the loading happens in other transactions (parallel mode),
        which cannot use FREEZE anyway."""
        self._execute(f"SET LOCAL maintenance_work_mem = '{MAINTENANCE_WORK_MEM}'")
        if self._external_references():
            return
        if truncate and not self.freeze:
            self._execute(f"TRUNCATE {', '.join(self.tables())}")  # empty already: enables FREEZE
            self.freeze = True
        tables = self.tables()
        constraints = self._execute(
            "SELECT conrelid::regclass::text, quote_ident(conname), contype, "
            "pg_get_constraintdef(oid), confrelid::regclass::text FROM pg_constraint "
            "WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('p', 'u', 'f') ORDER BY oid",
            (tables,),
        )
        indexes = self._execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), "
            "i.indrelid::regclass::text FROM pg_index i "
            "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
            "WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x')) ORDER BY 1",
            (tables,),
        )
        by_kind = {k: [c for c in constraints if c[2] == k] for k in "puf"}
        for table, name, *_ in by_kind["f"] + by_kind["u"] + by_kind["p"]:
            self._execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        for name, *_ in indexes:
            self._execute(f"DROP INDEX {name}")
        keys = by_kind["p"] + by_kind["u"]
        steps = [
            *(step for t, n, _, d, _ in keys for step in _key_steps(t, n, d)),
            *((definition, {t}) for _, definition, t in indexes),
            *((_add_constraint(t, n, d), {t, r}) for t, n, _, d, r in by_kind["f"]),
        ]
        self.deferred = [ddl for ddl, _ in steps]
        self.locks = {ddl: frozenset(locked) for ddl, locked in steps}

    def rebuild_lanes(self, big: str) -> tuple[list[str], list[str], list[str]]:
        """The deferred DDL as two lanes that can run at the same time on two connections, and
        what must follow both. An index build uses one core and takes a SHARE lock, which other
        index builds on the same table do not wait for. So lane one builds the big table's slow
        indexes (GIN and the like: its tsv index alone can take half a minute), and lane two the
        other tables' keys, indexes and foreign keys, then the big table's B-tree indexes (those
        of its keys included); the big table's ALTERs (attaching its keys, which is instant) and
        the foreign keys to or from it come last. Each keeps the order of ``deferred``."""
        only = frozenset({big})
        locks = self.locks  # a statement of unknown locks waits for both lanes
        builds = [d for d in self.deferred if locks.get(d) == only and _INDEX.match(d)]
        slow = [d for d in builds if not _BTREE.search(d)]
        other = [d for d in self.deferred if big not in locks.get(d, only)]
        if slow:
            big_lane, other = slow, other + [d for d in builds if d not in slow]
        else:  # only B-trees: they make the big table's lane
            big_lane = builds
        last = [d for d in self.deferred if d not in big_lane and d not in other]
        return big_lane, other, last

    def largest_table(self) -> str:
        """The table whose rebuild takes longest: the one with the most data."""
        rows = self._execute(
            "SELECT oid::regclass::text FROM pg_class WHERE oid = ANY(%s::regclass[]) "
            "ORDER BY pg_relation_size(oid) DESC LIMIT 1",
            (self.tables(),),
        )
        return str(rows[0][0])

    def apply(self, ddl: list[str]) -> None:
        """Run deferred DDL (some of ``deferred``, on this loader's connection and transaction):
        what a parallel load's rebuild lanes do with the loader's statements."""
        apply_ddl(self.conn, ddl)

    def finish(self) -> None:
        self.apply(self.deferred)
        self.deferred = []
