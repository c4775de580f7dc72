"""Generation as a stream of FK-closed blocks: memory is bounded by the block size, not the seed."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from .generate.rows import Clock, Rows, empty_rows
from .generate.tenant import tenant_rows
from .plan import Plan

BLOCK_ROWS = 20_000


def clock_for(plan: Plan) -> Clock:
    return Clock(int(plan.config.anchor.timestamp()))


def iter_blocks(
    plan: Plan, tenants: Iterable[int], block_rows: int = BLOCK_ROWS
) -> Iterator[tuple[int, Rows]]:
    """Yield (tenants in block, rows). A block holds whole tenants, so every row's parents are in
    the same or an earlier block."""
    clock = clock_for(plan)
    block, size, count = empty_rows(), 0, 0
    for u in tenants:
        rows = tenant_rows(plan, u, clock)
        for table, batch in rows.items():
            block[table].extend(batch)
            size += len(batch)
        count += 1
        if size >= block_rows:
            yield count, block
            block, size, count = empty_rows(), 0, 0
    if count:
        yield count, block
