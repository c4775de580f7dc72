"""Recovery after a parallel load that died: its ledger row still says 'running', its tables may
be half-loaded and its indexes and keys dropped. The next run cleans up before anything else."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from . import ledger

if TYPE_CHECKING:
    from sqlalchemy import Connection


def cleanup(conn: Connection, tables: list[str], run_ids: list[str], ddl: list[str]) -> None:
    """Empty the tables, put back every dropped index and constraint, mark the runs failed."""
    from ..load.postgres import apply_ddl, deferred_checks

    conn.exec_driver_sql(f"TRUNCATE {', '.join(tables)}")
    apply_ddl(conn, ddl, applied_ok=True)
    # A foreign key the run had added NOT VALID was only skipped above (it exists): validate it
    # (instant on empty tables; a no-op on a valid one).
    for checks in deferred_checks(ddl)[1]:
        for check in checks:
            conn.exec_driver_sql(check)
    for run_id in run_ids:
        conn.execute(
            ledger.runs.update()
            .where(ledger.runs.c.run_id == run_id)
            .values(status="failed", finished_at=datetime.now(UTC))
        )


def recover(conn: Connection) -> list[str]:
    """Clean up after parallel runs that died (call with the ragseed lock held)."""
    from ..db.schema import TABLES

    if not ledger.exists(conn):
        return []
    rows = conn.execute(
        ledger.runs.select().where(ledger.runs.c.status == "running")
    ).mappings().all()  # fmt: skip
    if not rows:
        return []
    from sqlalchemy import inspect

    existing = set(inspect(conn).get_table_names())
    ddl = [s for r in rows for s in json.loads(r["config"]).get("deferred_ddl", [])]
    run_ids = [r["run_id"] for r in rows]
    cleanup(conn, [t for t in TABLES if t in existing], run_ids, ddl)
    return run_ids
