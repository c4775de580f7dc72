"""Parallel load (PostgreSQL): N loaders (this process and N - 1 processes), each with its own
server backend, so that the server's per-row work (the tsv column, keys) uses several cores.

It is not one transaction, so its failure contract is explicit:
1. The run holds a session advisory lock for its whole life: other ragseed runs wait for it.
2. Phase 1 commits a ledger row (status 'running', with a run id and the DDL of every index and
   constraint it drops) and drops them. The tables must be empty (or --reset empties them here),
   and only the run's loaders may write to them until it ends: their counts are its totals.
3. Each loader generates and loads its share of tenants in its own transaction.
4. Phase 3 rebuilds the indexes and constraints in two lanes at once, each in its own transaction
   on its own connection (the largest table's GIN index; the other tables' keys and indexes, then
   the largest table's B-tree builds). Then one transaction attaches the largest table's keys and
   adds the foreign keys to and from it NOT VALID, the rows of those keys are validated at once
   (one connection per referencing table), and a last transaction marks the run 'complete'.
If anything fails, the run cleans up at once: it empties the RAG tables, restores every dropped
index and constraint (validated) and marks its ledger row 'failed'. If the process is killed, its
loaders die with it (their open transactions abort) and the next ragseed run on this database,
which finds the 'running' row once it gets the lock, does the same cleanup before anything else.
So after any failure the tables are empty, with their indexes, never half-loaded.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..core.errors import ConfigError, DatabaseError, LedgerError
from ..core.fingerprint import Fingerprint
from ..db.engine import transaction
from . import ledger
from .recover import cleanup, recover
from .result import SeedResult

if TYPE_CHECKING:
    from collections.abc import Iterator

    from ..core.config import Config
    from ..core.plan import Plan
    from ..db.target import Target


@dataclass(frozen=True)
class Part:
    fingerprint: int
    counts: dict[str, int]


def _load_part(
    url: str, plan: Plan, target: Target, tenants: list[int], first: int, next_run: Any = None
) -> Part:
    """Load runs of tenants in one transaction: run ``first`` (so every loader has work of its
    own from the start), then whichever runs are left when it asks (producers.claims), so that
    a loader that starts late or loads slowly takes fewer runs and all finish together. The rows
    do not depend on which loader took a tenant. next_run: the shared counter (a loader process
    has it from _init_loader)."""
    from ..load.postgres import PostgresLoader
    from . import producers

    with transaction(url) as conn:
        loader = PostgresLoader(conn, target)
        fp = Fingerprint()
        counter = next_run or _next_run
        runs = (u for run in producers.claims(tenants, counter, first) for u in run)
        with producers.lean_gc():
            for item in producers.produce(plan, runs, loader.encoder()):
                loader.write_encoded(item.encoded)
                fp = fp.combine(Fingerprint(item.fingerprint))
        return Part(fp.value, dict(loader.written))


#: In a loader process: the next run of tenants to claim, a multiprocessing Value shared by the
#: loaders (set by _init_loader).
_next_run: Any = None


def _init_loader(parent: int, next_run: Any = None) -> None:
    from .children import die_with_parent

    global _next_run
    die_with_parent(parent)
    _next_run = next_run


def _warm_up(languages: list[str]) -> None:
    """Runs in each loader process while the calling process prepares the database: the
    imports and the text tables a loader needs, so that its first block is not late."""
    from ..generate.language import language
    from ..load import postgres  # noqa: F401
    from . import producers  # noqa: F401

    for lang in languages:
        language(lang)


def _rebuild_lanes(engine: Any, target: Target, lanes: list[list[str]]) -> None:
    """Run each lane of deferred DDL in its own transaction on its own connection, all at once:
    an index build uses one server core. Waits for every lane before raising the first error, so
    that cleanup never waits on a lane's locks."""
    from concurrent.futures import ThreadPoolExecutor

    from ..load.postgres import PostgresLoader

    def run(lane: list[str]) -> None:
        with engine.begin() as conn:
            PostgresLoader(conn, target).apply(lane)

    busy = [lane for lane in lanes if lane]
    with ThreadPoolExecutor(max(1, len(busy))) as pool:
        futures = [pool.submit(run, lane) for lane in busy]
    for f in futures:
        f.result()


@contextmanager
def _loaders(loaders: int, config: Config) -> Iterator[tuple[ProcessPoolExecutor, Any]]:
    """The loader processes (loaders - 1 of them) and the counter of claimed runs. The processes
    start at once and warm up while this one takes the lock and prepares the tables: spawning
    one and importing what it needs takes about half a second, when only one core is busy."""
    from multiprocessing import get_context

    ctx = get_context("spawn")  # never fork a process that holds a connection
    next_run = ctx.Value("q", loaders)  # runs 0 .. loaders-1 are each loader's first
    languages = sorted(lang for lang, weight in config.languages.items() if weight > 0)
    pool = ProcessPoolExecutor(
        max(1, loaders - 1), mp_context=ctx, initializer=_init_loader,
        initargs=(os.getpid(), next_run),
    )  # fmt: skip
    with pool:
        for _ in range(loaders - 1):
            pool.submit(_warm_up, languages)
        yield pool, next_run


def seed_parallel(config: Config, loaders: int, *, graph: bool | None = None) -> SeedResult:
    """Load into empty tables with `loaders` server backends at once (docs/parallel.md)."""
    from sqlalchemy import text

    from ..db.engine import make_engine
    from ..db.target import inspect_target
    from ..load.postgres import PostgresLoader, deferred_checks
    from .atomic import check_environment
    from .database import has_rows
    from .identity import database_url, generation_identity, plan_for, static_data, static_users
    from .lock import ADVISORY_KEY

    url = database_url(config)
    if not url.startswith(("postgres", "postgresql")):
        raise ConfigError("--parallel needs PostgreSQL: SQLite has a single writer")
    if loaders < 1:
        raise ConfigError(f"--parallel: must be at least 1 (got {loaders})")
    static = static_data(config)
    engine = make_engine(url)
    run_id = str(uuid.uuid4())
    started, t0 = datetime.now(UTC), time.perf_counter()
    try:
        main = engine.connect()
    except Exception as exc:
        from ..db.engine import describe_error
        from ..db.urls import redact

        raise DatabaseError(f"cannot connect to {redact(url)}: {describe_error(exc)}") from None
    with main, _loaders(loaders, config) as (pool, next_run):
        main.execute(text("SELECT pg_advisory_lock(:k)"), {"k": ADVISORY_KEY})
        main.commit()
        # Phase 1: checks, reset, drop indexes, 'running' ledger row; committed.
        with main.begin():
            recover(main)
            target = inspect_target(main, graph=graph)
            tables = list(target.columns)
            ledger.ensure(main)
            state = ledger.state(main)
            check_environment(state, config)
            loader = PostgresLoader(main, target)
            if config.reset:
                loader.reset()
            elif has_rows(main, tables):
                raise LedgerError(
                    "--parallel loads into empty tables only: add --reset, or seed without "
                    "--parallel (a top-up or a re-run is one ordinary transaction)"
                )
            loader.prepare_bulk(truncate=False)  # the tables are empty
            plan = plan_for(main, config, static, target.features)
            identity = generation_identity(config, static, target)
            ledger.record(
                main, run_id=run_id, kind="seed", status="running",
                environment=config.environment, profile=config.profile, seed=config.seed,
                config_hash=ledger.config_hash(identity),
                config={**identity, "deferred_ddl": loader.deferred}, counts={},
                fingerprint="", tool_version=__version__, started_at=started, finished_at=None,
            )  # fmt: skip
        ddl = list(loader.deferred)
        try:
            tenants = list(range(config.num_users))
            # This process loads too (on its own connection): one process fewer, whose imports
            # and memory would only duplicate this one's.
            futures = [
                pool.submit(_load_part, url, plan, target, tenants, i) for i in range(1, loaders)
            ]
            parts = [_load_part(url, plan, target, tenants, 0, next_run)]
            parts += [f.result() for f in futures]
            # Phase 3: rebuild in two lanes, then link and complete in one transaction.
            with main.begin():
                big = loader.largest_table()
            big_lane, other_lane, last = loader.rebuild_lanes(big)
            _rebuild_lanes(engine, target, [big_lane, other_lane])
            # Then attach the largest table's keys and add the foreign keys to and from it, and
            # check their rows at once, one connection per referencing table.
            quick, checks = deferred_checks(last)
            with main.begin():
                loader.apply(quick)
            _rebuild_lanes(engine, target, checks)
            with main.begin():
                fp = Fingerprint()
                for part in parts:
                    fp = fp.combine(Fingerprint(part.fingerprint))
                # The tables were empty in phase 1 and only the loaders wrote (the contract):
                # their counts are the totals, without reading every table once more.
                totals = {t: sum(part.counts.get(t, 0) for part in parts) for t in tables}
                main.execute(
                    ledger.runs.update().where(ledger.runs.c.run_id == run_id).values(
                        status="complete", counts=json.dumps(totals, sort_keys=True),
                        fingerprint=fp.hex(), config=json.dumps(identity, sort_keys=True),
                        finished_at=datetime.now(UTC),
                    )
                )  # fmt: skip
        except BaseException as exc:
            pool.shutdown(wait=True, cancel_futures=True)  # no loader may commit after cleanup
            main.rollback()
            with main.begin():
                cleanup(main, tables, [run_id], ddl)
            if isinstance(exc, KeyboardInterrupt):
                raise
            from ..db.engine import describe_error, is_driver_error

            why = describe_error(exc) if is_driver_error(exc) else f"{type(exc).__name__}: {exc}"
            raise DatabaseError(
                f"parallel load failed ({why}); run {run_id[:8]} was cleaned up: the tables are "
                "empty with their indexes restored"
            ) from exc
        finally:
            main.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
            main.commit()
    engine.dispose()
    from ..db.urls import redact

    return SeedResult(
        database=redact(url),
        counts=dict(totals),
        totals=dict(totals),
        fingerprint=fp.hex(),
        run_id=run_id,
        seconds=time.perf_counter() - t0,
        mode="parallel",
        static_users=static_users(plan),
    )
