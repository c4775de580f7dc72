"""The Typer app, the options every command shares, and the edge where errors become one
line: a RagseedError is a message, anything else a traceback only with --debug."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from ..core.errors import RagseedError

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


def console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        from .. import __version__

        try:
            number = version("ragseed")
        except PackageNotFoundError:  # run from a source tree that was never installed
            number = __version__
        console().print(f"ragseed {number}", markup=False)
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


def build(flags: dict[str, Any], config_file: Path | None) -> Any:
    from ..core.config import FLAGS, build_config

    return build_config(flags, config_file=config_file, flag_names=FLAGS)


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
        console(stderr=True).print(f"error: {exc}", markup=False)
        sys.exit(1)
    except typer.Abort:
        console(stderr=True).print("error: aborted", markup=False)
        sys.exit(1)
    except Exception as exc:
        if debug:
            raise
        known = _click_error(exc, args)
        if known is not None:
            console(stderr=True).print(known[1].rstrip("\n"), markup=False)
            sys.exit(known[0])
        console(stderr=True).print(
            f"unexpected error: {type(exc).__name__}: {exc} (run with --debug for the traceback)",
            markup=False,
        )
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
