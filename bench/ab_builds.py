"""A/B of two ragseed builds: the same `ragseed seed` run alternately by two Python
environments (each with its own ragseed installed), on a fresh database each time, so that a
change can be measured against the code before it on the same noisy machine.

    python bench/ab_builds.py --old /tmp/venv-old/bin/python --new .venv/bin/python \\
        --chunks 1000000 --pairs 3 --engine-schema --chunk-tokens 64 -- --parallel 2

Pairs alternate their order (old, new / new, old ...). Prints every run (wall seconds and the
server's CPU seconds) and the medians; the server is found as in bench_seed.py.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import time

import bench_seed as B


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--old", required=True, help="Python executable of the old build")
    ap.add_argument("--new", required=True, help="Python executable of the new build")
    ap.add_argument("--pairs", type=int, default=3)
    B.add_one_run_options(ap)
    a = ap.parse_args()
    flags = B.one_run_flags(a)
    backend = B.Postgres(a.database_url)
    builds = {"old": a.old, "new": a.new}
    seconds: dict[str, list[float]] = {"old": [], "new": []}
    env = {k: v for k, v in B.child_env().items() if k != "PYTHONPATH"}
    try:
        for i in range(a.pairs):
            for name in ("old", "new") if i % 2 == 0 else ("new", "old"):
                url = backend.fresh(name)
                try:
                    backend.before_run()
                    before = backend.server_cpu()
                    t = time.perf_counter()
                    cmd = [builds[name], "-m", "ragseed", "seed", "--database-url", url]
                    subprocess.run([*cmd, *flags], env=env, check=True)
                    took = time.perf_counter() - t
                    after = backend.server_cpu()
                finally:
                    backend.drop(url)
                seconds[name].append(took)
                server = (
                    f", server CPU {after - before:.1f} s" if None not in (before, after) else ""
                )
                print(f"{name} {took:.2f} s{server}", flush=True)
    finally:
        backend.close()
    for name, values in seconds.items():
        print(
            f"{name} median {statistics.median(values):.2f} s: "
            + " ".join(f"{v:.2f}" for v in values)
        )
    ratio = statistics.median(seconds["new"]) / statistics.median(seconds["old"])
    print(f"new / old {ratio:.3f}")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
