"""The chunks' vectors as a second sink: in the seed's transaction, following its decisions (fresh,
nothing, top-up, shards, reset), consistent with chunk_store, deterministic, verified."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragseed import api
from ragseed.core.errors import ConfigError, SchemaError

from .conftest import make_config
from .dbutil import execute, scalar

SMALL = dict(num_users=4, docs_per_user=4, sessions_per_user=2, turns_per_session=2)


def _store(url: str) -> str:
    return "pgvector" if url.startswith("postgres") else "sqlite"


def _vectors(url: str) -> dict[str, tuple[str, str, bytes]]:
    from sqlalchemy import create_engine, text

    from ragseed.db.urls import normalize

    engine = create_engine(normalize(url))
    column = "embedding::real[]" if url.startswith("postgres") else "embedding"
    with engine.connect() as conn:
        rows = conn.execute(
            text(f"SELECT chunk_id, user_id, document_id, {column} FROM chunk_embeddings")
        ).all()
    engine.dispose()
    out = {}
    for cid, user, doc, vec in rows:
        if not isinstance(vec, bytes):
            from array import array

            vec = array("f", vec).tobytes()
        out[str(cid)] = (str(user), str(doc), bytes(vec))
    return out


def test_every_used_chunk_gets_one_vector(db_url: str) -> None:
    cfg = make_config(db_url, **SMALL, vectors=_store(db_url))
    result = api.seed(cfg)
    used = scalar(db_url, "SELECT count(DISTINCT chunk_id) FROM document_chunks")
    assert result.counts["chunk_embeddings"] == used == len(_vectors(db_url)) > 0
    # never a section parent: the engine embeds the chunks documents list
    assert scalar(
        db_url, "SELECT count(*) FROM chunk_embeddings e JOIN chunk_store c ON c.parent_id = "
        "e.chunk_id",
    ) == 0  # fmt: skip
    report = api.verify(cfg)
    consistency = report.get("vector consistency")
    assert consistency.status == "pass", consistency.summary
    assert api.seed(cfg).skipped, "a re-run with the same vectors is a no-op"


def test_vectors_are_deterministic_and_in_the_fingerprint(db_url: str, tmp_path: Path) -> None:
    a = api.seed(make_config(db_url, **SMALL, vectors=_store(db_url)))
    other = f"sqlite:///{tmp_path / 'other.db'}"
    b = api.seed(make_config(other, **SMALL, vectors="sqlite"))
    assert _vectors(db_url) == _vectors(other), "the same bytes on both stores"
    assert a.fingerprint == b.fingerprint
    plain = api.seed(make_config(f"sqlite:///{tmp_path / 'plain.db'}", **SMALL))
    assert plain.fingerprint != a.fingerprint, "the fingerprint covers the vectors"


def test_top_ups_and_shards_add_exactly_the_missing_vectors(db_url: str, tmp_path: Path) -> None:
    store = _store(db_url)
    api.seed(make_config(db_url, **SMALL, vectors=store))
    grown = api.seed(make_config(db_url, **{**SMALL, "num_users": 6}, vectors=store))
    assert grown.action == "top-up"
    scratch = f"sqlite:///{tmp_path / 'scratch.db'}"
    full = api.seed(make_config(scratch, **{**SMALL, "num_users": 6}, vectors="sqlite"))
    assert _vectors(db_url) == _vectors(scratch) and grown.fingerprint == full.fingerprint
    sharded = f"sqlite:///{tmp_path / 'sharded.db'}"
    for k in (1, 0):
        cfg = make_config(sharded, **{**SMALL, "num_users": 6}, vectors="sqlite")
        api.seed(cfg, shard=api.Shard(k, 2))
    assert _vectors(sharded) == _vectors(scratch)


def test_reset_removes_the_vectors_with_the_rows(db_url: str) -> None:
    store = _store(db_url)
    api.seed(make_config(db_url, **SMALL, vectors=store))
    api.seed(make_config(db_url, **{**SMALL, "num_users": 2}, vectors=store, reset=True))
    users = {u for u, _, _ in _vectors(db_url).values()}
    assert len(users) <= 2 and scalar(db_url, "SELECT count(*) FROM users") == 2


def test_api_key_tenants_name_the_key(db_url: str) -> None:
    api.seed(make_config(db_url, **SMALL, vectors=_store(db_url), tenant_ids="api-key"))
    keys = {str(k) for k in _column(db_url, "SELECT api_key FROM users")}
    assert {u for u, _, _ in _vectors(db_url).values()} == keys - _empty(db_url)


def _empty(url: str) -> set[str]:
    """Tenants without indexed chunks (they have no vectors)."""
    sql = "SELECT id FROM users WHERE id NOT IN (SELECT user_id FROM chunk_store)"
    return {str(u) for u in _column(url, sql)}


def _column(url: str, sql: str) -> list[object]:
    from sqlalchemy import create_engine, text

    from ragseed.db.urls import normalize

    engine = create_engine(normalize(url))
    with engine.connect() as conn:
        out = [r[0] for r in conn.execute(text(sql))]
    engine.dispose()
    return out


def test_a_store_of_the_other_database_is_one_clear_error(db_url: str) -> None:
    wrong = "sqlite" if db_url.startswith("postgres") else "pgvector"
    with pytest.raises(ConfigError, match=f"--vectors {wrong} needs"):
        api.seed(make_config(db_url, **SMALL, vectors=wrong))
    from sqlalchemy import create_engine, inspect

    from ragseed.db.urls import normalize

    engine = create_engine(normalize(db_url))
    with engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
    engine.dispose()
    assert "users" not in tables, "nothing was written, the tables' creation included"


def test_an_existing_pgvector_column_of_another_size_is_refused(pg_url: str) -> None:
    api.init(make_config(pg_url))
    execute(
        pg_url,
        "CREATE EXTENSION IF NOT EXISTS vector",
        "CREATE TABLE chunk_embeddings (chunk_id varchar(36) PRIMARY KEY, user_id varchar(36) "
        "NOT NULL, document_id varchar(36) NOT NULL, embedding vector(3) NOT NULL)",
    )
    with pytest.raises(SchemaError, match=r"vector\(3\)"):
        api.seed(make_config(pg_url, **SMALL, vectors="pgvector"))
    assert scalar(pg_url, "SELECT count(*) FROM users") == 0


def test_vector_and_hybrid_recall_are_reported(pg_url: str) -> None:
    cfg = make_config(pg_url, profile="development", vectors="pgvector")
    api.seed(cfg)
    report = api.verify(cfg)
    names = {c.name for c in report.checks}
    assert any(n.startswith("vector recall@5 (natural") for n in names), names
    assert any(n.startswith("hybrid recall@8 (natural") for n in names), names
    hnsw = report.get("HNSW against exact search")
    assert 0 <= hnsw.figures["overlap"] <= 1


def test_status_shows_the_vector_store(sqlite_url: str) -> None:
    cfg = make_config(sqlite_url, **SMALL, vectors="sqlite")
    api.seed(cfg)
    result = api.status(cfg)
    assert result.tables["chunk_embeddings"] > 0
    assert result.state.head is not None and result.state.head.config["vectors"] == "sqlite"


def test_export_includes_the_vectors_and_the_embedded_questions(
    sqlite_url: str, tmp_path: Path
) -> None:
    import json

    from ragseed.embedders import load

    cfg = make_config(sqlite_url, **SMALL, vectors="sqlite")
    api.seed(cfg)
    summary = api.export_eval(cfg, tmp_path, "beir")
    corpus = [json.loads(line) for line in (tmp_path / "vectors.jsonl").read_text().splitlines()]
    assert {c["_id"] for c in corpus} == set(_vectors(sqlite_url))
    queries = [
        json.loads(line) for line in (tmp_path / "query_vectors.jsonl").read_text().splitlines()
    ]
    texts = {
        json.loads(line)["_id"]: json.loads(line)["text"]
        for line in (tmp_path / "queries.jsonl").read_text().splitlines()
    }
    assert len(queries) == summary.queries == len(texts)
    first = queries[0]
    assert first["vector"] == load("hash").embed_one(texts[first["_id"]])


def test_ragseed_reset_empties_the_vectors(db_url: str) -> None:
    cfg = make_config(db_url, **SMALL, vectors=_store(db_url))
    api.seed(cfg)
    api.reset(cfg)
    assert scalar(db_url, "SELECT count(*) FROM chunk_embeddings") == 0
