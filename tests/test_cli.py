"""The CLI as a user runs it: real subprocesses, real databases."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ENVIRONMENT")}
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env={**base, "COLUMNS": "200", **(env or {})},
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_seed_creates_the_default_database_and_prints_keys(tmp_path: Path) -> None:
    res = run("-m", "ragseed", "seed", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "ragseed.db").exists()
    assert "chunk_store" in res.stdout and "sk_admin_123" in res.stdout
    again = run("-m", "ragseed", "seed", cwd=tmp_path)
    assert again.returncode == 0 and "nothing to do" in again.stdout


def test_production_is_refused_before_connecting(tmp_path: Path) -> None:
    for env, args in (({"ENVIRONMENT": "production"}, ()), ({}, ("--env", "production"))):
        res = run("-m", "ragseed", "seed", *args, cwd=tmp_path, env=env)
        assert res.returncode != 0
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and "production" in lines[0]
        assert "Traceback" not in res.stderr
    assert not (tmp_path / "ragseed.db").exists()


def test_bad_flag_and_bad_value(tmp_path: Path) -> None:
    res = run("-m", "ragseed", "seed", "--num-users", "0", cwd=tmp_path)
    assert res.returncode == 1 and "--num-users" in res.stderr and "Traceback" not in res.stderr
    res = run("-m", "ragseed", "seed", "--bogus", cwd=tmp_path)
    assert res.returncode == 2 and "--bogus" in res.stderr
    assert not (tmp_path / "ragseed.db").exists()


def test_unreachable_postgres_hides_the_password(tmp_path: Path) -> None:
    url = "postgresql://alice:s3cr3t-pw@127.0.0.1:1/rag"
    res = run("-m", "ragseed", "seed", "--database-url", url, cwd=tmp_path)
    assert res.returncode == 1
    assert "cannot connect" in res.stderr and "s3cr3t-pw" not in res.stderr + res.stdout
    assert "Traceback" not in res.stderr
    debug = run("-m", "ragseed", "--debug", "seed", "--database-url", url, cwd=tmp_path)
    assert "Traceback" in debug.stderr and "s3cr3t-pw" not in debug.stderr


def test_help_lists_the_commands(tmp_path: Path) -> None:
    res = run("-m", "ragseed", "--help", cwd=tmp_path)
    for command in ("seed", "init", "reset", "migrate"):
        assert command in res.stdout
    res = run("-m", "ragseed", "seed", "--help", cwd=tmp_path)
    assert "--num-docs" in res.stdout and "--reset" in res.stdout


@pytest.mark.parametrize("env", ["development", "testing", "staging"])
def test_seed_document_script(tmp_path: Path, env: str) -> None:
    url = f"sqlite:///{tmp_path / 'rag.db'}"
    script = str(ROOT / "scripts" / "seed_sample_data.py")
    args = ("--env", env, "--num-users", "5", "--num-docs", "3", "--reset", "--quiet")
    res = run(script, *args, cwd=tmp_path, env={"DATABASE_URL": url})
    assert res.returncode == 0, res.stderr
    import sqlite3

    with sqlite3.connect(tmp_path / "rag.db") as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone() == (5,)
        assert conn.execute("SELECT count(*) FROM documents").fetchone() == (15,)
        keys = [k for (k,) in conn.execute("SELECT api_key FROM users")]
    assert ("sk_admin_123" in keys) == (env != "staging")


def test_reset_command_empties_the_tables(tmp_path: Path) -> None:
    assert run("-m", "ragseed", "seed", "-q", "--env", "testing", cwd=tmp_path).returncode == 0
    res = run("-m", "ragseed", "reset", cwd=tmp_path)
    assert res.returncode == 0 and "deleted" in res.stdout
    import sqlite3

    with sqlite3.connect(tmp_path / "ragseed.db") as conn:
        assert conn.execute("SELECT count(*) FROM chunk_store").fetchone() == (0,)


def test_postgres_via_database_url(tmp_path: Path, pg_url: str) -> None:
    res = run("-m", "ragseed", "seed", "--env", "testing", cwd=tmp_path,
              env={"DATABASE_URL": pg_url})  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert not (tmp_path / "ragseed.db").exists()


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_status_of_a_missing_database_says_so_and_creates_nothing(
    tmp_path: Path, kind: str, request: pytest.FixtureRequest
) -> None:
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'nope.db'}"
    else:
        from sqlalchemy.engine import make_url

        server = make_url(request.getfixturevalue("pg_url"))
        url = server.set(database="ragseed_no_such_db").render_as_string(hide_password=False)
    res = run("-m", "ragseed", "status", "--database-url", url, cwd=tmp_path)
    lines = res.stderr.strip().splitlines()
    assert res.returncode == 1 and len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
    assert ("does not exist" if kind == "sqlite" else "ragseed_no_such_db") in lines[0]
    assert not (tmp_path / "nope.db").exists() and res.stdout == ""


def test_version(tmp_path: Path) -> None:
    from importlib.metadata import version

    res = run("-m", "ragseed", "--version", cwd=tmp_path)
    assert (res.returncode, res.stdout, res.stderr) == (0, f"ragseed {version('ragseed')}\n", "")
    assert not (tmp_path / "ragseed.db").exists()


def _next_steps(stdout: str) -> list[str]:
    lines = stdout.splitlines()
    return [line.strip() for line in lines[lines.index("Next steps:") + 1 :]]


@pytest.mark.parametrize("tenant_ids", ["uuid", "api-key"])
def test_seed_shows_next_steps_that_work(db_url: str, tmp_path: Path, tenant_ids: str) -> None:
    from sqlalchemy.engine import make_url

    # A password in the URL (PostgreSQL's trust auth ignores it) must not be printed.
    url = db_url
    if db_url.startswith("postgresql"):
        url = make_url(db_url).set(password="s3cr3t-pw").render_as_string(hide_password=False)
    res = run("-m", "ragseed", "seed", "--env", "testing", "--tenant-ids", tenant_ids,
              "--database-url", url, cwd=tmp_path)  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "s3cr3t-pw" not in res.stdout + res.stderr
    verify, status, last = _next_steps(res.stdout)
    assert verify.startswith("ragseed verify --database-url ") and status.startswith(
        "ragseed status --database-url "
    )
    if tenant_ids == "api-key":
        assert last == (
            'curl -H "Authorization: Bearer sk_admin_123" http://localhost:8000/api/v1/documents'
        )
    else:
        assert "--tenant-ids api-key" in last and "curl" not in res.stdout
    for line in (verify, status):  # they run as printed, against the seeded database
        args = shlex.split(line)[1:]
        if url != db_url:
            assert "***" in line
            args[args.index("--database-url") + 1] = url
        done = run("-m", "ragseed", *args, cwd=tmp_path)
        assert done.returncode == 0, (line, done.stdout, done.stderr)
        assert "all checks passed" in done.stdout if line == verify else "Seeded as" in done.stdout


def test_next_steps_without_keys_or_flags(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'stage.db'}"
    res = run("-m", "ragseed", "seed", "--env", "staging", "--tenant-ids", "api-key", cwd=tmp_path,
              env={"DATABASE_URL": url})  # fmt: skip
    assert res.returncode == 0, res.stderr
    # DATABASE_URL already points the next commands at the database; staging keys stay secret
    assert _next_steps(res.stdout) == [
        "ragseed verify",
        "ragseed status",
        'curl -H "Authorization: Bearer <API key>" http://localhost:8000/api/v1/documents',
    ]
    assert "sk_" not in res.stdout
    quiet = run("-m", "ragseed", "seed", "--env", "staging", "--quiet", "--reset", cwd=tmp_path,
                env={"DATABASE_URL": url})  # fmt: skip
    assert (quiet.returncode, quiet.stdout) == (0, "")


def test_no_chat_from_the_command_line(tmp_path: Path) -> None:
    res = run("-m", "ragseed", "seed", "--env", "testing", "--sessions", "0", "--turns", "0",
              cwd=tmp_path)  # fmt: skip
    assert res.returncode == 0, res.stderr
    import sqlite3

    with sqlite3.connect(tmp_path / "ragseed.db") as conn:
        assert conn.execute("SELECT count(*) FROM chat_turns").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM chat_sessions").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM documents").fetchone() == (12,)
