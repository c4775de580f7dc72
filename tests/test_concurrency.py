"""Two ragseed processes on one database at once: one waits, no duplicates, a sound ledger."""

from __future__ import annotations

import os
import subprocess
import sys

from .dbutil import scalar


def test_two_runs_at_once(db_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ENVIRONMENT")}
    args = [sys.executable, "-m", "ragseed", "seed", "--database-url", db_url, "--env",
            "testing", "--num-users", "60", "--num-docs", "6"]  # fmt: skip
    procs = [
        subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    said = sorted("nothing to do" in out for out, _ in outs)
    assert said == [False, True], outs  # one seeded, the other waited and found it done
    assert scalar(db_url, "SELECT count(*) FROM users") == 60
    assert scalar(db_url, "SELECT count(*) FROM documents") == 360
    assert scalar(db_url, "SELECT count(*) FROM ragseed_runs WHERE kind = 'seed'") == 1
