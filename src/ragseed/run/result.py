"""The result of a seed, whatever its mode (one transaction, shards, parallel)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass


#: progress(tenants done, tenants total, rows written so far)
Progress = Callable[[int, int, int], None]


@dataclass
class SeedResult:
    database: str
    counts: dict[str, int] = field(default_factory=dict)  # rows written by this run
    totals: dict[str, int] = field(default_factory=dict)  # rows in the tables afterwards
    skipped: bool = False
    reason: str = ""
    fingerprint: str = ""
    run_id: str = ""
    created_tables: tuple[str, ...] = ()
    static_users: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    action: str = "seed"  # seed | top-up | nothing
    mode: str = "atomic"  # atomic (one transaction) | shards (N processes) | parallel
    parts: list[SeedResult] = field(default_factory=list)  # each shard's, in shard order
    notes: list[str] = field(default_factory=list)  # warnings for the user (cli prints them)
