"""``load(spec)``: an embedder from its spec string, as ``--embedder`` and the ledger write it.

Specs: ``hash`` (256-d), ``hash:N``, ``wordllama``, ``sentence-transformers:MODEL``,
``openai:MODEL``; any of them may end in ``@N`` (a model projected to N dimensions, see
:mod:`.projection`; ``hash@N`` is ``hash:N``). ``load(spec, dim=N)`` is the ``--dim N`` flag:
the hash dimension for ``hash``, a projection for the others (none when the model already has
N). An embedder's
``.name`` is the spec that loads it again, e.g. ``load("wordllama", dim=384).name ==
"wordllama@384"``.
"""

from __future__ import annotations

from typing import Any

from ..core.errors import ConfigError
from .base import Embedder
from .hash_embedder import DEFAULT_DIM, HashEmbedder
from .projection import Projected

KINDS = ("hash", "wordllama", "sentence-transformers", "openai")
_USAGE = (
    "use hash, hash:N, wordllama, sentence-transformers:MODEL or openai:MODEL"
    " (optionally ending in @N for N dimensions)"
)


def _int(text: str, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 2:
        raise ConfigError(f"{what} must be a whole number of dimensions >= 2, not {text!r}")
    return value


def load(spec: str, *, dim: int | None = None, **options: Any) -> Embedder:
    """The embedder ``spec`` names (see the module docstring). ``options`` go to the model's
    class (e.g. ``cache=`` or ``concurrency=`` for openai)."""
    spec = spec.strip()
    base, at, projected = spec.rpartition("@") if "@" in spec else (spec, "", "")
    if at:
        size = _int(projected, f"--embedder {spec}: the size after @")
        if dim is not None and dim != size:
            raise ConfigError(f"--embedder {spec} and --dim {dim} disagree: give one size")
        dim = size
    if dim is not None and dim < 2:
        raise ConfigError(f"--dim {dim}: a vector needs at least 2 dimensions")
    kind, _, arg = base.partition(":")
    if kind == "hash":
        hashed = _int(arg, f"--embedder {spec}: the size after hash:") if arg else None
        if hashed is not None and dim is not None and hashed != dim:
            if at:  # hash:N@M, as a projected hash embedder names itself
                return Projected(HashEmbedder(hashed), dim)
            raise ConfigError(f"--embedder {spec} and --dim {dim} disagree: give one size")
        return HashEmbedder(hashed or dim or DEFAULT_DIM)
    model: Embedder
    if kind == "wordllama":
        if arg:
            raise ConfigError(f"--embedder {spec}: wordllama takes no model name; use wordllama")
        from .wordllama_embedder import WordLlamaEmbedder

        model = WordLlamaEmbedder(**options)
    elif kind == "sentence-transformers":
        from .sentence_transformers_embedder import SentenceTransformersEmbedder

        model = SentenceTransformersEmbedder(arg, **options)
    elif kind == "openai":
        from .openai_embedder import OpenAIEmbedder

        model = OpenAIEmbedder(arg, **options)
    else:
        raise ConfigError(f"--embedder {spec!r} is unknown: {_USAGE}")
    if dim is None or dim == model.dim:
        return model
    return Projected(model, dim)
