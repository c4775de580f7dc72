"""The commands on the database itself: init, reset, status, stamp and migrate."""

from __future__ import annotations

from typing import Annotated

import typer

from ..core.errors import ConfigError
from .app import ConfigFile, DbUrl, Env, app, build, console


@app.command()
def init(
    env: Env = None,
    database_url: DbUrl = None,
    config: ConfigFile = None,
    graph: Annotated[
        bool | None, typer.Option("--graph/--no-graph", help="Also create graph_triplets.")
    ] = None,
) -> None:
    """Create the RAG tables that are missing (nothing else is changed)."""
    from .. import api

    result = api.init(build({"environment": env, "database_url": database_url}, config),
                           graph=graph)  # fmt: skip
    created = ", ".join(result.created) or "none: every table already exists"
    console().print(f"{result.database}: created {created}.")


@app.command()
def reset(
    env: Env = None,
    database_url: DbUrl = None,
    config: ConfigFile = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
) -> None:
    """Empty every RAG table (TRUNCATE ... CASCADE on PostgreSQL), in one transaction."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from .. import api

    cfg = build({"environment": env, "database_url": database_url}, config)
    if quiet:
        api.reset(cfg)
        return
    columns = (TextColumn("emptying tables"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[rows]:,} rows"), TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=console(stderr=True), transient=True) as bar:
        task = bar.add_task("reset", total=None, rows=0)

        def update(done: int, total: int, rows: int) -> None:
            bar.update(task, completed=done, total=total, rows=rows)

        result = api.reset(cfg, progress=update)
    total = sum(result.deleted.values())
    console().print(f"{result.database}: deleted {total:,} rows from {len(result.deleted)} tables.")


@app.command()
def status(
    env: Env = None,
    database_url: DbUrl = None,
    config: ConfigFile = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show what ragseed has seeded here: the ledger's runs and the rows per table."""
    import json

    from rich.table import Table

    from .. import api

    result = api.status(build({"environment": env, "database_url": database_url}, config))
    st = result.state
    head = st.head
    vectors = (
        {k: head.config.get(k) for k in ("vectors", "embedder", "dim")}
        if head and head.config.get("vectors")
        else None
    )
    summary = {
        "database": result.database,
        "tables": result.tables,
        "environment": head.environment if head else None,
        "production_stamp": st.production,
        "seed": head.seed if head else None,
        "profile": head.profile if head else None,
        "config_hash": head.config_hash if head else None,
        "shards": f"{len(st.done_shards)}/{st.shard_count}" if head else None,
        "fingerprint": st.fingerprint() if st.complete else None,
        "vectors": vectors,
        "runs": [
            {"run_id": r.run_id, "kind": r.kind, "status": r.status, "environment": r.environment,
             "profile": r.profile, "seed": r.seed, "shard": f"{r.shard_index}/{r.shard_count}",
             "fingerprint": r.fingerprint, "tool_version": r.tool_version,
             "started_at": r.started_at.isoformat() if r.started_at else None,
             "finished_at": r.finished_at.isoformat() if r.finished_at else None}
            for r in result.runs
        ],
    }  # fmt: skip
    out = console()
    if as_json:
        out.print_json(json.dumps(summary))
        return
    out.print(f"{result.database}")
    if head is None:
        out.print("Not seeded by ragseed (no complete run since the last reset).")
    else:
        out.print(
            f"Seeded as {head.environment} (profile {head.profile}, seed {head.seed}), "
            f"shards {summary['shards']}, fingerprint {summary['fingerprint'] or 'incomplete'}."
        )
    if vectors:
        dim = f", dim {vectors['dim']}" if vectors["dim"] else ""
        out.print(f"Vectors: {vectors['vectors']} (embedder {vectors['embedder']}{dim}).")
    if st.production:
        out.print("Stamped PRODUCTION: ragseed will not write or reset it.")
    counts = Table(title="Rows", title_justify="left")
    counts.add_column("table")
    counts.add_column("rows", justify="right")
    for name, n in result.tables.items():
        counts.add_row(name, f"{n:,}")
    out.print(counts)
    runs = Table(title="Recent runs", title_justify="left")
    for col in ("finished", "kind", "env", "profile", "seed", "shard", "rows", "fingerprint"):
        runs.add_column(col)
    for r in result.runs:
        runs.add_row(
            f"{r.finished_at:%Y-%m-%d %H:%M:%S}" if r.finished_at else "-", r.kind,
            r.environment, r.profile, str(r.seed), f"{r.shard_index}/{r.shard_count}",
            f"{sum(r.counts.values()):,}", r.fingerprint[:12],
        )  # fmt: skip
    out.print(runs)


@app.command()
def stamp(
    environment: Annotated[
        str, typer.Argument(help="development, testing, staging, demo or production.")
    ],
    database_url: DbUrl = None,
    config: ConfigFile = None,
) -> None:
    """Record which environment this database belongs to. A database stamped production is never
    written or reset by ragseed again.

    ragseed never lifts a production stamp itself. To undo one made by mistake, delete it from
    ragseed's ledger with SQL, on that database:

    \b
    DELETE FROM ragseed_runs WHERE kind = 'stamp' AND environment = 'production';"""
    from .. import api
    from ..core.config import ENVIRONMENTS

    if environment not in ENVIRONMENTS:
        raise ConfigError(f"unknown environment {environment!r}: use one of "
                          f"{', '.join(ENVIRONMENTS)}")  # fmt: skip
    cfg = build({"database_url": database_url}, config)
    where = api.stamp(cfg, environment)
    console().print(f"{where}: stamped {environment}.")


@app.command()
def migrate(
    env: Env = None,
    database_url: DbUrl = None,
    config: ConfigFile = None,
    revision: Annotated[str, typer.Option(help="Target revision.")] = "head",
) -> None:
    """Create the tables through ragseed's Alembic migrations instead of `init`."""
    from .. import api

    cfg = build({"environment": env, "database_url": database_url}, config)
    result = api.migrate(cfg, revision)
    console().print(f"{result.database}: migrated to {result.revision}.")
