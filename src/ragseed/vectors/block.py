"""A block's vectors, computed where the block is generated (a producer process): which chunks,
their tenant and document, and their float32 vectors as one little-endian buffer."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from hashlib import sha256
from typing import TYPE_CHECKING, Any

from ..core.rows import Rows

if TYPE_CHECKING:
    from ..db.target import Target


@dataclass(frozen=True)
class VectorBlock:
    chunk_ids: list[str]
    user_ids: list[str]
    document_ids: list[str]
    dim: int
    vectors: bytes  # len(chunk_ids) * dim little-endian float32
    digest: int  # sum over chunks of their 128-bit hashes (order-free, like the fingerprint)

    def vector(self, i: int) -> bytes:
        size = 4 * self.dim
        return self.vectors[i * size : (i + 1) * size]


@cache
def _embedder(spec: str, dim: int | None) -> Any:
    from ..embedders import load  # once per process: models are loaded once

    return load(spec, dim=dim)


@dataclass(frozen=True)
class VectorEncoder:
    """Picklable: runs in the producer processes, so embedding overlaps the database's work."""

    target: Target
    embedder: str
    requested_dim: int | None
    dim: int

    def tables(self) -> list[str]:
        return self.target.tables()

    def encode(self, rows: Rows) -> VectorBlock:
        text = {str(r[0]): str(r[3]) for r in rows.get("chunk_store", [])}
        owner = {str(r[0]): str(r[1]) for r in rows.get("chunk_store", [])}
        last: dict[str, str] = {}
        for doc, _ord, cid in rows.get("document_chunks", []):
            last[str(cid)] = str(doc)  # documents come in the order the engine indexes them
        # A chunk written by an earlier run (a top-up's new document reusing it) has its vector.
        ids = [cid for cid in last if cid in text]
        from ..embedders import le_bytes

        embedder = _embedder(self.embedder, self.requested_dim)
        blob = le_bytes(embedder.embed_array([text[c] for c in ids]))
        block = VectorBlock(ids, [owner[c] for c in ids], [last[c] for c in ids], self.dim, blob, 0)
        digest = 0
        for i, cid in enumerate(ids):
            h = sha256(f"{cid}|{block.user_ids[i]}|{block.document_ids[i]}|".encode())
            h.update(block.vector(i))
            digest += int.from_bytes(h.digest()[:16], "big")
        return VectorBlock(
            block.chunk_ids, block.user_ids, block.document_ids, self.dim, blob, digest
        )
