"""The loader contract: write FK-ordered blocks of rows inside the caller's transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..generate.rows import Rows
from ..schema import TABLES

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from ..target import Target


class Loader:
    """Writes rows through the DBAPI connection under `conn`. Never commits: the caller does."""

    def __init__(self, conn: Connection, target: Target) -> None:
        self.conn = conn
        self.target = target
        self.raw: Any = conn.connection.driver_connection
        self.written: dict[str, int] = dict.fromkeys(target.columns, 0)

    def tables(self) -> list[str]:
        return [t for t in TABLES if t in self.target.columns]

    def write(self, rows: Rows) -> None:
        for table in self.tables():
            batch = rows.get(table)
            if batch:
                self.write_table(table, batch)
                self.written[table] += len(batch)

    def write_table(self, table: str, rows: list[tuple[object, ...]]) -> None:
        raise NotImplementedError

    def reset(self) -> None:
        """Empty every RAG table that exists."""
        raise NotImplementedError

    def finish(self) -> None:
        """Called once after the last block, before commit."""
