"""Where a seed's blocks go: the relational loader first, then any other store written beside it
(a vector store), inside the same decisions (fresh, nothing, top-up, shard, reset, recover).

A sink has the loader's interface (load/base.py): reset, prepare_bulk, an encoder that runs in
the producer processes, write_encoded, the top-up's delete / update / write, and finish. `Sinks`
combines them: its encoder encodes a block once per sink, in the producer processes, and
write_encoded hands each sink its own payload. The run only ever talks to `Sinks`, so adding a
store means adding a sink here, not another branch in atomic.py or parallel.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ..core.rows import Rows

if TYPE_CHECKING:
    from ..db.target import Target


class Encoding(Protocol):
    """What a sink's encoder does: picklable, pure, run where the rows are generated."""

    @property
    def target(self) -> Target: ...

    def tables(self) -> list[str]: ...

    def encode(self, rows: Rows) -> Any: ...


class Sink(Protocol):
    written: dict[str, int]

    def encoder(self) -> Encoding: ...

    def reset(self) -> None: ...

    def prepare_bulk(self) -> None: ...

    def write_encoded(self, payload: Any) -> None: ...

    def write(self, rows: Rows) -> None: ...

    def update(self, table: str, rows: list[tuple[object, ...]], keys: tuple[str, ...]) -> None: ...

    def delete(
        self, table: str, keys: list[tuple[object, ...]], columns: tuple[str, ...]
    ) -> None: ...

    def finish(self) -> None: ...

    def exclusive(self) -> bool: ...


@dataclass(frozen=True)
class SinksEncoder:
    """Each sink's encoding of one block, in sink order. Generated tables: the first sink's (the
    relational loader's), which every other sink reads from."""

    encoders: tuple[Encoding, ...]

    @property
    def target(self) -> Target:
        return self.encoders[0].target

    def tables(self) -> list[str]:
        return self.encoders[0].tables()

    def encode(self, rows: Rows) -> tuple[Any, ...]:
        return tuple(e.encode(rows) for e in self.encoders)


class Sinks:
    """The relational loader and the stores beside it, driven as one."""

    def __init__(self, loader: Sink, *others: Sink) -> None:
        self.loader = loader
        self.all: Sequence[Sink] = (loader, *others)

    @property
    def written(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for s in self.all:
            out.update(s.written)
        return out

    @property
    def digest(self) -> int:
        """What the other stores wrote, as a sum of per-item hashes (added to the fingerprint)."""
        return sum(int(getattr(s, "digest", 0)) for s in self.all[1:])

    def tables(self) -> list[str]:
        return self.encoder().tables()

    def encoder(self) -> SinksEncoder:
        return SinksEncoder(tuple(s.encoder() for s in self.all))

    def reset(self) -> None:
        for s in self.all:
            s.reset()

    def prepare_bulk(self) -> None:
        # Dependent stores first: a key pointing at the loader's tables is dropped before them.
        for s in reversed(self.all):
            s.prepare_bulk()

    def write_encoded(self, payloads: tuple[Any, ...]) -> None:
        for s, payload in zip(self.all, payloads, strict=True):
            s.write_encoded(payload)

    def write(self, rows: Rows) -> None:
        for s in self.all:
            s.write(rows)

    def update(self, table: str, rows: list[tuple[object, ...]], keys: tuple[str, ...]) -> None:
        for s in self.all:
            s.update(table, rows, keys)

    def delete(self, table: str, keys: list[tuple[object, ...]], columns: tuple[str, ...]) -> None:
        # Dependent stores first: what points at a row goes before the row.
        for s in reversed(self.all):
            s.delete(table, keys, columns)

    def finish(self) -> None:
        for s in self.all:
            s.finish()

    def exclusive(self) -> bool:
        return all(s.exclusive() for s in self.all)

    def after_commit(self, url: str) -> tuple[dict[str, int], list[str]]:
        """What stores outside the transaction (Qdrant) write once it committed: their counts
        (not tables of the database) and notes for the user."""
        counts: dict[str, int] = {}
        notes: list[str] = []
        for s in self.all:
            hook = getattr(s, "after_commit", None)
            if hook is not None:
                written, said = hook(url)
                counts.update(written)
                notes += said
        return counts, notes
