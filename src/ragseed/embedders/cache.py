"""A persistent cache of paid embeddings: (model, sha256 of the text) -> float32 vector, in a
SQLite file, so a re-run never pays twice for the same text.

Default file: ``~/.cache/ragseed/embeddings.sqlite``; ``RAGSEED_EMBEDDING_CACHE`` or the
``path`` argument override it. Vectors are stored as little-endian float32 bytes, as returned
by the API (before normalisation), so the cache holds what was paid for.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import sys
import threading
from array import array
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..core.errors import ConfigError
from .base import le_bytes

ENV = "RAGSEED_EMBEDDING_CACHE"


def default_path() -> Path:
    env = os.environ.get(ENV)
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "ragseed" / "embeddings.sqlite"


def text_key(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


class EmbeddingCache:
    """Thread-safe: one connection, used under a lock (SQLite writes are serial anyway)."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else default_path()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS embeddings (model TEXT NOT NULL, sha256 BLOB NOT NULL,"
                " vector BLOB NOT NULL, PRIMARY KEY (model, sha256)) WITHOUT ROWID"
            )
        except (OSError, sqlite3.Error) as e:
            raise ConfigError(
                f"the embedding cache {self.path} cannot be opened ({e}); set {ENV} to a"
                " writable file"
            ) from e
        self._lock = threading.Lock()

    def get_many(self, model: str, texts: Sequence[str]) -> dict[str, array]:  # type: ignore[type-arg]
        """The cached vectors of those ``texts`` that have one."""
        keys = {text_key(t): t for t in texts}
        found: dict[str, array] = {}  # type: ignore[type-arg]
        items = list(keys)
        with self._lock:
            for start in range(0, len(items), 500):  # SQLite's bound-parameter limit
                part = items[start : start + 500]
                marks = ",".join("?" * len(part))
                for key, blob in self._db.execute(
                    "SELECT sha256, vector FROM embeddings"
                    f" WHERE model = ? AND sha256 IN ({marks})",
                    [model, *part],
                ):
                    vector = array("f")
                    vector.frombytes(blob)
                    if sys.byteorder == "big":  # pragma: no cover - stored little-endian
                        vector.byteswap()
                    found[keys[key]] = vector
        return found

    def put_many(self, model: str, items: Iterable[tuple[str, Sequence[float]]]) -> None:
        rows = [(model, text_key(t), le_bytes(array("f", v))) for t, v in items]
        with self._lock:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)", rows)
            self._db.execute("COMMIT")

    def count(self, model: str) -> int:
        with self._lock:
            (n,) = self._db.execute(
                "SELECT count(*) FROM embeddings WHERE model = ?", [model]
            ).fetchone()
        return int(n)

    def close(self) -> None:
        with self._lock:
            self._db.close()
