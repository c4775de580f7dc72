"""Vectors in Qdrant (qdrant-client), in the engine's layout: collection `chunks` (COSINE, size =
dim), point id = chunk id, payload exactly {"tenant_id", "document_id"}, a keyword index on
tenant_id with is_tenant.

No transaction spans PostgreSQL/SQLite and Qdrant (docs/vectors.md). The contract:

1. Inside the seed's transaction the sink only checks the collection (a size or distance that does
   not fit is a SchemaError before any row is written) and spools what it will write (upserts,
   deletions) to a temporary file. finish() adds a row to `ragseed_vector_sync` with status
   `vectors-pending`: the store (redacted), collection, embedder, dim, the seed's config hash,
   the tenant range and the vectors' digest.
2. The transaction commits (rows, ledger row and the pending row at once).
3. after_commit() applies the spool to Qdrant (upserts are idempotent: point id = chunk id), then
   marks the row `complete` in a second, short transaction.

A run killed between 2 and 3 leaves the row pending. The next run with the same configuration
finds it (pending_ranges), regenerates those tenants' blocks (deterministic) and upserts them,
deleting any other point of those tenants, then marks the row complete.
"""

from __future__ import annotations

import os
import pickle
import tempfile
import time
import uuid
from array import array
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table

from ..core.errors import ConfigError, LedgerError, SchemaError
from .block import VectorBlock, VectorEncoder
from .store import VectorStore

if TYPE_CHECKING:
    from sqlalchemy import Connection

#: Local mode (a folder, no server) writes a few hundred to 1,400 points/s (one SQLite commit per
#: point): meant for small seeds (docs/vectors.md, "Measured").
LOCAL_WARN_POINTS = 20_000
BATCH = 256
PENDING, COMPLETE, SUPERSEDED = "vectors-pending", "complete", "superseded"
TABLE = "ragseed_vector_sync"

_md = MetaData()
sync = Table(
    TABLE, _md,
    Column("id", String(36), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("store", String(512), nullable=False),
    Column("collection", String(255), nullable=False),
    Column("embedder", String(255), nullable=False),
    Column("dim", Integer, nullable=False),
    Column("config_hash", String(64), nullable=False),
    Column("tenant_start", Integer, nullable=False),
    Column("tenant_stop", Integer, nullable=False),
    Column("points", Integer, nullable=False),
    Column("digest", String(40), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
)  # fmt: skip


def ensure_sync(conn: Connection) -> None:
    """The after-commit ledger table (checkfirst)."""
    _md.create_all(conn)


def location(spec: str) -> tuple[str, str]:
    """("url", URL) or ("path", PATH) from qdrant:URL / qdrant:PATH."""
    rest = spec.removeprefix("qdrant:")
    if rest.startswith(("http://", "https://")):
        return "url", rest
    if not rest:
        raise ConfigError("--vectors qdrant: needs a path or http(s)://host:port")
    return "path", os.path.abspath(os.path.expanduser(rest))


def redacted(spec: str) -> str:
    from ..core.config import redact_store

    kind, where = location(spec)
    return "qdrant:" + (redact_store(where) if kind == "url" else where)


def connect(spec: str, wait: float = 600.0) -> Any:
    """A client. Local mode locks its folder to one client at a time (shards wait their turn)."""
    from qdrant_client import QdrantClient

    kind, where = location(spec)
    if kind == "url":
        return QdrantClient(url=where, api_key=os.environ.get("RAGSEED_QDRANT_API_KEY"))
    deadline = time.monotonic() + wait
    while True:
        try:
            return QdrantClient(path=where)
        except RuntimeError as exc:
            if "already accessed" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def check_collection(client: Any, collection: str, dim: int) -> bool:
    """Whether the collection exists; one that exists with another layout is a SchemaError."""
    from qdrant_client import models

    if not client.collection_exists(collection):
        return False
    vectors = client.get_collection(collection).config.params.vectors
    if not isinstance(vectors, models.VectorParams):
        raise SchemaError(
            f"Qdrant collection {collection!r} has named vectors, not one unnamed COSINE vector "
            f"of size {dim}: use --collection to pick another, or delete it"
        )
    if vectors.size != dim or vectors.distance != models.Distance.COSINE:
        raise SchemaError(
            f"Qdrant collection {collection!r} holds {vectors.distance.value} vectors of size "
            f"{vectors.size}, not Cosine of size {dim}: pass --dim {vectors.size} (and the "
            "embedder that made them), use --collection to pick another, or delete it"
        )
    return True


def points(block: VectorBlock) -> Any:
    from qdrant_client import models

    floats = array("f", block.vectors)  # little-endian float32 (block.py)
    import sys

    if sys.byteorder == "big":
        floats.byteswap()
    values = floats.tolist()
    d = block.dim
    return models.Batch(
        ids=list(block.chunk_ids),
        vectors=[values[i * d : (i + 1) * d] for i in range(len(block.chunk_ids))],
        payloads=[
            {"tenant_id": u, "document_id": doc}
            for u, doc in zip(block.user_ids, block.document_ids, strict=True)
        ],
    )


def tenant_filter(tenants: list[str]) -> Any:
    from qdrant_client import models

    return models.Filter(
        must=[models.FieldCondition(key="tenant_id", match=models.MatchAny(any=tenants))]
    )


class QdrantVectors(VectorStore):
    """A sink whose writes happen after the relational commit (see the module's docstring)."""

    def __init__(
        self,
        conn: Connection,
        encoder: VectorEncoder,
        spec: str,
        collection: str,
        *,
        config_hash: str,
        tenants: range,
        plan_users: list[str],
    ) -> None:
        self.conn = conn
        super().__init__(encoder, {})  # no table of the database: see points
        self.spec, self.store = spec, redacted(spec)
        self.local = location(spec)[0] == "path"
        self.collection = collection
        self.config_hash = config_hash
        self.tenants = tenants
        self.points = 0
        self.repaired_points = 0  # rewritten for runs killed before their points were written
        self.bulk = False
        self.reset_done = False
        self._finished_row: str | None = None
        self._repaired: list[str] = []
        self._spool = tempfile.TemporaryFile(prefix="ragseed-qdrant-")  # noqa: SIM115 (closed by after_commit)
        self._ops = 0
        client = connect(spec)
        try:
            check_collection(client, collection, encoder.dim)
        finally:
            client.close()
        ensure_sync(conn)
        from sqlalchemy import inspect, text

        self._users = set(plan_users)
        if inspect(conn).has_table("users"):  # this database's tenants, for --reset
            self._users |= {str(r[0]) for r in conn.execute(text("SELECT id FROM users"))}

    # --- what the seed's transaction calls -------------------------------------------------

    def _put(self, op: tuple[Any, ...]) -> None:
        pickle.dump(op, self._spool, protocol=pickle.HIGHEST_PROTOCOL)
        self._ops += 1

    def reset(self) -> None:
        """Only the points of this database's tenants and the plan's: never other points."""
        if self._users:
            self._put(("delete_tenants", sorted(self._users)))
        self.reset_done = True

    def prepare_bulk(self) -> None:
        self.bulk = True  # indexing deferred during the upload (after_commit)

    def write_encoded(self, block: VectorBlock) -> None:
        if not block.chunk_ids:
            return
        self._put(("upsert", block))
        self.points += len(block.chunk_ids)
        self.digest += block.digest

    def delete(self, table: str, keys: list[tuple[object, ...]], columns: tuple[str, ...]) -> None:
        if table == "chunk_store" and keys:
            self._put(("delete_ids", [str(k[0]) for k in keys]))

    def pending_ranges(self, reset: bool) -> list[range]:
        """Tenant ranges of earlier runs into this store and collection whose points may be
        half-written, that this run must repair; with --reset none (it rewrites them)."""
        from sqlalchemy import select

        rows = self.conn.execute(
            select(sync).where(
                sync.c.status == PENDING,
                sync.c.store == self.store,
                sync.c.collection == self.collection,
            )
        ).mappings()
        out = []
        for r in rows:
            if r["tenant_start"] < self.tenants.start or r["tenant_stop"] > self.tenants.stop:
                continue  # another shard's, maybe still writing
            if reset:
                self._repaired.append(r["id"])  # superseded by this run's reset
                continue
            if r["config_hash"] != self.config_hash:
                raise LedgerError(
                    f"the Qdrant points of an earlier run (sync {r['id'][:8]}, tenants "
                    f"{r['tenant_start']}-{r['tenant_stop'] - 1}) were not all written and "
                    "that run had another configuration: re-run it to repair them, or add --reset"
                )
            self._repaired.append(r["id"])
            out.append(range(r["tenant_start"], r["tenant_stop"]))
        return out

    def repair_encoded(self, block: VectorBlock) -> None:
        """A regenerated block of a pending range: upsert it and drop its tenants' other points."""
        if block.chunk_ids:
            self._put(("upsert", block))
            self._put(("prune", sorted(set(block.user_ids)), list(block.chunk_ids)))
            self.repaired_points += len(block.chunk_ids)

    def finish(self) -> None:
        from sqlalchemy import insert

        self._finished_row = str(uuid.uuid4())
        self.conn.execute(
            insert(sync).values(
                id=self._finished_row, status=PENDING, store=self.store,
                collection=self.collection, embedder=self._encoder.embedder,
                dim=self._encoder.dim, config_hash=self.config_hash,
                tenant_start=self.tenants.start, tenant_stop=self.tenants.stop,
                points=self.points, digest=f"{self.digest % (1 << 128):032x}",
                created_at=datetime.now(UTC),
            )
        )  # fmt: skip

    def exclusive(self) -> bool:
        return True  # it adds no relational rows that the counts read

    def notes(self) -> list[str]:
        n = self.points
        out = []
        if self._repaired and not self.reset_done:
            out.append(
                f"repaired the Qdrant points of {len(self._repaired)} earlier run(s) killed after "
                f"their commit: {self.repaired_points:,} points upserted again"
            )
        if self.local and n > LOCAL_WARN_POINTS:
            out.append(
                f"Qdrant local mode wrote {n:,} points (at most ~1,400/s): it is meant for small "
                "seeds; use a server (--vectors qdrant:http://host:6333) for more"
            )
        return out

    # --- after the commit ------------------------------------------------------------------

    def after_commit(self, url: str) -> tuple[dict[str, int], list[str]]:
        """Apply the spool to Qdrant, then mark the sync rows complete. Returns the points this
        run wrote (as result counts) and its notes."""
        rows = [r for r in (self._finished_row, *self._repaired) if r is not None]
        if not rows and not self._ops:
            self._spool.close()
            return {}, []
        client = connect(self.spec)
        try:
            self._apply(client)
        finally:
            client.close()
            self._spool.close()
        from sqlalchemy import update

        from ..db.engine import transaction

        with transaction(url) as conn:
            now = datetime.now(UTC)
            if self._finished_row is not None:
                conn.execute(
                    update(sync).where(sync.c.id == self._finished_row)
                    .values(status=COMPLETE, finished_at=now)
                )  # fmt: skip
            if self._repaired:
                status = SUPERSEDED if self.reset_done else COMPLETE
                conn.execute(
                    update(sync).where(sync.c.id.in_(self._repaired))
                    .values(status=status, finished_at=now)
                )  # fmt: skip
        return {"qdrant_points": self.points}, self.notes()

    def _apply(self, client: Any) -> None:
        from qdrant_client import models

        if not client.collection_exists(self.collection):
            client.create_collection(
                self.collection,
                vectors_config=models.VectorParams(
                    size=self._encoder.dim, distance=models.Distance.COSINE
                ),
            )
        else:
            check_collection(client, self.collection, self._encoder.dim)
        if not self.local:  # local mode has no payload indexes (qdrant-client warns)
            client.create_payload_index(
                self.collection, "tenant_id",
                field_schema=models.KeywordIndexParams(
                    type=models.KeywordIndexType.KEYWORD, is_tenant=True
                ),
            )  # fmt: skip
        threshold = None
        if self.bulk and not self.local:
            # Qdrant's bulk-upload advice: no indexing during the upload, back to what it was after.
            info = client.get_collection(self.collection)
            threshold = info.config.optimizer_config.indexing_threshold
            client.update_collection(
                self.collection, optimizers_config=models.OptimizersConfigDiff(indexing_threshold=0)
            )
        try:
            self._spool.seek(0)
            for _ in range(self._ops):
                self._op(client, pickle.load(self._spool))
        finally:
            if threshold is not None or (self.bulk and not self.local):
                client.update_collection(
                    self.collection,
                    optimizers_config=models.OptimizersConfigDiff(
                        indexing_threshold=threshold if threshold is not None else 20_000
                    ),
                )

    def _op(self, client: Any, op: tuple[Any, ...]) -> None:
        from qdrant_client import models

        kind = op[0]
        if kind == "upsert":
            block: VectorBlock = op[1]
            for start in range(0, len(block.chunk_ids), BATCH):
                part = VectorBlock(
                    block.chunk_ids[start : start + BATCH],
                    block.user_ids[start : start + BATCH],
                    block.document_ids[start : start + BATCH],
                    block.dim,
                    block.vectors[start * 4 * block.dim : (start + BATCH) * 4 * block.dim],
                    0,
                )
                client.upsert(self.collection, points=points(part), wait=True)
        elif kind == "delete_ids":
            client.delete(
                self.collection, points_selector=models.PointIdsList(points=op[1]), wait=True
            )
        elif kind == "delete_tenants":
            for start in range(0, len(op[1]), 1000):
                client.delete(
                    self.collection,
                    points_selector=models.FilterSelector(
                        filter=tenant_filter(op[1][start : start + 1000])
                    ),
                    wait=True,
                )
        elif kind == "prune":
            flt = tenant_filter(op[1])
            flt.must_not = [models.HasIdCondition(has_id=op[2])]
            client.delete(self.collection, points_selector=models.FilterSelector(filter=flt))
