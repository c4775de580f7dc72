"""What the vector sinks share (run/sinks.py's interface): the encoder, the digest of what they
wrote, and the steps a vector store has nothing to do in."""

from __future__ import annotations

from ..core.rows import Rows
from .block import VectorBlock, VectorEncoder


class VectorStore:
    def __init__(self, encoder: VectorEncoder, written: dict[str, int]) -> None:
        self._encoder = encoder
        self.written = written
        self.digest = 0  # sum of the written blocks' digests: folded into the fingerprint

    def encoder(self) -> VectorEncoder:
        return self._encoder

    def write_encoded(self, block: VectorBlock) -> None:
        raise NotImplementedError

    def write(self, rows: Rows) -> None:
        self.write_encoded(self._encoder.encode(rows))

    def update(self, table: str, rows: list[tuple[object, ...]], keys: tuple[str, ...]) -> None:
        pass  # a chunk's text never changes in place: its vector stays

    def prepare_bulk(self) -> None:
        pass

    def finish(self) -> None:
        pass

    def exclusive(self) -> bool:
        return True
