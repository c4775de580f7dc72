"""Helpers the tests share: read every seeded row back in a backend-neutral form."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import create_engine, inspect, text

from ragseed.core.rows import COLUMNS
from ragseed.db.urls import normalize

ORDER = {
    "users": "id",
    "documents": "id",
    "chunk_store": "id",
    "document_chunks": "document_id, ord",
    "chat_sessions": "id",
    "chat_turns": "id",
    "graph_triplets": "chunk_id, subject, relation, obj",
}


def _norm(value: Any) -> Any:
    if hasattr(value, "isoformat"):  # PostgreSQL gives datetimes, SQLite gives text
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, str) and value.startswith("["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def dump(url: str, tables: tuple[str, ...] = tuple(COLUMNS)) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the RAG tables, ordered, with canonical columns (no tsv, no serial ids)."""
    engine = create_engine(normalize(url))
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        existing = set(inspect(conn).get_table_names())
        for table in tables:
            if table not in existing:
                continue
            have = {c["name"] for c in inspect(conn).get_columns(table)}
            cols = [c for c in COLUMNS[table] if c in have]
            rows = conn.execute(
                text(f"SELECT {', '.join(cols)} FROM {table} ORDER BY {ORDER[table]}")
            ).all()
            out[table] = [tuple(_norm(v) for v in row) for row in rows]
    engine.dispose()
    return out


def scalar(url: str, sql: str, **params: Any) -> Any:
    engine = create_engine(normalize(url))
    with engine.connect() as conn:
        value = conn.execute(text(sql), params).scalar()
    engine.dispose()
    return value


def execute(url: str, *statements: str) -> None:
    engine = create_engine(normalize(url))
    with engine.begin() as conn:
        for sql in statements:
            conn.exec_driver_sql(sql)
    engine.dispose()


def schema_snapshot(url: str) -> list[tuple[str, ...]]:
    """Every index and constraint definition, to check that a bulk load put them all back."""
    engine = create_engine(normalize(url))
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.execute(text(
                "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master "
                "WHERE type IN ('index', 'table') ORDER BY 1, 2"
            )).all()  # fmt: skip
        else:
            rows = conn.execute(text(
                "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' UNION ALL "
                "SELECT conrelid::regclass::text || ' ' || conname || ' ' || "
                "pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE connamespace = 'public'::regnamespace ORDER BY 1"
            )).all()  # fmt: skip
    engine.dispose()
    return [tuple(r) for r in rows]
