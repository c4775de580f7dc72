from __future__ import annotations

import pytest

from ragseed.core.errors import ConfigError
from ragseed.db import urls


@pytest.mark.parametrize(
    "given",
    [
        "postgresql://u:secret@db:5432/rag",
        "postgres://u:secret@db:5432/rag",
        "postgresql+psycopg://u:secret@db:5432/rag",
        "postgresql+psycopg2://u:secret@db:5432/rag",
    ],
)
def test_postgres_spellings_use_psycopg3(given: str) -> None:
    assert urls.normalize(given) == "postgresql+psycopg://u:secret@db:5432/rag"
    assert urls.dialect(given) == "postgresql"


def test_unix_socket_host_is_kept() -> None:
    url = urls.parse("postgresql://postgres@/rag?host=/var/run/postgresql")
    assert url.query["host"] == "/var/run/postgresql"
    assert url.database == "rag"


def test_password_is_never_shown() -> None:
    shown = urls.redact("postgres://alice:hunter2@db/rag")
    assert "hunter2" not in shown and "alice" in shown and "***" in shown
    assert "hunter2" not in urls.redact("postgres://alice:hunter2@[bad")


def test_unknown_scheme_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="unsupported database URL scheme 'mysql'"):
        urls.normalize("mysql://x@y/z")
