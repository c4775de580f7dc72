"""Seeding a schema made by the engine's own migrations, as it stands."""

from __future__ import annotations

import pytest

from ragseed import api
from ragseed.core.errors import SchemaError

from .conftest import make_config
from .dbutil import execute, scalar

# The engine's stage-1 migration, written by hand: generated tsv with a GIN index, no stage-2
# columns, no graph_triplets.
ENGINE_DDL = [
    """CREATE TABLE users (
        id varchar(36) PRIMARY KEY, email varchar(320) NOT NULL UNIQUE,
        api_key varchar(128) NOT NULL UNIQUE, created_at timestamptz DEFAULT now())""",
    """CREATE TABLE documents (
        id varchar(36) PRIMARY KEY,
        user_id varchar(36) NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        filename varchar(512) NOT NULL, content_type varchar(128) NOT NULL,
        file_path text NOT NULL, size_bytes integer NOT NULL, file_sha256 varchar(64),
        status varchar(32) NOT NULL DEFAULT 'created', error text,
        created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now(),
        UNIQUE (user_id, file_sha256))""",
    """CREATE TABLE chunk_store (
        id varchar(36) PRIMARY KEY,
        user_id varchar(36) NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        chunk_hash varchar(64) NOT NULL, text text NOT NULL,
        tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', coalesce(text, ''))) STORED,
        created_at timestamptz DEFAULT now(), UNIQUE (user_id, chunk_hash))""",
    "CREATE INDEX ix_chunk_store_tsv ON chunk_store USING gin (tsv)",
    """CREATE TABLE document_chunks (
        document_id varchar(36) REFERENCES documents(id) ON DELETE CASCADE, ord integer,
        chunk_id varchar(36) NOT NULL REFERENCES chunk_store(id) ON DELETE CASCADE,
        PRIMARY KEY (document_id, ord))""",
    """CREATE TABLE chat_sessions (
        id varchar(36) PRIMARY KEY,
        user_id varchar(36) NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        title varchar(256), created_at timestamptz DEFAULT now())""",
    """CREATE TABLE chat_turns (
        id varchar(36) PRIMARY KEY,
        session_id varchar(36) NOT NULL REFERENCES chat_sessions(id) ON DELETE CASCADE,
        user_id varchar(36) NOT NULL, question text NOT NULL, answer text NOT NULL,
        sources varchar(36)[] NOT NULL, retrieval_k integer NOT NULL DEFAULT 0,
        embed_ms integer, search_ms integer, llm_ms integer,
        prompt_tokens integer, completion_tokens integer, created_at timestamptz DEFAULT now())""",
]


def test_engine_schema_with_generated_tsv_is_seeded_as_it_stands(pg_url: str) -> None:
    execute(pg_url, *ENGINE_DDL)
    result = api.seed(make_config(pg_url, num_users=3))
    assert result.created_tables == ()
    n = scalar(pg_url, "SELECT count(*) FROM chunk_store")
    assert n > 0 and scalar(pg_url, "SELECT count(tsv) FROM chunk_store") == n
    # graph_triplets was neither created nor asked for
    assert scalar(pg_url, "SELECT to_regclass('graph_triplets')::text") is None
    # the engine's keyword search finds seeded text within the tenant
    hits = scalar(
        pg_url,
        """SELECT count(*) FROM chunk_store c JOIN users u ON u.id = c.user_id
           WHERE u.api_key = 'sk_admin_123'
             AND c.tsv @@ websearch_to_tsquery('simple', 'tenant isolation')""",
    )
    assert hits >= 1


def test_stage_two_columns_are_filled_where_they_exist(pg_url: str) -> None:
    execute(pg_url, *ENGINE_DDL)
    execute(
        pg_url,
        "ALTER TABLE chunk_store ADD COLUMN parent_id varchar(36) "
        "REFERENCES chunk_store(id) ON DELETE SET NULL",
        "ALTER TABLE chunk_store ADD COLUMN chunk_context text",
    )
    api.seed(make_config(pg_url, num_users=3))
    assert scalar(pg_url, "SELECT count(*) FROM chunk_store WHERE parent_id IS NOT NULL") > 0
    assert scalar(pg_url, "SELECT count(*) FROM chunk_store WHERE chunk_context IS NOT NULL") > 0


def test_graph_flag_creates_and_seeds_graph_triplets(pg_url: str) -> None:
    execute(pg_url, *ENGINE_DDL)
    api.seed(make_config(pg_url, num_users=3), graph=True)
    assert scalar(pg_url, "SELECT count(*) FROM graph_triplets") > 0


def test_missing_required_column_is_named_and_nothing_is_written(pg_url: str) -> None:
    ddl = [s.replace("file_path text NOT NULL, ", "") for s in ENGINE_DDL]
    execute(pg_url, *ddl)
    with pytest.raises(SchemaError, match="documents has no column 'file_path'"):
        api.seed(make_config(pg_url))
    assert scalar(pg_url, "SELECT count(*) FROM users") == 0
    assert scalar(pg_url, "SELECT to_regclass('ragseed_runs')::text") is None


def test_column_with_a_default_is_left_to_the_database(sqlite_url: str) -> None:
    api.init(make_config(sqlite_url))
    execute(sqlite_url, "ALTER TABLE users ADD COLUMN plan text NOT NULL DEFAULT 'free'")
    api.seed(make_config(sqlite_url, num_users=2))
    assert scalar(sqlite_url, "SELECT count(*) FROM users WHERE plan = 'free'") == 2


def test_unfillable_extra_column_is_refused(pg_url: str) -> None:
    execute(pg_url, *ENGINE_DDL, "ALTER TABLE chat_sessions ADD COLUMN channel text NOT NULL")
    with pytest.raises(SchemaError, match=r"chat_sessions\.channel is NOT NULL without a default"):
        api.seed(make_config(pg_url, num_users=2))
    assert scalar(pg_url, "SELECT count(*) FROM users") == 0


def test_migrations_create_the_schema(db_url: str) -> None:
    api.migrate(make_config(db_url))
    result = api.seed(make_config(db_url, num_users=2))
    assert result.created_tables == ()
    assert result.counts["graph_triplets"] > 0
