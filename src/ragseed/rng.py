"""Per-entity random streams and ids derived from (seed, kind, index).

Every generated value comes from a stream keyed by what it belongs to, never from a global RNG or
the clock, so user 7 is the same whether 10 or 100,000 users are seeded, on any machine, in any
order of generation. blake2b is stable across platforms and Python versions; `hash()` is not.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from hashlib import blake2b


def _key(seed: int, kind: str, index: tuple[int | str, ...]) -> bytes:
    return f"{seed}|{kind}|{'/'.join(map(str, index))}".encode()


def derive(seed: int, kind: str, *index: int | str) -> int:
    """A 64-bit integer that depends only on (seed, kind, index)."""
    return int.from_bytes(blake2b(_key(seed, kind, index), digest_size=8).digest(), "big")


def stream(seed: int, kind: str, *index: int | str) -> random.Random:
    """A private random stream for one entity."""
    return random.Random(derive(seed, kind, *index))


def hex_for(seed: int, kind: str, *index: int | str, nbytes: int = 16) -> str:
    return blake2b(_key(seed, kind, index), digest_size=nbytes).hexdigest()


def uuid_for(seed: int, kind: str, *index: int | str) -> str:
    """A version-4-shaped UUID string derived from (seed, kind, index)."""
    return _uuid_text(hex_for(seed, kind, *index))


def _uuid_text(h: str) -> str:
    variant = "89ab"[int(h[16], 16) & 3]
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{variant}{h[17:20]}-{h[20:32]}"


def uuids_for(seed: int, kind: str, *index: int | str) -> Callable[[int | str], str]:
    """``last -> uuid_for(seed, kind, *index, last)``, hashing the shared prefix only once."""
    head = blake2b(_key(seed, kind, (*index, "")), digest_size=16)

    def make(last: int | str) -> str:
        h = head.copy()
        h.update(str(last).encode())
        return _uuid_text(h.hexdigest())

    return make


def poisson(rng: random.Random, lam: float) -> int:
    """Knuth's Poisson sampler: exact, deterministic, fast enough for small lambda."""
    limit = pow(2.718281828459045, -lam)
    k, p = 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def lognormal_int(rng: random.Random, median: float, sigma: float, lo: int = 1) -> int:
    """A log-normal integer with the given median: many fast values and a long tail."""
    return max(lo, round(median * math.exp(rng.gauss(0.0, sigma))))
