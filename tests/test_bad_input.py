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

from ragseed import api
from ragseed.core.errors import ConfigError

from .conftest import _admin, make_config
from .dbutil import dump, scalar


def _cli(*args: str, cwd: Path, env: dict[str, str] | None = None, **kw: object):  # type: ignore[no-untyped-def]
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ENVIRONMENT")}
    return subprocess.run(
        [sys.executable, "-m", "ragseed", *args], cwd=cwd, env={**base, **(env or {})},
        capture_output=True, text=True, timeout=300, **kw,
    )  # fmt: skip


def _one_line_error(res: subprocess.CompletedProcess[str], code: int = 1) -> str:
    assert res.returncode == code, (res.returncode, res.stdout, res.stderr)
    lines = res.stderr.split("\n")
    # exactly one line and its newline: no usage block, no blank line left by a progress bar
    assert len(lines) == 2 and lines[0].startswith("error: ") and lines[1] == "", res.stderr
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
        api.seed(make_config(url, static_dir=static))
    assert not (tmp_path / "x.db").exists()
    res = _cli("seed", "--database-url", url, "--static-dir", str(static), cwd=tmp_path)
    assert "users.json" in _one_line_error(res) or "documents.json" in res.stderr


def test_invalid_json_file(tmp_path: Path) -> None:
    static = _static_dir(tmp_path, [])
    (static / "users.json").write_text("[{")
    with pytest.raises(ConfigError, match="users.json is not valid JSON"):
        api.seed(make_config(f"sqlite:///{tmp_path / 'x.db'}", static_dir=static))


BAD_FLAGS = [
    (["--seed", "abc"], "--seed: must be a valid integer"),
    (["--seed=abc"], "--seed: must be a valid integer"),
    (["--seed", "-1"], "--seed: must be greater than or equal to 0 (got -1)"),
    (["--num-users", "-3"], "--num-users: must be greater than or equal to 1 (got -3)"),
    (["--num-users", "1.5"], "--num-users: must be a valid integer"),
    (["--num-docs", "many"], "--num-docs: must be a valid integer"),
    (["--min-chunks", "9", "--max-chunks", "2"], "--min-chunks must not exceed --max-chunks"),
    (["--profile", "gigantic"], "--profile: unknown profile 'gigantic'"),
    (["--env", "qa"], "--env: unknown environment 'qa'"),
    (["--sessions", "-1"], "--sessions: must be greater than or equal to 0"),
    (["--turns", "0"], "--turns is 0 but sessions_per_user (profile development) is 5"),
    (["--sessions", "2", "--turns", "0"], "--turns is 0 but --sessions is 2"),
    (["--turns", "-1"], "--turns: must be greater than or equal to 0"),
    (["--chunk-tokens", "8"], "--chunk-tokens: must be greater than or equal to 16"),
    (["--shard", "3/3"], "--shard: expected K/N"),
    (["--shard", "one/3"], "--shard: expected K/N"),
    (["--shard", "auto/3"], "--shard: auto/3 takes K from JOB_COMPLETION_INDEX, which is not set"),
    (["--languages", "en=x"], "--languages: bad entry 'en=x'"),
    (["--languages", "fr=1"], "--languages: unknown language(s) fr"),
    (["--tenant-ids", "email"], "--tenant-ids: must be 'uuid' or 'api-key' (got 'email')"),
    (["--workers", "0"], "--workers: must be at least 1"),
    (["--workers", "two"], "--workers: must be a valid integer"),
    (["--parallel", "x"], "--parallel: must be a valid integer"),
    (["--parallel", "0"], "--parallel"),  # needs PostgreSQL, or at least 1 worker
    (["--shard", "0/2", "--workers", "2"], "--shard (or RAGSEED_SHARD) cannot be combined"),
]
BAD_ENV = [
    ({"RAGSEED_NUM_USERS": "abc"}, "RAGSEED_NUM_USERS: must be a valid integer"),
    ({"RAGSEED_SEED": "-5"}, "RAGSEED_SEED: must be greater than or equal to 0"),
    ({"ENVIRONMENT": "qa"}, "ENVIRONMENT: unknown environment 'qa'"),
    ({"RAGSEED_LANGUAGES": "de=1"}, "RAGSEED_LANGUAGES: unknown language(s) de"),
    ({"RAGSEED_TURNS": "0"}, "RAGSEED_TURNS is 0 but sessions_per_user"),
    ({"RAGSEED_SHARD": "1/0"}, "RAGSEED_SHARD: expected K/N"),
    ({"RAGSEED_SHARD": "auto/2"}, "RAGSEED_SHARD: auto/2 takes K from JOB_COMPLETION_INDEX"),
    ({"RAGSEED_SHARD": "auto/2", "JOB_COMPLETION_INDEX": "2"},
     "JOB_COMPLETION_INDEX: 2 is out of range for RAGSEED_SHARD auto/2: expected 0 to 1"),
    ({"RAGSEED_SHARD": "auto/2", "JOB_COMPLETION_INDEX": "x"}, "which is 'x', not a number"),
]  # fmt: skip
BAD_FILES = [
    ("num_user = 5\n", "unknown setting num_user: did you mean num_users?"),
    ("[ragseed]\nnum_docs = 5\n", "unknown setting num_docs: did you mean docs_per_user?"),
    ("num_users = 'ten'\n", "num_users: must be a valid integer"),
    ("turns_per_session = 0\n", "turns_per_session (config file {file}) is 0 but"),
    ("num_users = \n", "is not valid TOML"),
]


def _nothing_written(url: str, tmp_path: Path) -> None:
    if url.startswith("sqlite"):
        assert not Path(url.removeprefix("sqlite:///")).exists()
        assert not (tmp_path / "ragseed.db").exists()
    else:
        assert scalar(url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == 0


@pytest.mark.parametrize(("args", "message"), BAD_FLAGS, ids=[" ".join(a) for a, _ in BAD_FLAGS])
def test_bad_flags_exit_1_with_one_line_naming_the_flag(
    db_url: str, tmp_path: Path, args: list[str], message: str
) -> None:
    res = _cli("seed", *args, "--database-url", db_url, cwd=tmp_path)
    line = _one_line_error(res)
    assert message in line and args[0].split("=")[0] in line, line
    assert res.stdout == ""
    _nothing_written(db_url, tmp_path)


@pytest.mark.parametrize(("env", "message"), BAD_ENV, ids=[str(e) for e, _ in BAD_ENV])
def test_bad_environment_variables_are_named(
    db_url: str, tmp_path: Path, env: dict[str, str], message: str
) -> None:
    res = _cli("seed", cwd=tmp_path, env={**env, "DATABASE_URL": db_url})
    assert message in _one_line_error(res)
    _nothing_written(db_url, tmp_path)


def test_bad_sqlite_busy_timeout_is_named(tmp_path: Path) -> None:
    res = _cli("seed", cwd=tmp_path, env={"RAGSEED_SQLITE_BUSY_TIMEOUT_MS": "soon"})
    assert _one_line_error(res) == (
        "error: RAGSEED_SQLITE_BUSY_TIMEOUT_MS: must be a number of milliseconds (got 'soon')"
    )
    _nothing_written(f"sqlite:///{tmp_path / 'ragseed.db'}", tmp_path)


@pytest.mark.parametrize(("text", "message"), BAD_FILES)
def test_bad_config_files_are_named(tmp_path: Path, text: str, message: str) -> None:
    file = tmp_path / "seed.toml"
    file.write_text(text)
    res = _cli("seed", "--config", str(file), cwd=tmp_path)
    line = _one_line_error(res)
    assert f"config file {file}" in line and message.format(file=file) in line, line
    _nothing_written(f"sqlite:///{tmp_path / 'ragseed.db'}", tmp_path)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["verify", "--sample", "0"], "--sample: must be greater than or equal to 1"),
        (["status", "--env", "qa"], "--env: unknown environment 'qa'"),
        (["stamp", "prod"], "unknown environment 'prod'"),
    ],
)
def test_other_commands_report_bad_values_alike(
    tmp_path: Path, args: list[str], message: str
) -> None:
    assert message in _one_line_error(_cli(*args, cwd=tmp_path))
    assert not (tmp_path / "ragseed.db").exists()


def test_read_only_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ro.db'}"
    api.init(make_config(url))
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
    api.seed(make_config(url, num_users=1, docs_per_user=1))
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


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["seed", "--num-user", "3"], "No such option: --num-user"),
        (["seed", "--num-users"], "'--num-users' requires an argument"),
        (["sede"], "No such command 'sede'"),
        (["stamp"], "Missing argument"),
    ],
)
def test_usage_errors_exit_2_with_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    line = _one_line_error(_cli(*args, cwd=tmp_path), code=2)
    assert message in line and "--help" in line
    assert not (tmp_path / "ragseed.db").exists()


def test_sqlite_directory_that_does_not_exist(tmp_path: Path) -> None:
    res = _cli("seed", "--database-url", f"sqlite:///{tmp_path}/nope/x.db", cwd=tmp_path)
    assert "does not exist" in _one_line_error(res)


def test_nothing_written_when_sqlite_is_locked(tmp_path: Path) -> None:
    """Another writer holds the lock: ragseed waits (busy_timeout), then reports it."""
    url = f"sqlite:///{tmp_path / 'l.db'}"
    api.init(make_config(url))
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
