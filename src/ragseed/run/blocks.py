"""Generation as a stream of FK-closed blocks: memory is bounded by the block size, not the seed."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from ..core.fingerprint import tenant_digest
from ..core.plan import Plan
from ..core.rows import Clock, Rows, empty_rows
from ..generate.tenant import tenant_rows

BLOCK_ROWS = 10_000
#: The first block is small so that loading starts early; blocks then double up to BLOCK_ROWS.
FIRST_BLOCK_ROWS = 2_000


def clock_for(plan: Plan) -> Clock:
    return Clock(int(plan.config.anchor.timestamp()))


@dataclass
class Block:
    tenants: int
    rows: Rows
    fingerprint: int  # sum of the tenants' digests (not yet reduced)


def iter_blocks(
    plan: Plan,
    tenants: Iterable[int],
    block_rows: int = BLOCK_ROWS,
    tables: Sequence[str] | None = None,
    first_rows: int = FIRST_BLOCK_ROWS,
) -> Iterator[Block]:
    """Blocks of whole tenants, so every row's parents are in the same or an earlier block.
    `tables` are the ones written (and fingerprinted); rows of other tables are dropped."""
    clock = clock_for(plan)
    keep = list(tables) if tables is not None else list(empty_rows())
    mask = plan.config.environment == "staging"
    block, size, count, fp = empty_rows(), 0, 0, 0
    limit = min(first_rows, block_rows)
    for u in tenants:
        rows = tenant_rows(plan, u, clock)
        fp += tenant_digest(rows, keep, mask_api_keys=mask)
        for table in keep:
            batch = rows[table]
            block[table].extend(batch)
            size += len(batch)
        count += 1
        if size >= limit:
            yield Block(count, block, fp)
            block, size, count, fp = empty_rows(), 0, 0, 0
            limit = min(2 * limit, block_rows)
    if count:
        yield Block(count, block, fp)
