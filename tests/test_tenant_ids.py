"""--tenant-ids api-key: users.id is the API key, as RAG Engine Mini takes the key itself as the
tenant id. Every path (seed, top-up, shards, verify, export) on both databases, and staging's
secret keys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ragseed import api, verify
from ragseed.api import Shard
from ragseed.core.errors import LedgerError
from ragseed.export import export_eval

from .conftest import make_config
from .dbutil import dump, scalar

pytest_plugins = ["pytester"]

SMALL = dict(num_users=5, docs_per_user=3, sessions_per_user=2, turns_per_session=2)
KEYED = dict(SMALL, tenant_ids="api-key")
#: every column that names a user, as the engine filters on it
USER_COLUMNS = [
    ("documents", "user_id"), ("chunk_store", "user_id"), ("chat_sessions", "user_id"),
    ("chat_turns", "user_id"), ("graph_triplets", "user_id"),
]  # fmt: skip


def _assert_keyed(url: str) -> None:
    """users.id = users.api_key, and every user_id names such a user."""
    assert scalar(url, "SELECT count(*) FROM users WHERE id <> api_key") == 0
    assert scalar(url, "SELECT max(length(id)) FROM users") <= 36
    for table, column in USER_COLUMNS:
        stray = f"SELECT count(*) FROM {table} WHERE {column} NOT IN (SELECT api_key FROM users)"
        assert scalar(url, stray) == 0, table
        assert scalar(url, f"SELECT count(*) FROM {table}") > 0, table


def test_the_engines_route_finds_the_admins_documents(db_url: str) -> None:
    cfg = make_config(db_url, **KEYED)
    api.seed(cfg)
    _assert_keyed(db_url)
    # GET /api/v1/documents with "Authorization: Bearer sk_admin_123" filters on the key itself
    mine = scalar(db_url, "SELECT count(*) FROM documents WHERE user_id = 'sk_admin_123'")
    assert mine == cfg.docs_per_user
    report = verify.run(cfg)
    assert report.ok, [c.summary for c in report.failures]


def test_uuid_ids_are_the_default_and_do_not_match_keys(db_url: str) -> None:
    api.seed(make_config(db_url, **SMALL))
    assert scalar(db_url, "SELECT count(*) FROM users WHERE id = api_key") == 0
    assert scalar(db_url, "SELECT max(length(api_key)) FROM users") <= 36


def test_top_up_under_api_keys_equals_the_bigger_seed(db_url: str, tmp_path: Path) -> None:
    api.seed(make_config(db_url, **KEYED))
    big = {**KEYED, "num_users": 7, "docs_per_user": 4}
    grown = api.seed(make_config(db_url, **big))
    assert grown.action == "top-up"
    scratch_url = f"sqlite:///{tmp_path / 'scratch.db'}"
    scratch = api.seed(make_config(scratch_url, **big))
    assert grown.fingerprint == scratch.fingerprint
    assert dump(db_url) == dump(scratch_url)
    _assert_keyed(db_url)


def test_shards_under_api_keys_equal_one_run(db_url: str, tmp_path: Path) -> None:
    cfg = make_config(db_url, **KEYED)
    for k in (1, 0):
        api.seed(cfg, shard=Shard(k, 2))
    full_url = f"sqlite:///{tmp_path / 'full.db'}"
    full = api.seed(make_config(full_url, **KEYED))
    assert dump(db_url) == dump(full_url)
    assert api.status(cfg).state.fingerprint() == full.fingerprint


def test_switching_the_id_mode_needs_reset(db_url: str) -> None:
    api.seed(make_config(db_url, **SMALL))
    with pytest.raises(LedgerError, match="tenant_ids"):
        api.seed(make_config(db_url, **KEYED))
    api.seed(make_config(db_url, **KEYED, reset=True))
    _assert_keyed(db_url)


def test_export_names_tenants_by_key(db_url: str, tmp_path: Path) -> None:
    cfg = make_config(db_url, **KEYED)
    api.seed(cfg)
    summary = export_eval(cfg, tmp_path, "beir")
    assert summary.queries > 0
    keys = {k for (k,) in _rows(db_url, "SELECT api_key FROM users")}
    lines = (tmp_path / "queries.jsonl").read_text().splitlines()
    assert {json.loads(line)["metadata"]["user_id"] for line in lines} <= keys


def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    from sqlalchemy import create_engine, text

    from ragseed.db.urls import normalize

    engine = create_engine(normalize(url))
    with engine.connect() as conn:
        out = [tuple(r) for r in conn.execute(text(sql))]
    engine.dispose()
    return out


def test_staging_keys_are_secret_per_database_and_stable_within_it(
    db_url: str, tmp_path: Path
) -> None:
    """Staging keys are HMACs of a secret the database keeps: shards and top-ups of it agree on
    them (the ids are foreign keys everywhere), another database gets other keys."""
    staged = dict(KEYED, environment="staging")
    cfg = make_config(db_url, **staged)
    for k in (0, 1):
        api.seed(cfg, shard=Shard(k, 2))
    api.seed(make_config(db_url, **{**staged, "num_users": 7}))  # a top-up
    _assert_keyed(db_url)
    keys = {k for (k,) in _rows(db_url, "SELECT api_key FROM users")}
    assert len(keys) == 7 and all(k.startswith("sk_live_") and len(k) == 36 for k in keys)
    assert "sk_admin_123" not in keys
    assert verify.run(make_config(db_url, **{**staged, "num_users": 7})).ok

    other_url = f"sqlite:///{tmp_path / 'other.db'}"
    api.seed(make_config(other_url, **staged))
    other = {k for (k,) in _rows(other_url, "SELECT api_key FROM users")}
    assert not keys & other, "a key of one staging database must not open another"


@pytest.mark.parametrize("tenant_ids", ["uuid", "api-key"])
def test_factories_under_both_id_modes(db_url: str, tenant_ids: str) -> None:
    from ragseed import factories as F
    from ragseed.db.engine import make_engine

    engine = make_engine(db_url)
    api.init(make_config(db_url))
    with engine.connect() as conn, conn.begin(), F.bind(conn):
        user = F.UserFactory(documents=2, sessions=1, tenant_ids=tenant_ids)
        F.DocumentFactory(user=user)  # children name the user as it is named
        F.ChatSessionFactory(user=user, turns=2)
    engine.dispose()
    assert (user.id == user.api_key) is (tenant_ids == "api-key")
    assert len(user.id) <= 36 and len(user.api_key) <= 36
    for table, column in USER_COLUMNS[:-1]:
        ids = {r for (r,) in _rows(db_url, f"SELECT DISTINCT {column} FROM {table}")}
        assert ids == {user.id}, table


PLUGIN_SUITE = """
import pytest
from sqlalchemy import text


@pytest.mark.ragseed(tenant_ids="api-key")
def test_keyed(ragseed_db, ragseed_tenant, ragseed_api_keys, ragseed_connection):
    assert ragseed_tenant.id == ragseed_tenant.api_key
    key = ragseed_api_keys["admin@example.com"]
    sql = "SELECT count(*) FROM documents WHERE user_id = :k"
    assert ragseed_connection.execute(text(sql), {"k": key}).scalar_one() > 0
"""


def test_pytest_plugin_under_api_keys(pytester: pytest.Pytester, db_url: str) -> None:
    pytester.makepyfile(test_keyed=PLUGIN_SUITE)
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "-p", "no:hypothesispytest",
        f"--ragseed-database-url={db_url}",
    )  # fmt: skip
    result.assert_outcomes(passed=1)
