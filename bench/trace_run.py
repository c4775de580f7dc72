"""Where one `ragseed seed` run on PostgreSQL spends its time, second by second.

Runs ragseed once on a fresh database (as bench_seed.py makes them) and samples every 0.1 s:
the CPU of ragseed's process tree, of the server's backends, the machine's busy cores from
/proc/stat (which also counts the kernel's writeback) and the statements the server is running,
with their wait events. Prints one line per second, then the totals:

    python bench/trace_run.py --chunks 1000000 --engine-schema --chunk-tokens 64 -- --parallel 2

Needs the server on this machine (for /proc). Linux only.
"""

from __future__ import annotations

import argparse
import collections
import os
import subprocess
import sys
import time
from typing import Any

import bench_seed as B

TICK = os.sysconf("SC_CLK_TCK")


def _cpu_by_pid() -> dict[int, tuple[int, int]]:
    """pid -> (ppid, user + system ticks) of every process."""
    out = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                f = B._proc_stat(int(entry))
            except (OSError, IndexError, ValueError):
                continue
            out[int(entry)] = (f[1], f[11] + f[12])
    return out


def _tree(snap: dict[int, tuple[int, int]], root: int) -> set[int]:
    kids: dict[int, list[int]] = collections.defaultdict(list)
    for pid, (ppid, _) in snap.items():
        kids[ppid].append(pid)
    out, todo = set(), [root]
    while todo:
        p = todo.pop()
        out.add(p)
        todo += kids[p]
    return out


def _used(
    snap: dict[int, tuple[int, int]], prev: dict[int, tuple[int, int]], pids: set[int]
) -> float:
    """CPU-seconds the processes used between two snapshots."""
    return sum(snap[p][1] - prev.get(p, (0, 0))[1] for p in pids if p in snap) / TICK


def _busy_ticks() -> int:
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v) - v[3] - v[4]  # all but idle and iowait


ACTIVE = (
    "SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 45), "
    "coalesce(wait_event_type || ':' || wait_event, 'CPU') FROM pg_stat_activity "
    "WHERE state = 'active' AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    B.add_one_run_options(ap)
    a = ap.parse_args()
    flags = B.one_run_flags(a)
    backend = B.Postgres(a.database_url)
    url = backend.fresh("trace")
    cmd = [sys.executable, "-m", "ragseed", "seed", "--database-url", url, *flags]
    try:
        backend.before_run()
        me = int(backend.admin.execute("SELECT pg_backend_pid()").fetchone()[0])
        postmaster = B._proc_stat(me)[1]
        seconds: dict[int, list[Any]] = collections.defaultdict(
            lambda: [0.0, 0.0, 0.0, 0.0, collections.Counter()]
        )
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, env=B.child_env())
        prev, busy, last = _cpu_by_pid(), _busy_ticks(), t0
        while proc.poll() is None:
            time.sleep(0.1)
            snap, now_busy, now = _cpu_by_pid(), _busy_ticks(), time.monotonic()

            row = seconds[int(now - t0)]
            row[0] += now - last
            row[1] += _used(snap, prev, _tree(snap, proc.pid))
            row[2] += _used(snap, prev, _tree(snap, postmaster) - {postmaster})
            row[3] += (now_busy - busy) / TICK
            for query, wait in backend.admin.execute(ACTIVE).fetchall():
                row[4][f"{query} [{wait}]"] += 1
            prev, busy, last = snap, now_busy, now
        wall = time.monotonic() - t0
        print(f"exit code {proc.returncode}, {wall:.2f} s; per second, in cores:")
        totals = [0.0, 0.0, 0.0]
        for second in sorted(seconds):
            dt, client, server, machine, active = seconds[second]
            totals = [totals[0] + client, totals[1] + server, totals[2] + machine]
            what = "; ".join(f"{n}x {q}" for q, n in active.most_common(3))
            print(f"{second:4d}  ragseed {client / dt:4.2f}  server {server / dt:4.2f}  "
                  f"machine busy {machine / dt:4.2f}  | {what}")  # fmt: skip
        cores = os.cpu_count() or 1
        share = totals[2] / cores / wall
        print(f"CPU-seconds: ragseed {totals[0]:.1f}, server {totals[1]:.1f}, machine busy "
              f"{totals[2]:.1f} of {cores * wall:.1f} ({share:.0%})")  # fmt: skip
    finally:
        backend.drop(url)
        backend.close()


if __name__ == "__main__":
    main()
