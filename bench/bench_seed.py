"""Seed the same volume three ways and compare: ragseed, the seed document's method, the floor.

    python bench/bench_seed.py --backend postgres --chunks 30000
    python bench/bench_seed.py --backend sqlite --chunks 30000
    python bench/bench_seed.py --backend postgres --chunks 1000000 --repeat 3 --json pg-1m.json

Methods (each run: a fresh, empty database with the engine's schema created beforehand, and the
method in its own subprocess under bench/_measure.py for wall time, exact peak RSS and CPU time):

  ragseed   `python -m ragseed seed ... --quiet --env testing` (the real CLI); seconds = the
            process's wall time, start-up included
  seed-doc  bench/seed_doc_method.py: the seed document's ORM + Faker + bulk_save_objects
            script; seconds = the process's wall time, start-up included
  floor     bench/floor_load.py: ragseed's own rows, pre-generated in memory before timing, then
            one naive COPY (write_row per row) / executemany per table; seconds = the load only

Runs are interleaved (ragseed, seed-doc, floor, ragseed, ...); medians and spreads are reported.
See bench/README.md for how to read the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ragseed.db.schema import TABLES as SCHEMA_TABLES

BENCH = Path(__file__).resolve().parent
PY = sys.executable
DEV_SERVER = "postgresql://postgres:@/postgres?host=/tmp/pgdev"
METHODS = ("ragseed", "ragseed-p", "seed-doc", "floor")
#: Server backends of method "ragseed-p" (ragseed's parallel load), unless --parallel says.
DEFAULT_PARALLEL = 2
TABLES = SCHEMA_TABLES  # FK order
AVG_CHARS = "SELECT avg(length(text)) FROM chunk_store"
#: Variables that would change what the ragseed CLI seeds: never passed to the children.
SCRUB = ("DATABASE_URL", "ENVIRONMENT")


def add_one_run_options(ap: argparse.ArgumentParser, chunks: int = 300_000) -> None:
    """The options of the scripts that time single `ragseed seed` runs (ab_builds, trace_run)."""
    ap.add_argument("--chunks", type=int, default=chunks)
    ap.add_argument("--engine-schema", action="store_true")
    ap.add_argument("--chunk-tokens", type=int, default=None)
    ap.add_argument("--database-url", default=None)
    ap.add_argument("extra", nargs="*", help="more `ragseed seed` flags, after --")


def one_run_flags(a: argparse.Namespace) -> list[str]:
    """`ragseed seed` flags for those options (and sets the schema: STAGE1)."""
    STAGE1["on"] = a.engine_schema
    users = max(1, round(a.chunks / 8.5 / 12))
    flags = ["--num-users", str(users), "--num-docs", "12", "--env", "testing", "--quiet"]
    if a.chunk_tokens:
        flags += ["--chunk-tokens", str(a.chunk_tokens)]
    return [*flags, *a.extra]


def child_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in SCRUB and not k.startswith("RAGSEED_")}


# --- volume ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Volume:
    chunks: int
    users: int
    docs_per_user: int
    sessions: int
    turns: int
    seed: int
    doc_min_chunks: int
    doc_max_chunks: int

    @classmethod
    def from_args(cls, a: argparse.Namespace) -> Volume:
        users = max(1, round(a.chunks / a.chunks_per_doc / a.docs_per_user))
        # The seed document draws num_chunks uniformly from [min, max]: centre that range on the
        # same chunks per document so that it writes about the same number of chunks.
        lo = min(5, max(1, int(a.chunks_per_doc)))
        hi = max(lo, round(2 * a.chunks_per_doc - lo))
        return cls(
            a.chunks, users, a.docs_per_user, a.sessions, a.turns, a.seed, lo, hi, a.chunk_tokens
        )

    chunk_tokens: int | None = None

    def flags(self) -> list[str]:
        return [
            "--num-users", str(self.users), "--num-docs", str(self.docs_per_user),
            "--sessions", str(self.sessions), "--turns", str(self.turns),
        ]  # fmt: skip

    def ragseed_flags(self) -> list[str]:
        """Flags for ragseed and the floor (which must generate the same rows)."""
        extra = ["--chunk-tokens", str(self.chunk_tokens)] if self.chunk_tokens else []
        return [*self.flags(), *extra]


# --- databases -------------------------------------------------------------------------------


class Backend:
    name = ""
    dialect = ""

    def fresh(self, label: str) -> str:
        """Create an empty database holding the engine's schema; return its URL."""
        raise NotImplementedError

    def counts(self, url: str) -> dict[str, int]:
        raise NotImplementedError

    def chunk_chars(self, url: str) -> float:
        """Average length of chunk_store.text: what each chunk row costs to store and index."""
        raise NotImplementedError

    def drop(self, url: str) -> None:
        raise NotImplementedError

    def before_run(self) -> None:
        """Level the field between runs (a checkpoint on PostgreSQL)."""

    def server_cpu(self) -> float | None:
        """CPU seconds the database server's processes have used so far, if it has any."""
        return None

    def describe(self) -> str:
        return self.name

    def close(self) -> None:
        pass


#: --engine-schema: the engine's stage-1 schema (tsv and its GIN index, no stage-2 columns, no
#: graph_triplets), as in the issue's own measurements. Default: ragseed's full schema.
STAGE1 = {"on": False}


def tables() -> tuple[str, ...]:
    return tuple(t for t in TABLES if not (STAGE1["on"] and t == "graph_triplets"))


def create_schema(url: str, dialect: str) -> None:
    from ragseed.db.engine import make_engine
    from ragseed.db.schema import build_metadata

    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            build_metadata(dialect).create_all(conn)
            if STAGE1["on"]:
                conn.exec_driver_sql("DROP TABLE graph_triplets")
                for column in ("parent_id", "chunk_context"):
                    conn.exec_driver_sql(f"ALTER TABLE chunk_store DROP COLUMN {column}")
    finally:
        engine.dispose()


def _proc_stat(pid: int) -> list[int]:
    """/proc/PID/stat from field 4 (ppid) on, as integers where they are: [1] is the ppid,
    [11:15] utime, stime, cutime and cstime in clock ticks."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return [int(f) if f.lstrip("-").isdigit() else 0 for f in fields]


class Postgres(Backend):
    name = "postgres"
    dialect = "postgresql"

    def __init__(self, url: str | None) -> None:
        self._server: Any = None
        self.server_url = url or self._find_server()
        self.admin = self._connect(self.server_url, autocommit=True)

    def _find_server(self) -> str:
        socket_dir = DEV_SERVER.rsplit("host=", 1)[-1]
        if Path(socket_dir, ".s.PGSQL.5432").exists():
            try:
                self._connect(DEV_SERVER).close()
                return DEV_SERVER
            except Exception as exc:
                print(f"note: the dev server in {socket_dir} does not answer ({exc}); starting one")
        import pgserver

        datadir = tempfile.mkdtemp(prefix="ragseed-bench-pg-")
        print(f"starting a PostgreSQL server with pgserver in {datadir} ...")
        self._server = pgserver.get_server(datadir, cleanup_mode="delete")
        return str(self._server.get_uri())

    @staticmethod
    def _dsn(url: str, database: str | None = None) -> str:
        from sqlalchemy.engine import make_url

        from ragseed.db.urls import normalize

        u = make_url(normalize(url)).set(drivername="postgresql")
        if database:
            u = u.set(database=database)
        return u.render_as_string(hide_password=False)

    def _connect(self, url: str, autocommit: bool = False) -> Any:
        import psycopg

        return psycopg.connect(self._dsn(url), autocommit=autocommit, connect_timeout=10)

    def fresh(self, label: str) -> str:
        name = f"bench_{label.replace('-', '_')}_{uuid.uuid4().hex[:10]}"
        self.admin.execute(f"CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0")
        url = self._dsn(self.server_url, name)
        create_schema(url, self.dialect)
        return url

    def counts(self, url: str) -> dict[str, int]:
        with self._connect(url) as conn:
            return {
                t: int(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in tables()
            }

    def chunk_chars(self, url: str) -> float:
        with self._connect(url) as conn:
            return float(conn.execute(AVG_CHARS).fetchone()[0] or 0)

    def drop(self, url: str) -> None:
        from sqlalchemy.engine import make_url

        name = make_url(url).database
        self.admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def before_run(self) -> None:
        try:
            self.admin.execute("CHECKPOINT")
        except Exception as exc:  # needs superuser or pg_checkpoint; only a nicety
            print(f"  (no CHECKPOINT between runs: {exc})")

    def server_cpu(self) -> float | None:
        """The postmaster's CPU, its exited children's (backends, once reaped) and its live
        children's, from /proc: None when the server is on another machine or /proc is closed."""
        try:
            pid = int(self.admin.execute("SELECT pg_backend_pid()").fetchone()[0])
            postmaster = _proc_stat(pid)[1]
            total = sum(_proc_stat(postmaster)[11:15])
            for entry in Path("/proc").iterdir():
                if entry.name.isdigit():
                    with suppress(OSError, IndexError, ValueError):
                        fields = _proc_stat(int(entry.name))
                        if fields[1] == postmaster:
                            total += sum(fields[11:15])
            return total / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            return None

    def describe(self) -> str:
        from sqlalchemy.engine import make_url

        from ragseed.db.urls import normalize

        u = make_url(normalize(self.server_url))
        where = u.query.get("host") or f"{u.host}:{u.port or 5432}"
        settings = []
        for s in ("shared_buffers", "max_wal_size", "synchronous_commit", "fsync"):
            with suppress(Exception):
                settings.append(f"{s}={self.admin.execute(f'SHOW {s}').fetchone()[0]}")
        version = self.admin.execute("SHOW server_version").fetchone()[0]
        return f"PostgreSQL {version} at {where} ({', '.join(settings)})"

    def close(self) -> None:
        self.admin.close()
        if self._server is not None:
            self._server.cleanup()


class Sqlite(Backend):
    name = "sqlite"
    dialect = "sqlite"

    def __init__(self, workdir: str | None) -> None:
        self._own = workdir is None
        self.dir = Path(workdir or tempfile.mkdtemp(prefix="ragseed-bench-sqlite-"))
        self.dir.mkdir(parents=True, exist_ok=True)

    def fresh(self, label: str) -> str:
        path = self.dir / f"{label}-{uuid.uuid4().hex[:10]}.db"
        url = f"sqlite:///{path}"
        create_schema(url, self.dialect)
        return url

    def _path(self, url: str) -> Path:
        return Path(url.removeprefix("sqlite:///"))

    def counts(self, url: str) -> dict[str, int]:
        import sqlite3

        con = sqlite3.connect(self._path(url))
        try:
            return {
                t: int(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in tables()
            }
        finally:
            con.close()

    def chunk_chars(self, url: str) -> float:
        import sqlite3

        con = sqlite3.connect(self._path(url))
        try:
            return float(con.execute(AVG_CHARS).fetchone()[0] or 0)
        finally:
            con.close()

    def drop(self, url: str) -> None:
        path = self._path(url)
        for p in (path, Path(f"{path}-journal"), Path(f"{path}-wal"), Path(f"{path}-shm")):
            p.unlink(missing_ok=True)

    def describe(self) -> str:
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}, files in {self.dir}"

    def close(self) -> None:
        if self._own:
            shutil.rmtree(self.dir, ignore_errors=True)


# --- runs ------------------------------------------------------------------------------------


@dataclass
class Run:
    method: str
    index: int
    ok: bool
    seconds: float = 0.0  # the figure compared: see the module docstring
    wall: float = 0.0  # the whole subprocess
    maxrss_mb: float = 0.0  # exact, largest single process (ru_maxrss)
    tree_peak_mb: float = 0.0  # sampled sum over the process tree
    tree_pss_mb: float = 0.0  # the same, as PSS (shared pages counted once)
    max_procs: int = 0
    cpu_seconds: float = 0.0  # user + system of the subprocess tree
    server_cpu_seconds: float = 0.0  # the database server's processes, over the same span
    counts: dict[str, int] = field(default_factory=dict)
    detail: dict[str, Any] = field(default_factory=dict)
    error: str = ""

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    @property
    def chunk_rows(self) -> int:
        return self.counts.get("chunk_store", 0)


def command(method: str, url: str, vol: Volume, parallel: int | None, result: Path) -> list[str]:
    if method in ("ragseed", "ragseed-p"):
        cmd = [PY, "-m", "ragseed", "seed", "--database-url", url, *vol.ragseed_flags(),
               "--seed", str(vol.seed), "--quiet", "--env", "testing"]  # fmt: skip
        if method == "ragseed-p":
            return [*cmd, "--parallel", str(parallel or DEFAULT_PARALLEL)]
        return [*cmd, "--parallel", str(parallel)] if parallel else cmd
    if method == "seed-doc":
        return [PY, str(BENCH / "seed_doc_method.py"), "--database-url", url, *vol.flags(),
                "--min-chunks", str(vol.doc_min_chunks), "--max-chunks", str(vol.doc_max_chunks),
                "--result", str(result)]  # fmt: skip
    return [PY, str(BENCH / "floor_load.py"), "--database-url", url, *vol.ragseed_flags(),
            "--seed", str(vol.seed), "--env", "testing", "--result", str(result)]  # fmt: skip


def run_one(
    backend: Backend, method: str, index: int, vol: Volume, parallel: int | None, tmp: Path
) -> Run:
    url = backend.fresh(method)
    measure, result = tmp / f"{method}-{index}.measure.json", tmp / f"{method}-{index}.json"
    out, err = tmp / f"{method}-{index}.out", tmp / f"{method}-{index}.err"
    for p in (measure, result):
        p.unlink(missing_ok=True)
    try:
        backend.before_run()
        server_before = backend.server_cpu()
        cmd = command(method, url, vol, parallel, result)
        with out.open("wb") as fo, err.open("wb") as fe:
            proc = subprocess.run(
                [PY, str(BENCH / "_measure.py"), str(measure), "--", *cmd],
                stdout=fo, stderr=fe, env=child_env(), check=False,
            )  # fmt: skip
        server_after = backend.server_cpu()
        m = json.loads(measure.read_text()) if measure.exists() else {}
        run = Run(
            method, index, ok=proc.returncode == 0, wall=m.get("wall", 0.0),
            maxrss_mb=m.get("maxrss_kib", 0) / 1024,
            tree_peak_mb=m.get("tree_peak_bytes", 0) / 2**20, max_procs=m.get("max_procs", 0),
            tree_pss_mb=m.get("tree_pss_peak_bytes", 0) / 2**20,
            cpu_seconds=m.get("cpu_user", 0.0) + m.get("cpu_sys", 0.0),
        )  # fmt: skip
        if server_before is not None and server_after is not None:
            run.server_cpu_seconds = server_after - server_before
        run.detail = json.loads(result.read_text()) if result.exists() else {}
        run.seconds = run.detail.get("seconds", run.wall) if method == "floor" else run.wall
        if not run.ok:
            text = err.read_text(errors="replace").strip() or out.read_text(errors="replace")
            run.error = "\n".join(text.splitlines()[-15:])
            if method == "ragseed" and parallel and "parallel" in text:
                run.error += (
                    f"\nNOTE: ragseed rejected --parallel {parallel} (its message is above): "
                    "re-run without --parallel, or on a backend where it is supported."
                )
        else:
            try:
                run.counts = backend.counts(url)
                run.detail["avg_chunk_chars"] = backend.chunk_chars(url)
            except Exception as exc:
                run.ok, run.error = False, f"counting the rows failed: {exc!r}"
        return run
    finally:
        backend.drop(url)


def source_digests() -> dict[str, str]:
    """sha256 of every file of the installed ragseed package: to notice edits during a run."""
    import hashlib
    import importlib.util

    spec = importlib.util.find_spec("ragseed")
    root = Path(spec.origin).parent if spec and spec.origin else None
    if root is None:
        return {}
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.suffix in (".py", ".json", ".toml")
    }


def cli_supports_parallel() -> bool:
    proc = subprocess.run(
        [PY, "-m", "ragseed", "seed", "--help"],
        capture_output=True, text=True, env=child_env(), check=False,
    )  # fmt: skip
    return "--parallel" in proc.stdout


# --- reporting -------------------------------------------------------------------------------


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def _n(x: float) -> str:
    return f"{x:,.0f}"


def _s(x: float) -> str:
    return f"{x:,.2f}" if x < 100 else f"{x:,.1f}"


@dataclass
class Summary:
    method: str
    runs: int
    failed: int
    seconds: float
    low: float
    high: float
    rows: int
    chunk_rows: int
    maxrss_mb: float
    tree_peak_mb: float
    max_procs: int
    cpu_seconds: float
    tree_pss_mb: float = 0.0
    server_cpu_seconds: float = 0.0

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    @property
    def chunks_per_s(self) -> float:
        return self.chunk_rows / self.seconds if self.seconds else 0.0

    @property
    def memory_mb(self) -> float:
        """Peak memory of the method: the tree's when it used several processes."""
        return max(self.maxrss_mb, self.tree_peak_mb) if self.max_procs > 1 else self.maxrss_mb

    def spread(self) -> str:
        if self.runs - self.failed < 2:
            return "-"
        pct = 100 * (self.high - self.low) / self.seconds if self.seconds else 0.0
        return f"{_s(self.low)}-{_s(self.high)} ({pct:.0f}%)"


def summarise(runs: list[Run], method: str) -> Summary | None:
    mine = [r for r in runs if r.method == method]
    good = [r for r in mine if r.ok]
    if not mine:
        return None
    secs = [r.seconds for r in good]
    return Summary(
        method, len(mine), len(mine) - len(good), median(secs), min(secs, default=0.0),
        max(secs, default=0.0), good[0].rows if good else 0, good[0].chunk_rows if good else 0,
        median([r.maxrss_mb for r in good]), median([r.tree_peak_mb for r in good]),
        max((r.max_procs for r in good), default=0), median([r.cpu_seconds for r in good]),
        median([r.tree_pss_mb for r in good]), median([r.server_cpu_seconds for r in good]),
    )  # fmt: skip


def table(headers: list[str], rows: list[list[str]], right: set[int] | None = None) -> str:
    right = right if right is not None else set(range(1, len(headers)))
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, rows)])


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if a and b else "n/a"


def report(
    runs: list[Run], summaries: dict[str, Summary], methods: list[str], ragseed_label: str
) -> list[str]:
    """The summary table and ratios; returns the problems found (row-count mismatches)."""
    problems: list[str] = []
    label = {"ragseed": ragseed_label, "ragseed-p": "ragseed-p", "seed-doc": "seed-doc",
             "floor": "floor"}  # fmt: skip
    multi = any(s.max_procs > 1 for s in summaries.values())
    headers = ["method", "runs", "seconds", "spread (min-max)", "rows", "rows/s", "chunk rows",
               "chunk rows/s", "peak RSS MB", "CPU s"]  # fmt: skip
    server = any(s.server_cpu_seconds for s in summaries.values())
    if server:
        headers.append("server CPU s")
    if multi:
        headers[9:9] = ["tree RSS MB", "tree PSS MB"]
    body = []
    for m in methods:
        s = summaries.get(m)
        if s is None:
            continue
        if s.failed == s.runs:
            body.append([label[m], str(s.runs), "FAILED", *[""] * (len(headers) - 3)])
            continue
        row = [
            label[m], f"{s.runs - s.failed}/{s.runs}", _s(s.seconds), s.spread(), _n(s.rows),
            _n(s.rows_per_s), _n(s.chunk_rows), _n(s.chunks_per_s), _n(s.maxrss_mb),
            _s(s.cpu_seconds),
        ]  # fmt: skip
        if server:
            row.append(_s(s.server_cpu_seconds))
        if multi:
            row[9:9] = [_n(s.tree_peak_mb), _n(s.tree_pss_mb)]
        body.append(row)
    print(table(headers, body, right=set(range(1, len(headers))) - {3}))

    # Row counts per table: ragseed and the floor must agree exactly.
    first = {
        m: r for m in methods if (r := next((x for x in runs if x.method == m and x.ok), None))
    }
    if first:
        print()
        cells = [[t, *(_n(r.counts.get(t, 0)) for r in first.values())] for t in TABLES]
        cells.append(["all", *(_n(r.rows) for r in first.values())])
        cells.append(
            ["avg chunk chars", *(_n(r.detail.get("avg_chunk_chars", 0)) for r in first.values())]
        )
        print(table(["table", *first], cells))
    for m in methods:  # every run of a method writes the same rows
        counts = {json.dumps(r.counts, sort_keys=True) for r in runs if r.method == m and r.ok}
        if len(counts) > 1:
            problems.append(f"MISMATCH: {m}: row counts differ between runs")
    a, c = first.get("ragseed"), first.get("floor")
    if a is not None and c is not None and a.counts != c.counts:
        diff = ", ".join(
            f"{t} {a.counts.get(t)} vs {c.counts.get(t)}"
            for t in TABLES
            if a.counts.get(t) != c.counts.get(t)
        )
        problems.append(f"MISMATCH: ragseed and floor wrote different row counts: {diff}")
    if a is not None and c is not None and (pre := c.detail.get("rows")):
        missing = {t: n for t, n in pre.items() if c.counts.get(t) != n}
        if missing:
            problems.append(
                f"MISMATCH: floor generated {missing} but the database holds other counts"
            )

    def done(m: str) -> Summary | None:
        s = summaries.get(m)
        return s if s is not None and s.failed < s.runs else None

    sa, sb, sc = done("ragseed"), done("seed-doc"), done("floor")
    sp = done("ragseed-p")
    lines = []
    if sa is not None and sc is not None:
        lines.append(
            f"ragseed / floor     {ratio(sa.seconds, sc.seconds)} the time "
            "(same rows; 1.00x = as fast as one naive COPY/executemany stream)"
        )
    if sp is not None and sc is not None:
        lines.append(f"ragseed-p / floor   {ratio(sp.seconds, sc.seconds)} the time")
    p = first.get("ragseed-p")
    if p is not None and c is not None and p.counts != c.counts:
        problems.append("MISMATCH: ragseed-p and floor wrote different row counts")
    if sa is not None and sb is not None:
        lines.append(
            f"seed-doc / ragseed  {ratio(sb.seconds, sa.seconds)} the time, "
            f"{ratio(sa.rows_per_s, sb.rows_per_s)} per row, "
            f"{ratio(sa.chunks_per_s, sb.chunks_per_s)} per chunk row "
            "(above 1x: the document's method is slower)"
        )
        tree = " (ragseed: its process tree's sampled sum)" if sa.max_procs > 1 else ""
        lines.append(
            f"peak RSS            seed-doc {ratio(sb.memory_mb, sa.memory_mb)} ragseed's{tree}"
        )
    if lines:
        print("\nratios (medians)")
        print("\n".join("  " + x for x in lines))
    return problems


# --- main ------------------------------------------------------------------------------------


@contextmanager
def open_backend(args: argparse.Namespace) -> Iterator[Backend]:
    backend: Backend = (
        Postgres(args.database_url) if args.backend == "postgres" else Sqlite(args.workdir)
    )
    try:
        yield backend
    finally:
        backend.close()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description="Seed the same volume with ragseed, the seed document's method and a raw "
        "COPY/executemany floor; compare seconds, rows/s and peak RSS.",
    )
    ap.add_argument("--backend", choices=("postgres", "sqlite"), default="postgres")
    ap.add_argument(
        "--database-url",
        help="PostgreSQL server to create the benchmark databases on (default: the dev server "
        "at /tmp/pgdev, else one started with pgserver)",
    )
    ap.add_argument("--workdir", help="SQLite: folder for the database files (default: a temp dir)")
    ap.add_argument("--chunks", type=int, default=30_000, help="target chunk rows (default 30000)")
    ap.add_argument("--chunks-per-doc", type=float, default=8.5)
    ap.add_argument("--docs-per-user", type=int, default=12)
    ap.add_argument("--sessions", type=int, default=5, help="chat sessions per user")
    ap.add_argument("--turns", type=int, default=3, help="turns per chat session")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=1, help="runs per method, interleaved")
    ap.add_argument("--parallel", type=int, help="forwarded to `ragseed seed --parallel N`")
    ap.add_argument(
        "--methods",
        default="",
        help=f"comma-separated subset of {','.join(METHODS)} (default: all of them on "
        "PostgreSQL; on SQLite, which has no parallel load, all but ragseed-p)",
    )
    ap.add_argument("--json", help="also write every run and the summary to this file")
    ap.add_argument(
        "--engine-schema",
        action="store_true",
        help="seed the engine's stage-1 schema (no parent_id/chunk_context, no graph_triplets)",
    )
    ap.add_argument(
        "--chunk-tokens", type=int, help="ragseed's (and the floor's) target tokens per chunk"
    )
    args = ap.parse_args(argv)
    STAGE1["on"] = args.engine_schema
    args.methods = [m.strip() for m in args.methods.split(",") if m.strip()] or [
        m for m in METHODS if args.backend == "postgres" or m != "ragseed-p"
    ]
    bad = [m for m in args.methods if m not in METHODS]
    if bad or args.repeat < 1 or args.chunks < 1:
        ap.error(f"bad --methods {bad}" if bad else "--repeat and --chunks must be >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    vol = Volume.from_args(args)
    methods: list[str] = args.methods
    parallel: int | None = args.parallel
    ragseed_label = "ragseed"
    notes: list[str] = []
    if parallel and "ragseed" in methods:
        if cli_supports_parallel():
            ragseed_label = f"ragseed -p{parallel}"
        else:
            notes.append(
                f"NOTE: `ragseed seed` has no --parallel option yet (not in its --help): "
                f"--parallel {parallel} is NOT forwarded and ragseed runs serially."
            )
            parallel = None
    if "seed-doc" in methods:
        notes.append(
            "seed-doc runs the document's code with fake.email() -> fake.unique.email() (its "
            "emails collide at ~1,000 users), file_name category 'document' -> 'office' "
            "(Faker has no 'document'), ids set at construction (bulk_save_objects never "
            f"returns them) and chunks per document uniform in [{vol.doc_min_chunks}, "
            f"{vol.doc_max_chunks}] (mean {(vol.doc_min_chunks + vol.doc_max_chunks) / 2:g}, "
            "this volume's); see bench/seed_doc_method.py."
        )

    with open_backend(args) as backend, tempfile.TemporaryDirectory(prefix="bench-") as tmpdir:
        tmp = Path(tmpdir)
        print(f"ragseed seed benchmark on {backend.describe()}")
        print(
            f"volume: --chunks {vol.chunks:,} -> {vol.users:,} users x {vol.docs_per_user} docs "
            f"({vol.users * vol.docs_per_user:,} documents), {vol.sessions} sessions x "
            f"{vol.turns} turns per user, seed {vol.seed}; {args.repeat} run(s) per method, "
            f"interleaved"
        )
        print(f"host: {platform.node()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
        for note in notes:
            print(note)
        print()
        runs: list[Run] = []
        source = source_digests()
        changed: set[str] = set()
        total = args.repeat * len(methods)
        started = time.perf_counter()
        for i in range(args.repeat):
            for method in methods:
                label = ragseed_label if method == "ragseed" else method
                print(f"[{len(runs) + 1}/{total}] {label} run {i + 1} ...", end=" ", flush=True)
                run = run_one(backend, method, i, vol, parallel, tmp)
                runs.append(run)
                now = source_digests()
                edited = {f for f in source.keys() | now.keys() if source.get(f) != now.get(f)}
                if edited - changed:
                    run.detail["source_changed"] = sorted(edited - changed)
                    changed |= edited
                if not run.ok:
                    print("FAILED")
                    print("  " + run.error.replace("\n", "\n  "))
                    continue
                extra = ""
                if method == "floor":
                    extra = f" (+{_s(run.detail.get('pregen_seconds', 0))} s pre-generation)"
                print(
                    f"{_s(run.seconds)} s{extra}, {_n(run.rows)} rows, "
                    f"peak RSS {_n(run.maxrss_mb)} MB, CPU {_s(run.cpu_seconds)} s"
                    + (
                        f", server CPU {_s(run.server_cpu_seconds)} s"
                        if run.server_cpu_seconds
                        else ""
                    )
                )
        print(f"\nall runs took {_s(time.perf_counter() - started)} s\n")
        summaries = {m: s for m in methods if (s := summarise(runs, m)) is not None}
        problems = report(runs, summaries, methods, ragseed_label)
        warnings = []
        if changed:  # a warning, not a failure: the edit may not touch seeding at all
            warnings.append(
                "WARNING: ragseed's files changed while the benchmark ran, so runs may compare "
                f"different code: {', '.join(sorted(changed))}"
            )
        for note in notes:
            print(note)
        failed = [r for r in runs if not r.ok]
        if problems or failed or warnings:
            print()
            print("!" * 78)
            for p in problems + warnings:
                print(f"!! {p}")
            for r in failed:
                print(f"!! FAILED: {r.method} run {r.index + 1}")
            print("!" * 78)
        if args.json:
            payload = {
                "backend": backend.describe(),
                "volume": asdict(vol),
                "repeat": args.repeat,
                "parallel": parallel,
                "notes": notes,
                "runs": [{**asdict(r), "rows": r.rows} for r in runs],
                "summary": {
                    m: {**asdict(s), "rows_per_s": s.rows_per_s, "chunk_rows_per_s": s.chunks_per_s}
                    for m, s in summaries.items()
                },
                "problems": problems,
                "warnings": warnings,
            }
            Path(args.json).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
            print(f"\nwrote {args.json}")
    return 1 if problems or failed else 0


if __name__ == "__main__":
    sys.exit(main())
