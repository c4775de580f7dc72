"""The ledger: idempotency, top-ups equal to seeding from scratch, exact shards, stamps."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from ragseed import api
from ragseed.api import Shard
from ragseed.core.errors import LedgerError, SafetyError, SchemaError
from ragseed.db.urls import normalize
from ragseed.run import identity

from .conftest import make_config
from .dbutil import dump, execute, scalar

SMALL = dict(num_users=4, docs_per_user=3, sessions_per_user=2, turns_per_session=2)


def _fresh_url(db_url: str, tmp_path: Path, pg_server_url: str | None = None) -> str:
    return f"sqlite:///{tmp_path / 'fresh.db'}"


@pytest.mark.parametrize(
    "grow",
    [
        {"num_users": 7},
        {"docs_per_user": 6},
        {"sessions_per_user": 4, "turns_per_session": 3},
        {"num_users": 6, "docs_per_user": 5, "sessions_per_user": 3},
    ],
    ids=["users", "docs", "chats", "all"],
)
def test_top_up_equals_seeding_the_bigger_config(db_url: str, tmp_path: Path, grow: dict) -> None:
    api.seed(make_config(db_url, **SMALL))
    big = {**SMALL, **grow}
    result = api.seed(make_config(db_url, **big))
    assert result.action == "top-up"
    scratch_url = f"sqlite:///{tmp_path / 'scratch.db'}"
    scratch = api.seed(make_config(scratch_url, **big))
    assert result.fingerprint == scratch.fingerprint
    assert dump(db_url) == dump(scratch_url)
    again = api.seed(make_config(db_url, **big))
    assert again.skipped and again.fingerprint == scratch.fingerprint


def test_adding_users_only_inserts_rows(sqlite_url: str) -> None:
    api.seed(make_config(sqlite_url, **SMALL))
    before = dump(sqlite_url)
    api.seed(make_config(sqlite_url, **{**SMALL, "num_users": 6}))
    after = dump(sqlite_url)
    for table, rows in before.items():
        assert set(map(repr, rows)) <= set(map(repr, after[table])), table


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"num_users": 2}, "num_users 4 -> 2: shrunk"),
        ({"seed": 99}, "seed .* -> 99: changed"),
        ({"min_chunks": 6}, "min_chunks 5 -> 6: changed"),
    ],
)
def test_shrinking_or_changing_is_refused(db_url: str, change: dict, message: str) -> None:
    api.seed(make_config(db_url, **SMALL))
    before = dump(db_url)
    with pytest.raises(LedgerError, match=message + ".*--reset"):
        api.seed(make_config(db_url, **{**SMALL, **change}))
    assert dump(db_url) == before


def test_a_seed_of_another_generator_is_not_grown(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A newer ragseed generates other rows for the same config: growing an older seed would mix
    the two, and even "nothing to do" would be a lie."""
    api.seed(make_config(sqlite_url, **SMALL))
    before = dump(sqlite_url)
    monkeypatch.setattr(identity, "GENERATOR", identity.GENERATOR + 1)
    for flags in (SMALL, {**SMALL, "num_users": 6}):
        with pytest.raises(LedgerError, match=r"generates different rows.*--reset"):
            api.seed(make_config(sqlite_url, **flags))
    assert dump(sqlite_url) == before
    assert not api.seed(make_config(sqlite_url, **SMALL, reset=True)).skipped


def test_shards_together_equal_one_full_run(db_url: str, tmp_path: Path) -> None:
    cfg = make_config(db_url, **{**SMALL, "num_users": 7})
    parts = [api.seed(cfg, shard=Shard(k, 3)) for k in (2, 0, 1)]
    assert all(p.counts["users"] > 0 for p in parts)
    again = api.seed(cfg, shard=Shard(1, 3))
    assert again.skipped
    full_url = f"sqlite:///{tmp_path / 'full.db'}"
    full = api.seed(make_config(full_url, **{**SMALL, "num_users": 7}))
    assert dump(db_url) == dump(full_url)
    assert api.status(cfg).state.fingerprint() == full.fingerprint
    # the whole seed is there now: an unsharded run has nothing to do
    assert api.seed(cfg).skipped


def test_missing_shards_are_named(sqlite_url: str) -> None:
    cfg = make_config(sqlite_url, **SMALL)
    api.seed(cfg, shard=Shard(0, 3))
    with pytest.raises(LedgerError, match="finish shards 1, 2 of 3"):
        api.seed(make_config(sqlite_url, **{**SMALL, "num_users": 9}))
    with pytest.raises(LedgerError, match="in 3 shards, not 2"):
        api.seed(cfg, shard=Shard(1, 2))


def test_workers_run_all_shards(db_url: str, tmp_path: Path) -> None:
    cfg = make_config(db_url, **SMALL)
    result = api.seed(cfg, workers=2)
    assert result.mode == "shards" and len(result.parts) == 2
    full_url = f"sqlite:///{tmp_path / 'full.db'}"
    full = api.seed(make_config(full_url, **SMALL))
    assert dump(db_url) == dump(full_url)
    # one result for every mode: the whole seed's totals and fingerprint
    assert result.fingerprint == full.fingerprint and result.totals == full.totals


def test_a_no_op_answers_fast_without_generating(db_url: str) -> None:
    cfg = make_config(db_url, num_users=60, docs_per_user=10)
    api.seed(cfg)
    result = api.seed(cfg)
    assert result.skipped and result.seconds < 1.0


def test_environment_is_stamped_and_checked(db_url: str) -> None:
    api.seed(make_config(db_url, **SMALL))
    assert scalar(db_url, "SELECT environment FROM ragseed_runs ORDER BY id DESC LIMIT 1") == (
        "testing"
    )
    with pytest.raises(SafetyError, match="seeded as testing, not development"):
        api.seed(make_config(db_url, environment="development", **SMALL))


def test_production_stamp_blocks_seed_and_reset(db_url: str) -> None:
    api.seed(make_config(db_url, **SMALL))
    api.stamp(make_config(db_url), "production")
    before = dump(db_url)
    with pytest.raises(SafetyError, match="production"):
        api.seed(make_config(db_url, **SMALL, reset=True))
    with pytest.raises(SafetyError, match="production"):
        api.reset(make_config(db_url))
    assert dump(db_url) == before


def test_the_documented_sql_undoes_a_production_stamp(db_url: str, tmp_path: Path) -> None:
    """`ragseed stamp --help` and the README give one statement; run as given, it lifts the stamp
    (and nothing else: the seed is still recognised)."""
    import re
    import subprocess
    import sys

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    helped = subprocess.run([sys.executable, "-m", "ragseed", "stamp", "--help"],
                            capture_output=True, text=True, check=True).stdout  # fmt: skip
    pattern = r"DELETE FROM ragseed_runs WHERE [^;]*;"
    (sql,) = set(re.findall(pattern, helped))
    assert re.findall(pattern, " ".join(readme.split())) == [sql]
    cfg = make_config(db_url, **SMALL)
    api.seed(cfg)
    api.stamp(make_config(db_url), "production")
    with pytest.raises(SafetyError, match="already stamped production.*ragseed stamp --help"):
        api.stamp(make_config(db_url), "development")
    with pytest.raises(SafetyError, match="production"):
        api.seed(cfg)
    execute(db_url, sql.rstrip(";"))
    assert not api.status(cfg).state.production
    assert api.seed(cfg).skipped  # the seed's own runs are untouched
    api.reset(make_config(db_url))
    assert scalar(db_url, "SELECT count(*) FROM users") == 0


def test_status_reports_runs(sqlite_url: str) -> None:
    api.seed(make_config(sqlite_url, **SMALL))
    st = api.status(make_config(sqlite_url))
    assert st.tables["users"] == 4
    assert st.runs[0].kind == "seed" and st.state.complete
    assert st.runs[0].counts["users"] == 4


def test_a_ledger_table_without_its_columns_is_refused_clearly(db_url: str) -> None:
    """A ragseed_runs table from something else (or an older ragseed) is named, not a query
    failing with a traceback; nothing is written."""
    execute(db_url, "CREATE TABLE ragseed_runs (id INTEGER PRIMARY KEY, run_id VARCHAR(36))")
    runs = [
        lambda: api.seed(make_config(db_url, **SMALL)),
        lambda: api.status(make_config(db_url)),
    ]
    if db_url.startswith("postgres"):
        runs.append(lambda: api.seed(make_config(db_url, **SMALL), parallel=2))
    for run in runs:
        with pytest.raises(SchemaError, match="ragseed_runs exists but has no column.*shard_index"):
            run()
    assert scalar(db_url, "SELECT count(*) FROM ragseed_runs") == 0
    engine = create_engine(normalize(db_url))
    with engine.connect() as conn:
        assert inspect(conn).get_table_names() == ["ragseed_runs"]  # nothing created
    engine.dispose()
