"""Shards: the K-th of N disjoint parts of a seed, partitioned by tenant, and where K/N comes
from (a flag, RAGSEED_SHARD, or a Kubernetes Indexed Job's pod index)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from .errors import ConfigError


@dataclass(frozen=True)
class Shard:
    """The K-th (from 0) of N disjoint parts of a seed, partitioned by tenant."""

    index: int = 0
    count: int = 1

    def tenants(self, num_users: int) -> range:
        return range(self.index, num_users, self.count)

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


FULL = Shard()


SHARD_VAR = "RAGSEED_SHARD"


#: The pod's index in a Kubernetes Indexed Job (0 to completions - 1).
INDEX_VAR = "JOB_COMPLETION_INDEX"


def parse_shard(text: str | None, environ: Mapping[str, str] | None = None) -> Shard:
    """`--shard` K/N or auto/N, else RAGSEED_SHARD, else the full seed. auto takes K from
    JOB_COMPLETION_INDEX, so N pods of one Indexed Job can share one spec. Raises ConfigError."""
    import re

    environ = os.environ if environ is None else environ
    where = "--shard"
    if not text:
        text, where = environ.get(SHARD_VAR, ""), SHARD_VAR
        if not text:
            return FULL
    m = re.fullmatch(r"\s*(\d+|auto)\s*/\s*(\d+)\s*", text, re.ASCII)
    if m is None or int(m[2]) < 1:
        raise ConfigError(
            f"{where}: expected K/N with 0 <= K < N (e.g. 0/4), or auto/N (got {text!r})"
        )
    k, n = m[1], int(m[2])
    if k == "auto":
        k = environ.get(INDEX_VAR, "").strip()
        if not re.fullmatch(r"\d+", k, re.ASCII):
            what = "not set" if not k else f"{k!r}, not a number"
            raise ConfigError(
                f"{where}: {text.strip()} takes K from {INDEX_VAR}, which is {what} (Kubernetes "
                "sets it in each pod of an Indexed Job)"
            )
        if int(k) >= n:
            raise ConfigError(
                f"{INDEX_VAR}: {k} is out of range for {where} {text.strip()}: expected 0 to "
                f"{n - 1} (the Job's completions must be {n})"
            )
    elif int(k) >= n:
        raise ConfigError(
            f"{where}: expected K/N with 0 <= K < N (e.g. 0/4), or auto/N (got {text!r})"
        )
    return Shard(int(k), n)
