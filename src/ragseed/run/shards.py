"""All N shards of a seed at once, in N processes: each is its own transaction."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..core.config import Config
from ..core.shard import Shard
from .atomic import seed
from .database import init, status
from .result import SeedResult

if TYPE_CHECKING:
    pass


def _seed_shard(config: Config, shard: Shard, graph: bool | None) -> SeedResult:
    return seed(config, shard=shard, graph=graph, producer_processes=0)


def seed_shards(config: Config, processes: int, *, graph: bool | None = None) -> SeedResult:
    """Seed all N shards at once in N processes (each shard is its own transaction). The result
    has each shard's in `parts`, and the seed's totals and fingerprint from the ledger."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from ..core.errors import ConfigError
    from .children import die_with_parent

    if processes < 1:
        raise ConfigError(f"--workers: must be at least 1 (got {processes})")
    init(config, graph=graph)
    shards = [Shard(k, processes) for k in range(processes)]
    ctx = get_context("spawn")
    t0 = time.perf_counter()
    with ProcessPoolExecutor(
        processes, mp_context=ctx, initializer=die_with_parent, initargs=(os.getpid(),)
    ) as pool:
        parts = [f.result() for f in [pool.submit(_seed_shard, config, s, graph) for s in shards]]
    state = status(config).state
    return SeedResult(
        database=parts[0].database, counts=_sum(p.counts for p in parts), totals=state.counts(),
        fingerprint=state.fingerprint(), skipped=all(p.skipped for p in parts),
        action="nothing" if all(p.skipped for p in parts) else "seed", mode="shards",
        parts=parts, static_users=parts[0].static_users, seconds=time.perf_counter() - t0,
        notes=[n for p in parts for n in p.notes],
    )  # fmt: skip


def _sum(counts: Iterable[dict[str, int]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for c in counts:
        for table, n in c.items():
            out[table] = out.get(table, 0) + n
    return out
