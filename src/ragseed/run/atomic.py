"""A seed in one transaction: a fresh seed, nothing to do, a top-up or one shard, decided from
the ledger (decide.py), then written through the sinks (sinks.py): the relational loader and any
store beside it."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from .. import __version__
from ..core.config import Config
from ..core.errors import SafetyError
from ..core.fingerprint import Fingerprint
from ..core.plan import Plan
from ..core.shard import FULL, Shard
from ..db import urls
from ..db.engine import transaction
from ..db.schema import CORE_TABLES
from . import ledger
from .database import before_begin, before_reset, has_rows, init, recover, table_counts
from .decide import decide, missing_shards
from .identity import database_url, generation_identity, plan_for, static_data, static_users
from .lock import lock
from .result import Progress, SeedResult
from .sinks import Sink, Sinks

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from ..db.target import Target


def seed(
    config: Config,
    *,
    progress: Progress | None = None,
    graph: bool | None = None,
    producer_processes: int | None = None,
    shard: Shard = FULL,
) -> SeedResult:
    """Seed the database in one transaction. Raises RagseedError subclasses on bad input.

    Decides from the ledger what to do: a fresh seed, nothing (the same seed is there), a top-up
    (the config grew), or this shard of a sharded seed.

    Stores that no transaction can span (Qdrant) write after the commit (docs/vectors.md).
    """
    after: list[Sinks] = []
    result = _seed(config, progress, graph, producer_processes, shard, after)
    t0 = time.perf_counter()
    for sinks in after:  # after the commit: the stores outside the transaction
        counts, notes = sinks.after_commit(database_url(config))
        result.counts.update(counts)
        result.notes += notes
    result.seconds += time.perf_counter() - t0
    return result


def _seed(
    config: Config,
    progress: Progress | None,
    graph: bool | None,
    producer_processes: int | None,
    shard: Shard,
    after: list[Sinks],
) -> SeedResult:
    from ..db.target import inspect_target
    from ..load import loader_class

    started, t0 = datetime.now(UTC), time.perf_counter()
    url = database_url(config)
    static = static_data(config)
    result = SeedResult(database=urls.redact(url))
    if shard.count > 1:
        init(config, graph=graph)  # DDL once, outside the shards' concurrent transactions
    # Unsharded seeds let the loader relax per-row checks into empty tables (SQLite).
    before = None if shard.count > 1 else before_reset if config.reset else before_begin
    with transaction(url, before_begin=before) as conn:
        lock(conn, shard)
        recover(conn)
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
        foreign = has_rows(conn, [t for t in CORE_TABLES if t in tables])
        state = ledger.state(conn)
        check_environment(state, config)
        # The relational loader, and any store written beside it (run/sinks.py).
        stores = _stores(conn, config, target, plan, digest, shard.tenants(config.num_users))
        sinks = Sinks(loader_class(target.dialect)(conn, target), *stores)
        _repair(plan, sinks, config.reset, producer_processes)
        after.append(sinks)
        tables += [t for t in sinks.written if t not in tables]
        decision = decide(
            state, config, plan, identity, digest, shard,
            seeded_rows=has_rows(conn, ["users"]), foreign_rows=foreign,
        )  # fmt: skip
        if decision.action == "nothing":
            return _nothing_to_do(result, state, plan, t0)
        result.action = decision.action
        if config.reset:
            sinks.reset()
        empty = decision.seeded is None and shard.count == 1 and not has_rows(conn, tables)
        if empty:
            sinks.prepare_bulk()
        tenants = shard.tenants(config.num_users)
        if decision.seeded is None:
            fp = _load(plan, tenants, sinks, progress, producer_processes)
        else:
            fp = decision.base.combine(_top_up(decision.seeded, plan, tenants, sinks, progress))
        sinks.finish()
        fp = fp.combine(Fingerprint(sinks.digest))  # the vectors, where there are any
        result.counts = {t: sinks.written.get(t, 0) for t in tables}
        # Empty tables that no other session could write to since: what was written is their
        # total, without a count(*) that reads every table once more.
        exact = empty and sinks.exclusive()
        result.totals = dict(result.counts) if exact else table_counts(conn, tables)
        result.fingerprint = fp.hex()
        result.run_id = str(uuid.uuid4())
        ledger.record(
            conn, run_id=result.run_id, kind="seed", status="complete",
            environment=config.environment, profile=config.profile, seed=config.seed,
            shard_index=shard.index, shard_count=shard.count,
            config_hash=digest, config=identity,
            counts=result.totals if decision.seeded is not None or shard.count == 1
            else result.counts,
            fingerprint=result.fingerprint, tool_version=__version__, started_at=started,
        )  # fmt: skip
        result.static_users = static_users(plan)
    result.seconds = time.perf_counter() - t0
    return result


def _stores(
    conn: Connection, config: Config, target: Target, plan: Plan, digest: str, tenants: range
) -> list[Sink]:
    """The stores written beside the relational tables (run/sinks.py)."""
    if config.vectors is None:
        return []
    from ..vectors import open_store

    return [open_store(conn, config, target, config_hash=digest, tenants=tenants, plan=plan)]


def _repair(plan: Plan, sinks: Sinks, reset: bool, processes: int | None) -> None:
    """Regenerate the blocks of tenants whose after-commit writes an earlier run left unfinished
    (a store's pending_ranges, same configuration), for that store to write again."""
    from . import producers

    for store in sinks.all[1:]:
        pending = getattr(store, "pending_ranges", None)
        for tenants in pending(reset) if pending is not None else []:
            for item in producers.run(plan, tenants, store.encoder(), processes=processes):
                store.repair_encoded(item.encoded)  # type: ignore[attr-defined]


def _load(
    plan: Plan,
    tenants: range,
    sinks: Sinks,
    progress: Progress | None,
    processes: int | None,
) -> Fingerprint:
    from . import producers

    fp = Fingerprint()
    done = written = 0

    with producers.lean_gc():
        for item in producers.run(plan, tenants, sinks.encoder(), processes=processes):
            sinks.write_encoded(item.encoded)
            fp = fp.combine(Fingerprint(item.fingerprint))
            done += item.tenants
            written += item.rows
            if progress:
                progress(done, len(tenants), written)
    return fp


def _top_up(
    seeded: Plan, new: Plan, tenants: range, sinks: Sinks, progress: Progress | None
) -> Fingerprint:
    from .blocks import clock_for
    from .topup import PRIMARY_KEYS, deltas

    tables = sinks.tables()
    fp = Fingerprint()
    done = written = 0
    for delta in deltas(seeded, new, tenants, clock_for(new), tables):
        for table in reversed(tables):
            if delta.deletes.get(table):
                sinks.delete(table, delta.deletes[table], PRIMARY_KEYS[table])
        for table in tables:
            if delta.updates[table]:
                sinks.update(table, delta.updates[table], PRIMARY_KEYS[table])
        sinks.write(delta.inserts)
        fp = fp.combine(Fingerprint(delta.fingerprint))
        done += delta.tenants
        written += delta.rows()
        if progress:
            progress(done, len(tenants), written)
    return fp


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
            f"nothing to do: this shard is already seeded; shards {missing_shards(state)} of "
            f"{state.shard_count} are still missing"
        )
    result.totals = state.counts()
    result.fingerprint = state.fingerprint()
    result.static_users = static_users(plan)
    result.seconds = time.perf_counter() - t0
    return result


def check_environment(state: ledger.State, config: Config) -> None:
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
