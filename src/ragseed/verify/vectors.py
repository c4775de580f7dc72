"""The chunks' vectors: consistency with chunk_store, and retrieval the engine's way.

Consistency: every chunk a document uses has exactly one vector, no vector lacks its chunk, the
tenant and document match, sizes and norms are right. Retrieval: the seeded questions, embedded
with the seed's own embedder, searched within their tenant (exactly, as cosine over the tenant's
vectors), alone and fused with the keyword search by reciprocal rank fusion as the engine fuses
(k = 60, 30 from each, the top 8 kept); and, on pgvector, the HNSW index against exact search.
"""

from __future__ import annotations

import math
import sys
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from .report import Check, violations
from .seeded import Seeded, TurnTruth, batched, truths
from .sql import Dialect, count, decode_sources

if TYPE_CHECKING:
    from sqlalchemy import Connection

G, R = "integrity", "retrieval"
Status = Literal["pass", "fail", "skip", "info"]
TABLE = "chunk_embeddings"
#: recall@5 through the vector path with the hash embedder (the issue's targets), by form
TARGETS = {"natural": 0.7, "keyword": 0.9}
HYBRID_TARGET = 0.8  # natural questions, recall@8 after fusion
RRF_K, FETCH, KEEP = 60, 30, 8
NORM_SAMPLE = 2000


def present(conn: Connection) -> bool:
    from sqlalchemy import inspect

    return bool(inspect(conn).has_table(TABLE))


def decode(value: Any) -> list[float]:
    """An embedding as read back: a float32 BLOB (SQLite) or a real[] (pgvector)."""
    if isinstance(value, bytes | bytearray | memoryview):
        values = array("f", bytes(value))
        if sys.byteorder == "big":
            values.byteswap()
        return list(values)
    return [float(x) for x in value]


def column(d: Dialect) -> str:
    """The embedding column as a query reads it, decodable by decode()."""
    return "embedding::real[]" if d.name == "postgresql" else "embedding"


def consistency(conn: Connection, d: Dialect, dim: int) -> Check:
    from sqlalchemy import text

    used = "SELECT DISTINCT chunk_id FROM document_chunks"
    counts = {
        "without_vector": count(
            conn, f"SELECT count(*) FROM ({used}) u WHERE NOT EXISTS "
            f"(SELECT 1 FROM {TABLE} e WHERE e.chunk_id = u.chunk_id)",
        ),
        "not_a_used_chunk": count(
            conn, f"SELECT count(*) FROM {TABLE} e WHERE NOT EXISTS "
            "(SELECT 1 FROM document_chunks dc WHERE dc.chunk_id = e.chunk_id)",
        ),
        "other_tenant": count(
            conn, f"SELECT count(*) FROM {TABLE} e JOIN chunk_store c ON c.id = e.chunk_id "
            "WHERE c.user_id <> e.user_id",
        ),
        "other_document": count(
            conn, f"SELECT count(*) FROM {TABLE} e WHERE NOT EXISTS (SELECT 1 FROM "
            "document_chunks dc WHERE dc.chunk_id = e.chunk_id AND dc.document_id = e.document_id)",
        ),
    }  # fmt: skip
    size = "vector_dims(embedding)" if d.name == "postgresql" else "length(embedding) / 4"
    counts["wrong_size"] = count(conn, f"SELECT count(*) FROM {TABLE} WHERE {size} <> {dim}")
    sample = conn.execute(
        text(f"SELECT {column(d)} FROM {TABLE} ORDER BY chunk_id LIMIT {NORM_SAMPLE}")
    ).all()
    counts["not_unit_norm"] = sum(
        abs(math.sqrt(sum(x * x for x in decode(v))) - 1.0) > 1e-3 for (v,) in sample
    )
    total = count(conn, f"SELECT count(*) FROM {TABLE}")
    return violations(
        G, "vector consistency", counts,
        f"{total:,} vectors of {dim} dimensions, one per used chunk, unit norm",
    )  # fmt: skip


@dataclass
class _Recall:
    turns: int = 0
    total: float = 0.0

    def add(self, found: Sequence[str], relevant: Sequence[str]) -> None:
        self.turns += 1
        self.total += len(set(found) & set(relevant)) / len(relevant)

    @property
    def value(self) -> float | None:
        return round(self.total / self.turns, 4) if self.turns else None


@dataclass
class _Tally:
    vector: dict[tuple[str, str], _Recall] = field(default_factory=dict)
    hybrid: dict[tuple[str, str], _Recall] = field(default_factory=dict)
    ann_overlap: _Recall = field(default_factory=_Recall)


def _tenant_vectors(conn: Connection, d: Dialect, user: str) -> list[tuple[str, list[float]]]:
    from sqlalchemy import text

    rows = conn.execute(
        text(f"SELECT chunk_id, {column(d)} FROM {TABLE} WHERE user_id = :u ORDER BY chunk_id"),
        {"u": user},
    ).all()
    return [(str(c), decode(v)) for c, v in rows]


def _exact(query: list[float], vectors: list[tuple[str, list[float]]], k: int) -> list[str]:
    scored = sorted(
        ((-sum(a * b for a, b in zip(query, v, strict=True)), cid) for cid, v in vectors)
    )
    return [cid for _, cid in scored[:k]]


def _rrf(*lists: Sequence[str]) -> list[str]:
    score: dict[str, float] = {}
    for ranked in lists:
        for rank, cid in enumerate(ranked):
            score[cid] = score.get(cid, 0.0) + 1.0 / (RRF_K + rank + 1)
    return [cid for cid, _ in sorted(score.items(), key=lambda kv: (-kv[1], kv[0]))][:40]


def retrieval(
    conn: Connection, d: Dialect, seeded: Seeded, keys: Sequence[tuple[int, int, int]], k: int
) -> list[Check]:
    from sqlalchemy import text

    from ..embedders import load

    cfg = seeded.plan.config
    embedder = load(cfg.embedder, dim=cfg.dim)
    tally = _Tally()
    cache: dict[str, list[tuple[str, list[float]]]] = {}
    keyword = text(
        "SELECT id FROM chunk_store WHERE user_id = :u AND tsv @@ websearch_to_tsquery('simple', "
        ":q) ORDER BY ts_rank_cd(tsv, websearch_to_tsquery('simple', :q)) DESC, id LIMIT :k"
    )
    ann = text(
        f"SELECT chunk_id FROM {TABLE} WHERE user_id = :u ORDER BY embedding <=> "
        "CAST(:v AS vector) LIMIT :k"
    )
    for batch in batched(truths(seeded.plan, keys), 500):
        by_id: dict[str, TurnTruth] = {t.id: t for t in batch if t.n_relevant}
        if not by_id:
            continue
        from sqlalchemy import bindparam

        query = text(
            "SELECT id, user_id, question, sources FROM chat_turns WHERE id IN :ids"
        ).bindparams(bindparam("ids", expanding=True))
        rows = conn.execute(query, {"ids": sorted(by_id)}).all()
        questions = [r.question for r in rows]
        for row, qvec in zip(rows, embedder.embed_many(questions), strict=True):
            tr = by_id[row.id]
            relevant = decode_sources(row.sources)[: tr.n_relevant]
            user = str(row.user_id)
            if user not in cache:
                cache = {user: _tenant_vectors(conn, d, user)}  # turns come grouped by tenant
            exact = _exact(list(qvec), cache[user], max(k, FETCH))
            tally.vector.setdefault((tr.form, tr.lang), _Recall()).add(exact[:k], relevant)
            if d.searchable:
                words = [r[0] for r in conn.execute(keyword, {"u": user, "q": row.question,
                                                               "k": FETCH})]  # fmt: skip
                fused = _rrf(words, exact[:FETCH])[:KEEP]
                tally.hybrid.setdefault((tr.form, tr.lang), _Recall()).add(fused, relevant)
            if d.name == "postgresql":
                literal = "[" + ",".join(repr(float(x)) for x in qvec) + "]"
                approx = [r[0] for r in conn.execute(ann, {"u": user, "v": literal, "k": k})]
                tally.ann_overlap.add(approx, exact[:k])
    return _checks(tally, k, cfg.embedder, d)


def _checks(t: _Tally, k: int, embedder: str, d: Dialect) -> list[Check]:
    out: list[Check] = []
    judged = embedder.split(":")[0] == "hash"
    for (form, lang), rec in sorted(t.vector.items()):
        target = TARGETS[form]
        ok = rec.value is not None and rec.value >= target
        status: Status = ("pass" if ok else "fail") if judged and k == 5 else "info"
        out.append(
            Check(
                R, f"vector recall@{k} ({form}, {lang})", status,
                f"{rec.value} over {rec.turns} questions ({embedder}; target {target})",
                {"recall": rec.value, "turns": rec.turns, "target": target},
            )
        )  # fmt: skip
    for (form, lang), rec in sorted(t.hybrid.items()):
        goal = HYBRID_TARGET if form == "natural" else None
        ok = goal is None or (rec.value is not None and rec.value >= goal)
        status = ("pass" if ok else "fail") if judged and goal is not None else "info"
        out.append(
            Check(
                R, f"hybrid recall@{KEEP} ({form}, {lang})", status,
                f"{rec.value} over {rec.turns} questions (RRF k={RRF_K} of keyword and vector)",
                {"recall": rec.value, "turns": rec.turns, "target": goal},
            )
        )  # fmt: skip
    if t.ann_overlap.turns:
        out.append(
            Check(
                R, "HNSW against exact search", "info",
                f"{t.ann_overlap.value} of the exact top {k} found by the index, tenant-filtered "
                f"({t.ann_overlap.turns} questions)",
                {"overlap": t.ann_overlap.value, "turns": t.ann_overlap.turns},
            )
        )  # fmt: skip
    if d.name != "postgresql":
        out.append(Check(R, "hybrid recall", "skip", "needs PostgreSQL's keyword search", {}))
    return out


def qdrant_consistency(conn: Connection, spec: str, collection: str, dim: int) -> Check:
    """The same consistency for a Qdrant collection: every used chunk has one point (point id =
    chunk id), its payload's tenant and document match, no other point of these tenants, the
    vectors' size. The collection may hold other tenants' points: they are not looked at."""
    from sqlalchemy import text

    from ..vectors.qdrant import connect, tenant_filter

    users = [str(r[0]) for r in conn.execute(text("SELECT id FROM users"))]
    docs: dict[str, set[str]] = {}
    for doc, cid in conn.execute(text("SELECT document_id, chunk_id FROM document_chunks")):
        docs.setdefault(str(cid), set()).add(str(doc))
    owner = {
        str(cid): str(user)
        for cid, user in conn.execute(
            text(
                "SELECT id, user_id FROM chunk_store WHERE id IN "
                "(SELECT chunk_id FROM document_chunks)"
            )
        )
    }
    counts = dict.fromkeys(
        ("without_point", "not_a_used_chunk", "other_tenant", "other_document", "wrong_size"), 0
    )
    seen: set[str] = set()
    client = connect(spec)
    try:
        if client.collection_exists(collection):
            for start in range(0, len(users), 1000):
                flt = tenant_filter(users[start : start + 1000])
                offset = None
                while True:
                    batch, offset = client.scroll(
                        collection, scroll_filter=flt, limit=1000, offset=offset,
                        with_payload=True, with_vectors=True,
                    )  # fmt: skip
                    for p in batch:
                        cid, payload = str(p.id), dict(p.payload or {})
                        seen.add(cid)
                        if cid not in docs:
                            counts["not_a_used_chunk"] += 1
                            continue
                        counts["other_tenant"] += payload.get("tenant_id") != owner.get(cid)
                        counts["other_document"] += payload.get("document_id") not in docs[cid]
                        vector = p.vector if isinstance(p.vector, list) else []
                        counts["wrong_size"] += len(vector) != dim
                    if offset is None:
                        break
    finally:
        client.close()
    counts["without_point"] = len(set(docs) - seen)
    return violations(
        G, "vector consistency", counts,
        f"{len(seen):,} Qdrant points of {dim} dimensions in {collection!r}, one per used chunk",
    )  # fmt: skip
