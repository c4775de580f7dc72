"""The few SQL spellings that differ between PostgreSQL and SQLite."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from ..db.target import Target


@dataclass(frozen=True)
class Dialect:
    name: str  # postgresql | sqlite
    list_format: str  # how chat_turns.sources is stored: array | json
    tables: frozenset[str]
    chunk_columns: frozenset[str]

    @property
    def pg(self) -> bool:
        return self.name == "postgresql"

    @property
    def searchable(self) -> bool:
        """The engine's keyword search needs the tsvector column, which only PostgreSQL has."""
        return self.pg and "tsv" in self.chunk_columns

    def sources(self, turns: str = "t") -> tuple[str, str]:
        """(FROM clause with chat_turns as `turns` and one row per source, source id expr)."""
        if not self.pg:
            return f"chat_turns {turns}, json_each({turns}.sources) s", "s.value"
        if self.list_format == "array":
            fn = f"unnest({turns}.sources)"
        else:
            fn = f"jsonb_array_elements_text({turns}.sources::jsonb)"
        return f"chat_turns {turns} CROSS JOIN LATERAL {fn} AS s(chunk_id)", "s.chunk_id"

    def contains(self, haystack: str, needle: str) -> str:
        fn = "strpos" if self.pg else "instr"
        return f"{fn}({haystack}, {needle}) > 0"

    def bytewise(self, expr: str) -> str:
        """expr compared byte by byte, as SQLite does: a database's locale must not reorder ids."""
        return f'{expr} COLLATE "C"' if self.pg else expr

    def first_line(self, column: str) -> str:
        if self.pg:
            return f"split_part({column}, chr(10), 1)"
        return f"substr({column}, 1, instr({column} || char(10), char(10)) - 1)"

    def has_arabic(self, column: str) -> str:
        # The Arabic letters hamza (U+0621) .. yeh (U+064A): enough to tell the two languages apart.
        return f"({column} ~ '[ء-ي]')" if self.pg else f"({column} GLOB '*[ء-ي]*')"


def dialect_of(conn: Connection, target: Target) -> Dialect:
    from sqlalchemy import inspect

    chunk_cols = {c["name"] for c in inspect(conn).get_columns("chunk_store")}
    return Dialect(
        conn.dialect.name, target.list_format, frozenset(target.columns), frozenset(chunk_cols)
    )


def scalar(conn: Connection, sql: str, **params: Any) -> Any:
    from sqlalchemy import text

    return conn.execute(text(sql), params).scalar()


def count(conn: Connection, sql: str, **params: Any) -> int:
    return int(scalar(conn, sql, **params) or 0)


def decode_sources(value: Any) -> list[str]:
    """chat_turns.sources as a list: PostgreSQL arrays arrive as lists, JSON text elsewhere."""
    import json

    if value is None:
        return []
    if isinstance(value, str):
        value = json.loads(value)
    return [str(v) for v in value]
