"""What every embedder is: the engine's embeddings port (``embed_one``, ``embed_many``) plus a fast
path for seeding (``embed_array``), over one implementation per model (``_embed_into``).

Vectors are float32 and L2-normalised. ``embed_array`` returns an ``array('f')`` holding the rows
one after another (row i is ``[i * dim, (i + 1) * dim)``), in the machine's byte order;
:func:`le_bytes` gives the little-endian bytes to store or compare. ``embed_one`` and
``embed_many`` give the same float32 values as Python floats.
"""

from __future__ import annotations

import sys
from abc import ABC, abstractmethod
from array import array
from collections.abc import Sequence

if array("f").itemsize != 4:  # pragma: no cover - every platform CPython runs on
    raise ImportError("ragseed.embedders needs a 4-byte C float for array('f')")


def le_bytes(vectors: array) -> bytes:  # type: ignore[type-arg]
    """The little-endian float32 bytes of ``vectors`` (an ``array('f')``), on any machine."""
    if sys.byteorder == "big":  # pragma: no cover - no big-endian CI
        vectors = array("f", vectors)
        vectors.byteswap()
    return vectors.tobytes()


def rows(vectors: array, dim: int) -> list[list[float]]:  # type: ignore[type-arg]
    """The rows of a flat ``array('f')`` as lists of floats."""
    return [vectors[i : i + dim].tolist() for i in range(0, len(vectors), dim)]


class Embedder(ABC):
    """A text embedder: ``dim``-sized, L2-normalised float32 vectors, the same for the same text
    whatever the batch it comes in."""

    #: Size of every vector.
    dim: int
    #: The spec that rebuilds this embedder with :func:`~ragseed.embedders.load` (for the ledger).
    name: str

    def embed_array(self, texts: Sequence[str]) -> array:  # type: ignore[type-arg]
        """The vectors of ``texts`` as one flat ``array('f')`` of ``len(texts) * dim`` floats."""
        out = array("f", bytes(4 * self.dim * len(texts)))
        if texts:
            self._embed_into(texts, out)
        return out

    def embed_many(self, texts: Sequence[str]) -> list[list[float]]:
        return rows(self.embed_array(texts), self.dim)

    def embed_one(self, text: str) -> list[float]:
        return self.embed_array([text]).tolist()

    @abstractmethod
    def _embed_into(self, texts: Sequence[str], out: array) -> None:  # type: ignore[type-arg]
        """Write the vectors of ``texts`` into ``out`` (zeros, ``len(texts) * dim`` floats)."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} dim={self.dim}>"
