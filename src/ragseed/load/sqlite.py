"""SQLite: large executemany batches on the raw sqlite3 connection, inside one transaction."""

from __future__ import annotations

import json
from operator import itemgetter
from typing import Any

from ..generate.rows import Row
from .base import Encoder, Loader


class SqliteEncoder(Encoder):
    def encode_table(self, table: str, rows: list[Row]) -> list[tuple[Any, ...]]:
        proj = self.target.projection(table)
        pick = itemgetter(*proj)
        values = [pick(r) for r in rows] if len(proj) > 1 else [(r[proj[0]],) for r in rows]
        cols = self.target.columns[table]
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

    def prepare_bulk(self) -> None:
        # A bigger page cache saves I/O while the indexes grow; atomicity is unchanged.
        self.raw.execute("PRAGMA cache_size = -65536")  # 64 MiB: bounded RSS
