"""ragseed with vectors into pgvector, against the restore-style floor of the same bytes.

Per run, on fresh databases of one PostgreSQL server (pgserver unless --database-url):

1. **ragseed**: `ragseed seed --vectors pgvector` (its CLI, one transaction), timed.
2. The exact bytes it wrote are read back (not timed): every RAG table with `COPY ... TO STDOUT`
   (text), chunk_embeddings with `COPY ... TO STDOUT (FORMAT binary)`.
3. **floor**, three parts timed apart, as a restore would do them, into a second database whose
   tables have no index, key or foreign key:
   a. relational: one transaction, TRUNCATE, `COPY ... FROM STDIN WITH (FREEZE)` of the same
      bytes, then every index, key and foreign key rebuilt (the schema's own DDL);
   b. vectors: a binary COPY (FREEZE) of the same, already computed vectors, and their key;
   c. the same HNSW index build, with the same maintenance_work_mem.

    python bench/bench_vectors.py --chunks 100000 --repeat 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from typing import Any

import psycopg

from ragseed.db.schema import TABLES
from ragseed.vectors.pgvector import INDEX, maintenance_memory

CHUNKS_PER_DOC, DOCS = 8.5, 12


def _dsn(url: str, db: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(database=db, drivername="postgresql").render_as_string(False)


def _ddl(conn: psycopg.Connection[Any]) -> tuple[list[str], list[str]]:
    """(drop, create) statements for every index and constraint of the RAG tables."""
    rows = conn.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype "
        "FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND contype IN "
        "('p','u','f') ORDER BY contype = 'f', conname"
    ).fetchall()
    drops = [f"ALTER TABLE {t} DROP CONSTRAINT {n} CASCADE" for t, n, _, c in reversed(rows)]
    adds = [f"ALTER TABLE {t} ADD CONSTRAINT {n} {d}" for t, n, d, _ in rows]
    idx = conn.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND indexname "
        "NOT IN (SELECT conname FROM pg_constraint) ORDER BY indexname"
    ).fetchall()
    drops += [f"DROP INDEX {n}" for n, _ in idx]
    adds = [d for _, d in idx if INDEX not in d] + adds
    return drops, adds


def one(server: str, users: int, flags: list[str]) -> dict[str, float]:
    admin = psycopg.connect(server, autocommit=True)
    a, b = (f"bv_{uuid.uuid4().hex[:8]}" for _ in range(2))
    for db in (a, b):
        admin.execute(f"CREATE DATABASE {db}")
    env = {**os.environ, "DATABASE_URL": _dsn(server, a), "ENVIRONMENT": "development"}
    cmd = [sys.executable, "-m", "ragseed", "seed", "--quiet", "--vectors", "pgvector",
           "--num-users", str(users), "--num-docs", str(DOCS), "--no-static", *flags]  # fmt: skip
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, check=True)
    out = {"ragseed": time.perf_counter() - t0}
    src = psycopg.connect(_dsn(server, a))
    data: dict[str, bytes] = {}
    for t in [*TABLES, "chunk_embeddings"]:
        if src.execute("SELECT to_regclass(%s)", (t,)).fetchone()[0] is None:
            continue
        fmt = " (FORMAT binary)" if t == "chunk_embeddings" else ""
        cols = [
            r[0]
            for r in src.execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
                "AND NOT attisdropped AND attgenerated = '' ORDER BY attnum",
                (t,),
            )
        ]
        with src.cursor().copy(f"COPY {t} ({', '.join(cols)}) TO STDOUT{fmt}") as cp:
            data[t] = b"".join(bytes(x) for x in cp)
        data[t + ".cols"] = ", ".join(cols).encode()
    n = src.execute("SELECT count(*) FROM chunk_embeddings").fetchone()[0]
    dim = src.execute("SELECT vector_dims(embedding) FROM chunk_embeddings LIMIT 1").fetchone()[0]
    src.close()
    # the same schema in b, then stripped bare
    env_b = {**env, "DATABASE_URL": _dsn(server, b)}
    subprocess.run([sys.executable, "-m", "ragseed", "init"], env=env_b, check=True,
                   capture_output=True)  # fmt: skip
    dst = psycopg.connect(_dsn(server, b))
    dst.execute("CREATE EXTENSION IF NOT EXISTS vector")
    dst.execute(
        f"CREATE TABLE chunk_embeddings (chunk_id varchar(36) PRIMARY KEY REFERENCES chunk_store "
        f"(id) ON DELETE CASCADE, user_id varchar(36) NOT NULL, document_id varchar(36) NOT NULL, "
        f"embedding vector({dim}) NOT NULL)"
    )
    dst.execute("CREATE INDEX ix_chunk_embeddings_user_id ON chunk_embeddings (user_id)")
    drops, adds = _ddl(dst)
    for d in drops:
        dst.execute(d)
    dst.commit()
    relational = [t for t in TABLES if t in data]
    vec_adds = [d for d in adds if "chunk_embeddings" in d]
    rel_adds = [d for d in adds if "chunk_embeddings" not in d]
    t0 = time.perf_counter()
    with dst.transaction():
        dst.execute(f"TRUNCATE {', '.join(relational)}")
        for t in relational:
            with dst.cursor().copy(f"COPY {t} ({data[t + '.cols'].decode()}) FROM STDIN "
                                   "WITH (FREEZE)") as cp:  # fmt: skip
                cp.write(data[t])
        dst.execute("SET LOCAL maintenance_work_mem = '1GB'")
        for d in rel_adds:
            dst.execute(d)
    out["floor relational"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    with dst.transaction():
        dst.execute("TRUNCATE chunk_embeddings")
        with dst.cursor().copy(
            f"COPY chunk_embeddings ({data['chunk_embeddings.cols'].decode()}) FROM STDIN "
            "(FORMAT binary, FREEZE)"
        ) as cp:
            cp.write(data["chunk_embeddings"])
        for d in vec_adds:
            dst.execute(d)
    out["floor vectors"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    with dst.transaction():
        dst.execute(f"SET LOCAL maintenance_work_mem = '{maintenance_memory(n, dim)}'")
        dst.execute(
            f"CREATE INDEX {INDEX} ON chunk_embeddings USING hnsw (embedding vector_cosine_ops)"
        )
    out["floor hnsw"] = time.perf_counter() - t0
    out["floor"] = out["floor relational"] + out["floor vectors"] + out["floor hnsw"]
    out["vectors"] = n
    dst.close()
    for db in (a, b):
        admin.execute(f"DROP DATABASE {db} WITH (FORCE)")
    admin.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--chunks", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--database-url", help="a PostgreSQL server (default: pgserver)")
    ap.add_argument("extra", nargs="*", help="more `ragseed seed` flags, after --")
    a = ap.parse_args()
    server = a.database_url
    if server is None:
        import pgserver

        pg = pgserver.get_server(tempfile.mkdtemp(prefix="bench-vectors-"), cleanup_mode="delete")
        server = pg.get_uri()
    users = max(1, round(a.chunks / CHUNKS_PER_DOC / DOCS))
    runs = [one(server, users, a.extra) for _ in range(a.repeat)]
    keys = ["ragseed", "floor", "floor relational", "floor vectors", "floor hnsw"]
    print(f"{a.chunks:,} chunks ({users} users x {DOCS} documents), {runs[0]['vectors']:,.0f} "
          f"vectors, {a.repeat} runs, medians (min-max):")  # fmt: skip
    for k in keys:
        xs = [r[k] for r in runs]
        print(f"  {k:17} {statistics.median(xs):8.2f} s  ({min(xs):.2f}-{max(xs):.2f})")
    ratio = statistics.median(r["ragseed"] / r["floor"] for r in runs)
    print(f"  ragseed / floor  {ratio:8.2f}x  (median of the runs' ratios)")


if __name__ == "__main__":
    main()
