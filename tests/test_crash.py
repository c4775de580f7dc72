"""Crash safety, for real: SIGKILL a seeding subprocess mid-load and check every row."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ragseed import api

from .conftest import make_config
from .dbutil import dump, scalar

BIG = ["--num-users", "400", "--num-docs", "12", "--env", "testing", "--quiet"]


def _start(url: str, *extra: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ENVIRONMENT")}
    return subprocess.Popen(
        [sys.executable, "-m", "ragseed", "seed", "--database-url", url, *BIG, *extra],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def _mid_load(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """Wait until the child is writing rows inside its transaction."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        if url.startswith("sqlite"):
            journal = Path(url.removeprefix("sqlite:///") + "-journal")
            if journal.exists() and journal.stat().st_size > 0:
                time.sleep(0.3)
                return
        else:
            copies = scalar(
                url,
                "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY %' "
                "AND state = 'active'",
            )
            if copies:
                time.sleep(0.3)
                return
        time.sleep(0.02)
    pytest.fail("the seed never started loading")


def _children(pid: int) -> list[int]:
    import psutil

    try:
        return [c.pid for c in psutil.Process(pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _kill(proc: subprocess.Popen[bytes]) -> None:
    import psutil

    kids = _children(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    # generator processes die with their parent (PR_SET_PDEATHSIG)
    deadline = time.monotonic() + 10
    while any(psutil.pid_exists(k) and psutil.Process(k).status() != "zombie" for k in kids):
        assert time.monotonic() < deadline, "a generator process outlived the killed seed"
        time.sleep(0.05)


@pytest.mark.slow
def test_sigkill_during_a_first_seed_leaves_nothing(db_url: str) -> None:
    api.init(make_config(db_url))
    proc = _start(db_url)
    _mid_load(db_url, proc)
    _kill(proc)
    assert scalar(db_url, "SELECT count(*) FROM users") == 0
    assert scalar(db_url, "SELECT count(*) FROM chunk_store") == 0
    assert scalar(db_url, "SELECT count(*) FROM ragseed_runs WHERE kind = 'seed'") == 0
    # and the next run works normally
    result = api.seed(make_config(db_url, num_users=3))
    assert result.counts["users"] == 3


@pytest.mark.slow
def test_sigkill_during_reset_keeps_the_previous_seed(db_url: str) -> None:
    api.seed(make_config(db_url, num_users=3, seed=1))
    before = dump(db_url)
    proc = _start(db_url, "--reset", "--seed", "2")
    _mid_load(db_url, proc)
    _kill(proc)
    assert dump(db_url) == before
    again = api.seed(make_config(db_url, num_users=3, seed=1))
    assert again.skipped
