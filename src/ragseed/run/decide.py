"""What a seed run does, decided from the ledger before anything is written: a fresh seed, nothing
(this seed, or this shard of it, is there), a top-up (the config grew), or a refusal that says
why. Every sink follows the same decision."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ..core.errors import LedgerError
from ..core.fingerprint import Fingerprint
from ..core.shard import Shard

if TYPE_CHECKING:
    from ..core.config import Config
    from ..core.plan import Plan
    from . import ledger


@dataclass(frozen=True)
class Decision:
    action: str  # "seed" | "nothing" | "top-up"
    seeded: Plan | None = None  # top-up: the plan of the seed that is there
    base: Fingerprint = field(default_factory=Fingerprint)  # top-up: its fingerprint


def decide(
    state: ledger.State,
    config: Config,
    plan: Plan,
    identity: dict[str, Any],
    digest: str,
    shard: Shard,
    *,
    seeded_rows: bool,
    foreign_rows: bool,
) -> Decision:
    """seeded_rows: the users table holds rows (the ledger's runs may predate a manual DELETE);
    foreign_rows: the RAG tables hold rows."""
    head = state.head if state.runs and seeded_rows else None
    if config.reset:
        return Decision("seed")
    if head is None:
        if foreign_rows:
            raise LedgerError(
                "the RAG tables already hold rows that ragseed did not write. Re-run with "
                "--reset to empty them first (this deletes those rows)."
            )
        return Decision("seed")
    if head.config_hash == digest:
        if state.shard_count == 1 or shard.index in state.done_shards:
            return Decision("nothing")
        if state.shard_count != shard.count:
            raise LedgerError(
                f"this database is being seeded in {state.shard_count} shards, not "
                f"{shard.count}: run the missing shards {missing_shards(state)} with "
                f"--shard K/{state.shard_count}"
            )
        return Decision("seed")
    from .topup import check_growth, seeded_config

    check_growth(head.config, identity)
    if not state.complete or shard.count > 1:
        raise LedgerError(
            "a top-up needs a complete seed and runs unsharded: finish shards "
            f"{missing_shards(state)} of {state.shard_count} first, or drop --shard"
        )
    seeded = replace(plan, config=seeded_config(head.config, config))
    return Decision("top-up", seeded, Fingerprint.from_hex(state.fingerprint()))


def missing_shards(state: ledger.State) -> str:
    missing = sorted(set(range(state.shard_count)) - state.done_shards)
    return ", ".join(map(str, missing)) or "none"
