"""factory_boy factories for every RAG table, on ragseed's own generators (see base.py)."""

from __future__ import annotations

from ..core.rows import empty_rows
from . import generation as G
from . import objects as O
from .base import Call, RagFactory, Trait


class UserFactory(RagFactory[O.User]):
    """A tenant: `documents` indexed documents with chunks, `sessions` chat sessions of `turns`."""

    class Meta:
        model = O.User

    class Params:
        heavy = Trait(documents=40, min_chunks=20, max_chunks=40, chunk_lambda=30.0)

    documents = 0
    sessions = 0
    turns = 2
    _kind = "user"

    @classmethod
    def _make(cls, call: Call) -> O.User:
        seed, kw = int(call.kw["seed"]), call.kw
        u = G.tenant_index(seed, call.key(cls._kind))
        sizes = {k: kw[k] for k in ("documents", "sessions", "turns")}
        plan = call.plan(seed, **sizes)
        gen = G.user(plan, u)
        user = O.new_user(gen.rows["users"][0], seed, u)
        O.attach(user, gen.rows, gen.layouts, gen.titles)
        call.write(gen.rows, new_tenant=True)
        return user


class DocumentFactory(RagFactory[O.Document]):
    """The user's next document (indexed unless a trait says otherwise), with its chunks."""

    class Meta:
        model = O.Document

    class Params:
        heavy = Trait(min_chunks=40, max_chunks=80, chunk_lambda=60.0)

    user = None
    _kind = "document"

    @classmethod
    def _make(cls, call: Call) -> O.Document:
        user: O.User = call.kw["user"] or call.parent(UserFactory, cls._kind)
        gen = G.document(call.plan_of(user), user.index, len(user.documents))
        known = user.chunk_ids  # shared boilerplate is stored once per tenant
        fresh = [r for r in gen.rows["chunk_store"] if r[0] not in known]
        rows = {**gen.rows, "chunk_store": fresh}
        (doc,) = O.attach(user, gen.rows, gen.layouts, gen.titles)
        call.write(rows)
        return doc


class ChatSessionFactory(RagFactory[O.ChatSession]):
    """The user's next chat session; its turns cite the user's own chunks."""

    class Meta:
        model = O.ChatSession

    user = None
    turns = 2
    _kind = "chat_session"

    @classmethod
    def _make(cls, call: Call) -> O.ChatSession:
        user: O.User = call.kw["user"] or call.parent(UserFactory, cls._kind, documents=1)
        turns = int(call.kw["turns"])
        plan = call.plan_of(user)
        rows = G.sessions(plan, user.index, user.layouts, len(user.sessions), max(turns, 1))
        rows["chat_turns"] = rows["chat_turns"][:turns]
        (session,) = O.attach_sessions(user, rows)
        call.write(rows)
        return session


class ChatTurnFactory(RagFactory[O.ChatTurn]):
    """The chat session's next turn."""

    class Meta:
        model = O.ChatTurn

    chat_session = None
    _kind = "chat_turn"

    @classmethod
    def _make(cls, call: Call) -> O.ChatTurn:
        session: O.ChatSession = call.kw["chat_session"] or call.parent(
            ChatSessionFactory, cls._kind, turns=1
        )
        user = session.user
        if user is None:
            raise ValueError("ChatTurnFactory needs a chat session made by ragseed.factories")
        plan = call.plan_of(user)
        row = G.turn(plan, user.index, user.layouts, session.index, len(session.turns))
        rows = empty_rows()
        rows["chat_turns"] = [row]
        turn = O.ChatTurn(**O.fields("chat_turns", row))
        session.turns.append(turn)
        call.write(rows)
        return turn


class ChunkFactory(RagFactory[O.Chunk]):
    """A chunk appended to a document (chunk_store and document_chunks rows)."""

    class Meta:
        model = O.Chunk

    document = None
    _kind = "chunk"

    @classmethod
    def _make(cls, call: Call) -> O.Chunk:
        doc: O.Document = call.kw["document"] or call.parent(DocumentFactory, cls._kind)
        user, lay = doc.user, doc.layout
        if user is None or lay is None:
            raise ValueError("ChunkFactory needs a document made by ragseed.factories")
        at = doc.updated_at.strftime("%Y-%m-%d %H:%M:%S")
        # The document's summary, as on its other chunks (None where the column is missing).
        context = doc.chunks[0].chunk_context if doc.chunks else None
        row = G.extra_chunk(
            call.plan_of(user), lay, doc.title, user.id, len(doc.chunks), at, context
        )
        rows = empty_rows()
        rows["chunk_store"] = [row]
        rows["document_chunks"] = [(doc.id, len(doc.chunks), row[0])]
        chunk = O.Chunk(**O.fields("chunk_store", row))
        doc.chunks.append(chunk)
        call.write(rows)
        return chunk


class DocumentChunkFactory(RagFactory[O.DocumentChunk]):
    """Links a chunk to a document at its next position: one chunk shared by several documents of
    the same user (the engine deduplicates chunks per tenant). Without chunk=, a new chunk."""

    class Meta:
        model = O.DocumentChunk

    document = None
    chunk = None
    _kind = "document_chunk"

    @classmethod
    def _make(cls, call: Call) -> O.DocumentChunk:
        doc: O.Document = call.kw["document"] or call.parent(DocumentFactory, cls._kind)
        chunk: O.Chunk | None = call.kw["chunk"]
        if chunk is None:
            factory_ = ChunkFactory.create if call.create else ChunkFactory.build
            chunk = factory_(document=doc, sqlalchemy_session=call.kw.get("sqlalchemy_session"))
            return O.DocumentChunk(doc.id, len(doc.chunks) - 1, chunk.id)
        if chunk.user_id != doc.user_id:
            raise ValueError("a document can only hold chunks of its own user")
        link = O.DocumentChunk(doc.id, len(doc.chunks), chunk.id)
        doc.chunks.append(chunk)
        rows = empty_rows()
        rows["document_chunks"] = [(link.document_id, link.ord, link.chunk_id)]
        call.write(rows)
        return link


class TripletFactory(RagFactory[O.Triplet]):
    """A knowledge-graph fact extracted from one of a document's chunks (default: its first),
    stored on the chunk's parent where it has one, as the engine does."""

    class Meta:
        model = O.Triplet

    document = None
    chunk = None
    _kind = "triplet"

    @classmethod
    def _make(cls, call: Call) -> O.Triplet:
        if call.create and not call.features.graph_triplets:
            raise ValueError("this database has no graph_triplets table")
        doc: O.Document = call.kw["document"] or call.parent(DocumentFactory, cls._kind)
        user = doc.user
        if user is None or doc.layout is None:
            raise ValueError("TripletFactory needs a document made by ragseed.factories")
        # The document's n-th fact: keyed by position, like every child object.
        at_ = (user.index, doc.layout.d, len(doc.triplets))
        chunks = [call.kw["chunk"]] if call.kw["chunk"] else doc.chunks
        fact = next((f for c in chunks for f in G.triplets(user.seed, at_, c, doc.language)), None)
        if fact is None:
            raise ValueError(f"no fact found in the chunks of document {doc.id}")
        chunk, (subject, relation, obj) = fact
        at = doc.updated_at
        # The engine stores a fact on the parent (section) chunk, whose text holds the chunk's.
        source = chunk.parent_id or chunk.id
        triplet = O.Triplet(doc.user_id, doc.id, source, subject, relation, obj, at)
        doc.triplets.append(triplet)
        rows = empty_rows()
        rows["graph_triplets"] = [O.as_row(triplet, "graph_triplets")]
        call.write(rows)
        return triplet
