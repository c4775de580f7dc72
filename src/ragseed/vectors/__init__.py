"""The chunks' vectors, written beside the relational rows as a second sink (run/sinks.py):
`sqlite` (a chunk_embeddings table in the seeded file) and `pgvector` (the same table with a
vector column and an HNSW index), both inside the seed's transaction; `qdrant:PATH` or
`qdrant:http(s)://host:port` (the engine's Qdrant collection), written after the commit
(qdrant.py, docs/vectors.md).

Only chunks that documents use get a vector (never section parents), as the engine embeds them;
a chunk shared by several documents names the document indexed last, as the engine's upserts
leave it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.errors import ConfigError
from .block import VectorBlock, VectorEncoder

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from ..core.config import Config
    from ..core.plan import Plan
    from ..db.target import Target
    from ..run.sinks import Sink

STORES = ("sqlite", "pgvector", "qdrant:PATH", "qdrant:URL")
#: the vectors' table in the seeded database (sqlite and pgvector)
TABLE = "chunk_embeddings"

__all__ = ["STORES", "TABLE", "VectorBlock", "VectorEncoder", "empty", "open_store"]


def empty(conn: Connection) -> None:
    """Delete every vector in the seeded database, where there is a vector table."""
    from sqlalchemy import inspect

    if inspect(conn).has_table(TABLE):
        conn.exec_driver_sql(f"DELETE FROM {TABLE}")


def open_store(
    conn: Connection,
    config: Config,
    target: Target,
    *,
    config_hash: str = "",
    tenants: range | None = None,
    plan: Plan | None = None,
) -> Sink:
    """The vector sink `config.vectors` names, on this connection (inside its transaction).
    config_hash, tenants and plan are for Qdrant's after-commit ledger and --reset."""
    from ..embedders import load

    spec = config.vectors or ""
    embedder = load(config.embedder, dim=config.dim)
    encoder = VectorEncoder(target, config.embedder, config.dim, embedder.dim)
    if spec == "sqlite":
        if target.dialect != "sqlite":
            raise ConfigError("--vectors sqlite needs a SQLite database: use --vectors pgvector")
        from .sqlite import SqliteVectors

        return SqliteVectors(conn, encoder)
    if spec == "pgvector":
        if target.dialect != "postgresql":
            raise ConfigError("--vectors pgvector needs PostgreSQL: use --vectors sqlite")
        from .pgvector import PgVectors

        return PgVectors(conn, encoder)
    if spec.startswith("qdrant:"):
        try:
            import qdrant_client  # noqa: F401
        except ImportError:
            raise ConfigError(
                "--vectors qdrant needs qdrant-client: pip install qdrant-client"
            ) from None
        from .qdrant import QdrantVectors

        return QdrantVectors(
            conn, encoder, spec, config.collection, config_hash=config_hash,
            tenants=tenants if tenants is not None else range(config.num_users),
            plan_users=[plan.user_id(u) for u in range(plan.num_users)] if plan else [],
        )  # fmt: skip
    raise ConfigError(f"--vectors: unknown store {spec!r}: use {' or '.join(STORES)}")
