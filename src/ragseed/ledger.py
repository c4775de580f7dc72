"""The ragseed_runs table: what has been seeded here, for idempotency, top-ups and `status`."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, Column, DateTime, Integer, MetaData, String, Table, Text

if TYPE_CHECKING:
    from sqlalchemy import Connection

LEDGER = "ragseed_runs"
_md = MetaData()
runs = Table(
    LEDGER, _md,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(36), nullable=False),
    Column("kind", String(16), nullable=False),  # seed | reset
    Column("status", String(16), nullable=False),  # complete | running (parallel loads)
    Column("environment", String(32), nullable=False),
    Column("profile", String(32), nullable=False),
    Column("seed", BigInteger, nullable=False),
    Column("config_hash", String(64), nullable=False),
    Column("config", Text, nullable=False),
    Column("counts", Text, nullable=False),
    Column("fingerprint", String(32), nullable=False),
    Column("tool_version", String(32), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
)  # fmt: skip


@dataclass(frozen=True)
class Run:
    id: int
    run_id: str
    kind: str
    status: str
    environment: str
    profile: str
    seed: int
    config_hash: str
    config: dict[str, Any]
    counts: dict[str, int]
    fingerprint: str
    tool_version: str
    started_at: datetime
    finished_at: datetime | None


def config_hash(generation: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(generation, sort_keys=True).encode()).hexdigest()


def ensure(conn: Connection) -> None:
    _md.create_all(conn, checkfirst=True)


def exists(conn: Connection) -> bool:
    from sqlalchemy import inspect

    return bool(inspect(conn).has_table(LEDGER))


def history(conn: Connection, limit: int = 20) -> list[Run]:
    if not exists(conn):
        return []
    rows = conn.execute(runs.select().order_by(runs.c.id.desc()).limit(limit)).mappings()
    out = []
    for r in rows:
        d = dict(r)
        d["config"], d["counts"] = json.loads(d["config"]), json.loads(d["counts"])
        out.append(Run(**d))
    return out


def current(conn: Connection) -> Run | None:
    """The run that describes what the tables hold now: the newest complete one."""
    for run in history(conn, limit=50):
        if run.status == "complete":
            return run
    return None


def record(conn: Connection, **values: Any) -> None:
    values = dict(values)
    values["config"] = json.dumps(values["config"], sort_keys=True)
    values["counts"] = json.dumps(values["counts"], sort_keys=True)
    values.setdefault("finished_at", datetime.now(UTC))
    conn.execute(runs.insert().values(**values))
