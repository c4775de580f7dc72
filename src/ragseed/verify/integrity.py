"""Integrity: relationships, tenant isolation, ordering, hashes and unique keys.

Every figure is a SQL aggregate (a count of violating rows), so the cost grows with the tables
but memory does not. chunk_hash is recomputed server-side on PostgreSQL and streamed in batches
on SQLite, which has no sha256().
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from .report import Check, violations
from .sql import Dialect, count

if TYPE_CHECKING:
    from sqlalchemy import Connection

G = "integrity"
STATUSES = ("created", "queued", "processing", "indexed", "failed")
HASH_BATCH = 5_000

#: (child table, column, parent table, nullable)
FOREIGN_KEYS = (
    ("documents", "user_id", "users", False),
    ("chunk_store", "user_id", "users", False),
    ("chunk_store", "parent_id", "chunk_store", True),
    ("document_chunks", "document_id", "documents", False),
    ("document_chunks", "chunk_id", "chunk_store", False),
    ("chat_sessions", "user_id", "users", False),
    ("chat_turns", "session_id", "chat_sessions", False),
    ("chat_turns", "user_id", "users", False),  # no FK in the engine: only this check holds it
    ("graph_triplets", "user_id", "users", False),
    ("graph_triplets", "document_id", "documents", False),
    ("graph_triplets", "chunk_id", "chunk_store", False),
)


def _present(d: Dialect, table: str, column: str) -> bool:
    if table not in d.tables:
        return False
    return table != "chunk_store" or column in d.chunk_columns


def orphans(conn: Connection, d: Dialect) -> Check:
    counts = {}
    for child, col, parent, nullable in FOREIGN_KEYS:
        if not _present(d, child, col):
            continue
        guard = f"x.{col} IS NOT NULL AND " if nullable else ""
        counts[f"{child}.{col}"] = count(
            conn,
            f"SELECT count(*) FROM {child} x WHERE {guard}"
            f"NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.id = x.{col})",
        )
    return violations(G, "no orphans", counts, f"{len(counts)} references checked, no orphan")


def tenant_isolation(conn: Connection, d: Dialect) -> Check:
    """Rows that link two tenants: a document's chunk, a turn's session, a triplet's parents."""
    queries = {
        "document_chunks": "SELECT count(*) FROM document_chunks dc "
        "JOIN documents d ON d.id = dc.document_id JOIN chunk_store c ON c.id = dc.chunk_id "
        "WHERE d.user_id <> c.user_id",
        "chat_turns.session": "SELECT count(*) FROM chat_turns t "
        "JOIN chat_sessions s ON s.id = t.session_id WHERE t.user_id <> s.user_id",
    }
    if "parent_id" in d.chunk_columns:
        queries["chunk_store.parent"] = (
            "SELECT count(*) FROM chunk_store c JOIN chunk_store p ON p.id = c.parent_id "
            "WHERE c.user_id <> p.user_id"
        )
    if "graph_triplets" in d.tables:
        queries["graph_triplets.document"] = (
            "SELECT count(*) FROM graph_triplets g JOIN documents d ON d.id = g.document_id "
            "WHERE g.user_id <> d.user_id"
        )
        # The engine stores a triplet on the parent of a document's chunk, or on the chunk.
        parent = (
            "OR EXISTS (SELECT 1 FROM document_chunks dc JOIN chunk_store c ON c.id = dc.chunk_id "
            "WHERE dc.document_id = g.document_id AND c.parent_id = g.chunk_id)"
            if "parent_id" in d.chunk_columns
            else ""
        )
        queries["graph_triplets.chunk_not_in_document"] = (
            "SELECT count(*) FROM graph_triplets g WHERE NOT (EXISTS (SELECT 1 FROM "
            "document_chunks dc WHERE dc.document_id = g.document_id AND dc.chunk_id = g.chunk_id)"
            f" {parent})"
        )
    counts = {k: count(conn, q) for k, q in queries.items()}
    return violations(G, "tenant isolation", counts, "no row links two tenants")


def turn_sources(conn: Connection, d: Dialect) -> Check:
    """Every cited source is a chunk of the turn's own user, cited once, at most retrieval_k."""
    src, cid = d.sources("t")
    counts = {
        "missing_chunk": count(
            conn,
            f"SELECT count(*) FROM {src} WHERE NOT EXISTS "
            f"(SELECT 1 FROM chunk_store c WHERE c.id = {cid})",
        ),
        "other_tenant": count(
            conn,
            f"SELECT count(*) FROM {src} JOIN chunk_store c ON c.id = {cid} "
            "WHERE c.user_id <> t.user_id",
        ),
        "duplicate": count(
            conn,
            f"SELECT count(*) FROM (SELECT t.id, {cid} AS chunk_id FROM {src} "
            f"GROUP BY t.id, {cid} HAVING count(*) > 1) x",
        ),
        "over_retrieval_k": count(
            conn,
            f"SELECT count(*) FROM (SELECT t.id FROM {src} GROUP BY t.id, t.retrieval_k "
            "HAVING count(*) > t.retrieval_k) x",
        ),
    }
    total = count(conn, f"SELECT count(*) FROM {src}")
    return violations(
        G, "turn sources", counts, f"all {total:,} sources are chunks of the turn's user"
    )


def chunk_order(conn: Connection) -> Check:
    bad = count(
        conn,
        "SELECT count(*) FROM (SELECT document_id FROM document_chunks GROUP BY document_id "
        "HAVING min(ord) <> 0 OR max(ord) <> count(*) - 1 OR count(DISTINCT ord) <> count(*)) x",
    )
    docs = count(conn, "SELECT count(DISTINCT document_id) FROM document_chunks")
    return violations(
        G, "ord runs 0..n-1", {"documents_with_gaps": bad}, f"{docs:,} documents, no gap or repeat"
    )


def chunk_hashes(conn: Connection, d: Dialect) -> Check:
    if d.pg:
        bad = count(
            conn,
            "SELECT count(*) FROM chunk_store "
            "WHERE chunk_hash <> encode(sha256(convert_to(text, 'UTF8')), 'hex')",
        )
    else:
        bad = _sqlite_hash_mismatches(conn)
    total = count(conn, "SELECT count(*) FROM chunk_store")
    return violations(
        G,
        "chunk_hash = sha256(text)",
        {"mismatches": bad},
        f"{total:,} hashes recomputed, all equal",
    )


def _sqlite_hash_mismatches(conn: Connection) -> int:
    from sqlalchemy import text

    bad = 0
    result = conn.execution_options(yield_per=HASH_BATCH).execute(
        text("SELECT chunk_hash, text FROM chunk_store")
    )
    for batch in result.partitions():
        for digest, body in batch:
            if hashlib.sha256(body.encode()).hexdigest() != digest:
                bad += 1
    return bad


def unique_keys(conn: Connection) -> Check:
    def extra(table: str, cols: str, where: str = "") -> int:
        return count(
            conn,
            f"SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM {table} {where} "
            f"GROUP BY {cols} HAVING count(*) > 1) x",
        )

    counts = {
        "users.email": extra("users", "email"),
        "users.api_key": extra("users", "api_key"),
        "chunk_store(user_id, chunk_hash)": extra("chunk_store", "user_id, chunk_hash"),
        "documents(user_id, file_sha256)": extra(
            "documents", "user_id, file_sha256", "WHERE file_sha256 IS NOT NULL"
        ),
    }
    return violations(
        G, "unique keys", counts, "emails, api keys, (user, chunk_hash), (user, file_sha256)"
    )


def documents(conn: Connection) -> Check:
    statuses = ", ".join(f"'{s}'" for s in STATUSES)
    counts = {
        "chunks_of_unindexed_documents": count(
            conn,
            "SELECT count(*) FROM document_chunks dc JOIN documents d ON d.id = dc.document_id "
            "WHERE d.status <> 'indexed'",
        ),
        "indexed_without_chunks": count(
            conn,
            "SELECT count(*) FROM documents d WHERE d.status = 'indexed' AND NOT EXISTS "
            "(SELECT 1 FROM document_chunks dc WHERE dc.document_id = d.id)",
        ),
        "failed_without_error": count(
            conn,
            "SELECT count(*) FROM documents WHERE status = 'failed' "
            "AND (error IS NULL OR error = '')",
        ),
        "error_but_not_failed": count(
            conn, "SELECT count(*) FROM documents WHERE status <> 'failed' AND error IS NOT NULL"
        ),
        "unknown_status": count(
            conn, f"SELECT count(*) FROM documents WHERE status NOT IN ({statuses})"
        ),
    }
    return violations(
        G, "document status", counts, "chunks only for indexed documents, errors only on failed"
    )


def triplets(conn: Connection, d: Dialect) -> Check | None:
    """Facts occur in their chunk's text, and sit on the parent chunk where there is one (the
    engine extracts them from the parent's text and stores the parent's id)."""
    if "graph_triplets" not in d.tables:
        return None
    inside = f"{d.contains('c.text', 'g.subject')} AND {d.contains('c.text', 'g.obj')}"
    counts = {
        "not_in_text": count(
            conn,
            f"SELECT count(*) FROM graph_triplets g JOIN chunk_store c ON c.id = g.chunk_id "
            f"WHERE NOT ({inside})",
        )
    }
    if "parent_id" in d.chunk_columns:
        counts["on_a_child_chunk"] = count(
            conn,
            "SELECT count(*) FROM graph_triplets g JOIN chunk_store c ON c.id = g.chunk_id "
            "WHERE c.parent_id IS NOT NULL",
        )
    total = count(conn, "SELECT count(*) FROM graph_triplets")
    return violations(
        G,
        "triplets",
        counts,
        f"subject and obj of {total:,} triplets in their chunk, the parent where there is one",
    )


def chunk_contexts(conn: Connection, d: Dialect) -> Check | None:
    """chunk_context is the document's summary: one value for the chunks a document alone uses
    (a chunk shared with other documents keeps the context of the one that stored it first)."""
    if "chunk_context" not in d.chunk_columns:
        return None
    own = (
        "SELECT dc.document_id, c.chunk_context FROM document_chunks dc "
        "JOIN chunk_store c ON c.id = dc.chunk_id WHERE NOT EXISTS (SELECT 1 FROM "
        "document_chunks o WHERE o.chunk_id = dc.chunk_id AND o.document_id <> dc.document_id)"
    )
    counts = {
        "documents_with_several": count(
            conn,
            f"SELECT count(*) FROM (SELECT document_id FROM ({own}) x GROUP BY document_id "
            "HAVING count(DISTINCT coalesce(chunk_context, '')) > 1) y",
        ),
        "missing": count(
            conn,
            "SELECT count(*) FROM chunk_store c WHERE c.chunk_context IS NULL AND EXISTS "
            "(SELECT 1 FROM document_chunks dc WHERE dc.chunk_id = c.id)",
        ),
    }
    return violations(G, "chunk context", counts, "one summary per document, on every chunk")


#: the checks that join or read whole big tables: what a bounded run (scan_limit) leaves out
SCANS = {
    "no orphans": orphans, "tenant isolation": tenant_isolation, "turn sources": turn_sources,
    "chunk_hash = sha256(text)": chunk_hashes, "triplets": triplets,
    "chunk context": chunk_contexts,
}  # fmt: skip


def run(conn: Connection, d: Dialect, *, scans: bool = True) -> list[Check]:
    """Every integrity check; with scans=False the SCANS are listed as skipped, not run."""
    out: list[Check | None] = []
    for name, fn in SCANS.items():
        if scans:
            out.append(fn(conn, d))
        elif name not in ("triplets", "chunk context") or (
            "graph_triplets" in d.tables
            if name == "triplets"
            else "chunk_context" in d.chunk_columns
        ):
            out.append(
                Check(G, name, "skip", "not run: a whole-table scan (ragseed verify runs it)")
            )
    out[3:3] = [chunk_order(conn)]
    out += [unique_keys(conn), documents(conn)]
    return [check for check in out if check is not None]
