"""Row encoding, kept apart from the writers so it can be tested without a server.

PostgreSQL COPY text format: tab-separated, \\N for NULL, backslash escapes for backslash, tab,
newline and carriage return. Arrays are written as array literals; our array elements are UUIDs,
which never need quoting.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from ..generate.rows import TIMESTAMP_COLUMNS, Row

#: Values ragseed makes itself from hex digits, letters and dashes: nothing to escape.
SAFE_COLUMNS = frozenset(
    {"id", "user_id", "document_id", "chunk_id", "session_id", "parent_id", "chunk_hash",
     "file_sha256", "status", "api_key"}
)  # fmt: skip
INT_COLUMNS = frozenset(
    {"ord", "size_bytes", "retrieval_k", "embed_ms", "search_ms", "llm_ms", "prompt_tokens",
     "completion_tokens"}
)  # fmt: skip

Encoder = Callable[[object], str]


def _text(v: object) -> str:
    # Chained replace() runs in C; str.translate with a dict looks up every character.
    if v is None:
        return "\\N"
    return (
        str(v).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
        .replace("\r", "\\r")
    )  # fmt: skip


def _plain(v: object) -> str:  # ints and other values that cannot hold special characters
    return "\\N" if v is None else str(v)


def _timestamp(v: object) -> str:
    return "\\N" if v is None else f"{v}+00"


def _array(v: object) -> str:
    assert isinstance(v, list)
    return "{" + ",".join(v) + "}"


def _json(v: object) -> str:
    return _text(json.dumps(v))


def column_encoders(columns: Sequence[str], list_format: str = "array") -> list[Encoder]:
    """One encoder per column; list_format is 'array' (varchar[]) or 'json' (json/jsonb/text)."""
    out: list[Encoder] = []
    for col in columns:
        if col in TIMESTAMP_COLUMNS:
            out.append(_timestamp)
        elif col == "sources":
            out.append(_array if list_format == "array" else _json)
        elif col in INT_COLUMNS or col in SAFE_COLUMNS:
            out.append(_plain)
        else:
            out.append(_text)
    return out


def encode_rows(rows: Sequence[Row], encoders: Sequence[Encoder]) -> bytes:
    """COPY text for the rows, already projected onto the encoders' columns."""
    lines = ["\t".join([enc(v) for enc, v in zip(encoders, row, strict=True)]) for row in rows]
    return ("\n".join(lines) + "\n").encode() if lines else b""


def decode_line(line: str) -> list[str | None]:
    """The inverse of one encoded line (for tests and tools): fields with escapes undone."""
    out: list[str | None] = []
    for field in line.rstrip("\n").split("\t"):
        if field == "\\N":
            out.append(None)
            continue
        chars, i = [], 0
        while i < len(field):
            c = field[i]
            if c == "\\" and i + 1 < len(field):
                nxt = field[i + 1]
                chars.append({"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}.get(nxt, nxt))
                i += 2
            else:
                chars.append(c)
                i += 1
        out.append("".join(chars))
    return out
