"""`ragseed seed`: parse its flags, call ragseed.api.seed, print what was seeded and what to do
next."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from .app import ConfigFile, DbUrl, Env, app, build, console
from .tables import counts_table, users_table


@app.command()
def seed(
    env: Env = None,
    profile: Annotated[
        str | None,
        typer.Option(
            help="testing, development, demo or large (default: chosen by the environment).",
            show_default=False,
        ),
    ] = None,
    num_users: Annotated[
        int | None, typer.Option(help="Users (tenants) in all.", show_default=False)
    ] = None,
    num_docs: Annotated[
        int | None, typer.Option(help="Documents per user.", show_default=False)
    ] = None,
    min_chunks: Annotated[
        int | None, typer.Option(help="Fewest chunks per document.", show_default=False)
    ] = None,
    max_chunks: Annotated[
        int | None, typer.Option(help="Most chunks per document.", show_default=False)
    ] = None,
    sessions: Annotated[
        int | None, typer.Option(help="Chat sessions per user.", show_default=False)
    ] = None,
    turns: Annotated[
        int | None, typer.Option(help="Turns per chat session.", show_default=False)
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option("--seed", help="Random seed (default 20240607).", show_default=False),
    ] = None,
    languages: Annotated[
        str | None,
        typer.Option(help="Document language mix, e.g. en=0.8,ar=0.2.", show_default=False),
    ] = None,
    chunk_tokens: Annotated[
        int | None, typer.Option(help="Target tokens per chunk (default 96).", show_default=False)
    ] = None,
    reset: Annotated[
        bool, typer.Option("--reset", help="Empty the RAG tables first, in the same transaction.")
    ] = False,
    tenant_ids: Annotated[
        str | None,
        typer.Option(
            "--tenant-ids",
            help="uuid (default) or api-key: users.id is the user's API key, as RAG Engine Mini "
            "takes the key itself as the tenant id (env: RAGSEED_TENANT_IDS).",
            show_default=False,
        ),
    ] = None,
    vectors: Annotated[
        str | None,
        typer.Option(
            "--vectors",
            help="Also write the chunks' vectors: sqlite (a chunk_embeddings table in the SQLite "
            "file), pgvector (the same in PostgreSQL, with an HNSW index), qdrant:http(s)://host:"
            "port (a Qdrant server, the engine's layout, written after the database commits) or "
            "qdrant:PATH (Qdrant's local mode in a folder: a few hundred to 1,400 points/s, for "
            "small seeds; a warning above 20,000 points). Env: RAGSEED_VECTORS.",
            show_default=False,
        ),
    ] = None,
    embedder: Annotated[
        str | None,
        typer.Option(
            "--embedder",
            help="What makes the vectors: hash (default: offline, any --dim), wordllama, "
            "sentence-transformers:MODEL or openai:MODEL.",
            show_default=False,
        ),
    ] = None,
    dim: Annotated[
        int | None,
        typer.Option(
            "--dim", help="The vectors' size (default: the embedder's).", show_default=False
        ),
    ] = None,
    collection: Annotated[
        str | None,
        typer.Option(
            "--collection",
            help="The Qdrant collection (default: chunks, the engine's). Env: RAGSEED_COLLECTION.",
            show_default=False,
        ),
    ] = None,
    database_url: DbUrl = None,
    config: ConfigFile = None,
    static_dir: Annotated[
        Path | None,
        typer.Option(
            help="Folder with your own users.json and documents.json.", show_default=False
        ),
    ] = None,
    no_static: Annotated[bool, typer.Option("--no-static", help="Only programmatic data.")] = False,
    graph: Annotated[
        bool | None,
        typer.Option(
            "--graph/--no-graph",
            help="Seed graph_triplets (default: when the table exists).",
            show_default=False,
        ),
    ] = None,
    shard: Annotated[
        str | None,
        typer.Option(
            help="Seed only part K of N (0-based), partitioned by tenant, e.g. 0/4; auto/N takes "
            "K from JOB_COMPLETION_INDEX, as in a Kubernetes Indexed Job (env: RAGSEED_SHARD).",
            show_default=False,
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(help="Seed all N shards at once in N processes.", show_default=False),
    ] = None,
    parallel: Annotated[
        int | None,
        typer.Option(
            help="PostgreSQL only: load into empty tables with N server backends at once. Not one "
            "transaction: on failure the tables are left empty (see the README).",
            show_default=False,
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
) -> None:
    """Seed the database (creating the tables when they are missing).

    Running the same command again does nothing; a grown config (more users, documents per user,
    sessions or turns) adds exactly the missing rows; any other change needs --reset."""
    from .. import api
    from ..core.config import parse_languages

    flags: dict[str, Any] = dict(
        environment=env, profile=profile, num_users=num_users, docs_per_user=num_docs,
        min_chunks=min_chunks, max_chunks=max_chunks, sessions_per_user=sessions,
        turns_per_session=turns, seed=seed, database_url=database_url, static_dir=static_dir,
        languages=parse_languages(languages) if languages else None, chunk_tokens=chunk_tokens,
        reset=reset or None, use_static=False if no_static else None, tenant_ids=tenant_ids,
        vectors=vectors, embedder=embedder, dim=dim, collection=collection,
    )  # fmt: skip
    cfg = build(flags, config)
    part = api.parse_shard(shard)
    out = console()
    if quiet or parallel is not None or workers is not None:
        result = api.seed(cfg, graph=graph, shard=part, workers=workers, parallel=parallel)
    else:
        with _progress() as (bar, task):

            def update(done: int, total: int, rows: int) -> None:
                bar.update(task, completed=done, total=total, rows=rows)

            result = api.seed(cfg, progress=update, graph=graph, shard=part)
    if quiet:
        return
    for k, part_result in enumerate(result.parts):
        rows = f"{sum(part_result.counts.values()):,} rows"
        out.print(f"shard {k}/{len(result.parts)}: {part_result.reason or rows}")
    if result.skipped:
        out.print(result.reason or "nothing to do: every shard is already seeded")
    elif result.mode != "atomic":
        out.print(counts_table(result, totals=True))
        out.print(
            f"Seeded {result.database} in {result.seconds:.2f}s ({result.mode}, profile "
            f"{cfg.profile}, seed {cfg.seed}, fingerprint {result.fingerprint})."
        )
    else:
        out.print(counts_table(result))
        out.print(
            f"Seeded {result.database} in {result.seconds:.2f}s "
            f"(profile {cfg.profile}, seed {cfg.seed}, fingerprint {result.fingerprint})."
        )
    if result.static_users and cfg.environment in ("development", "testing"):
        out.print(users_table(result.static_users))
    for note in result.notes:
        out.print(f"warning: {note}")
    _print_next_steps(cfg, result, database_url, config)


def _progress() -> Any:
    from contextlib import contextmanager

    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        Task,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class RowRate(ProgressColumn):
        """Rows written per second, from the task's `rows` field and its elapsed time."""

        def render(self, task: Task) -> Text:
            elapsed = task.elapsed or 0.0
            rows = int(task.fields.get("rows", 0))
            return Text(f"{rows / elapsed:,.0f} rows/s" if elapsed > 0 and rows else "")

    @contextmanager
    def ctx() -> Any:
        columns = (
            TextColumn("seeding tenants"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[rows]:,} rows"), RowRate(), TimeElapsedColumn(),
            TextColumn("ETA"), TimeRemainingColumn(),
        )  # fmt: skip
        err = console(stderr=True)
        # Off when stderr is no terminal: a transient bar there leaves only a blank line behind.
        with Progress(*columns, console=err, transient=True,
                      disable=not err.is_terminal) as bar:  # fmt: skip
            yield bar, bar.add_task("seed", total=None, rows=0)

    return ctx()


#: The engine's documents endpoint, for the curl line after a seed.
ENGINE_DOCUMENTS = "http://localhost:8000/api/v1/documents"


def next_steps(
    cfg: Any, result: Any, database_url: str | None, config_file: Path | None
) -> list[str]:
    """What to run after a seed: verify, status (pointed at the same database) and a curl call
    to the engine, which takes the API key itself as the tenant id."""
    import shlex

    from ..db.urls import redact

    where = ""
    if database_url:  # DATABASE_URL or a config file point the next commands there by themselves
        where += f" --database-url {shlex.quote(redact(database_url))}"
    if config_file:
        where += f" --config {shlex.quote(str(config_file))}"
    lines = ["Next steps:", f"  ragseed verify{where}", f"  ragseed status{where}"]
    if cfg.tenant_ids != "api-key":
        lines.append("  (the engine's API sees only tenants seeded with --tenant-ids api-key: "
                     "it takes the API key itself as the tenant id)")  # fmt: skip
        return lines
    key = "<API key>"  # staging keys are never printed
    if cfg.environment in ("development", "testing") and result.static_users:
        key = result.static_users[0][1]
    lines.append(f'  curl -H "Authorization: Bearer {key}" {ENGINE_DOCUMENTS}')
    return lines


def _print_next_steps(
    cfg: Any, result: Any, database_url: str | None, config_file: Path | None
) -> None:
    console().print("\n".join(next_steps(cfg, result, database_url, config_file)), markup=False)
