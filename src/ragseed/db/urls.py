"""Database URL handling: accept the forms people write, never show a password."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..core.errors import ConfigError

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

_PG_PREFIXES = ("postgresql+psycopg://", "postgresql+psycopg2://", "postgresql://", "postgres://")


def default_url(cwd: Path | None = None) -> str:
    return f"sqlite:///{(cwd or Path.cwd()) / 'ragseed.db'}"


def normalize(url: str) -> str:
    """Map every PostgreSQL spelling to the psycopg 3 driver; keep SQLite URLs as they are."""
    url = url.strip()
    for prefix in _PG_PREFIXES:
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    if url.startswith("sqlite"):
        return url
    scheme = url.split("://", 1)[0] if "://" in url else url
    raise ConfigError(
        f"unsupported database URL scheme {scheme!r}: use sqlite:///path.db or postgresql://user@host/db"
    )


def parse(url: str) -> URL:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(normalize(url))
    except ArgumentError:
        raise ConfigError(
            f"malformed database URL {redact(url)!r}: expected e.g. postgresql://user:pass@host:5432/db"
        ) from None


def dialect(url: str) -> str:
    """'sqlite' or 'postgresql'."""
    return "postgresql" if normalize(url).startswith("postgresql") else "sqlite"


def redact(url: str) -> str:
    """The URL with its password replaced by ***, safe to print or log."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(normalize(url)).render_as_string(hide_password=True)
    except Exception:
        # Unparseable: drop everything between '://' and '@', which is where a password would be.
        head, sep, rest = url.partition("://")
        return head + sep + ("***@" + rest.split("@", 1)[1] if "@" in rest else rest)
