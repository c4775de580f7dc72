"""Shards beyond one machine: RAGSEED_SHARD and auto/N (a Kubernetes Indexed Job's pod index).
N processes given only their environment seed exactly what one run does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ragseed import api
from ragseed.api import FULL, Shard, parse_shard
from ragseed.core.errors import ConfigError

from .conftest import make_config
from .dbutil import dump, scalar

N = 3
#: the seed, all in the environment as a Job's pod spec gives it (7 users: uneven shards)
SEED_ENV = {"ENVIRONMENT": "testing", "RAGSEED_NUM_USERS": "7", "RAGSEED_NUM_DOCS": "3"}


@pytest.mark.parametrize(
    ("flag", "environ", "shard"),
    [
        (None, {}, FULL),
        ("2/4", {}, Shard(2, 4)),
        (" 1 / 2 ", {}, Shard(1, 2)),
        (None, {"RAGSEED_SHARD": "2/4"}, Shard(2, 4)),
        (None, {"RAGSEED_SHARD": "auto/4", "JOB_COMPLETION_INDEX": "3"}, Shard(3, 4)),
        ("auto/4", {"JOB_COMPLETION_INDEX": "0"}, Shard(0, 4)),
        ("1/2", {"RAGSEED_SHARD": "0/4"}, Shard(1, 2)),  # the flag beats the variable
        (None, {"RAGSEED_SHARD": ""}, FULL),
        (None, {"JOB_COMPLETION_INDEX": "2"}, FULL),  # an index alone shards nothing
    ],
)
def test_parse_shard(flag: str | None, environ: dict[str, str], shard: Shard) -> None:
    assert parse_shard(flag, environ) == shard


@pytest.mark.parametrize(
    ("flag", "environ", "message"),
    [
        ("4/4", {},
         r"^--shard: expected K/N with 0 <= K < N \(e.g. 0/4\), or auto/N \(got '4/4'\)$"),
        ("0/0", {}, r"^--shard: expected K/N"),
        ("-1/4", {}, r"^--shard: expected K/N"),
        ("auto", {}, r"^--shard: expected K/N"),
        ("١/4", {}, r"^--shard: expected K/N"),  # digits, but not ASCII ones
        (None, {"RAGSEED_SHARD": "x/2"}, r"^RAGSEED_SHARD: expected K/N"),
        (None, {"RAGSEED_SHARD": "auto/2"},
         r"^RAGSEED_SHARD: auto/2 takes K from JOB_COMPLETION_INDEX, which is not set"),
        ("auto/2", {"JOB_COMPLETION_INDEX": ""}, r"^--shard: auto/2 takes K .* not set"),
        ("auto/2", {"JOB_COMPLETION_INDEX": "-1"}, r"which is '-1', not a number"),
        (None, {"RAGSEED_SHARD": "auto/2", "JOB_COMPLETION_INDEX": "2"},
         r"^JOB_COMPLETION_INDEX: 2 is out of range for RAGSEED_SHARD auto/2: expected 0 to 1 "
         r"\(the Job's completions must be 2\)$"),
    ],
)  # fmt: skip
def test_bad_shards_are_named(flag: str | None, environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_shard(flag, environ)


def _pod_env(url: str, **extra: str) -> dict[str, str]:
    """This process's environment without any ragseed setting, plus the pod's."""
    names = ("DATABASE_URL", "ENVIRONMENT", "JOB_COMPLETION_INDEX")
    base = {k: v for k, v in os.environ.items() if not k.startswith("RAGSEED_") and k not in names}
    return {**base, **SEED_ENV, "DATABASE_URL": url, **extra}


def _pod(url: str, cwd: Path, k: int) -> subprocess.Popen[str]:
    env = _pod_env(url, JOB_COMPLETION_INDEX=str(k), RAGSEED_SHARD=f"auto/{N}")
    return subprocess.Popen([sys.executable, "-m", "ragseed", "seed"], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip


def _finish(pods: list[subprocess.Popen[str]]) -> list[str]:
    outs = [p.communicate(timeout=300) for p in pods]
    assert [p.returncode for p in pods] == [0] * len(pods), outs
    return [out for out, _ in outs]


def test_an_indexed_job_seeds_what_one_run_does(db_url: str, tmp_path: Path) -> None:
    if db_url.startswith("postgresql"):  # the Job's pods run at once, on an empty database
        _finish([_pod(db_url, tmp_path, k) for k in range(N)])
    else:  # SQLite has one writer: the pods in some other order
        for k in (2, 0, 1):
            _finish([_pod(db_url, tmp_path, k)])
    full_url = f"sqlite:///{tmp_path / 'full.db'}"
    one = subprocess.run([sys.executable, "-m", "ragseed", "seed", "--quiet"], cwd=tmp_path,
                         env=_pod_env(full_url), capture_output=True, text=True)  # fmt: skip
    assert one.returncode == 0, one.stderr
    assert dump(db_url) == dump(full_url)
    cfg = make_config(db_url, num_users=7, docs_per_user=3)
    state = api.status(cfg).state
    assert state.complete and state.shard_count == N
    full = api.status(make_config(full_url, num_users=7, docs_per_user=3)).state
    assert state.fingerprint() == full.fingerprint()
    assert state.counts() == full.counts()
    # a retried pod finds its shard in the ledger and does nothing
    (again,) = _finish([_pod(db_url, tmp_path, 1)])
    assert "nothing to do" in again
    assert scalar(db_url, "SELECT count(*) FROM ragseed_runs WHERE kind = 'seed'") == N
    assert dump(db_url) == dump(full_url)


def test_the_documented_job_is_consistent() -> None:
    """docs/kubernetes.md's manifest: one N everywhere, Indexed, the URL from a Secret."""
    import re

    doc = (Path(__file__).resolve().parents[1] / "docs" / "kubernetes.md").read_text()
    (manifest,) = re.findall(r"```yaml\n(.*?)```", doc, flags=re.S)
    n = re.search(r"^  completions: (\d+)$", manifest, re.M)
    assert n is not None
    assert re.search(rf"^  parallelism: {n[1]}$", manifest, re.M)
    assert re.search(r"^  completionMode: Indexed$", manifest, re.M)
    assert f'value: "auto/{n[1]}"' in manifest and "name: RAGSEED_SHARD" in manifest
    assert re.search(r"name: DATABASE_URL\n\s+valueFrom:\n\s+secretKeyRef:", manifest)
    assert 'args: ["seed", "--quiet"]' in manifest and "pip install --no-cache-dir ragseed" in doc
