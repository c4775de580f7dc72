"""Per-entity random streams and ids derived from (seed, kind, index).

Every generated value comes from a stream keyed by what it belongs to, never from a global RNG or
the clock, so user 7 is the same whether 10 or 100,000 users are seeded, on any machine, in any
order of generation. blake2b is stable across platforms and Python versions; `hash()` is not.
"""

from __future__ import annotations

import _random
import math
import random
from bisect import bisect
from collections.abc import Callable, Sequence
from hashlib import blake2b
from typing import TypeVar

T = TypeVar("T")


def stream_key(seed: int, kind: str, index: tuple[int | str, ...]) -> bytes:
    """The bytes every stream, id and hash of (seed, kind, index) derives from:
    ``f"{seed}|{kind}|{'/'.join(index)}"``."""
    # Most keys have one to three parts: formatted directly, the same text as the join.
    n = len(index)
    if n == 2:
        return f"{seed}|{kind}|{index[0]}/{index[1]}".encode()
    if n == 3:
        return f"{seed}|{kind}|{index[0]}/{index[1]}/{index[2]}".encode()
    if n == 1:
        return f"{seed}|{kind}|{index[0]}".encode()
    return f"{seed}|{kind}|{'/'.join(map(str, index))}".encode()


def derive(seed: int, kind: str, *index: int | str) -> int:
    """A 64-bit integer that depends only on (seed, kind, index)."""
    return int.from_bytes(blake2b(stream_key(seed, kind, index), digest_size=8).digest(), "big")


_new_random = random.Random.__new__
_seed_random = _random.Random.seed


def stream(seed: int, kind: str, *index: int | str) -> random.Random:
    """A private random stream for one entity: ``random.Random(derive(seed, kind, *index))``."""
    # The same object and state as that call, without random.py's interpreted __init__ and seed()
    # around the C seeding (about an eighth of a stream's cost; a tenant seeds ~50 streams).
    rng = _new_random(random.Random)
    _seed_random(rng, derive(seed, kind, *index))
    rng.gauss_next = None  # type: ignore[attr-defined]
    return rng


def hex_for(seed: int, kind: str, *index: int | str, nbytes: int = 16) -> str:
    return blake2b(stream_key(seed, kind, index), digest_size=nbytes).hexdigest()


def uuid_for(seed: int, kind: str, *index: int | str) -> str:
    """A version-4-shaped UUID string derived from (seed, kind, index)."""
    return _uuid_text(hex_for(seed, kind, *index))


def _uuid_text(h: str) -> str:
    variant = "89ab"[int(h[16], 16) & 3]
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{variant}{h[17:20]}-{h[20:32]}"


def uuids_for(seed: int, kind: str, *index: int | str) -> Callable[[int | str], str]:
    """``last -> uuid_for(seed, kind, *index, last)``, hashing the shared prefix only once."""
    head = blake2b(stream_key(seed, kind, (*index, "")), digest_size=16)

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
    return max(lo, round(median * math.exp(gauss(rng, 0.0, sigma))))


# Every draw a generator makes goes through these functions, never through random.Random's
# methods: Python guarantees only that random() repeats across versions, and says its other
# algorithms may change, which would change seeded rows. They are the methods' algorithms as of
# Python 3.11 to 3.13 (identical there), so rows did not change; tests/test_rng.py checks each
# against the method, values and the stream's state after.


def below(rng: random.Random, n: int) -> int:
    """``rng.randrange(n)``: a random int in [0, n)."""
    if n <= 0:
        raise ValueError("empty range for randrange()")
    getrandbits = rng.getrandbits
    k = n.bit_length()
    r: int = getrandbits(k)
    while r >= n:
        r = getrandbits(k)
    return r


def choice(rng: random.Random, seq: Sequence[T]) -> T:
    """``rng.choice(seq)``."""
    if not len(seq):
        raise IndexError("Cannot choose from an empty sequence")
    return seq[below(rng, len(seq))]


def randint(rng: random.Random, a: int, b: int) -> int:
    """``rng.randint(a, b)``."""
    return a + below(rng, b - a + 1)


def shuffle(rng: random.Random, x: list[T]) -> None:
    """``rng.shuffle(x)``."""
    for i in range(len(x) - 1, 0, -1):
        j = below(rng, i + 1)
        x[i], x[j] = x[j], x[i]


def sample(rng: random.Random, population: Sequence[T], k: int) -> list[T]:
    """``rng.sample(population, k)``: k distinct positions, by a pool or by a set of picks."""
    n = len(population)
    if not 0 <= k <= n:
        raise ValueError("Sample larger than population or is negative")
    setsize = 21
    if k > 5:
        setsize += 4 ** math.ceil(math.log(k * 3, 4))
    result: list[T] = []
    if n <= setsize:
        pool = list(population)
        for i in range(k):
            j = below(rng, n - i)
            result.append(pool[j])
            pool[j] = pool[n - i - 1]
    else:
        selected: set[int] = set()
        for _ in range(k):
            j = below(rng, n)
            while j in selected:
                j = below(rng, n)
            selected.add(j)
            result.append(population[j])
    return result


def weighted(rng: random.Random, population: Sequence[T], cum_weights: Sequence[float]) -> T:
    """``rng.choices(population, cum_weights=cum_weights)[0]``."""
    total = cum_weights[-1] + 0.0
    return population[bisect(cum_weights, rng.random() * total, 0, len(population) - 1)]


def gauss(rng: random.Random, mu: float, sigma: float) -> float:
    """``rng.gauss(mu, sigma)``, sharing the method's spare value (``gauss_next``)."""
    # gauss_next: random.Random's spare value, set by __init__ (typeshed does not declare it)
    z: float | None = rng.gauss_next  # type: ignore[attr-defined]
    rng.gauss_next = None  # type: ignore[attr-defined]
    if z is None:
        x2pi = rng.random() * math.tau
        g2rad = math.sqrt(-2.0 * math.log(1.0 - rng.random()))
        z = math.cos(x2pi) * g2rad
        rng.gauss_next = math.sin(x2pi) * g2rad  # type: ignore[attr-defined]
    return mu + z * sigma


def expovariate(rng: random.Random, lambd: float) -> float:
    """``rng.expovariate(lambd)``."""
    return -math.log(1.0 - rng.random()) / lambd


def randbytes(rng: random.Random, n: int) -> bytes:
    """``rng.randbytes(n)``."""
    bits: int = rng.getrandbits(n * 8)
    return bits.to_bytes(n, "little")
