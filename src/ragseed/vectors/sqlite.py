"""Vectors in the seeded SQLite file: a plain table whose embedding is a little-endian float32
BLOB (sqlite-vec's format), so any reader can use it without an extension."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .block import VectorBlock, VectorEncoder
from .store import VectorStore

if TYPE_CHECKING:
    from sqlalchemy import Connection

TABLE = "chunk_embeddings"
DDL = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (chunk_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, "
    "document_id TEXT NOT NULL, embedding BLOB NOT NULL)",
    f"CREATE INDEX IF NOT EXISTS ix_{TABLE}_user_id ON {TABLE} (user_id)",
)


class SqliteVectors(VectorStore):
    def __init__(self, conn: Connection, encoder: VectorEncoder) -> None:
        self.raw: Any = conn.connection.driver_connection
        assert self.raw is not None
        super().__init__(encoder, {TABLE: 0})
        for ddl in DDL:
            self.raw.execute(ddl)

    def reset(self) -> None:
        self.raw.execute(f"DELETE FROM {TABLE}")

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

    def delete(self, table: str, keys: list[tuple[object, ...]], columns: tuple[str, ...]) -> None:
        if table == "chunk_store":
            self.raw.executemany(f"DELETE FROM {TABLE} WHERE chunk_id = ?", keys)

    def exclusive(self) -> bool:
        return True  # BEGIN IMMEDIATE holds SQLite's only write lock
