"""Rich tables the commands print."""

from __future__ import annotations

from typing import Any


def counts_table(result: Any, totals: bool = False) -> Any:
    from rich.table import Table

    title = "Rows in the tables" if totals else f"Rows written ({result.action})"
    table = Table(title=title, title_justify="left")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, n in (result.totals if totals else result.counts).items():
        table.add_row(name, f"{n:,}")
    return table


def users_table(users: list[tuple[str, str]]) -> Any:
    from rich.table import Table

    table = Table(title="Static users (development keys: never use them outside dev/test)",
                  title_justify="left")  # fmt: skip
    table.add_column("email")
    table.add_column("api_key")
    for email, key in users:
        table.add_row(email, key)
    return table
