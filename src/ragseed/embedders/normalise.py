"""Turning a model's raw vector into a stored one: L2-normalised in double precision with
correctly rounded operations (``math.fsum``, ``math.sqrt``, one division per value), then
rounded to float32, so the same raw vector gives the same bytes on every machine."""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence
from operator import mul


def unit_into(values: Sequence[float], out: array, offset: int) -> bool:  # type: ignore[type-arg]
    """Write ``values / |values|`` into ``out[offset : offset + len(values)]``; False (and nothing
    written) for a zero vector."""
    norm = math.sqrt(math.fsum(map(mul, values, values)))
    if norm == 0.0 or not math.isfinite(norm):
        return False
    out[offset : offset + len(values)] = array("f", [v / norm for v in values])
    return True


def fallback_into(out: array, offset: int) -> None:  # type: ignore[type-arg]
    """A text with nothing to embed (empty, or no word the model knows) gets the first axis: a
    unit vector like any other (a zero vector has no cosine: pgvector returns NaN for it)."""
    out[offset] = 1.0
