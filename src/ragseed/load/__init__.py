"""One loader per database, chosen through a registry (as alembic picks its DDL implementation)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .base import Loader


def loader_class(dialect: str) -> type[Loader]:
    if dialect == "postgresql":
        from .postgres import PostgresLoader

        return PostgresLoader
    if dialect == "sqlite":
        from .sqlite import SqliteLoader

        return SqliteLoader
    from ..core.errors import ConfigError

    raise ConfigError(f"no loader for database {dialect!r}: ragseed supports sqlite and postgresql")
