"""The seed document's own method, as a benchmark baseline (method "seed-doc").

A faithful reimplementation of the "Seeding Script Design" section of
shared/seed/database-seeding-strategies.md: SQLAlchemy ORM classes mapped onto the engine's
tables, Faker called per row, every object of a table held in memory and written with
`session.bulk_save_objects(...)`, one `session.commit()` at the end. The functions below are the
document's code; the only changes are marked `# bench:` and listed here:

1. `fake.email()` -> `fake.unique.email()`. Faker's en_US emails repeat after roughly a thousand
   users and the second one violates users.email UNIQUE, so the document's script dies at any
   volume worth benchmarking. `.unique` is the least invasive fix (Faker retries until unseen).
2. The document reads `user.id` and `doc.id` right after bulk_save_objects, which never writes
   generated keys back to the objects; its models must give `id` a value when the object is
   built. The mapped classes here do that (`id = str(uuid4())` in the constructor), as the
   engine's models would for a varchar(36) primary key.
3. SEED_CONFIG's sizes come from the command line (the benchmark sets the volume). The document's
   values are the defaults.
4. On SQLite, PRAGMA foreign_keys=ON, so that every method loads under the same constraints.
5. `fake.file_name(category="document")` -> `category="office"`. Faker has no "document"
   category (audio, image, office, text, video), so the document's call raises KeyError;
   "office" is the one holding doc, docx, pdf, pptx and the like.

Tables must exist (the benchmark creates them with ragseed.db.schema.build_metadata). Run:

    python bench/seed_doc_method.py --database-url URL --num-users 10 --num-docs 15
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from hashlib import sha256
from typing import Any
from uuid import uuid4

from faker import Faker
from sqlalchemy import create_engine, event
from sqlalchemy.orm import Session, registry

from ragseed.db.schema import build_metadata
from ragseed.db.urls import normalize

fake = Faker()
Faker.seed(12345)  # the document's "Faker Library" section

SEED_CONFIG: dict[str, int] = {
    "num_users": 10,
    "num_documents_per_user": 15,
    "min_chunks_per_document": 5,
    "max_chunks_per_document": 20,
    "num_chat_sessions_per_user": 5,
    "num_turns_per_session": 3,
}


# --- the ORM models, mapped onto the engine's own tables ---------------------------------------


class _Model:
    def __init__(self, **kw: Any) -> None:
        for key, value in kw.items():
            setattr(self, key, value)


class _ModelWithId(_Model):
    def __init__(self, **kw: Any) -> None:
        kw.setdefault("id", str(uuid4()))  # bench: change 2 (see the module docstring)
        super().__init__(**kw)


class User(_ModelWithId):
    id: str


class Document(_ModelWithId):
    id: str
    user_id: str


class ChunkStoreRow(_Model):
    id: str


class DocumentChunkRow(_Model):
    pass


class ChatSessionRow(_Model):
    id: str


class ChatTurnRow(_Model):
    pass


MODELS: dict[type, str] = {
    User: "users",
    Document: "documents",
    ChunkStoreRow: "chunk_store",
    DocumentChunkRow: "document_chunks",
    ChatSessionRow: "chat_sessions",
    ChatTurnRow: "chat_turns",
}


def map_models(dialect: str) -> None:
    md = build_metadata(dialect)
    reg = registry()
    for cls, table in MODELS.items():
        reg.map_imperatively(cls, md.tables[table])


# --- the document's seeding functions ------------------------------------------------------------


def seed_users(session: Session, count: int) -> list[User]:
    users = []
    for _ in range(count):
        user = User(
            email=fake.unique.email(),  # bench: change 1, was fake.email()
            api_key=f"sk_{fake.uuid4()[:24]}",
        )
        users.append(user)

    session.bulk_save_objects(users)
    return users


def seed_documents(session: Session, users: list[User]) -> list[Document]:
    documents = []
    for user in users:
        for _ in range(SEED_CONFIG["num_documents_per_user"]):
            doc = Document(
                user_id=user.id,
                filename=fake.file_name(category="office"),  # bench: change 5, was "document"
                content_type=fake.mime_type(),
                file_path=f"/uploads/{fake.uuid4()}",
                size_bytes=fake.random_int(min=1000, max=1000000),
                status="indexed",
            )
            documents.append(doc)

    session.bulk_save_objects(documents)
    return documents


def seed_chunks(session: Session, documents: list[Document]) -> None:
    chunk_rows = []
    document_chunk_rows = []

    for doc in documents:
        num_chunks = fake.random_int(
            min=SEED_CONFIG["min_chunks_per_document"], max=SEED_CONFIG["max_chunks_per_document"]
        )

        for i in range(num_chunks):
            chunk_hash = sha256(f"{doc.id}:{i}:{fake.sentence()}".encode()).hexdigest()

            chunk = ChunkStoreRow(
                id=str(uuid4()),
                user_id=doc.user_id,
                chunk_hash=chunk_hash,
                text=fake.paragraph(nb_sentences=5),
            )
            chunk_rows.append(chunk)

            mapping = DocumentChunkRow(
                document_id=doc.id,
                ord=i,
                chunk_id=chunk.id,
            )
            document_chunk_rows.append(mapping)

    session.bulk_save_objects(chunk_rows)
    session.bulk_save_objects(document_chunk_rows)


def seed_chat_sessions(session: Session, users: list[User]) -> None:
    sessions = []
    turns = []

    for user in users:
        for _ in range(SEED_CONFIG["num_chat_sessions_per_user"]):
            session_row = ChatSessionRow(
                id=str(uuid4()),
                user_id=user.id,
                title=fake.sentence()[:50],
            )
            sessions.append(session_row)

            for _i in range(SEED_CONFIG["num_turns_per_session"]):
                turn = ChatTurnRow(
                    id=str(uuid4()),
                    session_id=session_row.id,
                    user_id=user.id,
                    question=fake.sentence(),
                    answer=fake.paragraph(nb_sentences=3),
                    sources=[str(uuid4()) for _ in range(3)],
                    retrieval_k=3,
                    embed_ms=fake.random_int(min=50, max=200),
                    search_ms=fake.random_int(min=10, max=100),
                    llm_ms=fake.random_int(min=500, max=2000),
                    prompt_tokens=fake.random_int(min=100, max=500),
                    completion_tokens=fake.random_int(min=50, max=300),
                )
                turns.append(turn)

    session.bulk_save_objects(sessions)
    session.bulk_save_objects(turns)


def seed(session: Session) -> None:
    """The document's "Transaction Safety" shape: everything, then one commit."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        users = seed_users(session, SEED_CONFIG["num_users"])
        documents = seed_documents(session, users)
        seed_chunks(session, documents)
        seed_chat_sessions(session, users)
        session.commit()
    except SQLAlchemyError:
        session.rollback()
        raise


# --- entry point ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--num-users", type=int, default=SEED_CONFIG["num_users"])
    ap.add_argument("--num-docs", type=int, default=SEED_CONFIG["num_documents_per_user"])
    ap.add_argument("--min-chunks", type=int, default=SEED_CONFIG["min_chunks_per_document"])
    ap.add_argument("--max-chunks", type=int, default=SEED_CONFIG["max_chunks_per_document"])
    ap.add_argument("--sessions", type=int, default=SEED_CONFIG["num_chat_sessions_per_user"])
    ap.add_argument("--turns", type=int, default=SEED_CONFIG["num_turns_per_session"])
    ap.add_argument("--result", help="write timings as JSON to this file")
    args = ap.parse_args(argv)
    SEED_CONFIG.update(
        num_users=args.num_users,
        num_documents_per_user=args.num_docs,
        min_chunks_per_document=args.min_chunks,
        max_chunks_per_document=args.max_chunks,
        num_chat_sessions_per_user=args.sessions,
        num_turns_per_session=args.turns,
    )  # bench: change 3

    url = normalize(args.database_url)
    dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
    engine = create_engine(url)
    if dialect == "sqlite":

        @event.listens_for(engine, "connect")
        def _fk(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.execute("PRAGMA foreign_keys = ON")  # bench: change 4

    map_models(dialect)
    t0 = time.perf_counter()
    with Session(engine) as session:
        seed(session)
    seconds = time.perf_counter() - t0
    engine.dispose()
    if args.result:
        with open(args.result, "w", encoding="utf-8") as fh:
            json.dump(
                {
                    "seconds": seconds,
                    "hwm_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                    "seed_config": SEED_CONFIG,
                },
                fh,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
