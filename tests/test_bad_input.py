"""Hostile and bad input: one clear line, a non-zero exit, and nothing written."""

from __future__ import annotations

import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from ragseed import commands
from ragseed.errors import ConfigError

from .conftest import _admin, make_config
from .dbutil import dump, scalar


def _cli(*args: str, cwd: Path, env: dict[str, str] | None = None, **kw: object):  # type: ignore[no-untyped-def]
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ENVIRONMENT")}
    return subprocess.run(
        [sys.executable, "-m", "ragseed", *args], cwd=cwd, env={**base, **(env or {})},
        capture_output=True, text=True, timeout=300, **kw,
    )  # fmt: skip


def _one_line_error(res: subprocess.CompletedProcess[str]) -> str:
    assert res.returncode == 1, (res.returncode, res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    return lines[0]


def _static_dir(tmp_path: Path, users: object, documents: object = ()) -> Path:
    d = tmp_path / "static"
    d.mkdir(exist_ok=True)
    (d / "users.json").write_text(json.dumps(users))
    (d / "documents.json").write_text(json.dumps(list(documents)))
    return d


@pytest.mark.parametrize(
    ("users", "documents", "message"),
    [
        (
            [{"email": "a@example.com", "api_key": 12345678}],
            [],
            r"users\.json: field \[0\]\.api_key",
        ),
        ([{"email": "not-an-email", "api_key": "sk_12345678"}], [], r"\[0\]\.email"),
        ({"email": "a@example.com"}, [], r"users\.json: field \(top level\)"),
        ([{"email": "a@example.com", "api_key": "sk_12345678", "rol": "x"}], [], r"\[0\]\.rol"),
        (
            [{"email": "a@example.com", "api_key": "sk_12345678"}],
            [
                {
                    "owner": "b@example.com",
                    "filename": "x.md",
                    "content_type": "text/markdown",
                    "title": "T",
                    "content": "c",
                }
            ],
            r"documents\.json: field \[0\]\.owner",
        ),
        (
            [
                {"email": "a@example.com", "api_key": "sk_12345678"},
                {"email": "a@example.com", "api_key": "sk_87654321"},
            ],
            [],
            r"duplicate email",
        ),
    ],
)
def test_malformed_static_files_are_named(
    tmp_path: Path, users: object, documents: list[object], message: str
) -> None:
    static = _static_dir(tmp_path, users, documents)
    url = f"sqlite:///{tmp_path / 'x.db'}"
    with pytest.raises(ConfigError, match=message):
        commands.seed(make_config(url, static_dir=static))
    assert not (tmp_path / "x.db").exists()
    res = _cli("seed", "--database-url", url, "--static-dir", str(static), cwd=tmp_path)
    assert "users.json" in _one_line_error(res) or "documents.json" in res.stderr


def test_invalid_json_file(tmp_path: Path) -> None:
    static = _static_dir(tmp_path, [])
    (static / "users.json").write_text("[{")
    with pytest.raises(ConfigError, match="users.json is not valid JSON"):
        commands.seed(make_config(f"sqlite:///{tmp_path / 'x.db'}", static_dir=static))


@pytest.mark.parametrize(
    "args",
    [
        ["--num-users", "-3"],
        ["--min-chunks", "9", "--max-chunks", "2"],
        ["--profile", "gigantic"],
        ["--sessions", "-1"],
        ["--shard", "3/3"],
        ["--languages", "en=x"],
    ],
)
def test_bad_values_write_nothing(tmp_path: Path, args: list[str]) -> None:
    res = _cli("seed", *args, cwd=tmp_path)
    _one_line_error(res)
    assert not (tmp_path / "ragseed.db").exists()


def test_read_only_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ro.db'}"
    commands.init(make_config(url))
    db = tmp_path / "ro.db"
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(db)]).returncode:
        pytest.skip("chattr +i is not available here (root ignores file modes)")
    try:
        res = _cli("seed", "--database-url", url, cwd=tmp_path)
        assert "readonly" in _one_line_error(res)
    finally:
        subprocess.run(["chattr", "-i", str(db)], check=True)
    assert scalar(url, "SELECT count(*) FROM users") == 0


def test_full_disk_sqlite(tmp_path: Path) -> None:
    """A real write failure: the process may not grow any file past 300 kB (RLIMIT_FSIZE)."""
    url = f"sqlite:///{tmp_path / 'full.db'}"
    commands.seed(make_config(url, num_users=1, docs_per_user=1))
    before = dump(url)

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (300_000, 300_000))

    res = _cli("seed", "--database-url", url, "--env", "testing", "--reset",
               "--num-users", "50", cwd=tmp_path, preexec_fn=limit)  # fmt: skip
    line = _one_line_error(res)
    assert "full" in line or "disk" in line or "I/O" in line
    assert dump(url) == before


def test_wrong_password_is_reported_without_the_password(
    pg_server_url: str, tmp_path: Path
) -> None:
    if os.environ.get("RAGSEED_TEST_DATABASE_URL"):
        pytest.skip("needs the pgserver instance, whose pg_hba.conf the test may edit")
    with _admin(pg_server_url) as conn:
        hba = conn.execute("SHOW hba_file").fetchone()[0]
        conn.execute("DROP ROLE IF EXISTS pw_user")
        conn.execute("CREATE ROLE pw_user LOGIN PASSWORD 'right-horse'")
        original = Path(hba).read_text()
        Path(hba).write_text("local all pw_user scram-sha-256\n" + original)
        conn.execute("SELECT pg_reload_conf()")
    try:
        socket_dir = pg_server_url.split("host=")[1]
        url = f"postgresql://pw_user:wrong-staple-42@/postgres?host={socket_dir}"
        res = _cli("seed", "--database-url", url, cwd=tmp_path)
        line = _one_line_error(res)
        assert "password authentication failed" in line
        assert "wrong-staple-42" not in res.stderr + res.stdout
        assert "***" in line
    finally:
        Path(hba).write_text(original)
        with _admin(pg_server_url) as conn:
            conn.execute("SELECT pg_reload_conf()")
            conn.execute("DROP ROLE IF EXISTS pw_user")


def test_unknown_flag_exits_2(tmp_path: Path) -> None:
    res = _cli("seed", "--num-user", "3", cwd=tmp_path)
    assert res.returncode == 2 and "--num-user" in res.stderr


def test_sqlite_directory_that_does_not_exist(tmp_path: Path) -> None:
    res = _cli("seed", "--database-url", f"sqlite:///{tmp_path}/nope/x.db", cwd=tmp_path)
    assert "does not exist" in _one_line_error(res)


def test_nothing_written_when_sqlite_is_locked(tmp_path: Path) -> None:
    """Another writer holds the lock: ragseed waits (busy_timeout), then reports it."""
    url = f"sqlite:///{tmp_path / 'l.db'}"
    commands.init(make_config(url))
    holder = sqlite3.connect(tmp_path / "l.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        res = _cli("seed", "--database-url", url, "--env", "testing", cwd=tmp_path,
                   env={"RAGSEED_SQLITE_BUSY_TIMEOUT_MS": "500"})  # fmt: skip
        assert "locked" in _one_line_error(res)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert scalar(url, "SELECT count(*) FROM users") == 0
