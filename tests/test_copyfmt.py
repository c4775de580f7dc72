"""COPY encoding without a server (psycopg's lesson: keep formatting apart from the writer)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ragseed.load.copyfmt import column_encoders, decode_line, encode_rows, row_formatter


@given(st.lists(st.text(), min_size=1, max_size=5))
def test_text_round_trips(values: list[str]) -> None:
    cols = tuple(f"c{i}" for i in range(len(values)))
    data = encode_rows([tuple(values)], row_formatter(cols))
    assert data.count(b"\n") == 1  # embedded newlines are escaped
    assert decode_line(data.decode()) == values


def test_nulls_ints_arrays_and_timestamps() -> None:
    cols = ("id", "ord", "sources", "created_at", "error")
    row = ("a", 3, ["u1", "u2"], "2025-01-01 00:00:00", None)
    assert encode_rows([row], row_formatter(cols)) == (
        b"a\t3\t{u1,u2}\t2025-01-01 00:00:00+00\t\\N\n"
    )
    assert encode_rows([row], row_formatter(cols, "json")).split(b"\t")[2] == b'["u1", "u2"]'
    assert encode_rows([], row_formatter(cols)) == b""


_VALUES = st.one_of(st.none(), st.text(), st.integers())
_COLUMNS = ("id", "ord", "created_at", "content", "title", "parent_id")


@given(st.lists(st.tuples(*[_VALUES] * len(_COLUMNS)), max_size=4), st.permutations(range(6)))
def test_row_formatter_is_the_column_encoders(
    rows: list[tuple[object, ...]], order: list[int]
) -> None:
    """The compiled formatter (with a projection) gives what the per-value encoders give."""
    cols = tuple(_COLUMNS[i] for i in order)
    line = row_formatter(cols, "array", tuple(order))
    encoders = column_encoders(cols)
    for row in rows:
        expected = "\t".join(enc(row[i]) for enc, i in zip(encoders, order, strict=True))
        assert line(row) == expected


def test_row_formatter_lists() -> None:
    for fmt, expected in (("array", "{u1,u2}"), ("json", '["u1", "u2"]')):
        assert row_formatter(("sources",), fmt)((["u1", "u2"],)) == expected
