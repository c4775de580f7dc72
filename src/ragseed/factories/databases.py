"""Seeded test databases, one per distinct config, for the pytest plugin (and any harness).

The default config is seeded into the URL as given. Every other config, and every pytest-xdist
worker, gets its own database next to it: a sibling SQLite file, or a PostgreSQL schema (selected
through the URL's search_path) in the same database. A database that already holds the seed is
reused as is, so a persistent PostgreSQL test database is seeded once, not on every run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, inspect

from ..core.config import Config, build_config
from ..core.errors import ConfigError, LedgerError, RagseedError, SafetyError
from ..core.plan import Features, Plan
from ..db import urls
from ..db.engine import make_engine, transaction
from ..db.schema import CORE_TABLES
from ..db.target import inspect_target
from ..generate.tenant import user_row
from ..run import ledger
from ..run.atomic import seed
from ..run.blocks import clock_for
from ..run.database import table_counts
from ..run.identity import static_data
from .generation import user_object
from .objects import User

#: Short names a marker or option may use for Config fields.
ALIASES = {
    "users": "num_users",
    "docs": "docs_per_user",
    "documents": "docs_per_user",
    "sessions": "sessions_per_user",
    "turns": "turns_per_session",
}


@dataclass
class SeededDatabase:
    url: str  # a complete URL: for a PostgreSQL schema it carries the search_path
    config: Config
    features: Features
    reused: bool = False  # the database already held this seed: nothing was written
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.url)
        return self._engine

    @cached_property
    def plan(self) -> Plan:
        return Plan(self.config, static_data(self.config), self.features)

    @cached_property
    def api_keys(self) -> dict[str, str]:
        """email -> API key of the static users (admin@example.com -> sk_admin_123, ...)."""
        plan, clock = self.plan, clock_for(self.plan)
        n = min(len(plan.static.users), plan.num_users) if self.config.use_static else 0
        return {str(r[1]): str(r[2]) for r in (user_row(plan, u, clock) for u in range(n))}

    def tenant(self, u: int | None = None) -> User:
        """Tenant u (default: the first with an indexed document) as factory objects."""
        if u is None:
            plan = self.plan
            indexed = (i for i in range(plan.num_users) if any(x.indexed for x in plan.layouts(i)))
            u = next(indexed, None)
            if u is None:
                raise ConfigError("no tenant of this seed has an indexed document")
        return user_object(self.plan, u)

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def settings_from(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """Marker arguments -> Config fields: ragseed("demo", users=3) -> profile, num_users."""
    out = {"profile": args[0]} if args else {}
    out.update({ALIASES.get(k, k): v for k, v in kwargs.items()})
    return out


class Registry:
    """Seeds each distinct config once, on first use, and hands out the same database after."""

    def __init__(self, base_url: str, defaults: Mapping[str, Any], worker: str | None = None):
        self.base_url = base_url
        self.defaults = {k: v for k, v in defaults.items() if v is not None}
        self.worker = worker
        self._dbs: dict[str, SeededDatabase] = {}
        self._failed: dict[str, RagseedError] = {}
        self._base_checked = False
        self.default_tag = self.tag(self.config({}))

    def config(self, settings: Mapping[str, Any]) -> Config:
        flags: dict[str, Any] = {"environment": "testing", "profile": "testing", **self.defaults}
        flags.update({ALIASES.get(k, k): v for k, v in settings.items()})
        # environ={}: a developer's DATABASE_URL or ENVIRONMENT must not steer test seeding
        return build_config(flags, environ={})

    @staticmethod
    def tag(config: Config) -> str:
        return ledger.config_hash(config.generation_dict())[:10]

    def get(self, settings: Mapping[str, Any] | None = None) -> SeededDatabase:
        config = self.config(settings or {})
        tag = self.tag(config)
        if tag in self._failed:  # do not wait for a dead server once per test
            raise self._failed[tag]
        if tag not in self._dbs:
            try:
                self._check_base()
                self._dbs[tag] = self._seed(config, self.url_for(tag))
            except RagseedError as exc:
                self._failed[tag] = exc
                raise
        return self._dbs[tag]

    def _check_base(self) -> None:
        """Other configs and xdist workers get their own files or schemas, with ledgers of their
        own: the stamp of the database the user gave rules them all."""
        if self._base_checked:
            return
        parsed = urls.parse(self.base_url)
        db = parsed.database or ""
        if parsed.get_backend_name() != "sqlite" or Path(db).expanduser().is_file():
            with transaction(self.base_url) as conn:
                if ledger.state(conn).production:
                    raise _production(self.base_url)
        self._base_checked = True

    def url_for(self, tag: str) -> str:
        parts = [p for p in (None if tag == self.default_tag else tag, self.worker) if p]
        if not parts:
            return self.base_url
        suffix = "_".join(parts)
        parsed = urls.parse(self.base_url)
        if parsed.get_backend_name() == "sqlite":
            if not parsed.database or parsed.database == ":memory:":
                raise ConfigError("ragseed needs a SQLite file, not an in-memory database")
            path = Path(parsed.database)
            return f"sqlite:///{path.with_name(path.stem + '-' + suffix + (path.suffix or '.db'))}"
        schema = f"ragseed_{suffix}".lower()
        with transaction(self.base_url) as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        options = f"-csearch_path={schema}"
        return parsed.update_query_dict({"options": options}).render_as_string(hide_password=False)

    @staticmethod
    def _seed(config: Config, url: str) -> SeededDatabase:
        """Bring the database to `config`: reuse, top up, or reset and seed again.

        A database ragseed seeded with another config or in another environment (`ragseed
        seed` in development, say) is reset and seeded for the tests: it was given to us as the
        test database. One stamped production, or holding rows ragseed did not write, is left
        alone."""
        config = config.model_copy(update={"database_url": url})
        try:
            result = seed(config)
        except (LedgerError, SafetyError):
            with transaction(url) as conn:
                state = ledger.state(conn)
                existing = set(inspect(conn).get_table_names())
                rows = table_counts(conn, [t for t in CORE_TABLES if t in existing])
            if state.production:
                raise _production(url) from None
            if state.head is None:
                raise LedgerError(
                    f"{urls.redact(url)} holds rows ragseed did not write ({_summary(rows)}), so "
                    "the ragseed fixtures leave it alone: point --ragseed-database-url (or "
                    "$RAGSEED_DATABASE_URL) at an empty database or one ragseed seeded"
                ) from None
            result = seed(config.model_copy(update={"reset": True}))
        with transaction(url) as conn:
            features = inspect_target(conn, create=False).features
        return SeededDatabase(url, config, features, result.skipped)

    def close(self) -> None:
        for db in self._dbs.values():
            db.dispose()


def _production(url: str) -> SafetyError:
    return SafetyError(
        f"{urls.redact(url)} is stamped production in its ragseed ledger, and the ragseed "
        "fixtures never write to it: point --ragseed-database-url (or $RAGSEED_DATABASE_URL) "
        "at a test database"
    )


def _summary(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{n:,} {t}" for t, n in counts.items() if n) or "no rows"
