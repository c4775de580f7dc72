"""``wordllama``: WordLlama's pretrained static token embeddings (l2_supercat, 256-d), mean-pooled.

Optional (``pip install 'ragseed[wordllama]'``). The weights and tokenizer ship in the wordllama
wheel; they are read from its files directly, without importing the wordllama package, because
its import configures the root logger (so the library would print) and ``WordLlama.load()``
tries to download the tokenizer it already has.

Pooling is done here rather than by ``WordLlamaInference.embed()``: embed() pads every batch to
its longest text (~750 chunks/s), this reads each text's own token rows (~4,000 chunks/s), and a
text's vector does not depend on its batch. It equals embed(norm=True) to ~1e-7
(tests/test_embedders_wordllama.py): the token rows are summed in float64, row after row (no
BLAS or pairwise summation whose order could change with the CPU), normalised with a correctly
rounded norm (``math.fsum``), and rounded to float32.

The model is useless for Arabic: its tokenizer reduces Arabic to single letters, so all Arabic
chunks get nearly the same vector. Arabic text is refused with a ConfigError instead of written.
"""

from __future__ import annotations

import importlib.util
import math
from array import array
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..core.errors import ConfigError
from .base import Embedder
from .normalise import fallback_into
from .words import arabic_share

DIM = 256
WEIGHTS = "weights/l2_supercat_256.safetensors"
TOKENIZER = "tokenizers/l2_supercat_tokenizer_config.json"
#: A text with more Arabic than this share of its letters is refused (a few Arabic names in an
#: English text do no harm).
ARABIC_LIMIT = 0.2
_MISSING = (
    "--embedder wordllama needs the wordllama package: pip install 'ragseed[wordllama]'"
    " (or use --embedder hash)"
)


def package_dir() -> Path:
    """The installed wordllama package's directory, found without importing it."""
    spec = importlib.util.find_spec("wordllama")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(_MISSING)
    return Path(next(iter(spec.submodule_search_locations)))


class WordLlamaEmbedder(Embedder):
    """Mean-pooled WordLlama token embeddings; see the module docstring."""

    def __init__(self) -> None:
        try:
            import numpy as np
            from safetensors.numpy import load_file
            from tokenizers import Tokenizer
        except ImportError as e:
            raise ConfigError(_MISSING) from e
        root = package_dir()
        if not (root / WEIGHTS).is_file() or not (root / TOKENIZER).is_file():
            raise ConfigError(
                f"--embedder wordllama: {root} lacks {WEIGHTS} or {TOKENIZER}; reinstall it:"
                " pip install --force-reinstall 'ragseed[wordllama]'"
            )
        self._np: Any = np
        self.weights: Any = np.ascontiguousarray(
            load_file(str(root / WEIGHTS))["embedding.weight"], dtype=np.float32
        )
        # Gathered in float64 directly (65 MB): a cast per batch cost more than the pooling.
        self.weights64: Any = self.weights.astype(np.float64)
        self.tokenizer: Any = Tokenizer.from_file(str(root / TOKENIZER))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        self.dim = int(self.weights.shape[1])
        self.name = "wordllama"

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        encoded = self.tokenizer.encode_batch(list(texts), add_special_tokens=False)
        return [e.ids for e in encoded]

    def _embed_into(self, texts: Sequence[str], out: array) -> None:  # type: ignore[type-arg]
        for i, text in enumerate(texts):
            if arabic_share(text) > ARABIC_LIMIT:
                raise ConfigError(
                    f"--embedder wordllama cannot embed Arabic text (text {i}: {text[:40]!r}...):"
                    " its tokenizer reduces Arabic to single letters, so every Arabic chunk would"
                    " get the same vector; use --embedder hash or a multilingual"
                    " sentence-transformers model"
                )
        np = self._np
        weights, last = self.weights64, self.weights.shape[0] - 1
        sums = np.zeros((len(texts), self.dim), dtype=np.float64)
        norms = np.zeros(len(texts), dtype=np.float64)
        for i, ids in enumerate(self.token_ids(texts)):
            if ids:
                # Summing a C-contiguous block over axis 0, numpy adds whole rows element-wise
                # in order (pairwise summation is only for the contiguous axis): the same
                # additions on every machine (tests/test_embedders_wordllama.py checks it against
                # an explicit loop). Float32 values summed in float64 are nearly always exact
                # anyway, which makes the order moot.
                # (Gathered per text: a few hundred kB that stay in cache.)
                sums[i] = weights[np.clip(ids, 0, last)].sum(axis=0)
                # fsum is correctly rounded: the norm does not depend on a summation order
                norms[i] = math.sqrt(math.fsum((sums[i] * sums[i]).tolist()))
        empty = norms == 0.0
        norms[empty] = 1.0
        # Element-wise IEEE division and rounding to float32: the same bits everywhere.
        unit = (sums / norms[:, None]).astype(np.float32)
        unit[empty] = 0.0
        out[:] = array("f", unit.tobytes())
        for i in np.flatnonzero(empty).tolist():
            fallback_into(out, i * self.dim)
