"""COPY encoding without a server (psycopg's lesson: keep formatting apart from the writer)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ragseed.load.copyfmt import column_encoders, decode_line, encode_rows


@given(st.lists(st.text(), min_size=1, max_size=5))
def test_text_round_trips(values: list[str]) -> None:
    cols = tuple(f"c{i}" for i in range(len(values)))
    data = encode_rows([tuple(values)], column_encoders(cols))
    assert data.count(b"\n") == 1  # embedded newlines are escaped
    assert decode_line(data.decode()) == values


def test_nulls_ints_arrays_and_timestamps() -> None:
    cols = ("id", "ord", "sources", "created_at", "error")
    row = ("a", 3, ["u1", "u2"], "2025-01-01 00:00:00", None)
    assert encode_rows([row], column_encoders(cols)) == (
        b"a\t3\t{u1,u2}\t2025-01-01 00:00:00+00\t\\N\n"
    )
    assert encode_rows([row], column_encoders(cols, "json")).split(b"\t")[2] == b'["u1", "u2"]'
    assert encode_rows([], column_encoders(cols)) == b""
