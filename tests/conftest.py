"""Real databases for the tests: a SQLite file per test, and a fresh PostgreSQL database per test
on a throwaway server started through pgserver (or RAGSEED_TEST_DATABASE_URL's server)."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from ragseed.core.config import Config, build_config


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    url = os.environ.get("RAGSEED_TEST_DATABASE_URL")
    if url:
        yield url
        return
    try:
        import pgserver
    except ImportError:  # pragma: no cover - the test extra installs it
        pytest.skip("pgserver is not installed and RAGSEED_TEST_DATABASE_URL is not set")
    datadir = tempfile.mkdtemp(prefix="ragseed-pg-")
    server = pgserver.get_server(datadir, cleanup_mode="delete")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()


def _admin(url: str):  # type: ignore[no-untyped-def]
    import psycopg
    from sqlalchemy.engine import make_url

    from ragseed.db.urls import normalize

    u = make_url(normalize(url)).set(drivername="postgresql")
    dsn = u.render_as_string(hide_password=False)
    return psycopg.connect(dsn, autocommit=True)


def _with_database(url: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    from ragseed.db.urls import normalize

    return make_url(normalize(url)).set(database=name).render_as_string(hide_password=False)


@pytest.fixture
def pg_url(pg_server_url: str) -> Iterator[str]:
    name = f"ragseed_test_{uuid.uuid4().hex[:12]}"
    with _admin(pg_server_url) as conn:
        conn.execute(f"CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0")
    try:
        yield _with_database(pg_server_url, name)
    finally:
        with _admin(pg_server_url) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'seed.db'}"


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest) -> str:
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return str(request.getfixturevalue(name))


def make_config(url: str, **overrides: object) -> Config:
    """A small, fast config for tests (environment testing), ignoring the caller's environment."""
    flags = {"environment": "testing", "database_url": url, **overrides}
    return build_config(flags, environ={})
