"""ragseed.factories on real SQLite and PostgreSQL: relationships, traits, determinism, bulk."""

from __future__ import annotations

import runpy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from ragseed import api
from ragseed import factories as F
from ragseed.core.errors import ConflictError
from ragseed.core.rows import COLUMNS
from ragseed.db.engine import make_engine

from .conftest import make_config
from .dbutil import dump, scalar

SEED = 4242


@pytest.fixture
def conn(db_url: str) -> Iterator[Connection]:
    """A connection whose transaction is committed when the test body succeeds."""
    engine = make_engine(db_url)
    with engine.connect() as c, c.begin():
        yield c
    engine.dispose()


def scalar_in(conn: Connection, sql: str) -> int:
    return int(conn.execute(text(sql)).scalar_one())


def rows_of(user: F.User) -> dict[str, list[tuple[Any, ...]]]:
    """The user's object graph as canonical rows, sorted like dbutil.dump."""
    docs, chunks = user.documents, user.chunks
    out = {
        "users": [F.as_row(user, "users")],
        "documents": sorted(F.as_row(d, "documents") for d in docs),
        "chunk_store": sorted(F.as_row(c, "chunk_store") for c in chunks),
        "document_chunks": sorted((d.id, i, c.id) for d in docs for i, c in enumerate(d.chunks)),
        "chat_sessions": sorted(F.as_row(s, "chat_sessions") for s in user.sessions),
        "chat_turns": sorted(F.as_row(t, "chat_turns") for s in user.sessions for t in s.turns),
        "graph_triplets": sorted(
            (F.as_row(t, "graph_triplets") for d in docs for t in d.triplets),
            key=lambda r: (r[2], r[3], r[4], r[5]),
        ),
    }
    return out


def test_user_with_documents_writes_every_table(conn: Connection, db_url: str) -> None:
    user = F.UserFactory(documents=3, sessions=2, turns=2, seed=SEED, sqlalchemy_session=conn)
    conn.commit()
    assert [d.status for d in user.documents] == ["indexed"] * 3
    assert all(d.chunks for d in user.documents)
    db = dump(db_url)
    assert db == rows_of(user), "the objects are exactly the rows written"
    assert len(db["chat_turns"]) == 4
    assert {r[1] for r in db["chunk_store"]} == {user.id}


def test_documents_traits_and_links(conn: Connection, db_url: str) -> None:
    with F.bind(conn):
        user = F.UserFactory(documents=1, seed=SEED, key="traits")
        failed = F.DocumentFactory(user=user, failed=True)
        arabic = F.DocumentFactory(user=user, arabic=True)
        heavy = F.DocumentFactory(user=user, heavy=True, english=True)
        extra = F.ChunkFactory(document=arabic)
        shared = F.DocumentChunkFactory(document=heavy, chunk=user.documents[0].chunks[0])
        fact = F.TripletFactory(document=arabic)
    conn.commit()
    assert user.document_ids == [user.documents[0].id, failed.id, arabic.id, heavy.id]
    assert failed.status == "failed" and failed.error and failed.chunks == []
    assert scalar(db_url, "SELECT count(*) FROM document_chunks WHERE document_id = :d",
                  d=failed.id) == 0  # fmt: skip
    assert arabic.language == "ar" and any("\u0600" <= ch <= "\u06ff" for ch in arabic.title)
    assert heavy.language == "en" and len(heavy.chunks) >= 40
    assert arabic.chunks[-1] is extra and extra.user_id == user.id
    assert (shared.ord, shared.chunk_id) == (len(heavy.chunks) - 1, user.documents[0].chunks[0].id)
    assert fact.chunk_id in arabic.chunk_ids and fact.subject in arabic.title + " ".join(
        c.text for c in arabic.chunks
    )
    assert dump(db_url) == rows_of(user)


def test_chat_sources_are_chunks_of_the_same_user(conn: Connection, db_url: str) -> None:
    with F.bind(conn):
        other = F.UserFactory(documents=2, seed=SEED)
        user = F.UserFactory(documents=2, seed=SEED)
        chat = F.ChatSessionFactory(user=user, turns=2)
        turn = F.ChatTurnFactory(chat_session=chat)
    conn.commit()
    assert chat.turns[-1] is turn and len(chat.turns) == 3
    cited = {s for t in chat.turns for s in t.sources}
    assert cited and cited <= user.chunk_ids and not cited & other.chunk_ids
    owners = {r[0]: r[1] for r in dump(db_url)["chunk_store"]}
    assert {owners[s] for s in cited} == {user.id}
    assert [t.user_id for t in chat.turns] == [user.id] * 3


def test_a_child_without_a_parent_gets_one(conn: Connection) -> None:
    with F.bind(conn):
        turn = F.ChatTurnFactory(seed=SEED, key="orphan")
        link = F.DocumentChunkFactory(seed=SEED, key="orphan")
    assert turn.sources and link.ord >= 1
    assert scalar_in(conn, "SELECT count(*) FROM users") == 2


def test_same_key_same_rows_whatever_the_order(conn: Connection, db_url: str) -> None:
    keys = ["alpha", "beta", "gamma"]
    with F.bind(conn):
        created = {k: F.UserFactory(key=k, documents=2, sessions=1, seed=SEED) for k in keys[::-1]}
    conn.commit()
    built = {k: F.UserFactory.build(key=k, documents=2, sessions=1, seed=SEED) for k in keys}
    assert created == built
    db = dump(db_url)
    for table in COLUMNS:
        want = sorted(r for u in built.values() for r in rows_of(u)[table])
        got = sorted(db[table])
        assert got == want, table
    assert len({u.id for u in built.values()}) == 3
    assert built["alpha"].email != built["beta"].email
    other_seed = F.UserFactory.build(key="alpha", documents=2, sessions=1, seed=SEED + 1)
    assert other_seed.id != built["alpha"].id


def test_default_keys_come_from_the_test_not_a_global_counter(
    request: pytest.FixtureRequest,
) -> None:
    assert F.current_scope() == request.node.nodeid
    first, second = F.UserFactory.build(), F.UserFactory.build()
    assert first.id != second.id
    with F.key_scope("fixed"):
        a = F.UserFactory.build(documents=1)
    with F.key_scope("fixed"):  # a scope starts counting again: same objects
        b = F.UserFactory.build(documents=1)
    assert a == b == F.UserFactory.build(key="fixed::user#0", documents=1)
    assert first == F.UserFactory.build(key=f"{request.node.nodeid}::user#0")


def test_factories_work_with_an_orm_session(db_url: str) -> None:
    engine = make_engine(db_url)
    with Session(engine) as session:
        user = F.UserFactory(documents=1, seed=SEED, sqlalchemy_session=session)
        session.commit()
    engine.dispose()
    assert scalar(db_url, "SELECT api_key FROM users WHERE id = :u", u=user.id) == user.api_key


def test_without_a_database_create_explains_what_to_do() -> None:
    with pytest.raises(RuntimeError, match="sqlalchemy_session"):
        F.UserFactory()
    assert F.UserFactory.build(documents=1).documents[0].chunks


def test_bulk_writes_what_ragseed_seed_writes(db_url: str) -> None:
    config = make_config(db_url, num_users=5, docs_per_user=3, seed=SEED)
    api.seed(config)
    seeded = dump(db_url)
    api.reset(config)
    engine = make_engine(db_url)
    with engine.begin() as c:
        result = F.bulk(c, users=5, docs_per_user=3, seed=SEED)
    engine.dispose()
    assert dump(db_url) == seeded
    assert result.counts["users"] == 5 and result.api_keys["admin@example.com"] == "sk_admin_123"
    # A factory user with an int key is that tenant of the seed: one generator, one truth.
    knobs = {k: getattr(config, k) for k in ("failed_share", "pending_share")}
    tenant = F.UserFactory.build(key=4, seed=SEED, documents=3, sessions=2, turns=2, **knobs)
    assert tenant == result.user(4)
    assert F.as_row(tenant, "users") in seeded["users"]
    assert set(rows_of(tenant)["chunk_store"]) <= set(seeded["chunk_store"])


def test_seed_factories_script_adds_users_once(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    script = Path(__file__).resolve().parents[1] / "scripts" / "seed_factories.py"
    main = runpy.run_path(str(script))["main"]
    args = ["--database-url", sqlite_url, "--users", "2", "--documents", "1", "--sessions", "1"]
    assert main(args) == 0
    assert main([*args[:3], "3", *args[4:]]) == 0
    out = capsys.readouterr().out
    assert out.count("(already there)") == 2
    assert scalar(sqlite_url, "SELECT count(*) FROM users") == 3
    assert scalar(sqlite_url, "SELECT count(*) FROM documents") == 3


def test_bulk_over_seeded_tenants_says_what_collided(db_url: str) -> None:
    api.seed(make_config(db_url, num_users=3, docs_per_user=1))
    engine = make_engine(db_url)
    with pytest.raises(ConflictError) as caught, engine.begin() as c:
        F.bulk(c, users=5, docs_per_user=1)
    message = str(caught.value)
    assert "bulk tenant 0's user admin@example.com collides with a user already" in message
    assert "first=ragseed_db.config.num_users" in message and "\n" not in message
    # another seed does not help: the static users keep their emails and keys
    with (
        pytest.raises(ConflictError, match="tenant 0's user admin@example.com"),
        engine.begin() as c,
    ):
        F.bulk(c, users=5, docs_per_user=1, seed=7)
    with engine.begin() as c:
        assert F.bulk(c, users=2, docs_per_user=1, first=3).counts["users"] == 2
    engine.dispose()
    assert scalar(db_url, "SELECT count(*) FROM users") == 5


def test_bulk_colliding_on_another_table_raises_a_clear_error(db_url: str) -> None:
    api.init(make_config(db_url))
    engine = make_engine(db_url)
    with engine.connect() as c:  # the id bulk gives tenant 3's first document, then rolled back
        doc_id = F.bulk(c, users=1, docs_per_user=1, first=3).user(3).documents[0].id
        c.rollback()
    with engine.begin() as c:
        c.exec_driver_sql(
            "INSERT INTO users (id, email, api_key) VALUES ('other', 'o@x.io', 'sk_o')"
        )
        c.exec_driver_sql(
            "INSERT INTO documents (id, user_id, filename, content_type, file_path, size_bytes) "
            f"VALUES ('{doc_id}', 'other', 'a.txt', 'text/plain', '/a.txt', 1)"
        )
    clear = r"bulk tenants 3\.\.3 collide with rows already in the database \(.*documents.*\): "
    with pytest.raises(ConflictError, match=clear + "pass first="), engine.begin() as c:
        F.bulk(c, users=1, docs_per_user=1, first=3)
    engine.dispose()
    assert scalar(db_url, "SELECT count(*) FROM documents") == 1
