"""The canonical column order of every generated row, and timestamp text.

Generators emit plain tuples in these orders; loaders project them onto the columns that exist.
Timestamps are UTC text 'YYYY-MM-DD HH:MM:SS': SQLAlchemy's SQLite storage format, and valid
PostgreSQL timestamptz input once '+00' is appended.
"""

from __future__ import annotations

import time

COLUMNS: dict[str, tuple[str, ...]] = {
    "users": ("id", "email", "api_key", "created_at"),
    "documents": (
        "id", "user_id", "filename", "content_type", "file_path", "size_bytes", "file_sha256",
        "status", "error", "created_at", "updated_at",
    ),
    "chunk_store": ("id", "user_id", "chunk_hash", "text", "parent_id", "chunk_context",
                    "created_at"),
    "document_chunks": ("document_id", "ord", "chunk_id"),
    "chat_sessions": ("id", "user_id", "title", "created_at"),
    "chat_turns": (
        "id", "session_id", "user_id", "question", "answer", "sources", "retrieval_k",
        "embed_ms", "search_ms", "llm_ms", "prompt_tokens", "completion_tokens", "created_at",
    ),
    "graph_triplets": ("user_id", "document_id", "chunk_id", "subject", "relation", "obj",
                       "created_at"),
}  # fmt: skip

#: Columns whose values are timestamps (formatted per backend by the loaders).
TIMESTAMP_COLUMNS = frozenset({"created_at", "updated_at"})

Row = tuple[object, ...]
Rows = dict[str, list[Row]]


def empty_rows() -> Rows:
    return {table: [] for table in COLUMNS}


class Clock:
    """Turns 'seconds after the anchor' into timestamp text, without reading the wall clock."""

    def __init__(self, anchor_epoch: int) -> None:
        self.anchor = anchor_epoch

    def __call__(self, offset: int) -> str:
        return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(self.anchor + offset))
