"""``openai:MODEL``: the OpenAI embeddings API (``POST {base}/embeddings``), e.g.
``openai:text-embedding-3-small``.

Needs no package (the standard library's HTTP client) but an API key: ``OPENAI_API_KEY``, and
``OPENAI_BASE_URL`` for a compatible server. Texts go in batches (``batch_size`` per request,
``concurrency`` requests at once); 429 and 5xx answers and connection errors are retried with
exponential backoff (``Retry-After`` honoured), other errors end the run with one line. Every
vector paid for is kept in a persistent cache (:mod:`.cache`) keyed by (model, sha256 of the
text), so a re-run, or another process, never pays twice, and gets the same vector back: the API
itself does not promise identical vectors from call to call.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from array import array
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..core.errors import ConfigError
from .base import Embedder
from .cache import EmbeddingCache
from .normalise import fallback_into, unit_into

DEFAULT_BASE_URL = "https://api.openai.com/v1"
#: Known sizes; another model's is read from its first answer.
DIMS = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
}
_PROBE = "dimension probe"
RETRY_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})


class OpenAIEmbedder(Embedder):
    def __init__(
        self, model: str, *, api_key: str | None = None, base_url: str | None = None,
        cache: EmbeddingCache | Path | str | None = None, batch_size: int = 256,
        concurrency: int = 4, max_retries: int = 6, backoff: float = 0.5, max_backoff: float = 30.0,
        timeout: float = 60.0, sleep: Callable[[float], None] = time.sleep,
    ) -> None:  # fmt: skip
        if not model:
            raise ConfigError(
                "--embedder openai needs a model: openai:MODEL, e.g. openai:text-embedding-3-small"
            )
        key = api_key if api_key is not None else os.environ.get("OPENAI_API_KEY", "")
        if not key:
            raise ConfigError(
                f"--embedder openai:{model} needs an API key: set OPENAI_API_KEY"
                " (or use --embedder hash, which needs none)"
            )
        self.model, self._key = model, key
        base = base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL
        self.url = base.rstrip("/") + "/embeddings"
        self.cache = cache if isinstance(cache, EmbeddingCache) else EmbeddingCache(cache)
        self.batch_size, self.concurrency = max(1, batch_size), max(1, concurrency)
        self.max_retries, self.backoff, self.max_backoff = max_retries, backoff, max_backoff
        self.timeout, self._sleep = timeout, sleep
        self.name = f"openai:{model}"
        self.requests = 0  # HTTP requests sent, retries included (what the cache saves)
        known = DIMS.get(model)
        # Another model's size is read from one (cached) probe: it also checks key and model now
        # rather than in the middle of a run.
        self.dim = known if known is not None else len(self._vectors([_PROBE])[_PROBE])

    def _embed_into(self, texts: Sequence[str], out: array) -> None:  # type: ignore[type-arg]
        vectors = self._vectors(texts)
        dim = self.dim
        for i, text in enumerate(texts):
            v = vectors[text]
            if len(v) != dim:
                raise ConfigError(
                    f"--embedder {self.name}: the API returned {len(v)} dimensions, not {dim}"
                )
            if not unit_into(v.tolist(), out, i * dim):
                fallback_into(out, i * dim)

    def _vectors(self, texts: Sequence[str]) -> dict[str, array]:  # type: ignore[type-arg]
        """Every distinct text's raw vector: from the cache, or paid for and cached."""
        distinct = list(dict.fromkeys(texts))
        found = self.cache.get_many(self.model, distinct)
        missing = [t for t in distinct if t not in found]
        batches = [
            missing[i : i + self.batch_size] for i in range(0, len(missing), self.batch_size)
        ]
        if not batches:
            return found
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(batches))) as pool:
            # Each batch is cached as soon as it arrives: a run that fails half-way keeps what
            # it paid for.
            for batch, vectors in zip(batches, pool.map(self._request, batches), strict=True):
                self.cache.put_many(self.model, zip(batch, vectors, strict=True))
                for text, v in zip(batch, vectors, strict=True):
                    found[text] = array("f", v)
        return found

    def _request(self, batch: list[str]) -> list[list[float]]:
        # The API rejects empty strings: a single space embeds the same nothing.
        body = json.dumps(
            {"model": self.model, "input": [t or " " for t in batch], "encoding_format": "float"}
        ).encode()
        headers = {"Authorization": f"Bearer {self._key}", "Content-Type": "application/json"}
        for attempt in range(self.max_retries + 1):
            self.requests += 1
            request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    data = json.load(response)
                rows = sorted(data["data"], key=lambda r: r["index"])
                if len(rows) != len(batch):
                    raise ConfigError(
                        f"--embedder {self.name}: the API returned {len(rows)} vectors for"
                        f" {len(batch)} texts"
                    )
                return [[float(x) for x in r["embedding"]] for r in rows]
            except urllib.error.HTTPError as e:
                if e.code not in RETRY_STATUS or attempt == self.max_retries:
                    raise ConfigError(self._http_error(e.code, _detail(e))) from e
                wait = _retry_after(e.headers.get("Retry-After"))
            except (ValueError, KeyError, TypeError) as e:  # not the API's answer shape
                raise ConfigError(
                    f"--embedder {self.name}: {self.url} did not answer like the embeddings API"
                    f" ({type(e).__name__}: {e}); check OPENAI_BASE_URL"
                ) from e
            except (urllib.error.URLError, TimeoutError, ConnectionError) as e:
                if attempt == self.max_retries:
                    raise ConfigError(
                        f"--embedder {self.name}: {self.url} cannot be reached ({e}); check the"
                        " network or OPENAI_BASE_URL"
                    ) from e
                wait = None
            self._sleep(
                wait if wait is not None else min(self.max_backoff, self.backoff * 2**attempt)
            )
        raise AssertionError("unreachable")  # pragma: no cover

    def _http_error(self, status: int, detail: str) -> str:
        if status == 401:
            return f"--embedder {self.name}: the API key was rejected (401); check OPENAI_API_KEY"
        if status == 404:
            return f"--embedder {self.name}: unknown model (404: {detail}); check the model name"
        if status in RETRY_STATUS:
            return (
                f"--embedder {self.name}: the API still answered {status} after"
                f" {self.max_retries} retries ({detail}); try again later or lower the concurrency"
            )
        return f"--embedder {self.name}: the API answered {status} ({detail})"


def _detail(e: urllib.error.HTTPError) -> str:
    try:
        body = json.loads(e.read() or b"{}")
        return str(body.get("error", {}).get("message", ""))[:200] or str(e.reason)
    except (ValueError, AttributeError, OSError):
        return str(e.reason)


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None
