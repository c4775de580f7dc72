"""`ragseed verify` and `ragseed export-eval`: the seeded data judged and exported."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from .app import ConfigFile, DbUrl, Env, app, build, console

STYLE = {"pass": "green", "fail": "bold red", "skip": "yellow", "info": "cyan"}


@app.command()
def verify(
    env: Env = None,
    database_url: DbUrl = None,
    config: ConfigFile = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    sample: Annotated[
        int | None,
        typer.Option(
            min=1,
            show_default=False,
            help="Check this many turns (a deterministic sample) instead of all of them.",
        ),
    ] = None,
    k: Annotated[
        int | None,
        typer.Option(
            "--k",
            min=1,
            show_default=False,
            help="Depth of the keyword search (default: the seed's retrieval_k).",
        ),
    ] = None,
) -> None:
    """Check the seeded data: integrity, realism, and keyword retrieval (PostgreSQL).

    Exits 1 when a check fails. Writes nothing."""
    import json

    from .. import verify as V

    cfg = build({"environment": env, "database_url": database_url}, config)
    report = V.run(cfg, sample=sample, k=k)
    out = console()
    if as_json:
        out.print_json(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        out.print(_report_table(report))
        for note in report.notes:
            out.print(f"note: {note}", markup=False)
        failed = len(report.failures)
        out.print(
            f"{report.database}: "
            + ("all checks passed." if not failed else f"{failed} check(s) failed."),
            markup=False,
        )
    if not report.ok:
        raise typer.Exit(1)


def _report_table(report: Any) -> Any:
    from rich.table import Table
    from rich.text import Text

    title = (
        f"ragseed verify: seed {report.seed}, profile {report.profile}, {report.dialect}, "
        f"{report.turns_checked:,} of {report.turns_total:,} turns checked"
    )
    table = Table(title=title, title_justify="left")
    for col in ("group", "check", "status", "figures"):
        table.add_column(col, overflow="fold")
    for c in report.checks:
        table.add_row(c.group, c.name, Text(c.status, style=STYLE[c.status]), Text(c.summary))
    return table


@app.command()
def report(
    out: Annotated[Path, typer.Option("--out", help="File to write (HTML, or JSON with --json).")],
    env: Env = None,
    database_url: DbUrl = None,
    config: ConfigFile = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Write the figures as JSON instead of HTML.")
    ] = False,
    sample: Annotated[
        int | None,
        typer.Option(
            min=1,
            show_default=False,
            help="Turns the per-turn checks read (a deterministic sample; default 2,000).",
        ),
    ] = None,
) -> None:
    """Write verify's figures as one self-contained HTML page with charts (docs/report.md).

    Opens offline: every style and chart is inside the file. Exits 0 even when checks fail (the
    page shows them); errors reaching the database exit 1."""
    from .. import api

    cfg = build({"environment": env, "database_url": database_url}, config)
    data = api.report(cfg, out, as_json=as_json, sample=sample)
    screen = console()
    h = data["header"]
    screen.print(
        f"wrote {out}: seed {h['seed']}, profile {h['profile']}, "
        f"{h['turns_checked']:,} of {h['turns_total']:,} turns checked"
        + ("" if h["ok"] else "; some checks failed"),
        markup=False,
    )
    for note in data["notes"]:
        screen.print(f"note: {note}", markup=False)


@app.command("export-eval")
def export_eval(
    out: Annotated[Path, typer.Option("--out", help="Directory to write into (created).")],
    fmt: Annotated[
        str, typer.Option("--format", help="beir, jsonl or both.", case_sensitive=False)
    ] = "both",
    env: Env = None,
    database_url: DbUrl = None,
    config: ConfigFile = None,
) -> None:
    """Write the seeded questions as a retrieval evaluation set (BEIR layout and/or Ragas-style
    JSONL), with deterministic ids and order: two exports of one seed are byte-identical."""
    from .. import export

    cfg = build({"environment": env, "database_url": database_url}, config)
    summary = export.export_eval(cfg, out, fmt.lower())
    screen = console()
    for path in summary.files:
        screen.print(f"wrote {path}", markup=False)
    screen.print(
        f"{summary.queries:,} queries, {summary.qrels:,} relevant pairs, "
        f"{summary.corpus:,} corpus chunks ({summary.skipped:,} turns without sources skipped).",
        markup=False,
    )


__all__ = ["app"]
