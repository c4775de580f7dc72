"""Vectors in the seeded PostgreSQL, with pgvector: `chunk_embeddings(embedding vector(d))`, a
foreign key to chunk_store, binary COPY (text COPY is bound by Python's float formatting), and
an HNSW index (cosine) built after the load with the memory its graph needs."""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING, Any

from ..core.errors import SchemaError
from ..core.rows import Rows
from .block import VectorBlock, VectorEncoder
from .store import VectorStore

if TYPE_CHECKING:
    from sqlalchemy import Connection

TABLE = "chunk_embeddings"
INDEX = f"ix_{TABLE}_hnsw"
_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
_TRAILER = struct.pack("!h", -1)


def copy_payload(block: VectorBlock) -> bytes:
    """The block as PostgreSQL's binary COPY format: per row four fields, three texts and a
    pgvector value (int16 dim, int16 unused, dim big-endian float4)."""
    import sys
    from array import array

    out = [_HEADER]
    size = 4 * block.dim
    vec_head = struct.pack("!ihh", 4 + size, block.dim, 0)
    for i, cid in enumerate(block.chunk_ids):
        values = array("f", block.vector(i))  # little-endian float32 -> big-endian for COPY
        if sys.byteorder == "little":
            values.byteswap()
        out.append(struct.pack("!h", 4))
        for text in (cid, block.user_ids[i], block.document_ids[i]):
            raw = text.encode()
            out.append(struct.pack("!i", len(raw)) + raw)
        out.append(vec_head + values.tobytes())
    out.append(_TRAILER)
    return b"".join(out)


def maintenance_memory(rows: int, dim: int) -> str:
    """Enough for the HNSW graph to stay in memory (a build that spills took 3.5x longer):
    about twice the vectors' size, at least 64 MB."""
    mb = max(64, (rows * (4 * dim + 120) * 2) >> 20)
    return f"{mb}MB"


class PgVectors(VectorStore):
    def __init__(self, conn: Connection, encoder: VectorEncoder) -> None:
        self.raw: Any = conn.connection.driver_connection
        super().__init__(encoder, {TABLE: 0})
        self.freeze = False
        self._foreign_key: str | None = None  # dropped by prepare_bulk, added back by finish
        self._ensure(encoder.dim)

    def _execute(self, sql: str, params: Any = None) -> list[Any]:
        with self.raw.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall() if cur.description else []

    def _ensure(self, dim: int) -> None:
        import psycopg

        if not self._execute("SELECT 1 FROM pg_extension WHERE extname = 'vector'"):
            try:
                self._execute("SAVEPOINT ragseed_vector")
                self._execute("CREATE EXTENSION IF NOT EXISTS vector")
                self._execute("RELEASE SAVEPOINT ragseed_vector")
            except psycopg.Error as exc:
                self._execute("ROLLBACK TO SAVEPOINT ragseed_vector")
                raise SchemaError(
                    "--vectors pgvector: the database has no pgvector extension and this role "
                    f"cannot create it ({exc.diag.message_primary}): run CREATE EXTENSION vector "
                    "as a superuser, or use --vectors sqlite"
                ) from None
        found = self._execute(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = to_regclass(%s) AND attname = 'embedding'",
            (TABLE,),
        )
        if found and found[0][0] != f"vector({dim})":
            raise SchemaError(
                f"{TABLE}.embedding is {found[0][0]}, not vector({dim}): pass --dim to match it, "
                f"or drop the table"
            )
        self._execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (chunk_id varchar(36) PRIMARY KEY "
            "REFERENCES chunk_store (id) ON DELETE CASCADE, user_id varchar(36) NOT NULL, "
            f"document_id varchar(36) NOT NULL, embedding vector({dim}) NOT NULL)"
        )
        self._execute(f"CREATE INDEX IF NOT EXISTS ix_{TABLE}_user_id ON {TABLE} (user_id)")

    def reset(self) -> None:
        self._execute(f"TRUNCATE {TABLE}")

    def prepare_bulk(self) -> None:
        """Into an empty table: FREEZE (truncated in this transaction), the index built once
        after. Runs before the relational loader's (run/sinks.py): the foreign key to
        chunk_store goes first, or the loader could neither truncate chunk_store nor drop its key;
        finish puts it back once chunk_store's key is rebuilt."""
        self._execute(f"TRUNCATE {TABLE}")
        self._execute(f"DROP INDEX IF EXISTS {INDEX}")
        for (name,) in self._execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = to_regclass(%s) AND contype = 'f'",
            (TABLE,),
        ):
            self._execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT {name}")
            self._foreign_key = name
        self.freeze = True

    def write_encoded(self, block: VectorBlock) -> None:
        if not block.chunk_ids:
            return
        cols = "chunk_id, user_id, document_id, embedding"
        opts = "FORMAT binary, FREEZE" if self.freeze else "FORMAT binary"
        with self.raw.cursor() as cur, cur.copy(f"COPY {TABLE} ({cols}) FROM STDIN ({opts})") as cp:
            cp.write(copy_payload(block))
        self.written[TABLE] += len(block.chunk_ids)
        self.digest += block.digest

    def write(self, rows: Rows) -> None:
        block = self._encoder.encode(rows)
        if not block.chunk_ids:
            return
        # A top-up: chunks that exist keep their row; a reused chunk names its newest document.
        self._execute(
            f"CREATE TEMP TABLE IF NOT EXISTS ragseed_new_vectors (LIKE {TABLE}) ON COMMIT DROP"
        )
        self._execute("TRUNCATE ragseed_new_vectors")
        with (
            self.raw.cursor() as cur,
            cur.copy(
                "COPY ragseed_new_vectors (chunk_id, user_id, document_id, embedding) FROM STDIN "
                "(FORMAT binary)"
            ) as cp,
        ):
            cp.write(copy_payload(block))
        self._execute(
            f"INSERT INTO {TABLE} SELECT * FROM ragseed_new_vectors ON CONFLICT (chunk_id) "
            "DO UPDATE SET document_id = excluded.document_id, embedding = excluded.embedding"
        )
        self.written[TABLE] += len(block.chunk_ids)
        self.digest += block.digest

    def delete(self, table: str, keys: list[tuple[object, ...]], columns: tuple[str, ...]) -> None:
        pass  # ON DELETE CASCADE from chunk_store

    def finish(self) -> None:
        if self._foreign_key is not None:
            self._execute(
                f"ALTER TABLE {TABLE} ADD CONSTRAINT {self._foreign_key} FOREIGN KEY (chunk_id) "
                "REFERENCES chunk_store (id) ON DELETE CASCADE"
            )
            self._foreign_key = None
        n = int(self._execute(f"SELECT count(*) FROM {TABLE}")[0][0])
        self._execute(
            f"SET LOCAL maintenance_work_mem = '{maintenance_memory(n, self._encoder.dim)}'"
        )
        self._execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON {TABLE} "
            "USING hnsw (embedding vector_cosine_ops)"
        )

    def exclusive(self) -> bool:
        return self.freeze
