"""A content fingerprint of the seeded rows that does not depend on generation order.

Each tenant's rows (tables in FK order, rows in generation order) hash to 128 bits, and the
fingerprint is the sum of the tenants' hashes modulo 2**128: shards, top-ups, parallel workers and
any block order combine to the same value as one full run.
"""

from __future__ import annotations

import marshal
from collections.abc import Sequence
from hashlib import sha256

from .rows import Rows

_MOD = 1 << 128
# marshal format 2 writes values only: no references to repeated objects (format 3 added them),
# so equal rows give equal bytes however they were built. It is fixed across Python versions.
_MARSHAL_FORMAT = 2


def tenant_digest(rows: Rows, tables: Sequence[str], *, mask_api_keys: bool = False) -> int:
    """The hash of one tenant's rows in the given tables. mask_api_keys: leave users.api_key out
    (staging keys are random, so they cannot be part of a reproducible fingerprint)."""
    h = sha256()
    for table in tables:
        batch = rows.get(table, [])
        if table == "users" and mask_api_keys:
            batch = [(r[0], r[1], "", *r[3:]) for r in batch]
        h.update(marshal.dumps((table, batch), _MARSHAL_FORMAT))
    return int.from_bytes(h.digest()[:16], "big")


class Fingerprint:
    def __init__(self, value: int = 0) -> None:
        self.value = value % _MOD

    def combine(self, other: Fingerprint | int) -> Fingerprint:
        value = other.value if isinstance(other, Fingerprint) else other
        return Fingerprint(self.value + value)

    def hex(self) -> str:
        return f"{self.value:032x}"

    @classmethod
    def from_hex(cls, text: str) -> Fingerprint:
        return cls(int(text, 16))
