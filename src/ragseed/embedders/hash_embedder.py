"""The default embedder: weighted feature hashing of words, any dimension, no dependency.

A word w of a text adds ``sign(w) * idf(w) * (1 + ln tf)`` to coordinate ``index(w)``, where
index and sign come from blake2b of the word (one hash bit picks the sign, so colliding words
cancel out on average instead of piling up) and idf from a fixed table of how many generated
chunks hold the word (:mod:`.idf`). Function words are dropped (:mod:`.stopwords`). Without the
weights, words every chunk shares (templates, "the", "system") made any two English chunks
~0.72 cosine apart; with them a chunk is clearly nearer its own document and the questions asked
about it (docs/embedders.md has the measurements).

Determinism: a text's vector is computed alone (never from its batch), with IEEE double
operations in a fixed order, ``math.fsum`` (correctly rounded) and ``math.sqrt``, and a
tabulated ``1 + ln tf``: no libm function whose last bit may differ between platforms.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Sequence
from hashlib import blake2b
from itertools import chain, compress
from operator import mul

from ..core.errors import ConfigError
from .base import Embedder
from .idf import idf_table
from .normalise import fallback_into, unit_into
from .stopwords import STOP
from .words import tokens, words

DEFAULT_DIM = 256
MAX_DIM = 65_536

# 1 + ln(tf) for tf = 1..32, written out (math.log's last bit is the platform libm's). Beyond 32
# the weight stays at 1 + ln 32: a saturating term frequency, like BM25's; chunks never get there.
_TF: tuple[float, ...] = (
    0.0, 1.0, 1.6931471805599454, 2.09861228866811, 2.386294361119891, 2.6094379124341005,
    2.791759469228055, 2.9459101490553135, 3.0794415416798357, 3.1972245773362196,
    3.302585092994046, 3.3978952727983707, 3.4849066497880004, 3.5649493574615367,
    3.6390573296152584, 3.70805020110221, 3.772588722239781, 3.833213344056216,
    3.8903717578961645, 3.9444389791664403, 3.995732273553991, 4.044522437723423,
    4.091042453358316, 4.13549421592915, 4.178053830347945, 4.218875824868201,
    4.258096538021482, 4.295836866004329, 4.332204510175204, 4.367295829986475,
    4.401197381662156, 4.433987204485146, 4.465735902799727,
)  # fmt: skip
_MAX_TF = len(_TF) - 1
# The per-word cache is cleared when it grows past this (real corpora have unbounded
# vocabularies); what it holds never changes a result, only how fast it comes.
_CACHE_LIMIT = 500_000

Features = tuple[tuple[int, float], ...]  # (coordinate, signed weight) of each word of a token


def word_hash(word: str) -> int:
    """64 stable bits of a word: blake2b, the same on every platform and Python version."""
    digest = blake2b(word.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little")


class HashEmbedder(Embedder):
    """Weighted signed feature hashing of words (see the module docstring)."""

    def __init__(self, dim: int = DEFAULT_DIM) -> None:
        if not 2 <= dim <= MAX_DIM:
            raise ConfigError(
                f"--dim {dim} is out of range for the hash embedder: use 2 to {MAX_DIM}"
                f" (default {DEFAULT_DIM})"
            )
        self.dim = dim
        self.name = f"hash:{dim}"
        self._idf, self._default_idf = idf_table()
        self._cache: dict[bytes, Features] = {}

    def features(self, token: bytes) -> Features:
        """Where and how much a raw token from :func:`~.words.tokens` counts (usually one
        coordinate; none for a stop word)."""
        out = []
        for word in words(token):
            if word in STOP or (len(word) == 1 and not word.isdigit()):
                continue
            weight = self._idf.get(word, self._default_idf)
            if weight <= 0.0:
                continue
            h = word_hash(word)
            out.append(((h >> 1) % self.dim, -weight if h & 1 else weight))
        return tuple(out)

    def _embed_into(self, texts: Sequence[str], out: array) -> None:  # type: ignore[type-arg]
        # Pure Python at ~20,000 chunks/s per core: the per-token loops run in C (Counter, map,
        # dict, chain, compress) wherever the result is the same as the plain loop's.
        cache = self._cache
        get = cache.__getitem__
        tf, max_tf, dim = _TF, _MAX_TF, self.dim
        fsum, sqrt, flat = math.fsum, math.sqrt, chain.from_iterable
        for row, text in enumerate(texts):
            # Counter keeps first-occurrence order, so the sums below run in an order fixed by
            # the text alone.
            counts = Counter(tokens(text))
            if not cache.keys() >= counts.keys():  # iterates counts only, unlike `-`
                if len(cache) > _CACHE_LIMIT:
                    cache.clear()
                for token in counts:
                    if token not in cache:
                        cache[token] = self.features(token)
            found = list(map(get, counts))
            if max(counts.values(), default=1) == 1:  # no repeated token: weight * tf[1] == weight
                pairs = list(flat(found))
            else:  # only content tokens (non-empty features) are weighed by their count
                pairs = [
                    (i, w * tf[n if n < max_tf else max_tf])
                    for fs, n in compress(zip(found, counts.values(), strict=True), found)
                    for i, w in fs
                ]
            acc = dict(pairs)
            if len(acc) < len(pairs):  # words share a coordinate: add them up, in text order
                acc = {}
                for i, w in pairs:
                    acc[i] = acc.get(i, 0.0) + w
            values = list(acc.values())
            norm = sqrt(fsum(map(mul, values, values)))
            if norm == 0.0:  # no content word (rare: "How is it?"), or colliding words cancelled
                self._plain_into(text, out, row * dim)
                continue
            base = row * dim
            for i, v in zip(acc, values, strict=True):  # a plain loop beats map() here
                out[base + i] = v / norm

    def _plain_into(self, text: str, out: array, offset: int) -> None:  # type: ignore[type-arg]
        """Every word counted once with weight 1, function words included: a text of function
        words only still gets a vector of its own."""
        acc: dict[int, float] = {}
        for word in dict.fromkeys(w for t in tokens(text) for w in words(t)):
            h = word_hash(word)
            i = (h >> 1) % self.dim
            acc[i] = acc.get(i, 0.0) + (-1.0 if h & 1 else 1.0)
        dense = [0.0] * self.dim
        for i, v in acc.items():
            dense[i] = v
        if not unit_into(dense, out, offset):
            fallback_into(out, offset)
