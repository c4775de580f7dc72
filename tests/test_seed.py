"""End-to-end seeding on real SQLite and real PostgreSQL: the seed document's checks and more."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from ragseed import api
from ragseed.core.documents import CONTENT_TYPE_BY_EXT
from ragseed.core.errors import DatabaseError, LedgerError

from .conftest import make_config
from .dbutil import dump, execute, scalar, schema_snapshot


def test_counts_match_the_config(db_url: str) -> None:
    cfg = make_config(db_url, num_users=4, docs_per_user=5, sessions_per_user=2,
                      turns_per_session=3)  # fmt: skip
    result = api.seed(cfg)
    assert scalar(db_url, "SELECT count(*) FROM users") == 4
    assert scalar(db_url, "SELECT count(*) FROM documents") == 20
    assert scalar(db_url, "SELECT count(*) FROM chat_sessions") == 8
    assert scalar(db_url, "SELECT count(*) FROM chat_turns") == 24
    assert scalar(db_url, "SELECT count(*) FROM chunk_store") > 0
    for table, n in result.counts.items():
        assert scalar(db_url, f"SELECT count(*) FROM {table}") == n, table
    # into empty tables the totals are the written counts, taken without a count(*): they must
    # still be what the tables hold, and what the ledger keeps
    assert result.totals == result.counts
    assert api.status(cfg).state.counts() == result.counts


def test_totals_count_what_was_there_before_a_top_up(db_url: str) -> None:
    api.seed(make_config(db_url, num_users=3))
    grown = api.seed(make_config(db_url, num_users=5))
    for table, n in grown.totals.items():
        assert scalar(db_url, f"SELECT count(*) FROM {table}") == n, table
    assert grown.totals["users"] == 5 and grown.counts["users"] == 2


def test_relationships_hold(db_url: str) -> None:
    api.seed(make_config(db_url, num_users=3, docs_per_user=6))
    rows = dump(db_url)
    users = {r[0] for r in rows["users"]}
    docs = {r[0]: r for r in rows["documents"]}
    chunks = {r[0]: r for r in rows["chunk_store"]}
    assert {d[1] for d in docs.values()} <= users
    assert all(c[1] in users for c in chunks.values())
    for doc_id, _ord, chunk_id in rows["document_chunks"]:
        # a document's chunks belong to the document's owner: no cross-tenant links
        assert docs[doc_id][1] == chunks[chunk_id][1]
    sessions = {r[0]: r[1] for r in rows["chat_sessions"]}
    for turn in rows["chat_turns"]:
        assert sessions[turn[1]] == turn[2]
        for source in turn[5]:
            assert chunks[source][1] == turn[2], "a citation must be a chunk of the same user"
    # every user has documents and each indexed document has its chunks in order 0..n-1
    per_doc: dict[str, list[int]] = {}
    for doc_id, ord_, _ in rows["document_chunks"]:
        per_doc.setdefault(doc_id, []).append(ord_)
    for doc_id, doc in docs.items():
        ords = sorted(per_doc.get(doc_id, []))
        assert ords == list(range(len(ords)))
        assert (doc[7] == "indexed") == bool(ords), "only indexed documents have chunks"


def test_mean_chunks_per_document_is_realistic(db_url: str) -> None:
    api.seed(make_config(db_url, profile="development", sessions_per_user=1))
    mean = scalar(
        db_url,
        "SELECT avg(n) FROM (SELECT count(*) AS n FROM document_chunks GROUP BY document_id) x",
    )
    assert 5 < float(mean) < 20


def test_document_metadata_is_plausible(db_url: str) -> None:
    api.seed(make_config(db_url, num_users=6, docs_per_user=20))
    docs = dump(db_url)["documents"]
    for _id, _user, filename, ctype, path, size, sha, status, error, created, updated in docs:
        ext = filename.rsplit(".", 1)[-1]
        assert CONTENT_TYPE_BY_EXT[ext] == ctype
        assert path.endswith("/" + filename) and path.startswith("/uploads/")
        assert 100 <= size < 200_000_000
        assert len(sha) == 64
        assert (status == "failed") == (error is not None)
        assert updated >= created
    statuses = Counter(d[7] for d in docs)
    assert statuses["indexed"] > 0.8 * len(docs)


def test_same_seed_gives_identical_rows_on_both_backends(sqlite_url: str, pg_url: str) -> None:
    a = api.seed(make_config(sqlite_url, num_users=4))
    b = api.seed(make_config(pg_url, num_users=4))
    assert a.fingerprint == b.fingerprint
    assert dump(sqlite_url) == dump(pg_url)


def test_a_different_seed_gives_different_rows(tmp_path) -> None:  # type: ignore[no-untyped-def]
    a = api.seed(make_config(f"sqlite:///{tmp_path / 'a.db'}", seed=1))
    b = api.seed(make_config(f"sqlite:///{tmp_path / 'b.db'}", seed=2))
    assert a.fingerprint != b.fingerprint


def test_second_run_does_nothing(db_url: str) -> None:
    cfg = make_config(db_url)
    first = api.seed(cfg)
    before = dump(db_url)
    second = api.seed(cfg)
    assert second.skipped and "nothing to do" in second.reason
    assert second.fingerprint == first.fingerprint
    assert dump(db_url) == before


def test_changed_config_is_refused_without_reset(db_url: str) -> None:
    api.seed(make_config(db_url, seed=1))
    before = dump(db_url)
    with pytest.raises(LedgerError, match="seed 1 -> 2.*--reset"):
        api.seed(make_config(db_url, seed=2))
    assert dump(db_url) == before


def test_reset_replaces_the_seed(db_url: str) -> None:
    api.seed(make_config(db_url, seed=1))
    again = api.seed(make_config(db_url, seed=2, reset=True))
    fresh_db = dump(db_url)
    assert again.counts["users"] == len(fresh_db["users"])
    assert again.totals == {t: len(rows) for t, rows in fresh_db.items() if t in again.totals}
    emails = {r[1] for r in fresh_db["users"]}
    assert len(emails) == len(fresh_db["users"])


def test_foreign_rows_are_not_mixed_with_a_seed(db_url: str) -> None:
    api.init(make_config(db_url))
    execute(
        db_url, "INSERT INTO users (id, email, api_key) VALUES ('x', 'real@corp.com', 'k1234567')"
    )
    with pytest.raises(LedgerError, match="did not write"):
        api.seed(make_config(db_url))
    assert scalar(db_url, "SELECT count(*) FROM users") == 1


FAIL_TRIGGER = {
    "sqlite": [
        "CREATE TRIGGER fail_turns BEFORE INSERT ON chat_turns "
        "BEGIN SELECT RAISE(ABORT, 'forced failure'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION fail_turns() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'forced failure'; END $$",
        "CREATE TRIGGER fail_turns BEFORE INSERT ON chat_turns "
        "FOR EACH ROW EXECUTE FUNCTION fail_turns()",
    ],
}


def test_failure_midway_leaves_the_database_as_it_was(db_url: str) -> None:
    """chat_turns are written after users, documents and chunks: a failure there is midway,
    after the reset and thousands of rows. Everything must roll back, the reset included."""
    api.seed(make_config(db_url, seed=1))
    before = dump(db_url)
    runs = scalar(db_url, "SELECT count(*) FROM ragseed_runs")
    dialect = "postgresql" if db_url.startswith("postgres") else "sqlite"
    execute(db_url, *FAIL_TRIGGER[dialect])
    with pytest.raises(DatabaseError, match="forced failure"):
        api.seed(make_config(db_url, seed=2, reset=True, profile="development"))
    assert dump(db_url) == before
    assert scalar(db_url, "SELECT count(*) FROM ragseed_runs") == runs


def test_bulk_load_puts_every_index_and_constraint_back(db_url: str) -> None:
    """Into empty tables the loaders drop secondary indexes (and on PostgreSQL constraints) and
    rebuild them after the data: the schema must end up exactly as it started, after a
    successful load and after a failed one."""
    api.init(make_config(db_url))
    before = schema_snapshot(db_url)
    assert any("ix_chunk_store_user_id" in " ".join(r) for r in before)
    api.seed(make_config(db_url, num_users=6))
    assert schema_snapshot(db_url) == before
    dialect = "postgresql" if db_url.startswith("postgres") else "sqlite"
    execute(db_url, *FAIL_TRIGGER[dialect])
    with_trigger = schema_snapshot(db_url)
    with pytest.raises(DatabaseError, match="forced failure"):
        api.seed(make_config(db_url, seed=2, reset=True))
    assert schema_snapshot(db_url) == with_trigger


def test_first_seed_failure_creates_nothing(sqlite_url: str) -> None:
    api.init(make_config(sqlite_url))
    execute(sqlite_url, *FAIL_TRIGGER["sqlite"])
    with pytest.raises(DatabaseError):
        api.seed(make_config(sqlite_url))
    assert scalar(sqlite_url, "SELECT count(*) FROM users") == 0
    assert scalar(sqlite_url, "SELECT count(*) FROM chunk_store") == 0


def test_sources_are_stored_natively(db_url: str) -> None:
    api.seed(make_config(db_url, num_users=2))
    if db_url.startswith("postgres"):
        assert scalar(db_url, "SELECT pg_typeof(sources)::text FROM chat_turns LIMIT 1") == (
            "character varying[]"
        )
    else:
        raw = scalar(db_url, "SELECT sources FROM chat_turns LIMIT 1")
        assert isinstance(json.loads(raw), list)


def test_chunk_hash_is_sha256_of_text(db_url: str) -> None:
    import hashlib

    api.seed(make_config(db_url, num_users=2))
    for _id, _user, digest, text, *_ in dump(db_url)["chunk_store"]:
        assert digest == hashlib.sha256(text.encode()).hexdigest()


def test_one_hundred_thousand_users(sqlite_url: str) -> None:
    """Faker's emails collide well before this; ours are unique by construction."""
    cfg = make_config(sqlite_url, num_users=100_000, docs_per_user=0, sessions_per_user=0)
    result = api.seed(cfg)
    assert result.counts["users"] == 100_000
    assert scalar(sqlite_url, "SELECT count(DISTINCT email) FROM users") == 100_000
    assert scalar(sqlite_url, "SELECT count(DISTINCT api_key) FROM users") == 100_000


def test_no_chat_seeds_verifies_and_grows(db_url: str, tmp_path: Path) -> None:
    """--sessions 0 --turns 0: no chat rows; verify passes; a top-up adds chats exactly."""
    from ragseed import verify

    no_chat = dict(num_users=3, docs_per_user=3, sessions_per_user=0, turns_per_session=0)
    result = api.seed(make_config(db_url, **no_chat))
    assert result.counts["chat_sessions"] == result.counts["chat_turns"] == 0
    assert result.counts["documents"] == 9
    assert scalar(db_url, "SELECT count(*) FROM chat_sessions") == 0
    assert scalar(db_url, "SELECT count(*) FROM chat_turns") == 0
    report = verify.run(make_config(db_url))
    assert report.ok, [c.summary for c in report.failures]
    assert report.turns_total == 0
    assert api.seed(make_config(db_url, **no_chat)).skipped
    chats = {**no_chat, "sessions_per_user": 2, "turns_per_session": 2}
    grown = api.seed(make_config(db_url, **chats))
    assert grown.action == "top-up" and grown.totals["chat_turns"] == 12
    scratch = f"sqlite:///{tmp_path / 'scratch.db'}"
    assert grown.fingerprint == api.seed(make_config(scratch, **chats)).fingerprint
    assert dump(db_url) == dump(scratch)
    with pytest.raises(LedgerError, match="shrunk"):
        api.seed(make_config(db_url, **no_chat))
