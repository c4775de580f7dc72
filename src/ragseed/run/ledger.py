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
    Column("kind", String(16), nullable=False),  # seed | reset | stamp
    Column("status", String(16), nullable=False),  # complete | running (parallel loads)
    Column("environment", String(32), nullable=False),
    Column("profile", String(32), nullable=False),
    Column("seed", BigInteger, nullable=False),
    Column("shard_index", Integer, nullable=False, default=0),
    Column("shard_count", Integer, nullable=False, default=1),
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
    shard_index: int
    shard_count: int
    config_hash: str
    config: dict[str, Any]
    counts: dict[str, int]
    fingerprint: str
    tool_version: str
    started_at: datetime
    finished_at: datetime | None


def config_hash(generation: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(generation, sort_keys=True).encode()).hexdigest()


#: Secrets of this database that ragseed derives values from: "api_keys", the key from which
#: staging API keys are derived, so that they are unguessable from the public seed and yet the
#: same for every shard, top-up and verify of this database.
secrets_table = Table(
    "ragseed_secrets", _md,
    Column("name", String(32), primary_key=True),
    Column("value", String(128), nullable=False),
)  # fmt: skip


def ensure(conn: Connection) -> None:
    exists(conn)  # checks an existing ledger's columns
    _md.create_all(conn)  # checkfirst: only the missing tables


def key_secret(conn: Connection, *, create: bool = True) -> str | None:
    """The database's staging key secret; with create, made on first use. Shards racing to make
    it insert-or-ignore, so every one of them reads the same value."""
    import secrets

    from sqlalchemy import select

    query = select(secrets_table.c.value).where(secrets_table.c.name == "api_keys")
    if not create:
        from sqlalchemy import inspect

        if not inspect(conn).has_table(secrets_table.name):
            return None
        return conn.execute(query).scalar_one_or_none()
    ensure(conn)
    found = conn.execute(query).scalar_one_or_none()
    if found is not None:
        return str(found)
    values = {"name": "api_keys", "value": secrets.token_hex(32)}
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        conn.execute(pg_insert(secrets_table).values(values).on_conflict_do_nothing())
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        conn.execute(sqlite_insert(secrets_table).values(values).on_conflict_do_nothing())
    return str(conn.execute(query).scalar_one())


def exists(conn: Connection) -> bool:
    """Whether the ledger table is there; a table of that name without its columns is an error
    the user can act on, not a query failing later."""
    from sqlalchemy import inspect

    insp = inspect(conn)
    if not insp.has_table(LEDGER):
        return False
    have = {c["name"] for c in insp.get_columns(LEDGER)}
    missing = [c.name for c in runs.columns if c.name not in have]
    if missing:
        from ..core.errors import SchemaError

        raise SchemaError(
            f"table {LEDGER} exists but has no column(s) {', '.join(missing)}: it was not "
            f"written by this version of ragseed. It only records ragseed's runs: drop it and "
            "seed again with --reset, or use another database."
        )
    return True


def history(conn: Connection, limit: int = 20) -> list[Run]:
    if not exists(conn):
        return []
    rows = conn.execute(runs_table_select().limit(limit)).mappings()
    return [_run(dict(r)) for r in rows]


@dataclass
class State:
    """What the tables hold now according to the ledger: the seed runs since the last reset that
    share the newest run's configuration (one full run, or the shards done so far)."""

    runs: list[Run]
    production: bool  # stamped production: never write or reset

    @property
    def head(self) -> Run | None:
        return self.runs[0] if self.runs else None

    @property
    def shard_count(self) -> int:
        return self.runs[0].shard_count if self.runs else 1

    @property
    def done_shards(self) -> set[int]:
        return {r.shard_index for r in self.runs}

    @property
    def complete(self) -> bool:
        return bool(self.runs) and len(self.done_shards) == self.shard_count

    def fingerprint(self) -> str:
        from ..core.fingerprint import Fingerprint

        total = Fingerprint()
        for run in self.runs:
            total = total.combine(Fingerprint.from_hex(run.fingerprint))
        return total.hex()

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for run in self.runs:
            for table, n in run.counts.items():
                out[table] = out.get(table, 0) + n
        return out


def state(conn: Connection) -> State:
    runs: list[Run] = []
    production = False
    if not exists(conn):
        return State([], False)
    rows = conn.execute(runs_table_select()).mappings()
    head: Run | None = None
    stopped = False
    for r in rows:
        run = _run(dict(r))
        production = production or run.environment == "production"
        if stopped or run.status != "complete" or run.kind == "stamp":
            continue
        if run.kind == "reset":
            stopped = True
            continue
        if head is None:
            head = run
        if run.config_hash != head.config_hash or run.shard_count != head.shard_count:
            stopped = True  # older runs were superseded by a top-up, which records full totals
            continue
        if run.shard_index not in {x.shard_index for x in runs}:
            runs.append(run)
    return State(runs, production)


def runs_table_select() -> Any:
    return runs.select().order_by(runs.c.id.desc())


def _run(d: dict[str, Any]) -> Run:
    d["config"], d["counts"] = json.loads(d["config"]), json.loads(d["counts"])
    return Run(**d)


def record(conn: Connection, **values: Any) -> None:
    values = dict(values)
    values["config"] = json.dumps(values["config"], sort_keys=True)
    values["counts"] = json.dumps(values["counts"], sort_keys=True)
    values.setdefault("finished_at", datetime.now(UTC))
    values.setdefault("shard_index", 0)
    values.setdefault("shard_count", 1)
    conn.execute(runs.insert().values(**values))
