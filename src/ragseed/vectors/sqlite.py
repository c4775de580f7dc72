"""Vectors in the seeded SQLite file: a plain table whose embedding is a little-endian float32
BLOB (sqlite-vec's format), so any reader can use it without an extension."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..core.rows import Rows
from .block import VectorBlock, VectorEncoder

if TYPE_CHECKING:
    from sqlalchemy import Connection

TABLE = "chunk_embeddings"
DDL = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (chunk_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, "
    "document_id TEXT NOT NULL, embedding BLOB NOT NULL)",
    f"CREATE INDEX IF NOT EXISTS ix_{TABLE}_user_id ON {TABLE} (user_id)",
)


class SqliteVectors:
    def __init__(self, conn: Connection, encoder: VectorEncoder) -> None:
        self.raw: Any = conn.connection.driver_connection
        assert self.raw is not None
        self._encoder = encoder
        self.written = {TABLE: 0}
        self.digest = 0
        for ddl in DDL:
            self.raw.execute(ddl)

    def encoder(self) -> VectorEncoder:
        return self._encoder

    def reset(self) -> None:
        self.raw.execute(f"DELETE FROM {TABLE}")

    def prepare_bulk(self) -> None:
        pass

    def write_encoded(self, block: VectorBlock) -> None:
        rows = [
            (cid, block.user_ids[i], block.document_ids[i], block.vector(i))
            for i, cid in enumerate(block.chunk_ids)
        ]
        # A chunk a later document reuses names that document, as the engine's upsert does.
        self.raw.executemany(
            f"INSERT INTO {TABLE} VALUES (?, ?, ?, ?) ON CONFLICT (chunk_id) DO UPDATE SET "
            "document_id = excluded.document_id, embedding = excluded.embedding",
            rows,
        )
        self.written[TABLE] += len(rows)
        self.digest += block.digest

    def write(self, rows: Rows) -> None:
        self.write_encoded(self._encoder.encode(rows))

    def update(self, table: str, rows: list[tuple[object, ...]], keys: tuple[str, ...]) -> None:
        pass  # a chunk's text never changes in place: its vector stays

    def delete(self, table: str, keys: list[tuple[object, ...]], columns: tuple[str, ...]) -> None:
        if table == "chunk_store":
            self.raw.executemany(f"DELETE FROM {TABLE} WHERE chunk_id = ?", keys)

    def finish(self) -> None:
        pass

    def exclusive(self) -> bool:
        return True  # BEGIN IMMEDIATE holds SQLite's only write lock
