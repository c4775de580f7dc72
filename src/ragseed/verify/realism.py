"""Realism: does the seeded data look like the configuration asked for?

Shares drawn per document (language, status) are compared with a binomial tolerance, so a small
seed is not failed for its sampling noise; the boilerplate share is only judged where it can be
(MIN_BOILERPLATE_DOCS documents or more). Static documents are left out of every comparison with
a configured share: they have their own language and no boilerplate.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ..core.documents import BOILERPLATE_POOL, PENDING_STATUSES, expected_failed_share, text_hash
from ..core.tokens import estimate_tokens
from ..generate.tenant import SYSTEM_PROMPT_TOKENS, boilerplate
from .report import Check, check
from .seeded import Seeded
from .sql import Dialect, count

if TYPE_CHECKING:
    from sqlalchemy import Connection

G = "realism"
#: below this many generated, indexed documents the boilerplate share is reported, not judged
MIN_BOILERPLATE_DOCS = 100
BOILERPLATE_TOLERANCE = 0.02  # the target: within 2 points of boilerplate_share
BOILERPLATE_DEFINITION = (
    "document_chunks rows of generated documents whose chunk is one of the boilerplate pool's "
    "texts (found by chunk_hash), over all document_chunks rows of generated documents"
)
MAX_PLANNED_DOCS = 150_000  # ~50 µs per layout: a few seconds at most
QUANTILES = (0.5, 0.9, 0.95, 0.99)
TABLES = ("users", "documents", "chunk_store", "document_chunks", "chat_sessions", "chat_turns",
          "graph_triplets", "chunk_embeddings")  # fmt: skip
#: chunks read for the tokens-per-chunk histogram and turns for the tokens scatter
CHUNK_SAMPLE, TURN_POINTS = 20_000, 600
LATENCIES = ("embed_ms", "search_ms", "llm_ms")
CHARS_PER_TOKEN = (2.0, 8.0)  # estimate_tokens gives ~4-6 characters per token in both languages


def tolerance(p: float, n: int) -> float:
    """Three binomial standard deviations of a share over n draws, and never under 2 points."""
    return max(0.02, 3 * math.sqrt(p * (1 - p) / n)) if n else 1.0


def _shares(name: str, n: int, measured: dict[str, int], wanted: dict[str, float]) -> Check:
    """Measured shares of n documents against the configured ones."""
    figures: dict[str, Any] = {"documents": n}
    if not n:
        return Check(G, name, "skip", "no generated documents to measure", figures)
    misses = []
    for key, p in wanted.items():
        share, tol = measured.get(key, 0) / n, tolerance(p, n)
        figures[key] = {"measured": round(share, 4), "configured": round(p, 4),
                        "tolerance": round(tol, 4)}  # fmt: skip
        if abs(share - p) > tol:
            misses.append(f"{key} off by more than {tol:.1%}")
    summary = ", ".join(
        f"{k} {measured.get(k, 0) / n:.1%} (configured {p:.1%})" for k, p in wanted.items()
    )
    summary += f" of {n:,} documents"
    return check(G, name, not misses, "; ".join([summary, *misses]), figures)


def _static_ids(seeded: Seeded) -> tuple[list[str], int]:
    """Ids of the static documents and the chunk references they hold."""
    plan = seeded.plan
    ids, refs = [], 0
    for u in seeded.tenants:
        if plan.tenant_kind(u) != "static":
            break  # static tenants come first
        for d in range(len(plan.static_docs(u))):
            lay = plan.layout(u, d)
            ids.append(lay.id)
            refs += lay.n_chunks
    return ids, refs


def _not_in(column: str, ids: list[str]) -> str:
    # Static document ids are a handful of UUIDs: inlined, they keep the queries plain.
    return f"{column} NOT IN ({', '.join(repr(i) for i in ids)})" if ids else "1 = 1"


def chunks_per_document(conn: Connection, seeded: Seeded) -> Check:
    from sqlalchemy import text

    rows = conn.execute(
        text(
            "SELECT n, count(*) FROM (SELECT document_id, count(*) AS n FROM document_chunks "
            "GROUP BY document_id) x GROUP BY n ORDER BY n"
        )
    ).all()
    hist = {int(n): int(c) for n, c in rows}
    docs = sum(hist.values())
    mean = sum(n * c for n, c in hist.items()) / docs if docs else 0.0
    cfg = seeded.plan.config
    figures = {"mean": round(mean, 3), "documents": docs, "histogram": hist,
               "min_chunks": cfg.min_chunks, "max_chunks": cfg.max_chunks,
               "chunk_lambda": cfg.chunk_lambda}  # fmt: skip
    summary = (
        f"mean {mean:.2f} over {docs:,} documents (min {cfg.min_chunks}, max {cfg.max_chunks})"
    )
    if not docs:
        return Check(G, "chunks per document", "skip", "no document has chunks", figures)
    if cfg.max_chunks <= 5 or cfg.min_chunks >= 20:
        return Check(
            G, "chunks per document", "info", summary + "; 5 < mean < 20 not possible", figures
        )
    return check(G, "chunks per document", 5 < mean < 20, summary + "; want 5 < mean < 20", figures)


def dedup(conn: Connection) -> Check:
    refs = count(conn, "SELECT count(*) FROM document_chunks")
    distinct = count(conn, "SELECT count(DISTINCT chunk_id) FROM document_chunks")
    shared = count(
        conn,
        "SELECT coalesce(sum(n), 0) FROM (SELECT chunk_id, count(*) AS n FROM document_chunks "
        "GROUP BY chunk_id HAVING count(DISTINCT document_id) > 1) x",
    )
    multi = shared / refs if refs else 0.0
    saving = 1 - distinct / refs if refs else 0.0
    figures = {"references": refs, "distinct_chunks": distinct,
               "multi_document_share": round(multi, 4), "saving": round(saving, 4)}  # fmt: skip
    summary = (
        f"{multi:.1%} of {refs:,} references point at a chunk shared by several documents; "
        f"1 - distinct/references = {saving:.1%}"
    )
    return Check(G, "dedup", "info", summary, figures)


def boilerplate_share(
    conn: Connection, seeded: Seeded, static_ids: list[str], static_refs: int
) -> Check:
    """Boilerplate identified exactly: the pool's texts are the same in every tenant, so their
    hashes (BOILERPLATE_POOL per language) find every boilerplate chunk_store row."""
    from sqlalchemy import bindparam, text

    plan = seeded.plan
    cfg = plan.config
    hashes = [
        text_hash(boilerplate(plan.seed, lang, b))
        for lang in sorted(cfg.languages)
        for b in range(BOILERPLATE_POOL)
    ]
    query = text(
        "SELECT count(*) FROM document_chunks dc JOIN chunk_store c ON c.id = dc.chunk_id "
        "WHERE c.chunk_hash IN :hashes"
    ).bindparams(bindparam("hashes", expanding=True))
    boiler = int(conn.execute(query, {"hashes": hashes}).scalar_one())
    refs = count(conn, "SELECT count(*) FROM document_chunks") - static_refs
    docs = count(conn, "SELECT count(DISTINCT document_id) FROM document_chunks") - len(static_ids)
    share = boiler / refs if refs > 0 else 0.0
    want = cfg.boilerplate_share
    figures: dict[str, Any] = {
        "boilerplate_references": boiler,
        "generated_references": refs,
        "generated_documents": docs,
        "share": round(share, 4),
        "configured": want,
        "tolerance": BOILERPLATE_TOLERANCE,
        "definition": BOILERPLATE_DEFINITION,
    }
    summary = f"{share:.1%} of {refs:,} references vs configured {want:.1%}"
    planned = _planned_boilerplate(seeded)
    if planned is not None:
        figures["planned_references"] = planned
        if planned != boiler:
            # The texts differ from this ragseed's boilerplate: another version seeded it.
            return check(
                G, "boilerplate share", False,
                f"{boiler:,} boilerplate references found, the plan has {planned:,}: the "
                "data was seeded by another ragseed version, or its texts were changed", figures,
            )  # fmt: skip
    if docs < MIN_BOILERPLATE_DOCS:
        return Check(
            G, "boilerplate share", "info",
            summary + f"; not judged below {MIN_BOILERPLATE_DOCS} documents ({docs})", figures,
        )  # fmt: skip
    ok = abs(share - want) <= BOILERPLATE_TOLERANCE
    return check(G, "boilerplate share", ok, summary + " (±2 points)", figures)


def _planned_boilerplate(seeded: Seeded) -> int | None:
    """Boilerplate references the plan put in, when recomputing every layout is cheap."""
    plan = seeded.plan
    if sum(plan.doc_count(u) for u in seeded.tenants) > MAX_PLANNED_DOCS:
        return None
    return sum(len(lay.boilerplate) for u in seeded.tenants for lay in plan.layouts(u))


def languages(conn: Connection, d: Dialect, seeded: Seeded, static_ids: list[str]) -> Check:
    """Language of each generated, indexed document: Arabic when its first chunk has Arabic
    letters. (Unindexed documents have no text; their language is drawn the same way.)"""
    rows = count(
        conn,
        "SELECT count(*) FROM document_chunks dc JOIN chunk_store c ON c.id = dc.chunk_id "
        f"WHERE dc.ord = 0 AND {_not_in('dc.document_id', static_ids)}",
    )
    arabic = count(
        conn,
        "SELECT count(*) FROM document_chunks dc JOIN chunk_store c ON c.id = dc.chunk_id "
        f"WHERE dc.ord = 0 AND {_not_in('dc.document_id', static_ids)} "
        f"AND {d.has_arabic('c.text')}",
    )
    wanted = {lang: seeded.plan.config.languages.get(lang, 0.0) for lang in ("en", "ar")}
    return _shares("language mix", rows, {"ar": arabic, "en": rows - arabic}, wanted)


def statuses(conn: Connection, seeded: Seeded, static_ids: list[str]) -> Check:
    from sqlalchemy import text

    rows = conn.execute(
        text(
            f"SELECT status, count(*) FROM documents WHERE {_not_in('id', static_ids)} "
            "GROUP BY status ORDER BY status"
        )
    ).all()
    by_status = {str(s): int(n) for s, n in rows}
    measured = {
        "failed": by_status.get("failed", 0),
        "pending": sum(by_status.get(s, 0) for s in PENDING_STATUSES),
    }
    cfg = seeded.plan.config
    # Uploads of a type the engine cannot extract fail too.
    wanted = {
        "failed": expected_failed_share(cfg),
        "pending": cfg.pending_share,
    }
    out = _shares("status mix", sum(by_status.values()), measured, wanted)
    out.figures["by_status"] = by_status
    return out


def latencies(conn: Connection) -> Check:
    from sqlalchemy import text

    figures: dict[str, Any] = {}
    for col in LATENCIES:
        n = count(conn, f"SELECT count({col}) FROM chat_turns")
        qs: dict[str, int | None] = {}
        for q in QUANTILES:
            # Nearest rank, by the same ORDER BY ... OFFSET on both backends: identical figures.
            offset = max(0, math.ceil(q * n - 1e-9) - 1)
            value = (
                count(
                    conn,
                    f"SELECT {col} FROM chat_turns WHERE {col} IS NOT NULL "
                    f"ORDER BY {col} LIMIT 1 OFFSET {offset}",
                )
                if n
                else None
            )
            qs[f"p{round(q * 100)}"] = value
        figures[col] = qs
    # Distinct millisecond values are few (a latency is a small integer): one GROUP BY each.
    figures["histograms"] = {
        col: {
            int(v): int(n)
            for v, n in conn.execute(
                text(
                    f"SELECT {col}, count(*) FROM chat_turns WHERE {col} IS NOT NULL "
                    f"GROUP BY {col} ORDER BY {col}"
                )
            )
        }
        for col in LATENCIES
    }
    summary = "; ".join(
        f"{col} " + "/".join(str(v) for v in figures[col].values()) for col in LATENCIES
    )
    return Check(G, "latency p50/p90/p95/p99", "info", summary + " ms", figures)


def tokens(conn: Connection, d: Dialect) -> Check:
    src, cid = d.sources("t")
    turns = count(conn, "SELECT count(*) FROM chat_turns WHERE prompt_tokens IS NOT NULL")
    answer_chars = count(
        conn, "SELECT sum(length(answer)) FROM chat_turns WHERE completion_tokens IS NOT NULL"
    )
    completion = count(conn, "SELECT sum(completion_tokens) FROM chat_turns")
    question_chars = count(
        conn, "SELECT sum(length(question)) FROM chat_turns WHERE prompt_tokens IS NOT NULL"
    )
    context_chars = count(
        conn,
        f"SELECT sum(length(c.text)) FROM {src} JOIN chunk_store c ON c.id = {cid} "
        "WHERE t.prompt_tokens IS NOT NULL",
    )
    prompt = count(conn, "SELECT sum(prompt_tokens) FROM chat_turns") - SYSTEM_PROMPT_TOKENS * turns
    per_completion = answer_chars / completion if completion else 0.0
    per_prompt = (question_chars + context_chars) / prompt if prompt > 0 else 0.0
    figures: dict[str, Any] = {
               "turns": turns, "chars_per_completion_token": round(per_completion, 3),
               "chars_per_prompt_token": round(per_prompt, 3),
               "mean_prompt_tokens": round((prompt + SYSTEM_PROMPT_TOKENS * turns) / turns, 1)
               if turns else 0.0,
               "mean_completion_tokens": round(completion / turns, 1) if turns else 0.0,
               "plausible_chars_per_token": list(CHARS_PER_TOKEN)}  # fmt: skip
    summary = (
        f"{per_completion:.2f} chars per completion token, {per_prompt:.2f} per prompt token "
        f"(question and sources, system prompt of {SYSTEM_PROMPT_TOKENS} aside)"
    )
    figures["points"] = _token_points(conn, d)
    if not turns or not completion:
        return Check(G, "tokens vs text length", "skip", "no turns with token counts", figures)
    lo, hi = CHARS_PER_TOKEN
    ok = lo <= per_completion <= hi and (prompt <= 0 or lo <= per_prompt <= hi)
    return check(G, "tokens vs text length", ok, summary, figures)


def _token_points(conn: Connection, d: Dialect) -> dict[str, list[list[int]]]:
    """Per turn, for the first TURN_POINTS turns by id (ids are random: a fair sample): [answer
    characters, completion_tokens] and [question and sources characters, prompt_tokens]."""
    from sqlalchemy import text

    rows = conn.execute(
        text(
            "SELECT id, length(question), prompt_tokens, length(answer), completion_tokens "
            "FROM chat_turns WHERE prompt_tokens IS NOT NULL AND completion_tokens IS NOT NULL "
            f"ORDER BY id LIMIT {TURN_POINTS}"
        )
    ).all()
    if not rows:
        return {"completion": [], "prompt": []}
    src, cid = d.sources("t")
    last = rows[-1][0]
    context = {
        str(i): int(n or 0)
        for i, n in conn.execute(
            text(
                f"SELECT t.id, sum(length(c.text)) FROM {src} JOIN chunk_store c ON c.id = {cid} "
                "WHERE t.prompt_tokens IS NOT NULL AND t.id <= :last GROUP BY t.id"
            ),
            {"last": last},
        )
    }
    return {
        "completion": [[int(r[3]), int(r[4])] for r in rows],
        "prompt": [[int(r[1]) + context.get(str(r[0]), 0), int(r[2])] for r in rows],
    }


def rows_per_table(conn: Connection, d: Dialect) -> Check:
    counts = {t: count(conn, f"SELECT count(*) FROM {t}") for t in TABLES if t in d.tables}
    if "chunk_embeddings" not in d.tables:
        from sqlalchemy import inspect

        if inspect(conn).has_table("chunk_embeddings"):
            counts["chunk_embeddings"] = count(conn, "SELECT count(*) FROM chunk_embeddings")
    summary = ", ".join(f"{t} {n:,}" for t, n in counts.items())
    return Check(G, "rows per table", "info", summary, counts)


def tokens_per_chunk(conn: Connection) -> Check:
    """estimate_tokens (the generator's own count) of the chunk texts: all of them, or the first
    CHUNK_SAMPLE by id (ids are random UUIDs: a fair sample)."""
    from sqlalchemy import text

    total = count(conn, "SELECT count(*) FROM chunk_store")
    texts = conn.execute(text(f"SELECT text FROM chunk_store ORDER BY id LIMIT {CHUNK_SAMPLE}"))
    hist: dict[int, int] = {}
    for (body,) in texts:
        n = estimate_tokens(str(body))
        hist[n] = hist.get(n, 0) + 1
    measured = sum(hist.values())
    mean = sum(n * c for n, c in hist.items()) / measured if measured else 0.0
    figures = {"chunks": total, "measured": measured, "mean": round(mean, 1),
               "histogram": dict(sorted(hist.items()))}  # fmt: skip
    sampled = f" (a sample of {measured:,})" if measured < total else ""
    return Check(
        G, "tokens per chunk", "info", f"mean {mean:.1f} over {total:,} chunks{sampled}", figures
    )


def document_kinds(conn: Connection) -> Check:
    from sqlalchemy import text

    by_type = {
        str(t): int(n)
        for t, n in conn.execute(
            text("SELECT content_type, count(*) FROM documents GROUP BY content_type ORDER BY 1")
        )
    }
    summary = ", ".join(f"{t} {n:,}" for t, n in by_type.items()) or "no documents"
    return Check(G, "document types", "info", summary, {"by_content_type": by_type})


def tenants_by_size(conn: Connection, seeded: Seeded) -> Check:
    """Documents per seeded tenant, by the plan's kind of tenant (static, heavy, empty,
    regular): a histogram {documents: tenants} per kind."""
    from sqlalchemy import text

    plan = seeded.plan
    per_user = {
        str(u): int(n)
        for u, n in conn.execute(text("SELECT user_id, count(*) FROM documents GROUP BY user_id"))
    }
    hist: dict[str, dict[int, int]] = {}
    for u in seeded.tenants:
        n = per_user.get(plan.user_id(u), 0)
        h = hist.setdefault(plan.tenant_kind(u), {})
        h[n] = h.get(n, 0) + 1
    figures: dict[str, Any] = {kind: dict(sorted(h.items())) for kind, h in sorted(hist.items())}
    tenants = {kind: sum(h.values()) for kind, h in hist.items()}
    summary = ", ".join(f"{n:,} {kind}" for kind, n in sorted(tenants.items())) + " tenants"
    return Check(G, "tenants by size", "info", summary, {"histograms": figures})


def run(conn: Connection, d: Dialect, seeded: Seeded) -> list[Check]:
    static_ids, static_refs = _static_ids(seeded)
    return [
        rows_per_table(conn, d),
        tenants_by_size(conn, seeded),
        document_kinds(conn),
        tokens_per_chunk(conn),
        chunks_per_document(conn, seeded),
        dedup(conn),
        boilerplate_share(conn, seeded, static_ids, static_refs),
        languages(conn, d, seeded, static_ids),
        statuses(conn, seeded, static_ids),
        latencies(conn),
        tokens(conn, d),
    ]
