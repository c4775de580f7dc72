"""Run one command and measure it: wall time, exact peak RSS, CPU time.

    python bench/_measure.py RESULT.json -- CMD [ARG ...]

This wrapper is deliberately tiny: it imports nothing heavy, spawns CMD, waits for it and then
reads getrusage(RUSAGE_CHILDREN). ru_maxrss is the kernel's exact high-water mark of the largest
waited-for descendant (KiB on Linux), so it is the peak RSS of the process doing the work, not of
this wrapper. When CMD starts processes of its own (ragseed --parallel), the summed RSS of the
whole process tree is also sampled every 0.2 s with psutil (approximate, it can miss short peaks),
as RSS and as PSS (shared pages divided among the processes sharing them, so not counted twice).
The exit code is CMD's.
"""

from __future__ import annotations

import contextlib
import json
import resource
import subprocess
import sys
import time


def _tree_rss(proc: object) -> tuple[int, int, int]:
    """(summed RSS, summed PSS in bytes, number of processes) of proc and its descendants."""
    try:
        procs = [proc, *proc.children(recursive=True)]  # type: ignore[attr-defined]
    except Exception:
        return 0, 0, 0
    rss = pss = 0
    for p in procs:
        with contextlib.suppress(Exception):
            m = p.memory_full_info()
            rss, pss = rss + m.rss, pss + getattr(m, "pss", m.rss)
    return rss, pss, len(procs)


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    out, cmd = argv[0], argv[2:]
    try:
        import psutil
    except ImportError:  # the sampled tree figure is optional; ru_maxrss is what we report
        psutil = None
    t0 = time.perf_counter()
    child = subprocess.Popen(cmd)
    handle = psutil.Process(child.pid) if psutil is not None else None
    tree_peak = tree_pss_peak = max_procs = 0
    while True:
        try:
            rc = child.wait(timeout=0.2)
            break
        except subprocess.TimeoutExpired:
            if handle is not None:
                rss, pss, n = _tree_rss(handle)
                tree_peak, max_procs = max(tree_peak, rss), max(max_procs, n)
                tree_pss_peak = max(tree_pss_peak, pss)
    wall = time.perf_counter() - t0
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(
            {
                "rc": rc,
                "wall": wall,
                "maxrss_kib": ru.ru_maxrss,
                "cpu_user": ru.ru_utime,
                "cpu_sys": ru.ru_stime,
                "tree_peak_bytes": tree_peak,
                "tree_pss_peak_bytes": tree_pss_peak,
                "max_procs": max_procs,
            },
            fh,
        )
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
