"""Alembic environment: runs on the connection handed over in config.attributes, or on the URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from ragseed.db.schema import build_metadata

VERSION_TABLE = "ragseed_alembic_version"
config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        from ragseed.db.urls import normalize

        engine = create_engine(normalize(config.get_main_option("sqlalchemy.url") or ""))
        with engine.begin() as conn:
            _migrate(conn)
        engine.dispose()
    else:
        _migrate(connection)


def _migrate(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=build_metadata(connection.dialect.name),
        version_table=VERSION_TABLE,
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
