"""The RAG engine's tables (shared/schema.md), as SQLAlchemy Core tables.

`build_metadata(dialect)` gives the PostgreSQL shape (tsvector generated column with a GIN index,
varchar(36)[] sources) or the SQLite shape (no tsv, sources as a JSON array).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Computed,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR

#: FK order: parents before children. Loaders write and truncate by this list.
CORE_TABLES = (
    "users",
    "documents",
    "chunk_store",
    "document_chunks",
    "chat_sessions",
    "chat_turns",
)
OPTIONAL_TABLES = ("graph_triplets",)
TABLES = CORE_TABLES + OPTIONAL_TABLES

#: Columns filled only where they exist (stage 2); every other column ragseed writes is required.
OPTIONAL_COLUMNS = {"chunk_store": ("parent_id", "chunk_context")}


def _ts(name: str, nullable: bool = True) -> Column[object]:
    return Column(name, DateTime(timezone=True), nullable=nullable, server_default=func.now())


def _fk(target: str) -> ForeignKey:
    return ForeignKey(target, ondelete="CASCADE")


def build_metadata(dialect: str = "postgresql") -> MetaData:
    pg = dialect == "postgresql"
    md = MetaData()
    Table(
        "users", md,
        Column("id", String(36), primary_key=True),
        Column("email", String(320), nullable=False, unique=True, index=True),
        Column("api_key", String(128), nullable=False, unique=True, index=True),
        _ts("created_at"),
    )  # fmt: skip
    Table(
        "documents", md,
        Column("id", String(36), primary_key=True),
        Column("user_id", String(36), _fk("users.id"), nullable=False,
               index=True),
        Column("filename", String(512), nullable=False),
        Column("content_type", String(128), nullable=False),
        Column("file_path", Text, nullable=False),
        Column("size_bytes", Integer, nullable=False),
        Column("file_sha256", String(64), nullable=True),
        Column("status", String(32), nullable=False, server_default=text("'created'")),
        Column("error", Text, nullable=True),
        _ts("created_at"),
        _ts("updated_at"),
        UniqueConstraint("user_id", "file_sha256", name="uq_documents_user_sha256"),
    )  # fmt: skip
    chunk_cols: list[Any] = [
        Column("id", String(36), primary_key=True),
        Column("user_id", String(36), _fk("users.id"), nullable=False,
               index=True),
        Column("chunk_hash", String(64), nullable=False),
        Column("text", Text, nullable=False),
        Column("parent_id", String(36), ForeignKey("chunk_store.id", ondelete="SET NULL"),
               nullable=True),
        Column("chunk_context", Text, nullable=True),
        _ts("created_at"),
        UniqueConstraint("user_id", "chunk_hash", name="uq_chunk_store_user_hash"),
    ]  # fmt: skip
    if pg:
        chunk_cols.insert(4, Column(
            "tsv", TSVECTOR,
            Computed("to_tsvector('simple', coalesce(text, ''))", persisted=True),
        ))  # fmt: skip
    chunks = Table("chunk_store", md, *chunk_cols)
    if pg:
        Index("ix_chunk_store_tsv", chunks.c.tsv, postgresql_using="gin")
    Table(
        "document_chunks", md,
        Column("document_id", String(36), _fk("documents.id"),
               primary_key=True, index=True),
        Column("ord", Integer, primary_key=True),
        Column("chunk_id", String(36), _fk("chunk_store.id"), nullable=False,
               index=True),
    )  # fmt: skip
    Table(
        "chat_sessions", md,
        Column("id", String(36), primary_key=True),
        Column("user_id", String(36), _fk("users.id"), nullable=False,
               index=True),
        Column("title", String(256), nullable=True),
        _ts("created_at"),
    )  # fmt: skip
    Table(
        "chat_turns", md,
        Column("id", String(36), primary_key=True),
        Column("session_id", String(36), _fk("chat_sessions.id"),
               nullable=False, index=True),
        Column("user_id", String(36), nullable=False, index=True),  # no FK, as in the engine
        Column("question", Text, nullable=False),
        Column("answer", Text, nullable=False),
        Column("sources", ARRAY(String(36)) if pg else JSON(), nullable=False),
        Column("retrieval_k", Integer, nullable=False, server_default=text("0")),
        Column("embed_ms", Integer), Column("search_ms", Integer), Column("llm_ms", Integer),
        Column("prompt_tokens", Integer), Column("completion_tokens", Integer),
        _ts("created_at"),
    )  # fmt: skip
    Table(
        "graph_triplets", md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("user_id", String(36), _fk("users.id"), nullable=False,
               index=True),
        Column("document_id", String(36), _fk("documents.id"),
               nullable=False, index=True),
        Column("chunk_id", String(36), _fk("chunk_store.id"), nullable=False),
        Column("subject", String(256), nullable=False, index=True),
        Column("relation", String(256), nullable=False),
        Column("obj", String(256), nullable=False, index=True),
        _ts("created_at", nullable=False),
    )  # fmt: skip
    return md
