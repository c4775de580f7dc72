"""One function per command. They return results; only cli.py prints them."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from . import __version__, ledger, urls
from .config import Config
from .db import transaction
from .errors import LedgerError
from .fingerprint import Fingerprint
from .plan import Plan
from .schema import CORE_TABLES
from .static import NO_STATIC, StaticData, load_static

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from .target import Target

#: pg_advisory_xact_lock key: the first 8 bytes of sha256("ragseed") as a signed bigint
ADVISORY_KEY = 0x6A2F51D4C3B0E917

#: progress(tenants done, tenants total, rows written so far)
Progress = Callable[[int, int, int], None]


@dataclass
class SeedResult:
    database: str
    counts: dict[str, int] = field(default_factory=dict)  # rows written by this run
    totals: dict[str, int] = field(default_factory=dict)  # rows in the tables afterwards
    skipped: bool = False
    reason: str = ""
    fingerprint: str = ""
    run_id: str = ""
    created_tables: tuple[str, ...] = ()
    static_users: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0


def database_url(config: Config) -> str:
    return config.database_url or urls.default_url()


def static_data(config: Config) -> StaticData:
    return load_static(config.static_dir) if config.use_static else NO_STATIC


def generation_identity(config: Config, static: StaticData, target: Target) -> dict[str, Any]:
    """Everything that decides the rows: hashed into the ledger to recognise a repeated run."""
    import hashlib
    import json

    blob = json.dumps(
        [[u.model_dump() for u in static.users], [d.model_dump() for d in static.documents]],
        sort_keys=True,
    )
    return {
        **config.generation_dict(),
        "static": hashlib.sha256(blob.encode()).hexdigest()[:16],
        "features": sorted(k for k, v in vars(target.features).items() if v),
        "staging_keys": config.environment == "staging",
    }


def table_counts(conn: Connection, tables: list[str]) -> dict[str, int]:
    from sqlalchemy import text

    return {t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in tables}


def _has_rows(conn: Connection, tables: list[str]) -> bool:
    from sqlalchemy import text

    return any(conn.execute(text(f"SELECT 1 FROM {t} LIMIT 1")).first() for t in tables)


def _describe_change(old: dict[str, Any], new: dict[str, Any]) -> str:
    keys = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
    return ", ".join(f"{k} {old.get(k)!r} -> {new.get(k)!r}" for k in keys) or "static data"


def seed(
    config: Config,
    *,
    progress: Progress | None = None,
    graph: bool | None = None,
    gen_workers: int | None = None,
) -> SeedResult:
    """Seed the database in one transaction. Raises RagseedError subclasses on bad input."""
    from . import pipeline
    from .load import loader_class
    from .target import inspect_target

    started, t0 = datetime.now(UTC), time.perf_counter()
    url = database_url(config)
    static = static_data(config)
    result = SeedResult(database=urls.redact(url))
    with transaction(url) as conn:
        lock(conn)
        target = inspect_target(conn, graph=graph)
        result.created_tables = target.created
        plan = Plan(config, static, target.features)
        identity = generation_identity(config, static, target)
        digest = ledger.config_hash(identity)
        tables = [t for t in target.columns]
        ledger.ensure(conn)
        current = ledger.current(conn)
        loader = loader_class(target.dialect)(conn, target)
        if config.reset:
            loader.reset()
        elif current is not None and _has_rows(conn, ["users"]):
            if current.config_hash == digest:
                result.skipped = True
                result.reason = (
                    f"nothing to do: this database already holds this seed "
                    f"(run {current.run_id[:8]}, fingerprint {current.fingerprint})"
                )
                result.totals = current.counts
                result.fingerprint = current.fingerprint
                result.static_users = _static_users(plan)
                result.seconds = time.perf_counter() - t0
                return result
            raise LedgerError(
                "this database was seeded with a different configuration ("
                + _describe_change(current.config, identity)
                + "). Re-run with --reset to replace the seeded data."
            )
        elif _has_rows(conn, [t for t in CORE_TABLES if t in tables]):
            raise LedgerError(
                "the RAG tables already hold rows that ragseed did not write. Re-run with --reset "
                "to empty them first (this deletes those rows)."
            )
        if config.reset or not _has_rows(conn, tables):
            loader.prepare_bulk()
        fp = Fingerprint()
        done = written = 0
        encoder = loader.encoder()
        for item in pipeline.run(plan, range(config.num_users), encoder, workers=gen_workers):
            loader.write_encoded(item.encoded)
            fp = fp.combine(Fingerprint(item.fingerprint))
            done += item.tenants
            written += item.rows
            if progress:
                progress(done, config.num_users, written)
        loader.finish()
        result.counts = {t: loader.written.get(t, 0) for t in tables}
        result.totals = dict(result.counts)
        result.fingerprint = fp.hex()
        result.run_id = str(uuid.uuid4())
        ledger.record(
            conn, run_id=result.run_id, kind="seed", status="complete",
            environment=config.environment, profile=config.profile, seed=config.seed,
            config_hash=digest, config=identity, counts=result.totals,
            fingerprint=result.fingerprint, tool_version=__version__, started_at=started,
        )  # fmt: skip
        result.static_users = _static_users(plan)
    result.seconds = time.perf_counter() - t0
    return result


def lock(conn: Connection) -> None:
    """Serialise ragseed runs on one database. SQLite's BEGIN IMMEDIATE already holds the write
    lock; PostgreSQL gets a transaction-level advisory lock, so a second run waits here and then
    finds the first one's work in the ledger."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy import text

        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_KEY})


def _static_users(plan: Plan) -> list[tuple[str, str]]:
    if plan.config.environment == "staging" or not plan.config.use_static:
        return []
    n = min(len(plan.static.users), plan.num_users)
    return [(u.email, u.api_key) for u in plan.static.users[:n]]


@dataclass
class InitResult:
    database: str
    created: tuple[str, ...]


def init(config: Config, *, graph: bool | None = None) -> InitResult:
    """Create the RAG tables that are missing (the whole schema on an empty database)."""
    from .target import inspect_target

    url = database_url(config)
    with transaction(url) as conn:
        target = inspect_target(conn, graph=graph)
        ledger.ensure(conn)
    return InitResult(urls.redact(url), target.created)


@dataclass
class ResetResult:
    database: str
    deleted: dict[str, int]


def reset(config: Config) -> ResetResult:
    """Empty every RAG table (TRUNCATE ... CASCADE on PostgreSQL) and record it in the ledger."""
    from .load import loader_class
    from .target import inspect_target

    url = database_url(config)
    with transaction(url) as conn:
        target = inspect_target(conn, create=False)
        tables = list(target.columns)
        before = table_counts(conn, tables)
        loader_class(target.dialect)(conn, target).reset()
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
