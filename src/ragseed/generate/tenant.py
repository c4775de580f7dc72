"""All rows of one tenant: the user, its documents and chunks, and its chat history.

A tenant is the unit of generation: its rows depend only on (seed, config, tenant index), so
tenants can be generated in any order, in any process, or on another machine (sharding).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from ..core import rng as R
from ..core.documents import (
    BOILERPLATE_POOL,
    CONTENT_TYPE_BY_EXT,
    TOPICS,
    DocLayout,
    extractable,
    text_hash,
    unsupported_error,
)
from ..core.plan import Plan
from ..core.rows import Clock, Row, Rows, empty_rows
from ..core.tokens import estimate_tokens
from . import compose
from .names import DOMAINS, FIRST, LAST
from .questions import answer_for, question_for
from .triplets import triplets_for

_NOT_ALNUM = re.compile(r"[\W_]+")
SYSTEM_PROMPT_TOKENS = 142  # the engine's fixed RAG prompt around question and context
NO_CONTEXT_ANSWER = {
    "en": "I could not find this in your documents. Upload one that covers it and ask again.",
    "ar": "لم أجد هذه المعلومة في مستنداتك. ارفع مستندا يتناولها ثم أعد السؤال.",
}
#: Why an extractable upload failed: exception texts of the engine's indexing steps.
FAILED_ERRORS = (
    "PDF extraction failed: file is encrypted",
    "No text could be extracted from the document",
    "Parser timeout after 120s",
    "Corrupted archive: unexpected end of data",
    "Embedding service returned 503 Service Unavailable",
)


class _Chunk:
    """A body chunk as chat generation sees it."""

    __slots__ = ("id", "lang", "piece")

    def __init__(self, id: str, piece: compose.Piece, lang: str) -> None:
        self.id, self.piece, self.lang = id, piece, lang


def user_row(plan: Plan, u: int, clock: Clock, user_created: int | None = None) -> Row:
    """user_created: ``plan.user_created(u)``, when the caller already has it (a stream costs
    more than the rest of the row)."""
    cfg = plan.config
    created = clock(plan.user_created(u) if user_created is None else user_created)
    key = plan.api_key(u)
    uid = key if cfg.tenant_ids == "api-key" else plan.user_id(u)
    if u < len(plan.static.users) and cfg.use_static:
        return (uid, plan.static.users[u].email, key, created)
    rng = R.stream(plan.seed, "user", u)
    first, last = FIRST[R.below(rng, len(FIRST))], LAST[R.below(rng, len(LAST))]
    # The index makes the address unique at any scale; names alone collide after a few thousand.
    email = f"{first}.{last}.{u}@{DOMAINS[R.below(rng, len(DOMAINS))]}"
    return (uid, email, key, created)


def _document_row(
    plan: Plan, lay: DocLayout, user_id: str, title: str, clock: Clock, previous: tuple[str, str]
) -> Row:
    """previous: the filename and content type of the tenant's previous upload, which a
    re-upload under the same name (lay.same_name) takes."""
    if lay.static is not None:
        filename, ctype = lay.static.filename, lay.static.content_type
    elif lay.same_name and previous[0]:
        filename, ctype = previous
    else:
        filename, ctype = f"{_slug(title)}.{lay.ext}", CONTENT_TYPE_BY_EXT[lay.ext]
    sha = R.hex_for(plan.seed, "upload", lay.u, lay.d, nbytes=32)
    error = None
    if lay.status == "failed":
        if not extractable(filename, ctype):
            error = unsupported_error(filename)
        else:
            error = FAILED_ERRORS[R.derive(plan.seed, "error", lay.u, lay.d) % len(FAILED_ERRORS)]
    return (
        lay.id, user_id, filename, ctype, f"/uploads/{lay.id}/{filename}", lay.size_bytes, sha,
        lay.status, error, clock(lay.created), clock(lay.updated),
    )  # fmt: skip


def _slug(title: str) -> str:
    return _NOT_ALNUM.sub("-", title.lower()).strip("-")[:80] or "document"


def document_pieces(plan: Plan, lay: DocLayout) -> tuple[str, list[compose.Piece]]:
    """(title, body chunks) of a document: deterministic from its (seed, tenant, index). Static
    chunks carry no composition (no templates)."""
    from ..core.documents import split_static

    if lay.static is not None:
        texts = split_static(lay.static.content, plan.config.chunk_tokens)
        return lay.static.title, [compose.text_piece(t) for t in texts]
    rng = _text_stream(plan, lay)
    title = compose.document_title(rng, lay.topic, lay.lang)
    if lay.n_body <= 0:
        return title, []
    return title, compose.document_pieces(
        rng, lay.topic, lay.lang, title, lay.n_body, plan.config.chunk_tokens
    )


def _text_stream(plan: Plan, lay: DocLayout) -> random.Random:
    if lay.shared is not None:  # the same text in several tenants: two rows, never one
        return R.stream(plan.seed, "shared-text", lay.lang, lay.topic, lay.shared)
    return R.stream(plan.seed, "text", lay.u, lay.d)


@lru_cache(maxsize=1024)
def boilerplate(seed: int, lang: str, b: int) -> str:
    # Keyed without the tenant: the same notice recurs in every tenant (look-alike content).
    return compose.boilerplate_text(R.stream(seed, "boilerplate", lang, b), lang)


def tenant_rows(plan: Plan, u: int, clock: Clock) -> Rows:
    rows = empty_rows()
    created = plan.user_created(u)
    user = user_row(plan, u, clock, created)
    user_id = str(user[0])
    rows["users"].append(user)
    pool: list[_Chunk] = []  # the tenant's body chunks, for chat sources
    by_doc: list[list[_Chunk]] = []
    feats = plan.features
    stored: dict[str, str] = {}  # chunk_hash -> id: the engine stores a text once per tenant

    def store(cid: str, text: str, parent: str | None, ctx: str | None, ts: str) -> str:
        digest = text_hash(text)
        known = stored.get(digest)
        if known is not None:
            return known
        stored[digest] = cid
        rows["chunk_store"].append((cid, user_id, digest, text, parent, ctx, ts))
        return cid

    previous: tuple[str, str] = ("", "")  # filename and content type of the previous upload
    for lay in plan.layouts(u, created):
        pieces: list[compose.Piece] = []
        if lay.indexed:
            title, pieces = document_pieces(plan, lay)
        else:
            title = compose.document_title(_text_stream(plan, lay), _topic(lay), lay.lang)
        bodies = [p.text for p in pieces]
        doc_row = _document_row(plan, lay, user_id, title, clock, previous)
        previous = (str(doc_row[2]), str(doc_row[3]))
        rows["documents"].append(doc_row)
        if not lay.indexed:
            by_doc.append([])
            continue
        chunk_ts = clock(lay.updated)
        sections = _outline(bodies)
        parents = _parents(plan, lay, bodies, sections) if feats.parent_id else {}
        ctx = document_context(lay, title, pieces) if feats.chunk_context else None
        parent_ids = {
            sec: store(pid, ptext, None, ctx, chunk_ts) for sec, (pid, ptext, _) in parents.items()
        }
        doc_chunks: list[_Chunk] = []
        # Only drawn from when the table exists: seeding a stream costs more than a chunk's id.
        trng = R.stream(plan.seed, "triplets", u, lay.d) if feats.graph_triplets else None
        chunk_id = plan.body_chunk_ids(u, lay.d)
        for i, piece in enumerate(pieces):
            sec = sections[i]
            pid = parent_ids[sec] if sec in parents and i in parents[sec][2] else None
            cid = store(chunk_id(i), piece.text, pid, ctx, chunk_ts)
            rows["document_chunks"].append((lay.id, i, cid))
            doc_chunks.append(_Chunk(cid, piece, lay.lang))
            if trng is not None and trng.random() < 0.35:
                # The engine extracts facts from the parent (section) chunk's text, which holds
                # this chunk's, and stores the parent's id; a chunk without a parent is its own.
                source = cid if pid is None else pid
                for s, rel, o in triplets_for(trng, piece, lay.lang, 2):
                    rows["graph_triplets"].append((user_id, lay.id, source, s, rel, o, chunk_ts))
        for j, b in enumerate(lay.boilerplate):
            # Boilerplate recurs across documents: stored once (with the context of the document
            # that stored it first, as the engine's insert-if-new does), referenced from each.
            text = boilerplate(plan.seed, lay.lang, b)
            cid = store(plan.boilerplate_chunk_id(u, lay.lang, b), text, None, ctx, chunk_ts)
            rows["document_chunks"].append((lay.id, len(bodies) + j, cid))
        by_doc.append(doc_chunks)
        pool.extend(doc_chunks)
    _chats(plan, u, created, user_id, by_doc, pool, rows, clock)
    return rows


def _topic(lay: DocLayout) -> str:
    return lay.topic if lay.topic in TOPICS else TOPICS[0]


def _outline(bodies: list[str]) -> list[int]:
    """For each chunk: the index of the '## ' section it ends in."""
    index: list[int] = []
    n = 0
    for text in bodies:
        at = 0 if text.startswith("## ") else text.find("\n## ")
        while at != -1:
            n += 1
            at = text.find("\n## ", at + 3)
        index.append(n)
    return index


def _parents(
    plan: Plan, lay: DocLayout, bodies: list[str], sections: list[int]
) -> dict[int, tuple[str, str, set[int]]]:
    """Section-level parent chunks: section index -> (id, text, child ords). Only sections with at
    least two chunks get one, so a parent's text never equals a child's."""
    groups: dict[int, list[int]] = {}
    for i, sec in enumerate(sections):
        groups.setdefault(sec, []).append(i)
    out = {}
    for sec, ords in groups.items():
        if len(ords) >= 2:
            text = "\n\n".join(bodies[i] for i in ords)
            out[sec] = (plan.parent_chunk_id(lay.u, lay.d, sec), text, set(ords))
    return out


def document_context(lay: DocLayout, title: str, pieces: list[compose.Piece]) -> str:
    """chunk_context as the engine writes it: a summary of the whole document, the same for
    every chunk of it (contextual retrieval)."""
    return compose.document_summary(title, lay.topic, lay.lang, pieces)


def _chats(
    plan: Plan, u: int, user_created: int, user_id: str, by_doc: list[list[_Chunk]],
    pool: list[_Chunk], rows: Rows, clock: Clock,
) -> None:  # fmt: skip
    cfg = plan.config
    docs = [chunks for chunks in by_doc if chunks]
    start = user_created + plan.doc_count(u) * 6 * 3600 + 12 * 3600
    for s in range(plan.session_count(u)):
        srng = R.stream(plan.seed, "session", u, s)
        turn_id = R.uuids_for(plan.seed, "turn", u, s)
        sid = R.uuid_for(plan.seed, "session", u, s)
        at = start + s * 26 * 3600 + int(srng.random() * 20 * 3600)
        session_at = at
        title = None
        for t in range(cfg.turns_per_session):
            trng = R.stream(plan.seed, "turn", u, s, t)
            turn = _turn(cfg.keyword_share, cfg.retrieval_k, trng, docs, pool)
            embed = R.lognormal_int(trng, 24, 0.45)
            search = R.lognormal_int(trng, 38, 0.6)
            llm = R.lognormal_int(trng, 1100, 0.55, lo=80)
            at += (0 if t == 0 else 20 + int(R.expovariate(trng, 1 / 90))) + (
                embed + search + llm
            ) // 1000
            if title is None:
                title = _title(turn.question)
            prompt = SYSTEM_PROMPT_TOKENS + estimate_tokens(turn.question) + turn.source_tokens
            rows["chat_turns"].append((
                turn_id(t), sid, user_id, turn.question, turn.answer, turn.sources,
                cfg.retrieval_k, embed, search, llm, prompt, turn.answer_tokens, clock(at),
            ))  # fmt: skip
        rows["chat_sessions"].append((sid, user_id, title, clock(session_at)))


@dataclass(frozen=True)
class TurnPick:
    """What a turn is about, decided before any text: recomputable from layouts alone."""

    form: str  # "keyword" or "natural"
    doc: int  # index among the tenant's documents that have chunks; -1 when there are none
    ord: int
    n_relevant: int  # the first n_relevant sources are the chunks the question was asked about


def pick_turn(rng: random.Random, keyword_share: float, sizes: list[int]) -> TurnPick:
    form = "keyword" if rng.random() < keyword_share else "natural"
    if not sizes:
        return TurnPick(form, -1, -1, 0)
    doc = R.below(rng, len(sizes))
    i = R.below(rng, sizes[doc])
    # A keyword query is typed from one chunk; a natural question may span two neighbours.
    both = form == "natural" and i + 1 < sizes[doc] and rng.random() < 0.3
    return TurnPick(form, doc, i, 2 if both else 1)


def chat_truth(plan: Plan, u: int) -> dict[tuple[int, int], TurnPick]:
    """Every turn's pick for tenant u, by (session, turn), without generating any text."""
    sizes = [lay.n_body for lay in plan.layouts(u) if lay.indexed and lay.n_body > 0]
    cfg = plan.config
    return {
        (s, t): pick_turn(R.stream(plan.seed, "turn", u, s, t), cfg.keyword_share, sizes)
        for s in range(plan.session_count(u))
        for t in range(cfg.turns_per_session)
    }


class Turn(NamedTuple):
    """A chat turn's texts and sources, before its latencies and times."""

    question: str
    answer: str
    answer_tokens: int
    sources: list[str]  # chunk ids: the relevant ones first, then distractors
    source_tokens: int


def _turn(
    keyword_share: float, k: int, rng: random.Random, docs: list[list[_Chunk]], pool: list[_Chunk]
) -> Turn:
    pick = pick_turn(rng, keyword_share, [len(c) for c in docs])
    if pick.doc < 0:
        lang = "en"
        topic = TOPICS[R.below(rng, len(TOPICS))]
        q = compose.document_title(rng, topic, lang)
        q = q.lower() if pick.form == "keyword" else q + "?"
        a = NO_CONTEXT_ANSWER[lang]
        return Turn(q, a, estimate_tokens(a), [], 0)
    chunks = docs[pick.doc]
    relevant = chunks[pick.ord : pick.ord + pick.n_relevant]
    lang = relevant[0].lang
    pieces = [c.piece for c in relevant]
    q = question_for(rng, pieces, lang, pick.form)
    a, completion = answer_for(rng, q, pieces, lang)
    chosen = {c.id for c in relevant}
    distractors: list[_Chunk] = []
    # Near misses first (same document), then anything else the tenant owns.
    candidates = [c for c in chunks if c.id not in chosen]
    R.shuffle(rng, candidates)
    others = [pool[R.below(rng, len(pool))] for _ in range(2 * k)] if pool else []
    for c in candidates + others:
        if len(relevant) + len(distractors) >= k:
            break
        if c.id not in chosen:
            chosen.add(c.id)
            distractors.append(c)
    retrieved = relevant + distractors
    tokens = sum(c.piece.tokens for c in retrieved)
    return Turn(q, a, completion, [c.id for c in retrieved], tokens)


def _title(question: str, limit: int = 80) -> str:
    if len(question) <= limit:
        return question
    cut = question[: limit - 1].rsplit(" ", 1)[0]
    return cut + "…"


__all__ = [
    "BOILERPLATE_POOL", "boilerplate", "document_context", "document_pieces", "tenant_rows",
    "user_row",
]  # fmt: skip
