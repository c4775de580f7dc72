"""How long `ragseed seed` takes from process start to finish on a small seed, and why.

    python bench/bench_startup.py [--runs 5] [--top 10] [--json startup.json]

1. `python -m ragseed seed --quiet` with the development profile (the default with no
   ENVIRONMENT), run in a fresh temp dir so it seeds a new ./ragseed.db (SQLite): wall time of the
   whole subprocess, median of --runs. For scale, the same for `python -c pass` (the interpreter
   alone) and `python -c "import ragseed.cli"` (interpreter + CLI import).
2. `python -X importtime -c "import ragseed.cli"`, --runs times: the --top modules by cumulative
   import time (median over the runs). Then the same for the whole seed command
   (`python -X importtime -m ragseed seed --quiet`), whose lazy imports (SQLAlchemy, pydantic,
   the generators) do not show in the first list.

DATABASE_URL, ENVIRONMENT and RAGSEED_* are removed from the children's environment.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PY = sys.executable


def child_env() -> dict[str, str]:
    scrub = ("DATABASE_URL", "ENVIRONMENT")
    return {k: v for k, v in os.environ.items() if k not in scrub and not k.startswith("RAGSEED_")}


def wall(cmd: list[str], cwd: str | None = None) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(
        cmd, cwd=cwd, env=child_env(), capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr.strip()}")
    return seconds


def seed_once() -> float:
    with tempfile.TemporaryDirectory(prefix="ragseed-startup-") as d:
        seconds = wall([PY, "-m", "ragseed", "seed", "--quiet"], cwd=d)
        if not (Path(d) / "ragseed.db").exists():
            raise SystemExit("ragseed seed did not create ./ragseed.db")
        return seconds


def importtime(args: list[str]) -> dict[str, tuple[int, int, int]]:
    """module -> (self us, cumulative us, depth) from one `python -X importtime ARGS` run, in a
    fresh temp dir."""
    with tempfile.TemporaryDirectory(prefix="ragseed-startup-") as d:
        proc = subprocess.run(
            [PY, "-X", "importtime", *args],
            cwd=d, env=child_env(), capture_output=True, text=True, check=False,
        )  # fmt: skip
    if proc.returncode != 0:
        raise SystemExit(f"importing failed:\n{proc.stderr.strip()[-2000:]}")
    out: dict[str, tuple[int, int, int]] = {}
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "[us]" in line:
            continue
        self_us, cum_us, name = line.removeprefix("import time:").split("|", 2)
        depth = (len(name) - len(name.lstrip(" "))) // 2
        out[name.strip()] = (int(self_us), int(cum_us), depth)
    return out


def top_imports(runs: list[dict[str, tuple[int, int, int]]]) -> list[tuple[str, float, float, int]]:
    """(module, median self us, median cumulative us, depth), by cumulative time, largest first."""
    out = []
    for name in set().union(*runs):
        seen = [r[name] for r in runs if name in r]
        out.append(
            (
                name,
                statistics.median(s for s, _, _ in seen),
                statistics.median(c for _, c, _ in seen),
                seen[0][2],
            )
        )
    return sorted(out, key=lambda r: -r[2])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--top", type=int, default=10)
    ap.add_argument("--module", default="ragseed.cli", help="what -X importtime imports")
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args(argv)

    import_stmt = f"import {args.module}"
    cases = {
        "python -c pass": lambda: wall([PY, "-c", "pass"]),
        f'python -c "{import_stmt}"': lambda: wall([PY, "-c", import_stmt]),
        "python -m ragseed seed --quiet (development profile, fresh SQLite)": seed_once,
    }
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.runs):  # interleaved, so that noise hits every case alike
        for name, fn in cases.items():
            times[name].append(fn())
    print(f"wall time from process start to exit, median of {args.runs} (min-max), {PY}")
    width = max(map(len, cases))
    for name, values in times.items():
        med = statistics.median(values)
        print(f"  {name:<{width}}  {med:6.3f} s  ({min(values):.3f}-{max(values):.3f})")

    tops: dict[str, list[tuple[str, float, float, int]]] = {}
    for title, cmd in (
        (f"-c {import_stmt!r}", ["-c", import_stmt]),
        ("-m ragseed seed --quiet", ["-m", "ragseed", "seed", "--quiet"]),
    ):
        rows = top_imports([importtime(cmd) for _ in range(args.runs)])
        tops[title] = rows[: args.top]
        print(
            f"\npython -X importtime {title}: top {args.top} by cumulative time "
            f"(median of {args.runs} runs; {len(rows)} modules imported)"
        )
        print(f"  {'cumulative ms':>13}  {'self ms':>8}  {'depth':>5}  module")
        for name, self_us, cum_us, depth in rows[: args.top]:
            print(f"  {cum_us / 1000:13.1f}  {self_us / 1000:8.1f}  {depth:5d}  {name}")

    if args.json:
        payload = {
            "runs": args.runs,
            "wall_seconds": {
                n: {"median": statistics.median(v), "all": v} for n, v in times.items()
            },
            "importtime_top": {
                title: [
                    {"module": n, "self_us": s, "cumulative_us": c, "depth": d}
                    for n, s, c, d in rows
                ]
                for title, rows in tops.items()
            },
        }
        Path(args.json).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
