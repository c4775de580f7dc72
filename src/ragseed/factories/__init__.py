"""factory_boy factories for the RAG tables, built on the generators `ragseed seed` uses.

    from ragseed import factories as F

    with F.bind(session):
        user = F.UserFactory(documents=3)            # a tenant with 3 indexed documents
        doc = F.DocumentFactory(user=user, failed=True)
        chat = F.ChatSessionFactory(user=user, turns=2)  # sources are the user's chunk ids
    F.bulk(session, users=100, docs_per_user=5, seed=7)  # the seed's fast loader

Determinism: an object is a pure function of (seed, key, settings). See keys.py for the default
key and generation.py for how keys map to tenants.
"""

from .bulk import BulkResult, bulk, bulk_config
from .definitions import (
    ChatSessionFactory,
    ChatTurnFactory,
    ChunkFactory,
    DocumentChunkFactory,
    DocumentFactory,
    TripletFactory,
    UserFactory,
)
from .generation import FACTORY_BASE, tenant_index, user_object
from .keys import current_scope, key_scope, next_key
from .objects import ChatSession, ChatTurn, Chunk, Document, DocumentChunk, Triplet, User, as_row
from .store import bind

__all__ = [
    "FACTORY_BASE",
    "BulkResult",
    "ChatSession",
    "ChatSessionFactory",
    "ChatTurn",
    "ChatTurnFactory",
    "Chunk",
    "ChunkFactory",
    "Document",
    "DocumentChunk",
    "DocumentChunkFactory",
    "DocumentFactory",
    "Triplet",
    "TripletFactory",
    "User",
    "UserFactory",
    "as_row",
    "bind",
    "bulk",
    "bulk_config",
    "current_scope",
    "key_scope",
    "next_key",
    "tenant_index",
    "user_object",
]
