"""A content fingerprint of generated rows that does not depend on their order.

Each row hashes to 128 bits and the fingerprint is their sum modulo 2**128, so shards, top-ups and
any generation order combine to the same value as one full run.
"""

from __future__ import annotations

from hashlib import blake2b

from .generate.rows import Row, Rows

_MOD = 1 << 128


def row_digest(table: str, row: Row) -> int:
    text = (
        table
        + "\x1e"
        + "\x1f".join(
            ",".join(v) if isinstance(v, list) else "\x00" if v is None else str(v) for v in row
        )
    )
    return int.from_bytes(blake2b(text.encode(), digest_size=16).digest(), "big")


class Fingerprint:
    def __init__(self, value: int = 0) -> None:
        self.value = value

    def add(self, rows: Rows, *, mask_api_keys: bool = False) -> None:
        """Add rows. mask_api_keys: leave users.api_key out (staging keys are random)."""
        total = self.value
        for table, batch in rows.items():
            if table == "users" and mask_api_keys:
                batch = [(r[0], r[1], "", *r[3:]) for r in batch]
            for row in batch:
                total += row_digest(table, row)
        self.value = total % _MOD

    def combine(self, other: Fingerprint) -> Fingerprint:
        return Fingerprint((self.value + other.value) % _MOD)

    def hex(self) -> str:
        return f"{self.value:032x}"

    @classmethod
    def from_hex(cls, text: str) -> Fingerprint:
        return cls(int(text, 16))
