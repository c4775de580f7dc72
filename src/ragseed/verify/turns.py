"""Per-turn checks against the plan's ground truth, and keyword retrieval the engine's way.

The turns checked are all of them or a deterministic sample. Each batch costs three queries
(turns, their documents' chunks, their sources' texts), plus one search per turn on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from ..core.tokens import estimate_tokens
from ..generate.questions import keywords_of
from ..generate.tenant import SYSTEM_PROMPT_TOKENS
from .report import Check, check, violations
from .seeded import Seeded, TurnTruth, batched, truths
from .sql import Dialect, decode_sources

if TYPE_CHECKING:
    from sqlalchemy import Connection

BATCH = 500
#: recall@k a keyword question must reach, by language (the issue's targets)
KEYWORD_TARGETS = {"en": 0.9, "ar": 0.8}
#: the engine's keyword search (shared/schema.md), verbatim but for the column list
SEARCH = (
    "SELECT id FROM chunk_store WHERE user_id = :u AND tsv @@ websearch_to_tsquery('simple', :q) "
    "ORDER BY ts_rank_cd(tsv, websearch_to_tsquery('simple', :q)) DESC, id LIMIT :k"
)
EXAMPLES = 5


@dataclass
class Recall:
    turns: int = 0
    recall: float = 0.0  # summed per-turn recall
    hits: int = 0  # turns with at least one relevant source in the top k
    empty: int = 0  # turns whose query matched no chunk at all

    def figures(self) -> dict[str, Any]:
        n = self.turns
        return {
            "turns": n,
            "recall": round(self.recall / n, 4) if n else None,
            "hit_rate": round(self.hits / n, 4) if n else None,
            "no_match": round(self.empty / n, 4) if n else None,
        }


@dataclass
class Tally:
    checked: int = 0
    missing: int = 0
    not_as_planned: int = 0
    word_misses: int = 0
    word_examples: list[str] = field(default_factory=list)
    token_misses: int = 0
    questions: int = 0  # turns with relevant sources
    recall: dict[tuple[str, str], Recall] = field(default_factory=dict)


def _fetch(conn: Connection, sql: str, ids: Sequence[str]) -> list[Any]:
    from sqlalchemy import bindparam, text

    if not ids:
        return []
    query = text(sql).bindparams(bindparam("ids", expanding=True))
    return list(conn.execute(query, {"ids": list(ids)}).all())


def _turn(
    conn: Connection | None, k: int, tr: TurnTruth, row: Any,
    planned: dict[tuple[str, int], str], texts: dict[str, str], tally: Tally,
) -> None:  # fmt: skip
    """Check one turn; search (the engine's way) when a PostgreSQL conn is given."""
    tally.checked += 1
    sources = decode_sources(row.sources)
    relevant = sources[: tr.n_relevant]
    if tr.doc_id is not None:
        expected = [planned.get((tr.doc_id, tr.ord + i)) for i in range(tr.n_relevant)]
        if relevant != expected:
            tally.not_as_planned += 1
    if row.completion_tokens is not None and row.prompt_tokens is not None:
        context = sum(estimate_tokens(texts.get(s, "")) for s in sources)
        prompt = SYSTEM_PROMPT_TOKENS + estimate_tokens(row.question) + context
        if (row.completion_tokens, row.prompt_tokens) != (estimate_tokens(row.answer), prompt):
            tally.token_misses += 1
    if not relevant:
        return
    tally.questions += 1
    have: set[str] = set()
    for s in relevant:
        have.update(keywords_of(texts.get(s, ""), tr.lang))
    absent = [w for w in keywords_of(row.question, tr.lang) if w not in have]
    if absent:
        tally.word_misses += 1
        if len(tally.word_examples) < EXAMPLES:
            tally.word_examples.append(f"{row.question!r}: {', '.join(absent)}")
    if conn is not None:
        found = [
            r[0] for r in conn.execute(_search_sql(), {"u": row.user_id, "q": row.question, "k": k})
        ]
        got = len(set(found) & set(relevant))
        rec = tally.recall.setdefault((tr.form, tr.lang), Recall())
        rec.turns += 1
        rec.recall += got / len(relevant)
        rec.hits += got > 0
        rec.empty += not found


@cache
def _search_sql() -> Any:
    from sqlalchemy import text

    return text(SEARCH)


def tally(
    conn: Connection, d: Dialect, seeded: Seeded, keys: Sequence[tuple[int, int, int]], k: int
) -> Tally:
    out = Tally()
    search = d.searchable
    for batch in batched(truths(seeded.plan, keys), BATCH):
        rows = {
            r.id: r
            for r in _fetch(
                conn,
                "SELECT id, user_id, question, answer, sources, prompt_tokens, completion_tokens "
                "FROM chat_turns WHERE id IN :ids",
                [t.id for t in batch],
            )
        }
        docs = sorted({t.doc_id for t in batch if t.doc_id is not None})
        planned = {
            (str(doc), int(o)): str(c)
            for doc, o, c in _fetch(
                conn,
                "SELECT document_id, ord, chunk_id FROM document_chunks WHERE document_id IN :ids",
                docs,
            )
        }
        wanted = sorted({s for r in rows.values() for s in decode_sources(r.sources)})
        texts = {
            str(i): str(t)
            for i, t in _fetch(conn, "SELECT id, text FROM chunk_store WHERE id IN :ids", wanted)
        }
        for tr in batch:
            row = rows.get(tr.id)
            if row is None:
                out.missing += 1
            else:
                _turn(conn if search else None, k, tr, row, planned, texts, out)
    return out


def checks(t: Tally, d: Dialect, k: int) -> tuple[list[Check], list[str]]:
    """(checks, notes) from a tally."""
    out = [
        violations(
            "integrity", "turns as planned",
            {"missing_turns": t.missing, "relevant_sources_not_as_planned": t.not_as_planned},
            f"{t.checked:,} turns found, relevant sources at their planned document and ord",
        ),
        violations(
            "realism", "tokens match text", {"turns": t.token_misses},
            f"{t.checked:,} turns: prompt and completion tokens = estimate_tokens of their text",
        ),
    ]  # fmt: skip
    words = violations(
        "retrieval", "question words in sources", {"questions": t.word_misses},
        f"every content word of {t.questions:,} questions occurs in a relevant source",
    )  # fmt: skip
    words.figures["examples"] = t.word_examples
    out.append(words)
    notes: list[str] = []
    if not d.searchable:
        notes.append(
            f"retrieval recall skipped: the engine's keyword search needs chunk_store.tsv, "
            f"which only PostgreSQL has ({d.name} here)"
        )
        out.append(Check("retrieval", f"keyword recall@{k}", "skip", "no tsv column"))
        return out, notes
    for lang, target in KEYWORD_TARGETS.items():
        rec = t.recall.get(("keyword", lang), Recall())
        name = f"keyword recall@{k} ({lang})"
        fig = rec.figures() | {"target": target}
        if not rec.turns:
            out.append(Check("retrieval", name, "skip", f"no {lang} keyword questions", fig))
            continue
        value = rec.recall / rec.turns
        out.append(check(
            "retrieval", name, value >= target,
            f"{value:.3f} over {rec.turns} questions (target >= {target}); "
            f"hit@{k} {rec.hits / rec.turns:.3f}", fig,
        ))  # fmt: skip
    natural = {lang: t.recall.get(("natural", lang), Recall()).figures() for lang in ("en", "ar")}
    summary = "; ".join(
        f"{lang} {f['recall']:.3f} over {f['turns']}" for lang, f in natural.items() if f["turns"]
    )
    out.append(Check(
        "retrieval", f"natural recall@{k}", "info",
        (summary or "no natural questions")
        + " (informational: websearch_to_tsquery ANDs every word, question words included)",
        natural,
    ))  # fmt: skip
    return out, notes
