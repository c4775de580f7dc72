"""The commands that act on the database itself rather than seed it: init, reset, migrate,
status and stamp."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..core.config import Config
from ..core.errors import SafetyError
from ..db import urls
from ..db.engine import transaction
from . import ledger
from .identity import database_url
from .lock import ADVISORY_KEY, DDL_KEY, lock
from .result import Progress

if TYPE_CHECKING:
    from sqlalchemy import Connection


@dataclass
class InitResult:
    database: str
    created: tuple[str, ...]


def init(config: Config, *, graph: bool | None = None) -> InitResult:
    """Create the RAG tables that are missing (the whole schema on an empty database)."""
    from ..db.target import inspect_target

    url = database_url(config)
    with transaction(url) as conn:
        if conn.dialect.name == "postgresql":
            # N shards starting at once on an empty database (pods of one Job) would all create
            # the tables, and all but one fail on PostgreSQL's catalog: one at a time. Shared with
            # running shards, exclusive with an unsharded run (which may be creating them too).
            from sqlalchemy import text

            conn.execute(text("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": ADVISORY_KEY})
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": DDL_KEY})
        target = inspect_target(conn, graph=graph)
        ledger.ensure(conn)
        if (config.vectors or "").startswith("qdrant:"):
            from ..vectors.qdrant import ensure_sync

            ensure_sync(conn)  # once, not in each shard's concurrent transaction
    return InitResult(urls.redact(url), target.created)


@dataclass
class ResetResult:
    database: str
    deleted: dict[str, int]


def reset(config: Config, *, progress: Progress | None = None) -> ResetResult:
    """Empty every RAG table (TRUNCATE ... CASCADE on PostgreSQL) and record it in the ledger,
    in one transaction. progress(tables emptied, tables in all, rows deleted so far)."""
    from .. import vectors
    from ..db.target import inspect_target
    from ..load import loader_class

    url = database_url(config)
    with transaction(url, before_begin=before_reset) as conn:
        lock(conn)
        recover(conn)
        target = inspect_target(conn, create=False)
        if ledger.state(conn).production:
            raise SafetyError(
                "refusing to reset this database: its ragseed ledger stamps it as production."
            )
        tables = list(target.columns)
        before = table_counts(conn, tables)
        emptied: list[str] = []

        def table_done(table: str) -> None:
            if progress is not None and table in before:
                emptied.append(table)
                progress(len(emptied), len(before), sum(before[t] for t in emptied))

        if progress is not None:
            progress(0, len(before), 0)
        loader_class(target.dialect)(conn, target).reset(table_done)
        vectors.empty(conn)  # PostgreSQL's TRUNCATE ... CASCADE has emptied it already
        ledger.ensure(conn)
        ledger.record(
            conn, run_id=str(uuid.uuid4()), kind="reset", status="complete",
            environment=config.environment, profile=config.profile, seed=config.seed,
            config_hash="", config={}, counts=dict.fromkeys(tables, 0), fingerprint="",
            tool_version=__version__, started_at=datetime.now(UTC),
        )  # fmt: skip
    return ResetResult(urls.redact(url), before)


@dataclass
class MigrateResult:
    database: str
    revision: str


def migrate(config: Config, revision: str = "head") -> MigrateResult:
    """Run ragseed's Alembic migrations (version table ragseed_alembic_version)."""
    from alembic import command
    from alembic.config import Config as AlembicConfig

    url = database_url(config)
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", "ragseed:migrations")
    with transaction(url) as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    return MigrateResult(urls.redact(url), revision)


@dataclass
class StatusResult:
    database: str
    tables: dict[str, int]
    runs: list[ledger.Run]
    state: ledger.State


def status(config: Config, limit: int = 10) -> StatusResult:
    """The ledger's recent runs and what the tables hold now. Writes nothing."""
    from sqlalchemy import inspect

    from ..db.schema import TABLES
    from ..vectors import TABLE as VECTOR_TABLE
    from .identity import existing_url

    url = existing_url(config)  # connecting would create the SQLite file it reports on
    with transaction(url) as conn:
        existing = set(inspect(conn).get_table_names())
        counts = table_counts(conn, [t for t in (*TABLES, VECTOR_TABLE) if t in existing])
        runs = ledger.history(conn, limit)
        state = ledger.state(conn)
        conn.rollback()
    return StatusResult(urls.redact(url), counts, runs, state)


def stamp(config: Config, environment: str) -> str:
    """Record the environment this database belongs to. Stamping production makes ragseed refuse
    to write or reset it from then on."""
    url = database_url(config)
    with transaction(url) as conn:
        ledger.ensure(conn)
        state = ledger.state(conn)
        if state.production:
            raise SafetyError(
                "this database is already stamped production; nothing was changed (to undo a "
                "stamp made by mistake, see ragseed stamp --help)"
            )
        ledger.record(
            conn, run_id=str(uuid.uuid4()), kind="stamp", status="complete",
            environment=environment, profile="", seed=0, config_hash="", config={}, counts={},
            fingerprint="", tool_version=__version__, started_at=datetime.now(UTC),
        )  # fmt: skip
    return urls.redact(url)


def table_counts(conn: Connection, tables: list[str]) -> dict[str, int]:
    from sqlalchemy import text

    return {t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in tables}


def before_begin(dialect: str, raw: Any) -> None:
    from ..load import loader_class

    loader_class(dialect).before_begin(raw)


def before_reset(dialect: str, raw: Any) -> None:
    """The same for a transaction that starts by emptying the tables."""
    from ..load import loader_class

    loader_class(dialect).before_begin(raw, emptying=True)


def has_rows(conn: Connection, tables: list[str]) -> bool:
    from sqlalchemy import text

    return any(conn.execute(text(f"SELECT 1 FROM {t} LIMIT 1")).first() for t in tables)


def recover(conn: Connection) -> None:
    """Clean up after a killed parallel load before anything else (we hold the lock)."""
    if conn.dialect.name == "postgresql":
        from .recover import recover as clean_up_dead_runs

        clean_up_dead_runs(conn)
