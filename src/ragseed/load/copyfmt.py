"""Row encoding, kept apart from the writers so it can be tested without a server.

PostgreSQL COPY text format: tab-separated, \\N for NULL, backslash escapes for backslash, tab,
newline and carriage return. Arrays are written as array literals; our array elements are UUIDs,
which never need quoting.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from functools import lru_cache

from ..core.rows import TIMESTAMP_COLUMNS, Row

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


def _kind(col: str, list_format: str) -> str:
    if col in TIMESTAMP_COLUMNS:
        return "timestamp"
    if col == "sources":
        return "array" if list_format == "array" else "json"
    if col in INT_COLUMNS or col in SAFE_COLUMNS:
        return "plain"
    return "text"


_ENCODERS: dict[str, Encoder] = {
    "timestamp": _timestamp, "array": _array, "json": _json, "plain": _plain, "text": _text,
}  # fmt: skip


def column_encoders(columns: Sequence[str], list_format: str = "array") -> list[Encoder]:
    """One encoder per column; list_format is 'array' (varchar[]) or 'json' (json/jsonb/text).
    The readable definition of the format; :func:`row_formatter` is its fast equivalent."""
    return [_ENCODERS[_kind(col, list_format)] for col in columns]


# Each kind as an expression over the value {v}: inlined into one f-string per table, because a
# Python call per value cost more than generating the rows (17 us per chunk on the full schema).
_INLINE = {
    "timestamp": "_N if {v} is None else '%s+00' % ({v},)",
    "array": "_array({v})",
    "json": "_json({v})",
    "plain": "_N if {v} is None else {v}",
    # (no backslash may appear inside an f-string's braces before Python 3.12: named constants)
    "text": "_N if {v} is None else str({v}).replace(_B, _EB).replace(_T, _ET)"
    ".replace(_L, _EL).replace(_R, _ER)",
}


_NAMES = {
    "_N": "\\N", "_array": _array, "_json": _json,
    "_B": "\\", "_EB": "\\\\", "_T": "\t", "_ET": "\\t", "_L": "\n", "_EL": "\\n",
    "_R": "\r", "_ER": "\\r",
}  # fmt: skip


@lru_cache(maxsize=64)
def row_formatter(
    columns: tuple[str, ...], list_format: str = "array", positions: tuple[int, ...] | None = None
) -> Callable[[Row], str]:
    """A function giving a row's COPY text line (without the newline), equal to joining
    :func:`column_encoders` with tabs. positions: where each column's value sits in the row
    (default: in order), so projecting onto the target's columns costs nothing extra."""
    where = positions if positions is not None else tuple(range(len(columns)))
    fields = [
        "{" + _INLINE[_kind(col, list_format)].format(v=f"r[{i}]") + "}"
        for col, i in zip(columns, where, strict=True)
    ]
    source = "lambda r: f" + repr("\t".join(fields))
    return eval(source, _NAMES)  # type: ignore[no-any-return]


def encode_rows(rows: Sequence[Row], line: Callable[[Row], str]) -> bytes:
    """COPY text for the rows; line is a :func:`row_formatter`."""
    # Encoded line by line: joining first would widen every ASCII line to the width of the
    # block's widest (Arabic) one, only to encode it back.
    return b"\n".join([line(r).encode() for r in rows]) + b"\n" if rows else b""


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
