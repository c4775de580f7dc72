"""Resets: as cheap as the seed they undo, one transaction, with progress, other tables kept."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from ragseed import api
from ragseed.core.errors import DatabaseError
from tests.conftest import make_config
from tests.dbutil import dump, execute, scalar, schema_snapshot

#: Big enough that SQLite's old per-row reset was clearly quadratic: about 9,000 chunks, whose
#: DELETE scanned chunk_store once per row (26 s against a 1.9 s seed; twice the users, 113 s).
BIG = {"num_users": 10, "docs_per_user": 100}


def _timed_seed(url: str, **overrides: object) -> float:
    t0 = time.perf_counter()
    api.seed(make_config(url, **BIG, **overrides))
    return time.perf_counter() - t0


def test_reset_costs_no_more_than_the_seed(db_url: str) -> None:
    seeded = _timed_seed(db_url)
    assert scalar(db_url, "SELECT count(*) FROM chunk_store") > 5000
    t0 = time.perf_counter()
    result = api.reset(make_config(db_url))
    took = time.perf_counter() - t0
    # A second of slack for a busy machine: the quadratic reset took 26 s here.
    assert took <= seeded + 1.0, f"reset took {took:.2f}s, the seed {seeded:.2f}s"
    assert result.deleted["chunk_store"] > 5000
    assert scalar(db_url, "SELECT count(*) FROM chunk_store") == 0
    # seed --reset: a reset and a seed, so no more than twice the seed
    seeded = max(seeded, _timed_seed(db_url, seed=1))  # the slower of two: a noisy machine
    again = _timed_seed(db_url, seed=2, reset=True)
    assert again <= 2 * seeded + 1.0, f"seed --reset took {again:.2f}s, the seed {seeded:.2f}s"


def _failing_trigger(url: str, table: str) -> None:
    """A real trigger that fails while the reset empties `table`."""
    if url.startswith("sqlite"):
        execute(url, f"CREATE TRIGGER fail_reset BEFORE DELETE ON {table} "
                     "BEGIN SELECT RAISE(ABORT, 'injected failure'); END")  # fmt: skip
    else:
        execute(
            url,
            "CREATE FUNCTION fail_reset() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'injected failure'; END $$",
            f"CREATE TRIGGER fail_reset BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION fail_reset()",
        )


def test_a_failure_mid_reset_leaves_every_row(db_url: str) -> None:
    api.seed(make_config(db_url, num_users=3))
    before = dump(db_url)
    runs = scalar(db_url, "SELECT count(*) FROM ragseed_runs")
    # users is emptied last on SQLite: every other table has been emptied when this fails
    _failing_trigger(db_url, "users")
    with pytest.raises(DatabaseError, match="injected failure"):
        api.reset(make_config(db_url))
    with pytest.raises(DatabaseError, match="injected failure"):
        api.seed(make_config(db_url, num_users=3, seed=2, reset=True))
    assert dump(db_url) == before
    assert scalar(db_url, "SELECT count(*) FROM ragseed_runs") == runs


def test_reset_reports_progress_per_table(db_url: str) -> None:
    api.seed(make_config(db_url, num_users=3))
    calls: list[tuple[int, int, int]] = []
    result = api.reset(make_config(db_url), progress=lambda *a: calls.append(a))
    total, n = sum(result.deleted.values()), len(result.deleted)
    assert calls[0] == (0, n, 0) and calls[-1] == (n, n, total) and total > 0
    assert [c[0] for c in calls] == list(range(n + 1))


def test_a_table_referencing_ours_still_gets_its_cascade(db_url: str) -> None:
    """Another application's table with ON DELETE CASCADE into chunk_store: SQLite must keep
    its foreign keys enforced for it (PostgreSQL's TRUNCATE ... CASCADE empties it)."""
    api.seed(make_config(db_url, num_users=3))
    execute(
        db_url,
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, "
        "chunk_id VARCHAR(36) REFERENCES chunk_store (id) ON DELETE CASCADE)",
        "INSERT INTO notes (id, chunk_id) SELECT 1, min(id) FROM chunk_store",
    )
    schema = schema_snapshot(db_url)
    assert scalar(db_url, "SELECT count(*) FROM notes") == 1
    api.reset(make_config(db_url))
    assert scalar(db_url, "SELECT count(*) FROM notes") == 0
    assert scalar(db_url, "SELECT count(*) FROM chunk_store") == 0
    assert schema_snapshot(db_url) == schema  # no temporary index left behind


def test_reset_without_graph_still_empties_the_triplets(db_url: str) -> None:
    """--no-graph leaves graph_triplets out of the run, but its rows refer to the users the
    reset deletes: they go too, as the enforced foreign keys' cascade took them."""
    api.seed(make_config(db_url, num_users=3))
    assert scalar(db_url, "SELECT count(*) FROM graph_triplets") > 0
    api.seed(make_config(db_url, num_users=3, seed=2, reset=True), graph=False)
    assert scalar(db_url, "SELECT count(*) FROM graph_triplets") == 0
    assert scalar(db_url, "SELECT count(*) FROM users") == 3


def test_cli_reset_quiet_prints_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'rag.db'}"
    api.seed(make_config(url, num_users=3))
    res = subprocess.run(
        [sys.executable, "-m", "ragseed", "reset", "--quiet", "--database-url", url],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert res.returncode == 0 and res.stdout == "" and res.stderr == ""
    assert scalar(url, "SELECT count(*) FROM users") == 0
