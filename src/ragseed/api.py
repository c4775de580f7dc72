"""ragseed's Python API: one function per command. Each returns a result and raises a
RagseedError subclass on bad input; none prints. The CLI is a thin layer over these.

    from ragseed import api
    from ragseed.core.config import build_config

    result = api.seed(build_config({"num_users": 50}))
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .core.config import Config
from .core.shard import FULL, Shard, parse_shard
from .run.database import InitResult, MigrateResult, ResetResult, StatusResult
from .run.result import Progress, SeedResult

if TYPE_CHECKING:
    from .export import ExportSummary
    from .verify.report import Report

__all__ = [
    "FULL", "InitResult", "MigrateResult", "Progress", "ResetResult", "SeedResult", "Shard",
    "StatusResult", "export_eval", "init", "migrate", "parse_shard", "report", "reset", "seed",
    "stamp",
    "status", "verify",
]  # fmt: skip


def seed(
    config: Config,
    *,
    shard: Shard = FULL,
    workers: int | None = None,
    parallel: int | None = None,
    graph: bool | None = None,
    progress: Progress | None = None,
    producer_processes: int | None = None,
) -> SeedResult:
    """Seed the database: in one transaction (default; `shard` seeds one part), all shards at
    once in `workers` processes, or with `parallel` server backends into empty PostgreSQL tables
    (docs/parallel.md). What to do (a fresh seed, nothing, a top-up) is decided from the ledger.
    producer_processes: generator processes beside the loader (default: chosen by size)."""
    from .core.errors import ConfigError

    if shard != FULL and (workers is not None or parallel is not None):
        raise ConfigError(
            "--shard (or RAGSEED_SHARD) cannot be combined with --workers or --parallel"
        )
    if workers is not None and parallel is not None:
        raise ConfigError("--workers and --parallel cannot be combined: choose one")
    if parallel is not None:
        from .run.parallel import seed_parallel

        if config.vectors is not None:
            raise ConfigError(
                "--parallel writes no vectors: drop --vectors, or seed without --parallel"
            )

        return seed_parallel(config, parallel, graph=graph)
    if workers is not None:
        from .run.shards import seed_shards

        return seed_shards(config, workers, graph=graph)
    from .run.atomic import seed as seed_atomic

    return seed_atomic(
        config, progress=progress, graph=graph, shard=shard, producer_processes=producer_processes
    )


def init(config: Config, *, graph: bool | None = None) -> InitResult:
    """Create the RAG tables that are missing (the whole schema on an empty database)."""
    from .run import database

    return database.init(config, graph=graph)


def migrate(config: Config, revision: str = "head") -> MigrateResult:
    """Create the tables through ragseed's Alembic migrations instead of `init`."""
    from .run import database

    return database.migrate(config, revision)


def reset(config: Config, *, progress: Progress | None = None) -> ResetResult:
    """Empty every RAG table in one transaction and record it in the ledger."""
    from .run import database

    return database.reset(config, progress=progress)


def status(config: Config, limit: int = 10) -> StatusResult:
    """What is seeded here: the ledger's runs and the rows per table."""
    from .run import database

    return database.status(config, limit)


def stamp(config: Config, environment: str) -> str:
    """Record the environment this database belongs to (production: never write it again)."""
    from .run import database

    return database.stamp(config, environment)


def verify(config: Config, *, sample: int | None = None, k: int | None = None) -> Report:
    """Integrity, realism and retrieval checks of the seeded database."""
    from . import verify as V

    return V.run(config, sample=sample, k=k)


def export_eval(config: Config, out_dir: Path, fmt: str = "both") -> ExportSummary:
    """The seeded questions as a BEIR and/or Ragas evaluation set in out_dir."""
    from .export import export_eval as export

    return export(config, out_dir, fmt)


def report(
    config: Config, out: Path, *, as_json: bool = False, sample: int | None = None
) -> dict[str, Any]:
    """verify's figures as one self-contained HTML page with charts (or JSON when as_json),
    written to out; returns the figures (docs/report.md). sample: turns the per-turn checks read
    (default 2,000). The HTML needs the `ragseed[report]` extra (ConfigError without it)."""
    from .report import write

    return write(config, out, as_json=as_json, sample=sample)
