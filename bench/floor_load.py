"""The floor (method "floor"): the plainest fast load of exactly the rows ragseed generates.

Before timing, every row ragseed would write is generated in memory with ragseed's own generator
(ragseed.run.blocks.iter_blocks, same Config and Plan as `ragseed seed`) and projected onto the
written columns the way ragseed's loaders do (target.projection; chat_turns.sources as a list for
a PostgreSQL array or JSON text otherwise; timestamps as the generated text, plus '+00' on
PostgreSQL). Then, timed: per table in FK order, one

  PostgreSQL: COPY table (cols) FROM STDIN, psycopg 3 `copy.write_row(row)` per row
  SQLite:     executemany(INSERT ...), PRAGMA foreign_keys=ON

all in one transaction, committed at the end, into the existing schema with every index and
constraint in place. Nothing is done in parallel and nothing is tuned: it is the naive bulk load
anyone would write, and the floor ragseed's loader is compared against.

    python bench/floor_load.py --database-url URL --num-users 10 --num-docs 12 --result r.json
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import sys
import time
from typing import Any

from ragseed.core.config import build_config
from ragseed.core.plan import Plan
from ragseed.core.rows import TIMESTAMP_COLUMNS
from ragseed.core.static import load_static
from ragseed.db.engine import transaction
from ragseed.db.schema import TABLES
from ragseed.db.target import Target, inspect_target
from ragseed.db.urls import normalize
from ragseed.run.blocks import iter_blocks

Row = tuple[Any, ...]


def pregenerate(url: str, flags: dict[str, Any]) -> tuple[Target, dict[str, list[Row]]]:
    """All rows ragseed would write to this database, projected onto the written columns."""
    config = build_config(flags, environ={})
    with transaction(url) as conn:  # the tables exist: this only inspects them
        target = inspect_target(conn)
    plan = Plan(config, load_static(), target.features)
    canonical: dict[str, list[Row]] = {t: [] for t in TABLES}
    for block in iter_blocks(plan, range(config.num_users), tables=list(target.columns)):
        for table, rows in block.rows.items():
            canonical[table].extend(rows)
    pg = target.dialect == "postgresql"
    out: dict[str, list[Row]] = {}
    for table in [t for t in TABLES if t in target.columns]:
        cols = target.columns[table]
        proj = target.projection(table)
        stamps = [i for i, c in enumerate(cols) if c in TIMESTAMP_COLUMNS] if pg else []
        src = cols.index("sources") if "sources" in cols else -1
        as_json = src >= 0 and not (pg and target.list_format == "array")
        rows = []
        for r in canonical.pop(table):
            v = [r[i] for i in proj]
            for i in stamps:
                if v[i] is not None:
                    v[i] = f"{v[i]}+00"
            if src >= 0:
                v[src] = json.dumps(list(v[src])) if as_json else list(v[src])
            rows.append(tuple(v))
        out[table] = rows
    canonical.clear()
    gc.collect()
    return target, out


def load_postgres(url: str, target: Target, rows: dict[str, list[Row]]) -> float:
    import psycopg
    from sqlalchemy.engine import make_url

    dsn = make_url(normalize(url)).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(dsn) as conn:
        t0 = time.perf_counter()
        with conn.cursor() as cur:
            for table, batch in rows.items():
                cols = ", ".join(target.columns[table])
                with cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for row in batch:
                        copy.write_row(row)
        conn.commit()
        return time.perf_counter() - t0


def load_sqlite(url: str, target: Target, rows: dict[str, list[Row]]) -> float:
    import sqlite3

    from sqlalchemy.engine import make_url

    con = sqlite3.connect(str(make_url(url).database), isolation_level=None)
    con.execute("PRAGMA foreign_keys = ON")
    try:
        t0 = time.perf_counter()
        con.execute("BEGIN IMMEDIATE")
        for table, batch in rows.items():
            cols = target.columns[table]
            marks = ",".join("?" * len(cols))
            con.executemany(f"INSERT INTO {table} ({','.join(cols)}) VALUES ({marks})", batch)
        con.execute("COMMIT")
        return time.perf_counter() - t0
    finally:
        con.close()


def _vm_kib(field: str) -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--num-users", type=int, required=True)
    ap.add_argument("--num-docs", type=int, required=True)
    ap.add_argument("--sessions", type=int, required=True)
    ap.add_argument("--turns", type=int, required=True)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--env", default="testing")
    ap.add_argument("--result", help="write timings as JSON to this file")
    ap.add_argument("--chunk-tokens", type=int)
    args = ap.parse_args(argv)
    flags = {
        "environment": args.env,
        "num_users": args.num_users,
        "docs_per_user": args.num_docs,
        "sessions_per_user": args.sessions,
        "turns_per_session": args.turns,
        "seed": args.seed,
        "database_url": args.database_url,
        "chunk_tokens": args.chunk_tokens,
    }
    t0 = time.perf_counter()
    target, rows = pregenerate(args.database_url, flags)
    pregen = time.perf_counter() - t0
    rss_before = _vm_kib("VmRSS")
    load = load_postgres if target.dialect == "postgresql" else load_sqlite
    seconds = load(args.database_url, target, rows)
    if args.result:
        with open(args.result, "w", encoding="utf-8") as fh:
            json.dump(
                {
                    "seconds": seconds,
                    "pregen_seconds": pregen,
                    "rows": {t: len(b) for t, b in rows.items()},
                    "rss_before_load_kib": rss_before,
                    "hwm_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                },
                fh,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
