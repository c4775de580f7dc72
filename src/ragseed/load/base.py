"""The loader contract.

Encoding (rows -> what the database driver takes) is a pure, picklable step that can run in a
generator process; writing runs in the process that holds the connection, inside the caller's
transaction. Loaders never commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..core.rows import Rows

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from ..db.target import Target

#: table -> encoded rows (COPY bytes for PostgreSQL, parameter tuples for SQLite), in FK order
Encoded = list[tuple[str, Any, int]]
#: Called by reset() with each table's name once the table is empty.
TableDone = Callable[[str], None]


@dataclass(frozen=True)
class Encoder:
    """Projects canonical rows onto the target's columns and encodes them. Picklable."""

    target: Target

    def tables(self) -> list[str]:
        return self.target.tables()

    def encode(self, rows: Rows) -> Encoded:
        out: Encoded = []
        for table in self.tables():
            batch = rows.get(table)
            if batch:
                out.append((table, self.encode_table(table, batch), len(batch)))
        return out

    def encode_table(self, table: str, rows: list[tuple[object, ...]]) -> Any:
        raise NotImplementedError

    def params(self, table: str, rows: list[tuple[object, ...]]) -> list[tuple[Any, ...]]:
        """Rows as driver parameters in the target's column order (for UPDATE)."""
        raise NotImplementedError


class Loader:
    """Writes encoded blocks through the DBAPI connection under `conn`."""

    encoder_class: type[Encoder] = Encoder

    def __init__(self, conn: Connection, target: Target) -> None:
        self.conn = conn
        self.target = target
        self.raw: Any = conn.connection.driver_connection
        self.written: dict[str, int] = dict.fromkeys(target.columns, 0)

    def encoder(self) -> Encoder:
        return self.encoder_class(self.target)

    def tables(self) -> list[str]:
        return self.target.tables()

    def write(self, rows: Rows) -> None:
        """Encode and write in this process (small seeds, factories)."""
        self.write_encoded(self.encoder().encode(rows))

    def write_encoded(self, block: Encoded) -> None:
        for table, payload, n in block:
            self.write_table(table, payload)
            self.written[table] += n

    def write_table(self, table: str, payload: Any) -> None:
        raise NotImplementedError

    def reset(self, table_done: TableDone | None = None) -> None:
        """Empty every RAG table that exists."""
        raise NotImplementedError

    placeholder = "?"

    def update(self, table: str, rows: list[tuple[object, ...]], keys: tuple[str, ...]) -> None:
        """Rewrite rows in place, matched on their primary key columns."""
        cols = self.target.columns[table]
        setters = ", ".join(f"{c} = {self.placeholder}" for c in cols if c not in keys)
        where = " AND ".join(f"{c} = {self.placeholder}" for c in keys)
        order = [i for i, c in enumerate(cols) if c not in keys] + [cols.index(k) for k in keys]
        values = [tuple(v[i] for i in order) for v in self.encoder().params(table, rows)]
        self._executemany(f"UPDATE {table} SET {setters} WHERE {where}", values)

    def delete(self, table: str, keys: list[tuple[object, ...]], columns: tuple[str, ...]) -> None:
        where = " AND ".join(f"{c} = {self.placeholder}" for c in columns)
        self._executemany(f"DELETE FROM {table} WHERE {where}", keys)

    def _executemany(self, sql: str, values: list[tuple[Any, ...]]) -> None:
        if values:
            cur = self.raw.cursor()
            cur.executemany(sql, values)
            cur.close()

    @classmethod
    def before_begin(cls, raw: Any, *, emptying: bool = False) -> None:
        """Called on the DBAPI connection of a seed or reset before its transaction begins;
        emptying: the transaction will start by emptying the tables (reset)."""

    def exclusive(self) -> bool:
        """Whether this transaction keeps every other session from writing to the tables."""
        return False

    def prepare_bulk(self) -> None:
        """Called before the first block when the tables are empty: a chance to defer indexes."""

    def finish(self) -> None:
        """Called once after the last block, before commit."""
