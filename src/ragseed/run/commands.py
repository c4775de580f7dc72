"""One function per command. They return results; only cli.py prints them."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..core.config import Config
from ..core.errors import ConfigError, LedgerError, SafetyError
from ..core.fingerprint import Fingerprint
from ..core.plan import Features, Plan
from ..core.static import NO_STATIC, StaticData, load_static
from ..db import urls
from ..db.engine import transaction
from ..db.schema import CORE_TABLES
from ..generate import GENERATOR
from . import ledger

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from ..db.target import Target

#: pg_advisory_xact_lock key: the first 8 bytes of sha256("ragseed") as a signed bigint
ADVISORY_KEY = 0x6A2F51D4C3B0E917
#: ... and the one `init` holds while it creates tables
DDL_KEY = ADVISORY_KEY ^ 0xDD1

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
    action: str = "seed"  # seed | top-up | nothing


def database_url(config: Config) -> str:
    return config.database_url or urls.default_url()


def static_data(config: Config) -> StaticData:
    return load_static(config.static_dir) if config.use_static else NO_STATIC


def static_hash(static: StaticData) -> str:
    import hashlib
    import json

    blob = json.dumps(
        [[u.model_dump() for u in static.users], [d.model_dump() for d in static.documents]],
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def plan_for(conn: Connection, config: Config, static: StaticData, features: Features) -> Plan:
    """The plan of a seed of this database: in staging, with the database's key secret (made on
    first use), from which its API keys derive."""
    secret = ledger.key_secret(conn) if config.environment == "staging" else None
    return Plan(config, static, features, key_secret=secret)


def generation_identity(config: Config, static: StaticData, target: Target) -> dict[str, Any]:
    """Everything that decides the rows: hashed into the ledger to recognise a repeated run."""
    return {
        **config.generation_dict(),
        "generator": GENERATOR,
        "static": static_hash(static),
        "features": sorted(k for k, v in vars(target.features).items() if v),
        "staging_keys": config.environment == "staging",
    }


def table_counts(conn: Connection, tables: list[str]) -> dict[str, int]:
    from sqlalchemy import text

    return {t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in tables}


def _before_begin(dialect: str, raw: Any) -> None:
    from ..load import loader_class

    loader_class(dialect).before_begin(raw)


def _before_reset(dialect: str, raw: Any) -> None:
    """The same for a transaction that starts by emptying the tables."""
    from ..load import loader_class

    loader_class(dialect).before_begin(raw, emptying=True)


def _has_rows(conn: Connection, tables: list[str]) -> bool:
    from sqlalchemy import text

    return any(conn.execute(text(f"SELECT 1 FROM {t} LIMIT 1")).first() for t in tables)


@dataclass(frozen=True)
class Shard:
    """The K-th (from 0) of N disjoint parts of a seed, partitioned by tenant."""

    index: int = 0
    count: int = 1

    def tenants(self, num_users: int) -> range:
        return range(self.index, num_users, self.count)

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


FULL = Shard()
SHARD_VAR = "RAGSEED_SHARD"
#: The pod's index in a Kubernetes Indexed Job (0 to completions - 1).
INDEX_VAR = "JOB_COMPLETION_INDEX"


def parse_shard(text: str | None, environ: Mapping[str, str] | None = None) -> Shard:
    """`--shard` K/N or auto/N, else RAGSEED_SHARD, else the full seed. auto takes K from
    JOB_COMPLETION_INDEX, so N pods of one Indexed Job can share one spec. Raises ConfigError."""
    import re

    environ = os.environ if environ is None else environ
    where = "--shard"
    if not text:
        text, where = environ.get(SHARD_VAR, ""), SHARD_VAR
        if not text:
            return FULL
    m = re.fullmatch(r"\s*(\d+|auto)\s*/\s*(\d+)\s*", text, re.ASCII)
    if m is None or int(m[2]) < 1:
        raise ConfigError(
            f"{where}: expected K/N with 0 <= K < N (e.g. 0/4), or auto/N (got {text!r})"
        )
    k, n = m[1], int(m[2])
    if k == "auto":
        k = environ.get(INDEX_VAR, "").strip()
        if not re.fullmatch(r"\d+", k, re.ASCII):
            what = "not set" if not k else f"{k!r}, not a number"
            raise ConfigError(
                f"{where}: {text.strip()} takes K from {INDEX_VAR}, which is {what} (Kubernetes "
                "sets it in each pod of an Indexed Job)"
            )
        if int(k) >= n:
            raise ConfigError(
                f"{INDEX_VAR}: {k} is out of range for {where} {text.strip()}: expected 0 to "
                f"{n - 1} (the Job's completions must be {n})"
            )
    elif int(k) >= n:
        raise ConfigError(
            f"{where}: expected K/N with 0 <= K < N (e.g. 0/4), or auto/N (got {text!r})"
        )
    return Shard(int(k), n)


def seed(
    config: Config,
    *,
    progress: Progress | None = None,
    graph: bool | None = None,
    gen_workers: int | None = None,
    shard: Shard = FULL,
) -> SeedResult:
    """Seed the database in one transaction. Raises RagseedError subclasses on bad input.

    Decides from the ledger what to do: a fresh seed, nothing (the same seed is there), a top-up
    (the config grew), or this shard of a sharded seed.
    """
    from ..db.target import inspect_target
    from ..load import loader_class

    started, t0 = datetime.now(UTC), time.perf_counter()
    url = database_url(config)
    static = static_data(config)
    result = SeedResult(database=urls.redact(url))
    if shard.count > 1:
        init(config, graph=graph)  # DDL once, outside the shards' concurrent transactions
    # Unsharded seeds let the loader relax per-row checks into empty tables (SQLite).
    before = None if shard.count > 1 else _before_reset if config.reset else _before_begin
    with transaction(url, before_begin=before) as conn:
        lock(conn, shard)
        _recover(conn)
        target = inspect_target(conn, graph=graph)
        result.created_tables = target.created
        ledger.ensure(conn)
        plan = plan_for(conn, config, static, target.features)
        identity = generation_identity(config, static, target)
        digest = ledger.config_hash(identity)
        tables = list(target.columns)
        # Rows first, then the ledger: a concurrent shard commits both at once, and each
        # PostgreSQL statement reads a fresh snapshot, so rows seen here have their ledger row
        # visible below (the other order took another shard's rows for foreign ones).
        foreign = _has_rows(conn, [t for t in CORE_TABLES if t in tables])
        state = ledger.state(conn)
        _check_environment(state, config)
        loader = loader_class(target.dialect)(conn, target)
        head = state.head if state.runs and _has_rows(conn, ["users"]) else None
        old_plan: Plan | None = None
        base = Fingerprint()
        if config.reset:
            loader.reset()
        elif head is None:
            if foreign:
                raise LedgerError(
                    "the RAG tables already hold rows that ragseed did not write. Re-run with "
                    "--reset to empty them first (this deletes those rows)."
                )
        elif head.config_hash == digest:
            if state.shard_count == 1 or shard.index in state.done_shards:
                return _nothing_to_do(result, state, plan, t0)
            if state.shard_count != shard.count:
                raise LedgerError(
                    f"this database is being seeded in {state.shard_count} shards, not "
                    f"{shard.count}: run the missing shards "
                    f"{_missing(state)} with --shard K/{state.shard_count}"
                )
        else:
            from .topup import check_growth, old_config

            check_growth(head.config, identity)
            if not state.complete or shard.count > 1:
                raise LedgerError(
                    "a top-up needs a complete seed and runs unsharded: finish shards "
                    f"{_missing(state)} of {state.shard_count} first, or drop --shard"
                )
            old_plan = replace(plan, config=old_config(head.config, config))
            base = Fingerprint.from_hex(state.fingerprint())
            result.action = "top-up"
        empty = old_plan is None and shard.count == 1 and not _has_rows(conn, tables)
        if empty:
            loader.prepare_bulk()
        tenants = shard.tenants(config.num_users)
        if old_plan is None:
            fp = _load(plan, tenants, loader, progress, gen_workers)
        else:
            fp = base.combine(_top_up(old_plan, plan, tenants, loader, progress))
        loader.finish()
        result.counts = {t: loader.written.get(t, 0) for t in tables}
        # Empty tables that no other session could write to since: what was written is their
        # total, without a count(*) that reads every table once more.
        exact = empty and loader.exclusive()
        result.totals = dict(result.counts) if exact else table_counts(conn, tables)
        result.fingerprint = fp.hex()
        result.run_id = str(uuid.uuid4())
        ledger.record(
            conn, run_id=result.run_id, kind="seed", status="complete",
            environment=config.environment, profile=config.profile, seed=config.seed,
            shard_index=shard.index, shard_count=shard.count,
            config_hash=digest, config=identity,
            counts=result.totals if old_plan is not None or shard.count == 1 else result.counts,
            fingerprint=result.fingerprint, tool_version=__version__, started_at=started,
        )  # fmt: skip
        result.static_users = _static_users(plan)
    result.seconds = time.perf_counter() - t0
    return result


def _load(
    plan: Plan, tenants: range, loader: Any, progress: Progress | None, gen_workers: int | None
) -> Fingerprint:

    fp = Fingerprint()
    done = written = 0
    from . import producers

    with producers.lean_gc():
        for item in producers.run(plan, tenants, loader.encoder(), workers=gen_workers):
            loader.write_encoded(item.encoded)
            fp = fp.combine(Fingerprint(item.fingerprint))
            done += item.tenants
            written += item.rows
            if progress:
                progress(done, len(tenants), written)
    return fp


def _top_up(
    old: Plan, new: Plan, tenants: range, loader: Any, progress: Progress | None
) -> Fingerprint:
    from .blocks import clock_for
    from .topup import PRIMARY_KEYS, deltas

    tables = loader.tables()
    fp = Fingerprint()
    done = written = 0
    for delta in deltas(old, new, tenants, clock_for(new), tables):
        for table in reversed(tables):
            if delta.deletes.get(table):
                loader.delete(table, delta.deletes[table], PRIMARY_KEYS[table])
        for table in tables:
            if delta.updates[table]:
                loader.update(table, delta.updates[table], PRIMARY_KEYS[table])
        loader.write(delta.inserts)
        fp = fp.combine(Fingerprint(delta.fingerprint))
        done += delta.tenants
        written += delta.rows()
        if progress:
            progress(done, len(tenants), written)
    return fp


def _missing(state: ledger.State) -> str:
    missing = sorted(set(range(state.shard_count)) - state.done_shards)
    return ", ".join(map(str, missing)) or "none"


def _nothing_to_do(result: SeedResult, state: ledger.State, plan: Plan, t0: float) -> SeedResult:
    head = state.head
    assert head is not None
    result.skipped = True
    result.action = "nothing"
    if state.complete:
        result.reason = (
            f"nothing to do: this database already holds this seed "
            f"(run {head.run_id[:8]}, fingerprint {state.fingerprint()})"
        )
    else:
        result.reason = (
            f"nothing to do: this shard is already seeded; shards {_missing(state)} of "
            f"{state.shard_count} are still missing"
        )
    result.totals = state.counts()
    result.fingerprint = state.fingerprint()
    result.static_users = _static_users(plan)
    result.seconds = time.perf_counter() - t0
    return result


def _check_environment(state: ledger.State, config: Config) -> None:
    if state.production:
        raise SafetyError(
            "refusing to touch this database: its ragseed ledger stamps it as production."
        )
    head = state.head
    if head is not None and head.environment != config.environment and not config.reset:
        raise SafetyError(
            f"this database was seeded as {head.environment}, not {config.environment}: run "
            f"with --env {head.environment}, or add --reset to re-seed it as {config.environment}"
        )


def lock(conn: Connection, shard: Shard = FULL) -> None:
    """Serialise ragseed runs on one database. SQLite's BEGIN IMMEDIATE already holds the write
    lock; PostgreSQL gets transaction-level advisory locks, so a second run waits here and then
    finds the first one's work in the ledger. Different shards of one seed run side by side: they
    share the database lock and each holds its own shard lock."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy import text

        if shard.count == 1:
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_KEY})
        else:
            conn.execute(text("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": ADVISORY_KEY})
            conn.execute(text("SELECT pg_advisory_xact_lock(:a, :b)"),
                         {"a": ADVISORY_KEY & 0x7FFFFFFF, "b": shard.index})  # fmt: skip


def _recover(conn: Connection) -> None:
    """Clean up after a killed parallel load before anything else (we hold the lock)."""
    if conn.dialect.name == "postgresql":
        from .parallel import recover

        recover(conn)


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
    return InitResult(urls.redact(url), target.created)


@dataclass
class ResetResult:
    database: str
    deleted: dict[str, int]


def reset(config: Config, *, progress: Progress | None = None) -> ResetResult:
    """Empty every RAG table (TRUNCATE ... CASCADE on PostgreSQL) and record it in the ledger,
    in one transaction. progress(tables emptied, tables in all, rows deleted so far)."""
    from ..db.target import inspect_target
    from ..load import loader_class

    url = database_url(config)
    with transaction(url, before_begin=_before_reset) as conn:
        lock(conn)
        _recover(conn)
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
    from ..verify.seeded import existing_url

    url = existing_url(config)  # connecting would create the SQLite file it reports on
    with transaction(url) as conn:
        existing = set(inspect(conn).get_table_names())
        counts = table_counts(conn, [t for t in TABLES if t in existing])
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


def _seed_shard(config: Config, shard: Shard, graph: bool | None) -> SeedResult:
    return seed(config, shard=shard, graph=graph, gen_workers=0)


def seed_workers(config: Config, workers: int, *, graph: bool | None = None) -> list[SeedResult]:
    """Seed all N shards at once in N processes (each shard is its own transaction)."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    init(config, graph=graph)
    shards = [Shard(k, workers) for k in range(workers)]
    from .parallel import _init_worker

    ctx = get_context("spawn")
    with ProcessPoolExecutor(
        workers, mp_context=ctx, initializer=_init_worker, initargs=(os.getpid(),)
    ) as pool:
        futures = [pool.submit(_seed_shard, config, s, graph) for s in shards]
        return [f.result() for f in futures]
