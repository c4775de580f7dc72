"""The command line: parse flags, call ragseed.api, print results. Nothing else lives here."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from .core.errors import ConfigError, RagseedError

app = typer.Typer(
    help="Seed a multi-tenant RAG engine's database with realistic, deterministic data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
_state = {"debug": False}

Env = Annotated[
    str | None,
    typer.Option("--env", help="development, testing, staging or demo (env: ENVIRONMENT). "
                 "production is always refused.", show_default=False),
]  # fmt: skip
DbUrl = Annotated[
    str | None,
    typer.Option("--database-url", help="sqlite:///file.db or postgresql://... "
                 "(env: DATABASE_URL; default: ./ragseed.db)", show_default=False),
]  # fmt: skip
ConfigFile = Annotated[
    Path | None, typer.Option("--config", help="TOML file with settings.", show_default=False)
]


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("ragseed")
        except PackageNotFoundError:  # run from a source tree that was never installed
            from . import __version__ as number
        _console().print(f"ragseed {number}", markup=False)
        raise typer.Exit()


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", callback=_version, is_eager=True
        ),
    ] = False,
) -> None:
    _state["debug"] = debug


def _build(flags: dict[str, Any], config_file: Path | None) -> Any:
    from .core.config import FLAGS, build_config

    return build_config(flags, config_file=config_file, flag_names=FLAGS)


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
    from . import api
    from .core.config import parse_languages

    flags: dict[str, Any] = dict(
        environment=env, profile=profile, num_users=num_users, docs_per_user=num_docs,
        min_chunks=min_chunks, max_chunks=max_chunks, sessions_per_user=sessions,
        turns_per_session=turns, seed=seed, database_url=database_url, static_dir=static_dir,
        languages=parse_languages(languages) if languages else None, chunk_tokens=chunk_tokens,
        reset=reset or None, use_static=False if no_static else None, tenant_ids=tenant_ids,
    )  # fmt: skip
    cfg = _build(flags, config)
    part = api.parse_shard(shard)
    out = _console()
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
        out.print(_counts_table(result, totals=True))
        out.print(
            f"Seeded {result.database} in {result.seconds:.2f}s ({result.mode}, profile "
            f"{cfg.profile}, seed {cfg.seed}, fingerprint {result.fingerprint})."
        )
    else:
        out.print(_counts_table(result))
        out.print(
            f"Seeded {result.database} in {result.seconds:.2f}s "
            f"(profile {cfg.profile}, seed {cfg.seed}, fingerprint {result.fingerprint})."
        )
    if result.static_users and cfg.environment in ("development", "testing"):
        out.print(_users_table(result.static_users))
    _print_next_steps(cfg, result, database_url, config)


def _progress() -> Any:
    from contextlib import contextmanager

    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    @contextmanager
    def ctx() -> Any:
        columns = (
            TextColumn("seeding tenants"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[rows]:,} rows"),
            TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("ETA"),
            TimeRemainingColumn(),
        )  # fmt: skip
        console = _console(stderr=True)
        # Off when stderr is no terminal: a transient bar there leaves only a blank line behind.
        with Progress(*columns, console=console, transient=True,
                      disable=not console.is_terminal) as bar:  # fmt: skip
            task = bar.add_task("seed", total=None, rows=0, rate="")
            orig = bar.update

            def update(task_id: Any, **kw: Any) -> None:
                elapsed = bar.tasks[0].elapsed or 0.0
                if "rows" in kw and elapsed > 0:
                    kw["rate"] = f"{kw['rows'] / elapsed:,.0f} rows/s"
                orig(task_id, **kw)

            bar.update = update  # type: ignore[method-assign]
            yield bar, task

    return ctx()


#: The engine's documents endpoint, for the curl line after a seed.
ENGINE_DOCUMENTS = "http://localhost:8000/api/v1/documents"


def next_steps(
    cfg: Any, result: Any, database_url: str | None, config_file: Path | None
) -> list[str]:
    """What to run after a seed: verify, status (pointed at the same database) and a curl call
    to the engine, which takes the API key itself as the tenant id."""
    import shlex

    from .db.urls import redact

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
    _console().print("\n".join(next_steps(cfg, result, database_url, config_file)), markup=False)


def _counts_table(result: Any, totals: bool = False) -> Any:
    from rich.table import Table

    title = "Rows in the tables" if totals else f"Rows written ({result.action})"
    table = Table(title=title, title_justify="left")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, n in (result.totals if totals else result.counts).items():
        table.add_row(name, f"{n:,}")
    return table


def _users_table(users: list[tuple[str, str]]) -> Any:
    from rich.table import Table

    table = Table(title="Static users (development keys: never use them outside dev/test)",
                  title_justify="left")  # fmt: skip
    table.add_column("email")
    table.add_column("api_key")
    for email, key in users:
        table.add_row(email, key)
    return table


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
    from . import api

    result = api.init(_build({"environment": env, "database_url": database_url}, config),
                           graph=graph)  # fmt: skip
    created = ", ".join(result.created) or "none: every table already exists"
    _console().print(f"{result.database}: created {created}.")


@app.command()
def reset(
    env: Env = None,
    database_url: DbUrl = None,
    config: ConfigFile = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
) -> None:
    """Empty every RAG table (TRUNCATE ... CASCADE on PostgreSQL), in one transaction."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from . import api

    cfg = _build({"environment": env, "database_url": database_url}, config)
    if quiet:
        api.reset(cfg)
        return
    columns = (TextColumn("emptying tables"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[rows]:,} rows"), TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=_console(stderr=True), transient=True) as bar:
        task = bar.add_task("reset", total=None, rows=0)

        def update(done: int, total: int, rows: int) -> None:
            bar.update(task, completed=done, total=total, rows=rows)

        result = api.reset(cfg, progress=update)
    total = sum(result.deleted.values())
    _console().print(
        f"{result.database}: deleted {total:,} rows from {len(result.deleted)} tables."
    )


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

    from . import api

    result = api.status(_build({"environment": env, "database_url": database_url}, config))
    st = result.state
    head = st.head
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
        "runs": [
            {"run_id": r.run_id, "kind": r.kind, "status": r.status, "environment": r.environment,
             "profile": r.profile, "seed": r.seed, "shard": f"{r.shard_index}/{r.shard_count}",
             "fingerprint": r.fingerprint, "tool_version": r.tool_version,
             "started_at": r.started_at.isoformat() if r.started_at else None,
             "finished_at": r.finished_at.isoformat() if r.finished_at else None}
            for r in result.runs
        ],
    }  # fmt: skip
    out = _console()
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
    from . import api
    from .core.config import ENVIRONMENTS

    if environment not in ENVIRONMENTS:
        raise ConfigError(f"unknown environment {environment!r}: use one of "
                          f"{', '.join(ENVIRONMENTS)}")  # fmt: skip
    cfg = _build({"database_url": database_url}, config)
    where = api.stamp(cfg, environment)
    _console().print(f"{where}: stamped {environment}.")


@app.command()
def migrate(
    env: Env = None,
    database_url: DbUrl = None,
    config: ConfigFile = None,
    revision: Annotated[str, typer.Option(help="Target revision.")] = "head",
) -> None:
    """Create the tables through ragseed's Alembic migrations instead of `init`."""
    from . import api

    cfg = _build({"environment": env, "database_url": database_url}, config)
    result = api.migrate(cfg, revision)
    _console().print(f"{result.database}: migrated to {result.revision}.")


def _click_error(exc: Exception, args: list[str]) -> tuple[int, str] | None:
    """(exit code, what to print) for Click's own errors, None for anything else. A value Click
    cannot convert is a bad value like any other (exit 1, one line naming its flag); an unknown
    flag or command, or a missing argument, is a usage error (exit 2, one line)."""
    import importlib

    # Typer raises Click's exceptions (vendored or not): find them where BadParameter lives.
    click_exc: Any = importlib.import_module(typer.BadParameter.__module__)
    if not isinstance(exc, click_exc.ClickException):
        return None
    err: Any = exc
    if isinstance(exc, getattr(click_exc, "NoArgsIsHelpError", ())):
        return 2, err.format_message()  # `ragseed` alone: the help
    if isinstance(exc, typer.BadParameter) and not isinstance(exc, click_exc.MissingParameter):
        param: Any = exc.param
        opts = [o for o in getattr(param, "opts", ()) if o.startswith("--")]
        hint = opts[0] if opts else (param.human_readable_name if param else "value")
        message = exc.message.replace("Input should be", "must be").rstrip(".")
        got = _value_of(hint, args)
        return 1, f"error: {hint}: {message}{f' (got {got!r})' if got is not None else ''}"
    line = " ".join(err.format_message().split())  # Click's suggestions come on a new line
    if isinstance(exc, click_exc.UsageError):
        ctx: Any = getattr(exc, "ctx", None)
        path = ctx.command_path if ctx else "ragseed"
        return 2, f"error: {line} (see '{path} --help')"
    return 1, f"error: {line}"


def _value_of(flag: str, args: list[str]) -> str | None:
    """What followed `flag` on the command line (the last one wins, as in Click)."""
    got = None
    for i, arg in enumerate(args):
        if arg == flag and i + 1 < len(args):
            got = args[i + 1]
        elif arg.startswith(flag + "="):
            got = arg.partition("=")[2]
    return got


def main(argv: list[str] | None = None) -> None:
    """Entry point: every error becomes one line on stderr; exit code 1, or 2 for usage."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        # standalone_mode=False: Click raises its errors (formatted below) and returns exit codes.
        code = app(args=args, prog_name="ragseed", standalone_mode=False)
    except RagseedError as exc:
        if debug:
            raise
        _console(stderr=True).print(f"error: {exc}", markup=False)
        sys.exit(1)
    except typer.Abort:
        _console(stderr=True).print("error: aborted", markup=False)
        sys.exit(1)
    except Exception as exc:
        if debug:
            raise
        known = _click_error(exc, args)
        if known is not None:
            _console(stderr=True).print(known[1].rstrip("\n"), markup=False)
            sys.exit(known[0])
        _console(stderr=True).print(
            f"unexpected error: {type(exc).__name__}: {exc} (run with --debug for the traceback)",
            markup=False,
        )
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


# Commands that live in their own modules register themselves on `app` when imported.
from . import cli_eval as _cli_eval  # noqa: E402,F401
