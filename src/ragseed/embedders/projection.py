"""``--dim N`` for models of a fixed size: a seeded, deterministic orthogonal map to N dimensions.

A vector of size d is padded with zeros to D = max(d, N), its coordinates permuted and their signs
flipped, then reflected by K Householder reflections ``x -> x - 2 (u . x) u`` whose unit vectors u
are seeded Gaussian draws: the product is an orthogonal D x D matrix (the form in which
Householder QR of a Gaussian matrix returns its Q), applied in O(K * D) per vector instead of the
O(D * d) of a dense matrix, in pure Python. Its first N rows are kept.

Projecting up (N >= d) keeps every inner product, so cosines are unchanged (to float rounding).
Projecting down keeps N of the D mixed coordinates, a random subspace: cosines are kept only
approximately (well for dense model vectors, whose energy is spread over all coordinates).

The map depends only on (d, N) and a fixed seed, never on the run's --seed: the engine embedding
a question must project it exactly as seeding projected the chunks.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence
from functools import cache
from operator import mul

from ..core import rng as R
from ..core.errors import ConfigError
from .base import Embedder
from .normalise import fallback_into, unit_into

SEED = 0x5EED
REFLECTIONS = 3
MAX_DIM = 65_536
Vector = tuple[float, ...]


def _unit(values: list[float]) -> tuple[float, ...]:
    norm = math.sqrt(math.fsum(map(mul, values, values)))
    return tuple(v / norm for v in values)


@cache
def plan(
    d_in: int, d_out: int
) -> tuple[tuple[int, ...], tuple[float, ...], tuple[tuple[float, ...], ...]]:
    """(permutation, signs, reflection unit vectors) of the map from d_in to d_out dimensions."""
    size = max(d_in, d_out)
    rng = R.stream(SEED, "embedder-projection", d_in, d_out)
    order = list(range(size))
    R.shuffle(rng, order)
    signs = tuple(-1.0 if b & 1 else 1.0 for b in R.randbytes(rng, size))
    reflections = tuple(
        _unit([R.gauss(rng, 0.0, 1.0) for _ in range(size)]) for _ in range(REFLECTIONS)
    )
    return tuple(order), signs, reflections


def project(vector: Sequence[float], d_out: int) -> list[float]:
    """``vector`` mapped to ``d_out`` dimensions (not normalised)."""
    d_in = len(vector)
    order, signs, reflections = plan(d_in, d_out)
    x = [0.0] * len(order)
    for j, i in enumerate(order):  # pad, permute, flip: exact
        if i < d_in:
            x[j] = signs[j] * vector[i]
    fsum = math.fsum
    for u in reflections:
        c = 2.0 * fsum(map(mul, u, x))
        x = [a - c * b for a, b in zip(x, u, strict=True)]
    return x[:d_out]


class Projected(Embedder):
    """Another embedder's vectors, mapped to ``dim`` dimensions by :func:`project`."""

    def __init__(self, inner: Embedder, dim: int) -> None:
        if not 2 <= dim <= MAX_DIM:
            raise ConfigError(f"--dim {dim} is out of range: use 2 to {MAX_DIM}")
        self.inner, self.dim = inner, dim
        self.name = f"{inner.name}@{dim}"

    def _embed_into(self, texts: Sequence[str], out: array) -> None:  # type: ignore[type-arg]
        raw = self.inner.embed_array(texts)
        d_in = self.inner.dim
        for row in range(len(texts)):
            y = project(raw[row * d_in : (row + 1) * d_in].tolist(), self.dim)
            if not unit_into(y, out, row * self.dim):
                fallback_into(out, row * self.dim)
