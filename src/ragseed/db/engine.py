"""Engines and transactions, with errors a person can act on and passwords never shown."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.errors import ConfigError, DatabaseError
from . import urls

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine


def make_engine(url: str, *, read_only: bool = False) -> Engine:
    from sqlalchemy import create_engine, event
    from sqlalchemy.pool import NullPool

    parsed = urls.parse(url)
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database
        if db and db != ":memory:" and not db.startswith("file:"):
            parent = Path(db).expanduser().resolve().parent
            if not parent.is_dir():
                raise DatabaseError(f"cannot create SQLite database {db}: {parent} does not exist")
        engine = create_engine(parsed, poolclass=NullPool)
        # Another writer (a concurrent ragseed run) is waited for, not failed on.
        busy = os.environ.get("RAGSEED_SQLITE_BUSY_TIMEOUT_MS", "") or "60000"
        if not busy.isascii() or not busy.isdigit():
            raise ConfigError(
                f"RAGSEED_SQLITE_BUSY_TIMEOUT_MS: must be a number of milliseconds (got {busy!r})"
            )
        busy_ms = int(busy)

        # pysqlite's own transaction handling defers BEGIN and commits around DDL; take over so
        # that DDL, reset and load share one transaction, and take the write lock up front.
        @event.listens_for(engine, "connect")
        def _connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None
            dbapi_conn.execute("PRAGMA foreign_keys = ON")
            dbapi_conn.execute(f"PRAGMA busy_timeout = {busy_ms}")

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            # Readers (verify, export, status) must not block writers.
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        return engine
    return create_engine(parsed, poolclass=NullPool, connect_args={"connect_timeout": 10})


def describe_error(exc: BaseException) -> str:
    """The driver's first line of complaint, without SQLAlchemy's wrapping and SQL dump."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()
    return text[0] if text else type(orig).__name__


def is_driver_error(exc: BaseException) -> bool:
    """Errors from SQLAlchemy or from the raw drivers the loaders use directly."""
    import sqlite3

    from sqlalchemy.exc import DBAPIError

    if isinstance(exc, DBAPIError | sqlite3.Error):
        return True
    psycopg = sys.modules.get("psycopg")
    return psycopg is not None and isinstance(exc, psycopg.Error)


@contextmanager
def transaction(
    url: str, *, read_only: bool = False, before_begin: Callable[[str, Any], None] | None = None
) -> Iterator[Connection]:
    """One connection and one transaction: commit on success, roll back on any error.

    before_begin(dialect, dbapi_connection) runs on the connection before the transaction
    starts, for settings that cannot change inside one (SQLite's PRAGMA foreign_keys)."""
    from sqlalchemy.exc import DBAPIError

    engine = make_engine(url, read_only=read_only)
    try:
        try:
            conn = engine.connect()
        except DBAPIError as exc:
            raise DatabaseError(
                f"cannot connect to {urls.redact(url)}: {describe_error(exc)}"
            ) from None
        with conn:
            try:
                if before_begin is not None:
                    before_begin(conn.dialect.name, conn.connection.driver_connection)
                with conn.begin():
                    yield conn
            except Exception as exc:
                if not is_driver_error(exc):
                    raise
                raise DatabaseError(
                    f"database error on {urls.redact(url)}, nothing was written: "
                    f"{describe_error(exc)}"
                ) from exc
    finally:
        engine.dispose()
