"""Generation overlapped with loading: generator processes feed the process that holds the
connection through a bounded queue, so the database is the bottleneck and memory stays flat. That
process generates too whenever no block is waiting (see run).

Blocks hold whole tenants, so they can be loaded in any order without breaking a foreign key; the
fingerprint is a sum, so the order does not change it either.
"""

from __future__ import annotations

import gc
import os
import queue as queue_mod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ..core.plan import Plan
from .blocks import BLOCK_ROWS, FIRST_BLOCK_ROWS, iter_blocks
from .children import die_with_parent
from .sinks import Encoding

#: Tenants go to generator processes in runs of this many: dealt round-robin, or claimed.
DEAL = 32
#: Below this many expected chunk rows, a generator process costs more than it saves.
INLINE_BELOW = 5_000


#: Young-generation threshold while generating (Python's default is 700).
GC_THRESHOLD = 50_000


@contextmanager
def lean_gc() -> Iterator[None]:
    """Generation allocates millions of short-lived tuples and lists and almost no reference
    cycles, yet the cyclic collector, at its default thresholds, took 3.5% of generation time
    (perf). Freeze what exists (modules, text tables) and collect young objects far less often;
    both are restored on exit (a freeze of the caller's own is left alone)."""
    old, mine = gc.get_threshold(), gc.get_freeze_count() == 0
    if mine:
        gc.freeze()
    gc.set_threshold(GC_THRESHOLD, old[1], old[2])
    try:
        yield
    finally:
        gc.set_threshold(*old)
        if mine:
            gc.unfreeze()


@dataclass(frozen=True)
class Produced:
    tenants: int
    rows: int
    encoded: Any  # the encoder's payload (for Sinks: one per sink)
    fingerprint: int


def produce(
    plan: Plan,
    tenants: Iterable[int],
    encoder: Encoding,
    block_rows: int = BLOCK_ROWS,
    first_rows: int = FIRST_BLOCK_ROWS,
) -> Iterator[Produced]:
    for block in iter_blocks(plan, tenants, block_rows, encoder.tables(), first_rows):
        total = sum(len(b) for b in block.rows.values())
        yield Produced(block.tenants, total, encoder.encode(block.rows), block.fingerprint)


def deal(tenants: Sequence[int], process: int, processes: int) -> list[int]:
    return [u for i, u in enumerate(tenants) if (i // DEAL) % processes == process]


def claims(
    tenants: Sequence[int], counter: Any, first: int | None = None
) -> Iterator[Sequence[int]]:
    """Runs of DEAL tenants, each taken by whichever process asks first (counter: a shared
    multiprocessing Value): the work spreads itself, whatever each process's speed. first: a run
    that is this process's own (the counter must start past it), taken before any other."""
    if first is not None:
        part = tenants[first * DEAL : (first + 1) * DEAL]
        if not part:
            return
        yield part
    while True:
        with counter.get_lock():
            run = counter.value
            counter.value += 1
        part = tenants[run * DEAL : (run + 1) * DEAL]
        if not part:
            return
        yield part


@dataclass(frozen=True)
class _Done:
    process: int


@dataclass(frozen=True)
class _Failed:
    process: int
    error: str


def claimed(
    plan: Plan, tenants: Sequence[int], counter: Any, encoder: Encoding, block_rows: int
) -> Iterator[Produced]:
    """A generator process's blocks: they grow to block_rows across claims, as without claims
    (a block per claim would be a few thousand rows: a COPY or executemany per table each)."""
    claimed = (u for part in claims(tenants, counter) for u in part)
    return produce(plan, claimed, encoder, block_rows)


def claimed_by_loader(
    plan: Plan, tenants: Sequence[int], counter: Any, encoder: Encoding, block_rows: int
) -> Iterator[Produced]:
    """The loading process's blocks: one per claim, so that the writer is never away long."""
    for part in claims(tenants, counter):
        yield from produce(plan, part, encoder, block_rows, first_rows=block_rows)


def _produce_into(
    plan: Plan, tenants: Sequence[int], encoder: Encoding, block_rows: int, process: int, q: Any,
    parent: int, counter: Any = None,
) -> None:  # fmt: skip
    die_with_parent(parent)
    try:
        if counter is None:
            items = produce(plan, tenants, encoder, block_rows)
        else:
            items = claimed(plan, tenants, counter, encoder, block_rows)
        with lean_gc():
            for item in items:
                while True:
                    try:
                        q.put(item, timeout=1.0)
                        break
                    except queue_mod.Full:
                        if os.getppid() != parent:
                            return
        q.put(_Done(process))
    except BaseException as exc:  # reported to the parent, which raises it
        import traceback

        q.put(_Failed(process, "".join(traceback.format_exception(exc)).strip()))


def expected_chunks(plan: Plan, tenants: Sequence[int]) -> float:
    cfg = plan.config
    docs = sum(plan.doc_count(u) for u in tenants)
    return docs * min(cfg.max_chunks, max(cfg.min_chunks, cfg.chunk_lambda))


def default_processes(plan: Plan, tenants: Sequence[int], dialect: str = "postgresql") -> int:
    """Generator processes besides the loading one (which generates too, see run(share=...)):
    none for small seeds; on PostgreSQL one, since the server backend needs the other core; on
    SQLite, where writing is cheap, one per remaining core."""
    cores = os.cpu_count() or 1
    if expected_chunks(plan, tenants) < INLINE_BELOW or cores < 2:
        return 0
    return 1 if dialect == "postgresql" else min(cores - 1, 3)


def run(
    plan: Plan,
    tenants: Sequence[int],
    encoder: Encoding,
    processes: int | None = None,
    block_rows: int = BLOCK_ROWS,
    share: bool = True,
) -> Iterator[Produced]:
    """Yield produced blocks; processes=0 generates in this process.

    share: this process generates too whenever no block is waiting, and tenants go to whoever
    asks first. No block waiting means that generation is the bottleneck, so the database has
    time to spare: on SQLite, where writing leaves most of a core idle, and on PostgreSQL when
    the server's work per row is light (short chunks, no GIN index). When the server is the
    bottleneck, blocks are always waiting and this process only writes."""
    if processes is None:
        processes = default_processes(plan, tenants, encoder.target.dialect)
    if processes <= 0:
        yield from produce(plan, tenants, encoder, block_rows)
        return
    import multiprocessing as mp

    # fork starts at once with everything imported; the child never touches the parent's open
    # database connection and leaves through os._exit, so no finalizer can close it.
    # Forking a process that runs other threads can copy a held lock: spawn then.
    import threading

    forkable = "fork" in mp.get_all_start_methods() and threading.active_count() == 1
    ctx: Any = mp.get_context("fork" if forkable else "spawn")
    q = ctx.Queue(maxsize=3 * processes)
    counter = ctx.Value("q", 0) if share else None
    parent = os.getpid()
    procs = []
    for i in range(processes):
        given = tenants if share else deal(tenants, i, processes)
        args = (plan, given, encoder, block_rows, i, q, parent, counter)
        procs.append(ctx.Process(target=_produce_into, args=args, daemon=True))
    own = claimed_by_loader(plan, tenants, counter, encoder, block_rows) if share else iter(())
    for p in procs:
        p.start()
    try:
        running = processes
        mine = share
        while running or mine:
            try:
                item = q.get_nowait() if mine else q.get(timeout=2.0)
            except queue_mod.Empty:
                if mine:  # no block waiting: make one here
                    block = next(own, None)
                    if block is None:
                        mine = False
                    else:
                        yield block
                    continue
                # nothing yet: make sure the generators are still alive
                dead = [p for p in procs if not p.is_alive() and p.exitcode not in (0, None)]
                if dead:
                    code = dead[0].exitcode
                    raise RuntimeError(f"a generator process died (exit code {code})") from None
                continue
            if isinstance(item, _Done):
                running -= 1
            elif isinstance(item, _Failed):
                raise RuntimeError(f"generator process {item.process} failed:\n{item.error}")
            else:
                yield item
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()
        for p in procs:
            p.join(timeout=5)
        q.close()
