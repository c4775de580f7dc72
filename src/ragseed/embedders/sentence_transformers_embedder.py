"""``sentence-transformers:MODEL``: any sentence-transformers model, e.g.
``sentence-transformers:sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2`` (which,
unlike wordllama, reads Arabic).

Optional (``pip install 'ragseed[sentence-transformers]'``; the model itself comes from the
Hugging Face cache or is downloaded by sentence-transformers). Texts are encoded one per forward
pass, so a text's vector does not depend on the batch it came in (padding a batch changes the
last bits); the float32 results are then normalised as every embedder's (:mod:`.normalise`).
Across machines, torch kernels may differ in the last bits: byte-identical vectors are promised
on one machine and library version only.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from typing import Any

from ..core.errors import ConfigError
from .base import Embedder
from .normalise import fallback_into, unit_into


class SentenceTransformersEmbedder(Embedder):
    def __init__(self, model: str) -> None:
        if not model:
            raise ConfigError(
                "--embedder sentence-transformers needs a model: sentence-transformers:MODEL,"
                " e.g. sentence-transformers:sentence-transformers/all-MiniLM-L6-v2"
            )
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as e:
            raise ConfigError(
                f"--embedder sentence-transformers:{model} needs the sentence-transformers"
                " package: pip install 'ragseed[sentence-transformers]'"
            ) from e
        try:
            self.model: Any = SentenceTransformer(model, device="cpu")
        except Exception as e:  # the library raises OSError, ValueError, HTTP errors...
            raise ConfigError(
                f"--embedder sentence-transformers:{model}: the model cannot be loaded"
                f" ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}); check the"
                " name on huggingface.co or that it is in the local Hugging Face cache"
            ) from e
        dim = self.model.get_sentence_embedding_dimension()
        if not dim:
            raise ConfigError(
                f"--embedder sentence-transformers:{model}: the model has no fixed dimension"
            )
        self.dim = int(dim)
        self.name = f"sentence-transformers:{model}"

    def _embed_into(self, texts: Sequence[str], out: array) -> None:  # type: ignore[type-arg]
        vectors = self.model.encode(
            list(texts), batch_size=1, convert_to_numpy=True, normalize_embeddings=False,
            show_progress_bar=False,
        )  # fmt: skip
        for i, v in enumerate(vectors):
            if not unit_into(v.astype("float64").tolist(), out, i * self.dim):
                fallback_into(out, i * self.dim)
