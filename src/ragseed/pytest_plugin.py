"""pytest plugin: seeded databases, per-test rollback and handles (registered as `ragseed`).

    def test_login(ragseed_api_keys, ragseed_session): ...

    @pytest.mark.ragseed(profile="testing", users=5)
    def test_many(ragseed_db): ...

The database is --ragseed-database-url, else RAGSEED_DATABASE_URL, else a SQLite file in pytest's
temporary directory. Each distinct config is seeded once per session (a database ragseed seeded
with another config or environment is brought to it; one stamped production or holding rows
ragseed did not write is never written); every test runs in a transaction that is rolled back.
Nothing heavy is imported until a ragseed fixture is used.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, NoReturn

import pytest

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

    from .factories import User
    from .factories.databases import Registry, SeededDatabase

ENV_URL = "RAGSEED_DATABASE_URL"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ragseed", "seeded RAG databases (ragseed)")
    group.addoption(
        "--ragseed-database-url",
        default=None,
        help=f"database to seed for ragseed fixtures (default: ${ENV_URL}, else a SQLite file "
        "in pytest's temporary directory)",
    )
    group.addoption(
        "--ragseed-profile", default=None, help="ragseed profile for tests (default: testing)"
    )
    group.addoption("--ragseed-seed", type=int, default=None, help="ragseed random seed")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "ragseed(profile=None, **settings): seed the ragseed_db fixture with this profile and "
        "these settings (users, docs, sessions, turns or any ragseed config field)",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    # A rerun of a test gets the same factory keys; skipped entirely if factories are not in use.
    keys = sys.modules.get("ragseed.factories.keys")
    if keys is not None:
        keys.reset_scope(item.nodeid)


def _fail(exc: Exception) -> NoReturn:
    pytest.fail(f"ragseed: {exc}", pytrace=False)


@pytest.fixture(scope="session")
def ragseed_databases(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Registry]:
    """Every seeded database of the session, by config: .get(users=5) for a session fixture."""
    from .factories.databases import Registry

    opt = request.config.getoption
    url = opt("ragseed_database_url") or os.environ.get(ENV_URL)
    if not url:
        url = f"sqlite:///{tmp_path_factory.mktemp('ragseed') / 'ragseed.db'}"
    defaults = {"profile": opt("ragseed_profile"), "seed": opt("ragseed_seed")}
    registry = Registry(url, defaults, worker=os.environ.get("PYTEST_XDIST_WORKER"))
    yield registry
    registry.close()


@pytest.fixture
def ragseed_db(request: pytest.FixtureRequest, ragseed_databases: Registry) -> SeededDatabase:
    """The seeded database for this test's ragseed marker (seeded once per session per config).

    Function-scoped only so that it can read the marker: the database itself lives all session.
    """
    from .core.errors import RagseedError
    from .factories.databases import settings_from

    marker = request.node.get_closest_marker("ragseed")
    settings = settings_from(marker.args, marker.kwargs) if marker else {}
    try:
        return ragseed_databases.get(settings)
    except RagseedError as exc:
        _fail(exc)


@pytest.fixture
def ragseed_connection(ragseed_db: SeededDatabase) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back after the test. Factories called
    without sqlalchemy_session= write through it."""
    from .factories import bind

    conn = ragseed_db.engine.connect()
    trans = conn.begin()
    try:
        with bind(conn):
            yield conn
    finally:
        if trans.is_active:
            trans.rollback()
        conn.close()


@pytest.fixture
def ragseed_session(ragseed_connection: Connection) -> Iterator[Session]:
    """An ORM Session joined to ragseed_connection's transaction: session.commit() only releases
    a savepoint, and everything is rolled back after the test."""
    from sqlalchemy.orm import Session

    from .factories import bind

    session = Session(bind=ragseed_connection, join_transaction_mode="create_savepoint")
    try:
        with bind(session):
            yield session
    finally:
        session.close()


@pytest.fixture
def ragseed_api_keys(ragseed_db: SeededDatabase) -> dict[str, str]:
    """email -> API key of the seeded static users, e.g. admin@example.com -> sk_admin_123."""
    return dict(ragseed_db.api_keys)


@pytest.fixture
def ragseed_tenant(ragseed_db: SeededDatabase) -> User:
    """A seeded tenant with indexed documents: .id, .email, .api_key, .document_ids, .chunks."""
    from .core.errors import RagseedError

    try:
        return ragseed_db.tenant()
    except RagseedError as exc:
        _fail(exc)
