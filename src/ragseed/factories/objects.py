"""What factories return: plain dataclasses that mirror the rows, with their relationships.

Back references (document.user, session.user) are excluded from equality, so two objects compare
equal exactly when their rows (and their children's rows) do. Children are left out of repr to
keep failure messages readable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..core.documents import DocLayout
from ..core.rows import COLUMNS, TIMESTAMP_COLUMNS, Row, Rows


def _ts(value: object) -> datetime:
    return datetime.strptime(str(value), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


def fields(table: str, row: Row) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in zip(COLUMNS[table], row, strict=True):
        if name in TIMESTAMP_COLUMNS and value is not None:
            value = _ts(value)
        elif isinstance(value, list):
            value = list(value)
        out[name] = value
    return out


def as_row(obj: object, table: str) -> Row:
    """The object's canonical row (rows.COLUMNS order, timestamps as text), as loaders take it."""
    out: list[object] = []
    for name in COLUMNS[table]:
        value = getattr(obj, name)
        if isinstance(value, datetime):
            value = value.strftime("%Y-%m-%d %H:%M:%S")
        out.append(list(value) if isinstance(value, list) else value)
    return tuple(out)


@dataclass
class Chunk:
    id: str
    user_id: str
    chunk_hash: str
    text: str
    parent_id: str | None
    chunk_context: str | None
    created_at: datetime


@dataclass
class Triplet:
    user_id: str
    document_id: str
    chunk_id: str
    subject: str
    relation: str
    obj: str
    created_at: datetime


@dataclass
class DocumentChunk:
    document_id: str
    ord: int
    chunk_id: str


@dataclass
class Document:
    id: str
    user_id: str
    filename: str
    content_type: str
    file_path: str
    size_bytes: int
    file_sha256: str | None
    status: str
    error: str | None
    created_at: datetime
    updated_at: datetime
    title: str = ""
    chunks: list[Chunk] = field(default_factory=list, repr=False)  # by ord, boilerplate too
    parents: list[Chunk] = field(default_factory=list, repr=False)  # section-level parents
    triplets: list[Triplet] = field(default_factory=list, repr=False)
    layout: DocLayout | None = field(default=None, repr=False)
    user: User | None = field(default=None, repr=False, compare=False)

    @property
    def language(self) -> str:
        return self.layout.lang if self.layout else "en"

    @property
    def chunk_ids(self) -> list[str]:
        return [c.id for c in self.chunks]


@dataclass
class ChatTurn:
    id: str
    session_id: str
    user_id: str
    question: str
    answer: str
    sources: list[str]
    retrieval_k: int
    embed_ms: int | None
    search_ms: int | None
    llm_ms: int | None
    prompt_tokens: int | None
    completion_tokens: int | None
    created_at: datetime


@dataclass
class ChatSession:
    id: str
    user_id: str
    title: str | None
    created_at: datetime
    index: int = 0  # the session's position among its user's sessions
    turns: list[ChatTurn] = field(default_factory=list, repr=False)
    user: User | None = field(default=None, repr=False, compare=False)


@dataclass
class User:
    id: str
    email: str
    api_key: str
    created_at: datetime
    seed: int = 0
    index: int = 0  # the tenant index the rows were generated for (Plan's u)
    documents: list[Document] = field(default_factory=list, repr=False)
    sessions: list[ChatSession] = field(default_factory=list, repr=False)

    @property
    def document_ids(self) -> list[str]:
        return [d.id for d in self.documents]

    @property
    def chunks(self) -> list[Chunk]:
        """Every chunk_store row of the user, once each (shared boilerplate, parents included)."""
        seen: dict[str, Chunk] = {}
        for doc in self.documents:
            for c in doc.parents + doc.chunks:
                seen.setdefault(c.id, c)
        return list(seen.values())

    @property
    def chunk_ids(self) -> set[str]:
        return {c.id for c in self.chunks}

    @property
    def layouts(self) -> tuple[DocLayout, ...]:
        return tuple(d.layout for d in self.documents if d.layout is not None)


def new_user(row: Row, seed: int, index: int) -> User:
    return User(**fields("users", row), seed=seed, index=index)


def attach(
    user: User, rows: Rows, layouts: dict[str, DocLayout], titles: dict[str, str]
) -> list[Document]:
    """Add the generated rows to the user's object graph; returns the new documents."""
    known = {c.id: c for c in user.chunks}
    for row in rows["chunk_store"]:
        known.setdefault(str(row[0]), Chunk(**fields("chunk_store", row)))
    docs = {d.id: d for d in user.documents}
    new: list[Document] = []
    for row in rows["documents"]:
        doc = Document(**fields("documents", row), user=user)
        doc.layout, doc.title = layouts.get(doc.id), titles.get(doc.id, "")
        docs[doc.id] = doc
        new.append(doc)
    for document_id, _ord, chunk_id in rows["document_chunks"]:  # generated in ord order
        docs[str(document_id)].chunks.append(known[str(chunk_id)])
    for row in rows["graph_triplets"]:
        docs[str(row[1])].triplets.append(Triplet(**fields("graph_triplets", row)))
    for doc in new:
        wanted = {c.parent_id for c in doc.chunks if c.parent_id}
        doc.parents = [known[p] for p in sorted(wanted)]
    user.documents.extend(new)
    attach_sessions(user, rows)
    return new


def attach_sessions(user: User, rows: Rows) -> list[ChatSession]:
    turns: dict[str, list[ChatTurn]] = {}
    for row in rows["chat_turns"]:
        turn = ChatTurn(**fields("chat_turns", row))
        turns.setdefault(turn.session_id, []).append(turn)
    new = []
    for row in rows["chat_sessions"]:
        session = ChatSession(**fields("chat_sessions", row), user=user)
        session.index = len(user.sessions)
        session.turns = turns.get(session.id, [])
        user.sessions.append(session)
        new.append(session)
    return new
