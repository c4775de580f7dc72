"""Embedders: text -> L2-normalised float32 vectors, for the engine's embeddings column and for
the questions the engine embeds at query time (docs/embedders.md).

    from ragseed.embedders import load
    embedder = load("hash")            # or "hash:384", "wordllama", "openai:MODEL", dim=N
    embedder.embed_one("How do I rotate the API key?")   # list[float], len == embedder.dim

This layer imports only ragseed.core; the optional models import their packages when loaded.
"""

from __future__ import annotations

from .base import Embedder, le_bytes, rows
from .hash_embedder import DEFAULT_DIM, HashEmbedder
from .projection import Projected
from .registry import load

__all__ = ["DEFAULT_DIM", "Embedder", "HashEmbedder", "Projected", "le_bytes", "load", "rows"]
